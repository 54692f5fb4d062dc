import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { doctor } from '../../commands/lab/doctor.js';
import type { CommandContext } from '../../src/command.js';
import { labInfoFromSimulator } from '../../src/lab-info.js';
import { createUnreachableMachines } from '../../src/runbooks/types.js';
import { plainStyle, renderView } from '../../src/shell/render.js';
import { localizeView, type View, type ViewAction } from '../../src/view.js';
import { type CoreHarness, EXPORTS_WITH_SPARE, shellCaller, startCore } from '../support/core.js';
import { expectCard } from '../support/dispatch.js';

let core: CoreHarness;
beforeEach(async () => {
  // A third export with no domain on it: where FAQ 1's stale files are a problem.
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

async function runDoctor(): Promise<View<string>> {
  const result = await core.labops.dispatch({
    command: '/lab',
    text: 'doctor',
    caller: shellCaller('operator'),
  });
  if (result.kind !== 'view') {
    throw new Error(
      `expected a view, got ${result.kind}: ${result.kind === 'error' ? result.error.message : ''}`,
    );
  }
  return localizeView(result.view, 'en');
}

/** The finding sections (the notes section is not a finding). */
function findingsOf(view: View<string>) {
  return view.sections.filter((s) => /^\d+\. /.test(s.heading ?? ''));
}

/** Runs a fix as the operator and approves it as the policy wants: the requester for a change, alice beyond. */
async function runFix(action: ViewAction) {
  const c = expectCard(
    await core.labops.dispatch({
      command: action.command,
      text: action.text,
      caller: shellCaller('operator'),
    }),
  );
  const approvers = { change: ['operator'], destructive: ['alice'], critical: ['alice', 'bob'] }[
    c.approval.risk as 'change' | 'destructive' | 'critical'
  ];
  for (const name of approvers) {
    const click = await core.labops.click(c.approval.id, shellCaller(name), 'approve');
    expect(click.outcome, click.message).not.toBe('refused');
  }
  const job = await core.labops.executor.whenFinished(c.job.id);
  expect(job?.status, job?.error).toBe('succeeded');
}

function expectAllClear(view: View<string>) {
  expect(findingsOf(view).map((s) => s.heading)).toEqual([]);
  expect(view.state).toEqual({ text: 'all clear', tone: 'ok' });
  expect(view.actions).toBeUndefined();
}

async function putIntoMaintenance(host: string) {
  const { client } = core.lab;
  const h = await client.findHost(host);
  await client.deactivateHost(h.id);
  await client.waitForHostStatus(h.id, ['maintenance']);
}

describe('/lab doctor', () => {
  it('finds a fresh lab all clear and says what it checked', async () => {
    const view = await runDoctor();
    expectAllClear(view);
    expect(view.title).toBe('Lab doctor — SIMULATED LAB');
    expect(view.footer).toContain('stale files (FAQ 1)');
    expect(view.footer).toContain('36:36 and setgid (FAQ 3)');
    expect(view.footer).toContain('mounted with 1 GiB free (FAQ 0)');
    expect(view.footer).toContain('ovirt.abc.local resolves (FAQ 2)');
    expect(view.footer).toContain("the engine's key");
    expect(view.footer).toContain('authorized.keys and sh-rsa');
    expect(view.footer).toContain('FAQ 4 shows up only when removing a domain');
  });

  // Each of the guide's problems: the knob, the one finding with its evidence, the offered fix.
  it.each<{
    problem: string;
    turn: () => Promise<void> | void;
    title: RegExp;
    evidence: RegExp[];
    action: Omit<ViewAction, 'label'>;
  }>([
    {
      problem: 'stale files in an export (FAQ 1)',
      turn: () => core.lab.sim.knobs.leaveStaleFiles('/export/spare'),
      title: /\/export\/spare holds files of an earlier domain \(FAQ 1\)/,
      evidence: [/holds 2 entries/, /\.__DIRECT_IO_TEST__/, /no storage domain of the engine/],
      action: { command: '/storage', text: 'clean spare' },
    },
    {
      problem: 'broken ownership, the domain gone inactive (FAQ 3)',
      turn: () => core.lab.sim.knobs.breakOwnership('/export/data'),
      title: /\/export\/data is not owned by vdsm \(FAQ 3\)/,
      evidence: [/not 36:36: \/export\/data/, /engine: nfs-data is inactive/, /re-activates nfs-data/],
      action: { command: '/storage', text: 'fix-permissions data' },
    },
    {
      problem: 'a name a hypervisor cannot resolve (FAQ 2)',
      turn: () => core.lab.sim.knobs.makeUnresolvable('hyper1', 'ovirt.abc.local'),
      title: /hyper1 cannot resolve ovirt\.abc\.local \(FAQ 2\)/,
      evidence: [/getent hosts: ovirt\.abc\.local does not resolve/, /192\.168\.122\.10:\/export\/data/],
      action: { command: '/host', text: 'prepare hyper1' },
    },
    {
      problem: "the guide's typo authorized.keys",
      turn: () => core.lab.sim.knobs.typoAuthorizedKeys('hyper2'),
      title: /hyper2: the engine's key went to authorized\.keys/,
      evidence: [/\/root\/\.ssh\/authorized\.keys exists/, /does not hold the key/],
      action: { command: '/host', text: 'prepare hyper2' },
    },
    {
      problem: "the guide's typo sh-rsa",
      turn: () => core.lab.sim.knobs.typoShRsa('hyper1'),
      title: /hyper1: a key line starts sh-rsa/,
      evidence: [/^sh-rsa AAAA/, /instead of ssh-rsa/],
      action: { command: '/host', text: 'prepare hyper1' },
    },
    {
      problem: 'the NFS service stopped',
      turn: () => core.lab.sim.knobs.stopService('storage', 'nfs-server'),
      title: /The NFS service is not running on storage/,
      evidence: [/nfs-server: enabled, inactive/],
      action: { command: '/storage', text: 'prepare' },
    },
    {
      problem: 'the firewall closed',
      turn: () => core.lab.sim.knobs.closeFirewall('storage', 'mountd'),
      title: /firewalld on storage blocks NFS/,
      evidence: [/mountd: permanent no, runtime no/],
      action: { command: '/storage', text: 'prepare' },
    },
    {
      problem: 'an export not exported',
      turn: () => core.lab.sim.knobs.unexport('/export/iso'),
      title: /\/export\/iso is not exported/,
      evidence: [/not in the active export table/],
      action: { command: '/storage', text: 'prepare' },
    },
    {
      problem: 'a host in maintenance',
      turn: () => putIntoMaintenance('hyper2'),
      title: /hyper2 is maintenance/,
      evidence: [/engine: hyper2: maintenance/],
      action: { command: '/host', text: 'activate hyper2' },
    },
  ])(
    'reports $problem with its evidence, and its fix clears it',
    async ({ turn, title, evidence, action }) => {
      await turn();
      const view = await runDoctor();
      const findings = findingsOf(view);
      expect(findings.map((s) => s.heading)).toEqual([expect.stringMatching(title)]);
      expect(view.state).toEqual({ text: '1 problem', tone: 'bad' });
      const lines = findings[0]?.lines ?? [];
      for (const pattern of evidence)
        expect(
          lines.some((l) => pattern.test(l)),
          `${pattern} in ${lines.join('\n')}`,
        ).toBe(true);
      const evidenceLines = lines.slice(
        0,
        lines.findIndex((l) => l.startsWith('Fix: ')),
      );
      expect(evidenceLines.filter((l) => l.length > 60)).toEqual([]);
      expect(view.actions).toEqual([expect.objectContaining(action)]);

      await runFix(view.actions![0]!);
      expectAllClear(await runDoctor());
    },
  );

  /** web1 pinned to hyper1, then hyper1 asked into maintenance: it stays preparing (engine event 17). */
  async function strandPinnedVm() {
    core.lab.sim.knobs.pinVm('web1');
    const { client } = core.lab;
    const hyper1 = await client.findHost('hyper1');
    const since = await client.getLastEventIndex();
    await client.deactivateHost(hyper1.id);
    await expect(
      client.waitForHostStatus(hyper1.id, ['maintenance'], { sinceEventIndex: since }),
    ).rejects.toThrow(/hyper1 to reach maintenance/);
    return hyper1;
  }

  it('reports a pinned VM keeping its host in preparing_for_maintenance, naming the VM', async () => {
    const hyper1 = await strandPinnedVm();
    const view = await runDoctor();
    const findings = findingsOf(view);
    expect(findings.map((s) => s.heading)).toEqual(['1. hyper1 is stuck going into maintenance']);
    expect(findings[0]?.lines).toEqual([
      'engine: hyper1: preparing_for_maintenance',
      'web1 is pinned: it cannot migrate',
      'Fix: /host activate hyper1 cancels the maintenance; the VMs stay.',
      'Or stop or unpin web1, and it finishes.',
    ]);
    expect(view.actions).toEqual([{ label: 'Activate hyper1', command: '/host', text: 'activate hyper1' }]);

    // What the fix does in the engine: activating cancels the stuck maintenance.
    await core.lab.client.activateHost(hyper1.id);
    await core.lab.client.waitForHostStatus(hyper1.id, ['up']);
    expectAllClear(await runDoctor());
  });

  // The engine cancels a stuck maintenance on activate (ovirt-api.md §3.4); the offered fix does that.
  it('clears the stuck maintenance through the offered /host activate', async () => {
    await strandPinnedVm();
    const view = await runDoctor();
    await runFix(view.actions![0]!);
    expectAllClear(await runDoctor());
  });

  it('shows the disk instructions for an export that is not mounted (FAQ 0) until it is mounted again', async () => {
    const storage = core.lab.sim.machines.get('storage')!;
    const mount = storage.mounts.get('/export/data')!;
    core.lab.sim.knobs.unmountExport('/export/data');

    for (let round = 0; round < 2; round++) {
      const view = await runDoctor();
      const findings = findingsOf(view);
      expect(findings.map((s) => s.heading)).toEqual([
        '1. /export/data lacks a mounted disk with space (FAQ 0)',
      ]);
      const lines = findings[0]!.lines;
      expect(lines).toContain('/export/data is not a mounted filesystem (it lies on /)');
      expect(lines).toContain('  qemu-img create -f raw data.img 50G');
      expect(lines).toContain('  qemu-img convert -O qcow2 data.img data.qcow2');
      expect(lines.some((l) => l.includes('virsh attach-disk'))).toBe(true);
      expect(lines.filter((l) => !l.startsWith('Fix: ') && l.length > 60)).toEqual([]);
      expect(view.actions, 'no command can add a disk').toBeUndefined();
    }

    storage.mounts.set('/export/data', mount);
    expectAllClear(await runDoctor());
  });

  it('does not call an export stale while a domain of the engine lives on it', async () => {
    core.lab.sim.knobs.leaveStaleFiles('/export/data');
    const view = await runDoctor();
    expect(findingsOf(view).map((s) => s.heading)).not.toContainEqual(expect.stringContaining('FAQ 1'));
    expect(view.actions ?? []).not.toContainEqual(expect.objectContaining({ text: 'clean data' }));
  });

  it('notes leftovers of a typo that no longer matter once the right key is in place', async () => {
    const hyper2 = core.lab.sim.machines.get('hyper2')!;
    const keys = hyper2.files.get('/root/.ssh/authorized_keys')!;
    core.lab.sim.knobs.typoAuthorizedKeys('hyper2');
    hyper2.files.set('/root/.ssh/authorized_keys', keys);
    const view = await runDoctor();
    expectAllClear(view);
    expect(view.sections.find((s) => s.heading === 'Notes')?.lines.join('\n')).toMatch(
      /hyper2: .*authorized\.keys.*harmless/,
    );
  });

  it('reports several problems at once, one button per distinct fix', async () => {
    core.lab.sim.knobs.stopService('storage', 'nfs-server');
    core.lab.sim.knobs.closeFirewall('storage', 'nfs');
    core.lab.sim.knobs.typoShRsa('hyper2');
    const view = await runDoctor();
    expect(view.state?.text).toBe('3 problems');
    expect(view.actions?.map((a) => `${a.command} ${a.text}`)).toEqual([
      '/storage prepare',
      '/host prepare hyper2',
    ]);
  });

  it('makes checks that could not run findings, and skips hosts entries when addresses are unknown', async () => {
    const lab = labInfoFromSimulator(core.lab.sim);
    const ctx: CommandContext = {
      caller: shellCaller('operator'),
      lab: { ...lab, addresses: {} },
      engine: core.lab.client,
      downloads: undefined as unknown as CommandContext['downloads'],
      machines: createUnreachableMachines('no route to the lab network'),
      jobs: core.labops.jobs,
      clock: () => core.clock.now,
    };
    const view = localizeView(await doctor.run(ctx, {}), 'en');
    const findings = findingsOf(view);
    expect(findings.map((s) => s.heading)).toEqual(['1. Could not check storage, hyper1, hyper2']);
    expect(findings[0]?.lines.join(' ')).toContain("The lab's machines are not reachable: no route");
    expect(view.state).toEqual({ text: '1 problem', tone: 'bad' });
    expect(view.sections.find((s) => s.heading === 'Notes')?.lines.join(' ')).toMatch(
      /Hosts entries were not checked: The IP address of storage/,
    );
    expect(view.footer).not.toContain('hosts entries');
  });

  it('renders each fix in the shell as the line to type', async () => {
    core.lab.sim.knobs.leaveStaleFiles('/export/spare');
    const text = renderView(await runDoctor(), plainStyle);
    expect(text).toContain('1 problem');
    expect(text).toContain('  → Clean spare: /storage clean spare');
  });
});
