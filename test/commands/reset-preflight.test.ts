import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SimRequestRecord } from '../../src/sim/types.js';
import { localizeView } from '../../src/view.js';
import { type CoreHarness, EXPORTS_WITH_SPARE, shellCaller, startCore } from '../support/core.js';
import { expectCard, expectError, expectView, viewText } from '../support/dispatch.js';

/**
 * issue 9 §6: `/lab reset` runs its read-only pre-flight before its first destructive step — at
 * plan time and again as the job's first step. The storage server is made unreachable over SSH by
 * stopping its sshd (the simulated driver then refuses the connection, as the SSH runner would).
 */

let core: CoreHarness;
beforeEach(async () => {
  core = await startCore({
    sim: {
      seed: {
        exports: EXPORTS_WITH_SPARE,
        vms: [
          { name: 'web1', host: 'hyper1' },
          { name: 'scratch1', host: 'hyper2', diskGiB: 8 },
        ],
      },
    },
    // scratch1 is extra: a reset would stop and remove it.
    lab: {
      baseline: {
        storageDomains: [
          { name: 'nfs-data', type: 'data', exportPath: '/export/data' },
          { name: 'nfs-iso', type: 'iso', exportPath: '/export/iso' },
        ],
        hosts: ['hyper1', 'hyper2'],
        vms: ['web1'],
      },
    },
  });
});
afterEach(async () => {
  await core?.close();
});

const operator = shellCaller('operator');
const lab = (text: string) => core.labops.dispatch({ command: '/lab', text, caller: operator });

function cutStorageSsh(): void {
  core.lab.sim.knobs.stopService('storage', 'sshd');
}

function restoreStorageSsh(): void {
  const sshd = core.lab.sim.machines.get('storage')?.services.get('sshd');
  if (!sshd) throw new Error('the simulated storage server has no sshd');
  sshd.active = true;
}

/** The VMs as the engine lists them: name and status, sorted. */
async function listVmStates(): Promise<string[]> {
  return (await core.lab.client.listVms()).map((vm) => `${vm.name}:${vm.status}`).sort();
}

/** The engine requests that change something (every method but GET), since `from`. */
function listWritesSince(from: number): SimRequestRecord[] {
  return core.lab.sim.requests
    .slice(from)
    .filter((r) => r.method !== 'GET' && r.url.startsWith('/ovirt-engine/api'));
}

describe('/lab reset with the storage server unreachable over SSH', () => {
  it('refuses the plan before any VM is touched: no card, no lock, no engine write', async () => {
    const before = await listVmStates();
    expect(before).toEqual(['scratch1:up', 'web1:up']);
    cutStorageSsh();
    const mark = core.lab.sim.requests.length;

    const error = expectError(await lab('reset'));

    expect(error.code).toBe('SSH_FAILED');
    expect(error.message).toContain('The reset is refused before any change');
    expect(error.message).toContain('storage cannot be reached over SSH');
    expect(error.message).toContain('ECONNREFUSED');
    expect(error.hint).toContain('Make storage reachable over SSH');
    expect(await core.store.listJobs()).toEqual([]);
    expect(await core.store.listApprovals()).toEqual([]);
    expect(await core.store.listLocks()).toEqual([]);
    expect(core.lab.sim.requests.length).toBeGreaterThan(mark);
    expect(listWritesSince(mark)).toEqual([]);
    expect(await listVmStates()).toEqual(before);
  });

  it('--dry-run lists the SSH steps as "not checked" with the reason, and claims nothing', async () => {
    // nfs-iso gone without format: its export would be cleaned first, which needs a listing over SSH.
    const { client } = core.lab;
    const [dc] = await client.listDataCenters();
    const iso = await client.findStorageDomain('nfs-iso');
    await client.deactivateStorageDomain(dc!.id, iso.id);
    await client.waitForStorageDomainStatus(dc!.id, iso.id, ['maintenance']);
    await client.detachStorageDomain(dc!.id, iso.id);
    await client.waitForStorageDomainStatus(dc!.id, iso.id, ['unattached']);
    await client.removeStorageDomain(iso.id, { hostName: 'hyper1' });
    cutStorageSsh();
    const mark = core.lab.sim.requests.length;

    const result = await lab('reset --dry-run');
    const view = result.kind === 'view' ? localizeView(result.view, 'en') : undefined;
    const steps = view?.sections.find((s) => s.heading === 'Steps')?.lines ?? [];
    const notChecked = 'not checked: storage cannot be reached over SSH (Cannot reach storage';

    const onStorage = steps.filter((l) => /\/export\//.test(l));
    expect(onStorage.length).toBeGreaterThanOrEqual(7);
    for (const line of onStorage) expect(line, line).toContain(notChecked);
    expect(
      onStorage.some((l) => l.includes('Remove the leftovers of an earlier domain from /export/iso')),
    ).toBe(true);
    // Engine steps were planned from the engine's answers: they are not marked.
    const engineSteps = steps.filter((l) => /Make sure|Remove scratch1/.test(l));
    expect(engineSteps.length).toBe(5);
    for (const line of engineSteps) expect(line).not.toContain('not checked');
    expect(steps[0]).toMatch(
      /^1\. Check before any change: .* — fails now: storage cannot be reached over SSH/,
    );

    const text = viewText(result);
    expect(text).not.toContain('already matches');
    expect(text).not.toContain('every step will report ok');
    const impact = view?.sections.find((s) => s.heading === 'Impact')?.lines ?? [];
    expect(impact).toContain('scratch1: removed with its disks scratch1_Disk1');
    expect(impact.some((l) => l.startsWith('Not checked: storage cannot be reached over SSH'))).toBe(true);
    expect(view?.sections.find((s) => s.heading === 'Blocks')?.lines).toEqual([
      expect.stringMatching(/^storage cannot be reached over SSH: Cannot reach storage .*ECONNREFUSED/),
    ]);
    expect(await core.store.listJobs()).toEqual([]);
    expect(listWritesSince(mark)).toEqual([]);

    // In Korean: the marks on the steps and the impact's lines, the reason as the SSH layer gave it.
    const ko = result.kind === 'view' ? localizeView(result.view, 'ko') : undefined;
    const koLines = ko?.sections.flatMap((s) => s.lines) ?? [];
    const koMark =
      '점검 못 함: SSH로 storage에 접속할 수 없음(storage (ovirt.abc.local:22)에 연결할 수 없습니다';
    expect(koLines.filter((l) => /\/export\//.test(l) && l.includes(koMark)).length).toBeGreaterThanOrEqual(
      7,
    );
    expect(
      koLines.some((l) => l.includes(`/export/iso에서 이전 도메인의 남은 파일 제거(있으면) — ${koMark}`)),
    ).toBe(true);
    expect(koLines).toContain('scratch1: 제거(디스크 scratch1_Disk1 포함)');
    expect(koLines).toContain('점검 못 함: /export/iso: 이전 도메인의 남은 파일 목록을 읽지 못함.');
    expect(
      koLines.some((l) =>
        /^점검 못 함: SSH로 storage에 접속할 수 없습니다\(.*\)\. 아래 해당 단계에 그렇게 표시했습니다\.$/.test(
          l,
        ),
      ),
    ).toBe(true);
  });

  it('fails the job at its pre-flight step, with nothing changed, when storage goes away after approval', async () => {
    const before = await listVmStates();
    const card = expectCard(await lab('reset'));
    expect(card.plan.steps[0]?.kind).toBe('lab.preflight');
    const mark = core.lab.sim.requests.length;
    // The machine goes away after the last approval's re-check, as the job starts.
    const unsubscribe = core.labops.bus.subscribe((event) => {
      if (event.type === 'job:started' && event.job.id === card.job.id) cutStorageSsh();
    });
    await core.labops.click(card.approval.id, shellCaller('alice'), 'approve');
    const last = await core.labops.click(card.approval.id, shellCaller('bob'), 'approve');
    expect(last.outcome, last.message).toBe('approved');
    const job = await core.labops.executor.whenFinished(card.job.id);
    unsubscribe();

    expect(job?.status).toBe('failed');
    expect(job?.error).toMatch(
      /^Step 1 \(Check before any change: .*\) failed: The pre-flight failed, before any change/,
    );
    expect(job?.error).toContain('storage cannot be reached over SSH');
    const steps = await core.store.listSteps(card.job.id);
    expect(steps[0]?.status).toBe('failed');
    expect(steps[0]?.detail).toContain('ECONNREFUSED');
    expect(steps[0]?.tail).toContain('not checked: storage: /export/data is a mounted filesystem');
    expect(steps.slice(1).map((s) => s.status)).toEqual(steps.slice(1).map(() => 'skipped'));
    expect(
      core.lab.sim.requests.filter((r) => r.correlationId === card.job.id && r.method !== 'GET'),
    ).toEqual([]);
    expect(listWritesSince(mark)).toEqual([]);
    expect(await listVmStates()).toEqual(before);
    expect(await core.store.listLocks()).toEqual([]);
  });

  it('refuses the last approval while storage is unreachable; the card waits and runs once it is back', async () => {
    const card = expectCard(await lab('reset'));
    await core.labops.click(card.approval.id, shellCaller('alice'), 'approve');
    cutStorageSsh();
    await expect(core.labops.click(card.approval.id, shellCaller('bob'), 'approve')).rejects.toThrow(
      /Could not check the plan again before approving: The reset is refused before any change: storage cannot be reached over SSH/,
    );
    expect((await core.store.getJob(card.job.id))?.status).toBe('awaiting_approval');
    expect(await listVmStates()).toEqual(['scratch1:up', 'web1:up']);

    restoreStorageSsh();
    const last = await core.labops.click(card.approval.id, shellCaller('bob'), 'approve');
    expect(last.outcome, last.message).toBe('approved');
    const job = await core.labops.executor.whenFinished(card.job.id);
    expect(job?.status, job?.error).toBe('succeeded');
    const steps = await core.store.listSteps(card.job.id);
    expect(steps[0]?.status).toBe('ok');
    expect(steps[0]?.detail).toBe('5 read-only checks passed');
    expect(await listVmStates()).toEqual(['web1:up']);
  });
});

describe('/lab reset pre-flight of the exports', () => {
  it.each([
    {
      problem: 'an export not mounted',
      turn: () => core.lab.sim.knobs.unmountExport('/export/spare'),
      reason:
        /storage: \/export\/spare is not a mounted filesystem .*\(wanted: \/export\/spare is a mounted filesystem\)/,
    },
    {
      problem: "a baseline domain's export not exported",
      turn: () => core.lab.sim.knobs.unexport('/export/iso'),
      reason:
        /storage: \/export\/iso is not in the active export table \(wanted: \/export\/iso is exported\)/,
    },
  ])('refuses the reset on $problem, before any change', async ({ turn, reason }) => {
    const before = await listVmStates();
    turn();
    const mark = core.lab.sim.requests.length;
    const error = expectError(await lab('reset'));
    expect(error.code).toBe('CONFLICT');
    expect(error.message).toMatch(reason);
    expect(error.hint).toContain('/lab doctor');
    expect(await core.store.listJobs()).toEqual([]);
    expect(listWritesSince(mark)).toEqual([]);
    expect(await listVmStates()).toEqual(before);

    const preview = await lab('reset --dry-run');
    const view = preview.kind === 'view' ? localizeView(preview.view, 'en') : undefined;
    expect(view?.sections.find((s) => s.heading === 'Blocks')?.lines).toEqual([
      expect.stringMatching(reason),
    ]);
    expect(viewText(preview)).not.toContain('not checked');
  });
});

describe('/lab reset --dry-run on a lab at its baseline', () => {
  it('says every step will report ok only when the machines were checked too', async () => {
    // Only the extra VM differs: with it stopped-and-kept there is nothing to change.
    await core.lab.client.stopVm((await core.lab.client.findVm('scratch1')).id);
    const atBaseline = await lab('reset --dry-run --keep-vms');
    expect(viewText(atBaseline)).toContain(
      'The lab already matches its baseline; every step will report ok.',
    );

    core.lab.sim.knobs.breakOwnership('/export/spare');
    const broken = await lab('reset --dry-run --keep-vms');
    const impact = expectView(broken).sections.find((s) => s.heading === 'Impact')?.lines ?? [];
    expect(impact).toEqual([
      expect.stringMatching(/^\/export\/spare: owner set to 36:36, directories setgid \(/),
    ]);
  });
});
