import { LabopsError } from '../errors.js';

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
  const where = `${method} ${path}`;
  const body = answer.body.trim();
  const parsed = body === '' ? undefined : parseJsonObject(body);

  if (parsed === undefined && body !== '') return describeNonJson(answer);

  const text = parsed ? readFaultText(parsed) : undefined;
  if (status === 401) {
    return new LabopsError('ENGINE_AUTH', `The engine refused the credentials (401 on ${where}).`, {
      status,
      hint: 'Check the engine user and the password variable in lab.yml; the account may be locked or expired.',
      ...(text ? { details: [text] } : {}),
    });
  }
  if (status === 404) {
    return new LabopsError('NOT_FOUND', text ?? `The engine has no such object (404 on ${where}).`, {
      status,
    });
  }
  if (status >= 500) {
    return new LabopsError(
      'ENGINE_UNAVAILABLE',
      `The engine failed with ${status} on ${where}${text ? `: ${text}` : '.'}`,
      { status, hint: 'The engine may be starting or overloaded; try again in a minute.' },
    );
  }
  return new LabopsError(
    'ENGINE_REJECTED',
    text ? `The engine refused ${where}: ${text}` : `The engine refused ${where} with ${status}.`,
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
  const isHtml = /html/i.test(contentType ?? '') || /^\s*<(!doctype|html)/i.test(answer.body);
  if (status >= 500) {
    // The engine (or its Apache front) failing: say the status and what the page says, not that a
    // portal page came back (issue 9 §8).
    const said = isHtml ? readHtmlTitleOrText(answer.body) : firstText(answer.body);
    return new LabopsError(
      'ENGINE_UNAVAILABLE',
      `The engine answered ${status}${said ? ` (${said})` : ''} to ${method} ${path}, ${isHtml ? 'an HTML page' : `a ${contentType ?? 'non-JSON'} answer`} instead of the API's JSON.`,
      {
        status,
        hint: 'The engine or the proxy in front of it is failing, starting or overloaded: check systemctl status ovirt-engine on the engine machine, then try again in a minute.',
      },
    );
  }
  const title = isHtml ? /<title[^>]*>([^<]{1,120})<\/title>/i.exec(answer.body)?.[1]?.trim() : undefined;
  const kind = isHtml ? 'an HTML page' : `a non-JSON answer (${contentType ?? 'no content type'})`;
  return new LabopsError(
    status === 401 ? 'ENGINE_AUTH' : 'ENGINE_UNAVAILABLE',
    `The engine answered ${method} ${path} with ${kind}${title ? ` titled "${title}"` : ''}, status ${status}.`,
    {
      status,
      hint: isHtml
        ? 'A proxy in front of the engine answered instead of the engine: check that ovirt-engine is running (systemctl status ovirt-engine) and that the engine URL ends at the host, not a portal page.'
        : 'Check that the engine URL points at the oVirt engine and that it is healthy.',
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
