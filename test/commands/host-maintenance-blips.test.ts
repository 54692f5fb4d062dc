import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { approveAndRun, type CoreHarness, shellCaller, startCore } from '../support/core.js';
import { expectCard } from '../support/dispatch.js';

let core: CoreHarness;
beforeEach(async () => {
  core = await startCore();
});
afterEach(async () => {
  await core?.close();
});

const operator = shellCaller('operator');
const host = (text: string) => core.labops.dispatch({ command: '/host', text, caller: operator });

describe('/host maintenance through an engine that blips (issue 9 §4, Done when)', () => {
  it('succeeds with three transient 503s on GET /hosts/{id} during the maintenance wait', async () => {
    const { sim, client } = core.lab;
    const hyper2 = await client.findHost('hyper2');
    const result = await host('maintenance hyper2');
    const mark = sim.requests.length;
    // GET /hosts/{id} is read by the maintenance wait only (planning and the re-check search by name).
    sim.knobs.injectFault({
      kind: 'server-error',
      status: 503,
      method: 'GET',
      path: `/hosts/${hyper2.id}`,
      count: 3,
    });
    const { job, steps } = await approveAndRun(core, result);
    expect(job.status).toBe('succeeded');
    expect((await client.getHost(hyper2.id)).status).toBe('maintenance');

    const after = sim.requests.slice(mark);
    const deactivate = after.findIndex((r) => r.method === 'POST' && r.url.endsWith('/deactivate'));
    const reads = after
      .map((r, i) => ({ ...r, i }))
      .filter((r) => r.method === 'GET' && r.url.split('?')[0] === `/ovirt-engine/api/hosts/${hyper2.id}`);
    // The three 503s came after the deactivate, in the wait, and the wait read on until maintenance.
    expect(reads.slice(0, 3).map((r) => r.status)).toEqual([503, 503, 503]);
    expect(reads[0]!.i).toBeGreaterThan(deactivate);
    expect(reads.slice(3).every((r) => r.status === 200)).toBe(true);
    expect(reads.length).toBeGreaterThan(3);
    const step = steps.find((s) => s.kind === 'host.deactivate');
    expect(step?.status).toBe('changed');
    expect(step?.tail).toContain('hyper2: engine unreachable (the engine answered 503); still waiting');
    expect(step?.tail).toContain('hyper2: maintenance');
  });

  it('reports every event of a maintenance blocked by pinned VMs: each 166 and the 17', async () => {
    const { sim, client } = core.lab;
    sim.knobs.pinVm('web1');
    sim.knobs.pinVm('db1');
    const card = expectCard(await host('maintenance hyper1'));
    expect(card.approval.risk).toBe('critical');
    for (const by of ['alice', 'bob']) await core.labops.click(card.approval.id, shellCaller(by), 'approve');
    const job = await core.labops.executor.whenFinished(card.job.id);
    expect(job?.status).toBe('failed');
    const error = job?.error ?? '';

    // The simulated lab starts with no failure events: these are the maintenance's.
    const events = (await client.listEvents({ from: 0 })).filter((e) => [65, 166, 17].includes(e.code));
    const noTarget = events.filter((e) => e.code === 166).map((e) => e.description);
    expect(noTarget.sort()).toEqual([
      'No available host was found to migrate VM db1 to.',
      'No available host was found to migrate VM web1 to.',
    ]);
    const failed = events.filter((e) => e.code === 17).map((e) => e.description);
    expect(failed).toEqual(['Failed to switch Host hyper1 to Maintenance mode.']);
    for (const text of [...noTarget, ...failed]) expect(error).toContain(`"${text}"`);
    for (const vm of ['db1', 'web1'])
      expect(error).toContain(`"Migration failed (VM: ${vm}, Source: hyper1)."`);
    // Oldest first: the host's failure comes after the VMs' events, and each appears once.
    expect(error.indexOf('Failed to switch Host hyper1')).toBeGreaterThan(
      error.lastIndexOf('No available host was found'),
    );
    expect(error.split('No available host was found to migrate VM web1 to.').length).toBe(2);
    expect(error).toContain('/host activate hyper1');

    const step = (await core.store.listSteps(card.job.id)).find((s) => s.kind === 'host.deactivate');
    expect(step?.status).toBe('failed');
    for (const text of [...noTarget, ...failed]) expect(step?.tail).toContain(`engine: ${text}`);
    expect((await client.findHost('hyper1')).status).toBe('preparing_for_maintenance');
  });
});
