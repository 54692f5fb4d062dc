/**
 * The state store's contract (design.md "Jobs, plans and progress", "Approvals", "Locks"): jobs and
 * their steps, approvals, the audit trail and locks, persisted so that a restart loses nothing and
 * runs nothing twice. Implemented over SQLite (better-sqlite3, WAL) in `sqlite-store.ts`.
 *
 * Every method is synchronous (better-sqlite3 is), so each one is atomic with respect to the others
 * in this process: two approvals arriving at the same moment are decided one after the other.
 */

import { LabopsError } from '../errors.js';
import type { Plan, StepSpec } from '../plan.js';
import type { Risk } from '../risk.js';

/** Plans are defined beside the commands' contract (src/plan.ts); the store keeps them with the job. */
export type { StepSpec };

/** The error text of a job that `recover` found running or queued. */
export const INTERRUPTED_JOB_ERROR = 'labops stopped while this job was running; it was not resumed.';

/** Whether `error` says the state store cannot be written now (disk full, I/O error, read-only). */
export function isStoreUnavailable(error: unknown): error is LabopsError {
  return error instanceof LabopsError && error.code === 'STORE_UNAVAILABLE';
}

/**
 * The error text of a job recorded as running that nothing runs: its runner ended without
 * recording the end (a store failure it could not outlast), and this process owns the store.
 */
export const STRANDED_JOB_ERROR =
  'labops found this job recorded as running with nothing running it (its end could not be recorded); it was marked interrupted and its locks released. Check its targets: its last step may have changed them.';

/** A job's life: a card waits for approval, then the job queues, runs and ends one way. */
export type JobStatus =
  | 'awaiting_approval'
  | 'queued'
  | 'running'
  | 'succeeded'
  | 'failed'
  | 'cancelled'
  /** The process stopped while it ran (crash, restart); reported, never resumed. */
  | 'interrupted'
  | 'denied'
  | 'expired'
  /** The target changed after the card was posted; the plan no longer holds. */
  | 'void';

export const FINAL_JOB_STATUSES: readonly JobStatus[] = [
  'succeeded',
  'failed',
  'cancelled',
  'interrupted',
  'denied',
  'expired',
  'void',
];

export type StepStatus =
  | 'pending'
  | 'running'
  | 'ok'
  | 'changed'
  | 'failed'
  | 'unknown'
  | 'cancelled'
  | 'skipped';

export interface NewJob {
  id: string;
  /** `host maintenance` */
  command: string;
  /** The text the user typed after the slash command. */
  text: string;
  args: Record<string, unknown>;
  requester: string;
  channel: string;
  risk: Risk;
  /** The plan as approved (summary, impact, warnings, locks, steps), stored as JSON. */
  plan: Plan;
  steps: StepSpec[];
  status: 'awaiting_approval' | 'queued';
  createdAt: number;
}

export interface JobRecord extends Omit<NewJob, 'status'> {
  status: JobStatus;
  startedAt: number | undefined;
  finishedAt: number | undefined;
  /** User-safe text of why it failed, was cancelled or interrupted. */
  error: string | undefined;
  /** Where the adapter shows this job (Slack channel + ts), JSON; opaque to the store. */
  messageRef: Record<string, unknown> | undefined;
  /** What the job did to its targets, as far as labops can tell (never less than happened). */
  review?: JobReview | undefined;
}

/** One target of a job (a key its plan locks, or an object under it) after a failure or cancel. */
export interface TargetChange {
  /** `host hyper1`, `vm scratch1`, `disk alma9.iso in nfs-data`, `machine storage`. */
  target: string;
  outcome: 'changed' | 'unchanged' | 'unknown';
  from?: string | undefined;
  to?: string | undefined;
  /** Why the outcome is unknown, or what changed a target whose state cannot be read. */
  note?: string | undefined;
}

export interface JobReview {
  /** When the job first sent a request or runbook command that can change the lab. */
  wroteAt?: number | undefined;
  /** The targets' states when the job started, object → state in words. */
  before?: Record<string, string> | undefined;
  /** Targets labops could not read when the job started. */
  beforeUnreadable?: string[] | undefined;
  /** After a failed, cancelled or interrupted job: each target compared with `before`. */
  changes?: TargetChange[] | undefined;
  reviewedAt?: number | undefined;
}

export interface StepRecord {
  jobId: string;
  index: number;
  kind: string;
  title: string;
  status: StepStatus;
  startedAt: number | undefined;
  finishedAt: number | undefined;
  durationMs: number | undefined;
  /** The last lines of the step's output, bounded. */
  tail: string;
  /** Why it failed, or what it changed. */
  detail: string | undefined;
  /** The checked end state after the step ("host hyper1 is in maintenance"). */
  endState: string | undefined;
}

export type ApprovalStatus = 'pending' | 'approved' | 'denied' | 'expired' | 'void';

export interface ApprovalDecision {
  principal: string;
  decision: 'approve' | 'deny';
  at: number;
}

export interface NewApproval {
  /** Short, typeable id (`a1`, `a2`, …), unique for the database's life. */
  id: string;
  jobId: string;
  risk: Risk;
  /** Distinct approvals needed: 1 for change (the requester confirms), 1 destructive, 2 critical. */
  required: number;
  /** Principals who may approve (after group expansion); the requester is excluded by policy unless risk is change. */
  eligible: string[];
  requester: string;
  createdAt: number;
  expiresAt: number;
  /** Hash of the state the plan depends on, and that state in words for the void card. */
  fingerprint: string;
  fingerprintState: Record<string, string>;
}

export interface ApprovalRecord extends NewApproval {
  status: ApprovalStatus;
  decisions: ApprovalDecision[];
  /** Where the card is shown (Slack channel + ts per message), JSON; opaque to the store. */
  cardRefs: Record<string, unknown>[];
}

/** An audit event: `noun:past-tense` (style.md), who did it, and user-safe details. */
export interface AuditEvent {
  seq: number;
  at: number;
  type: string;
  actor: string;
  jobId: string | undefined;
  approvalId: string | undefined;
  detail: Record<string, unknown>;
}

export type NewAuditEvent = Omit<AuditEvent, 'seq'>;

export interface LockRecord {
  /** `host:hyper1`, `domain:nfs-data`, `lab` */
  key: string;
  jobId: string;
  holder: string;
  takenAt: number;
}

export type TakeLocksResult = { ok: true } | { ok: false; heldBy: LockRecord };

/** The outcome of recording a click, decided atomically. */
export type DecisionResult =
  /** The decision was recorded; `status` is the approval's status after it. */
  | { outcome: 'recorded'; approval: ApprovalRecord; becameFinal: boolean }
  /** Nothing changed; `reason` says why in words for the clicker. */
  | {
      outcome: 'refused';
      reason: 'not-found' | 'not-pending' | 'expired' | 'not-eligible' | 'self-approval' | 'repeated';
      approval: ApprovalRecord | undefined;
    };

export interface RecoveryReport {
  /** Jobs that were running or queued when the process stopped; now `interrupted`. */
  interrupted: JobRecord[];
  /** Approvals still pending and unexpired: their cards keep working. */
  pending: ApprovalRecord[];
  /** Approvals that expired while the process was down; now `expired`, their jobs too. */
  expired: ApprovalRecord[];
}

/** An SSH host key fingerprint pinned by `/host trust`. */
export interface PinnedHostKey {
  machine: string;
  /** `SHA256:…`, as `ssh-keygen -lf` prints it. */
  fingerprint: string;
  /** The principal who approved the pin. */
  by: string;
  at: number;
}

export interface Store {
  readonly path: string;
  /** Opened only to read (`openStore({ readOnly: true })`): every write is refused. */
  readonly readOnly: boolean;

  /**
   * Undefined when the store takes writes. After a write failed for want of space or I/O, tries a
   * write that needs a new page and answers the STORE_UNAVAILABLE error while it still fails.
   */
  checkWritable(): LabopsError | undefined;

  createJob(job: NewJob): JobRecord;
  getJob(id: string): JobRecord | undefined;
  /** Newest first. */
  listJobs(filter?: { statuses?: readonly JobStatus[]; limit?: number }): JobRecord[];
  /**
   * Moves a job to `to` only if its status is one of `from`; answers whether it moved. This is the
   * guard that makes "nothing runs twice" hold: only one caller wins `queued -> running`.
   */
  transitionJob(
    id: string,
    from: readonly JobStatus[],
    to: JobStatus,
    patch?: { at?: number; error?: string },
  ): boolean;
  setJobMessageRef(id: string, ref: Record<string, unknown>): void;
  /**
   * Runs `fn`'s store calls as one IMMEDIATE transaction: all of them are recorded, or none (a
   * throw, a full disk). `fn` is synchronous and emits nothing; announce after it returns.
   */
  atomically<T>(fn: () => T): T;
  /**
   * Moves a running job to interrupted with `reason`, its running steps to unknown and its locks
   * released, in one transaction; answers the job, or undefined when it was not running.
   */
  interruptJob(id: string, reason: string, now: number): JobRecord | undefined;
  /** Replaces the job's review; `error`, when given, replaces its error text too. */
  setJobReview(id: string, review: JobReview, error?: string): void;

  listSteps(jobId: string): StepRecord[];
  updateStep(
    jobId: string,
    index: number,
    patch: Partial<Omit<StepRecord, 'jobId' | 'index' | 'kind' | 'title'>>,
  ): void;

  createApproval(approval: NewApproval): ApprovalRecord;
  getApproval(id: string): ApprovalRecord | undefined;
  getApprovalForJob(jobId: string): ApprovalRecord | undefined;
  listApprovals(filter?: { statuses?: readonly ApprovalStatus[]; limit?: number }): ApprovalRecord[];
  /**
   * Records a click in one transaction: refuses (changing nothing) a click on a missing, final or
   * expired approval (`now >= expiresAt` marks it expired), by a non-eligible principal, by the
   * requester on a destructive/critical approval, or a principal's second decision. A deny makes
   * it `denied`; approvals reaching `required` distinct principals make it `approved`.
   */
  decideApproval(id: string, principal: string, decision: 'approve' | 'deny', now: number): DecisionResult;
  /** Moves a pending approval to expired/void; answers whether it moved. */
  closeApproval(id: string, to: 'expired' | 'void', now: number): boolean;
  addApprovalCardRef(id: string, ref: Record<string, unknown>): void;
  /** Next short approval id (`a1`, `a2`, …). */
  nextApprovalId(): string;

  appendAudit(event: NewAuditEvent): AuditEvent;
  /** The newest `limit` events, newest first. */
  listAudit(limit: number): AuditEvent[];
  /** Every event, oldest first, as JSON lines. */
  exportAudit(): IterableIterator<string>;

  /** Takes all keys for the job or none (atomic); refuses naming the first holder. Re-taking own locks is fine. */
  takeLocks(keys: readonly string[], jobId: string, holder: string, now: number): TakeLocksResult;
  releaseLocks(jobId: string): void;
  listLocks(): LockRecord[];

  /** The host key pinned by `/host trust` for a machine (lab.yml's `ssh.host_key` wins over it). */
  getPinnedHostKey(machine: string): PinnedHostKey | undefined;
  /** Pins (or re-pins) a machine's host key fingerprint. */
  pinHostKey(machine: string, fingerprint: string, by: string, at: number): PinnedHostKey;

  /**
   * After a restart: running/queued jobs become interrupted, expired approvals expire, locks of
   * jobs that are final are released; pending approvals keep their locks.
   */
  recover(now: number): RecoveryReport;

  close(): void;
}
