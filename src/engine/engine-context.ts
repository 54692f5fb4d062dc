import type { z } from 'zod';
import { LabopsError } from '../errors.js';
import { renderEnglish } from '../i18n/render.js';
import { list, msg, type Text, type TextList, verbatim } from '../i18n/text.js';
import type { Clock, Sleep } from '../time.js';
import type { EngineTransport, WriteListener } from './transport.js';
import { type WaitSpec, type WaitTiming, waitFor } from './wait.js';

/*
 * What every resource module (hosts.ts, vms.ts, storage-domains.ts, …) shares: one transport, the
 * waits' timings, the clock, and the correlation id, write hook and signal of the client that calls it.
 */

/** Waits the client runs, each with its own timing (ovirt-api.md §7). */
export interface EngineWaits {
  /** Storage domains, disks, data centers, transfers: short (3 min). */
  short: WaitTiming;
  /** Hosts (maintenance, activation, install): long (10 min). */
  long: WaitTiming;
}

/** Per-call options every operation takes. */
export interface CallOptions {
  signal?: AbortSignal | undefined;
}

/** Options of a wait: the timing may be overridden per wait. */
export interface WaitCallOptions extends CallOptions {
  timing?: WaitTiming | undefined;
  /** Event index seen before the action (§6.5): failure events after it end the wait. */
  sinceEventIndex?: number | undefined;
  /** Each value read, in English (transitional: the step tails are plain lines for now). */
  onPoll?: ((seen: string) => void) | undefined;
  /** Each value read, as text to render in the reader's language. */
  onPollText?: ((seen: Text) => void) | undefined;
}

/** The engine as one client sees it: built by `EngineClient`, passed to every resource operation. */
export interface EngineContext {
  readonly transport: EngineTransport;
  readonly waits: EngineWaits;
  /** Injected pace of the waits; the real timer when absent. */
  readonly sleep: Sleep | undefined;
  readonly now: Clock;
  /** Tags each request so the engine's jobs and events trace to the labops job (§1.5). */
  readonly correlationId: string | undefined;
  /** Hears of every request that may change the engine before it goes out. */
  readonly onWrite: WriteListener | undefined;
  /** The signal of every call that passes none (`EngineClient.withSignal`: a command's or a step's). */
  readonly signal: AbortSignal | undefined;
  /** Data center ids by name, shared by every client derived from one (a data center's id never changes). */
  readonly dataCenterIds: Map<string, string>;
}

/** The signal a call runs under: its own, else the one its client is bound to. */
export function signalOf(context: EngineContext, options: CallOptions): AbortSignal | undefined {
  return options.signal ?? context.signal;
}

/** The per-request options of a call: the client's correlation id and write hook, the call's signal. */
export function toRequestOptions(
  context: EngineContext,
  options: CallOptions,
): {
  correlationId: string | undefined;
  signal: AbortSignal | undefined;
  onWrite: WriteListener | undefined;
} {
  return {
    correlationId: context.correlationId,
    signal: signalOf(context, options),
    onWrite: context.onWrite,
  };
}

/** GETs `path` and reads the answer through `schema`; an empty body is an engine failure. */
export async function getJson<S extends z.ZodType>(
  context: EngineContext,
  path: string,
  schema: S,
  options: CallOptions,
  query?: Record<string, string | number | undefined>,
): Promise<z.output<S>> {
  const value = await context.transport.request({
    method: 'GET',
    path,
    query,
    schema,
    ...toRequestOptions(context, options),
  });
  if (value === undefined) {
    throw new LabopsError(
      'ENGINE_UNAVAILABLE',
      msg('engine.answer.emptyBody', { request: verbatim(`GET ${path || '/'}`) }),
    );
  }
  return value as z.output<S>;
}

/** Runs a wait at `timing` unless the caller overrides it, on the context's clock and sleep. */
export function runWait<T>(
  context: EngineContext,
  spec: WaitSpec<T>,
  options: WaitCallOptions,
  timing: WaitTiming,
): Promise<T> {
  return waitFor(spec, {
    timing: options.timing ?? timing,
    now: context.now,
    signal: signalOf(context, options),
    ...(context.sleep ? { sleep: context.sleep } : {}),
    ...(options.onPoll || options.onPollText
      ? {
          onPoll: (seen: Text) => {
            options.onPollText?.(seen);
            options.onPoll?.(renderEnglish(seen));
          },
        }
      : {}),
  });
}

/** Engine states a wait looks for, as the language lists them: `maintenance or up`. */
export function listStates(states: readonly string[]): TextList {
  return list(states.map(verbatim), 'or');
}

/** A path segment: ids come from the engine, but never splice unescaped text into a URL. */
export function seg(id: string): string {
  return encodeURIComponent(id);
}

/** `name="x"`, quoted as the ansible modules do (§2.7). */
export function quoteSearch(value: string): string {
  return `"${value.replace(/["\\]/g, '')}"`;
}

export function searchByName(name: string): Record<string, string> {
  return { search: `name=${quoteSearch(name)}` };
}

/** Exact name match; the engine's search is case-insensitive and treats `*` as a wildcard. */
/** The object named exactly `name` in a collection, looked up with the engine's search (§2.7). */
export async function findNamed<S extends z.ZodType<unknown[]>, T extends { name: string }>(
  context: EngineContext,
  collection: { path: string; schema: S; toItem: (raw: z.output<S>[number]) => T; kind: NamedKind },
  name: string,
  options: CallOptions,
): Promise<T> {
  const list = await getJson(context, collection.path, collection.schema, options, searchByName(name));
  return requireNamed(list.map(collection.toItem), name, collection.kind);
}

/** What a look-up by name looks for, as the not-found message names it. */
export type NamedKind = 'host' | 'dataCenter' | 'storageDomain' | 'vm';

export function requireNamed<T extends { name: string }>(list: T[], name: string, kind: NamedKind): T {
  const found =
    list.find((x) => x.name === name) ?? list.find((x) => x.name.toLowerCase() === name.toLowerCase());
  if (!found) throw new LabopsError('NOT_FOUND', msg('engine.answer.noneNamed', { kind, name }));
  return found;
}
