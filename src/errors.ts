import type { Locale } from './i18n/locale.js';
import { renderEnglish, renderText } from './i18n/render.js';
import { msg, type Text, verbatim } from './i18n/text.js';

/**
 * The one error type of labops. Adapters (engine, SSH, Slack, store, config) translate their own
 * failures into it at their edge, so nothing above them ever sees an undici, ssh2 or SQLite error.
 * `message` is safe to show a user (no token, no stack, no raw payload); `hint` says how to fix it.
 */
export type ErrorCode =
  /** The user's input does not parse; the message carries the usage. */
  | 'USAGE'
  /** The caller may not do this (policy, channel, self-approval). */
  | 'FORBIDDEN'
  /** The named thing does not exist (host, domain, job, approval). */
  | 'NOT_FOUND'
  /** The target is in a state that does not allow the request. */
  | 'CONFLICT'
  /** The target is locked by another job. */
  | 'LOCKED'
  /** labops will not take more of this work now (too many plans in flight for one person). */
  | 'BUSY'
  | 'APPROVAL_EXPIRED'
  /** The engine could not be reached or answered something that is not its API (HTML, garbage, 5xx). */
  | 'ENGINE_UNAVAILABLE'
  /** The engine understood the request and refused it (fault, 409 validation failure). */
  | 'ENGINE_REJECTED'
  /** The engine refused our credentials. */
  | 'ENGINE_AUTH'
  | 'SSH_FAILED'
  /**
   * A command was started but how it ended is not known (the SSH connection was lost while it ran,
   * or it did not stop after TERM): it may have run and may still be running. The executor records
   * the step as `unknown`, not `failed` (ssh-harness.md).
   */
  | 'OUTCOME_UNKNOWN'
  /** Slack could not be reached (network, Slack down, a wrong SLACK_API_URL). */
  | 'SLACK_UNAVAILABLE'
  /** labops' own state store cannot be written (disk full, I/O error, read-only): nothing new starts. */
  | 'STORE_UNAVAILABLE'
  /**
   * This replica no longer holds the job it was running (issue 14 §2): its lease ran out and
   * another replica marked the job interrupted. Nothing more of the job is recorded here.
   */
  | 'LEASE_LOST'
  | 'TIMEOUT'
  | 'CANCELLED'
  /** Configuration is invalid; start-up stops before contacting anything. */
  | 'CONFIG'
  /** A bug: something labops did not expect. */
  | 'INTERNAL';

export interface LabopsErrorOptions {
  hint?: Text | undefined;
  cause?: unknown;
  /** HTTP status when the error came from an HTTP answer. */
  status?: number | undefined;
  /** Extra user-safe detail (the engine's fault detail, a list of problems). */
  details?: readonly Text[] | undefined;
  /** Commands that fix the problem, offered as buttons (Slack) or lines to type (shell). */
  actions?: readonly ErrorAction[] | undefined;
}

/** A command that fixes the problem: its label is text, the command is typed as is. */
export interface ErrorAction {
  label: Text;
  command: string;
  text: string;
}

/**
 * `message`, `hint` and `details` are English, for logs and operators; `text`, `hintText` and
 * `detailTexts` are the same in the catalog (issue 16), which the adapters render in the language
 * of whoever reads them.
 */
export class LabopsError extends Error {
  override readonly name = 'LabopsError';
  readonly code: ErrorCode;
  readonly text: Text;
  readonly hintText: Text | undefined;
  readonly detailTexts: readonly Text[];
  readonly status: number | undefined;
  readonly actions: readonly ErrorAction[];

  constructor(code: ErrorCode, message: Text, options: LabopsErrorOptions = {}) {
    super(renderEnglish(message), options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.text = message;
    this.hintText = options.hint;
    this.status = options.status;
    this.detailTexts = options.details ?? [];
    this.actions = options.actions ?? [];
  }

  /** The hint in English. */
  get hint(): string | undefined {
    return this.hintText === undefined ? undefined : renderEnglish(this.hintText);
  }

  /** The details in English. */
  get details(): readonly string[] {
    return this.detailTexts.map((detail) => renderEnglish(detail));
  }

  /** Errors the user was told about, as opposed to bugs. */
  get isUserFacing(): boolean {
    return this.code !== 'INTERNAL';
  }
}

export function isLabopsError(value: unknown): value is LabopsError {
  return value instanceof LabopsError;
}

/** Wraps anything thrown into a LabopsError; unknown failures become INTERNAL. */
export function toLabopsError(value: unknown): LabopsError {
  if (value instanceof LabopsError) return value;
  const message = value instanceof Error ? value.message : String(value);
  return new LabopsError('INTERNAL', msg('common.error.unexpected', { message: verbatim(message) }), {
    cause: value,
  });
}

/** Lines for a terminal or a log, in `locale` (English for logs): message, details, then the hint. */
export function formatError(error: LabopsError, locale: Locale = 'en'): string {
  const lines = [
    renderText(locale, error.text),
    ...error.detailTexts.map((d) => `  - ${renderText(locale, d)}`),
  ];
  if (error.hintText !== undefined) {
    lines.push(renderText(locale, msg('common.error.hint', { hint: error.hintText })));
  }
  return lines.join('\n');
}
