import pg from 'pg';
import { LabopsError, toLabopsError } from '../errors.js';
import { msg, type Text, verbatim } from '../i18n/text.js';

// Opening the PostgreSQL store: its URL as shown (no password), the pool, and the translation of
// node-postgres' errors into LabopsErrors that say how to fix them (as sqlite-open.ts does for SQLite).

/** A URL split into what may be shown and the secrets that must never be. */
export interface PgUrl {
  /** The URL without its password (in the user part or a `password=` parameter). */
  shown: string;
  /** The password as written and as decoded: scrubbed from any text labops shows. */
  secrets: string[];
}

/** Splits `url`; refuses with CONFIG anything that is not a postgres:// or postgresql:// URL. */
export function parsePgUrl(url: string): PgUrl {
  const match = /^(postgres(?:ql)?:\/\/)([^/?#]*)(.*)$/i.exec(url);
  if (!match) {
    throw new LabopsError(
      'CONFIG',
      msg('jobs.pg.badUrl', { reason: verbatim('it does not start with postgres:// or postgresql://') }),
      { hint: msg('jobs.pg.badUrlHint') },
    );
  }
  const [, scheme, authority = '', rest = ''] = match;
  const secrets: string[] = [];
  let shownAuthority = authority;
  const at = authority.lastIndexOf('@');
  if (at >= 0) {
    const userinfo = authority.slice(0, at);
    const colon = userinfo.indexOf(':');
    if (colon >= 0) {
      addSecret(secrets, userinfo.slice(colon + 1));
      shownAuthority = `${userinfo.slice(0, colon)}${authority.slice(at)}`;
    }
  }
  const queryAt = rest.indexOf('?');
  let shownRest = rest;
  if (queryAt >= 0) {
    const [query, fragment = ''] = rest.slice(queryAt + 1).split('#', 2);
    const kept = (query ?? '').split('&').filter((pair) => {
      const [key = '', value = ''] = pair.split('=', 2);
      if (key.toLowerCase() !== 'password') return true;
      addSecret(secrets, value);
      return false;
    });
    shownRest = `${rest.slice(0, queryAt)}${kept.length > 0 ? `?${kept.join('&')}` : ''}${fragment ? `#${fragment}` : ''}`;
  }
  return { shown: `${scheme}${shownAuthority}${shownRest}`, secrets };
}

function addSecret(secrets: string[], raw: string): void {
  if (raw === '') return;
  secrets.push(raw);
  try {
    const decoded = decodeURIComponent(raw);
    if (decoded !== raw) secrets.push(decoded);
  } catch {
    // Not percent-encoded: the raw form is the one to scrub.
  }
}

/** `text` with every secret replaced by `***`. */
export function scrubSecrets(text: string, secrets: readonly string[]): string {
  let scrubbed = text;
  for (const secret of secrets) scrubbed = scrubbed.split(secret).join('***');
  return scrubbed;
}

/** BIGINT (int8, OID 20) as a number: epoch milliseconds and counts stay far below 2^53. */
const PG_TYPES = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === 20
      ? (value: string) => Number(value)
      : pg.types.getTypeParser(oid, format)) as pg.CustomTypesConfig['getTypeParser'],
};

export interface PgPoolOptions {
  url: string;
  readOnly: boolean;
  connectTimeoutMs: number;
  maxConnections: number;
}

/**
 * A pool on `url`. Its idle connections' errors (a server restarted) are kept from crashing the
 * process: the next query reconnects, or fails and is translated then.
 */
export function createPgPool(options: PgPoolOptions): pg.Pool {
  const pool = new pg.Pool({
    connectionString: options.url,
    types: PG_TYPES,
    max: options.maxConnections,
    connectionTimeoutMillis: options.connectTimeoutMs,
    application_name: 'labops',
    // A store opened to read cannot write, whatever a bug in labops would ask.
    ...(options.readOnly ? { options: '-c default_transaction_read_only=on' } : {}),
  });
  pool.on('error', () => {});
  return pool;
}

// ---------------------------------------------------------------------------------------------
// Errors

const CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOENT',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EHOSTDOWN',
  'EAI_AGAIN',
  'ENOTFOUND',
]);

/** node-postgres' own words when a connection is lost or never made. */
const CONNECTION_MESSAGES = [
  /^Connection terminated/,
  /^timeout exceeded when trying to connect/,
  /is not queryable/,
  /^Cannot use a pool after calling end/,
];

/** The SQLSTATE of a server error, or the system error code of a socket, or ''. */
export function pgErrorCode(error: unknown): string {
  const code = (error as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' ? code : '';
}

/** Whether `error` means the server could not be reached or the connection was lost. */
export function isConnectionFailure(error: unknown): boolean {
  const code = pgErrorCode(error);
  if (CONNECTION_CODES.has(code) || code.startsWith('08') || ['57P01', '57P02', '57P03'].includes(code)) {
    return true;
  }
  if (error instanceof pg.DatabaseError) return false;
  const message = error instanceof Error ? error.message : '';
  return CONNECTION_MESSAGES.some((pattern) => pattern.test(message));
}

/** Serialization failures and deadlocks: the transaction may simply run again. */
export function isRetryable(error: unknown): boolean {
  return ['40001', '40P01'].includes(pgErrorCode(error));
}

/** Why the server could not take a write, in words, for the failures that mean it is not there or full. */
function describeUnavailable(error: unknown): Text | undefined {
  const code = pgErrorCode(error);
  if (code === '53100') return msg('jobs.fs.full');
  if (code === '58030') return msg('jobs.fs.ioError', { code: verbatim(code) });
  if (code === '25006') return msg('jobs.fs.becameReadOnly', { code: verbatim(code) });
  if (isConnectionFailure(error)) {
    return msg('jobs.pg.unreachable', { code: verbatim(code || 'connection lost') });
  }
  // Out of memory, of connections, of shared memory: the server's own words.
  if (code.startsWith('53')) return verbatim(reasonOf(error, []));
  return undefined;
}

function reasonOf(error: unknown, secrets: readonly string[]): string {
  return scrubSecrets(error instanceof Error ? error.message : String(error), secrets);
}

/** A failure to connect, authenticate or find the database while opening the store: CONFIG. */
export function translatePgStartupError(url: PgUrl, error: unknown): LabopsError {
  if (error instanceof LabopsError) return error;
  // PostgreSQL's (or the socket's) own words, without the password.
  const reason = verbatim(reasonOf(error, url.secrets));
  return new LabopsError('CONFIG', msg('jobs.pg.cannotConnect', { path: verbatim(url.shown), reason }), {
    cause: scrubbedCause(error, url.secrets),
    hint: msg('jobs.pg.cannotConnectHint'),
  });
}

/** A failure while the store runs, as the SQLite store's `translateRuntimeError` sorts them. */
export function translatePgRuntimeError(url: PgUrl, error: unknown): LabopsError {
  if (error instanceof LabopsError) return error;
  const path = verbatim(url.shown);
  const code = pgErrorCode(error);
  const unavailable = describeUnavailable(error);
  if (unavailable !== undefined) {
    return new LabopsError('STORE_UNAVAILABLE', msg('jobs.store.unwritable', { path, reason: unavailable }), {
      cause: scrubbedCause(error, url.secrets),
      hint: msg('jobs.pg.unwritableHint', { path }),
    });
  }
  if (isRetryable(error) || code === '55P03' || code === '57014') {
    return new LabopsError('TIMEOUT', msg('jobs.pg.busy', { path }), {
      cause: error,
      hint: msg('jobs.pg.busyHint'),
    });
  }
  const reason = verbatim(reasonOf(error, url.secrets));
  if (code.startsWith('23')) {
    return new LabopsError('CONFLICT', msg('jobs.store.refusedWrite', { reason }), { cause: error });
  }
  if (error instanceof pg.DatabaseError) {
    return new LabopsError('INTERNAL', msg('jobs.store.failed', { path, reason }), {
      cause: error,
      hint: msg('jobs.pg.failedHint'),
    });
  }
  return toLabopsError(scrubbedCause(error, url.secrets));
}

/** The error as a cause that keeps no secret in its message (a socket error may quote its address). */
function scrubbedCause(error: unknown, secrets: readonly string[]): unknown {
  if (!(error instanceof Error) || secrets.length === 0) return error;
  const message = scrubSecrets(error.message, secrets);
  if (message === error.message) return error;
  const copy = new Error(message);
  Object.assign(copy, { code: pgErrorCode(error) });
  return copy;
}
