import type { QueryResultRow } from 'pg';
import { DB_NOW_MS, PgLeaseStatements, type Queryable } from './pg-leases.js';
import { ADVISORY_LAB } from './pg-migrations.js';
import type {
  ApprovalRow,
  AuditRow,
  DecisionRow,
  HostKeyRow,
  JobRow,
  LockRow,
  StateRow,
  StepRow,
  StepUpdate,
} from './store-rows.js';

// The PostgreSQL store's statements: the SQL of every query it runs, each behind a method that
// names it. The columns are the SQLite store's (store-rows.ts maps both). Parameters are cast
// where PostgreSQL cannot infer their type; status lists travel as one text[] parameter. A new
// statement is one more method here; those of job leases and fencing are in pg-leases.ts.

/** A pool (a statement on its own) or a client inside a transaction. */
export type { Queryable };

export interface MoveJob {
  id: string;
  from: readonly string[];
  to: string;
  at: number;
  isRunning: boolean;
  isFinal: boolean;
  error: string | null;
  errorText: string | null;
  /** A replica claiming the job as it starts it: a new epoch, a lease of `leaseMs` from the database's clock. */
  claim?: { replica: string; leaseMs: number } | undefined;
}

export class PgStatements {
  /** The statements of job leases (pg-leases.ts), on the same connection. */
  readonly leases: PgLeaseStatements;

  constructor(private readonly db: Queryable) {
    this.leases = new PgLeaseStatements(db);
  }

  private async rows<T extends QueryResultRow>(text: string, values: unknown[] = []): Promise<T[]> {
    return (await this.db.query<T>(text, values)).rows;
  }

  private async first<T extends QueryResultRow>(
    text: string,
    values: unknown[] = [],
  ): Promise<T | undefined> {
    return (await this.rows<T>(text, values))[0];
  }

  private async count(text: string, values: unknown[]): Promise<number> {
    return (await this.db.query(text, values)).rowCount ?? 0;
  }

  /** Serializes every transaction that checks and takes `lab`'s locks, across replicas, until it ends. */
  async lockLab(lab: string): Promise<void> {
    await this.db.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [ADVISORY_LAB, lab]);
  }

  // --- Jobs and steps ---------------------------------------------------------------------------

  async insertJob(job: {
    id: string;
    lab: string;
    command: string;
    text: string;
    args: string;
    requester: string;
    channel: string;
    risk: string;
    plan: string;
    status: string;
    createdAt: number;
  }): Promise<void> {
    await this.db.query(
      `INSERT INTO jobs (id, lab, command, text, args, requester, channel, risk, plan, status, created_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
      [
        job.id,
        job.lab,
        job.command,
        job.text,
        job.args,
        job.requester,
        job.channel,
        job.risk,
        job.plan,
        job.status,
        job.createdAt,
      ],
    );
  }

  async insertStep(step: {
    jobId: string;
    index: number;
    kind: string;
    title: string;
    titleText: string | null;
    params: string;
    shows: string | null;
    timeoutMs: number | null;
  }): Promise<void> {
    await this.db.query(
      `INSERT INTO steps (job_id, idx, kind, title, title_text, params, shows, timeout_ms)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
      [
        step.jobId,
        step.index,
        step.kind,
        step.title,
        step.titleText,
        step.params,
        step.shows,
        step.timeoutMs,
      ],
    );
  }

  getJob(id: string): Promise<JobRow | undefined> {
    return this.first<JobRow>('SELECT * FROM jobs WHERE id = $1', [id]);
  }

  /** Locks the job's row until the transaction ends (a waiting job cancelled while it is decided). */
  async lockJob(id: string): Promise<void> {
    await this.db.query('SELECT 1 FROM jobs WHERE id = $1 FOR UPDATE', [id]);
  }

  listJobs(filter: { lab: string | null; statuses: readonly string[] | null; limit: number | null }) {
    return this.rows<JobRow>(
      `SELECT * FROM jobs
       WHERE ($1::text IS NULL OR lab = $1)
         AND ($2::text[] IS NULL OR status = ANY ($2::text[]))
       ORDER BY created_at DESC, n DESC LIMIT $3`,
      [filter.lab, filter.statuses, filter.limit],
    );
  }

  /** The compare-and-set behind every job move: true when the job was in `from` and moved. */
  async moveJob(move: MoveJob): Promise<boolean> {
    const moved = await this.count(
      `UPDATE jobs SET status = $3,
         started_at = CASE WHEN $5::boolean THEN $4::bigint ELSE started_at END,
         finished_at = CASE WHEN $6::boolean THEN $4::bigint ELSE finished_at END,
         error_text = CASE WHEN $7::text IS NULL THEN error_text ELSE $8::text END,
         error = COALESCE($7::text, error),
         lease_replica = COALESCE($9::text, lease_replica),
         lease_epoch = lease_epoch + CASE WHEN $9::text IS NULL THEN 0 ELSE 1 END,
         lease_until = CASE WHEN $9::text IS NULL THEN lease_until ELSE ${DB_NOW_MS} + $10::bigint END
       WHERE id = $1 AND status = ANY ($2::text[])
       RETURNING id`,
      [
        move.id,
        move.from,
        move.to,
        move.at,
        move.isRunning,
        move.isFinal,
        move.error,
        move.errorText,
        move.claim?.replica ?? null,
        move.claim?.leaseMs ?? null,
      ],
    );
    return moved === 1;
  }

  setMessageRef(id: string, ref: string): Promise<number> {
    return this.count('UPDATE jobs SET message_ref = $2 WHERE id = $1', [id, ref]);
  }

  setReview(id: string, review: string, error: string | null, errorText: string | null): Promise<number> {
    return this.count(
      `UPDATE jobs SET review = $2,
         error_text = CASE WHEN $3::text IS NULL THEN error_text ELSE $4::text END,
         error = COALESCE($3::text, error)
       WHERE id = $1`,
      [id, review, error, errorText],
    );
  }

  listSteps(jobId: string): Promise<StepRow[]> {
    return this.rows<StepRow>('SELECT * FROM steps WHERE job_id = $1 ORDER BY idx', [jobId]);
  }

  /** The steps of several jobs at once, by job. */
  async listStepsOf(jobIds: readonly string[]): Promise<Map<string, StepRow[]>> {
    const byJob = new Map<string, StepRow[]>(jobIds.map((id) => [id, []]));
    if (jobIds.length === 0) return byJob;
    const rows = await this.rows<StepRow>(
      'SELECT * FROM steps WHERE job_id = ANY ($1::text[]) ORDER BY job_id, idx',
      [jobIds],
    );
    for (const row of rows) byJob.get(row.job_id)?.push(row);
    return byJob;
  }

  updateStep(update: StepUpdate): Promise<number> {
    return this.count(
      `UPDATE steps SET
         status = COALESCE($3::text, status),
         started_at = COALESCE($4::bigint, started_at),
         finished_at = COALESCE($5::bigint, finished_at),
         duration_ms = COALESCE($6::bigint, duration_ms),
         tail = COALESCE($7::text, tail),
         detail_text = CASE WHEN $8::text IS NULL THEN detail_text ELSE $9::text END,
         detail = COALESCE($8::text, detail),
         end_state_text = CASE WHEN $10::text IS NULL THEN end_state_text ELSE $11::text END,
         end_state = COALESCE($10::text, end_state)
       WHERE job_id = $1 AND idx = $2`,
      [
        update.jobId,
        update.index,
        update.status,
        update.startedAt,
        update.finishedAt,
        update.durationMs,
        update.tail,
        update.detail,
        update.detailText,
        update.endState,
        update.endStateText,
      ],
    );
  }

  async markRunningStepsUnknown(jobId: string, detail: string, detailText: string): Promise<void> {
    await this.db.query(
      `UPDATE steps SET status = 'unknown', detail = COALESCE(detail, $2),
         detail_text = CASE WHEN detail IS NULL THEN $3 ELSE detail_text END
       WHERE job_id = $1 AND status = 'running'`,
      [jobId, detail, detailText],
    );
  }

  // --- Approvals --------------------------------------------------------------------------------

  async insertApproval(approval: {
    id: string;
    jobId: string;
    risk: string;
    required: number;
    eligible: string;
    requester: string;
    createdAt: number;
    expiresAt: number;
    fingerprint: string;
    fingerprintState: string;
  }): Promise<void> {
    await this.db.query(
      `INSERT INTO approvals (id, job_id, risk, required, eligible, requester, created_at, expires_at,
         fingerprint, fingerprint_state, status)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'pending')`,
      [
        approval.id,
        approval.jobId,
        approval.risk,
        approval.required,
        approval.eligible,
        approval.requester,
        approval.createdAt,
        approval.expiresAt,
        approval.fingerprint,
        approval.fingerprintState,
      ],
    );
  }

  getApproval(id: string): Promise<ApprovalRow | undefined> {
    return this.first<ApprovalRow>('SELECT * FROM approvals WHERE id = $1', [id]);
  }

  /**
   * The approval's row, locked until the transaction ends: clicks on one card, on any replica,
   * are decided one after the other, each seeing what the one before recorded.
   */
  lockApproval(id: string): Promise<ApprovalRow | undefined> {
    return this.first<ApprovalRow>('SELECT * FROM approvals WHERE id = $1 FOR UPDATE', [id]);
  }

  getApprovalForJob(jobId: string, lock = false): Promise<ApprovalRow | undefined> {
    return this.first<ApprovalRow>(
      `SELECT * FROM approvals WHERE job_id = $1 ORDER BY created_at DESC, n DESC LIMIT 1
       ${lock ? 'FOR UPDATE' : ''}`,
      [jobId],
    );
  }

  // An approval's lab is its job's.
  listApprovals(filter: { lab: string | null; statuses: readonly string[] | null; limit: number | null }) {
    return this.rows<ApprovalRow>(
      `SELECT a.* FROM approvals a
       WHERE ($1::text IS NULL OR a.job_id IN (SELECT id FROM jobs WHERE lab = $1))
         AND ($2::text[] IS NULL OR a.status = ANY ($2::text[]))
       ORDER BY a.created_at DESC, a.n DESC LIMIT $3`,
      [filter.lab, filter.statuses, filter.limit],
    );
  }

  async closeApproval(id: string, to: string, at: number): Promise<void> {
    await this.db.query(
      `UPDATE approvals SET status = $2, closed_at = $3 WHERE id = $1 AND status = 'pending'`,
      [id, to, at],
    );
  }

  addCardRef(id: string, ref: string): Promise<number> {
    return this.count(
      'UPDATE approvals SET card_refs = (card_refs::jsonb || jsonb_build_array($2::jsonb))::text WHERE id = $1',
      [id, ref],
    );
  }

  listDecisions(approvalId: string): Promise<DecisionRow[]> {
    return this.rows<DecisionRow>(
      'SELECT principal, decision, at FROM approval_decisions WHERE approval_id = $1 ORDER BY at, n',
      [approvalId],
    );
  }

  /** The decisions of several approvals at once, by approval. */
  async listDecisionsOf(approvalIds: readonly string[]): Promise<Map<string, DecisionRow[]>> {
    const byApproval = new Map<string, DecisionRow[]>(approvalIds.map((id) => [id, []]));
    if (approvalIds.length === 0) return byApproval;
    const rows = await this.rows<DecisionRow & { approval_id: string }>(
      `SELECT approval_id, principal, decision, at FROM approval_decisions
       WHERE approval_id = ANY ($1::text[]) ORDER BY at, n`,
      [approvalIds],
    );
    for (const { approval_id, ...row } of rows) byApproval.get(approval_id)?.push(row);
    return byApproval;
  }

  async insertDecision(approvalId: string, principal: string, decision: string, at: number): Promise<void> {
    await this.db.query(
      'INSERT INTO approval_decisions (approval_id, principal, decision, at) VALUES ($1, $2, $3, $4)',
      [approvalId, principal, decision, at],
    );
  }

  async countApprovers(approvalId: string): Promise<number> {
    const row = await this.first<{ n: number }>(
      `SELECT count(DISTINCT principal) AS n FROM approval_decisions
       WHERE approval_id = $1 AND decision = 'approve'`,
      [approvalId],
    );
    return row?.n ?? 0;
  }

  /** The next approval number, from a counter row this transaction holds until it ends. */
  async nextApprovalNumber(): Promise<number> {
    const row = await this.first<{ value: number }>(
      `UPDATE counters SET value = value + 1 WHERE name = 'approval' RETURNING value`,
    );
    if (row === undefined) throw new Error("The counters table has no 'approval' row.");
    return row.value;
  }

  // --- Audit, locks, host keys --------------------------------------------------------------------

  // Without a lab, an event of a job is its job's lab's.
  async insertAudit(event: {
    at: number;
    lab: string | null;
    type: string;
    actor: string;
    jobId: string | null;
    approvalId: string | null;
    detail: string;
  }): Promise<{ seq: number; lab: string | null }> {
    const row = await this.first<{ seq: number; lab: string | null }>(
      `INSERT INTO audit (at, lab, type, actor, job_id, approval_id, detail)
       VALUES ($1, COALESCE($2::text, (SELECT lab FROM jobs WHERE id = $5::text)), $3, $4, $5::text, $6, $7)
       RETURNING seq, lab`,
      [event.at, event.lab, event.type, event.actor, event.jobId, event.approvalId, event.detail],
    );
    return row!;
  }

  listAudit(lab: string | null, limit: number): Promise<AuditRow[]> {
    return this.rows<AuditRow>(
      'SELECT * FROM audit WHERE $1::text IS NULL OR lab = $1 ORDER BY seq DESC LIMIT $2',
      [lab, limit],
    );
  }

  exportAuditPage(after: number, limit: number): Promise<AuditRow[]> {
    return this.rows<AuditRow>('SELECT * FROM audit WHERE seq > $1 ORDER BY seq LIMIT $2', [after, limit]);
  }

  async insertLock(lock: { lab: string; key: string; jobId: string; holder: string; at: number }) {
    await this.db.query(
      `INSERT INTO locks (lab, key, job_id, holder, taken_at) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (lab, key) DO NOTHING`,
      [lock.lab, lock.key, lock.jobId, lock.holder, lock.at],
    );
  }

  async releaseLocks(jobId: string): Promise<void> {
    await this.db.query('DELETE FROM locks WHERE job_id = $1', [jobId]);
  }

  async releaseStaleLocks(finalStatuses: readonly string[]): Promise<void> {
    await this.db.query(
      `DELETE FROM locks WHERE job_id NOT IN (
         SELECT id FROM jobs WHERE NOT (status = ANY ($1::text[])))`,
      [finalStatuses],
    );
  }

  readState(key: string): Promise<StateRow | undefined> {
    return this.first<StateRow>(
      'SELECT key, value::text AS value, version, updated_at FROM duty_state WHERE key = $1',
      [key],
    );
  }

  /** `prefix` is matched literally: left(), not LIKE, whose % and _ a key may hold. */
  listState(prefix: string): Promise<StateRow[]> {
    return this.rows<StateRow>(
      `SELECT key, value::text AS value, version, updated_at FROM duty_state
       WHERE left(key, length($1)) = $1 ORDER BY key COLLATE "C"`,
      [prefix],
    );
  }

  /** One statement: `expect` undefined writes whatever the entry holds, 0 only a new key. */
  async writeState(key: string, value: string, at: number, expect: number | undefined): Promise<boolean> {
    const sql =
      expect === undefined
        ? `INSERT INTO duty_state (key, value, version, updated_at) VALUES ($1, $2::jsonb, 1, $3)
           ON CONFLICT (key) DO UPDATE SET value = excluded.value, version = duty_state.version + 1,
             updated_at = excluded.updated_at`
        : expect === 0
          ? `INSERT INTO duty_state (key, value, version, updated_at) VALUES ($1, $2::jsonb, 1, $3)
             ON CONFLICT (key) DO NOTHING`
          : `UPDATE duty_state SET value = $2::jsonb, version = version + 1, updated_at = $3
             WHERE key = $1 AND version = $4`;
    const params = expect === undefined || expect === 0 ? [key, value, at] : [key, value, at, expect];
    const result = await this.db.query(sql, params);
    return result.rowCount === 1;
  }

  async deleteState(key: string, expect: number | undefined): Promise<boolean> {
    const result = await this.db.query(
      'DELETE FROM duty_state WHERE key = $1 AND ($2::integer IS NULL OR version = $2)',
      [key, expect ?? null],
    );
    return result.rowCount === 1;
  }

  listLocks(lab: string | null): Promise<LockRow[]> {
    return this.rows<LockRow>(
      'SELECT * FROM locks WHERE $1::text IS NULL OR lab = $1 ORDER BY taken_at, lab, key',
      [lab],
    );
  }

  getHostKey(lab: string, machine: string): Promise<HostKeyRow | undefined> {
    return this.first<HostKeyRow>('SELECT * FROM host_keys WHERE lab = $1 AND machine = $2', [lab, machine]);
  }

  async pinHostKey(key: { lab: string; machine: string; fingerprint: string; by: string; at: number }) {
    await this.db.query(
      `INSERT INTO host_keys (lab, machine, fingerprint, pinned_by, pinned_at) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (lab, machine) DO UPDATE
         SET fingerprint = EXCLUDED.fingerprint, pinned_by = EXCLUDED.pinned_by, pinned_at = EXCLUDED.pinned_at`,
      [key.lab, key.machine, key.fingerprint, key.by, key.at],
    );
  }

  /** checkWritable's probe: a row of `bytes` written and deleted (inside one transaction). */
  async probeWrite(bytes: number): Promise<void> {
    await this.db.query('INSERT INTO store_probe (pad) VALUES (repeat($1, $2))', ['x', bytes]);
    await this.db.query('DELETE FROM store_probe');
  }
}
