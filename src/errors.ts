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
  | 'TIMEOUT'
  | 'CANCELLED'
  /** Configuration is invalid; start-up stops before contacting anything. */
  | 'CONFIG'
  /** A bug: something labops did not expect. */
  | 'INTERNAL';

export interface LabopsErrorOptions {
  hint?: string | undefined;
  cause?: unknown;
  /** HTTP status when the error came from an HTTP answer. */
  status?: number | undefined;
  /** Extra user-safe detail (the engine's fault detail, a list of problems). */
  details?: readonly string[] | undefined;
  /** Commands that fix the problem, offered as buttons (Slack) or lines to type (shell). */
  actions?: readonly { label: string; command: string; text: string }[] | undefined;
}

export class LabopsError extends Error {
  override readonly name = 'LabopsError';
  readonly code: ErrorCode;
  readonly hint: string | undefined;
  readonly status: number | undefined;
  readonly details: readonly string[];
  readonly actions: readonly { label: string; command: string; text: string }[];

  constructor(code: ErrorCode, message: string, options: LabopsErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.hint = options.hint;
    this.status = options.status;
    this.details = options.details ?? [];
    this.actions = options.actions ?? [];
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
  return new LabopsError('INTERNAL', `Unexpected failure: ${message}`, { cause: value });
}

/** One line for a terminal or a log: message, then the hint. */
export function formatError(error: LabopsError): string {
  const lines = [error.message, ...error.details.map((d) => `  - ${d}`)];
  if (error.hint) lines.push(`Hint: ${error.hint}`);
  return lines.join('\n');
}
