import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { msg, verbatim } from '../../src/i18n/text.js';
import { openStore } from '../../src/store/sqlite-store.js';
import type { Store } from '../../src/store/types.js';
import { queueTestJob } from '../support/jobs.js';

let store: Store;
beforeEach(() => {
  store = openStore({ path: ':memory:' });
});
afterEach(async () => {
  await store.close();
});

describe('texts the store keeps (issue 16)', () => {
  it('keeps a catalog message beside its English, for each reader to see in their language', async () => {
    const title = msg('common.error.hint', { hint: 'hyper1' });
    await queueTestJob(store, { id: 'job-t1', steps: [{ kind: 'k', title, params: {} }] });
    const [step] = await store.listSteps('job-t1');
    expect(step?.title).toBe('Hint: hyper1');
    expect(step?.titleText).toEqual(title);
    expect((await store.getJob('job-t1'))?.steps[0]?.title).toEqual(title);

    const detail = msg('common.error.unexpected', { message: 'boom' });
    await store.updateStep('job-t1', 0, { status: 'failed', detail, endState: verbatim('plain words') });
    const [updated] = await store.listSteps('job-t1');
    expect(updated?.detail).toBe('Unexpected failure: boom');
    expect(updated?.detailText).toEqual(detail);
    expect(updated?.endState).toBe('plain words');
    expect(updated?.endStateText).toEqual(verbatim('plain words'));

    await store.startJob('job-t1', 1);
    const ended = await store.endJob('job-t1', { from: ['running'], to: 'failed', error: detail, at: 2 });
    expect(ended?.error).toBe('Unexpected failure: boom');
    expect(ended?.errorText).toEqual(detail);
    // The audit trail stays English.
    const [last] = await store.listAudit(1);
    expect(last?.detail).toEqual({ error: 'Unexpected failure: boom' });
  });

  it('replaces the message when the text is replaced by a verbatim one', async () => {
    await queueTestJob(store, { id: 'job-t2', steps: [{ kind: 'k', title: verbatim('t'), params: {} }] });
    await store.updateStep('job-t2', 0, { detail: msg('common.error.hint', { hint: 'x' }) });
    await store.updateStep('job-t2', 0, { detail: verbatim('plain') });
    const [step] = await store.listSteps('job-t2');
    expect(step?.detail).toBe('plain');
    expect(step?.detailText).toEqual(verbatim('plain'));
    await store.updateStep('job-t2', 0, { status: 'ok' });
    expect((await store.listSteps('job-t2'))[0]?.detailText).toEqual(verbatim('plain'));
  });
});
