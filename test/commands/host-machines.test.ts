import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { DispatchResult } from '../../src/labops.js';
import { approveAndRun, type CoreHarness, shellCaller, startCore } from '../support/core.js';
import { expectCard, expectError } from '../support/dispatch.js';

let core: CoreHarness;
beforeEach(async () => {
  core = await startCore();
});
afterEach(async () => {
  await core?.close();
});

const operator = shellCaller('operator');
const host = (text: string) => core.labops.dispatch({ command: '/host', text, caller: operator });

const approve = (result: DispatchResult) => approveAndRun(core, result);

describe('/host trust', () => {
  it('shows the fingerprint for approval, pins it, and then has nothing to do', async () => {
    const { card, steps } = await approve(await host('trust hyper1'));
    const fingerprint = card.plan.impact[0]?.replace('presented: ', '') ?? '';
    expect(fingerprint).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/);
    expect(card.plan.impact[1]).toBe('pinned now: nothing');
    expect(steps[0]?.endState).toBe(`hyper1's key ${fingerprint} is pinned`);
    expect(expectError(await host('trust hyper1')).message).toContain('already trusted');
    expect(expectError(await host('trust hyper9')).code).toBe('NOT_FOUND');
  });
});

describe('/host prepare', () => {
  it("installs the engine's key where the guide's typo put it elsewhere, so the host can be added", async () => {
    core.lab.sim.knobs.typoAuthorizedKeys('hyper2');
    const { steps } = await approve(await host('prepare hyper2'));
    expect(steps.find((s) => s.title.startsWith("The engine's SSH key"))?.status).toBe('changed');
    const again = await approve(await host('prepare hyper2'));
    expect(again.steps.every((s) => s.status === 'ok')).toBe(true);
  });

  it('restores the hosts entries a hypervisor lost (FAQ 2)', async () => {
    core.lab.sim.knobs.makeUnresolvable('hyper1', 'ovirt.abc.local');
    expect(core.lab.sim.machines.get('hyper1')?.resolve('ovirt.abc.local')).toBeUndefined();
    await approve(await host('prepare hyper1'));
    expect(core.lab.sim.machines.get('hyper1')?.resolve('ovirt.abc.local')).toBe('192.168.122.10');
  });

  it('makes --insecure destructive, says why, and weakens the host only once approved', async () => {
    const card = expectCard(await host('prepare hyper1 --insecure'));
    expect(card.approval.risk).toBe('destructive');
    expect(card.plan.warnings.join(' ')).toContain('This weakens the host');
    const machine = core.lab.sim.machines.get('hyper1')!;
    expect(machine.firewall.running).toBe(true);
    await approve(card.result);
    expect(machine.firewall.running).toBe(false);
    expect(machine.selinux).toBe('permissive');
  });
});
