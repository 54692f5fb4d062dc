import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { renderText } from '../../src/i18n/render.js';
import { INTERRUPTED_JOB_ERROR, UNKNOWN_STEP_DETAIL } from '../../src/store/sqlite-store.js';
import { MINUTE, propose, proposeQueued, proposeRunning, startStoreChild, T0 } from './store-fixtures.js';
import { type FreshStore, pgTarget, sqliteTarget } from './store-targets.js';

// A restart, a killed process and clicks from several processes, on both stores (issue 14 §1): the
// PostgreSQL store's second processes open its database by URL (store-child.ts).
for (const target of [sqliteTarget(), pgTarget()]) {
  describe(`recovery after a restart on ${target.name}`, () => {
    let fresh: FreshStore;

    beforeEach(async () => {
      // Each test opens its stores itself, as processes that start and stop.
      fresh = await target.openFresh();
      await fresh.store.close();
    });

    afterEach(async () => {
      await fresh.remove();
    });

    it('interrupts what ran, expires what is overdue and keeps what still waits', async () => {
      const before = await fresh.open();
      await proposeRunning(before, { job: { id: 'j-run' }, locks: ['host:hyper1'] }, T0 + 1);
      await before.updateStep('j-run', 0, { status: 'ok', finishedAt: T0 + 2 });
      await before.updateStep('j-run', 1, { status: 'running', startedAt: T0 + 3 });

      await proposeQueued(before, { job: { id: 'j-queued' }, locks: [] });

      await propose(before, {
        job: { id: 'j-wait' },
        approval: { id: 'a-wait', expiresAt: T0 + 30 * MINUTE },
        locks: ['host:hyper2'],
      });
      await propose(before, {
        job: { id: 'j-late' },
        approval: { id: 'a-late', expiresAt: T0 + 5 * MINUTE },
        locks: ['host:hyper3'],
      });

      await proposeRunning(before, { job: { id: 'j-done' }, locks: [] }, T0);
      await before.endJob('j-done', { from: ['running'], to: 'succeeded', at: T0 + 1 });
      await before.close();
      // Locks no operation leaves (a store written by an older labops, or by hand): one of a job
      // that had already ended, and one whose job was never created.
      const insertLock =
        "INSERT INTO locks (lab, key, job_id, holder, taken_at) VALUES ('default', ?, ?, ?, ?)";
      await fresh.exec(insertLock, ['domain:iso', 'j-done', 'U_REQ', T0 + 2]);
      await fresh.exec(insertLock, ['lab', 'j-never', 'U_REQ', T0 + 2]);

      const after = await fresh.open();
      try {
        const now = T0 + 10 * MINUTE;
        const auditBefore = (await after.listAudit(1000)).length;
        const report = await after.recover(now);

        expect(report.interrupted.map((j) => j.id).sort()).toEqual(['j-queued', 'j-run']);
        expect(await after.getJob('j-run')).toMatchObject({
          status: 'interrupted',
          error: INTERRUPTED_JOB_ERROR,
          startedAt: T0 + 1,
          finishedAt: now,
        });
        expect((await after.listSteps('j-run')).map((s) => s.status)).toEqual(['ok', 'unknown']);
        expect((await after.listSteps('j-run'))[1]?.detail).toBe(UNKNOWN_STEP_DETAIL);
        // Each reader sees them in their language (issue 16); the columns keep the English.
        expect(renderText('ko', (await after.getJob('j-run'))!.errorText!)).toBe(
          '이 작업이 실행되는 동안 labops가 멈췄습니다. 작업을 다시 이어 하지 않았습니다.',
        );
        expect(renderText('ko', (await after.listSteps('j-run'))[1]!.detailText!)).toBe(
          '이 단계가 실행되는 동안 labops가 멈췄습니다. 결과를 알 수 없습니다.',
        );
        expect((await after.getJob('j-queued'))?.status).toBe('interrupted');

        expect(report.pending.map((a) => a.id)).toEqual(['a-wait']);
        expect(report.expired.map((a) => a.id)).toEqual(['a-late']);
        expect(report.expired[0]?.status).toBe('expired');
        expect(await after.getJob('j-late')).toMatchObject({ status: 'expired', finishedAt: now });
        expect((await after.getJob('j-done'))?.status).toBe('succeeded');

        expect(await after.listLocks()).toEqual([
          { lab: 'default', key: 'host:hyper2', jobId: 'j-wait', holder: 'U_REQ', takenAt: T0 },
        ]);

        // Each end is audited: two interruptions and an expiry noting that labops was down.
        const audit = (await after.listAudit(1000)).slice(0, -auditBefore).reverse();
        expect(audit.map((e) => [e.type, e.jobId, e.actor])).toEqual([
          ['job:interrupted', expect.any(String), 'labops'],
          ['job:interrupted', expect.any(String), 'labops'],
          ['approval:expired', 'j-late', 'labops'],
        ]);
        expect(
          audit
            .slice(0, 2)
            .map((e) => e.jobId)
            .sort(),
        ).toEqual(['j-queued', 'j-run']);
        expect(audit[0]?.detail).toEqual({ error: INTERRUPTED_JOB_ERROR });
        expect(audit[2]).toMatchObject({
          at: now,
          approvalId: 'a-late',
          detail: { while: 'labops was stopped' },
        });

        // Recovering again changes nothing.
        const again = await after.recover(now + 1);
        expect(again.interrupted).toEqual([]);
        expect(again.expired).toEqual([]);
        expect(again.pending.map((a) => a.id)).toEqual(['a-wait']);
        expect((await after.listAudit(1000)).length).toBe(auditBefore + 3);

        // The card that survived still works, and its job queues once.
        const decided = await after.decideApproval('a-wait', 'U_ADA', 'approve', now + 2);
        expect(decided).toMatchObject({ outcome: 'recorded', becameFinal: true });
        expect((await after.getJob('j-wait'))?.status).toBe('queued');
      } finally {
        await after.close();
      }
    });

    it('recovers a job from a process killed while it ran', async () => {
      const child = startStoreChild(['crash', fresh.location]);
      try {
        expect(await child.nextLine()).toBe('ready');
      } finally {
        child.kill('SIGKILL');
      }
      const { signal } = await child.exited;
      expect(signal).toBe('SIGKILL');

      const store = await fresh.open();
      try {
        const report = await store.recover(T0 + MINUTE);
        expect(report.interrupted.map((j) => j.id)).toEqual(['j-run']);
        expect(await store.getJob('j-run')).toMatchObject({
          status: 'interrupted',
          error: INTERRUPTED_JOB_ERROR,
        });
        expect((await store.listSteps('j-run'))[0]).toMatchObject({
          status: 'unknown',
          tail: 'deactivating…',
        });
        expect(report.pending.map((a) => a.id)).toEqual(['a1']);
        expect((await store.listLocks()).map((l) => l.key)).toEqual(['host:hyper2']);
        // The approval counter survived the kill: the next card is a2.
        const next = await propose(store, { job: { id: 'j-next' }, locks: ['host:hyper1'] });
        expect(next.approval.id).toBe('a2');
      } finally {
        await store.close();
      }
    });

    it('runs a job once when approvers click at the same moment in different processes', async () => {
      const seed = await fresh.open();
      await propose(seed, { approval: { eligible: ['U_A', 'U_B', 'U_C', 'U_D'] } });
      await seed.close();

      const children = ['U_A', 'U_B', 'U_C', 'U_D'].map((principal) =>
        startStoreChild(['decide', fresh.location, 'a1', principal]),
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

      const store = await fresh.open();
      try {
        expect(await store.getApproval('a1')).toMatchObject({ status: 'approved' });
        expect((await store.getApproval('a1'))?.decisions).toHaveLength(1);
        expect((await store.getJob('j1'))?.status).toBe('queued');
        expect((await store.listAudit(10)).filter((e) => e.type === 'approval:granted')).toHaveLength(1);
      } finally {
        await store.close();
      }
    });
  });
}
