import { resolve } from 'node:path';
import { LabopsError, toLabopsError } from '../errors.js';
import { msg, type Text, verbatim } from '../i18n/text.js';
import { TAIL_BYTES } from '../tail.js';
import { takeToken } from './budget.js';
import { LifecycleTx, UNKNOWN_STEP_DETAIL, UNKNOWN_STEP_TEXT } from './sqlite-lifecycle.js';
import {
  type Db,
  openDatabase,
  openDatabaseToRead,
  prepareDataDirectory,
  readOnlyStore,
  translateRuntimeError,
} from './sqlite-open.js';
import { prepareStatements, type Statements } from './sqlite-statements.js';
import {
  toApprovalRecord,
  toAuditEvent,
  toJobRecord,
  toLockRecord,
  toPinnedHostKey,
  toStateEntry,
  toStepRecord,
  toStepUpdate,
  toTextColumns,
} from './store-rows.js';
import {
  type ApprovalRecord,
  type AuditEvent,
  type DecisionResult,
  INTERRUPTED_JOB_ERROR,
  INTERRUPTED_JOB_TEXT,
  isStoreUnavailable,
  type JobAndApproval,
  type JobClaim,
  type JobEnd,
  type JobLease,
  type JobRecord,
  type JobReview,
  type ListApprovalsFilter,
  type ListJobsFilter,
  type LockRecord,
  type NewAuditEvent,
  type PinnedHostKey,
  type Proposal,
  type ProposeResult,
  type QueuedJob,
  type RecoveryReport,
  STRANDED_JOB_ERROR,
  STRANDED_JOB_TEXT,
  type StateEntry,
  type StepPatch,
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
  if (!(store instanceof SqliteStore)) throw new LabopsError('INTERNAL', msg('jobs.store.notSqlite'));
  store.setSizeLimit(limit);
}

// ---------------------------------------------------------------------------------------------
// The store

class SqliteStore implements Store {
  readonly path: string;
  readonly readOnly: boolean;
  /** One process owns a SQLite store (its data directory's lock). */
  readonly shared = false;
  private readonly db: Db;
  private readonly sql: Statements;
  /** The lifecycle's operations and row helpers, each run inside `write`. */
  private readonly tx: LifecycleTx;
  /** The last write that failed for want of space or I/O, until a write succeeds again. */
  private writeFailure: LabopsError | undefined;
  /** `max_page_count` before `setSizeLimit` capped it. */
  private uncappedPages: number | undefined;

  constructor(db: Db, path: string, readOnly: boolean) {
    this.db = db;
    this.path = path;
    this.readOnly = readOnly;
    this.sql = prepareStatements(db);
    this.tx = new LifecycleTx(this.sql);
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

  // --- The lifecycle: each one transaction (src/store/sqlite-lifecycle.ts) ---------------------

  async proposeJob(proposal: Proposal): Promise<ProposeResult> {
    return this.write(() => this.tx.proposeJob(proposal));
  }

  async queueJob(queued: QueuedJob): Promise<ProposeResult> {
    return this.write(() => this.tx.queueJob(queued));
  }

  async decideApproval(
    id: string,
    principal: string,
    decision: 'approve' | 'deny',
    now: number,
  ): Promise<DecisionResult> {
    return this.write(() => this.tx.decideApproval(id, principal, decision, now));
  }

  async voidApproval(
    id: string,
    void_: { reason: Text; changes: readonly Text[]; actor: string; at: number },
  ): Promise<JobAndApproval | undefined> {
    return this.write(() => this.tx.voidApproval(id, void_));
  }

  async expireApproval(
    id: string,
    at: number,
    detail: Record<string, unknown> = {},
  ): Promise<JobAndApproval | undefined> {
    return this.write(() => this.tx.expireApproval(id, at, detail));
  }

  async cancelWaitingJob(
    id: string,
    by: string,
    at: number,
    reason?: Text,
  ): Promise<{ job: JobRecord; approval: ApprovalRecord | undefined } | undefined> {
    return this.write(() => this.tx.cancelWaitingJob(id, by, at, reason));
  }

  async startJob(id: string, at: number, claim?: JobClaim): Promise<JobRecord | undefined> {
    return this.write(() => this.tx.startJob(id, at, claim));
  }

  /** One process owns a SQLite store: its clock is the process's (`at`). */
  async renewLeases(
    replica: string,
    jobIds: readonly string[],
    leaseMs: number,
    at: number,
  ): Promise<string[]> {
    return this.write(() => this.tx.renewLeases(replica, jobIds, at + leaseMs));
  }

  async lead(name: string, replica: string, ttlMs: number, at: number): Promise<boolean> {
    if (ttlMs <= 0) {
      this.write(() => this.sql.resign.run({ name, replica }));
      return false;
    }
    return this.write(() => this.sql.lead.run({ name, replica, at, until: at + ttlMs }).changes > 0);
  }

  async takeSlackToken(bucket: string, capacity: number, intervalMs: number, at: number): Promise<number> {
    return this.write(() => {
      const row = this.sql.readBudget.get(bucket);
      const { tokens, wait } = takeToken(row, capacity, intervalMs, at);
      this.sql.writeBudget.run({ bucket, tokens, at: wait === 0 || !row ? at : row.updated_at });
      return wait;
    });
  }

  async firstSeen(key: string, ttlMs: number, at: number): Promise<boolean> {
    return this.write(() => {
      this.sql.forgetSeen.run({ at });
      return this.sql.see.run({ key, at, until: at + ttlMs }).changes > 0;
    });
  }

  async readState(key: string): Promise<StateEntry | undefined> {
    return this.read(() => {
      const row = this.sql.readState.get(key);
      return row ? toStateEntry(row) : undefined;
    });
  }

  async listState(prefix: string): Promise<StateEntry[]> {
    return this.read(() => this.sql.listState.all({ prefix }).map(toStateEntry));
  }

  async writeState(key: string, value: unknown, at: number, expect?: number): Promise<boolean> {
    const json = JSON.stringify(value ?? null);
    return this.write(() => {
      const row = { key, value: json, at };
      if (expect === undefined) return this.sql.putState.run(row).changes > 0;
      if (expect === 0) return this.sql.insertState.run(row).changes > 0;
      return this.sql.replaceState.run({ ...row, expect }).changes > 0;
    });
  }

  async deleteState(key: string, expect?: number): Promise<boolean> {
    return this.write(() => this.sql.deleteState.run({ key, expect: expect ?? null }).changes > 0);
  }

  async interruptExpired(reason: Text, at: number): Promise<JobRecord[]> {
    return this.write(() => this.tx.interruptExpired(reason, at));
  }

  async endJob(id: string, end: JobEnd): Promise<JobRecord | undefined> {
    return this.write(() => this.tx.endJob(id, end));
  }

  async interruptJob(id: string, reason: Text, at: number): Promise<JobRecord | undefined> {
    return this.write(() => this.tx.interruptJob(id, reason, at));
  }

  /** Also releases locks whose job does not exist: nothing can still be creating it after a restart. */
  async recover(now: number): Promise<RecoveryReport> {
    return this.write(() => this.tx.recover(now));
  }

  // --- Jobs and steps ---------------------------------------------------------------------------

  async getJob(id: string): Promise<JobRecord | undefined> {
    return this.read(() => this.tx.readJob(id));
  }

  async listJobs(filter: ListJobsFilter = {}): Promise<JobRecord[]> {
    return this.read(() =>
      this.sql.listJobs
        .all({ lab: filter.lab ?? null, statuses: filter.statuses ?? null, limit: filter.limit ?? null })
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
    options: { error?: Text | undefined; auditAt?: number | undefined; fence?: JobLease | undefined } = {},
  ): Promise<JobRecord> {
    const error = toTextColumns(options.error);
    return this.write(() => {
      this.tx.checkFence(id, options.fence);
      const changed = this.sql.setReview.run({
        id,
        review: JSON.stringify(review),
        error: error.english,
        errorText: error.json,
      });
      if (changed.changes === 0) throw jobNotFound(id);
      if (options.auditAt !== undefined) {
        // The audit trail stays English: the notes' texts stay in the review.
        this.tx.audit(options.auditAt, 'job:reviewed', 'labops', id, undefined, {
          changes: (review.changes ?? []).map(({ noteText: _, ...change }) => change),
        });
      }
      return this.tx.mustReadJob(id);
    });
  }

  async listSteps(jobId: string): Promise<StepRecord[]> {
    return this.read(() => this.sql.listSteps.all(jobId).map(toStepRecord));
  }

  /** Fields left out or `undefined` keep their value; `tail` is cut to its last STEP_TAIL_MAX_BYTES (store-rows.ts toStepUpdate). */
  async updateStep(jobId: string, index: number, patch: StepPatch, fence?: JobLease): Promise<void> {
    this.write(() => {
      this.tx.checkFence(jobId, fence);
      const result = this.sql.updateStep.run(toStepUpdate(jobId, index, patch));
      if (result.changes === 0) {
        throw new LabopsError('NOT_FOUND', msg('jobs.store.noStep', { job: jobId, index }));
      }
    });
  }

  // --- Approvals --------------------------------------------------------------------------------

  async getApproval(id: string): Promise<ApprovalRecord | undefined> {
    return this.read(() => this.tx.readApproval(id));
  }

  async getApprovalForJob(jobId: string): Promise<ApprovalRecord | undefined> {
    return this.read(() => {
      const row = this.sql.getApprovalForJob.get(jobId);
      return row && toApprovalRecord(row, this.sql.listDecisions.all(row.id));
    });
  }

  async listApprovals(filter: ListApprovalsFilter = {}): Promise<ApprovalRecord[]> {
    return this.read(() =>
      this.sql.listApprovals
        .all({ lab: filter.lab ?? null, statuses: filter.statuses ?? null, limit: filter.limit ?? null })
        .map((row) => toApprovalRecord(row, this.sql.listDecisions.all(row.id))),
    );
  }

  async addApprovalCardRef(id: string, ref: Record<string, unknown>): Promise<void> {
    this.write(() => {
      if (this.sql.addCardRef.run({ id, ref: JSON.stringify(ref) }).changes === 0) {
        throw new LabopsError('NOT_FOUND', msg('jobs.store.noApproval', { id }));
      }
    });
  }

  // --- Audit, locks, host keys --------------------------------------------------------------------

  async appendAudit(event: NewAuditEvent): Promise<AuditEvent> {
    return this.write(() => {
      const { seq, lab } = this.tx.audit(
        event.at,
        event.type,
        event.actor,
        event.jobId,
        event.approvalId,
        event.detail,
        event.lab,
      );
      return { ...event, seq, lab };
    });
  }

  async listAudit(limit: number, filter: { lab?: string | undefined } = {}): Promise<AuditEvent[]> {
    return this.read(() => this.sql.listAudit.all({ lab: filter.lab ?? null, limit }).map(toAuditEvent));
  }

  /**
   * The rows are read a page at a time by sequence number, so a long trail is never held whole and
   * the connection is free for other statements between pages.
   */
  async *exportAudit(): AsyncIterable<string> {
    let after = 0;
    for (;;) {
      const rows = this.read(() => this.sql.exportAuditPage.all({ after, limit: EXPORT_PAGE_ROWS }));
      // `lab` is on every line: null for an event of the whole bot.
      for (const row of rows) yield JSON.stringify({ ...toAuditEvent(row), lab: row.lab });
      if (rows.length < EXPORT_PAGE_ROWS) return;
      after = rows[rows.length - 1]!.seq;
    }
  }

  async listLocks(filter: { lab?: string | undefined } = {}): Promise<LockRecord[]> {
    return this.read(() => this.sql.listLocks.all({ lab: filter.lab ?? null }).map(toLockRecord));
  }

  async getPinnedHostKey(lab: string, machine: string): Promise<PinnedHostKey | undefined> {
    return this.read(() => {
      const row = this.sql.getHostKey.get({ lab, machine });
      return row && toPinnedHostKey(row);
    });
  }

  async pinHostKey(
    lab: string,
    machine: string,
    fingerprint: string,
    by: string,
    at: number,
  ): Promise<PinnedHostKey> {
    if (!/^SHA256:[A-Za-z0-9+/]{43}$/.test(fingerprint)) {
      throw new LabopsError(
        'USAGE',
        msg('jobs.store.badFingerprint', { fingerprint: verbatim(JSON.stringify(fingerprint)) }),
      );
    }
    return this.write(() => {
      this.sql.pinHostKey.run({ lab, machine, fingerprint, by, at });
      return { lab, machine, fingerprint, by, at };
    });
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
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

function jobNotFound(id: string): LabopsError {
  return new LabopsError('NOT_FOUND', msg('jobs.store.noJob', { job: id }));
}

export {
  INTERRUPTED_JOB_ERROR,
  INTERRUPTED_JOB_TEXT,
  prepareDataDirectory,
  STRANDED_JOB_ERROR,
  STRANDED_JOB_TEXT,
  UNKNOWN_STEP_DETAIL,
  UNKNOWN_STEP_TEXT,
};
