import { resolve } from 'node:path';
import { LabopsError, toLabopsError } from '../errors.js';
import { boundTail, TAIL_BYTES } from '../tail.js';
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
  countApprovals,
  type DecisionResult,
  FINAL_JOB_STATUSES,
  INTERRUPTED_JOB_ERROR,
  isStoreUnavailable,
  type JobAndApproval,
  type JobEnd,
  type JobRecord,
  type JobReview,
  type JobStatus,
  type LockRecord,
  type NewAuditEvent,
  type NewJob,
  type PinnedHostKey,
  type Proposal,
  type ProposeResult,
  type RecoveryReport,
  STRANDED_JOB_ERROR,
  type StepRecord,
  type Store,
} from './types.js';

/** How to open the store; see `openStore`. */
export interface StoreOptions {
  /** The database file, created with its directory when missing; `:memory:` for a throwaway store. */
  path: string;
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
    return new SqliteStore(openDatabaseToRead(path, busyTimeoutMs), path, true);
  }
  const db = openDatabase(path, busyTimeoutMs);
  return new SqliteStore(db, path, false);
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
  private readonly sql: Statements;
  /** The last write that failed for want of space or I/O, until a write succeeds again. */
  private writeFailure: LabopsError | undefined;
  /** `max_page_count` before `setSizeLimit` capped it. */
  private uncappedPages: number | undefined;

  constructor(db: Db, path: string, readOnly: boolean) {
    this.db = db;
    this.path = path;
    this.readOnly = readOnly;
    this.sql = prepareStatements(db);
  }

  // Each method's body runs synchronously (better-sqlite3 is) before its Promise settles, so each
  // is atomic with respect to every other call in this process.

  async checkWritable(): Promise<LabopsError | undefined> {
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

  // --- The lifecycle --------------------------------------------------------------------------

  async proposeJob(proposal: Proposal): Promise<ProposeResult> {
    return this.write((): ProposeResult => {
      const { job, approval } = proposal;
      const held = this.findConflictingLock(proposal.locks, job.id);
      if (held) return { ok: false, heldBy: held };
      if (this.sql.getJob.get(job.id)) throw new LabopsError('CONFLICT', `Job ${job.id} already exists.`);
      this.insertJob(job);
      for (const key of new Set(proposal.locks)) {
        this.sql.insertLock.run({ key, jobId: job.id, holder: job.requester, at: job.createdAt });
      }
      const approvalId = approval.id ?? this.nextApprovalId();
      if (this.sql.getApproval.get(approvalId)) {
        throw new LabopsError('CONFLICT', `Approval ${approvalId} already exists.`);
      }
      this.sql.insertApproval.run({
        id: approvalId,
        jobId: job.id,
        risk: job.risk,
        required: approval.required,
        eligible: JSON.stringify(approval.eligible),
        requester: job.requester,
        createdAt: job.createdAt,
        expiresAt: approval.expiresAt,
        fingerprint: approval.fingerprint,
        fingerprintState: JSON.stringify(approval.fingerprintState),
      });
      this.audit(job.createdAt, 'approval:requested', job.requester, job.id, approvalId, proposal.audit);
      return { ok: true, job: this.mustReadJob(job.id), approval: this.mustReadApproval(approvalId) };
    });
  }

  async decideApproval(
    id: string,
    principal: string,
    decision: 'approve' | 'deny',
    now: number,
  ): Promise<DecisionResult> {
    return this.write((): DecisionResult => {
      const approval = this.readApproval(id);
      if (approval === undefined) return refuse('not-found', undefined);
      if (approval.status === 'pending' && now >= approval.expiresAt) {
        const expired = this.expire(approval, now, {});
        return { ...refuse('expired', expired.approval), job: expired.job };
      }
      if (approval.status !== 'pending') return refuse('not-pending', approval);
      if (approval.decisions.some((d) => d.principal === principal)) return refuse('repeated', approval);

      const isRequester = principal === approval.requester;
      const isEligible = approval.eligible.includes(principal);
      let becameFinal: boolean;
      if (decision === 'deny') {
        // The requester may always withdraw their own request.
        if (!isEligible && !isRequester) return refuse('not-eligible', approval);
        this.sql.insertDecision.run({ approvalId: id, principal, decision, at: now });
        this.sql.closeApproval.run({ id, to: 'denied', at: now });
        this.moveJob(approval.jobId, ['awaiting_approval'], 'denied', now);
        becameFinal = true;
      } else {
        if (isRequester && approval.risk !== 'change') return refuse('self-approval', approval);
        if (!isEligible) return refuse('not-eligible', approval);
        this.sql.insertDecision.run({ approvalId: id, principal, decision, at: now });
        becameFinal = (this.sql.countApprovers.get(id) ?? 0) >= approval.required;
        if (becameFinal) {
          this.sql.closeApproval.run({ id, to: 'approved', at: now });
          this.moveJob(approval.jobId, ['awaiting_approval'], 'queued', now);
        }
      }
      const recorded = this.mustReadApproval(id);
      this.audit(
        now,
        decision === 'approve' ? 'approval:granted' : 'approval:denied',
        principal,
        recorded.jobId,
        id,
        { risk: recorded.risk, approvals: countApprovals(recorded), required: recorded.required },
      );
      return { outcome: 'recorded', approval: recorded, job: this.mustReadJob(recorded.jobId), becameFinal };
    });
  }

  async voidApproval(
    id: string,
    void_: { reason: string; changes: readonly string[]; actor: string; at: number },
  ): Promise<JobAndApproval | undefined> {
    return this.write(() => {
      const approval = this.readApproval(id);
      if (approval === undefined || approval.status !== 'pending') return undefined;
      this.sql.closeApproval.run({ id, to: 'void', at: void_.at });
      this.moveJob(approval.jobId, ['awaiting_approval'], 'void', void_.at, void_.reason);
      this.audit(void_.at, 'approval:voided', void_.actor, approval.jobId, id, {
        changes: [...void_.changes],
      });
      return { approval: this.mustReadApproval(id), job: this.mustReadJob(approval.jobId) };
    });
  }

  async expireApproval(
    id: string,
    at: number,
    detail: Record<string, unknown> = {},
  ): Promise<JobAndApproval | undefined> {
    return this.write(() => {
      const approval = this.readApproval(id);
      if (approval === undefined || approval.status !== 'pending' || at < approval.expiresAt)
        return undefined;
      return this.expire(approval, at, detail);
    });
  }

  async cancelWaitingJob(
    id: string,
    by: string,
    at: number,
  ): Promise<{ job: JobRecord; approval: ApprovalRecord | undefined } | undefined> {
    return this.write(() => {
      if (!this.moveJob(id, ['awaiting_approval', 'queued'], 'cancelled', at, `Cancelled by ${by}.`)) {
        return undefined;
      }
      const card = this.sql.getApprovalForJob.get(id);
      if (card) this.sql.closeApproval.run({ id: card.id, to: 'void', at });
      this.audit(at, 'job:cancelled', by, id, card?.id, {});
      return { job: this.mustReadJob(id), approval: card && this.readApproval(card.id) };
    });
  }

  async startJob(id: string, at: number): Promise<JobRecord | undefined> {
    return this.write(() => {
      if (!this.moveJob(id, ['queued'], 'running', at)) return undefined;
      this.audit(at, 'job:started', 'labops', id, undefined, {});
      return this.mustReadJob(id);
    });
  }

  async endJob(id: string, end: JobEnd): Promise<JobRecord | undefined> {
    return this.write(() => {
      if (!this.moveJob(id, end.from, end.to, end.at, end.error)) return undefined;
      const ended = this.mustReadJob(id);
      this.audit(end.at, `job:${end.to}`, 'labops', id, undefined, ended.error ? { error: ended.error } : {});
      return ended;
    });
  }

  async interruptJob(id: string, reason: string, at: number): Promise<JobRecord | undefined> {
    return this.write(() => {
      if (!this.moveJob(id, ['running'], 'interrupted', at, reason)) return undefined;
      this.sql.markRunningStepsUnknown.run({ jobId: id, detail: UNKNOWN_STEP_DETAIL });
      this.audit(at, 'job:interrupted', 'labops', id, undefined, { error: reason });
      return this.mustReadJob(id);
    });
  }

  /** Also releases locks whose job does not exist: nothing can still be creating it after a restart. */
  async recover(now: number): Promise<RecoveryReport> {
    return this.write((): RecoveryReport => {
      const stale = this.sql.listJobs.all({ statuses: statusList(['running', 'queued']), limit: -1 });
      const interrupted: JobRecord[] = [];
      for (const job of stale) {
        this.moveJob(job.id, ['running', 'queued'], 'interrupted', now, INTERRUPTED_JOB_ERROR);
        this.sql.markRunningStepsUnknown.run({ jobId: job.id, detail: UNKNOWN_STEP_DETAIL });
        const ended = this.mustReadJob(job.id);
        this.audit(now, 'job:interrupted', 'labops', job.id, undefined, { error: ended.error });
        interrupted.push(ended);
      }
      const pending: ApprovalRecord[] = [];
      const expired: ApprovalRecord[] = [];
      const open = this.sql.listApprovals.all({ statuses: statusList(['pending']), limit: -1 });
      for (const row of open.reverse()) {
        const approval = toApprovalRecord(row, this.sql.listDecisions.all(row.id));
        if (now >= approval.expiresAt) {
          // Audited as the expiry sweep does it, noting that labops was down.
          expired.push(this.expire(approval, now, { while: 'labops was stopped' }).approval);
        } else {
          pending.push(approval);
        }
      }
      this.sql.releaseStaleLocks.run({ final: JSON.stringify(FINAL_JOB_STATUSES) });
      return { interrupted, pending, expired };
    });
  }

  // --- Jobs and steps ---------------------------------------------------------------------------

  async getJob(id: string): Promise<JobRecord | undefined> {
    return this.read(() => this.readJob(id));
  }

  async listJobs(filter: { statuses?: readonly JobStatus[]; limit?: number } = {}): Promise<JobRecord[]> {
    return this.read(() =>
      this.sql.listJobs
        .all({ statuses: statusList(filter.statuses), limit: filter.limit ?? -1 })
        .map((row) => toJobRecord(row, this.sql.listSteps.all(row.id))),
    );
  }

  async setJobMessageRef(id: string, ref: Record<string, unknown>): Promise<void> {
    this.write(() => {
      if (this.sql.setMessageRef.run({ id, ref: JSON.stringify(ref) }).changes === 0) throw jobNotFound(id);
    });
  }

  async setJobReview(
    id: string,
    review: JobReview,
    options: { error?: string | undefined; auditAt?: number | undefined } = {},
  ): Promise<JobRecord> {
    return this.write(() => {
      const changed = this.sql.setReview.run({
        id,
        review: JSON.stringify(review),
        error: options.error ?? null,
      });
      if (changed.changes === 0) throw jobNotFound(id);
      if (options.auditAt !== undefined) {
        this.audit(options.auditAt, 'job:reviewed', 'labops', id, undefined, {
          changes: review.changes ?? [],
        });
      }
      return this.mustReadJob(id);
    });
  }

  async listSteps(jobId: string): Promise<StepRecord[]> {
    return this.read(() => this.sql.listSteps.all(jobId).map(toStepRecord));
  }

  /** Fields left out or `undefined` keep their value; `tail` is cut to its last STEP_TAIL_MAX_BYTES. */
  async updateStep(
    jobId: string,
    index: number,
    patch: Partial<Omit<StepRecord, 'jobId' | 'index' | 'kind' | 'title'>>,
  ): Promise<void> {
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

  // --- Approvals --------------------------------------------------------------------------------

  async getApproval(id: string): Promise<ApprovalRecord | undefined> {
    return this.read(() => this.readApproval(id));
  }

  async getApprovalForJob(jobId: string): Promise<ApprovalRecord | undefined> {
    return this.read(() => {
      const row = this.sql.getApprovalForJob.get(jobId);
      return row && toApprovalRecord(row, this.sql.listDecisions.all(row.id));
    });
  }

  async listApprovals(
    filter: { statuses?: readonly ApprovalStatus[]; limit?: number } = {},
  ): Promise<ApprovalRecord[]> {
    return this.read(() =>
      this.sql.listApprovals
        .all({ statuses: statusList(filter.statuses), limit: filter.limit ?? -1 })
        .map((row) => toApprovalRecord(row, this.sql.listDecisions.all(row.id))),
    );
  }

  async addApprovalCardRef(id: string, ref: Record<string, unknown>): Promise<void> {
    this.write(() => {
      if (this.sql.addCardRef.run({ id, ref: JSON.stringify(ref) }).changes === 0) {
        throw new LabopsError('NOT_FOUND', `Approval ${id} does not exist.`);
      }
    });
  }

  // --- Audit, locks, host keys --------------------------------------------------------------------

  async appendAudit(event: NewAuditEvent): Promise<AuditEvent> {
    return this.write(() => {
      const seq = this.audit(event.at, event.type, event.actor, event.jobId, event.approvalId, event.detail);
      return { ...event, seq };
    });
  }

  async listAudit(limit: number): Promise<AuditEvent[]> {
    return this.read(() => this.sql.listAudit.all(limit).map(toAuditEvent));
  }

  /**
   * The rows are read a page at a time by sequence number, so a long trail is never held whole and
   * the connection is free for other statements between pages.
   */
  async *exportAudit(): AsyncIterable<string> {
    let after = 0;
    for (;;) {
      const rows = this.read(() => this.sql.exportAuditPage.all({ after, limit: EXPORT_PAGE_ROWS }));
      for (const row of rows) yield JSON.stringify(toAuditEvent(row));
      if (rows.length < EXPORT_PAGE_ROWS) return;
      after = rows[rows.length - 1]!.seq;
    }
  }

  async listLocks(): Promise<LockRecord[]> {
    return this.read(() => this.sql.listLocks.all().map(toLockRecord));
  }

  async getPinnedHostKey(machine: string): Promise<PinnedHostKey | undefined> {
    return this.read(() => {
      const row = this.sql.getHostKey.get(machine);
      return row && toPinnedHostKey(row);
    });
  }

  async pinHostKey(machine: string, fingerprint: string, by: string, at: number): Promise<PinnedHostKey> {
    if (!/^SHA256:[A-Za-z0-9+/]{43}$/.test(fingerprint)) {
      throw new LabopsError(
        'USAGE',
        `${JSON.stringify(fingerprint)} is not an SSH key fingerprint (SHA256:…).`,
      );
    }
    return this.write(() => {
      this.sql.pinHostKey.run({ machine, fingerprint, by, at });
      return { machine, fingerprint, by, at };
    });
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }

  // --- Inside a transaction ---------------------------------------------------------------------

  private insertJob(job: Omit<NewJob, 'status'>): void {
    this.sql.insertJob.run({
      id: job.id,
      command: job.command,
      text: job.text,
      args: JSON.stringify(job.args),
      requester: job.requester,
      channel: job.channel,
      risk: job.risk,
      plan: JSON.stringify(job.plan),
      status: 'awaiting_approval',
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
  }

  /**
   * The lock that keeps `jobId` from taking `keys`: a key held by another job, any lock when the
   * job wants the whole lab, or the lab lock itself (design.md, Locks).
   */
  private findConflictingLock(keys: readonly string[], jobId: string): LockRecord | undefined {
    const wantsLab = keys.includes('lab');
    const row = this.sql.listLocks
      .all()
      .find((l) => l.job_id !== jobId && (keys.includes(l.key) || l.key === 'lab' || wantsLab));
    return row && toLockRecord(row);
  }

  /** Next short approval id (`a1`, `a2`, …), skipping numbers a hand-picked id already took. */
  private nextApprovalId(): string {
    for (;;) {
      const id = `a${this.sql.nextApprovalNumber.get()}`;
      if (!this.sql.getApproval.get(id)) return id;
    }
  }

  private expire(approval: ApprovalRecord, at: number, detail: Record<string, unknown>): JobAndApproval {
    this.sql.closeApproval.run({ id: approval.id, to: 'expired', at });
    this.moveJob(approval.jobId, ['awaiting_approval'], 'expired', at);
    this.audit(at, 'approval:expired', 'labops', approval.jobId, approval.id, detail);
    return { approval: this.mustReadApproval(approval.id), job: this.mustReadJob(approval.jobId) };
  }

  private audit(
    at: number,
    type: string,
    actor: string,
    jobId: string | undefined,
    approvalId: string | undefined,
    detail: Record<string, unknown> | undefined,
  ): number {
    const result = this.sql.insertAudit.run({
      at,
      type,
      actor,
      jobId: jobId ?? null,
      approvalId: approvalId ?? null,
      detail: JSON.stringify(detail ?? {}),
    });
    return Number(result.lastInsertRowid);
  }

  private readJob(id: string): JobRecord | undefined {
    const row = this.sql.getJob.get(id);
    return row && toJobRecord(row, this.sql.listSteps.all(id));
  }

  /** A job the transaction has just written or found: missing, the store is broken. */
  private mustReadJob(id: string): JobRecord {
    const job = this.readJob(id);
    if (!job) throw new LabopsError('INTERNAL', `Job ${id} vanished from the store.`);
    return job;
  }

  private readApproval(id: string): ApprovalRecord | undefined {
    const row = this.sql.getApproval.get(id);
    return row && toApprovalRecord(row, this.sql.listDecisions.all(id));
  }

  private mustReadApproval(id: string): ApprovalRecord {
    const approval = this.readApproval(id);
    if (!approval) throw new LabopsError('INTERNAL', `Approval ${id} vanished from the store.`);
    return approval;
  }

  /** The compare-and-set behind every job move; call inside a transaction. A final move releases the locks. */
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

/** How many audit rows `exportAudit` reads at a time. */
const EXPORT_PAGE_ROWS = 500;

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
