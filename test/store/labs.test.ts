/**
 * Every key in the store includes the lab (issue 13 §2): locks, pinned host keys, jobs, approvals
 * and the audit trail. A lock in lab1 never blocks lab2, each listing keeps one lab's rows, and a
 * store from before labs (schema 5) keeps every row as the 'default' lab's.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isLabopsError } from '../../src/errors.js';
import { verbatim } from '../../src/i18n/text.js';
import { applyMigrations, MIGRATIONS, SCHEMA_VERSION } from '../../src/store/migrations.js';
import { openStore } from '../../src/store/sqlite-store.js';
import type { ProposeResult, Store } from '../../src/store/types.js';
import { MINUTE, makeTempDir, newProposal, propose, proposeRunning, T0 } from './store-fixtures.js';
import { type FreshStore, pgTarget, sqliteTarget } from './store-targets.js';

const KEY_A = 'SHA256:ypeBEsobvcr6wjGzmiPcTaeG7/gUfE5yuYB3ha/uSLs';

/** The store of the test that runs: each describe below opens its own. */
let store: Store;

/** Proposes job `id` in `lab`, locking `locks`. */
function proposeIn(
  lab: string,
  id: string,
  locks: readonly string[],
  createdAt = T0,
): Promise<ProposeResult> {
  return store.proposeJob(newProposal({ job: { id, lab, createdAt }, locks }));
}

// The contract's part about labs, on both stores (issue 14 §1).
for (const target of [sqliteTarget(), pgTarget()]) {
  describe(`labs in the store on ${target.name}`, () => {
    let fresh: FreshStore;

    beforeEach(async () => {
      fresh = await target.openFresh();
      store = fresh.store;
    });

    afterEach(async () => {
      await store.close();
      await fresh.remove();
    });

    describe('locks of several labs', () => {
      it('a lock of lab1 does not block the same key in lab2, and still blocks it in lab1', async () => {
        expect((await proposeIn('lab1', 'j1', ['host:hyper1'])).ok).toBe(true);
        const lab2 = await proposeIn('lab2', 'j2', ['host:hyper1'], T0 + 1);
        expect(lab2.ok && lab2.job.lab).toBe('lab2');
        expect(await proposeIn('lab1', 'j3', ['host:hyper1'])).toEqual({
          ok: false,
          heldBy: { lab: 'lab1', key: 'host:hyper1', jobId: 'j1', holder: 'U_REQ', takenAt: T0 },
        });
        expect(await store.listLocks()).toEqual([
          { lab: 'lab1', key: 'host:hyper1', jobId: 'j1', holder: 'U_REQ', takenAt: T0 },
          { lab: 'lab2', key: 'host:hyper1', jobId: 'j2', holder: 'U_REQ', takenAt: T0 + 1 },
        ]);
      });

      it("the lab lock of lab1 blocks only lab1's keys", async () => {
        expect((await proposeIn('lab1', 'j-lab1', ['lab'])).ok).toBe(true);
        // lab2 goes on: a key, nothing at all, and its own lab lock.
        expect((await proposeIn('lab2', 'j2', ['host:hyper1'])).ok).toBe(true);
        expect((await proposeIn('lab2', 'j3', [])).ok).toBe(true);
        await store.cancelWaitingJob('j2', 'U_REQ', T0 + 1);
        expect((await proposeIn('lab2', 'j-lab2', ['lab'])).ok).toBe(true);
        // lab1 is held whole.
        for (const [id, locks] of [
          ['j4', ['host:hyper2']],
          ['j5', []],
          ['j6', ['lab']],
        ] as const) {
          const refused = await proposeIn('lab1', id, locks);
          expect(refused.ok || refused.heldBy).toMatchObject({ lab: 'lab1', key: 'lab', jobId: 'j-lab1' });
        }
        expect((await store.listLocks({ lab: 'lab1' })).map((l) => l.jobId)).toEqual(['j-lab1']);
        expect((await store.listLocks({ lab: 'lab2' })).map((l) => l.jobId)).toEqual(['j-lab2']);
      });

      it("a job wanting lab1's lab lock waits for lab1's keys only", async () => {
        expect((await proposeIn('lab2', 'j2', ['host:hyper1'])).ok).toBe(true);
        expect((await proposeIn('lab1', 'j-lab1', ['lab'])).ok).toBe(true);
        await store.cancelWaitingJob('j-lab1', 'U_REQ', T0 + 1);
        expect((await proposeIn('lab1', 'j1', ['domain:iso'])).ok).toBe(true);
        const refused = await proposeIn('lab1', 'j-lab1b', ['lab']);
        expect(refused.ok || refused.heldBy).toMatchObject({ lab: 'lab1', key: 'domain:iso', jobId: 'j1' });
      });

      it("a job that ends releases its own lab's locks only", async () => {
        await proposeIn('lab1', 'j1', ['host:hyper1']);
        await proposeIn('lab2', 'j2', ['host:hyper1']);
        await store.cancelWaitingJob('j1', 'U_REQ', T0 + 1);
        expect((await store.listLocks()).map((l) => [l.lab, l.key, l.jobId])).toEqual([
          ['lab2', 'host:hyper1', 'j2'],
        ]);
        expect((await proposeIn('lab1', 'j3', ['host:hyper1'])).ok).toBe(true);
      });
    });

    describe('listings by lab', () => {
      beforeEach(async () => {
        await propose(store, { job: { id: 'j1', lab: 'lab1', createdAt: T0 }, locks: ['host:hyper1'] });
        await propose(store, { job: { id: 'j2', lab: 'lab2', createdAt: T0 + 1 }, locks: ['host:hyper1'] });
        await propose(store, { job: { id: 'j3', lab: 'lab1', createdAt: T0 + 2 }, locks: ['host:hyper2'] });
      });

      it('listJobs keeps one lab, with its statuses and limit', async () => {
        expect((await store.listJobs({ lab: 'lab1' })).map((j) => j.id)).toEqual(['j3', 'j1']);
        expect((await store.listJobs({ lab: 'lab2' })).map((j) => [j.id, j.lab])).toEqual([['j2', 'lab2']]);
        expect((await store.listJobs({ lab: 'lab1', limit: 1 })).map((j) => j.id)).toEqual(['j3']);
        await store.cancelWaitingJob('j3', 'U_REQ', T0 + 3);
        expect(
          (await store.listJobs({ lab: 'lab1', statuses: ['awaiting_approval'] })).map((j) => j.id),
        ).toEqual(['j1']);
        expect(await store.listJobs({ lab: 'lab3' })).toEqual([]);
        // Without a lab: every lab's.
        expect((await store.listJobs()).map((j) => j.id)).toEqual(['j3', 'j2', 'j1']);
      });

      it("listApprovals keeps the approvals of one lab's jobs", async () => {
        expect((await store.listApprovals({ lab: 'lab1' })).map((a) => a.jobId)).toEqual(['j3', 'j1']);
        expect(
          (await store.listApprovals({ lab: 'lab2', statuses: ['pending'] })).map((a) => a.jobId),
        ).toEqual(['j2']);
        expect((await store.listApprovals({ lab: 'lab1', limit: 1 })).map((a) => a.jobId)).toEqual(['j3']);
        expect(await store.listApprovals({ lab: 'lab2', statuses: ['approved'] })).toEqual([]);
        expect(await store.listApprovals()).toHaveLength(3);
      });

      it('listLocks keeps one lab', async () => {
        expect((await store.listLocks({ lab: 'lab1' })).map((l) => l.key)).toEqual([
          'host:hyper1',
          'host:hyper2',
        ]);
        expect((await store.listLocks({ lab: 'lab2' })).map((l) => [l.lab, l.key])).toEqual([
          ['lab2', 'host:hyper1'],
        ]);
        expect(await store.listLocks({ lab: 'lab3' })).toEqual([]);
        expect(await store.listLocks()).toHaveLength(3);
      });

      it("listAudit keeps one lab's events, leaving out the whole bot's", async () => {
        await store.appendAudit({
          at: T0 + 5,
          type: 'bot:started',
          actor: 'labops',
          jobId: undefined,
          approvalId: undefined,
          detail: {},
        });
        expect((await store.listAudit(10, { lab: 'lab1' })).map((e) => [e.type, e.jobId])).toEqual([
          ['approval:requested', 'j3'],
          ['approval:requested', 'j1'],
        ]);
        expect((await store.listAudit(1, { lab: 'lab1' })).map((e) => e.jobId)).toEqual(['j3']);
        expect((await store.listAudit(10, { lab: 'lab2' })).map((e) => e.jobId)).toEqual(['j2']);
        expect((await store.listAudit(10)).map((e) => [e.type, e.lab])).toEqual([
          ['bot:started', undefined],
          ['approval:requested', 'lab1'],
          ['approval:requested', 'lab2'],
          ['approval:requested', 'lab1'],
        ]);
      });
    });

    describe('audit rows carry the lab', () => {
      it("every lifecycle operation writes its job's lab", async () => {
        const running = await proposeRunning(store, {
          job: { id: 'j-run', lab: 'lab2' },
          locks: ['host:hyper1'],
        });
        await store.updateStep(running.id, 0, { status: 'ok' });
        await store.endJob(running.id, {
          from: ['running'],
          to: 'failed',
          error: verbatim('boom'),
          at: T0 + 5,
        });
        await store.setJobReview(running.id, { changes: [] }, { auditAt: T0 + 6 });
        await propose(store, { job: { id: 'j-void', lab: 'lab2' }, locks: [] });
        await store.voidApproval('a2', {
          reason: verbatim('changed'),
          changes: [],
          actor: 'U_ADA',
          at: T0 + 7,
        });
        await propose(store, { job: { id: 'j-old', lab: 'lab2' }, locks: [] });
        await store.expireApproval('a3', T0 + 15 * MINUTE);
        await propose(store, { job: { id: 'j-deny', lab: 'lab2' }, locks: [] });
        await store.decideApproval('a4', 'U_ADA', 'deny', T0 + 1);
        const types = (await store.listAudit(100)).map((e) => [e.type, e.lab]).reverse();
        expect(types).toEqual([
          ['approval:requested', 'lab2'],
          ['approval:granted', 'lab2'],
          ['job:started', 'lab2'],
          ['job:failed', 'lab2'],
          ['job:reviewed', 'lab2'],
          ['approval:requested', 'lab2'],
          ['approval:voided', 'lab2'],
          ['approval:requested', 'lab2'],
          ['approval:expired', 'lab2'],
          ['approval:requested', 'lab2'],
          ['approval:denied', 'lab2'],
        ]);
        expect(await store.listAudit(100, { lab: 'lab1' })).toEqual([]);
      });

      it("an appended event is its job's lab's unless it names one, and the export says each", async () => {
        await propose(store, { job: { id: 'j1', lab: 'lab1' }, locks: [] });
        const ofJob = await store.appendAudit({
          at: T0 + 1,
          type: 'step:finished',
          actor: 'labops',
          jobId: 'j1',
          approvalId: undefined,
          detail: {},
        });
        expect(ofJob.lab).toBe('lab1');
        const named = await store.appendAudit({
          at: T0 + 2,
          lab: 'lab2',
          type: 'command:ran',
          actor: 'U_ADA',
          jobId: undefined,
          approvalId: undefined,
          detail: {},
        });
        expect(named).toMatchObject({ seq: 3, lab: 'lab2' });
        const bot = await store.appendAudit({
          at: T0 + 3,
          type: 'plans:cancelled',
          actor: 'labops',
          jobId: undefined,
          approvalId: undefined,
          detail: {},
        });
        expect(bot.lab).toBeUndefined();
        const lines: { seq: number; lab: string | null }[] = [];
        for await (const line of store.exportAudit()) lines.push(JSON.parse(line));
        expect(lines.map((e) => [e.seq, e.lab])).toEqual([
          [1, 'lab1'],
          [2, 'lab1'],
          [3, 'lab2'],
          [4, null],
        ]);
      });
    });

    describe('recovery across labs', () => {
      it("interrupts every lab's running jobs and keeps every lab's pending cards", async () => {
        await proposeRunning(store, { job: { id: 'j-run1', lab: 'lab1' }, locks: ['host:hyper1'] });
        await proposeRunning(store, { job: { id: 'j-run2', lab: 'lab2' }, locks: ['host:hyper1'] });
        await propose(store, { job: { id: 'j-wait2', lab: 'lab2' }, locks: ['host:hyper2'] });
        const report = await store.recover(T0 + MINUTE);
        expect(report.interrupted.map((j) => [j.id, j.lab]).sort()).toEqual([
          ['j-run1', 'lab1'],
          ['j-run2', 'lab2'],
        ]);
        expect(report.pending.map((a) => a.jobId)).toEqual(['j-wait2']);
        expect((await store.listLocks()).map((l) => [l.lab, l.key])).toEqual([['lab2', 'host:hyper2']]);
        expect((await store.listAudit(10, { lab: 'lab1' }))[0]).toMatchObject({
          type: 'job:interrupted',
          jobId: 'j-run1',
        });
      });
    });
  });
}

// SQLite's own: its schema from before labs.
describe('migration 6', () => {
  let dir: string;
  let remove: () => Promise<void>;

  beforeEach(async () => {
    ({ dir, remove } = await makeTempDir());
    store = openStore({ path: join(dir, 'labops.db') });
  });

  afterEach(async () => {
    await store.close();
    await remove();
  });

  /** A store at schema 5 (before labs), with a row in every table migration 6 changes. */
  async function makeVersion5Store(path: string): Promise<void> {
    const db = new Database(path);
    applyMigrations(db, { path, migrations: MIGRATIONS.slice(0, 5) });
    db.exec(`
      INSERT INTO jobs (id, command, text, args, requester, channel, risk, plan, status, created_at)
        VALUES ('j-old', 'host maintenance', 'maintenance hyper1', '{}', 'shell:a', 'shell',
          'destructive', '{}', 'awaiting_approval', ${T0});
      INSERT INTO approvals (id, job_id, risk, required, eligible, requester, created_at, expires_at,
          fingerprint, fingerprint_state, status)
        VALUES ('a1', 'j-old', 'destructive', 1, '["shell:b"]', 'shell:a', ${T0}, ${T0 + 15 * MINUTE},
          'sha256:x', '{}', 'pending');
      INSERT INTO audit (at, type, actor, job_id, approval_id, detail)
        VALUES (${T0}, 'approval:requested', 'shell:a', 'j-old', 'a1', '{}');
      INSERT INTO audit (at, type, actor, job_id, approval_id, detail)
        VALUES (${T0 + 1}, 'plans:cancelled', 'labops', NULL, NULL, '{}');
      INSERT INTO locks (key, job_id, holder, taken_at) VALUES ('host:hyper1', 'j-old', 'shell:a', ${T0});
      INSERT INTO host_keys (machine, fingerprint, pinned_by, pinned_at)
        VALUES ('hyper1', '${KEY_A}', 'shell:b', ${T0});
    `);
    db.close();
  }

  it("keeps every row of a version 5 store as the 'default' lab's", async () => {
    await store.close();
    const path = join(dir, 'v5.db');
    await makeVersion5Store(path);
    store = openStore({ path });

    // Migrated to the latest version, through 6 (labs) and after it.
    expect(SCHEMA_VERSION).toBeGreaterThanOrEqual(6);
    const raw = new Database(path, { readonly: true });
    expect(raw.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    raw.close();
    expect(await store.getJob('j-old')).toMatchObject({ lab: 'default', status: 'awaiting_approval' });
    expect((await store.listJobs({ lab: 'default' })).map((j) => j.id)).toEqual(['j-old']);
    expect((await store.listApprovals({ lab: 'default' })).map((a) => a.id)).toEqual(['a1']);
    expect(await store.listLocks()).toEqual([
      { lab: 'default', key: 'host:hyper1', jobId: 'j-old', holder: 'shell:a', takenAt: T0 },
    ]);
    // Every old audit row is the default lab's, the bot's own events too: labs did not exist then.
    expect((await store.listAudit(10, { lab: 'default' })).map((e) => e.type)).toEqual([
      'plans:cancelled',
      'approval:requested',
    ]);
    expect(await store.getPinnedHostKey('default', 'hyper1')).toMatchObject({
      fingerprint: KEY_A,
      by: 'shell:b',
    });
    expect(await store.getPinnedHostKey('lab1', 'hyper1')).toBeUndefined();

    // The old lock still holds its key in the default lab, and in no other.
    const blocked = await proposeIn('default', 'j-new', ['host:hyper1'], T0 + 2);
    expect(blocked.ok || blocked.heldBy).toMatchObject({ lab: 'default', jobId: 'j-old' });
    expect((await proposeIn('lab1', 'j-lab1', ['host:hyper1'], T0 + 2)).ok).toBe(true);
    // The old card still decides.
    const decided = await store.decideApproval('a1', 'shell:b', 'approve', T0 + 3);
    expect(decided.outcome === 'recorded' && decided.job).toMatchObject({ status: 'queued', lab: 'default' });
  });

  it('leaves a new store with no free page, so a capped store fails as a full disk does', async () => {
    await store.close();
    const raw = new Database(join(dir, 'labops.db'), { readonly: true });
    try {
      expect(raw.pragma('freelist_count', { simple: true })).toBe(0);
    } finally {
      raw.close();
    }
    store = openStore({ path: join(dir, 'labops.db') });
  });

  it('still refuses a store one version past it, untouched', async () => {
    await store.close();
    const path = join(dir, 'labops.db');
    const raw = new Database(path);
    raw.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
    raw.close();
    const before = await readFile(path);
    let error: unknown;
    try {
      store = openStore({ path });
    } catch (caught) {
      error = caught;
    }
    expect(isLabopsError(error) && error.code).toBe('CONFIG');
    expect((error as Error).message).toContain(
      `schema version ${SCHEMA_VERSION + 1}, but this labops knows versions up to ${SCHEMA_VERSION}`,
    );
    expect((await readFile(path)).equals(before)).toBe(true);
    // afterEach closes a store: a fresh one in its own file.
    store = openStore({ path: ':memory:' });
  });
});
