import { createRequire } from 'node:module';
import type * as Undici from 'undici';

/**
 * The parts of undici labops uses, each loaded from its own module. undici's index loads all of
 * undici at import — fetch, WebSocket, EventSource, caches, cookies, mocks, HTTP/2 — which the bot
 * never runs: 2.4 MB of its idle heap and ~1 MB of Node's own modules (issue 12 §6). undici has
 * no exports map, so these paths are reachable; test/net/undici.test.ts fails when a release
 * moves them, and checks that no other module imports undici's index.
 */
const require = createRequire(import.meta.url);

// As undici's index does: the request API (request, stream, pipeline, …) on every dispatcher.
const Dispatcher = require('undici/lib/dispatcher/dispatcher.js') as { prototype: object };
Object.assign(Dispatcher.prototype, require('undici/lib/api/index.js'));

export const Agent = require('undici/lib/dispatcher/agent.js') as typeof Undici.Agent;
export const Pool = require('undici/lib/dispatcher/pool.js') as typeof Undici.Pool;
export const errors = require('undici/lib/core/errors.js') as typeof Undici.errors;
export const buildConnector = require('undici/lib/core/connect.js') as typeof Undici.buildConnector;
export type Agent = Undici.Agent;
export type Pool = Undici.Pool;
export declare namespace buildConnector {
  type BuildOptions = Undici.buildConnector.BuildOptions;
  type connector = Undici.buildConnector.connector;
  type Options = Undici.buildConnector.Options;
}

export type RequestOptions = NonNullable<Parameters<typeof Undici.request>[1]> & {
  /** labops names the dispatcher of every request; undici's global one is never used. */
  dispatcher: Undici.Dispatcher;
};

/** undici's `request(url, options)`: the same request, through the dispatcher the options name. */
export function request(url: string | URL, options: RequestOptions): ReturnType<typeof Undici.request> {
  const { origin, pathname, search } = new URL(url);
  const { dispatcher, ...rest } = options;
  return dispatcher.request({
    ...rest,
    origin,
    path: `${pathname}${search}`,
    method: options.method ?? (options.body ? 'PUT' : 'GET'),
  });
}
