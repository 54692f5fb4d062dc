import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { doctor } from '../../commands/lab/doctor.js';
import type { CommandContext } from '../../src/command.js';
import { verbatim } from '../../src/i18n/text.js';
import { labInfoFromSimulator } from '../../src/lab-info.js';
import { createUnreachableMachines } from '../../src/runbooks/types.js';
import { plainStyle, renderView } from '../../src/shell/render.js';
import { localizeView, type View, type ViewAction } from '../../src/view.js';
import { type CoreHarness, EXPORTS_WITH_SPARE, shellCaller, startCore } from '../support/core.js';
import { expectCard } from '../support/dispatch.js';
import { findLeaks } from '../support/i18n-leaks.js';

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

/** The doctor's view as the command answers it, before an adapter renders it. */
async function runDoctorView(): Promise<View> {
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
  return result.view;
}

async function runDoctor(): Promise<View<string>> {
  return localizeView(await runDoctorView(), 'en');
}

/** Every text of a view that is not the machines' own output: what the catalog must cover. */
function leaksOf(view: View): string[] {
  const texts = [
    view.title,
    ...(view.state ? [view.state.text] : []),
    ...view.sections.flatMap((s) => [...(s.heading === undefined ? [] : [s.heading]), ...s.lines]),
    ...(view.actions ?? []).map((a) => a.label),
    ...(view.footer === undefined ? [] : [view.footer]),
  ];
  return texts.flatMap(findLeaks);
}

/** The finding sections (the notes section is not a finding). */
function findingsOf(view: View<string>) {
  return view.sections.filter((s) => /^\d+\. /.test(s.heading ?? ''));
}

/** Runs a fix as the operator and approves it as the policy wants: the requester for a change, alice beyond. */
async function runFix(action: ViewAction<string>) {
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
    /** The lab guide's entry the finding names, with its English title. */
    guide?: string;
    action: Omit<ViewAction, 'label'>;
  }>([
    {
      problem: 'stale files in an export (FAQ 1)',
      turn: () => core.lab.sim.knobs.leaveStaleFiles('/export/spare'),
      title: /^1\. \/export\/spare holds files of an earlier domain$/,
      evidence: [/holds 2 entries/, /\.__DIRECT_IO_TEST__/, /no storage domain of the engine/],
      guide: 'FAQ 1 (adding storage fails: files left by a domain removed earlier)',
      action: { command: '/storage', text: 'clean spare' },
    },
    {
      problem: 'broken ownership, the domain gone inactive (FAQ 3)',
      turn: () => core.lab.sim.knobs.breakOwnership('/export/data'),
      title: /^1\. \/export\/data is not owned by vdsm$/,
      evidence: [/not 36:36: \/export\/data/, /engine: nfs-data is inactive/, /re-activates nfs-data/],
      guide: 'FAQ 3 (after a reboot, storage is inactive and does not connect)',
      action: { command: '/storage', text: 'fix-permissions data' },
    },
    {
      problem: 'a name a hypervisor cannot resolve (FAQ 2)',
      turn: () => core.lab.sim.knobs.makeUnresolvable('hyper1', 'ovirt.abc.local'),
      title: /^1\. hyper1 cannot resolve ovirt\.abc\.local$/,
      evidence: [/getent hosts: ovirt\.abc\.local does not resolve/, /192\.168\.122\.10:\/export\/data/],
      guide: 'FAQ 2 (adding storage fails: the name ovirt.abc.local is not recognized)',
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
    async ({ turn, title, evidence, guide, action }) => {
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
      // The guide's entry, last: named with its title, or not at all for a problem the guide lacks.
      expect(lines.filter((l) => l.startsWith('Lab guide: '))).toEqual(guide ? [`Lab guide: ${guide}`] : []);
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
      expect(findings.map((s) => s.heading)).toEqual(['1. /export/data lacks a mounted disk with space']);
      expect(findings[0]!.lines.at(-1)).toBe(
        'Lab guide: FAQ 0 (adding a filesystem fails for lack of space)',
      );
      const lines = findings[0]!.lines;
      expect(lines).toContain('/export/data is not a mounted filesystem (it lies on /)');
      expect(lines).toContain('  qemu-img create -f raw data.img 50G');
      expect(lines).toContain('  qemu-img convert -O qcow2 data.img data.qcow2');
      expect(lines.some((l) => l.includes('virsh attach-disk'))).toBe(true);
      expect(lines.filter((l) => !/^(Fix|Lab guide): /.test(l) && l.length > 60)).toEqual([]);
      expect(view.actions, 'no command can add a disk').toBeUndefined();
    }

    storage.mounts.set('/export/data', mount);
    expectAllClear(await runDoctor());
  });

  it('does not call an export stale while a domain of the engine lives on it', async () => {
    core.lab.sim.knobs.leaveStaleFiles('/export/data');
    const view = await runDoctor();
    expect(findingsOf(view).flatMap((s) => s.lines)).not.toContainEqual(expect.stringContaining('FAQ 1'));
    expect(findingsOf(view).map((s) => s.heading)).not.toContainEqual(
      expect.stringContaining('earlier domain'),
    );
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
      machines: createUnreachableMachines(verbatim('no route to the lab network')),
      jobs: core.labops.jobs,
      labs: { list: async () => [], readEach: async () => [] },
      clock: () => core.clock.now,
    };
    const view = localizeView(await doctor.run(ctx, {}), 'en');
    const findings = findingsOf(view);
    expect(findings.map((s) => s.heading)).toEqual(['1. Could not check storage, hyper1, and hyper2']);
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

  describe('in Korean', () => {
    it('names each problem with the guide’s own FAQ title, its fix and its button in Korean', async () => {
      core.lab.sim.knobs.leaveStaleFiles('/export/spare');
      core.lab.sim.knobs.makeUnresolvable('hyper1', 'ovirt.abc.local');
      const view = await runDoctorView();
      const ko = localizeView(view, 'ko');
      expect(ko.title).toBe('실습 환경 점검 — 시뮬레이션');
      expect(ko.state).toEqual({ text: '문제 2개', tone: 'bad' });
      const findings = findingsOf(ko);
      expect(findings.map((s) => s.heading)).toEqual([
        '1. /export/spare에 이전 도메인의 파일이 남아 있음',
        '2. hyper1: ovirt.abc.local 이름 확인 실패',
      ]);
      const [stale, resolve] = findings.map((s) => s.lines);
      expect(stale?.[0]).toBe('/export/spare의 항목 2개:');
      expect(stale).toContain('엔진의 스토리지 도메인 중 여기에 저장된 것 없음');
      expect(stale).toContain(
        '해결: /storage clean spare 명령이 모든 항목을 지웁니다(파괴적: 승인자가 결정합니다).',
      );
      // The guide's own Korean title, exactly as lab-guide.md gives it.
      expect(stale?.at(-1)).toBe(
        '실습 가이드: FAQ 1 (storage 추가 작업시, 이전에 삭제했던 storage 파일이 남아있어서 진행이 안될 경우)',
      );
      expect(resolve).toContain(
        '해결: /host prepare hyper1 명령이 /etc/hosts 파일에 실습 환경의 항목을 씁니다.',
      );
      expect(resolve).toContain('또는 경로에 이름 대신 주소를 쓰십시오: 192.168.122.10:/export/data');
      expect(resolve?.at(-1)).toBe(
        '실습 가이드: FAQ 2 (storage 추가 작업시, ovirt.abc.local 의 도메인을 인식하지 못하는 경우)',
      );
      expect(ko.actions).toEqual([
        { label: 'spare 비우기', command: '/storage', text: 'clean spare' },
        { label: 'hyper1 준비', command: '/host', text: 'prepare hyper1' },
      ]);
      expect(ko.footer).toMatch(/^점검 항목\(머신에서 \d+개, 그리고 엔진\): storage — /);
      expect(ko.footer).toContain('남은 파일(FAQ 1), 36:36과 setgid(FAQ 3), 여유 공간 1 GiB로 마운트(FAQ 0)');
      expect(ko.footer).toContain(
        'hyper1 및 hyper2 — hosts 항목, ovirt.abc.local 이름 확인(FAQ 2), 엔진 키 및 가이드의 오타',
      );
      expect(leaksOf(view)).toEqual([]);
      // The English names the same entries with a faithful English title.
      expect(findingsOf(localizeView(view, 'en')).map((s) => s.lines.at(-1))).toEqual([
        'Lab guide: FAQ 1 (adding storage fails: files left by a domain removed earlier)',
        'Lab guide: FAQ 2 (adding storage fails: the name ovirt.abc.local is not recognized)',
      ]);
    });

    it('gives FAQ 0 and FAQ 3 their Korean titles, the disk instructions and the permissions fix', async () => {
      core.lab.sim.knobs.unmountExport('/export/iso');
      core.lab.sim.knobs.breakOwnership('/export/data');
      const view = await runDoctorView();
      const ko = localizeView(view, 'ko');
      const findings = findingsOf(ko);
      expect(findings.map((s) => s.heading)).toEqual([
        '1. /export/data의 소유자가 vdsm이 아님',
        '2. /export/iso: 여유 공간이 있는 디스크가 마운트되지 않음',
      ]);
      const [owner, mount] = findings.map((s) => s.lines);
      expect(owner).toContain('엔진: nfs-data 상태 inactive');
      expect(owner).toContain(
        '해결: /storage fix-permissions data: chown -R 36:36, chmod -R g+s 후 다시 활성화: nfs-data.',
      );
      expect(owner?.at(-1)).toBe(
        '실습 가이드: FAQ 3 (부팅 시, storage가 비활성화되어 연결이 되지 않는 경우)',
      );
      expect(mount).toContain('해결: 디스크를 추가하는 명령은 없습니다(FAQ 0). 직접 하십시오:');
      expect(mount).toContain('  qemu-img create -f raw iso.img 50G');
      expect(mount).toContain('그다음 스토리지 서버에서 vdc에 파티션을 하나 만들고,');
      expect(mount).toContain('  mkfs.ext4 /dev/vdc1, 위의 fstab 줄, mount -a.');
      expect(mount?.at(-1)).toBe('실습 가이드: FAQ 0 (파일 시스템 추가시 용량이 부족한 경우)');
      expect(ko.actions?.map((a) => a.label)).toEqual(['data 권한 수정']);
      expect(leaksOf(view)).toEqual([]);
    });

    it('says all clear in Korean', async () => {
      const view = await runDoctorView();
      expect(localizeView(view, 'ko').state).toEqual({ text: '이상 없음', tone: 'ok' });
      expect(leaksOf(view)).toEqual([]);
    });
  });
});
