import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isLabopsError } from '../../src/errors.js';
import { renderText } from '../../src/i18n/render.js';
import { msg, verbatim } from '../../src/i18n/text.js';
import { RunbookApplyParamsSchema, runbookApplyStep, toStepSpecs } from '../../src/jobs/runbook-steps.js';
import { renderStep } from '../../src/runbooks/render.js';
import {
  listDoctorChecks,
  planHostPrepare,
  planStorageClean,
  planStorageFixPermissions,
  planStoragePrepare,
  type RunbookLab,
} from '../../src/runbooks/runbooks.js';
import type { MachineDriver, MachineIO, RunbookItem } from '../../src/runbooks/types.js';
import { startSimulator } from '../../src/sim/index.js';
import { createSimDriver } from '../../src/sim/machine-driver.js';
import type { Simulator } from '../../src/sim/types.js';

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

let sim: Simulator;
let driver: MachineDriver;
const io = (): MachineIO => ({ signal: new AbortController().signal, output: () => undefined });
const runAll = async (items: RunbookItem[]) => {
  const out: string[] = [];
  for (const item of items) out.push((await driver.apply(item.machine, item.step, io())).status);
  return out;
};

beforeEach(async () => {
  sim = await startSimulator({ timeScale: 0.002 });
  driver = createSimDriver(sim);
});
afterEach(async () => {
  await sim.close();
});

describe('the simulator driver on the seed lab', () => {
  it('finds the seed storage server prepared (36:36, setgid all the way down): every step ok, twice', async () => {
    const items = planStoragePrepare(LAB, { minFreeBytes: 1024 ** 3 });
    expect(await runAll(items)).toEqual(items.map(() => 'ok'));
    expect(await runAll(items)).toEqual(items.map(() => 'ok'));
  });

  it('cleans stale files the knob left (FAQ 1), naming the dotfile, and nothing else', async () => {
    sim.knobs.leaveStaleFiles('/export/data');
    const found = await driver.inspect('storage', { type: 'dir-empty', path: '/export/data' }, io());
    expect(found.found).toContain('.__DIRECT_IO_TEST__');
    const domains = found.found?.filter((n) => !n.startsWith('.')) ?? [];
    const items = planStorageClean(LAB, { export: 'data', entries: found.found ?? [], domainPaths: [] });
    expect(await runAll(items)).toEqual(['changed']);
    const left = await driver.inspect('storage', { type: 'dir-empty', path: '/export/data' }, io());
    expect(left.ok).toBe(true);
    expect(domains.length).toBeGreaterThan(0);
    expect(sim.machines.get('storage')?.files.has('/export/iso')).toBe(true);
  });

  it('fixes broken ownership (FAQ 3) and refuses an unmounted export', async () => {
    sim.knobs.breakOwnership('/export/iso');
    expect(await runAll(planStorageFixPermissions(LAB, { exports: ['iso'] }))).toEqual(['ok', 'changed']);
    expect(sim.machines.get('storage')?.files.get('/export/iso')).toMatchObject({ uid: 36, gid: 36 });
    sim.knobs.unmountExport('/export/data');
    let error: unknown;
    try {
      await runAll(planStorageFixPermissions(LAB, { exports: ['data'] }));
    } catch (thrown) {
      error = thrown;
    }
    expect(isLabopsError(error) && error.message).toMatch(/not a mounted filesystem/);
  });

  it('lets doctor see the guide’s typos and a closed firewall', async () => {
    sim.knobs.typoShRsa('hyper1');
    sim.knobs.typoAuthorizedKeys('hyper2');
    sim.knobs.closeFirewall('storage', 'mountd');
    const checks = listDoctorChecks(LAB, { engineKey: sim.engineSshPublicKey });
    const failing: string[] = [];
    for (const c of checks)
      if (!(await driver.inspect(c.machine, c.check, io())).ok) failing.push(renderText('en', c.title));
    // The seed's exports hold their domains (not stale: /lab doctor weighs that against the engine).
    expect(
      failing.filter((t) => !/^\/export\/(data|iso) (holds no stale files|owned 36:36)/.test(t)),
    ).toEqual([
      'firewalld lets mountd through',
      "hyper1: the engine's key in /root/.ssh/authorized_keys",
      "hyper1: no key line starting sh-rsa (the guide's typo)",
      "hyper2: the engine's key in /root/.ssh/authorized_keys",
      "hyper2: no authorized.keys (the guide's typo)",
    ]);
    const hyper1 = planHostPrepare(LAB, {
      host: 'hyper1',
      hostsEntries: [],
      engineKey: sim.engineSshPublicKey,
    });
    expect(await runAll(hyper1)).toEqual(['changed']);
  });
});

describe('runbook job steps', () => {
  it('carry each step with the exact lines approvers see, prefixed by the machine', () => {
    const specs = toStepSpecs(planStoragePrepare(LAB).slice(0, 1), { timeoutMs: 60_000 });
    expect(renderText('en', specs[0]?.title ?? verbatim(''))).toBe(
      'Directory /export owned 36:36 with setgid',
    );
    expect(renderText('ko', specs[0]?.title ?? verbatim(''))).toBe('디렉터리 /export: 소유자 36:36, setgid');
    expect(specs[0]).toEqual({
      kind: 'runbook.apply',
      title: msg('ssh.runbook.dirOwned', { path: '/export' }),
      params: {
        machine: 'storage',
        step: { type: 'ensure-dir', path: '/export', owner: 36, group: 36, mode: 0o755, setgid: true },
        timeoutMs: 60_000,
      },
      shows: [
        verbatim("storage# mkdir -p -- '/export'"),
        verbatim("storage# chown 36:36 -- '/export'"),
        verbatim("storage# chmod 02755 -- '/export'"),
      ],
      timeoutMs: 60_000,
    });
    expect(RunbookApplyParamsSchema.parse(JSON.parse(JSON.stringify(specs[0]?.params)))).toEqual(
      specs[0]?.params,
    );
    expect(runbookApplyStep.kind).toBe('runbook.apply');
  });

  it('refuses hostile values in steps with a clear message before rendering', () => {
    const attempts = [
      () => renderStep({ type: 'ensure-dir', path: '/export/../etc', owner: 36, group: 36, mode: 0o755 }),
      () => renderStep({ type: 'ensure-line', path: '/etc/hosts', line: 'a\nb' }),
      () => renderStep({ type: 'empty-dir', path: '/export', entries: ['x'] }),
      () => renderStep({ type: 'empty-dir', path: '/export/data', entries: ['../etc'] }),
      () => renderStep({ type: 'ensure-service', service: '--now' }),
      () =>
        renderStep({
          type: 'download',
          url: 'file:///etc/shadow',
          address: '127.0.0.1',
          sizeBytes: 1,
          maxSeconds: 60,
          path: '/tmp/x',
        }),
      () => renderStep({ type: 'install-key', path: '/root/.ssh/authorized_keys', key: 'sh-rsa AAAA' }),
      () => planStorageClean(LAB, { export: 'data', entries: ['a/b'], domainPaths: [] }),
      () =>
        planStoragePrepare({ ...LAB, storage: { ...LAB.storage, exports: [{ name: 'etc', path: '/etc' }] } }),
    ];
    for (const attempt of attempts) {
      let error: unknown;
      try {
        attempt();
      } catch (thrown) {
        error = thrown;
      }
      expect(isLabopsError(error)).toBe(true);
      expect((error as Error).message).toMatch(/^(The|Refusing|An)/);
    }
  });
});
