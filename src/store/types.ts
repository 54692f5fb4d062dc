/**
 * The state store's contract (design.md "Jobs, plans and progress", "Approvals", "Locks"): jobs and
 * their steps, approvals, the audit trail and locks, persisted so that a restart loses nothing and
 * runs nothing twice. Implemented over SQLite (better-sqlite3, WAL) in `sqlite-store.ts`.
 *
 * Every method answers a Promise; each write is one transaction. Over SQLite each runs whole
 * before the next begins, so two approvals arriving at the same moment are decided one after the other.
 */

import { LabopsError } from '../errors.js';
import { renderEnglish } from '../i18n/render.js';
import { msg, type Text } from '../i18n/text.js';
import type { Plan, StepSpec } from '../plan.js';
import type { Risk } from '../risk.js';

/** Plans are defined beside the commands' contract (src/plan.ts); the store keeps them with the job. */
export type { StepSpec };

/** The error of a job that `recover` found running or queued, as a reader sees it and in English. */
export const INTERRUPTED_JOB_TEXT = msg('jobs.error.interrupted');
export const INTERRUPTED_JOB_ERROR = renderEnglish(INTERRUPTED_JOB_TEXT);

/** Whether `error` says the state store cannot be written now (disk full, I/O error, read-only). */
export function isStoreUnavailable(error: unknown): error is LabopsError {
  return error instanceof LabopsError && error.code === 'STORE_UNAVAILABLE';
}

/**
 * The error of a job recorded as running that nothing runs: its runner ended without recording
 * the end (a store failure it could not outlast), and this process owns the store.
 */
export const STRANDED_JOB_TEXT = msg('jobs.error.stranded');
export const STRANDED_JOB_ERROR = renderEnglish(STRANDED_JOB_TEXT);

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
  /** The lab it acts on (config's lab name); its locks and audit rows are that lab's. */
  lab: string;
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
  /** Why it failed, was cancelled or interrupted, in English (logs, audit, tools). */
  error: string | undefined;
  /** The same as a reader sees it, in their language (issue 16). */
  errorText: Text | undefined;
  /** Where the adapter shows this job (Slack channel + ts), JSON; opaque to the store. */
  messageRef: Record<string, unknown> | undefined;
  /** What the job did to its targets, as far as labops can tell (never less than happened). */
  review?: JobReview | undefined;
  /** The replica running it and until when its lease holds, once a replica claimed it (issue 14 §2). */
  lease?: (JobLease & { until: number }) | undefined;
}

/**
 * A replica's claim on a running job (issue 14 §2): who runs it, and which claim of the job this
 * is. Every write of the job's progress made under it names it (`fence`), and is refused with
 * LEASE_LOST once the job is no longer running under that claim.
 */
export interface JobLease {
  replica: string;
  epoch: number;
}

/** A replica claiming a queued job as it starts it: the lease lasts `leaseMs` from the store's clock. */
export interface JobClaim {
  replica: string;
  leaseMs: number;
}

/** One target of a job (a key its plan locks, or an object under it) after a failure or cancel. */
export interface TargetChange {
  /** `host hyper1`, `vm scratch1`, `disk alma9.iso in nfs-data`, `machine storage`. */
  target: string;
  outcome: 'changed' | 'unchanged' | 'unknown';
  from?: string | undefined;
  to?: string | undefined;
  /** Why the outcome is unknown, or what changed a target whose state cannot be read (English). */
  note?: string | undefined;
  /** The note as a reader sees it (issue 16); kept in the review, left out of the audit trail. */
  noteText?: Text | undefined;
}

export interface JobReview {
  /** When the job first sent a request or runbook command that can change the lab. */
  wroteAt?: number | undefined;
  /** The targets' states when the job started, object → state in words. */
  before?: Record<string, string> | undefined;
  /** Why labops could not read the targets when the job started (English), and as a reader sees it. */
  beforeUnreadable?: string[] | undefined;
  beforeUnreadableText?: Text[] | undefined;
  /** After a failed, cancelled or interrupted job: each target compared with `before`. */
  changes?: TargetChange[] | undefined;
  reviewedAt?: number | undefined;
}

export interface StepRecord {
  jobId: string;
  index: number;
  kind: string;
  /** In English; `titleText` as a reader sees it (issue 16). Likewise `detail` and `endState`. */
  title: string;
  titleText: Text;
  status: StepStatus;
  startedAt: number | undefined;
  finishedAt: number | undefined;
  durationMs: number | undefined;
  /** The last lines of the step's output, bounded. */
  tail: string;
  /** Why it failed, or what it changed. */
  detail: string | undefined;
  detailText: Text | undefined;
  /** The checked end state after the step ("host hyper1 is in maintenance"). */
  endState: string | undefined;
  endStateText: Text | undefined;
}

/** What a step's progress changes: fields left out keep their value. */
export interface StepPatch {
  status?: StepStatus | undefined;
  startedAt?: number | undefined;
  finishedAt?: number | undefined;
  durationMs?: number | undefined;
  tail?: string | undefined;
  detail?: Text | undefined;
  endState?: Text | undefined;
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

/** The distinct principals who approved. */
export function countApprovals(approval: Pick<ApprovalRecord, 'decisions'>): number {
  return new Set(approval.decisions.filter((d) => d.decision === 'approve').map((d) => d.principal)).size;
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
  /**
   * The lab it happened in; undefined for an event of the whole bot. Appended with a job and no
   * lab, it is the job's lab.
   */
  lab?: string | undefined;
  type: string;
  actor: string;
  jobId: string | undefined;
  approvalId: string | undefined;
  detail: Record<string, unknown>;
}

export type NewAuditEvent = Omit<AuditEvent, 'seq'>;

export interface LockRecord {
  /** The lab whose key it is: a lock of one lab never blocks another. */
  lab: string;
  /** `host:hyper1`, `domain:nfs-data`, `lab` (every key of its lab) */
  key: string;
  jobId: string;
  holder: string;
  takenAt: number;
}

/** The outcome of recording a click, decided atomically. */
export type DecisionResult =
  /** The decision was recorded with its audit event; `approval` and `job` are as it left them. */
  | { outcome: 'recorded'; approval: ApprovalRecord; job: JobRecord; becameFinal: boolean }
  /**
   * Nothing was decided; `reason` says why. `expired`: the click found the approval past its
   * time, and the store expired it then (approval, job, locks and audit event); `job` is set then.
   */
  | {
      outcome: 'refused';
      reason: 'not-found' | 'not-pending' | 'expired' | 'not-eligible' | 'self-approval' | 'repeated';
      approval: ApprovalRecord | undefined;
      job?: JobRecord | undefined;
    };

/** A job proposed for approval: the job, its approval card and the locks it holds while it waits. */
export interface Proposal {
  job: Omit<NewJob, 'status'>;
  /** The job's id, requester, risk and creation time are the job's; `id` is given out when omitted. */
  approval: Omit<NewApproval, 'id' | 'jobId' | 'requester' | 'risk' | 'createdAt'> & {
    id?: string | undefined;
  };
  /**
   * What the job locks (its plan's locks), in the job's lab: `lab` excludes every other key of that
   * lab, and every other key of that lab excludes it. Other labs' locks never conflict.
   */
  locks: readonly string[];
  /** The `approval:requested` audit event's detail. */
  audit: Record<string, unknown>;
}

/**
 * A job approved through another job's card (a lab's part of `/lab reset --all`, issue 13 §3): it
 * is recorded queued, with its locks, and no card of its own.
 */
export interface QueuedJob {
  job: Omit<NewJob, 'status'>;
  /** The approval that lets it run: the card of the job it is part of. */
  approvalId: string;
  locks: readonly string[];
  /** The `job:queued` audit event's detail. */
  audit: Record<string, unknown>;
}

export type ProposeResult =
  | { ok: true; job: JobRecord; approval: ApprovalRecord }
  /** A key the job needs is held (or the lab lock rules it out): nothing was recorded. */
  | { ok: false; heldBy: LockRecord };

/** A job and its approval card, as a lifecycle operation left them. */
export interface JobAndApproval {
  job: JobRecord;
  approval: ApprovalRecord;
}

/** How a job that ran (or was to run) ended. */
export interface JobEnd {
  /** The statuses it may end from: `running`, or `queued` for a job whose start was refused. */
  from: readonly JobStatus[];
  /** The lease it ran under: ended only while it holds (LEASE_LOST otherwise). */
  fence?: JobLease | undefined;
  to: 'succeeded' | 'failed' | 'cancelled';
  error?: Text | undefined;
  at: number;
}

export interface RecoveryReport {
  /** Jobs that were running or queued when the process stopped; now `interrupted`. */
  interrupted: JobRecord[];
  /** Approvals still pending and unexpired: their cards keep working. */
  pending: ApprovalRecord[];
  /** Approvals that expired while the process was down; now `expired`, their jobs too. */
  expired: ApprovalRecord[];
}

/** What `listJobs` keeps; every field left out keeps everything. */
export interface ListJobsFilter {
  lab?: string | undefined;
  statuses?: readonly JobStatus[] | undefined;
  limit?: number | undefined;
}

/** What `listApprovals` keeps; `lab` is the lab of the approval's job. */
export interface ListApprovalsFilter {
  lab?: string | undefined;
  statuses?: readonly ApprovalStatus[] | undefined;
  limit?: number | undefined;
}

/** One entry of the duties' state (Store.readState). */
export interface StateEntry {
  key: string;
  /** What was written, as JSON carries it. */
  value: unknown;
  /** 1 when first written, one more at each write: what `writeState`'s `expect` compares. */
  version: number;
  updatedAt: number;
}

/** An SSH host key fingerprint pinned by `/host trust`. */
export interface PinnedHostKey {
  /** The lab whose machine it is: hyper1 of lab1 is not hyper1 of lab2. */
  lab: string;
  machine: string;
  /** `SHA256:…`, as `ssh-keygen -lf` prints it. */
  fingerprint: string;
  /** The principal who approved the pin. */
  by: string;
  at: number;
}

/**
 * The state store. Every method answers a Promise, so that a store over a network (PostgreSQL, for
 * replicas) can serve the same contract. Each write is one transaction. The lifecycle of a job —
 * proposed with its approval and locks, decided, voided, expired, cancelled while it waits,
 * started, ended, interrupted, recovered — is one operation each: the approval, the job, the
 * locks and the audit event change together or not at all, and the lab-lock rule is checked
 * inside. Whenever a job reaches a final status its locks are released in the same transaction.
 */
export interface Store {
  readonly path: string;
  /** Opened only to read (`openStore({ readOnly: true })`): every write is refused. */
  readonly readOnly: boolean;

  /**
   * Undefined when the store takes writes. After a write failed for want of space or I/O, tries a
   * write that needs a new page and answers the STORE_UNAVAILABLE error while it still fails.
   */
  checkWritable(): Promise<LabopsError | undefined>;

  // --- The lifecycle (design.md "Approvals", "Locks") ---------------------------------------

  /**
   * Records a job awaiting approval with its approval card and its locks, and the
   * `approval:requested` event. Refuses, recording nothing, when a key is held by another job of
   * the job's lab, when the job wants `lab` and any lock of its lab is held, or when its lab's `lab`
   * is held. CONFLICT when the job id (or a given approval id) exists.
   */
  proposeJob(proposal: Proposal): Promise<ProposeResult>;
  /**
   * Records a job already approved (QueuedJob) as queued, with its locks and the `job:queued`
   * event; answers it with the approval that let it run. Refuses, recording nothing, as
   * `proposeJob` does when a key it needs is held.
   */
  queueJob(queued: QueuedJob): Promise<ProposeResult>;
  /**
   * Records a click with its audit event (`approval:granted` / `approval:denied`): refuses,
   * changing nothing, a click on a missing, final or expired approval (`now >= expiresAt` expires
   * it, with its job, locks and `approval:expired` event), by a non-eligible principal, by the
   * requester on a destructive/critical approval, or a principal's second decision. A deny makes
   * it `denied` and its job too; approvals reaching `required` distinct principals make it
   * `approved` and queue the job.
   */
  decideApproval(
    id: string,
    principal: string,
    decision: 'approve' | 'deny',
    now: number,
  ): Promise<DecisionResult>;
  /**
   * A pending approval whose plan no longer holds: the approval and its waiting job become `void`,
   * the job keeping `reason`, its locks released, and `approval:voided` recorded with `changes`
   * (in English) by `actor`. Undefined, changing nothing, when the approval is not pending.
   */
  voidApproval(
    id: string,
    void_: { reason: Text; changes: readonly Text[]; actor: string; at: number },
  ): Promise<JobAndApproval | undefined>;
  /**
   * A pending approval past its time (`at >= expiresAt`): it and its waiting job become `expired`,
   * the locks are released and `approval:expired` recorded with `detail`. Undefined, changing
   * nothing, when it is not pending or not yet due.
   */
  expireApproval(
    id: string,
    at: number,
    detail?: Record<string, unknown>,
  ): Promise<JobAndApproval | undefined>;
  /**
   * A job awaiting approval or queued, cancelled by `by`: the job becomes `cancelled` with
   * `reason` (by default `Cancelled by …`), its card `void` if still pending (an approved card stays
   * approved), its locks released, `job:cancelled` recorded. Undefined, changing nothing, when the
   * job is not waiting.
   */
  cancelWaitingJob(
    id: string,
    by: string,
    at: number,
    reason?: Text,
  ): Promise<{ job: JobRecord; approval: ApprovalRecord | undefined } | undefined>;
  /**
   * Moves a queued job to running and records `job:started`; only one caller can win, so a job
   * never runs twice. Undefined when the job was not queued. With `claim`, the job is the
   * replica's: its lease (`JobRecord.lease`) lasts `claim.leaseMs` from the store's clock — the
   * database's for a store replicas share, `at` otherwise — under a new epoch.
   */
  startJob(id: string, at: number, claim?: JobClaim): Promise<JobRecord | undefined>;
  /**
   * The jobs of `jobIds` still running under `replica`, each lease renewed for `leaseMs` from the
   * store's clock (see startJob); the others are no longer this replica's to run.
   */
  renewLeases(replica: string, jobIds: readonly string[], leaseMs: number, at: number): Promise<string[]>;
  /**
   * Whether `replica` leads the replicas for `name` now (issue 14 §2): it takes the lead when no
   * one holds it or the holder's term ran out, and keeps it for `ttlMs` from the store's clock each
   * time it asks again. One replica leads at a time; another takes over when it stops asking.
   * A `ttlMs` of 0 gives the lead up at once, leaving no row behind (answers false).
   */
  lead(name: string, replica: string, ttlMs: number, at: number): Promise<boolean>;
  /**
   * Takes one call from the Slack budget `bucket` the replicas share (issue 14 §3): a bucket of
   * `capacity` calls refilled one every `intervalMs` on the store's clock. Answers 0 when the call
   * may go now, else how many ms until one may.
   */
  takeSlackToken(bucket: string, capacity: number, intervalMs: number, at: number): Promise<number>;
  /**
   * True the first time `key` is seen within `ttlMs` by any replica (a Slack retry, a double
   * click): once a replica saw it, the others see false until it is forgotten.
   */
  firstSeen(key: string, ttlMs: number, at: number): Promise<boolean>;
  /**
   * The small durable state of the bot's own duties (issue 15: an events watermark, reminders
   * sent, schedules), by key. Undefined when the key was never written or was deleted.
   */
  readState(key: string): Promise<StateEntry | undefined>;
  /** Every entry whose key starts with `prefix`, by key. */
  listState(prefix: string): Promise<StateEntry[]>;
  /**
   * Writes `value` under `key` when the entry is still at version `expect` (0: the key must not
   * exist); without `expect`, whatever it holds. True when written: its version is then one more.
   * Two replicas writing from the same version: one of them writes.
   */
  writeState(key: string, value: unknown, at: number, expect?: number): Promise<boolean>;
  /** Removes `key` (at version `expect`, when given); true when an entry was removed. */
  deleteState(key: string, expect?: number): Promise<boolean>;
  /**
   * Running jobs whose lease ran out by the store's clock (their replica died or lost the
   * database): each becomes interrupted as `interruptJob` does it, with `reason`. Answers them.
   */
  interruptExpired(reason: Text, at: number): Promise<JobRecord[]>;
  /**
   * Ends a job from one of `end.from`: its status, error and finish time, its locks released and
   * `job:<status>` recorded with the error. Undefined, changing nothing, when it was not in `from`.
   * With `end.fence`, LEASE_LOST when the job is not running under that lease.
   */
  endJob(id: string, end: JobEnd): Promise<JobRecord | undefined>;
  /**
   * Moves a running job to interrupted with `reason`, its running steps to unknown, its locks
   * released and `job:interrupted` recorded; undefined when it was not running.
   */
  interruptJob(id: string, reason: Text, at: number): Promise<JobRecord | undefined>;
  /**
   * Whether replicas share this store (PostgreSQL): another live process may be running jobs in
   * it, so `recover` leaves their jobs alone while their leases hold.
   */
  readonly shared: boolean;
  /**
   * A `shared` store's news of cards (issue 14 §5): calls `listener` with the lab of each card
   * another replica proposes, soon after it is recorded, so that this replica can get ready for
   * a click on it. `onState` says when it listens and when it lost its connection (it connects
   * again by itself). Answers how to stop. A hint only: a notice may be lost, and at worst opens
   * connections nobody uses.
   */
  watchProposals?(
    listener: (lab: string) => void,
    onState?: (state: 'listening' | 'lost', error?: Error) => void,
  ): () => Promise<void>;
  /**
   * After a restart, in one transaction, across every lab: running/queued jobs become interrupted
   * (in a `shared` store only those no live replica holds: running ones whose lease ran out or that
   * have none, queued ones queued over a minute ago), approvals past
   * their time expire (with their jobs), locks of jobs that are final (or missing) are released,
   * and each end is audited. Pending approvals keep their locks.
   */
  recover(now: number): Promise<RecoveryReport>;

  // --- Jobs and steps ------------------------------------------------------------------------

  getJob(id: string): Promise<JobRecord | undefined>;
  /** Newest first; `lab` keeps that lab's jobs only (every lab's when omitted). */
  listJobs(filter?: ListJobsFilter): Promise<JobRecord[]>;
  setJobMessageRef(id: string, ref: Record<string, unknown>): Promise<void>;
  /**
   * Replaces the job's review and answers the job; `error`, when given, replaces its error text
   * too, and `auditAt` records `job:reviewed` with the review's changes in the same transaction.
   */
  setJobReview(
    id: string,
    review: JobReview,
    options?: { error?: Text | undefined; auditAt?: number | undefined; fence?: JobLease | undefined },
  ): Promise<JobRecord>;
  listSteps(jobId: string): Promise<StepRecord[]>;
  /** With `fence`, LEASE_LOST (changing nothing) when the job is not running under that lease. */
  updateStep(jobId: string, index: number, patch: StepPatch, fence?: JobLease): Promise<void>;

  // --- Approvals -----------------------------------------------------------------------------

  getApproval(id: string): Promise<ApprovalRecord | undefined>;
  getApprovalForJob(jobId: string): Promise<ApprovalRecord | undefined>;
  /** Newest first; `lab` keeps the approvals of that lab's jobs only (every lab's when omitted). */
  listApprovals(filter?: ListApprovalsFilter): Promise<ApprovalRecord[]>;
  addApprovalCardRef(id: string, ref: Record<string, unknown>): Promise<void>;

  // --- Audit, locks, host keys ---------------------------------------------------------------

  appendAudit(event: NewAuditEvent): Promise<AuditEvent>;
  /**
   * The newest `limit` events, newest first; `lab` keeps that lab's only (the whole bot's events,
   * which have no lab, are left out then).
   */
  listAudit(limit: number, filter?: { lab?: string | undefined }): Promise<AuditEvent[]>;
  /** Every event of every lab, oldest first, as JSON lines without their newline; each says its `lab` (null: the bot's). */
  exportAudit(): AsyncIterable<string>;
  /** Oldest first; `lab` keeps that lab's only (every lab's when omitted). */
  listLocks(filter?: { lab?: string | undefined }): Promise<LockRecord[]>;
  /** The host key pinned by `/host trust` for a lab's machine (lab.yml's `ssh.host_key` wins over it). */
  getPinnedHostKey(lab: string, machine: string): Promise<PinnedHostKey | undefined>;
  /** Pins (or re-pins) a lab's machine's host key fingerprint. */
  pinHostKey(
    lab: string,
    machine: string,
    fingerprint: string,
    by: string,
    at: number,
  ): Promise<PinnedHostKey>;

  close(): Promise<void>;
}
