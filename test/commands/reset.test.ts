import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { renderText } from '../../src/i18n/render.js';
import { type CoreHarness, EXPORTS_WITH_SPARE, shellCaller, startCore } from '../support/core.js';
import { expectCard as card } from '../support/dispatch.js';

let core: CoreHarness;
beforeEach(async () => {
  core = await startCore({
    sim: {
      seed: {
        exports: EXPORTS_WITH_SPARE,
        vms: [
          { name: 'web1', host: 'hyper1' },
          { name: 'db1', host: 'hyper1' },
          { name: 'app1', host: 'hyper2' },
          { name: 'scratch1', host: 'hyper2', diskGiB: 8 },
        ],
      },
    },
    // The baseline lists three of the four VMs: scratch1 is extra.
    lab: {
      baseline: {
        storageDomains: [
          { name: 'nfs-data', type: 'data', exportPath: '/export/data' },
          { name: 'nfs-iso', type: 'iso', exportPath: '/export/iso' },
        ],
        hosts: ['hyper1', 'hyper2'],
        vms: ['web1', 'db1', 'app1'],
      },
    },
  });
});
afterEach(async () => {
  await core?.close();
});

/** Moves the lab away from its baseline: an extra domain, a host in maintenance, an inactive ISO domain. */
async function disturbTheLab() {
  const { client } = core.lab;
  const [dc] = await client.listDataCenters();
  const spare = await client.addNfsStorageDomain({
    name: 'spare',
    type: 'data',
    address: 'ovirt.abc.local',
    path: '/export/spare',
    hostName: 'hyper1',
  });
  await client.waitForStorageDomainCreated(spare.id);
  await client.attachStorageDomain(dc!.id, spare.id);
  await client.waitForStorageDomainStatus(dc!.id, spare.id, ['active']);
  const iso = await client.findStorageDomain('nfs-iso');
  await client.deactivateStorageDomain(dc!.id, iso.id);
  await client.waitForStorageDomainStatus(dc!.id, iso.id, ['maintenance']);
  const hyper2 = await client.findHost('hyper2');
  await client.deactivateHost(hyper2.id);
  await client.waitForHostStatus(hyper2.id, ['maintenance']);
}

async function reset(text = 'reset') {
  const planned = card(
    await core.labops.dispatch({ command: '/lab', text, caller: shellCaller('operator') }),
  );
  expect(planned.approval.risk).toBe('critical');
  await core.labops.click(planned.approval.id, shellCaller('alice'), 'approve');
  const second = await core.labops.click(planned.approval.id, shellCaller('bob'), 'approve');
  expect(second.outcome, second.message).toBe('approved');
  const job = await core.labops.executor.whenFinished(planned.job.id);
  return { planned, job: job!, steps: await core.store.listSteps(planned.job.id) };
}

describe('/lab reset', () => {
  it('shows the whole plan with --dry-run and asks nothing', async () => {
    await disturbTheLab();
    const result = await core.labops.dispatch({
      command: '/lab',
      text: 'reset --dry-run',
      caller: shellCaller('operator'),
    });
    expect(result.kind).toBe('view');
    const text = result.kind === 'view' ? JSON.stringify(result.view) : '';
    expect(text).toContain('hyper2: maintenance → up');
    expect(text).toContain('nfs-iso: maintenance → active');
    expect(text).toContain('scratch1: removed with its disks');
    expect(text).toContain('spare: removed with its files');
    expect(await core.store.listJobs()).toEqual([]);
    expect(await core.store.listLocks()).toEqual([]);
  });

  it('ends at the baseline; a failure midway stops it with an accurate report; a second reset finishes with done steps ok', async () => {
    await disturbTheLab();
    core.lab.sim.knobs.injectFault({
      kind: 'server-error',
      method: 'DELETE',
      path: /^\/storagedomains\//,
      count: 1,
    });
    const first = await reset();
    expect(first.job.status).toBe('failed');
    const titles = first.planned.job.steps.map((s) => renderText('en', s.title));
    expect(titles.slice(0, 7)).toEqual([
      'Check before any change: storage answers over SSH, the exports are mounted and exported',
      'Make sure hyper1 is up',
      'Make sure hyper2 is up',
      expect.stringMatching(/^Remove scratch1 and its disks /),
      'Put spare into maintenance',
      'Detach spare',
      'Remove spare (format)',
    ]);
    // Ownership of every export is checked before the baseline domains come back, data first.
    expect(
      titles.slice(7, -2).every((t) => t.startsWith('/export/') || t.startsWith('Everything in /export/')),
    ).toBe(true);
    expect(titles.slice(-2)).toEqual([
      'Make sure nfs-data is attached and active',
      'Make sure nfs-iso is attached and active',
    ]);
    const statuses = first.steps.map((s) => s.status);
    expect(statuses.slice(0, 7)).toEqual(['ok', 'ok', 'changed', 'changed', 'changed', 'changed', 'failed']);
    expect(statuses.slice(7).every((s) => s === 'skipped')).toBe(true);
    expect(first.job.error).toContain('Step 7 (Remove spare (format)) failed');
    expect(first.job.error).toContain('Already changed: "Make sure hyper2 is up"');
    expect(await core.store.listLocks()).toEqual([]);

    const second = await reset();
    expect(second.job.status, second.job.error).toBe('succeeded');
    const done = second.steps.filter(
      (s) => s.title.startsWith('Make sure hyper') || s.title.includes('/export/'),
    );
    expect(done.length).toBeGreaterThan(4);
    expect(done.every((s) => s.status === 'ok')).toBe(true);
    expect(second.steps.find((s) => s.title === 'Remove spare (format)')?.status).toBe('changed');
    expect(second.steps.find((s) => s.title === 'Make sure nfs-iso is attached and active')?.status).toBe(
      'changed',
    );

    const { client } = core.lab;
    expect((await client.listHosts()).every((h) => h.status === 'up')).toBe(true);
    expect((await client.listVms()).map((v) => v.name).sort()).toEqual(['app1', 'db1', 'web1']);
    const [dc] = await client.listDataCenters();
    const domains = await client.listAttachedStorageDomains(dc!.id);
    expect(domains.map((d) => [d.name, d.status]).sort()).toEqual([
      ['nfs-data', 'active'],
      ['nfs-iso', 'active'],
    ]);
    expect((await client.listStorageDomains()).map((d) => d.name).sort()).toEqual(['nfs-data', 'nfs-iso']);
  });

  it('brings back a baseline domain removed without format: its export is cleaned first (FAQ 1)', async () => {
    const { client } = core.lab;
    const [dc] = await client.listDataCenters();
    const iso = await client.findStorageDomain('nfs-iso');
    await client.deactivateStorageDomain(dc!.id, iso.id);
    await client.waitForStorageDomainStatus(dc!.id, iso.id, ['maintenance']);
    await client.detachStorageDomain(dc!.id, iso.id);
    await client.waitForStorageDomainStatus(dc!.id, iso.id, ['unattached']);
    await client.removeStorageDomain(iso.id, { hostName: 'hyper1' });
    const { planned, job, steps } = await reset();
    expect(planned.plan.impact.join('\n')).toMatch(
      /\/export\/iso: \d+ leftover entr(y|ies) removed before nfs-iso is added/,
    );
    expect(job.status, job.error).toBe('succeeded');
    expect(steps.find((s) => s.title.startsWith('Remove ') && s.title.includes('/export/iso/'))?.status).toBe(
      'changed',
    );
    expect((await client.listAttachedStorageDomains(dc!.id)).find((d) => d.name === 'nfs-iso')?.status).toBe(
      'active',
    );
  });

  it('holds the lab lock: nothing else can be asked while the card waits', async () => {
    const planned = card(
      await core.labops.dispatch({ command: '/lab', text: 'reset', caller: shellCaller('operator') }),
    );
    const refused = await core.labops.dispatch({
      command: '/host',
      text: 'maintenance hyper1',
      caller: shellCaller('dave'),
    });
    expect(refused.kind === 'error' && refused.error.message).toContain(`locked by ${planned.job.id}`);
  });
});
