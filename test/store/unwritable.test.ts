import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isLabopsError, type LabopsError } from '../../src/errors.js';
import { verbatim } from '../../src/i18n/text.js';
import { createPlan } from '../../src/plan.js';
import {
  openStore,
  STRANDED_JOB_ERROR,
  STRANDED_JOB_TEXT,
  setStoreSizeLimit,
  UNKNOWN_STEP_DETAIL,
} from '../../src/store/sqlite-store.js';
import type { Store } from '../../src/store/types.js';
import {
  makeTempDir,
  newProposal,
  type ProposalOverrides,
  propose,
  proposeRunning,
  snapshotStore,
  T0,
} from './store-fixtures.js';

let remove: () => Promise<void>;
let store: Store;

beforeEach(async () => {
  let dir: string;
  ({ dir, remove } = await makeTempDir());
  store = openStore({ path: join(dir, 'labops.db') });
});

afterEach(async () => {
  await store.close();
  await remove();
});

async function thrown(promise: Promise<unknown>): Promise<LabopsError> {
  try {
    await promise;
  } catch (error) {
    if (isLabopsError(error)) return error;
    throw error;
  }
  throw new Error('expected a LabopsError');
}

/** A job whose plan needs more than a page of its own. */
function bigJob(id: string): ProposalOverrides {
  return {
    job: { id, plan: createPlan({ summary: verbatim('x'.repeat(10_000)), risk: 'destructive' }) },
    locks: [],
  };
}

/**
 * Fills the audit table's last page with the smallest rows until one no longer fits: from then on,
 * a write that adds an audit row needs a new page, which the capped store refuses.
 */
async function fillAuditPage(): Promise<void> {
  for (let i = 0; i < 10_000; i++) {
    try {
      await store.appendAudit({
        at: T0,
        type: 'x',
        actor: 'x',
        jobId: undefined,
        approvalId: undefined,
        detail: {},
      });
    } catch (error) {
      if (isLabopsError(error) && error.code === 'STORE_UNAVAILABLE') return;
      throw error;
    }
  }
  throw new Error('the audit table never filled up');
}

describe('a store that fills up', () => {
  it('refuses writes with STORE_UNAVAILABLE saying what to free, answers reads, and takes writes once freed', async () => {
    await propose(store, { job: { id: 'j-old' }, locks: [] });
    setStoreSizeLimit(store, 'current');

    const error = await thrown(store.proposeJob(newProposal(bigJob('j-big'))));
    expect(error.code).toBe('STORE_UNAVAILABLE');
    expect(error.message).toBe(`labops cannot write its state store ${store.path}: the disk is full.`);
    expect(error.hint).toContain(`Free disk space under ${dirname(store.path)}`);
    expect(await store.getJob('j-big')).toBeUndefined();
    expect((await store.getJob('j-old'))?.status).toBe('awaiting_approval');
    // The check makes a write that needs a page, so it fails while the store is full.
    expect((await store.checkWritable())?.code).toBe('STORE_UNAVAILABLE');

    setStoreSizeLimit(store, undefined);
    expect(await store.checkWritable()).toBeUndefined();
    await propose(store, bigJob('j-big'));
    expect((await store.getJob('j-big'))?.plan.summary).toEqual(verbatim('x'.repeat(10_000)));
  });

  it('checks nothing while no write has failed', async () => {
    setStoreSizeLimit(store, 'current');
    // No write failed yet: nothing is probed, so nothing is refused.
    expect(await store.checkWritable()).toBeUndefined();
  });

  it('records no part of a proposal whose last write fails: no job, card, lock or audit row', async () => {
    await propose(store, { job: { id: 'j-old' }, locks: ['host:hyper9'] });
    setStoreSizeLimit(store, 'current');
    const before = await snapshotStore(store);
    // The job, its steps, locks and card are small; the audit row, written last, needs pages.
    const proposal = newProposal({
      job: { id: 'j-new' },
      locks: ['host:hyper1'],
      audit: { pad: 'x'.repeat(10_000) },
    });
    expect((await thrown(store.proposeJob(proposal))).code).toBe('STORE_UNAVAILABLE');
    expect(await snapshotStore(store)).toEqual(before);
    expect(await store.listSteps('j-new')).toEqual([]);

    setStoreSizeLimit(store, undefined);
    // The approval counter was rolled back with the rest: the retry gets the next id.
    const retried = await store.proposeJob(proposal);
    expect(retried.ok && retried.approval.id).toBe('a2');
  });

  it('records no part of a decision whose audit row does not fit: no click, no status, locks kept', async () => {
    await propose(store, { approval: { eligible: ['U_ADA'] } });
    setStoreSizeLimit(store, 'current');
    await fillAuditPage();
    const before = await snapshotStore(store);
    for (const decision of ['approve', 'deny'] as const) {
      const error = await thrown(store.decideApproval('a1', 'U_ADA', decision, T0 + 1));
      expect(error.code).toBe('STORE_UNAVAILABLE');
    }
    expect(await snapshotStore(store)).toEqual(before);
    expect(await store.getApproval('a1')).toMatchObject({ status: 'pending', decisions: [] });
    expect((await store.getJob('j1'))?.status).toBe('awaiting_approval');
    expect((await store.listLocks()).map((l) => l.key)).toEqual(['host:hyper1']);

    setStoreSizeLimit(store, undefined);
    expect(await store.decideApproval('a1', 'U_ADA', 'approve', T0 + 2)).toMatchObject({
      outcome: 'recorded',
      becameFinal: true,
    });
  });
});

describe('interrupting a job nothing runs', () => {
  it('marks it interrupted with the reason, its running step unknown, its locks released', async () => {
    await proposeRunning(store, { job: { id: 'j-run' }, locks: ['host:hyper1'] }, T0);
    await propose(store, { job: { id: 'j-other' }, locks: ['host:hyper2'] });
    await store.updateStep('j-run', 0, { status: 'running', startedAt: T0 });

    const job = await store.interruptJob('j-run', STRANDED_JOB_TEXT, T0 + 5);
    expect(job).toMatchObject({ status: 'interrupted', error: STRANDED_JOB_ERROR, finishedAt: T0 + 5 });
    expect((await store.listSteps('j-run')).map((s) => [s.status, s.detail])).toEqual([
      ['unknown', UNKNOWN_STEP_DETAIL],
      ['pending', undefined],
    ]);
    expect((await store.listLocks()).map((l) => l.key)).toEqual(['host:hyper2']);
    expect((await store.listAudit(1))[0]).toMatchObject({
      at: T0 + 5,
      type: 'job:interrupted',
      actor: 'labops',
      jobId: 'j-run',
      detail: { error: STRANDED_JOB_ERROR },
    });
    // Only a running job is interrupted.
    expect(await store.interruptJob('j-run', STRANDED_JOB_TEXT, T0 + 6)).toBeUndefined();
    expect(await store.interruptJob('j-other', STRANDED_JOB_TEXT, T0 + 6)).toBeUndefined();
    expect((await store.getJob('j-other'))?.status).toBe('awaiting_approval');
  });
});
