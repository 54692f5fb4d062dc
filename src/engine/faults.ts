import { LabopsError } from '../errors.js';
import { msg, verbatim } from '../i18n/text.js';
import { errors as undiciErrors } from '../net/undici.js';

/** What the transport saw of an answer that was not a success. */
export interface FailedAnswer {
  method: string;
  /** The request path, without the query (never a token or a password). */
  path: string;
  status: number;
  contentType: string | undefined;
  body: string;
}

const MAX_DETAIL = 600;

/**
 * Turns a failed engine answer into a LabopsError whose message a person can act on. The engine
 * answers in several shapes (ovirt-api.md §2.4, §1.1): a plain fault `{reason, detail}`, an action
 * echoed with a nested fault, the SSO servlet's two error shapes, an empty 404, or — when a proxy
 * in front of it fails — an HTML page.
 */
export function parseEngineFailure(answer: FailedAnswer): LabopsError {
  const { status, method, path } = answer;
  const where = verbatim(`${method} ${path}`);
  const body = answer.body.trim();
  const parsed = body === '' ? undefined : parseJsonObject(body);

  if (parsed === undefined && body !== '') return describeNonJson(answer);

  const text = parsed ? readFaultText(parsed) : undefined;
  if (status === 401) {
    return new LabopsError('ENGINE_AUTH', msg('engine.fault.credentials', { request: where }), {
      status,
      hint: msg('engine.fault.credentialsHint'),
      ...(text ? { details: [verbatim(text)] } : {}),
    });
  }
  if (status === 404) {
    return new LabopsError(
      'NOT_FOUND',
      text
        ? msg('engine.fault.notFoundSaid', { detail: verbatim(text) })
        : msg('engine.fault.notFound', { request: where }),
      { status },
    );
  }
  if (status >= 500) {
    return new LabopsError(
      'ENGINE_UNAVAILABLE',
      text
        ? msg('engine.fault.serverErrorSaid', { status, request: where, detail: verbatim(text) })
        : msg('engine.fault.serverError', { status, request: where }),
      { status, hint: msg('engine.fault.serverErrorHint') },
    );
  }
  return new LabopsError(
    'ENGINE_REJECTED',
    text
      ? msg('engine.fault.refusedSaid', { request: where, detail: verbatim(text) })
      : msg('engine.fault.refused', { request: where, status }),
    { status },
  );
}

function parseJsonObject(body: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(body);
    return value !== null && typeof value === 'object' && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

function readFaultText(body: Record<string, unknown>): string | undefined {
  const fault =
    body.fault !== null && typeof body.fault === 'object' ? (body.fault as Record<string, unknown>) : body;
  const reason = stringOf(fault.reason);
  const detail = stringOf(fault.detail);
  if (detail) return readableDetail(detail);
  if (reason) return reason;
  // SSO shapes (§1.1): {error_code, error} for the ovirt-app-api scope, {error, error_description} otherwise.
  const description = stringOf(body.error_description) ?? stringOf(body.error);
  return description ? readableDetail(description) : undefined;
}

function stringOf(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
}

/**
 * The engine's validation texts come bracketed, with `\n-` continuation lines and sometimes
 * unresolved `${action}` placeholders (§2.4): "[Cannot ${action} Storage.\n-Please handle ...]".
 */
export function readableDetail(detail: string): string {
  let text = detail.trim();
  if (text.startsWith('[') && text.endsWith(']')) text = text.slice(1, -1);
  text = text
    .replace(/\$\{action\}/g, 'perform this action on')
    .replace(/\$\{type\}/g, 'this object')
    .replace(/\s*\n-?\s*/g, ' ')
    .replace(/\.\.+/g, '.')
    .trim();
  return text.length > MAX_DETAIL ? `${text.slice(0, MAX_DETAIL)}…` : text;
}

function describeNonJson(answer: FailedAnswer): LabopsError {
  const { status, method, path, contentType } = answer;
  const request = verbatim(`${method} ${path}`);
  const isHtml = /html/i.test(contentType ?? '') || /^\s*<(!doctype|html)/i.test(answer.body);
  if (status >= 500) {
    // The engine (or its Apache front) failing: say the status and what the page says, not that a
    // portal page came back (issue 9 §8).
    const said = isHtml ? readHtmlTitleOrText(answer.body) : firstText(answer.body);
    const kind = isHtml ? 'html' : contentType ? 'typed' : 'untyped';
    const type = verbatim(contentType ?? '');
    return new LabopsError(
      'ENGINE_UNAVAILABLE',
      said
        ? msg('engine.fault.pageSaid', { status, said: verbatim(said), request, kind, type })
        : msg('engine.fault.notJsonFailing', { status, request, kind, type }),
      { status, hint: msg('engine.fault.notJsonFailingHint') },
    );
  }
  const title = isHtml ? /<title[^>]*>([^<]{1,120})<\/title>/i.exec(answer.body)?.[1]?.trim() : undefined;
  const kind = isHtml ? 'html' : contentType ? 'typed' : 'untyped';
  const type = verbatim(contentType ?? '');
  return new LabopsError(
    status === 401 ? 'ENGINE_AUTH' : 'ENGINE_UNAVAILABLE',
    title
      ? msg('engine.fault.pageTitled', { request, kind, type, title: verbatim(title), status })
      : msg('engine.fault.notJson', { request, kind, type, status }),
    {
      status,
      hint: isHtml ? msg('engine.fault.proxyAnsweredHint') : msg('engine.fault.notEngineHint'),
    },
  );
}

const MAX_PAGE_TEXT = 120;

/** An HTML page's title, else the first text of its body: "503 Service Unavailable". */
function readHtmlTitleOrText(html: string): string | undefined {
  const title = /<title[^>]*>([^<]*)<\/title>/i.exec(html)?.[1];
  const fromTitle = title ? firstText(decodeEntities(title)) : undefined;
  if (fromTitle) return fromTitle;
  const body = html.replace(/<(script|style|head)\b[^>]*>[\s\S]*?<\/\1>/gi, ' ').replace(/<[^>]*>/g, ' ');
  return firstText(decodeEntities(body));
}

/** The first words of a text, whitespace collapsed, bounded; never the whole of a page. */
function firstText(text: string): string | undefined {
  const flat = text.replace(/\s+/g, ' ').trim();
  if (flat === '') return undefined;
  return flat.length > MAX_PAGE_TEXT ? `${flat.slice(0, MAX_PAGE_TEXT)}…` : flat;
}

function decodeEntities(text: string): string {
  return text
    .replace(/&nbsp;/g, ' ')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&');
}

/** Failures that look like an unavailable engine but will answer the same way on every try. */
const PERMANENT = new WeakSet<LabopsError>();

/**
 * Marks `error` as one a retry or another poll cannot cure: a certificate labops does not trust, a
 * host name that does not resolve, an answer whose JSON labops cannot read, an engine that does not
 * say its version. It keeps its code; it is no longer a blip.
 */
export function markPermanent(error: LabopsError): LabopsError {
  PERMANENT.add(error);
  return error;
}

export function isPermanentFailure(error: unknown): boolean {
  return error instanceof LabopsError && PERMANENT.has(error);
}

/**
 * The engine is down or failing for now, not refusing: a 5xx, or no answer it could read (a dropped
 * connection, a refused connect). The transport retries reads on these; not on a permanent failure.
 */
export function isEngineUnavailable(error: unknown): error is LabopsError {
  return (
    error instanceof LabopsError &&
    error.code === 'ENGINE_UNAVAILABLE' &&
    (error.status === undefined || error.status >= 500) &&
    !PERMANENT.has(error)
  );
}

/** A blip a wait polls through (issue 9 §4): the engine unavailable, or one request's deadline. */
export function isTransientFailure(error: unknown): error is LabopsError {
  return isEngineUnavailable(error) || (error instanceof LabopsError && error.code === 'TIMEOUT');
}

/** A 409 the engine gives while another operation holds the object (§2.4, §7): worth retrying. */
export function isRetryableConflict(error: unknown): boolean {
  if (!(error instanceof LabopsError) || error.status !== 409) return false;
  return /currently in progress|try again later|asynchronous running tasks|Host is contending|running tasks/i.test(
    error.message,
  );
}

// ---- requests that got no answer, and writes the engine refused ------------------------------

/**
 * A request that got no answer, as a LabopsError: an untrusted certificate or a name that does
 * not resolve (both permanent), a dropped connection, an unreachable engine.
 */
export function translateNetworkError(
  error: unknown,
  method: string,
  path: string,
  origin: string,
): LabopsError {
  const code = (error as { code?: string }).code;
  const message = (error as Error).message ?? String(error);
  if (/certificate|self.signed|CERT_|unable to verify/i.test(`${code} ${message}`)) {
    // Permanent: every retry meets the same certificate.
    return markPermanent(
      new LabopsError('ENGINE_UNAVAILABLE', msg('engine.network.untrusted', { origin }), {
        cause: error,
        hint: msg('engine.network.untrustedHint'),
      }),
    );
  }
  if (error instanceof undiciErrors.SocketError || code === 'ECONNRESET' || code === 'UND_ERR_SOCKET') {
    return new LabopsError(
      'ENGINE_UNAVAILABLE',
      msg('engine.network.dropped', { request: verbatim(`${method} ${path}`) }),
      { cause: error, hint: msg('engine.network.droppedHint') },
    );
  }
  if (code === 'ENOTFOUND') {
    // The name does not resolve (a DNS answer, not a DNS outage: that is EAI_AGAIN): permanent.
    return markPermanent(
      new LabopsError('ENGINE_UNAVAILABLE', msg('engine.network.notResolved', { origin }), {
        cause: error,
        hint: msg('engine.network.notResolvedHint'),
      }),
    );
  }
  if (code === 'ECONNREFUSED' || code === 'EHOSTUNREACH' || code === 'ETIMEDOUT') {
    return new LabopsError('ENGINE_UNAVAILABLE', msg('engine.network.unreachable', { origin, code }), {
      cause: error,
      hint: msg('engine.network.unreachableHint'),
    });
  }
  return new LabopsError(
    'ENGINE_UNAVAILABLE',
    msg('engine.network.failed', { request: verbatim(`${method} ${path}`), message: verbatim(message) }),
    { cause: error },
  );
}

/**
 * Whether a write's answer proves the engine did nothing. The engine's validation refusals are 409
 * (`[Cannot …]`), an unknown id 404, bad credentials 401/403, and a body it cannot read or that
 * lacks a mandatory member 400 "Request syntactically incorrect." / "Incomplete parameters". Any
 * other 400 may follow real changes: a command that ran and then failed is answered with 400 too
 * (ovirt-engine 4.3 BackendResource: backendFailure of the execute-failed messages).
 */
export function isRefusedBeforeActing(status: number, body: string): boolean {
  if (status === 401 || status === 403 || status === 404 || status === 409) return true;
  if (status !== 400) return false;
  let reason: unknown;
  try {
    const parsed = JSON.parse(body) as { reason?: unknown; fault?: { reason?: unknown } };
    reason = parsed.reason ?? parsed.fault?.reason;
  } catch {
    return false;
  }
  return reason === 'Request syntactically incorrect.' || reason === 'Incomplete parameters';
}

/** A header of an answer, its first value when repeated. */
export function headerOf(
  headers: Record<string, string | string[] | undefined>,
  name: string,
): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}
