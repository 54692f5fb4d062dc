import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { DownloadPort } from '../../src/downloads.js';
import type { EngineClient } from '../../src/engine/engine-client.js';
import { LabopsError } from '../../src/errors.js';
import { verbatim } from '../../src/i18n/text.js';
import { EventBus } from '../../src/jobs/events.js';
import { JobExecutor } from '../../src/jobs/executor.js';
import { defineStep, StepRegistry } from '../../src/jobs/steps.js';
import { labInfoFromSeed } from '../../src/lab-info.js';
import { createSilentLogger } from '../../src/log.js';
import type { MachineDriver } from '../../src/runbooks/types.js';
import { openStore } from '../../src/store/sqlite-store.js';
import type { Store } from '../../src/store/types.js';
import { queueTestJob } from '../support/jobs.js';

const LEASE_MS = 300;

/**
 * One store that two replicas share (issue 14 §2), played here by the SQLite store seen as shared
 * — its lease methods keep the contract the PostgreSQL store keeps on the database's clock — with a
 * switch that cuts one replica's lease renewals off, as a replica that lost the database would be.
 */
function sharedView(store: Store, cut: { renewals: boolean }): Store {
  return new Proxy(store, {
    get(target, key, receiver) {
      if (key === 'shared') return true;
      if (key === 'renewLeases' && cut.renewals) {
        return () => Promise.reject(new LabopsError('STORE_UNAVAILABLE', verbatim('the network is cut')));
      }
      const value = Reflect.get(target, key, receiver);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

/** A step that waits `ms` (or until its signal aborts): a host taking its time to drain. */
const waitStep = defineStep({
  kind: 'test.wait',
  params: z.object({ ms: z.number() }),
  run: (ctx, params) =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => resolve({ status: 'changed' }), params.ms);
      ctx.signal.addEventListener('abort', () => {
        clearTimeout(timer);
        reject(ctx.signal.reason);
      });
    }),
});

let dir: string;
let store: Store;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'labops-leases-'));
  store = openStore({ path: join(dir, 'labops.db') });
});
afterEach(async () => {
  await store.close();
  await rm(dir, { recursive: true, force: true });
});

function replica(id: string, view: Store): JobExecutor {
  return new JobExecutor({
    store: view,
    steps: new StepRegistry([waitStep]),
    engine: { withCorrelationId: () => ({ withSignal: () => ({}) }) } as unknown as EngineClient,
    downloads: {} as DownloadPort,
    machines: {} as MachineDriver,
    lab: { ...labInfoFromSeed(), simulated: false },
    bus: new EventBus(),
    clock: () => Date.now(),
    logger: createSilentLogger(),
    defaultStepTimeoutMs: 60_000,
    replica: { id, leaseMs: LEASE_MS },
  });
}

const steps = (first: number) => [
  { kind: 'test.wait', title: verbatim('Drain the host'), params: { ms: first } },
  { kind: 'test.wait', title: verbatim('Then this'), params: { ms: 1 } },
];

describe('a job’s lease across replicas (issue 14 §2)', () => {
  it('keeps a job its replica renews for longer than a lease: another replica finds nothing to interrupt', async () => {
    const a = replica('r-a', sharedView(store, { renewals: false }));
    await queueTestJob(store, { id: 'job-long', steps: steps(LEASE_MS * 3) });
    const running = a.run('job-long');
    const other = sharedView(store, { renewals: false });
    for (let i = 0; i < 6; i++) {
      await new Promise((resolve) => setTimeout(resolve, LEASE_MS / 2));
      expect(await other.interruptExpired(verbatim('lease ran out'), Date.now())).toEqual([]);
    }
    const job = await running;
    expect(job.status).toBe('succeeded');
    expect(job.lease?.replica).toBe('r-a');
    expect((await store.listSteps('job-long')).map((s) => s.status)).toEqual(['changed', 'changed']);
  });

  it('stops a job whose replica cannot renew its lease, recording nothing more; another interrupts it', async () => {
    const cut = { renewals: false };
    const a = replica('r-a', sharedView(store, cut));
    await queueTestJob(store, { id: 'job-cut', steps: steps(LEASE_MS * 10) });
    const running = a.run('job-cut');
    await new Promise((resolve) => setTimeout(resolve, 50));
    cut.renewals = true;
    // Replica A stops the job within two thirds of a lease and writes nothing of it.
    const ended = await running;
    expect(ended.status).toBe('running');
    expect((await store.listSteps('job-cut')).map((s) => s.status)).toEqual(['running', 'pending']);
    // Replica B, once the lease ran out, marks it interrupted.
    await new Promise((resolve) => setTimeout(resolve, LEASE_MS));
    const b = sharedView(store, { renewals: false });
    const interrupted = await b.interruptExpired(verbatim('r-a stopped renewing its lease'), Date.now());
    expect(interrupted.map((j) => j.id)).toEqual(['job-cut']);
    expect((await store.getJob('job-cut'))?.status).toBe('interrupted');
    expect((await store.listSteps('job-cut')).map((s) => s.status)).toEqual(['unknown', 'pending']);
  });

  it('stops a job another replica already took over, at its next renewal, overwriting nothing', async () => {
    const a = replica('r-a', sharedView(store, { renewals: false }));
    await queueTestJob(store, { id: 'job-taken', steps: steps(LEASE_MS * 10) });
    const running = a.run('job-taken');
    await new Promise((resolve) => setTimeout(resolve, 50));
    // As a replica does when a lease looked expired to it (a paused process, a clock jump).
    await store.interruptJob('job-taken', verbatim('taken over'), Date.now());
    const ended = await running;
    expect(ended.status).toBe('interrupted');
    expect(ended.error).toBe('taken over');
    expect((await store.listSteps('job-taken')).map((s) => s.status)).toEqual(['unknown', 'pending']);
    const audit = (await store.listAudit(20)).filter((e) => e.jobId === 'job-taken').map((e) => e.type);
    expect(audit).not.toContain('job:cancelled');
    expect(audit).not.toContain('step:finished');
  });
});
