import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { DispatchResult } from '../../src/labops.js';
import {
  approveAndRun,
  type CoreHarness,
  EXPORTS_WITH_SPARE,
  shellCaller,
  startCore,
} from '../support/core.js';
import { expectError } from '../support/dispatch.js';

let core: CoreHarness;
beforeEach(async () => {
  core = await startCore({
    sim: {
      seed: {
        exports: EXPORTS_WITH_SPARE,
      },
    },
  });
});
afterEach(async () => {
  await core?.close();
});

const operator = shellCaller('operator');
const storage = (text: string) => core.labops.dispatch({ command: '/storage', text, caller: operator });

/** Approves a card as its risk needs (the requester confirms a change; alice approves the rest) and waits. */
const approve = (result: DispatchResult) => approveAndRun(core, result);

describe('/storage attach with the pre-checks of the lab guide', () => {
  it('fails on a stale export offering clean; once clean is approved, attach succeeds (FAQ 1)', async () => {
    core.lab.sim.knobs.leaveStaleFiles('/export/spare');
    const refused = expectError(
      await storage('attach spare --type data --path ovirt.abc.local:/export/spare'),
    );
    expect(refused.message).toContain('1 check failed');
    expect(refused.details.join('\n')).toContain('/storage clean spare');
    expect(refused.actions).toEqual([{ label: 'Clean spare', command: '/storage', text: 'clean spare' }]);

    const { card } = await approve(await storage('clean spare'));
    expect(card.approval.risk).toBe('destructive');
    expect(card.plan.impact.some((l) => l.includes('/export/spare/.'))).toBe(true);

    const { steps } = await approve(
      await storage('attach spare --type data --path ovirt.abc.local:/export/spare'),
    );
    expect(steps.at(-1)?.endState).toBe('spare is active');
  });

  it('offers a hosts entry or the address when the hypervisor cannot resolve the server (FAQ 2)', async () => {
    core.lab.sim.knobs.makeUnresolvable('hyper1', 'ovirt.abc.local');
    const refused = expectError(
      await storage('attach spare --type data --path ovirt.abc.local:/export/spare'),
    );
    expect(refused.details.join('\n')).toMatch(/hyper1 resolves ovirt\.abc\.local .*: no/);
    expect(refused.details.join('\n')).toContain('--path 192.168.122.10:/export/spare');
    expect(refused.actions.map((a) => a.text)).toEqual(['prepare hyper1']);
    await approve(await storage('attach spare --type data --path 192.168.122.10:/export/spare'));
  });

  it('refuses an export that is not one of the lab, and a name that exists', async () => {
    expect(expectError(await storage('attach x --type data --path ovirt.abc.local:/srv/else')).code).toBe(
      'NOT_FOUND',
    );
    expect(
      expectError(await storage('attach nfs-data --type data --path ovirt.abc.local:/export/spare')).message,
    ).toContain('already has a storage domain named nfs-data');
  });
});

describe('the storage server runbooks on the simulated machines', () => {
  it('gives an export back to vdsm and re-activates its domain (FAQ 3)', async () => {
    core.lab.sim.knobs.breakOwnership('/export/iso');
    const [dc] = await core.lab.client.listDataCenters();
    const iso = await core.lab.client.findStorageDomain('nfs-iso');
    await core.lab.client.waitForStorageDomainStatus(dc!.id, iso.id, ['inactive']);
    const { card, steps } = await approve(await storage('fix-permissions iso'));
    expect(card.plan.impact).toContain('nfs-iso: inactive → active');
    expect(steps.map((s) => s.status)).toEqual(['ok', 'changed', 'changed']);
    expect(steps.at(-1)?.endState).toBe('nfs-iso is active');
  });

  it('refuses to fix ownership of an export that is not mounted (FAQ 0)', async () => {
    core.lab.sim.knobs.unmountExport('/export/spare');
    const refused = expectError(await storage('fix-permissions spare'));
    expect(refused.message).toContain('not mounted');
  });

  it('prepares the storage server: only what is missing changes, and a second run is all ok', async () => {
    core.lab.sim.knobs.stopService('storage', 'nfs-server');
    const first = await approve(await storage('prepare'));
    expect(first.steps.filter((s) => s.status === 'changed').map((s) => s.title)).toEqual([
      'nfs-server enabled and running',
    ]);
    expect(first.card.plan.steps[0]?.shows?.[0]).toMatch(/^storage# /);
    const second = await approve(await storage('prepare'));
    expect(second.steps.every((s) => s.status === 'ok')).toBe(true);
  });

  it('refuses to clean an export the engine still has a domain on', async () => {
    const refused = expectError(await storage('clean data'));
    expect(refused.message).toContain('still lists a storage domain on /export/data');
  });
});
