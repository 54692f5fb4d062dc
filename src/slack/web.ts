import { type Logger as BoltLogger, LogLevel, webApi } from '@slack/bolt';
import { LabopsError } from '../errors.js';
import { msg, type Text, verbatim } from '../i18n/text.js';
import type { Logger } from '../log.js';

export type WebClient = webApi.WebClient;

export interface WebClientSettings {
  botToken: string;
  /** Web API base URL ending in `/`; undefined means Slack's own. */
  apiUrl: string | undefined;
  logger: Logger;
  /** Retries of a failed request (network, 5xx). 429s are never retried here: the outbox honours Retry-After. */
  retries: number;
  timeoutMs: number;
}

/**
 * The Web API client labops sends with. `rejectRateLimitedCalls`: a 429 comes back at once to
 * the outbox, which waits `Retry-After` for that lane only — WebClient's own handling would pause
 * every method and every channel (slack-platform.md §4). `retryConfig` is always explicit: left
 * unset, Socket Mode writes `{retries: 100}` into shared options (§4, "Socket Mode side effect").
 */
export function createWebClient(settings: WebClientSettings): WebClient {
  return new webApi.WebClient(settings.botToken, {
    ...(settings.apiUrl ? { slackApiUrl: settings.apiUrl } : {}),
    retryConfig: { retries: settings.retries, factor: 2, minTimeout: 250, maxTimeout: 4000 },
    rejectRateLimitedCalls: true,
    timeout: settings.timeoutMs,
    logger: createBoltLogger(settings.logger),
  });
}

/** Bolt's and the SDK's logger interface over labops' pino logger (tokens stay redacted). */
export function createBoltLogger(logger: Logger): BoltLogger {
  let level: LogLevel = LogLevel.INFO;
  const child = logger.child({ component: 'slack' });
  const text = (msg: unknown[]) =>
    msg
      .map((m) => (m instanceof Error ? m.message : typeof m === 'string' ? m : JSON.stringify(m)))
      .join(' ');
  return {
    debug: (...msg) => child.debug(text(msg)),
    info: (...msg) => child.info(text(msg)),
    warn: (...msg) => child.warn(text(msg)),
    error: (...msg) => child.error(text(msg)),
    setLevel: (l) => {
      level = l;
    },
    getLevel: () => level,
    setName: () => undefined,
  };
}

/** The `error` of an `ok: false` answer (`not_in_channel`), or undefined for other failures. */
export function getPlatformError(error: unknown): string | undefined {
  if (error instanceof webApi.WebAPIPlatformError) return error.data.error;
  return undefined;
}

/** Seconds Slack asked us to wait, when the error is a 429. */
export function getRetryAfter(error: unknown): number | undefined {
  if (error instanceof webApi.WebAPIRateLimitedError) return error.retryAfter;
  return undefined;
}

/** A channel the bot cannot post in: not a member, or a private conversation it cannot see. */
export function isNotInChannel(error: unknown): boolean {
  const code = getPlatformError(error);
  return code === 'not_in_channel' || code === 'channel_not_found' || code === 'is_archived';
}

/**
 * Slack's failures as labops' one error type, with a hint (style.md, Errors). `what` is what
 * labops was doing, a phrase of the catalog (`slack.web.checkingToken`).
 */
export function toSlackError(error: unknown, what: Text): LabopsError {
  if (error instanceof LabopsError) return error;
  const code = getPlatformError(error);
  if (
    code === 'invalid_auth' ||
    code === 'not_authed' ||
    code === 'account_inactive' ||
    code === 'token_revoked'
  ) {
    return new LabopsError('CONFIG', msg('slack.web.tokenRefused', { what, code: verbatim(code) }), {
      hint: msg('slack.web.tokenRefusedHint'),
      cause: error,
    });
  }
  if (code === 'not_in_channel' || code === 'channel_not_found') {
    return new LabopsError('FORBIDDEN', msg('slack.web.notMember', { code: verbatim(code) }), {
      hint: msg('slack.web.notMemberHint'),
      cause: error,
    });
  }
  if (code)
    return new LabopsError('INTERNAL', msg('slack.web.answered', { what, code: verbatim(code) }), {
      cause: error,
    });
  const message = error instanceof Error ? error.message : String(error);
  return new LabopsError(
    'SLACK_UNAVAILABLE',
    msg('slack.web.unreachable', { what, message: verbatim(message) }),
    {
      hint: msg('slack.web.unreachableHint'),
      cause: error,
    },
  );
}
