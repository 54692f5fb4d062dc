import { resolve } from 'node:path';
import { LabopsError, toLabopsError } from '../errors.js';
import { boundTail, TAIL_BYTES } from '../tail.js';
import { type Clock, systemClock } from '../time.js';
import {
  type Db,
  openDatabase,
  openDatabaseToRead,
  prepareDataDirectory,
  readOnlyStore,
  translateRuntimeError,
} from './sqlite-open.js';
import {
  toApprovalRecord,
  toAuditEvent,
  toJobRecord,
  toLockRecord,
  toPinnedHostKey,
  toStepRecord,
} from './sqlite-rows.js';
import { prepareStatements, type Statements } from './sqlite-statements.js';
import {
  type ApprovalRecord,
  type ApprovalStatus,
  type AuditEvent,
  type DecisionResult,
  FINAL_JOB_STATUSES,
  INTERRUPTED_JOB_ERROR,
  isStoreUnavailable,
  type JobRecord,
  type JobReview,
  type JobStatus,
  type LockRecord,
  type NewApproval,
  type NewAuditEvent,
  type NewJob,
  type PinnedHostKey,
  type RecoveryReport,
  STRANDED_JOB_ERROR,
  type StepRecord,
  type Store,
  type TakeLocksResult,
} from './types.js';

/** How to open the store; see `openStore`. */
export interface StoreOptions {
  /** The database file, created with its directory when missing; `:memory:` for a throwaway store. */
  path: string;
  /** The time `transitionJob` records when the caller names none. */
  now?: Clock | undefined;
  /** How long a write waits for another process holding the database, in ms (default 5000). */
  busyTimeoutMs?: number | undefined;
  /**
   * Open for reading only (an audit export while the bot runs): the file must exist, nothing is
   * migrated or converted, and every write — `recover` first of all — is refused.
   */
  readOnly?: boolean | undefined;
}

/** `updateStep` keeps at most this many bytes of a step's tail, its end. */
export const STEP_TAIL_MAX_BYTES = TAIL_BYTES;

/** The detail of a step that `recover` found running. */
export const UNKNOWN_STEP_DETAIL = 'labops stopped while this step was running; its outcome is unknown.';

/**
 * Opens (creating when missing) the state store at `options.path` and brings its schema up to
 * date. Anything that would risk the user's data stops start-up with CONFIG naming the path and
 * how to fix it — a file that is not SQLite, a corrupt or read-only database, an unwritable
 * directory, a schema from a newer labops; the file is never deleted, replaced or repaired.
 *
 * The store keeps one invariant beyond the interface: whenever it moves a job to a final status
 * (a transition, a denial, an expiry, a void, recovery) it releases that job's locks in the same
 * transaction, so a finished job never blocks a target.
 */
export function openStore(options: StoreOptions): Store {
  const path = options.path === ':memory:' ? options.path : resolve(options.path);
  const busyTimeoutMs = options.busyTimeoutMs ?? 5000;
  if (options.readOnly) {
    return new SqliteStore(openDatabaseToRead(path, busyTimeoutMs), path, options.now ?? systemClock, true);
  }
  const db = openDatabase(path, busyTimeoutMs);
  return new SqliteStore(db, path, options.now ?? systemClock, false);
}

/**
 * For tests and fault drills: caps the database at its current size, so that a write needing a
 * new page fails as on a full disk (SQLITE_FULL); `undefined` lifts the cap. Only this store's
 * connection is capped.
 */
export function setStoreSizeLimit(store: Store, limit: 'current' | undefined): void {
  if (!(store instanceof SqliteStore)) throw new LabopsError('INTERNAL', 'Not a SQLite store.');
  store.setSizeLimit(limit);
}

// ---------------------------------------------------------------------------------------------
// The store

class SqliteStore implements Store {
  readonly path: string;
  readonly readOnly: boolean;
  private readonly db: Db;
  private readonly now: Clock;
  private readonly sql: Statements;
  /** The last write that failed for want of space or I/O, until a write succeeds again. */
  private writeFailure: LabopsError | undefined;
  /** `max_page_count` before `setSizeLimit` capped it. */
  private uncappedPages: number | undefined;

  constructor(db: Db, path: string, now: Clock, readOnly: boolean) {
    this.db = db;
    this.path = path;
    this.now = now;
    this.readOnly = readOnly;
    this.sql = prepareStatements(db);
  }

  checkWritable(): LabopsError | undefined {
    if (this.readOnly) return readOnlyStore(this.path);
    if (this.writeFailure === undefined) return undefined;
    try {
      // A page-sized row needs a new page unless one is free: the write a new request would make.
      this.write(() => {
        const pageSize = this.db.pragma('page_size', { simple: true }) as number;
        this.db.prepare('INSERT INTO store_probe (pad) VALUES (zeroblob(?))').run(pageSize);
        this.db.prepare('DELETE FROM store_probe').run();
      });
      return undefined;
    } catch (error) {
      return isStoreUnavailable(error) ? error : toLabopsError(error);
    }
  }

  interruptJob(id: string, reason: string, now: number): JobRecord | undefined {
    return this.write(() => {
      if (!this.moveJob(id, ['running'], 'interrupted', now, reason)) return undefined;
      this.sql.markRunningStepsUnknown.run({ jobId: id, detail: UNKNOWN_STEP_DETAIL });
      return this.readJob(id);
    });
  }

  setSizeLimit(limit: 'current' | undefined): void {
    if (limit === 'current') {
      this.uncappedPages ??= this.db.pragma('max_page_count', { simple: true }) as number;
      const pages = this.db.pragma('page_count', { simple: true }) as number;
      this.db.pragma(`max_page_count = ${pages}`);
    } else if (this.uncappedPages !== undefined) {
      this.db.pragma(`max_page_count = ${this.uncappedPages}`);
      this.uncappedPages = undefined;
    }
  }

  createJob(job: NewJob): JobRecord {
    return this.write(() => {
      if (this.sql.getJob.get(job.id)) {
        throw new LabopsError('CONFLICT', `Job ${job.id} already exists.`);
      }
      this.sql.insertJob.run({
        id: job.id,
        command: job.command,
        text: job.text,
        args: JSON.stringify(job.args),
        requester: job.requester,
        channel: job.channel,
        risk: job.risk,
        plan: JSON.stringify(job.plan),
        status: job.status,
        createdAt: job.createdAt,
      });
      job.steps.forEach((step, index) => {
        this.sql.insertStep.run({
          jobId: job.id,
          index,
          kind: step.kind,
          title: step.title,
          params: JSON.stringify(step.params),
          shows: step.shows === undefined ? null : JSON.stringify(step.shows),
          timeoutMs: step.timeoutMs ?? null,
        });
      });
      return this.readJob(job.id)!;
    });
  }

  getJob(id: string): JobRecord | undefined {
    return this.read(() => this.readJob(id));
  }

  listJobs(filter: { statuses?: readonly JobStatus[]; limit?: number } = {}): JobRecord[] {
    return this.read(() =>
      this.sql.listJobs
        .all({ statuses: statusList(filter.statuses), limit: filter.limit ?? -1 })
        .map((row) => toJobRecord(row, this.sql.listSteps.all(row.id))),
    );
  }

  transitionJob(
    id: string,
    from: readonly JobStatus[],
    to: JobStatus,
    patch: { at?: number; error?: string } = {},
  ): boolean {
    return this.write(() => this.moveJob(id, from, to, patch.at ?? this.now(), patch.error));
  }

  setJobMessageRef(id: string, ref: Record<string, unknown>): void {
    this.write(() => {
      if (this.sql.setMessageRef.run({ id, ref: JSON.stringify(ref) }).changes === 0) throw jobNotFound(id);
    });
  }

  setJobReview(id: string, review: JobReview, error?: string): void {
    this.write(() => {
      const changed = this.sql.setReview.run({ id, review: JSON.stringify(review), error: error ?? null });
      if (changed.changes === 0) throw jobNotFound(id);
    });
  }

  listSteps(jobId: string): StepRecord[] {
    return this.read(() => this.sql.listSteps.all(jobId).map(toStepRecord));
  }

  /** Fields left out or `undefined` keep their value; `tail` is cut to its last STEP_TAIL_MAX_BYTES. */
  updateStep(
    jobId: string,
    index: number,
    patch: Partial<Omit<StepRecord, 'jobId' | 'index' | 'kind' | 'title'>>,
  ): void {
    this.write(() => {
      const result = this.sql.updateStep.run({
        jobId,
        index,
        status: patch.status ?? null,
        startedAt: patch.startedAt ?? null,
        finishedAt: patch.finishedAt ?? null,
        durationMs: patch.durationMs ?? null,
        tail: patch.tail === undefined ? null : boundTail(patch.tail, STEP_TAIL_MAX_BYTES),
        detail: patch.detail ?? null,
        endState: patch.endState ?? null,
      });
      if (result.changes === 0) {
        throw new LabopsError('NOT_FOUND', `Job ${jobId} has no step ${index}.`);
      }
    });
  }

  createApproval(approval: NewApproval): ApprovalRecord {
    return this.write(() => {
      if (!this.sql.getJob.get(approval.jobId)) throw jobNotFound(approval.jobId);
      if (this.sql.getApproval.get(approval.id)) {
        throw new LabopsError('CONFLICT', `Approval ${approval.id} already exists.`);
      }
      this.sql.insertApproval.run({
        id: approval.id,
        jobId: approval.jobId,
        risk: approval.risk,
        required: approval.required,
        eligible: JSON.stringify(approval.eligible),
        requester: approval.requester,
        createdAt: approval.createdAt,
        expiresAt: approval.expiresAt,
        fingerprint: approval.fingerprint,
        fingerprintState: JSON.stringify(approval.fingerprintState),
      });
      return this.readApproval(approval.id)!;
    });
  }

  getApproval(id: string): ApprovalRecord | undefined {
    return this.read(() => this.readApproval(id));
  }

  getApprovalForJob(jobId: string): ApprovalRecord | undefined {
    return this.read(() => {
      const row = this.sql.getApprovalForJob.get(jobId);
      return row && toApprovalRecord(row, this.sql.listDecisions.all(row.id));
    });
  }

  listApprovals(filter: { statuses?: readonly ApprovalStatus[]; limit?: number } = {}): ApprovalRecord[] {
    return this.read(() =>
      this.sql.listApprovals
        .all({ statuses: statusList(filter.statuses), limit: filter.limit ?? -1 })
        .map((row) => toApprovalRecord(row, this.sql.listDecisions.all(row.id))),
    );
  }

  decideApproval(id: string, principal: string, decision: 'approve' | 'deny', now: number): DecisionResult {
    return this.write((): DecisionResult => {
      const approval = this.readApproval(id);
      if (approval === undefined) return refuse('not-found', undefined);
      if (approval.status === 'pending' && now >= approval.expiresAt) {
        this.closeApprovalAndJob(approval, 'expired', now);
        return refuse('expired', this.readApproval(id));
      }
      if (approval.status !== 'pending') return refuse('not-pending', approval);
      if (approval.decisions.some((d) => d.principal === principal)) return refuse('repeated', approval);

      const isRequester = principal === approval.requester;
      const isEligible = approval.eligible.includes(principal);
      if (decision === 'deny') {
        // The requester may always withdraw their own request.
        if (!isEligible && !isRequester) return refuse('not-eligible', approval);
        this.sql.insertDecision.run({ approvalId: id, principal, decision, at: now });
        this.sql.closeApproval.run({ id, to: 'denied', at: now });
        this.moveJob(approval.jobId, ['awaiting_approval'], 'denied', now);
        return { outcome: 'recorded', approval: this.readApproval(id)!, becameFinal: true };
      }
      if (isRequester && approval.risk !== 'change') return refuse('self-approval', approval);
      if (!isEligible) return refuse('not-eligible', approval);

      this.sql.insertDecision.run({ approvalId: id, principal, decision, at: now });
      const approvers = this.sql.countApprovers.get(id) ?? 0;
      const isApproved = approvers >= approval.required;
      if (isApproved) {
        this.sql.closeApproval.run({ id, to: 'approved', at: now });
        this.moveJob(approval.jobId, ['awaiting_approval'], 'queued', now);
      }
      return { outcome: 'recorded', approval: this.readApproval(id)!, becameFinal: isApproved };
    });
  }

  /** Also moves the approval's job, when it still awaits approval, to the same status (`expired` or `void`). */
  closeApproval(id: string, to: 'expired' | 'void', now: number): boolean {
    return this.write(() => {
      const approval = this.readApproval(id);
      if (approval === undefined || approval.status !== 'pending') return false;
      this.closeApprovalAndJob(approval, to, now);
      return true;
    });
  }

  addApprovalCardRef(id: string, ref: Record<string, unknown>): void {
    this.write(() => {
      if (this.sql.addCardRef.run({ id, ref: JSON.stringify(ref) }).changes === 0) {
        throw new LabopsError('NOT_FOUND', `Approval ${id} does not exist.`);
      }
    });
  }

  nextApprovalId(): string {
    return this.write(() => {
      // Skips numbers already used by an approval created with a hand-picked id.
      for (;;) {
        const id = `a${this.sql.nextApprovalNumber.get()}`;
        if (!this.sql.getApproval.get(id)) return id;
      }
    });
  }

  appendAudit(event: NewAuditEvent): AuditEvent {
    return this.write(() => {
      const result = this.sql.insertAudit.run({
        at: event.at,
        type: event.type,
        actor: event.actor,
        jobId: event.jobId ?? null,
        approvalId: event.approvalId ?? null,
        detail: JSON.stringify(event.detail ?? {}),
      });
      return { ...event, seq: Number(result.lastInsertRowid) };
    });
  }

  listAudit(limit: number): AuditEvent[] {
    return this.read(() => this.sql.listAudit.all(limit).map(toAuditEvent));
  }

  /**
   * Lines without their newline. The rows are streamed from SQLite: until the iteration ends, this
   * connection cannot run another statement, so finish (or `return()`) it before using the store.
   */
  exportAudit(): IterableIterator<string> {
    const rows = this.read(() => this.sql.exportAudit.iterate());
    const path = this.path;
    return (function* () {
      try {
        for (const row of rows) yield JSON.stringify(toAuditEvent(row));
      } catch (error) {
        throw translateRuntimeError(path, error);
      }
    })();
  }

  takeLocks(keys: readonly string[], jobId: string, holder: string, now: number): TakeLocksResult {
    return this.write((): TakeLocksResult => {
      const wanted = [...new Set(keys)];
      for (const key of wanted) {
        const row = this.sql.getLock.get(key);
        if (row && row.job_id !== jobId) return { ok: false, heldBy: toLockRecord(row) };
      }
      for (const key of wanted) this.sql.insertLock.run({ key, jobId, holder, at: now });
      return { ok: true };
    });
  }

  releaseLocks(jobId: string): void {
    this.write(() => {
      this.sql.releaseLocks.run(jobId);
    });
  }

  listLocks(): LockRecord[] {
    return this.read(() => this.sql.listLocks.all().map(toLockRecord));
  }

  getPinnedHostKey(machine: string): PinnedHostKey | undefined {
    return this.read(() => {
      const row = this.sql.getHostKey.get(machine);
      return row && toPinnedHostKey(row);
    });
  }

  pinHostKey(machine: string, fingerprint: string, by: string, at: number): PinnedHostKey {
    if (!/^SHA256:[A-Za-z0-9+/]{43}$/.test(fingerprint)) {
      throw new LabopsError(
        'USAGE',
        `${JSON.stringify(fingerprint)} is not an SSH key fingerprint (SHA256:…).`,
      );
    }
    return this.write(() => {
      this.sql.pinHostKey.run({ machine, fingerprint, by, at });
      return toPinnedHostKey(this.sql.getHostKey.get(machine)!);
    });
  }

  /** Also releases locks whose job does not exist: nothing can still be creating it after a restart. */
  recover(now: number): RecoveryReport {
    return this.write((): RecoveryReport => {
      const stale = this.sql.listJobs.all({ statuses: statusList(['running', 'queued']), limit: -1 });
      for (const job of stale) {
        this.moveJob(job.id, ['running', 'queued'], 'interrupted', now, INTERRUPTED_JOB_ERROR);
        this.sql.markRunningStepsUnknown.run({ jobId: job.id, detail: UNKNOWN_STEP_DETAIL });
      }
      const pending: ApprovalRecord[] = [];
      const expired: ApprovalRecord[] = [];
      const open = this.sql.listApprovals.all({ statuses: statusList(['pending']), limit: -1 });
      for (const row of open.reverse()) {
        if (now >= row.expires_at) {
          this.closeApprovalAndJob({ id: row.id, jobId: row.job_id }, 'expired', now);
          expired.push(this.readApproval(row.id)!);
        } else {
          pending.push(this.readApproval(row.id)!);
        }
      }
      this.sql.releaseStaleLocks.run({ final: JSON.stringify(FINAL_JOB_STATUSES) });
      return { interrupted: stale.map((job) => this.readJob(job.id)!), pending, expired };
    });
  }

  close(): void {
    if (this.db.open) this.db.close();
  }

  private readJob(id: string): JobRecord | undefined {
    const row = this.sql.getJob.get(id);
    return row && toJobRecord(row, this.sql.listSteps.all(id));
  }

  private readApproval(id: string): ApprovalRecord | undefined {
    const row = this.sql.getApproval.get(id);
    return row && toApprovalRecord(row, this.sql.listDecisions.all(id));
  }

  /** The compare-and-set behind every job move; call inside a transaction. */
  private moveJob(
    id: string,
    from: readonly JobStatus[],
    to: JobStatus,
    at: number,
    error?: string,
  ): boolean {
    const isFinal = FINAL_JOB_STATUSES.includes(to);
    const moved =
      this.sql.moveJob.run({
        id,
        from: JSON.stringify(from),
        to,
        at,
        isRunning: to === 'running' ? 1 : 0,
        isFinal: isFinal ? 1 : 0,
        error: error ?? null,
      }).changes === 1;
    if (moved && isFinal) this.sql.releaseLocks.run(id);
    return moved;
  }

  private closeApprovalAndJob(
    approval: { id: string; jobId: string },
    to: 'expired' | 'void',
    now: number,
  ): void {
    this.sql.closeApproval.run({ id: approval.id, to, at: now });
    this.moveJob(approval.jobId, ['awaiting_approval'], to, now);
  }

  atomically<T>(fn: () => T): T {
    // Store calls inside `fn` nest as savepoints of this one transaction (better-sqlite3).
    return this.write(fn);
  }

  private read<T>(fn: () => T): T {
    try {
      return fn();
    } catch (error) {
      throw translateRuntimeError(this.path, error);
    }
  }

  /**
   * Runs `fn` in an IMMEDIATE transaction: the write lock is taken before the first read. A write
   * that fails for want of space or I/O leaves the store marked unwritable until one succeeds.
   */
  private write<T>(fn: () => T): T {
    if (this.readOnly) throw readOnlyStore(this.path);
    try {
      const result = this.read(() => this.db.transaction(fn).immediate());
      this.writeFailure = undefined;
      return result;
    } catch (error) {
      if (isStoreUnavailable(error)) this.writeFailure = error;
      throw error;
    }
  }
}

function refuse(
  reason: Extract<DecisionResult, { outcome: 'refused' }>['reason'],
  approval: ApprovalRecord | undefined,
): DecisionResult {
  return { outcome: 'refused', reason, approval };
}

function statusList(statuses: readonly string[] | undefined): string | null {
  return statuses === undefined ? null : JSON.stringify(statuses);
}

function jobNotFound(id: string): LabopsError {
  return new LabopsError('NOT_FOUND', `Job ${id} does not exist.`);
}

export { INTERRUPTED_JOB_ERROR, prepareDataDirectory, STRANDED_JOB_ERROR };
