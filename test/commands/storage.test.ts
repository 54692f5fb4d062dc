import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { DispatchResult } from '../../src/labops.js';
import { type CoreHarness, shellCaller, startCore } from '../support/core.js';
import { expectCard as card } from '../support/dispatch.js';

let core: CoreHarness;
beforeEach(async () => {
  core = await startCore();
});
afterEach(async () => {
  await core?.close();
});

const run = (text: string) =>
  core.labops.dispatch({ command: '/storage', text, caller: shellCaller('operator') });

async function approveAndRun(result: DispatchResult) {
  const c = card(result);
  const click = await core.labops.click(c.approval.id, shellCaller('alice'), 'approve');
  expect(click.outcome, click.message).toBe('approved');
  return core.labops.executor.whenFinished(c.job.id);
}

describe('/storage', () => {
  it('shows the domains with their status in the data center', async () => {
    const result = await run('status');
    expect(result.kind).toBe('view');
    const text = result.kind === 'view' ? JSON.stringify(result.view) : '';
    expect(text).toContain('nfs-data  active  data master');
    expect(text).toContain('nfs-iso  active  iso');
  });

  it('detaches a domain in the engine order, then removes it with format', async () => {
    const detach = card(await run('detach nfs-iso'));
    expect(detach.plan.steps.map((s) => s.kind)).toEqual(['storage.deactivate', 'storage.detach']);
    expect(detach.approval.risk).toBe('destructive');
    const job = await approveAndRun({ kind: 'card', card: detach });
    expect(job?.status, job?.error).toBe('succeeded');
    expect((await core.store.listSteps(job!.id)).map((s) => s.endState)).toEqual([
      'nfs-iso is in maintenance',
      'nfs-iso is unattached',
    ]);
    const removal = card(await run('remove nfs-iso --format'));
    expect(removal.plan.steps.map((s) => s.kind)).toEqual(['storage.remove']);
    expect((await approveAndRun({ kind: 'card', card: removal }))?.status).toBe('succeeded');
    expect((await core.lab.client.listStorageDomains()).map((d) => d.name)).toEqual(['nfs-data']);
  });

  it('refuses to detach the last master data domain, saying what to do', async () => {
    const result = await run('detach nfs-data');
    expect(result.kind).toBe('error');
    if (result.kind !== 'error') return;
    expect(result.error.message).toContain('last master data domain');
    expect(result.error.hint).toContain('another data domain');
  });

  it('fails on a domain a host still uses, with the engine words naming the host (FAQ 4)', async () => {
    core.lab.sim.knobs.holdDomain('nfs-iso', 'hyper2');
    const job = await approveAndRun(await run('detach nfs-iso'));
    expect(job?.status).toBe('failed');
    expect(job?.error).toContain('Step 1 (Put nfs-iso into maintenance) failed');
    expect(job?.error).toContain('hyper2');
    expect(job?.error).toContain('Nothing was changed.');
  });

  it('warns that files stay behind when removing without format', async () => {
    const result = card(await run('remove nfs-iso'));
    expect(result.plan.impact.join(' ')).toContain('/storage clean (FAQ 1)');
    expect(result.plan.steps.map((s) => s.kind)).toEqual([
      'storage.deactivate',
      'storage.detach',
      'storage.remove',
    ]);
  });
});

describe('/host add and remove', () => {
  const host = (text: string) =>
    core.labops.dispatch({ command: '/host', text, caller: shellCaller('operator') });

  it('removes a host that is up by putting it into maintenance first, then adds it back', async () => {
    const removal = card(await host('remove hyper2'));
    expect(removal.plan.steps.map((s) => s.kind)).toEqual(['host.deactivate', 'host.remove']);
    expect(removal.plan.impact).toContain('app1 → hyper1 (live migration)');
    expect((await approveAndRun({ kind: 'card', card: removal }))?.status).toBe('succeeded');
    expect((await core.lab.client.listHosts()).map((h) => h.name)).toEqual(['hyper1']);

    const address = core.lab.sim.machines.get('hyper2')!.address;
    const adding = card(await host(`add hyper2 ${address}`));
    expect(adding.approval.risk).toBe('change');
    const click = await core.labops.click(adding.approval.id, shellCaller('operator'), 'approve');
    expect(click.outcome).toBe('approved');
    const job = await core.labops.executor.whenFinished(adding.job.id);
    expect(job?.status, job?.error).toBe('succeeded');
    expect((await core.store.listSteps(job!.id))[0]?.endState).toBe('hyper2 is up');
  });

  it("shows the engine's events when an install fails (the key missing: the guide's authorized.keys typo)", async () => {
    const removal = card(await host('remove hyper2'));
    expect((await approveAndRun({ kind: 'card', card: removal }))?.status).toBe('succeeded');
    core.lab.sim.knobs.typoAuthorizedKeys('hyper2');
    const adding = card(await host(`add hyper2 ${core.lab.sim.machines.get('hyper2')!.address}`));
    await core.labops.click(adding.approval.id, shellCaller('operator'), 'approve');
    const job = await core.labops.executor.whenFinished(adding.job.id);
    expect(job?.status).toBe('failed');
    expect(job?.error).toContain('The engine says:');
    expect(job?.error).toContain('/host prepare hyper2');
  });

  it("installs the engine's key first when asked, so the same add succeeds", async () => {
    const removal = card(await host('remove hyper2'));
    expect((await approveAndRun({ kind: 'card', card: removal }))?.status).toBe('succeeded');
    core.lab.sim.knobs.typoAuthorizedKeys('hyper2');
    const address = core.lab.sim.machines.get('hyper2')!.address;
    const adding = card(await host(`add hyper2 ${address} --install-key`));
    expect(adding.plan.steps.map((s) => s.kind)).toEqual(['runbook.apply', 'host.add']);
    await core.labops.click(adding.approval.id, shellCaller('operator'), 'approve');
    const job = await core.labops.executor.whenFinished(adding.job.id);
    expect(job?.status, job?.error).toBe('succeeded');
  });

  it('refuses to add a name the engine already has', async () => {
    const result = await host('add hyper1 somewhere.abc.local');
    expect(result.kind === 'error' && result.error.message).toContain('already has hyper1');
  });
});
