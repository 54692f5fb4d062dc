import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { listApprovalsSql, listJobsSql } from '../../src/store/sqlite-statements.js';
import { openStore } from '../../src/store/sqlite-store.js';
import { describeStoreContract } from './contract.js';
import { describeLeaseContract } from './contract-leases.js';
import { makeTempDir, propose, T0 } from './store-fixtures.js';
import { sqliteTarget } from './store-targets.js';

describeStoreContract(sqliteTarget());
describeLeaseContract(sqliteTarget());

// SQLite's own: its files are covered by upgrade, unwritable, startup and owner tests.

describe('an in-memory store', () => {
  it('works for throwaway use', async () => {
    const memory = openStore({ path: ':memory:' });
    await propose(memory);
    expect((await memory.getJob('j1'))?.status).toBe('awaiting_approval');
    await memory.close();
  });
});

describe('its lists of jobs and approvals', () => {
  /** What SQLite does for `sql` on the store's schema (EXPLAIN QUERY PLAN), one step a line. */
  async function planOf(sql: string, params: Record<string, unknown>): Promise<string> {
    const { dir, remove } = await makeTempDir();
    const path = join(dir, 'labops.db');
    try {
      await openStore({ path }).close();
      const db = new Database(path, { readonly: true });
      try {
        return db
          .prepare(`EXPLAIN QUERY PLAN ${sql}`)
          .all(params)
          .map((row) => (row as { detail: string }).detail)
          .join('\n');
      } finally {
        db.close();
      }
    } finally {
      await remove();
    }
  }

  it('find the jobs and approvals of some statuses through their index, not by reading every one ever recorded', async () => {
    // Every /lab status lists the active jobs and the pending cards: written with
    // `(@statuses IS NULL OR …)`, both read the lab's whole history (500 µs at 3000 jobs).
    const statuses = { s0: 'awaiting_approval', s1: 'queued', s2: 'running' };
    for (const lab of [true, false]) {
      for (const limit of [true, false]) {
        const shape = { lab, statuses: 3, limit };
        const params = { ...statuses, ...(limit ? { limit: 3 } : {}), ...(lab ? { lab: 'default' } : {}) };
        const jobs = await planOf(listJobsSql(shape), params);
        expect(jobs).toContain('USING INDEX jobs_by_status');
        expect(jobs).not.toMatch(/^SCAN jobs/m);
        const approvals = await planOf(listApprovalsSql(shape), params);
        expect(approvals).toContain('USING INDEX approvals_by_status');
        expect(approvals).not.toMatch(/^SCAN a\b/m);
      }
    }
    // A lab's jobs, any status: its index, in order.
    expect(
      await planOf(listJobsSql({ lab: true, statuses: 0, limit: true }), { limit: 10, lab: 'default' }),
    ).toContain('USING INDEX jobs_by_lab');
  });

  it('bind their limit so that SQLite does not prepare them again at each call', () => {
    // Under STAT4 (better-sqlite3's build), a bare `LIMIT @limit` expires the statement at every
    // binding; sqlite3_stmt_status(SQLITE_STMTSTATUS_REPREPARE) is not exposed, so the SQL is read.
    for (const sql of [listJobsSql, listApprovalsSql]) {
      expect(sql({ lab: true, statuses: 2, limit: true })).toMatch(/LIMIT CAST\(@limit AS INTEGER\)\s*$/);
      expect(sql({ lab: true, statuses: 2, limit: false })).not.toContain('LIMIT');
      expect(sql({ lab: false, statuses: 2, limit: true })).toContain('IN (@s0, @s1)');
    }
  });

  it('answer each combination of filters as before', async () => {
    const store = openStore({ path: ':memory:' });
    await propose(store, { job: { id: 'a1', lab: 'lab1' }, locks: ['host:hyper1'] });
    await propose(store, { job: { id: 'b1', lab: 'lab2', createdAt: T0 + 1 }, locks: ['host:hyper1'] });
    await store.decideApproval((await store.getApprovalForJob('b1'))!.id, 'U_ADA', 'deny', T0 + 2);
    const ids = (jobs: { id: string }[]) => jobs.map((j) => j.id);
    expect(ids(await store.listJobs())).toEqual(['b1', 'a1']);
    expect(ids(await store.listJobs({ lab: 'lab1' }))).toEqual(['a1']);
    expect(ids(await store.listJobs({ statuses: ['denied'] }))).toEqual(['b1']);
    expect(ids(await store.listJobs({ lab: 'lab1', statuses: ['denied'] }))).toEqual([]);
    expect(ids(await store.listJobs({ limit: 1 }))).toEqual(['b1']);
    expect(ids(await store.listJobs({ statuses: ['denied', 'awaiting_approval'] }))).toEqual(['b1', 'a1']);
    expect(ids(await store.listJobs({ statuses: ['denied', 'awaiting_approval'], limit: 1 }))).toEqual([
      'b1',
    ]);
    expect(ids(await store.listJobs({ statuses: [] }))).toEqual([]);
    expect(ids(await store.listJobs({ limit: 0 }))).toEqual([]);
    const jobsOf = (approvals: { jobId: string }[]) => approvals.map((a) => a.jobId);
    expect(jobsOf(await store.listApprovals())).toEqual(['b1', 'a1']);
    expect(jobsOf(await store.listApprovals({ lab: 'lab2' }))).toEqual(['b1']);
    expect(jobsOf(await store.listApprovals({ statuses: ['pending'] }))).toEqual(['a1']);
    expect(jobsOf(await store.listApprovals({ lab: 'lab2', statuses: ['pending'] }))).toEqual([]);
    expect(jobsOf(await store.listApprovals({ statuses: ['pending', 'denied'], limit: 1 }))).toEqual(['b1']);
    expect(jobsOf(await store.listApprovals({ statuses: [] }))).toEqual([]);
    await store.close();
  });
});
