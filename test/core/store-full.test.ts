import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { allSteps, createRegistry } from '../../commands/index.js';
import { createHttpDownloads } from '../../src/downloads.js';
import { renderText } from '../../src/i18n/render.js';
import { verbatim } from '../../src/i18n/text.js';
import type { RecordRetryOptions } from '../../src/jobs/job-recorder.js';
import { defineStep } from '../../src/jobs/steps.js';
import { labInfoFromSimulator } from '../../src/lab-info.js';
import { Labops } from '../../src/labops.js';
import { createSilentLogger } from '../../src/log.js';
import { createSimDriver } from '../../src/sim/machine-driver.js';
import { openStore, STRANDED_JOB_ERROR, setStoreSizeLimit } from '../../src/store/sqlite-store.js';
import type { Store } from '../../src/store/types.js';
import { SIM_POLICY, shellCaller } from '../support/core.js';
import { expectCard, expectError, viewText } from '../support/dispatch.js';
import { type SimLab, startSimLab } from '../support/engine.js';
import { queueTestJob } from '../support/jobs.js';

/** A gate the test opens: a step waits at it, or the executor waits at it before retrying. */
function createGate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { open, opened };
}

interface Harness {
  lab: SimLab;
  labops: Labops;
  store: Store;
  clock: { now: number };
  close(): Promise<void>;
}

let harness: Harness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

async function startHarness(recordRetry: RecordRetryOptions): Promise<Harness> {
  const lab = await startSimLab();
  const dir = mkdtempSync(join(tmpdir(), 'labops-full-'));
  const store = openStore({ path: join(dir, 'labops.db') });
  const clock = { now: Date.parse('2026-11-28T10:00:00Z') };
  const labops = new Labops({
    registry: createRegistry(),
    steps: [...allSteps, holdStep, countStep],
    store,
    engine: lab.client,
    downloads: createHttpDownloads(),
    machines: createSimDriver(lab.sim),
    lab: labInfoFromSimulator(lab.sim),
    policy: SIM_POLICY,
    clock: () => clock.now,
    logger: createSilentLogger(),
    recordRetry,
  });
  return {
    lab,
    labops,
    store,
    clock,
    async close() {
      await labops.executor.stopAll('the test ended', 1000);
      await store.close();
      await lab.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Steps of the test job: the first holds until the test lets it go, then prints a page of output. */
let hold = createGate();
let reachedHold = createGate();
let counted = 0;
const holdStep = defineStep({
  kind: 'test.hold',
  params: z.object({}),
  async run(ctx) {
    reachedHold.open();
    await hold.opened;
    // More than a page of output: recording the step's end needs a page the full store lacks.
    for (let i = 0; i < 40; i++) ctx.output(`${i} ${'x'.repeat(120)}`);
    return { status: 'changed' };
  },
});
const countStep = defineStep({
  kind: 'test.count',
  params: z.object({}),
  async run() {
    counted++;
    return { status: 'changed' };
  },
});

/** A queued job holding host:hyper1, proposed and confirmed through the store's lifecycle. */
async function createHeldJob(store: Store, id: string, now: number) {
  const steps = [
    { kind: 'test.hold', title: verbatim('Hold'), params: {} },
    { kind: 'test.count', title: verbatim('Count'), params: {} },
  ];
  await queueTestJob(store, { id, steps, locks: ['host:hyper1'], createdAt: now });
}

describe('a store that fills up while a job runs', () => {
  it('strands nothing: new requests are refused with the coded error, and once freed the end is recorded and the locks released', async () => {
    hold = createGate();
    reachedHold = createGate();
    counted = 0;
    const waits: number[] = [];
    let retry = createGate();
    let waiting = createGate();
    harness = await startHarness({
      initialDelayMs: 1000,
      maxDelayMs: 4000,
      wait: async (ms) => {
        waits.push(ms);
        waiting.open();
        await retry.opened;
        retry = createGate();
      },
    });
    const { labops, store, clock } = harness;
    // A card waits for its approval before the disk fills.
    const card = expectCard(
      await labops.dispatch({
        command: '/host',
        text: 'maintenance hyper2',
        caller: shellCaller('operator'),
      }),
    );

    await createHeldJob(store, 'job-full', clock.now);
    const run = labops.executor.run('job-full');
    await reachedHold.opened;
    setStoreSizeLimit(store, 'current');
    hold.open();

    // The step's end cannot be written: the job stops before its next step and waits to record
    // its end, retrying with a growing, bounded delay.
    await waiting.opened;
    for (let i = 0; i < 3; i++) {
      waiting = createGate();
      retry.open();
      await waiting.opened;
    }
    expect(waits).toEqual([1000, 2000, 4000, 4000]);
    expect(counted).toBe(0);
    expect((await store.getJob('job-full'))?.status).toBe('running');
    expect((await store.listLocks()).map((l) => l.key)).toContain('host:hyper1');
    expect(labops.executor.isRunning('job-full')).toBe(true);

    // New requests are refused with the coded error saying what to do; reads still answer.
    const refused = expectError(
      await labops.dispatch({
        command: '/host',
        text: 'maintenance hyper3',
        caller: shellCaller('operator'),
      }),
    );
    expect(refused.code).toBe('STORE_UNAVAILABLE');
    expect(refused.message).toContain('the disk is full');
    expect(refused.message).toContain('refuses new requests');
    expect(refused.hint).toContain(`Free disk space under ${dirname(store.path)}`);
    expect(renderText('ko', refused.text)).toBe(
      `labops가 상태 저장소 ${store.path}에 쓸 수 없습니다: 디스크가 가득 찼습니다. 기록할 수 있을 때까지 labops는 새 요청을 받지 않습니다.`,
    );
    await expect(labops.click(card.approval.id, shellCaller('alice'), 'approve')).rejects.toMatchObject({
      code: 'STORE_UNAVAILABLE',
    });
    expect((await store.getApproval(card.approval.id))?.status).toBe('pending');
    const jobs = viewText(
      await labops.dispatch({ command: '/lab', text: 'jobs', caller: shellCaller('bob') }),
    );
    // Its runner still holds it: /lab jobs does not take it for stranded.
    expect(jobs).toMatch(/job-full {2}\/lab test — running/);

    // Space is freed. The next request tries the waiting records at once, without waiting for
    // the next retry: everything is recorded, in order, the locks released, the request taken.
    setStoreSizeLimit(store, undefined);
    const click = await labops.click(card.approval.id, shellCaller('alice'), 'approve');
    expect(click.outcome, click.message).toBe('approved');
    const job = await run;
    expect(waits).toHaveLength(4);
    expect(job.status).toBe('failed');
    expect(job.error).toContain('labops stopped the job because it could not record its progress');
    expect(job.error).toContain('the disk is full');
    expect(job.error).toContain('Stopped before step 2 (Count)');
    expect(renderText('ko', job.errorText!)).toMatch(
      /^진행 상황을 기록할 수 없어 labops가 작업을 멈췄습니다: labops가 상태 저장소 .* 디스크가 가득 찼습니다\. 2단계\(Count\) 전에 멈췄습니다\. /,
    );
    expect(counted).toBe(0);
    const steps = await store.listSteps('job-full');
    expect(steps.map((s) => s.status)).toEqual(['changed', 'skipped']);
    expect(steps[0]?.tail).toContain(`39 ${'x'.repeat(120)}`);
    expect((await store.listLocks()).map((l) => l.key)).not.toContain('host:hyper1');
    expect(
      (await store.listAudit(50))
        .filter((e) => e.jobId === 'job-full')
        .map((e) => e.type)
        .reverse(),
    ).toEqual(['approval:requested', 'approval:granted', 'job:started', 'step:finished', 'job:failed']);

    // The approved card's job runs as usual.
    expect((await labops.executor.whenFinished(card.job.id))?.status).toBe('succeeded');
  });

  it('leaves a job it could not record, on a stop, for /lab jobs to mark interrupted with the reason', async () => {
    hold = createGate();
    reachedHold = createGate();
    let waiting = createGate();
    harness = await startHarness({
      wait: async (_ms, signal) => {
        waiting.open();
        await new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true }));
      },
    });
    const { labops, store, clock } = harness;
    await createHeldJob(store, 'job-left', clock.now);
    const run = labops.executor.run('job-left');
    run.catch(() => undefined);
    await reachedHold.opened;
    setStoreSizeLimit(store, 'current');
    hold.open();
    await waiting.opened;
    waiting = createGate();

    // The stop gives the record one last try, which fails: the job stays recorded as running.
    await labops.executor.stopAll('the test', 1);
    await expect(run).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE' });
    expect((await store.getJob('job-left'))?.status).toBe('running');
    expect(labops.executor.isRunning('job-left')).toBe(false);

    // Space is back, nothing runs it: /lab jobs marks it interrupted and frees its locks.
    setStoreSizeLimit(store, undefined);
    const view = viewText(
      await labops.dispatch({ command: '/lab', text: 'jobs', caller: shellCaller('bob') }),
    );
    expect(view).toMatch(/job-left {2}\/lab test — interrupted/);
    expect(await store.getJob('job-left')).toMatchObject({
      status: 'interrupted',
      error: STRANDED_JOB_ERROR,
    });
    expect(await store.listLocks()).toEqual([]);
    expect((await store.listAudit(5)).map((e) => e.type)).toContain('job:interrupted');
  });
});

describe('a job recorded as running that nothing runs', () => {
  it('/lab cancel marks it interrupted with the reason and releases its locks', async () => {
    harness = await startHarness({});
    const { labops, store, clock } = harness;
    await createHeldJob(store, 'job-gone', clock.now);
    // As a runner that ended without recording the job's end leaves it.
    await store.startJob('job-gone', clock.now);
    await store.updateStep('job-gone', 0, { status: 'running', startedAt: clock.now });

    const result = viewText(
      await labops.dispatch({ command: '/lab', text: 'cancel job-gone', caller: shellCaller('operator') }),
    );
    expect(result).toContain('job-gone was recorded as running, but nothing runs it');
    expect(result).toContain('marked interrupted and its locks are released');
    expect(await store.getJob('job-gone')).toMatchObject({
      status: 'interrupted',
      error: STRANDED_JOB_ERROR,
    });
    expect((await store.listSteps('job-gone')).map((s) => s.status)).toEqual(['unknown', 'pending']);
    expect(await store.listLocks()).toEqual([]);

    // Now it is over: nothing to cancel, and a new request for its target is taken.
    const again = expectError(
      await labops.dispatch({ command: '/lab', text: 'cancel job-gone', caller: shellCaller('operator') }),
    );
    expect(again.message).toContain('job-gone is interrupted; there is nothing to cancel');
    expectCard(
      await labops.dispatch({
        command: '/host',
        text: 'maintenance hyper1',
        caller: shellCaller('operator'),
      }),
    );
  });
});
