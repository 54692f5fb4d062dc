import type { Pool, PoolClient } from 'pg';
import { takeToken } from './budget.js';
import type { JobRow } from './store-rows.js';
import type { JobLease } from './types.js';

/** A pool or one of its clients (in a transaction): what runs a statement. */
export type Queryable = Pick<Pool | PoolClient, 'query'>;

// The PostgreSQL store's job leases (issue 14 §2): a replica's claim on a running job, renewed
// while it runs, fencing every write of the job's progress. Every lease time is the database's
// clock, so replicas whose clocks differ agree on when a lease ran out.

/**
 * The database's clock in epoch milliseconds, as SQL: clock_timestamp(), the moment of the
 * statement, and not now(), which is the transaction's start.
 */
export const DB_NOW_MS = '(extract(epoch from clock_timestamp()) * 1000)::bigint';

/**
 * How long a queued job may wait before a start-up's recovery takes it for stranded: a live
 * replica starts a queued job within milliseconds of its approval.
 */
export const QUEUED_GRACE_MS = 60_000;

export class PgLeaseStatements {
  constructor(private readonly db: Queryable) {}

  /**
   * Locks the job's row until the transaction ends when it runs under `fence`; false when it does
   * not (another claim, ended, or interrupted once its lease ran out). A sweep that would interrupt
   * it waits for the lock, then finds what this transaction left.
   */
  async lockHeld(jobId: string, fence: JobLease): Promise<boolean> {
    const result = await this.db.query(
      `SELECT 1 FROM jobs
       WHERE id = $1 AND status = 'running' AND lease_replica = $2 AND lease_epoch = $3
       FOR UPDATE`,
      [jobId, fence.replica, fence.epoch],
    );
    return result.rowCount === 1;
  }

  /** Renews the leases of `jobIds` still running under `replica`; answers those, in the order given. */
  async renew(replica: string, jobIds: readonly string[], leaseMs: number): Promise<string[]> {
    const ids = [...new Set(jobIds)];
    if (ids.length === 0) return [];
    const { rows } = await this.db.query<{ id: string }>(
      `UPDATE jobs SET lease_until = ${DB_NOW_MS} + $3::bigint
       WHERE lease_replica = $1 AND status = 'running' AND id = ANY ($2::text[])
       RETURNING id`,
      [replica, ids, leaseMs],
    );
    const held = new Set(rows.map((row) => row.id));
    return ids.filter((id) => held.has(id));
  }

  /**
   * Running jobs whose lease ran out, oldest first, locked until the transaction ends. A row
   * another transaction holds is skipped: another sweep is interrupting it, or its replica is
   * renewing it or writing under its lease (then it is looked at again by the next sweep).
   */
  lockExpired(): Promise<JobRow[]> {
    return this.lockJobs(`status = 'running' AND lease_until < ${DB_NOW_MS}`, [], 'created_at, n');
  }

  /**
   * `recover`'s jobs, newest first, locked as `lockExpired` locks them: running ones that no
   * replica holds (never claimed, or whose lease ran out), and queued ones queued before
   * `queuedBefore` (when their card closed; a job queued through another's card, when created).
   */
  lockStranded(queuedBefore: number): Promise<JobRow[]> {
    return this.lockJobs(
      `(status = 'running' AND (lease_replica IS NULL OR lease_until IS NULL OR lease_until < ${DB_NOW_MS}))
       OR (status = 'queued' AND COALESCE(
         (SELECT max(a.closed_at) FROM approvals a WHERE a.job_id = jobs.id), created_at) < $1::bigint)`,
      [queuedBefore],
      'created_at DESC, n DESC',
    );
  }

  private async lockJobs(where: string, values: unknown[], order: string): Promise<JobRow[]> {
    const { rows } = await this.db.query<JobRow>(
      `SELECT * FROM jobs WHERE ${where} ORDER BY ${order} FOR UPDATE OF jobs SKIP LOCKED`,
      values,
    );
    return rows;
  }

  /**
   * Takes or keeps the lead for `name`; true when `replica` holds it for `ttlMs` more. A `ttlMs`
   * of 0 gives it up: the row goes (a message's edit lock leaves nothing behind).
   */
  async lead(name: string, replica: string, ttlMs: number): Promise<boolean> {
    if (ttlMs <= 0) {
      await this.db.query('DELETE FROM leaders WHERE name = $1 AND replica = $2', [name, replica]);
      return false;
    }
    const result = await this.db.query(
      `INSERT INTO leaders (name, replica, until) VALUES ($1, $2, ${DB_NOW_MS} + $3::bigint)
       ON CONFLICT (name) DO UPDATE SET replica = EXCLUDED.replica, until = EXCLUDED.until
       WHERE leaders.replica = EXCLUDED.replica OR leaders.until <= ${DB_NOW_MS}`,
      [name, replica, ttlMs],
    );
    return result.rowCount === 1;
  }

  /** True the first time `key` is seen within `ttlMs`; old keys are forgotten on the way. */
  async firstSeen(key: string, ttlMs: number): Promise<boolean> {
    await this.db.query(`DELETE FROM seen WHERE until <= ${DB_NOW_MS}`);
    const result = await this.db.query(
      `INSERT INTO seen (key, until) VALUES ($1, ${DB_NOW_MS} + $2::bigint)
       ON CONFLICT (key) DO UPDATE SET until = EXCLUDED.until WHERE seen.until <= ${DB_NOW_MS}`,
      [key, ttlMs],
    );
    return result.rowCount === 1;
  }

  /** One call from the shared Slack budget `bucket`, on the database's clock: 0, or ms to wait. */
  async takeSlackToken(bucket: string, capacity: number, intervalMs: number): Promise<number> {
    await this.db.query(
      `INSERT INTO slack_budget (bucket, tokens, updated_at) VALUES ($1, $2, ${DB_NOW_MS})
       ON CONFLICT (bucket) DO NOTHING`,
      [bucket, capacity],
    );
    const { rows } = await this.db.query<{ tokens: number; updated_at: number; now: number }>(
      `SELECT tokens, updated_at, ${DB_NOW_MS} AS now FROM slack_budget WHERE bucket = $1 FOR UPDATE`,
      [bucket],
    );
    const row = rows[0]!;
    const now = Number(row.now);
    const { tokens, wait } = takeToken(
      { tokens: row.tokens, updated_at: Number(row.updated_at) },
      capacity,
      intervalMs,
      now,
    );
    if (wait === 0) {
      await this.db.query('UPDATE slack_budget SET tokens = $2, updated_at = $3 WHERE bucket = $1', [
        bucket,
        tokens,
        now,
      ]);
    }
    return wait;
  }
}
