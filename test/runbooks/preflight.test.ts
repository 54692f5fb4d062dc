import { describe, expect, it } from 'vitest';
import { LabopsError } from '../../src/errors.js';
import { renderText } from '../../src/i18n/render.js';
import { verbatim } from '../../src/i18n/text.js';
import {
  listPreflightProbes,
  type PreflightProbe,
  type PreflightReport,
  runPreflight,
  toPreflightError,
} from '../../src/runbooks/preflight.js';
import type { RunbookLab } from '../../src/runbooks/runbooks.js';
import type { CheckResult, MachineDriver, RunbookCheck } from '../../src/runbooks/types.js';
import { createSimDriver } from '../../src/sim/machine-driver.js';
import { LabNetwork, SimMachineState } from '../../src/sim/machines.js';

const LAB: RunbookLab = {
  hosts: [
    { name: 'hyper1', address: 'hyper1.abc.local' },
    { name: 'hyper2', address: 'hyper2.abc.local' },
  ],
  storage: {
    server: { name: 'storage', address: '192.168.122.10' },
    export_roots: ['/export'],
    exports: [
      { name: 'data', path: '/export/data' },
      { name: 'iso', path: '/export/iso' },
    ],
  },
  paths: {
    hosts_file: '/etc/hosts',
    authorized_keys: '/root/.ssh/authorized_keys',
    exports_file: '/etc/exports',
  },
};

type Answer = (check: RunbookCheck, signal: AbortSignal) => Promise<CheckResult>;

/** A driver whose answers the test decides per machine; it records every inspect as it starts. */
function createFakeDriver(answers: Record<string, Answer>) {
  const started: string[] = [];
  const refuse = async (): Promise<never> => {
    throw new Error('not used by the pre-flight');
  };
  const driver: MachineDriver = {
    inspect: (machine, check, io) => {
      started.push(`${machine} ${check.type}`);
      const answer = answers[machine];
      if (!answer) return Promise.reject(new Error(`no machine ${machine}`));
      return answer(check, io.signal);
    },
    apply: refuse,
    readHostKey: refuse,
    trustHostKey: refuse,
    close: async () => undefined,
  };
  return { driver, started };
}

const ok: Answer = async () => ({ ok: true, evidence: ['fine'] });
const refused: Answer = async () => {
  throw new LabopsError('SSH_FAILED', verbatim('Cannot reach storage (192.168.122.10:22): ECONNREFUSED.'));
};
/** Never answers and ignores its signal: a half-open connection. */
const hangs: Answer = () => new Promise<never>(() => undefined);

describe('listPreflightProbes', () => {
  it('checks the exports on the storage server, and only that a machine without checks answers', () => {
    const probes = listPreflightProbes(LAB, {
      machines: ['storage', 'hyper1'],
      mounted: ['/export/data', '/export/iso'],
      exported: ['/export/data'],
    });
    expect(probes.map((p) => [p.machine, p.check.type, p.reachOnly])).toEqual([
      ['storage', 'mounted', false],
      ['storage', 'mounted', false],
      ['storage', 'export-active', false],
      ['hyper1', 'service-active', true],
    ]);
    expect(probes[0]?.check).toEqual({ type: 'mounted', path: '/export/data', minFreeBytes: 0 });
    expect(renderText('en', probes[0]?.title ?? verbatim(''))).toBe('/export/data is a mounted filesystem');
    expect(renderText('ko', probes[0]?.title ?? verbatim(''))).toBe('/export/data: 마운트된 파일 시스템');
  });
});

describe('runPreflight', () => {
  const probes = listPreflightProbes(LAB, {
    machines: ['storage', 'hyper1'],
    mounted: ['/export/data', '/export/iso'],
    exported: ['/export/data'],
  });

  it('passes when every machine answers and every check holds', async () => {
    const { driver } = createFakeDriver({ storage: ok, hyper1: ok });
    const report = await runPreflight(driver, probes);
    expect(report).toMatchObject({ ok: true, unreachable: [], problems: [] });
    expect(report.outcomes.map((o) => o.status)).toEqual(['ok', 'ok', 'ok', 'ok']);
  });

  it('names a machine out of reach once, with the reason, and keeps the other machines’ verdicts', async () => {
    const { driver } = createFakeDriver({ storage: refused, hyper1: ok });
    const report = await runPreflight(driver, probes);
    expect(report.ok).toBe(false);
    expect(inEnglish(report).unreachable).toEqual([
      { machine: 'storage', reason: 'Cannot reach storage (192.168.122.10:22): ECONNREFUSED.' },
    ]);
    expect(inEnglish(report).problems).toEqual([
      'storage cannot be reached over SSH: Cannot reach storage (192.168.122.10:22): ECONNREFUSED.',
    ]);
    expect(report.outcomes.find((o) => o.probe.machine === 'hyper1')?.status).toBe('ok');
    const error = toPreflightError(report, verbatim('Refused'));
    expect(error.code).toBe('SSH_FAILED');
    expect(error.hint).toContain('Make storage reachable over SSH');
  });

  it('tells a failed check from one that got no answer on a machine that answers', async () => {
    const { driver } = createFakeDriver({
      hyper1: ok,
      storage: async (check) => {
        if (check.type === 'export-active')
          throw new LabopsError('SSH_FAILED', verbatim('The check failed (exit 2).'));
        if (check.type === 'mounted' && check.path === '/export/iso')
          return { ok: false, evidence: ['/export/iso is not a mounted filesystem (it lies on /)'] };
        return { ok: true, evidence: [] };
      },
    });
    const report = await runPreflight(driver, probes);
    expect(inEnglish(report).unreachable).toEqual([]);
    expect(inEnglish(report).problems).toEqual([
      'storage: /export/iso is not a mounted filesystem (it lies on /) (wanted: /export/iso is a mounted filesystem)',
      'storage: could not check that /export/data is exported: The check failed (exit 2).',
    ]);
    expect(toPreflightError(report, verbatim('Refused')).code).toBe('CONFLICT');
  });

  it('a reach-only probe passes on any verdict: it proves the machine answered', async () => {
    const { driver } = createFakeDriver({
      hyper1: async () => ({ ok: false, evidence: ['sshd: disabled'] }),
    });
    const reach = listPreflightProbes(LAB, { machines: ['hyper1'], mounted: [], exported: [] });
    expect((await runPreflight(driver, reach)).ok).toBe(true);
  });

  it('starts every probe at once and bounds each by its timeout, even one that ignores its signal', async () => {
    const { driver, started } = createFakeDriver({ storage: hangs, hyper1: ok });
    const timeouts: { ms: number; controller: AbortController }[] = [];
    const pending = runPreflight(driver, probes, {
      probeTimeoutMs: 3000,
      createTimeout: (ms) => {
        const controller = new AbortController();
        timeouts.push({ ms, controller });
        return controller.signal;
      },
    });
    // Every probe started before any answered: they run in parallel, not one after another.
    expect(started).toEqual([
      'storage mounted',
      'storage mounted',
      'storage export-active',
      'hyper1 service-active',
    ]);
    expect(timeouts.map((t) => t.ms)).toEqual([3000, 3000, 3000, 3000]);
    for (const t of timeouts) t.controller.abort(new DOMException('timed out', 'TimeoutError'));
    const report = await pending;
    expect(inEnglish(report).unreachable).toEqual([
      { machine: 'storage', reason: 'storage did not answer within 3 s.' },
    ]);
    expect(report.outcomes.find((o) => o.probe.machine === 'hyper1')?.status).toBe('ok');
  });

  it('a cancelled pre-flight throws the cancellation instead of reporting machines unreachable', async () => {
    const { driver } = createFakeDriver({ storage: hangs, hyper1: hangs });
    const controller = new AbortController();
    const pending = runPreflight(driver, probes, {
      signal: controller.signal,
      createTimeout: () => new AbortController().signal,
    });
    controller.abort(new LabopsError('CANCELLED', verbatim('Cancelled by shell:bob.')));
    await expect(pending).rejects.toThrow('Cancelled by shell:bob.');
  });
});

describe('the simulated driver with sshd stopped', () => {
  function createStorage() {
    const machine = new SimMachineState('storage', 'ovirt.abc.local', '192.168.122.10', new LabNetwork());
    machine.services.set('sshd', { enabled: true, active: true });
    machine.ensureDir('/export/data', { uid: 36, gid: 36, mode: 0o2755 });
    machine.mounts.set('/export/data', { device: '/dev/vdb1', sizeBytes: 1024 ** 3, usedBytes: 0 });
    return machine;
  }

  it('refuses every use as the SSH runner does, and changes nothing', async () => {
    const machine = createStorage();
    const driver = createSimDriver({ machines: new Map([['storage', machine]]) });
    const io = { signal: new AbortController().signal, output: () => undefined };
    const probe: PreflightProbe[] = listPreflightProbes(LAB, {
      machines: ['storage'],
      mounted: ['/export/data'],
      exported: [],
    });
    expect((await runPreflight(driver, probe)).ok).toBe(true);

    machine.services.get('sshd')!.active = false;
    const report = await runPreflight(driver, probe);
    expect(inEnglish(report).problems).toEqual([
      'storage cannot be reached over SSH: Cannot reach storage (ovirt.abc.local:22): ECONNREFUSED.',
    ]);
    await expect(
      driver.apply(
        'storage',
        { type: 'ensure-dir', path: '/export/new', owner: 36, group: 36, mode: 0o755 },
        io,
      ),
    ).rejects.toMatchObject({ code: 'SSH_FAILED', message: expect.stringContaining('ECONNREFUSED') });
    expect(machine.files.has('/export/new')).toBe(false);
    await expect(driver.readHostKey('storage')).rejects.toMatchObject({ code: 'SSH_FAILED' });
  });
});

/** A report's reasons and problems as the English reader sees them. */
function inEnglish(report: PreflightReport) {
  return {
    unreachable: report.unreachable.map((u) => ({ machine: u.machine, reason: renderText('en', u.reason) })),
    problems: report.problems.map((p) => renderText('en', p)),
  };
}
