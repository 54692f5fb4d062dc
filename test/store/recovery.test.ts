import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { INTERRUPTED_JOB_ERROR, openStore, UNKNOWN_STEP_DETAIL } from '../../src/store/sqlite-store.js';
import { MINUTE, makeTempDir, newApproval, newJob, startStoreChild, T0 } from './store-fixtures.js';

let dir: string;
let remove: () => Promise<void>;
let path: string;

beforeEach(async () => {
  ({ dir, remove } = await makeTempDir());
  path = join(dir, 'data', 'labops.db');
});

afterEach(async () => {
  await remove();
});

describe('recovery after a restart', () => {
  it('interrupts what ran, expires what is overdue and keeps what still waits', () => {
    const before = openStore({ path });
    before.createJob(newJob({ id: 'j-run', status: 'queued' }));
    before.takeLocks(['host:hyper1'], 'j-run', 'U_REQ', T0);
    before.transitionJob('j-run', ['queued'], 'running', { at: T0 + 1 });
    before.updateStep('j-run', 0, { status: 'ok', finishedAt: T0 + 2 });
    before.updateStep('j-run', 1, { status: 'running', startedAt: T0 + 3 });

    before.createJob(newJob({ id: 'j-queued', status: 'queued' }));

    before.createJob(newJob({ id: 'j-wait' }));
    before.createApproval(newApproval({ id: 'a-wait', jobId: 'j-wait', expiresAt: T0 + 30 * MINUTE }));
    before.takeLocks(['host:hyper2'], 'j-wait', 'U_REQ', T0);

    before.createJob(newJob({ id: 'j-late' }));
    before.createApproval(newApproval({ id: 'a-late', jobId: 'j-late', expiresAt: T0 + 5 * MINUTE }));
    before.takeLocks(['host:hyper3'], 'j-late', 'U_REQ', T0);

    before.createJob(newJob({ id: 'j-done', status: 'queued' }));
    before.transitionJob('j-done', ['queued'], 'running', { at: T0 });
    before.transitionJob('j-done', ['running'], 'succeeded', { at: T0 + 1 });
    // A lock left by a job that had already ended (taken after its end), and one whose job was never created.
    before.takeLocks(['domain:iso'], 'j-done', 'U_REQ', T0 + 2);
    before.takeLocks(['lab'], 'j-never', 'U_REQ', T0 + 2);
    before.close();

    const after = openStore({ path });
    try {
      const now = T0 + 10 * MINUTE;
      const report = after.recover(now);

      expect(report.interrupted.map((j) => j.id).sort()).toEqual(['j-queued', 'j-run']);
      expect(after.getJob('j-run')).toMatchObject({
        status: 'interrupted',
        error: INTERRUPTED_JOB_ERROR,
        startedAt: T0 + 1,
        finishedAt: now,
      });
      expect(after.listSteps('j-run').map((s) => s.status)).toEqual(['ok', 'unknown']);
      expect(after.listSteps('j-run')[1]?.detail).toBe(UNKNOWN_STEP_DETAIL);
      expect(after.getJob('j-queued')?.status).toBe('interrupted');

      expect(report.pending.map((a) => a.id)).toEqual(['a-wait']);
      expect(report.expired.map((a) => a.id)).toEqual(['a-late']);
      expect(report.expired[0]?.status).toBe('expired');
      expect(after.getJob('j-late')).toMatchObject({ status: 'expired', finishedAt: now });
      expect(after.getJob('j-done')?.status).toBe('succeeded');

      expect(after.listLocks()).toEqual([
        { key: 'host:hyper2', jobId: 'j-wait', holder: 'U_REQ', takenAt: T0 },
      ]);

      // Recovering again changes nothing.
      const again = after.recover(now + 1);
      expect(again.interrupted).toEqual([]);
      expect(again.expired).toEqual([]);
      expect(again.pending.map((a) => a.id)).toEqual(['a-wait']);

      // The card that survived still works, and its job queues once.
      const decided = after.decideApproval('a-wait', 'U_ADA', 'approve', now + 2);
      expect(decided).toMatchObject({ outcome: 'recorded', becameFinal: true });
      expect(after.getJob('j-wait')?.status).toBe('queued');
    } finally {
      after.close();
    }
  });

  it('recovers a job from a process killed while it ran', async () => {
    const child = startStoreChild(['crash', path]);
    try {
      expect(await child.nextLine()).toBe('ready');
    } finally {
      child.kill('SIGKILL');
    }
    const { signal } = await child.exited;
    expect(signal).toBe('SIGKILL');

    const store = openStore({ path });
    try {
      const report = store.recover(T0 + MINUTE);
      expect(report.interrupted.map((j) => j.id)).toEqual(['j-run']);
      expect(store.getJob('j-run')).toMatchObject({ status: 'interrupted', error: INTERRUPTED_JOB_ERROR });
      expect(store.listSteps('j-run')[0]).toMatchObject({ status: 'unknown', tail: 'deactivating…' });
      expect(report.pending.map((a) => a.id)).toEqual(['a1']);
      expect(store.listLocks().map((l) => l.key)).toEqual(['host:hyper2']);
      expect(store.nextApprovalId()).toBe('a2');
    } finally {
      store.close();
    }
  });

  it('runs a job once when approvers click at the same moment in different processes', async () => {
    const seed = openStore({ path });
    seed.createJob(newJob());
    seed.createApproval(newApproval({ eligible: ['U_A', 'U_B', 'U_C', 'U_D'] }));
    seed.close();

    const children = ['U_A', 'U_B', 'U_C', 'U_D'].map((principal) =>
      startStoreChild(['decide', path, 'a1', principal]),
    );
    try {
      for (const child of children) expect(await child.nextLine()).toBe('ready');
      for (const child of children) child.send('go');
      const results = await Promise.all(children.map(async (child) => JSON.parse(await child.nextLine())));
      expect(results.filter((r) => r.becameFinal)).toHaveLength(1);
      expect(results.filter((r) => r.outcome === 'refused').map((r) => r.reason)).toEqual(
        Array(3).fill('not-pending'),
      );
    } finally {
      for (const child of children) child.kill('SIGKILL');
      await Promise.all(children.map((child) => child.exited));
    }

    const store = openStore({ path });
    try {
      expect(store.getApproval('a1')).toMatchObject({ status: 'approved' });
      expect(store.getApproval('a1')?.decisions).toHaveLength(1);
      expect(store.getJob('j1')?.status).toBe('queued');
    } finally {
      store.close();
    }
  });
});
