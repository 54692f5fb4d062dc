import { createSecureContext } from 'node:tls';
import type { z } from 'zod';
import { LabopsError } from '../errors.js';
import { renderEnglish } from '../i18n/render.js';
import { msg, verbatim } from '../i18n/text.js';
import { createSilentLogger, type Logger } from '../log.js';
import { Pool } from '../net/undici.js';
import { cancelledBy, realSleep, type Sleep } from '../time.js';
import {
  headerOf,
  isEngineUnavailable,
  isRefusedBeforeActing,
  isRetryableConflict,
  markPermanent,
  parseEngineFailure,
  translateNetworkError,
} from './faults.js';
import { ConcurrencyGate } from './gate.js';
import { ActionResultSchema, ApiRootSchema } from './schemas.js';
import { SpareConnections } from './spare-connections.js';
import { type EngineAnswer, requestSsoToken, revokeSsoToken, type SendToEngine } from './sso.js';
import {
  type ApiLevel,
  checkRequest,
  isVersionDependent,
  parseEngineVersion,
  resolveApiLevel,
} from './versions.js';

/** How the transport retries (ovirt-api.md §7). */
export interface RetryOptions {
  /** Attempts for idempotent reads on 5xx and network errors. */
  readAttempts: number;
  /** Attempts for a change refused with a 409 "in progress / locked" (ansible: 5 tries, 1 s, ×2). */
  conflictAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

export interface EngineTransportOptions {
  /** The engine's address: `https://engine.lab` (a trailing `/ovirt-engine[/api]` is accepted). */
  url: string;
  user: string;
  password: string;
  /** The engine CA (PEM) to trust; required unless `insecure`. */
  ca?: string | undefined;
  /** Skip certificate verification (lab shortcut; the caller logs a warning). */
  insecure?: boolean | undefined;
  /** Deadline of one request, answer included. Default 30 s. */
  timeoutMs?: number | undefined;
  /** Requests in flight at once; the rest queue. Default 8. */
  maxConcurrency?: number | undefined;
  retry?: Partial<RetryOptions> | undefined;
  sleep?: Sleep | undefined;
  /** One info line per exchange with the engine, and warnings. */
  logger?: Logger | undefined;
  /** Told of every HTTP exchange with the engine once it ended (metrics, issue 12 §4). */
  observe?: EngineObserver | undefined;
}

/** One HTTP exchange with the engine, as an observer hears of it. */
export interface EngineExchange {
  method: string;
  /** The path without its query: `/ovirt-engine/api/hosts/123/deactivate`. */
  path: string;
  /** The answer's HTTP status, or why there was none. */
  status: number | 'timeout' | 'cancelled' | 'network';
  durationMs: number;
  correlationId: string | undefined;
}

export type EngineObserver = (exchange: EngineExchange) => void;

export interface RequestSpec<S extends z.ZodType | undefined> {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** Path under `/ovirt-engine/api`, e.g. `/hosts/123/deactivate`. */
  path: string;
  query?: Record<string, string | number | boolean | undefined> | undefined;
  /** A JSON body; actions send at least `{}` (§2.5). */
  body?: unknown;
  schema?: S;
  correlationId?: string | undefined;
  /** Answer `undefined` for a 404 instead of failing (§2.4: the DC-scoped view of an unattached domain). */
  allowNotFound?: boolean;
  signal?: AbortSignal | undefined;
  /** Told of every request that may change the engine (issue 9 §5: a job's writes). */
  onWrite?: WriteListener | undefined;
}

type Parsed<S> = S extends z.ZodType ? z.output<S> : unknown;

const DEFAULT_RETRY: RetryOptions = {
  readAttempts: 3,
  conflictAttempts: 5,
  baseDelayMs: 1000,
  maxDelayMs: 8000,
};

/**
 * The engine's HTTP layer: one keep-alive pool per engine, a concurrency limiter, the SSO token
 * (fetched lazily, renewed once on a 401 and the request replayed — ovirt-api.md §1.2), JSON with
 * `Version: 4`, timeouts, safe retries, and every failure translated to a LabopsError (faults.ts;
 * the login and logout exchanges are sso.ts's).
 */
export class EngineTransport {
  readonly origin: string;
  /** TLS settings for other engine endpoints (the imageio daemon and proxy). */
  readonly tls: { ca?: string; rejectUnauthorized: boolean };
  private readonly pool: Pool;
  private readonly spares: SpareConnections;
  private readonly limiter: ConcurrencyGate;
  /** Reads in flight that an identical read may join (sendOrShare), by token, path and query. */
  private readonly sharedReads = new Map<string, { writes: number; answer: Promise<EngineAnswer> }>();
  /** Writes this client has sent: a read joins no read that began before the last of them. */
  private writes = 0;
  private readonly options: EngineTransportOptions;
  private readonly retry: RetryOptions;
  private readonly timeoutMs: number;
  private readonly sleep: Sleep;
  private readonly logger: Logger;
  private token: string | undefined;
  private login: Promise<string> | undefined;
  /** The engine's version, read from the API root right after each login (issue 9 §1). */
  private level: Promise<ApiLevel> | undefined;
  private warnedVersion: string | undefined;
  /** No new request is taken once close() began; requests already sent go on. */
  private closed = false;
  /** The token is being revoked: nothing may log in again. */
  private loggedOut = false;
  private closing: Promise<void> | undefined;
  /** Requests taken before close(), awaited by it (issue 9 §8). */
  private readonly inFlight = new Set<{ running: Promise<unknown>; controller: AbortController }>();
  /** Aborted when close()'s grace period ends, with everything still in flight. */
  private readonly shutdown = new AbortController();

  constructor(options: EngineTransportOptions) {
    if (!options.ca && !options.insecure) {
      throw new LabopsError('CONFIG', msg('engine.transport.noCa'), {
        hint: msg('engine.transport.noCaHint'),
      });
    }
    this.options = options;
    this.origin = parseEngineOrigin(options.url);
    this.retry = { ...DEFAULT_RETRY, ...options.retry };
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.sleep = options.sleep ?? realSleep;
    this.logger = options.logger ?? createSilentLogger();
    const maxConcurrent = options.maxConcurrency ?? 8;
    this.tls =
      options.insecure || !options.ca
        ? { rejectUnauthorized: false }
        : { ca: options.ca, rejectUnauthorized: true };
    // One TLS context for every connection to this engine: without it each connection builds its
    // own, parsing the CA again (~0.5 ms of the event loop per connection, on the way of a click
    // that opens two; issue 14 §5).
    this.spares = new SpareConnections(this.origin, {
      ...this.tls,
      secureContext: createSecureContext(this.tls.ca ? { ca: this.tls.ca } : {}),
    });
    this.pool = new Pool(this.origin, { connections: maxConcurrent, connect: this.spares.connect });
    this.limiter = new ConcurrencyGate(maxConcurrent);
  }

  /**
   * Opens connections for `count` requests about to come, beyond those already open and idle, so
   * that the TLS handshakes run while the caller still reads its store (a click's re-check).
   * Counted now, opened on the next turn of the event loop (SpareConnections.open), each closed
   * unused after `holdMs` (its default when not given).
   */
  preconnect(count: number, holdMs?: number): void {
    if (this.closed) return;
    const missing =
      Math.min(count, this.options.maxConcurrency ?? 8) - this.pool.stats.free - this.spares.count;
    if (missing > 0) this.spares.open(missing, holdMs);
  }

  /** Sends one API request and parses the answer with `spec.schema`. */
  request<S extends z.ZodType | undefined = undefined>(spec: RequestSpec<S>): Promise<Parsed<S> | undefined> {
    if (this.closed) return Promise.reject(usedAfterClose());
    return this.track(spec.signal, (signal) => this.requestWithRetries({ ...spec, signal }));
  }

  private async requestWithRetries<S extends z.ZodType | undefined>(
    spec: RequestSpec<S>,
  ): Promise<Parsed<S> | undefined> {
    const isRead = spec.method === 'GET';
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.requestOnce(spec);
      } catch (error) {
        const retryable = isRead ? isEngineUnavailable(error) : isRetryableConflict(error);
        const attempts = isRead ? this.retry.readAttempts : this.retry.conflictAttempts;
        if (!retryable || attempt >= attempts || spec.signal?.aborted) throw error;
        const delayMs = Math.min(this.retry.baseDelayMs * 2 ** (attempt - 1), this.retry.maxDelayMs);
        this.logger.debug(
          { method: spec.method, path: spec.path, attempt, delayMs, err: (error as Error).message },
          'engine request retried',
        );
        await this.sleep(delayMs, spec.signal);
      }
    }
  }

  /** An action (`POST .../verb`): fails on an echoed fault even inside a 2xx (§2.5). */
  async action(path: string, body: unknown, options: ActionOptions = {}): Promise<ActionResult> {
    const result = await this.request({
      method: 'POST',
      path,
      body: body ?? {},
      schema: ActionResultSchema,
      correlationId: options.correlationId,
      signal: options.signal,
      onWrite: options.onWrite,
    });
    if (result?.status === 'failed' || result?.fault) {
      const said = result.fault?.detail ?? result.fault?.reason;
      const request = verbatim(`POST ${path}`);
      throw new LabopsError(
        'ENGINE_REJECTED',
        said === undefined
          ? msg('engine.transport.actionFailed', { request })
          : msg('engine.fault.refusedSaid', { request, detail: verbatim(said) }),
      );
    }
    return { status: result?.status ?? 'complete', jobId: result?.job?.id };
  }

  /** GET of an unauthenticated engine service (pki-resource, health). Answers the body text. */
  getServiceText(pathAndQuery: string, signal?: AbortSignal): Promise<string> {
    if (this.closed) return Promise.reject(usedAfterClose());
    return this.track(signal, (combined) => this.fetchServiceText(pathAndQuery, combined));
  }

  private async fetchServiceText(pathAndQuery: string, signal: AbortSignal): Promise<string> {
    const { statusCode, headers, text } = await this.send('GET', `/ovirt-engine/services${pathAndQuery}`, {
      headers: {},
      signal,
    });
    if (statusCode !== 200) {
      throw parseEngineFailure({
        method: 'GET',
        path: pathAndQuery.split('?')[0] ?? pathAndQuery,
        status: statusCode,
        contentType: headerOf(headers, 'content-type'),
        body: text,
      });
    }
    return text;
  }

  /**
   * Stops taking requests, lets those already taken finish (at most one request deadline, then
   * they are aborted), and only then revokes the token (§1.3) and closes the connections: a read
   * still running must not go out with a revoked token (issue 9 §8). Safe to call twice.
   */
  close(): Promise<void> {
    this.closing ??= this.shutDown();
    return this.closing;
  }

  private async shutDown(): Promise<void> {
    this.closed = true;
    if (this.inFlight.size > 0 && !(await this.settleInFlight(this.timeoutMs))) {
      this.logger.warn(
        { requests: this.inFlight.size, graceMs: this.timeoutMs },
        'engine requests still running at close were aborted',
      );
      const reason = new LabopsError('CANCELLED', msg('engine.transport.closedBeforeAnswer'), {
        hint: msg('engine.transport.closedBeforeAnswerHint'),
      });
      this.shutdown.abort(reason);
      for (const request of this.inFlight) request.controller.abort(reason);
      await this.settleInFlight(undefined);
    }
    // A login still running would leave a session the logout below cannot revoke, and the
    // version read that follows a login would go out with a revoked token.
    await this.login?.catch(() => undefined);
    await this.level?.catch(() => undefined);
    this.loggedOut = true;
    const token = this.token;
    this.token = undefined;
    if (token) {
      try {
        await revokeSsoToken((method, path, init) => this.send(method, path, init), token);
      } catch (error) {
        this.logger.warn({ err: (error as Error).message }, 'engine logout failed');
      }
    }
    this.limiter.stop(new Error('the engine client is closed'));
    this.spares.close();
    await this.pool.close();
  }

  /** Whether every request in flight settled within `graceMs` (undefined: waits until they do). */
  private async settleInFlight(graceMs: number | undefined): Promise<boolean> {
    const all = Promise.allSettled([...this.inFlight].map((r) => r.running)).then(() => true);
    if (graceMs === undefined) return all;
    const timer = new AbortController();
    const grace = this.sleep(graceMs, timer.signal).then(
      () => false,
      () => false,
    );
    try {
      return await Promise.race([all, grace]);
    } finally {
      timer.abort();
    }
  }

  /**
   * Runs one request under a signal of its own — the caller's, and close()'s once its grace
   * period ends — and keeps it in `inFlight` until it settles.
   */
  private track<T>(
    callerSignal: AbortSignal | undefined,
    work: (signal: AbortSignal) => Promise<T>,
  ): Promise<T> {
    const controller = new AbortController();
    const onAbort = () => controller.abort(callerSignal?.reason);
    if (callerSignal?.aborted) onAbort();
    else callerSignal?.addEventListener('abort', onAbort, { once: true });
    const entry = { running: Promise.resolve() as Promise<unknown>, controller };
    const running = work(controller.signal).finally(() => {
      callerSignal?.removeEventListener('abort', onAbort);
      this.inFlight.delete(entry);
    });
    entry.running = running;
    this.inFlight.add(entry);
    return running;
  }

  private async requestOnce<S extends z.ZodType | undefined>(
    spec: RequestSpec<S>,
  ): Promise<Parsed<S> | undefined> {
    let token = await this.getToken(spec.signal);
    if (isVersionDependent(spec)) {
      // Never send what the engine's version does not know (versions.ts): a 4.3 engine answers
      // an unknown member with 400 "Request syntactically incorrect." (ovirt-api.md §5.2).
      const level = await this.getApiLevel(spec.signal);
      checkRequest(level, spec);
    }
    const isWrite = spec.method !== 'GET';
    if (isWrite) {
      this.writes++;
      spec.onWrite?.({ method: spec.method, path: spec.path, phase: 'sent' });
    }
    let answer = await this.sendOrShare(spec, token);
    if (answer.statusCode === 401) {
      // §1.2: no refresh token; log in again once and replay once.
      this.invalidate(token);
      token = await this.getToken(spec.signal);
      answer = await this.limiter.schedule(() => this.sendApi(spec, token), spec.signal);
    }
    const { statusCode, headers, text } = answer;
    const contentType = headerOf(headers, 'content-type');
    if (isWrite && isRefusedBeforeActing(statusCode, text)) {
      spec.onWrite?.({ method: spec.method, path: spec.path, phase: 'refused' });
    }
    if (statusCode === 404 && spec.allowNotFound) return undefined;
    if (statusCode < 200 || statusCode >= 300) {
      throw parseEngineFailure({
        method: spec.method,
        path: spec.path,
        status: statusCode,
        contentType,
        body: text,
      });
    }
    if (text.trim() === '') {
      if (spec.schema && spec.method === 'GET') {
        throw notJson(spec, statusCode, contentType, 'an empty body');
      }
      return undefined;
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw notJson(spec, statusCode, contentType, text);
    }
    if (!spec.schema) return json as Parsed<S>;
    const parsed = spec.schema.safeParse(json);
    if (!parsed.success) {
      const problems = parsed.error.issues
        .slice(0, 5)
        .map((i) => verbatim(`${i.path.join('.') || '(root)'}: ${i.message}`));
      // The same request gets the same answer: not a blip to retry or poll through.
      throw markPermanent(
        new LabopsError(
          'ENGINE_UNAVAILABLE',
          msg('engine.transport.unreadableJson', { request: verbatim(`${spec.method} ${spec.path}`) }),
          { details: problems, hint: msg('engine.transport.unreadableJsonHint') },
        ),
      );
    }
    return parsed.data as Parsed<S>;
  }

  /**
   * Sends the request, or shares the answer of the same read already in flight: a read of a plan
   * or a command (no correlation id) joins an identical GET that started after this client's last
   * write, so fifty people asking `/lab status` of one lab at once cost the engine one read each
   * (issue 13 §5), and a read never joins one that began before a write it must see. The shared
   * request runs to its own deadline; each asker stops waiting on its own signal.
   */
  private sendOrShare(spec: RequestSpec<z.ZodType | undefined>, token: string): Promise<EngineAnswer> {
    if (spec.method !== 'GET' || spec.correlationId !== undefined || spec.body !== undefined) {
      return this.limiter.schedule(() => this.sendApi(spec, token), spec.signal);
    }
    const key = `${token} ${spec.path} ${JSON.stringify(spec.query ?? {})}`;
    let shared = this.sharedReads.get(key);
    if (shared?.writes !== this.writes) {
      const answer = this.limiter
        .schedule(() => this.sendApi({ ...spec, signal: undefined }, token))
        .finally(() => {
          if (this.sharedReads.get(key)?.answer === answer) this.sharedReads.delete(key);
        });
      shared = { writes: this.writes, answer };
      this.sharedReads.set(key, shared);
    }
    return spec.signal ? untilAborted(shared.answer, spec.signal) : shared.answer;
  }

  private async sendApi(spec: RequestSpec<z.ZodType | undefined>, token: string) {
    const query = new URLSearchParams();
    for (const [key, value] of Object.entries(spec.query ?? {})) {
      if (value !== undefined) query.set(key, String(value));
    }
    const qs = query.toString();
    const headers: Record<string, string> = {
      accept: 'application/json',
      version: '4',
      authorization: `Bearer ${token}`,
    };
    if (spec.correlationId) headers['correlation-id'] = spec.correlationId;
    let body: string | undefined;
    if (spec.body !== undefined) {
      body = JSON.stringify(spec.body);
      headers['content-type'] = 'application/json';
    }
    return this.send(spec.method, `/ovirt-engine/api${spec.path}${qs ? `?${qs}` : ''}`, {
      headers,
      body,
      signal: spec.signal,
    });
  }

  private getToken(signal: AbortSignal | undefined): Promise<string> {
    if (this.loggedOut) return Promise.reject(usedAfterClose());
    if (this.token) return Promise.resolve(this.token);
    // One login serves every waiting request, so it must not die with the first caller's cancel:
    // it runs under the request deadline alone, and each caller stops waiting on its own signal.
    this.login ??= this.fetchToken(undefined).finally(() => {
      this.login = undefined;
    });
    return signal ? untilAborted(this.login, signal) : this.login;
  }

  /**
   * The engine's version and the request table level it selects. Read once per login from
   * `GET /ovirt-engine/api` (§6.4); concurrent callers share the one read.
   */
  async getApiLevel(signal?: AbortSignal): Promise<ApiLevel> {
    await this.getToken(signal);
    this.level ??= this.readApiLevel().catch((error: unknown) => {
      this.level = undefined;
      throw error;
    });
    return signal ? untilAborted(this.level, signal) : this.level;
  }

  private async readApiLevel(): Promise<ApiLevel> {
    // Part of a request already taken: it must work while close() lets that request finish.
    const root = await this.requestWithRetries({
      method: 'GET',
      path: '',
      schema: ApiRootSchema,
      signal: this.shutdown.signal,
    });
    const version = parseEngineVersion(root?.product_info?.version);
    if (!version) {
      throw markPermanent(
        new LabopsError('ENGINE_UNAVAILABLE', msg('engine.transport.noVersion'), {
          hint: msg('engine.transport.noVersionHint'),
        }),
      );
    }
    const level = resolveApiLevel(version);
    const warning = level.warning === undefined ? undefined : renderEnglish(level.warning);
    if (warning && this.warnedVersion !== warning) {
      this.warnedVersion = warning;
      this.logger.warn({ engineVersion: version.full }, warning);
    }
    return level;
  }

  private invalidate(token: string): void {
    if (this.token === token) this.token = undefined;
  }

  private async fetchToken(signal: AbortSignal | undefined): Promise<string> {
    const send: SendToEngine = (method, path, init) =>
      this.limiter.schedule(() => this.send(method, path, init), signal);
    this.token = await requestSsoToken(send, this.options, signal);
    // At each login (a new one may face an upgraded engine) the version is read again, in the
    // background: reads need not wait for it, writes and /lab status do.
    this.level = this.readApiLevel().catch((error: unknown) => {
      this.level = undefined;
      throw error;
    });
    this.level.catch(() => undefined);
    return this.token;
  }

  /** One HTTP exchange over the pool with the request deadline; the body is always consumed. */
  private async send(method: string, path: string, init: Parameters<SendToEngine>[2]): Promise<EngineAnswer> {
    const deadline = AbortSignal.timeout(this.timeoutMs);
    const signal = init.signal ? AbortSignal.any([init.signal, deadline]) : deadline;
    const shownPath = path.split('?')[0] ?? path;
    const startedAt = performance.now();
    let status: EngineExchange['status'] = 'network';
    try {
      const res = await this.pool.request({
        method: method as 'GET',
        path,
        headers: init.headers,
        body: init.body ?? null,
        signal,
      });
      const text = await res.body.text();
      status = res.statusCode;
      return { statusCode: res.statusCode, headers: res.headers, text };
    } catch (error) {
      if (init.signal?.aborted) status = 'cancelled';
      else if (deadline.aborted) status = 'timeout';
      if (init.signal?.aborted) throw cancelledBy(init.signal);
      if (deadline.aborted) {
        throw new LabopsError(
          'TIMEOUT',
          msg('engine.transport.timeout', {
            request: verbatim(`${method} ${shownPath}`),
            seconds: this.timeoutMs / 1000,
          }),
          { cause: error, hint: msg('engine.transport.timeoutHint') },
        );
      }
      throw translateNetworkError(error, method, shownPath, this.origin);
    } finally {
      this.report(method, shownPath, status, performance.now() - startedAt, init.headers);
    }
  }

  /**
   * One JSON line per exchange (issue 12 §5): a job's requests carry its id as their correlation
   * id (executor.ts), so the line names the job. Never a header or a body: they hold the token.
   */
  private report(
    method: string,
    path: string,
    status: EngineExchange['status'],
    durationMs: number,
    headers: Record<string, string> | undefined,
  ): void {
    const correlationId = headers?.['correlation-id'];
    const ms = Math.round(durationMs);
    const line = {
      method,
      path,
      status,
      ms,
      ...(correlationId ? { jobId: correlationId, correlationId } : {}),
    };
    this.logger.info(line, 'engine request');
    try {
      this.options.observe?.({ method, path, status, durationMs, correlationId });
    } catch (error) {
      this.logger.warn({ err: (error as Error).message }, 'an engine request observer failed');
    }
  }
}

export interface ActionOptions {
  correlationId?: string | undefined;
  signal?: AbortSignal | undefined;
  onWrite?: WriteListener | undefined;
}

/**
 * A request that may change the engine: `sent` just before it goes out, `refused` when the engine
 * answered it with a 4xx (validation refused it; nothing changed). A write sent and not refused
 * changed the engine, or may have (a 5xx, a timeout, a dropped connection).
 */
export interface EngineWrite {
  method: string;
  path: string;
  phase: 'sent' | 'refused';
}

export type WriteListener = (write: EngineWrite) => void;

export interface ActionResult {
  status: string;
  jobId: string | undefined;
}

function usedAfterClose(): LabopsError {
  return new LabopsError('INTERNAL', msg('engine.transport.usedAfterClose'));
}

/** `promise`, or CANCELLED as soon as `signal` aborts (the promise itself goes on). */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(cancelledBy(signal));
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(cancelledBy(signal));
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

/** `https://engine.lab/ovirt-engine/api/` → `https://engine.lab`. */
export function parseEngineOrigin(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new LabopsError('CONFIG', msg('engine.transport.notUrl', { url: verbatim(url) }), {
      hint: msg('engine.transport.notUrlHint'),
    });
  }
  if (parsed.protocol !== 'https:') {
    throw new LabopsError(
      'CONFIG',
      msg('engine.transport.notHttps', { protocol: verbatim(parsed.protocol) }),
      {
        hint: msg('engine.transport.notHttpsHint'),
      },
    );
  }
  return parsed.origin;
}

function notJson(
  spec: { method: string; path: string },
  status: number,
  contentType: string | undefined,
  body: string,
): LabopsError {
  return parseEngineFailure({ method: spec.method, path: spec.path, status, contentType, body });
}
