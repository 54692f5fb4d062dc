import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isLabopsError, type LabopsError } from '../../src/errors.js';
import { createPlan } from '../../src/plan.js';
import {
  openStore,
  STRANDED_JOB_ERROR,
  setStoreSizeLimit,
  UNKNOWN_STEP_DETAIL,
} from '../../src/store/sqlite-store.js';
import type { Store } from '../../src/store/types.js';
import { makeTempDir, newJob, T0 } from './store-fixtures.js';

let remove: () => Promise<void>;
let store: Store;

beforeEach(async () => {
  let dir: string;
  ({ dir, remove } = await makeTempDir());
  store = openStore({ path: join(dir, 'labops.db') });
});

afterEach(async () => {
  store.close();
  await remove();
});

function thrown(fn: () => unknown): LabopsError {
  try {
    fn();
  } catch (error) {
    if (isLabopsError(error)) return error;
    throw error;
  }
  throw new Error('expected a LabopsError');
}

/** A job whose plan needs more than a page of its own. */
function bigJob(id: string) {
  return newJob({ id, plan: createPlan({ summary: 'x'.repeat(10_000), risk: 'destructive' }) });
}

describe('a store that fills up', () => {
  it('refuses writes with STORE_UNAVAILABLE saying what to free, answers reads, and takes writes once freed', () => {
    store.createJob(newJob({ id: 'j-old' }));
    setStoreSizeLimit(store, 'current');

    const error = thrown(() => store.createJob(bigJob('j-big')));
    expect(error.code).toBe('STORE_UNAVAILABLE');
    expect(error.message).toBe(`labops cannot write its state store ${store.path}: the disk is full.`);
    expect(error.hint).toContain(`Free disk space under ${dirname(store.path)}`);
    expect(store.getJob('j-big')).toBeUndefined();
    expect(store.getJob('j-old')?.status).toBe('awaiting_approval');
    // The check makes a write that needs a page, so it fails while the store is full.
    expect(store.checkWritable()?.code).toBe('STORE_UNAVAILABLE');

    setStoreSizeLimit(store, undefined);
    expect(store.checkWritable()).toBeUndefined();
    store.createJob(bigJob('j-big'));
    expect(store.getJob('j-big')?.plan.summary).toBe('x'.repeat(10_000));
  });

  it('checks nothing while no write has failed', () => {
    setStoreSizeLimit(store, 'current');
    // No write failed yet: nothing is probed, so nothing is refused.
    expect(store.checkWritable()).toBeUndefined();
  });
});

describe('interrupting a job nothing runs', () => {
  it('marks it interrupted with the reason, its running step unknown, its locks released', () => {
    store.createJob(newJob({ id: 'j-run', status: 'queued' }));
    store.takeLocks(['host:hyper1'], 'j-run', 'U_REQ', T0);
    store.takeLocks(['host:hyper2'], 'j-other', 'U_REQ', T0);
    store.transitionJob('j-run', ['queued'], 'running', { at: T0 });
    store.updateStep('j-run', 0, { status: 'running', startedAt: T0 });

    const job = store.interruptJob('j-run', STRANDED_JOB_ERROR, T0 + 5);
    expect(job).toMatchObject({ status: 'interrupted', error: STRANDED_JOB_ERROR, finishedAt: T0 + 5 });
    expect(store.listSteps('j-run').map((s) => [s.status, s.detail])).toEqual([
      ['unknown', UNKNOWN_STEP_DETAIL],
      ['pending', undefined],
    ]);
    expect(store.listLocks().map((l) => l.key)).toEqual(['host:hyper2']);
    // Only a running job is interrupted.
    expect(store.interruptJob('j-run', STRANDED_JOB_ERROR, T0 + 6)).toBeUndefined();
  });
});
