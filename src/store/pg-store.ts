import type pg from 'pg';
import { LabopsError, toLabopsError } from '../errors.js';
import { msg, type Text, verbatim } from '../i18n/text.js';
import { PgLifecycleTx } from './pg-lifecycle.js';
import { PgProposals } from './pg-listen.js';
import { applyPgMigrations, checkReadablePgSchema } from './pg-migrations.js';
import {
  createPgPool,
  isConnectionFailure,
  isRetryable,
  type PgUrl,
  parsePgUrl,
  scrubSecrets,
  translatePgRuntimeError,
  translatePgStartupError,
} from './pg-open.js';
import { PgStatements, type Queryable } from './pg-statements.js';
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
  type StateEntry,
  type StepPatch,
  type StepRecord,
  type Store,
} from './types.js';

/** How to open the PostgreSQL store; see `openPgStore`. */
export interface PgStoreOptions {
  /** `postgres://user[:password]@host[:port]/database[?…]`; a socket directory as `?host=/dir`. */
  url: string;
  /** Open for reading only: nothing is migrated, the schema must be current, every write is refused. */
  readOnly?: boolean | undefined;
  /** How long to wait for a connection, in ms (default 10 000). */
  connectTimeoutMs?: number | undefined;
  /** Connections the pool may hold (default 10). */
  maxConnections?: number | undefined;
}

/** How often a transaction that met a deadlock or a serialization failure runs again. */
const TRANSACTION_ATTEMPTS = 5;
/** How many audit rows `exportAudit` reads at a time. */
const EXPORT_PAGE_ROWS = 500;
/** The probe `checkWritable` writes: a page of PostgreSQL's heap. */
const PROBE_BYTES = 8192;

/**
 * Opens the state store in the PostgreSQL database at `options.url` and brings its schema up to
 * date (pg-migrations.ts). Any number of labops processes may share the database: every lifecycle
 * operation is one transaction whose locks (pg-lifecycle.ts) make it happen once across them.
 * Refuses with CONFIG, naming the URL without its password and how to fix it, a server it cannot
 * reach or log in to, and a schema written by a newer labops.
 */
export async function openPgStore(options: PgStoreOptions): Promise<Store> {
  const url = parsePgUrl(options.url);
  const readOnly = options.readOnly ?? false;
  const pool = createPgPool({
    url: options.url,
    readOnly,
    connectTimeoutMs: options.connectTimeoutMs ?? 10_000,
    maxConnections: options.maxConnections ?? 10,
  });
  try {
    const client = await pool.connect();
    let broken: Error | undefined;
    const onError = (error: Error) => {
      broken = error;
    };
    client.on('error', onError);
    try {
      if (readOnly) await checkReadablePgSchema(client, url.shown);
      else await applyPgMigrations(client, { path: url.shown });
    } finally {
      client.off('error', onError);
      client.release(broken);
    }
  } catch (error) {
    await pool.end().catch(() => undefined);
    throw translatePgStartupError(url, error);
  }
  const connection: pg.ClientConfig = {
    connectionString: options.url,
    connectionTimeoutMillis: options.connectTimeoutMs ?? 10_000,
  };
  return new PgStore(pool, url, readOnly, new PgProposals(connection));
}

class PgStore implements Store {
  readonly path: string;
  readonly readOnly: boolean;
  /** Replicas share the database (issue 14 §2): leases on its clock say which jobs are alive. */
  readonly shared = true;
  private readonly pool: pg.Pool;
  private readonly url: PgUrl;
  /** Statements on their own, each on whichever connection the pool gives. */
  private readonly sql: PgStatements;
  /** The last write that failed because the server was unreachable or full, until one succeeds. */
  private writeFailure: LabopsError | undefined;
  private isClosed = false;

  /** Cards proposed here, told to the other replicas; theirs, heard here. */
  private readonly proposals: PgProposals;
  /** Stops the listeners `watchProposals` started, with the store. */
  private readonly listeners = new Set<() => Promise<void>>();

  constructor(pool: pg.Pool, url: PgUrl, readOnly: boolean, proposals: PgProposals) {
    this.pool = pool;
    this.proposals = proposals;
    this.url = url;
    this.path = url.shown;
    this.readOnly = readOnly;
    this.sql = new PgStatements(pool);
  }

  async checkWritable(): Promise<LabopsError | undefined> {
    if (this.readOnly) return openedReadOnly(this.path);
    if (this.writeFailure === undefined) return undefined;
    try {
      // The write a new request would make: a new row, in a transaction.
      await this.write((sql) => sql.probeWrite(PROBE_BYTES));
      return undefined;
    } catch (error) {
      return isStoreUnavailable(error) ? error : toLabopsError(error);
    }
  }

  // --- The lifecycle: each one transaction (src/store/pg-lifecycle.ts) --------------------------

  async proposeJob(proposal: Proposal): Promise<ProposeResult> {
    const result = await this.write((sql) => new PgLifecycleTx(sql).proposeJob(proposal));
    if (result.ok && !this.isClosed) this.proposals.announce(this.pool, proposal.job.lab);
    return result;
  }

  watchProposals(
    listener: (lab: string) => void,
    onState?: (state: 'listening' | 'lost', error?: Error) => void,
  ): () => Promise<void> {
    if (this.isClosed) return async () => undefined;
    // The server's words may carry the URL: said without its password, as every error of the store.
    const stop = this.proposals.listen(listener, (state, error) =>
      onState?.(state, error && new Error(scrubSecrets(error.message, this.url.secrets))),
    );
    const stopOnce = async () => {
      if (this.listeners.delete(stopOnce)) await stop();
    };
    this.listeners.add(stopOnce);
    return stopOnce;
  }

  queueJob(queued: QueuedJob): Promise<ProposeResult> {
    return this.write((sql) => new PgLifecycleTx(sql).queueJob(queued));
  }

  decideApproval(
    id: string,
    principal: string,
    decision: 'approve' | 'deny',
    now: number,
  ): Promise<DecisionResult> {
    return this.write((sql) => new PgLifecycleTx(sql).decideApproval(id, principal, decision, now));
  }

  voidApproval(
    id: string,
    void_: { reason: Text; changes: readonly Text[]; actor: string; at: number },
  ): Promise<JobAndApproval | undefined> {
    return this.write((sql) => new PgLifecycleTx(sql).voidApproval(id, void_));
  }

  expireApproval(
    id: string,
    at: number,
    detail: Record<string, unknown> = {},
  ): Promise<JobAndApproval | undefined> {
    return this.write((sql) => new PgLifecycleTx(sql).expireApproval(id, at, detail));
  }

  cancelWaitingJob(
    id: string,
    by: string,
    at: number,
    reason?: Text,
  ): Promise<{ job: JobRecord; approval: ApprovalRecord | undefined } | undefined> {
    return this.write((sql) => new PgLifecycleTx(sql).cancelWaitingJob(id, by, at, reason));
  }

  startJob(id: string, at: number, claim?: JobClaim): Promise<JobRecord | undefined> {
    return this.write((sql) => new PgLifecycleTx(sql).startJob(id, at, claim));
  }

  /** One UPDATE; `_at` is unused: the lease runs on the database's clock. */
  renewLeases(replica: string, jobIds: readonly string[], leaseMs: number, _at: number): Promise<string[]> {
    return this.write((sql) => sql.leases.renew(replica, jobIds, leaseMs), false);
  }

  /** `_at` is unused: the lead runs on the database's clock. */
  lead(name: string, replica: string, ttlMs: number, _at: number): Promise<boolean> {
    return this.write((sql) => sql.leases.lead(name, replica, ttlMs), false);
  }

  takeSlackToken(bucket: string, capacity: number, intervalMs: number, _at: number): Promise<number> {
    return this.write((sql) => sql.leases.takeSlackToken(bucket, capacity, intervalMs));
  }

  firstSeen(key: string, ttlMs: number, _at: number): Promise<boolean> {
    return this.write((sql) => sql.leases.firstSeen(key, ttlMs));
  }

  readState(key: string): Promise<StateEntry | undefined> {
    return this.read(async () => {
      const row = await this.sql.readState(key);
      return row ? toStateEntry(row) : undefined;
    });
  }

  listState(prefix: string): Promise<StateEntry[]> {
    return this.read(async () => (await this.sql.listState(prefix)).map(toStateEntry));
  }

  writeState(key: string, value: unknown, at: number, expect?: number): Promise<boolean> {
    const json = JSON.stringify(value ?? null);
    return this.write((sql) => sql.writeState(key, json, at, expect), false);
  }

  deleteState(key: string, expect?: number): Promise<boolean> {
    return this.write((sql) => sql.deleteState(key, expect), false);
  }

  interruptExpired(reason: Text, at: number): Promise<JobRecord[]> {
    return this.write((sql) => new PgLifecycleTx(sql).interruptExpired(reason, at));
  }

  endJob(id: string, end: JobEnd): Promise<JobRecord | undefined> {
    return this.write((sql) => new PgLifecycleTx(sql).endJob(id, end));
  }

  interruptJob(id: string, reason: Text, at: number): Promise<JobRecord | undefined> {
    return this.write((sql) => new PgLifecycleTx(sql).interruptJob(id, reason, at));
  }

  recover(now: number): Promise<RecoveryReport> {
    return this.write((sql) => new PgLifecycleTx(sql).recover(now));
  }

  // --- Jobs and steps ---------------------------------------------------------------------------

  getJob(id: string): Promise<JobRecord | undefined> {
    return this.read(() => new PgLifecycleTx(this.sql).readJob(id));
  }

  listJobs(filter: ListJobsFilter = {}): Promise<JobRecord[]> {
    return this.read(async () => {
      const rows = await this.sql.listJobs({
        lab: filter.lab ?? null,
        statuses: filter.statuses ?? null,
        limit: filter.limit ?? null,
      });
      const steps = await this.sql.listStepsOf(rows.map((row) => row.id));
      return rows.map((row) => toJobRecord(row, steps.get(row.id) ?? []));
    });
  }

  async setJobMessageRef(id: string, ref: Record<string, unknown>): Promise<void> {
    const changed = await this.write((sql) => sql.setMessageRef(id, JSON.stringify(ref)), false);
    if (changed === 0) throw jobNotFound(id);
  }

  setJobReview(
    id: string,
    review: JobReview,
    options: { error?: Text | undefined; auditAt?: number | undefined; fence?: JobLease | undefined } = {},
  ): Promise<JobRecord> {
    const error = toTextColumns(options.error);
    return this.write(async (sql) => {
      const tx = new PgLifecycleTx(sql);
      if (options.fence) await tx.holdLease(id, options.fence);
      if ((await sql.setReview(id, JSON.stringify(review), error.english, error.json)) === 0) {
        throw jobNotFound(id);
      }
      if (options.auditAt !== undefined) {
        // The audit trail stays English: the notes' texts stay in the review.
        await tx.audit(options.auditAt, 'job:reviewed', 'labops', id, undefined, {
          changes: (review.changes ?? []).map(({ noteText: _, ...change }) => change),
        });
      }
      return tx.mustReadJob(id);
    });
  }

  listSteps(jobId: string): Promise<StepRecord[]> {
    return this.read(async () => (await this.sql.listSteps(jobId)).map(toStepRecord));
  }

  /** Fields left out or `undefined` keep their value; `tail` is cut to TAIL_BYTES. Fenced: one transaction. */
  async updateStep(jobId: string, index: number, patch: StepPatch, fence?: JobLease): Promise<void> {
    const changed = await this.write(async (sql) => {
      if (fence) await new PgLifecycleTx(sql).holdLease(jobId, fence);
      return sql.updateStep(toStepUpdate(jobId, index, patch));
    }, fence !== undefined);
    if (changed === 0) throw new LabopsError('NOT_FOUND', msg('jobs.store.noStep', { job: jobId, index }));
  }

  // --- Approvals --------------------------------------------------------------------------------

  getApproval(id: string): Promise<ApprovalRecord | undefined> {
    return this.read(() => new PgLifecycleTx(this.sql).readApproval(id));
  }

  getApprovalForJob(jobId: string): Promise<ApprovalRecord | undefined> {
    return this.read(async () => {
      const row = await this.sql.getApprovalForJob(jobId);
      return row && toApprovalRecord(row, await this.sql.listDecisions(row.id));
    });
  }

  listApprovals(filter: ListApprovalsFilter = {}): Promise<ApprovalRecord[]> {
    return this.read(async () => {
      const rows = await this.sql.listApprovals({
        lab: filter.lab ?? null,
        statuses: filter.statuses ?? null,
        limit: filter.limit ?? null,
      });
      const decisions = await this.sql.listDecisionsOf(rows.map((row) => row.id));
      return rows.map((row) => toApprovalRecord(row, decisions.get(row.id) ?? []));
    });
  }

  async addApprovalCardRef(id: string, ref: Record<string, unknown>): Promise<void> {
    const changed = await this.write((sql) => sql.addCardRef(id, JSON.stringify(ref)), false);
    if (changed === 0) throw new LabopsError('NOT_FOUND', msg('jobs.store.noApproval', { id }));
  }

  // --- Audit, locks, host keys --------------------------------------------------------------------

  async appendAudit(event: NewAuditEvent): Promise<AuditEvent> {
    const { seq, lab } = await this.write(
      (sql) =>
        new PgLifecycleTx(sql).audit(
          event.at,
          event.type,
          event.actor,
          event.jobId,
          event.approvalId,
          event.detail,
          event.lab,
        ),
      false,
    );
    return { ...event, seq, lab };
  }

  listAudit(limit: number, filter: { lab?: string | undefined } = {}): Promise<AuditEvent[]> {
    return this.read(async () => (await this.sql.listAudit(filter.lab ?? null, limit)).map(toAuditEvent));
  }

  /**
   * Read a page at a time by sequence number: a long trail is never held whole, and no connection
   * is held between pages.
   */
  async *exportAudit(): AsyncIterable<string> {
    let after = 0;
    for (;;) {
      const rows = await this.read(() => this.sql.exportAuditPage(after, EXPORT_PAGE_ROWS));
      // `lab` is on every line: null for an event of the whole bot.
      for (const row of rows) yield JSON.stringify({ ...toAuditEvent(row), lab: row.lab });
      if (rows.length < EXPORT_PAGE_ROWS) return;
      after = rows[rows.length - 1]!.seq;
    }
  }

  listLocks(filter: { lab?: string | undefined } = {}): Promise<LockRecord[]> {
    return this.read(async () => (await this.sql.listLocks(filter.lab ?? null)).map(toLockRecord));
  }

  getPinnedHostKey(lab: string, machine: string): Promise<PinnedHostKey | undefined> {
    return this.read(async () => {
      const row = await this.sql.getHostKey(lab, machine);
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
    await this.write((sql) => sql.pinHostKey({ lab, machine, fingerprint, by, at }), false);
    return { lab, machine, fingerprint, by, at };
  }

  async close(): Promise<void> {
    if (this.isClosed) return;
    this.isClosed = true;
    await Promise.all([...this.listeners].map((stop) => stop()));
    await this.pool.end();
  }

  private async read<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (error) {
      throw translatePgRuntimeError(this.url, error);
    }
  }

  /**
   * Runs `fn` in one transaction (`inTransaction`, the default) or as the one statement it is. A
   * write that fails because the server is unreachable or full leaves the store marked
   * unwritable until one succeeds.
   */
  private async write<T>(fn: (sql: PgStatements) => Promise<T>, inTransaction = true): Promise<T> {
    if (this.readOnly) throw openedReadOnly(this.path);
    try {
      const result = inTransaction ? await this.transact(fn) : await fn(this.sql);
      this.writeFailure = undefined;
      return result;
    } catch (error) {
      const translated = translatePgRuntimeError(this.url, error);
      if (isStoreUnavailable(translated)) this.writeFailure = translated;
      throw translated;
    }
  }

  /**
   * The one transaction helper: BEGIN, `fn` on one connection, COMMIT; ROLLBACK on any failure.
   * A deadlock or serialization failure runs `fn` again (it only reads and writes the database).
   * A connection that failed is destroyed, not given back to the pool.
   */
  private async transact<T>(fn: (sql: PgStatements) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      const client = await this.pool.connect();
      let broken: Error | undefined;
      // A checked-out client's socket errors are ours to handle (the pool listens only while it is idle).
      const onError = (error: Error) => {
        broken = error;
      };
      client.on('error', onError);
      try {
        await client.query('BEGIN');
        const result = await fn(new PgStatements(client as Queryable));
        await client.query('COMMIT');
        return result;
      } catch (error) {
        if (isConnectionFailure(error)) broken = error as Error;
        else
          await client.query('ROLLBACK').catch((rollbackFailed: Error) => {
            broken = rollbackFailed;
          });
        if (broken === undefined && isRetryable(error) && attempt < TRANSACTION_ATTEMPTS) continue;
        throw error;
      } finally {
        client.off('error', onError);
        client.release(broken);
      }
    }
  }
}

function openedReadOnly(path: string): LabopsError {
  return new LabopsError('INTERNAL', msg('jobs.store.openedReadOnly', { path: verbatim(path) }));
}

function jobNotFound(id: string): LabopsError {
  return new LabopsError('NOT_FOUND', msg('jobs.store.noJob', { job: id }));
}
