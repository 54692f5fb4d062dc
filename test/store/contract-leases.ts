/**
 * The store contract's leases (issue 14 §2), on every store: a replica claims a job as it starts
 * it, renews its lease, and writes the job's progress under it (fenced); a job whose lease ran out
 * is interrupted by whichever replica looks; a shared store's recovery leaves live replicas' jobs
 * alone. Times are real (the PostgreSQL store keeps leases on the database's clock).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isLabopsError } from '../../src/errors.js';
import { verbatim } from '../../src/i18n/text.js';
import type { JobLease, Store } from '../../src/store/types.js';
import { proposeQueued } from './store-fixtures.js';
import type { FreshStore, StoreTarget } from './store-targets.js';

const LIVE_MS = 60_000;
const SHORT_MS = 150;

async function leaseLost(promise: Promise<unknown>): Promise<boolean> {
  try {
    await promise;
    return false;
  } catch (error) {
    if (isLabopsError(error) && error.code === 'LEASE_LOST') return true;
    throw error;
  }
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export function describeLeaseContract(target: StoreTarget): void {
  describe(`job leases on ${target.name} (issue 14 §2)`, () => {
    let fresh: FreshStore;
    let store: Store;
    beforeEach(async () => {
      fresh = await target.openFresh();
      store = fresh.store;
    });
    afterEach(async () => {
      await store.close();
      await fresh.remove();
    });

    /** A queued job `id` (locking host:`id`), started by `replica` with a lease of `leaseMs`. */
    async function claimed(id: string, replica: string, leaseMs = LIVE_MS) {
      const now = Date.now();
      const { job } = await proposeQueued(store, {
        job: { id, createdAt: now },
        approval: { expiresAt: now + LIVE_MS },
        locks: [`host:${id}`],
      });
      const started = await store.startJob(job.id, Date.now(), { replica, leaseMs });
      if (!started?.lease) throw new Error(`job ${id} was not claimed`);
      return { job: started, lease: { replica: started.lease.replica, epoch: started.lease.epoch } };
    }

    it('gives a job claimed as it starts its replica, an epoch and a lease from the store’s clock', async () => {
      const before = Date.now();
      const { job } = await claimed('j1', 'r-a');
      expect(job.status).toBe('running');
      expect(job.lease?.replica).toBe('r-a');
      expect(job.lease?.epoch).toBe(1);
      // Clocks of two machines may differ a little; a minute's lease lands about a minute ahead.
      expect(job.lease!.until).toBeGreaterThan(before + LIVE_MS - 5000);
      expect(job.lease!.until).toBeLessThan(Date.now() + LIVE_MS + 5000);
      expect((await store.getJob('j1'))?.lease).toEqual(job.lease);
      // Unclaimed, a job has no lease; a second start claims nothing.
      const { job: other } = await proposeQueued(store, { job: { id: 'j2' }, locks: ['host:j2'] });
      expect((await store.startJob(other.id, Date.now()))?.lease).toBeUndefined();
      expect(await store.startJob('j1', Date.now(), { replica: 'r-b', leaseMs: LIVE_MS })).toBeUndefined();
      expect((await store.getJob('j1'))?.lease?.replica).toBe('r-a');
    });

    it('takes the progress of a job written under its lease, and refuses any other with LEASE_LOST', async () => {
      const { lease } = await claimed('j1', 'r-a');
      await store.updateStep('j1', 0, { status: 'running', startedAt: Date.now() }, lease);
      expect((await store.listSteps('j1'))[0]?.status).toBe('running');

      const stale: JobLease[] = [
        { replica: 'r-b', epoch: lease.epoch },
        { replica: lease.replica, epoch: lease.epoch + 1 },
      ];
      for (const fence of stale) {
        expect(await leaseLost(store.updateStep('j1', 0, { status: 'ok' }, fence))).toBe(true);
        expect(await leaseLost(store.setJobReview('j1', { wroteAt: 1 }, { fence }))).toBe(true);
        expect(
          await leaseLost(store.endJob('j1', { from: ['running'], to: 'succeeded', at: Date.now(), fence })),
        ).toBe(true);
      }
      expect((await store.listSteps('j1'))[0]?.status).toBe('running');
      expect((await store.getJob('j1'))?.status).toBe('running');
      expect((await store.getJob('j1'))?.review).toBeUndefined();

      await store.setJobReview('j1', { wroteAt: 2 }, { fence: lease });
      const ended = await store.endJob('j1', {
        from: ['running'],
        to: 'succeeded',
        at: Date.now(),
        fence: lease,
      });
      expect(ended?.status).toBe('succeeded');
      // Once it ended, its lease writes nothing more.
      expect(await leaseLost(store.updateStep('j1', 1, { status: 'ok' }, lease))).toBe(true);
      // Unfenced writes are as before.
      await store.updateStep('j1', 1, { status: 'skipped' });
      expect((await store.listSteps('j1'))[1]?.status).toBe('skipped');
    });

    it('renews the leases a replica still holds, and answers only those', async () => {
      const a = await claimed('j1', 'r-a', SHORT_MS * 2);
      await claimed('j2', 'r-b');
      await claimed('j3', 'r-a');
      await store.endJob('j3', { from: ['running'], to: 'succeeded', at: Date.now() });
      const held = await store.renewLeases('r-a', ['j1', 'j2', 'j3', 'j9'], LIVE_MS, Date.now());
      expect(held).toEqual(['j1']);
      const renewed = await store.getJob('j1');
      expect(renewed?.lease?.until).toBeGreaterThan(a.job.lease!.until + LIVE_MS / 2);
      expect(renewed?.lease?.epoch).toBe(a.lease.epoch);
    });

    it('interrupts the jobs whose lease ran out, releasing their locks, and leaves live ones running', async () => {
      const dead = await claimed('j1', 'r-dead', SHORT_MS);
      await claimed('j2', 'r-live');
      await pause(SHORT_MS * 3);
      const reason = verbatim('r-dead stopped renewing its lease');
      const interrupted = await store.interruptExpired(reason, Date.now());
      expect(interrupted.map((j) => [j.id, j.status])).toEqual([['j1', 'interrupted']]);
      expect((await store.getJob('j1'))?.error).toBe('r-dead stopped renewing its lease');
      expect((await store.getJob('j2'))?.status).toBe('running');
      expect((await store.listLocks()).map((l) => l.jobId)).toEqual(['j2']);
      const [event] = await store.listAudit(1);
      expect(event).toMatchObject({ type: 'job:interrupted', jobId: 'j1' });
      // The dead replica's next write is refused: it records nothing more.
      expect(await leaseLost(store.updateStep('j1', 0, { status: 'ok' }, dead.lease))).toBe(true);
      expect(await store.interruptExpired(reason, Date.now())).toEqual([]);
    });

    it('recovers as its sharing says: a shared store keeps the jobs live replicas hold', async () => {
      await claimed('j1', 'r-live');
      await claimed('j2', 'r-dead', SHORT_MS);
      await pause(SHORT_MS * 3);
      const report = await store.recover(Date.now());
      const statuses = { j1: (await store.getJob('j1'))?.status, j2: (await store.getJob('j2'))?.status };
      if (store.shared) {
        expect(report.interrupted.map((j) => j.id)).toEqual(['j2']);
        expect(statuses).toEqual({ j1: 'running', j2: 'interrupted' });
      } else {
        // One process owns an unshared store: whatever ran before its start ran in a dead one.
        expect(report.interrupted.map((j) => j.id).sort()).toEqual(['j1', 'j2']);
        expect(statuses).toEqual({ j1: 'interrupted', j2: 'interrupted' });
      }
    });

    it('lets one replica lead at a time, keeps the lead while it asks, and hands it over when it stops', async () => {
      expect(await store.lead('sweeps', 'r-a', SHORT_MS, Date.now())).toBe(true);
      expect(await store.lead('sweeps', 'r-b', SHORT_MS, Date.now())).toBe(false);
      // Another duty is led apart.
      expect(await store.lead('watch', 'r-b', SHORT_MS, Date.now())).toBe(true);
      await pause(SHORT_MS / 2);
      expect(await store.lead('sweeps', 'r-a', SHORT_MS, Date.now())).toBe(true);
      await pause(SHORT_MS / 2);
      // r-a renewed its term halfway: r-b still waits.
      expect(await store.lead('sweeps', 'r-b', SHORT_MS, Date.now())).toBe(false);
      await pause(SHORT_MS * 2);
      expect(await store.lead('sweeps', 'r-b', SHORT_MS, Date.now())).toBe(true);
      expect(await store.lead('sweeps', 'r-a', SHORT_MS, Date.now())).toBe(false);
      // Given up with a term of 0: another takes it at once. Only its holder can give it up.
      expect(await store.lead('sweeps', 'r-a', 0, Date.now())).toBe(false);
      expect(await store.lead('sweeps', 'r-c', SHORT_MS, Date.now())).toBe(false);
      expect(await store.lead('sweeps', 'r-b', 0, Date.now())).toBe(false);
      expect(await store.lead('sweeps', 'r-c', SHORT_MS, Date.now())).toBe(true);
    });

    it('sees a key once within its time, whoever asks, then forgets it', async () => {
      expect(await store.firstSeen('action:trigger-1', SHORT_MS, Date.now())).toBe(true);
      expect(await store.firstSeen('action:trigger-1', SHORT_MS, Date.now())).toBe(false);
      expect(await store.firstSeen('action:trigger-2', SHORT_MS, Date.now())).toBe(true);
      await pause(SHORT_MS * 2);
      expect(await store.firstSeen('action:trigger-1', SHORT_MS, Date.now())).toBe(true);
    });

    it('keeps the duties’ state by key, versioned: of two writers from one version, one writes', async () => {
      expect(await store.readState('watch:lab1')).toBeUndefined();
      expect(await store.writeState('watch:lab1', { index: 41 }, 1000, 0)).toBe(true);
      // The key exists now: a second "new key" write loses.
      expect(await store.writeState('watch:lab1', { index: 99 }, 1001, 0)).toBe(false);
      expect(await store.readState('watch:lab1')).toEqual({
        key: 'watch:lab1',
        value: { index: 41 },
        version: 1,
        updatedAt: 1000,
      });
      expect(await store.writeState('watch:lab1', { index: 42 }, 1002, 1)).toBe(true);
      expect(await store.writeState('watch:lab1', { index: 43 }, 1003, 1)).toBe(false);
      expect(await store.writeState('watch:lab1', { index: 44, note: 'ünïcode ✓' }, 1004)).toBe(true);
      const entry = await store.readState('watch:lab1');
      expect(entry?.value).toEqual({ index: 44, note: 'ünïcode ✓' });
      expect(entry?.version).toBe(3);
      // Prefixes are literal: % and _ in a key match themselves only.
      await store.writeState('schedule:lab_1:a', ['x'], 1005);
      await store.writeState('schedule:lab1:b', 'y', 1006);
      await store.writeState('schedule:lab%:c', 7, 1007);
      expect((await store.listState('schedule:lab_')).map((e) => e.key)).toEqual(['schedule:lab_1:a']);
      expect((await store.listState('schedule:lab%')).map((e) => [e.key, e.value])).toEqual([
        ['schedule:lab%:c', 7],
      ]);
      expect((await store.listState('schedule:')).map((e) => e.key)).toEqual([
        'schedule:lab%:c',
        'schedule:lab1:b',
        'schedule:lab_1:a',
      ]);
      expect(await store.deleteState('schedule:lab1:b', 5)).toBe(false);
      expect(await store.deleteState('schedule:lab1:b', 1)).toBe(true);
      expect(await store.deleteState('schedule:lab1:b')).toBe(false);
      expect(await store.deleteState('schedule:lab%:c')).toBe(true);
      expect((await store.listState('schedule:')).map((e) => e.key)).toEqual(['schedule:lab_1:a']);
    });

    it('lets one of two concurrent writers from one version win, never both', async () => {
      await store.writeState('remind:a1', { sent: [] }, 1, 0);
      const results = await Promise.all(
        ['r-a', 'r-b', 'r-c'].map((replica) => store.writeState('remind:a1', { sent: [replica] }, 2, 1)),
      );
      expect(results.filter(Boolean)).toHaveLength(1);
      expect((await store.readState('remind:a1'))?.version).toBe(2);
    });

    it('shares a Slack budget: a bucket’s calls go at once, the next waits for its refill', async () => {
      const take = () => store.takeSlackToken('chat.postMessage:C1', 2, SHORT_MS, Date.now());
      expect(await take()).toBe(0);
      expect(await take()).toBe(0);
      const wait = await take();
      expect(wait).toBeGreaterThan(0);
      expect(wait).toBeLessThanOrEqual(SHORT_MS);
      // Another bucket has its own calls.
      expect(await store.takeSlackToken('chat.postMessage:C2', 2, SHORT_MS, Date.now())).toBe(0);
      await pause(wait + 20);
      expect(await take()).toBe(0);
      expect(await take()).toBeGreaterThan(0);
    });
  });
}
