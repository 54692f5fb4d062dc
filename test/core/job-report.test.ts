import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { verbatim } from '../../src/i18n/text.js';
import type { LabEvent } from '../../src/jobs/events.js';
import { defineStep } from '../../src/jobs/steps.js';
import type { StepSpec } from '../../src/plan.js';
import { type CoreHarness, shellCaller, startCore } from '../support/core.js';
import { viewText } from '../support/dispatch.js';
import { proposeTestJob, queueTestJob } from '../support/jobs.js';

let core: CoreHarness | undefined;
afterEach(async () => {
  await core?.close();
  core = undefined;
});

/** Steps that act on the simulated engine through the job's own client, then fail. */
const testSteps = [
  defineStep({
    kind: 'test.deactivate-then-fail',
    params: z.object({ host: z.string() }),
    async run(ctx, params) {
      const host = await ctx.engine.findHost(params.host, { signal: ctx.signal });
      await ctx.engine.deactivateHost(host.id, undefined, { signal: ctx.signal });
      throw new Error('the step broke after its write');
    },
  }),
  defineStep({
    kind: 'test.stop-vm-then-fail',
    params: z.object({ vm: z.string() }),
    async run(ctx, params) {
      const vm = await ctx.engine.findVm(params.vm, { signal: ctx.signal });
      await ctx.engine.stopVm(vm.id, { signal: ctx.signal });
      await ctx.engine.waitForVmStatus(vm.id, ['down'], { signal: ctx.signal });
      throw new Error('removing the VM failed');
    },
  }),
  defineStep({
    kind: 'test.hot-cd-then-fail',
    params: z.object({ vm: z.string(), file: z.string() }),
    async run(ctx, params) {
      const vm = await ctx.engine.findVm(params.vm, { signal: ctx.signal });
      await ctx.engine.changeCdrom(vm.id, params.file, { signal: ctx.signal, current: true });
      throw new Error('writing the saved configuration failed');
    },
  }),
  defineStep({
    kind: 'test.read-then-fail',
    params: z.object({}),
    async run(ctx) {
      await ctx.engine.listHosts({ signal: ctx.signal });
      throw new Error('the step broke before any write');
    },
  }),
];

async function runJob(harness: CoreHarness, locks: string[], steps: StepSpec[]) {
  await queueTestJob(harness.store, { id: 'job-test', steps, locks, createdAt: harness.clock.now });
  return harness.labops.executor.run('job-test');
}

describe('a failed job reports what it changed', () => {
  it('lists a changed target with its state before and after, never "Nothing was changed"', async () => {
    core = await startCore({ extraSteps: testSteps });
    const job = await runJob(
      core,
      ['host:hyper2'],
      [
        {
          kind: 'test.deactivate-then-fail',
          title: verbatim('Put hyper2 into maintenance'),
          params: { host: 'hyper2' },
        },
      ],
    );
    expect(job.status).toBe('failed');
    expect(job.error).toMatch(/Changed: host hyper2 up → (preparing_for_maintenance|maintenance)/);
    expect(job.error).not.toContain('Nothing was changed');
    expect(job.review?.wroteAt).toBeDefined();
    expect(job.review?.changes).toContainEqual(
      expect.objectContaining({ target: 'host hyper2', outcome: 'changed', from: 'up' }),
    );
  });

  it('reports a VM a reset stopped before it failed to remove it', async () => {
    core = await startCore({ extraSteps: testSteps });
    const before = (await core.lab.client.findVm('web1')).status;
    expect(before).toBe('up');
    const job = await runJob(
      core,
      ['lab'],
      [{ kind: 'test.stop-vm-then-fail', title: verbatim('Remove web1'), params: { vm: 'web1' } }],
    );
    expect(job.status).toBe('failed');
    expect(job.error).toMatch(/Changed: vm web1 up on hyper\d → down/);
    expect(job.error).toMatch(/Unchanged: .*host hyper1/);
  });

  it('calls a target unknown when a write went out and the engine cannot be read afterwards', async () => {
    core = await startCore({ extraSteps: testSteps });
    const { knobs } = core.lab.sim;
    const job = await (async () => {
      const steps = [
        { kind: 'test.deactivate-then-fail', title: verbatim('Maintenance'), params: { host: 'hyper2' } },
      ];
      const started = runJob(core!, ['host:hyper2'], steps);
      // Once the write is out, every read of hosts fails until the job has reported.
      const wait = setInterval(() => {
        if (core?.lab.sim.requests.some((r) => r.method === 'POST' && r.url.includes('/deactivate'))) {
          knobs.injectFault({
            kind: 'server-error',
            status: 503,
            method: 'GET',
            path: /^\/hosts/,
            count: Infinity,
          });
          clearInterval(wait);
        }
      }, 1);
      try {
        return await started;
      } finally {
        clearInterval(wait);
        knobs.clearFaults();
      }
    })();
    expect(job.status).toBe('failed');
    expect(job.error).toMatch(/Unknown: host hyper2 \(a change was sent and the engine could not be read/);
    expect(job.error).not.toContain('Nothing was changed');
  });

  it("reports a running VM's CD changed now even when its saved configuration is as before", async () => {
    core = await startCore({ extraSteps: testSteps });
    // An ISO in the ISO domain, as engine-iso-uploader leaves it (ovirt-api.md §5.1).
    const iso = await core.lab.client.findStorageDomain('nfs-iso');
    const storage = [...core.lab.sim.machines.values()].find((m) => m.files.has('/etc/exports'));
    const dir = `/export/iso/${iso.id}/images/11111111-1111-1111-1111-111111111111`;
    // "Parents always exist" in a simulated machine's file map.
    storage?.files.set(dir, { kind: 'dir', uid: 36, gid: 36, mode: 0o755 });
    storage?.files.set(`${dir}/CentOS-7.iso`, { kind: 'file', uid: 36, gid: 36, mode: 0o640, size: 2048 });
    const job = await runJob(
      core,
      ['vm:web1'],
      [
        {
          kind: 'test.hot-cd-then-fail',
          title: verbatim('Insert into web1'),
          params: { vm: 'web1', file: 'CentOS-7.iso' },
        },
      ],
    );
    expect(job.status).toBe('failed');
    expect(job.error).toMatch(/Changed: cd of vm web1 \(now\) empty → CentOS-7\.iso/);
    expect(job.error).toMatch(/Unchanged: .*cd of vm web1[;.]/);
  });

  it('counts a write the engine failed with a 400 after acting as a possible change', async () => {
    core = await startCore({ extraSteps: testSteps });
    // ovirt-engine answers a command that ran and then failed with 400 "Operation Failed".
    core.lab.sim.knobs.injectFault({
      kind: 'server-error',
      status: 400,
      method: 'POST',
      path: /\/deactivate$/,
    });
    const job = await runJob(
      core,
      ['host:hyper2'],
      [{ kind: 'test.deactivate-then-fail', title: verbatim('Maintenance'), params: { host: 'hyper2' } }],
    );
    expect(job.status).toBe('failed');
    expect(job.error).not.toContain('Nothing was changed');
    expect(job.error).toContain('A change was sent, but every target reads as before.');
  });

  it('says nothing was changed only when no write went out', async () => {
    core = await startCore({ extraSteps: testSteps });
    const job = await runJob(
      core,
      ['host:hyper1'],
      [{ kind: 'test.read-then-fail', title: verbatim('Look'), params: {} }],
    );
    expect(job.status).toBe('failed');
    expect(job.error).toContain('Nothing was changed.');
    expect(job.review?.wroteAt).toBeUndefined();
    expect(job.review?.changes).toEqual([
      { target: 'host hyper1', outcome: 'unchanged', from: 'up', to: 'up' },
    ]);
  });
});

describe('an interrupted job', () => {
  it('is reviewed at the next start: its thread and /lab jobs say what changed', async () => {
    core = await startCore({ extraSteps: testSteps });
    const { store, labops } = core;
    const maintenanceSteps = [
      {
        kind: 'host.maintenance',
        title: verbatim('Put hyper2 into maintenance'),
        params: { hostName: 'hyper2' },
      },
    ];
    const { approval } = await proposeTestJob(store, {
      id: 'job-intr',
      command: 'host maintenance',
      text: 'maintenance hyper2',
      risk: 'destructive',
      eligible: ['shell:alice'],
      locks: ['host:hyper2'],
      steps: maintenanceSteps,
      createdAt: core.clock.now,
    });
    const approved = await store.decideApproval(approval.id, 'shell:alice', 'approve', core.clock.now);
    expect(approved).toMatchObject({ outcome: 'recorded', job: { status: 'queued' } });
    // As the executor leaves it when the process dies mid-step: running, its targets read, a write out.
    expect((await store.startJob('job-intr', core.clock.now))?.status).toBe('running');
    await store.setJobReview('job-intr', { before: { 'host hyper2': 'up' }, wroteAt: core.clock.now });
    const hyper2 = await core.lab.client.findHost('hyper2');
    await core.lab.client.deactivateHost(hyper2.id);
    await core.lab.client.waitForHostStatus(hyper2.id, ['maintenance'], { timing: core.lab.timing });

    const events: LabEvent[] = [];
    labops.bus.subscribe((e) => events.push(e));
    const report = await labops.recover();
    expect(report.interrupted.map((j) => j.id)).toEqual(['job-intr']);
    await labops.whenReviewed();

    const job = await store.getJob('job-intr');
    expect(job?.status).toBe('interrupted');
    expect(job?.error).toMatch(/Re-read after the restart: Changed: host hyper2 up → maintenance/);
    expect(events).toContainEqual(expect.objectContaining({ type: 'job:reviewed' }));
    const jobs = await labops.dispatch({ command: '/lab', text: 'jobs', caller: shellCaller('operator') });
    expect(jobs.kind).toBe('view');
    expect(viewText(jobs)).toContain('changed: host hyper2 up → maintenance');
  });
});
