import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isLabopsError, type LabopsError } from '../../src/errors.js';
import { renderText } from '../../src/i18n/render.js';
import { verbatim } from '../../src/i18n/text.js';
import { renderStep } from '../../src/runbooks/render.js';
import {
  getLabHostsEntries,
  ISO_IMAGE_DIR,
  listDoctorChecks,
  planHostPrepare,
  planIsoIntoIsoDomain,
  planStorageClean,
  planStorageFixPermissions,
  planStoragePrepare,
  type RunbookLab,
} from '../../src/runbooks/runbooks.js';
import { createSshDriver } from '../../src/runbooks/ssh-driver.js';
import type { MachineDriver, MachineIO, RunbookItem } from '../../src/runbooks/types.js';
import { startSimulator } from '../../src/sim/index.js';
import { createSimDriver } from '../../src/sim/machine-driver.js';
import {
  createLabRunner,
  getLabConfig,
  type LabHostName,
  readStubCalls,
  runOnHost,
  statOnHost,
  useSshLab,
} from '../support/ssh-lab.js';

const lab = useSshLab();
let driver: MachineDriver;
let config: ReturnType<typeof getLabConfig>;
const ENGINE_KEY =
  'ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQC7labopsengine0000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000 ovirt-engine';
const MIB = 1024 * 1024;

function io(): MachineIO {
  return { signal: new AbortController().signal, output: () => undefined, timeoutMs: 60_000 };
}

/** Applies each item in order, stopping at the first failure, like a job. */
async function runAll(items: RunbookItem[], on: MachineDriver = driver): Promise<string[]> {
  const statuses: string[] = [];
  for (const item of items) statuses.push((await on.apply(item.machine, item.step, io())).status);
  return statuses;
}

async function sh(host: LabHostName, script: string): Promise<string> {
  const result = await runOnHost(lab(), host, script);
  if (result.code !== 0) throw new Error(`${script} failed on ${host}: ${result.stderr}`);
  return result.stdout;
}

async function rejection(promise: Promise<unknown>): Promise<LabopsError> {
  try {
    await promise;
  } catch (error) {
    if (isLabopsError(error)) return error;
    throw error;
  }
  throw new Error('expected a rejection');
}

/** Owners, modes, sizes and checksums of everything under the paths: "nothing changed" evidence. */
async function snapshot(host: LabHostName, paths: string[]): Promise<string> {
  return sh(
    host,
    `find ${paths.join(' ')} -exec stat -c '%n %u:%g %a %s %Y' {} + 2>/dev/null; cat ${paths.filter((p) => p.startsWith('/etc')).join(' ')} | sha256sum`,
  );
}

beforeAll(async () => {
  driver = createSshDriver(await createLabRunner(lab()));
  config = getLabConfig(lab());
});
afterAll(async () => {
  await driver?.close();
});

describe('storage prepare', () => {
  it('names the free space a mount needs as written: whole units, or any space', () => {
    const titleOf = (minFreeBytes: number) =>
      renderText(
        'en',
        planStoragePrepare(config, { minFreeBytes }).find((i) => i.step.type === 'check-mount')?.title ??
          verbatim(''),
      );
    expect(titleOf(1024 ** 3)).toMatch(/ is a mounted filesystem with 1 GiB free$/);
    expect(titleOf(1536 * MIB)).toMatch(/ with 1536 MiB free$/);
    expect(titleOf(0)).toMatch(/ with any space free$/);
  });

  it('creates the exports owned 36:36 with setgid, the exports file, NFS and the firewall; a second run changes nothing', async () => {
    const items = planStoragePrepare(config, { minFreeBytes: MIB });
    const network = `${config.storage.server.address.split('.').slice(0, 3).join('.')}.0/24`;
    const first = await runAll(items);
    expect(first.filter((s) => s === 'changed').length).toBeGreaterThan(8);
    for (const path of ['/export', '/export/data', '/export/iso']) {
      expect(await statOnHost(lab(), 'storage', path)).toBe('36:36 2755 directory');
    }
    expect(await sh('storage', 'cat /etc/exports')).toBe(
      `/export/data ${network}(rw,sync,no_root_squash)\n/export/iso ${network}(rw,sync,no_root_squash)\n`,
    );
    expect(await sh('storage', 'exportfs -s | cut -f1')).toBe('/export/data\n/export/iso\n');
    const calls = await readStubCalls(lab(), 'storage');
    expect(calls).toContain('exportfs -arv');
    expect(calls).toContain('systemctl enable --now -- nfs-server');
    for (const service of ['nfs', 'rpc-bind', 'mountd'])
      expect(calls).toContain(`firewall-cmd --permanent --add-service=${service}`);
    expect(calls).toContain('firewall-cmd --reload');

    const paths = ['/export', '/etc/exports'];
    const before = await snapshot('storage', paths);
    const callsBefore = calls.length;
    expect(await runAll(items)).toEqual(items.map(() => 'ok'));
    expect(await snapshot('storage', paths)).toBe(before);
    const later = (await readStubCalls(lab(), 'storage')).slice(callsBefore);
    expect(
      later.filter((c) => !/is-enabled|is-active|--query-service|--state|^exportfs -s$/.test(c)),
    ).toEqual([]);
  });

  it('renders each step to the exact command lines approvers see', () => {
    const items = planStoragePrepare(config, { minFreeBytes: MIB });
    expect(renderStep(items[1]!.step)).toEqual([
      "mkdir -p -- '/export/data'",
      "chown 36:36 -- '/export/data'",
      "chmod 02755 -- '/export/data'",
    ]);
    expect(items.flatMap((i) => renderStep(i.step))).toContain(
      "firewall-cmd --permanent --add-service='mountd'",
    );
  });

  it('stops at an export that is not mounted, before changing anything on it', async () => {
    await sh('storage', 'mkdir -p /export/spare && chown 0:0 /export/spare && chmod 00755 /export/spare');
    const spare = {
      ...config,
      storage: { ...config.storage, exports: [{ name: 'spare', path: '/export/spare' }] },
    };
    const items = planStoragePrepare(spare, { minFreeBytes: MIB });
    const mountStep = items.findIndex((i) => i.step.type === 'check-mount');
    await runAll(items.slice(0, mountStep));
    const error = await rejection(runAll(items.slice(mountStep)));
    expect(error.code).toBe('CONFLICT');
    expect(error.message).toContain('/export/spare is not a mounted filesystem');
    expect(error.hint).toContain('mount');
  });
});

describe('storage clean and fix-permissions', () => {
  const stale = ['0b5c7e2a-4f1e-4a57-9e0c-6a1f9d1c3b11', '.__DIRECT_IO_TEST__', "odd name'; rm -rf ~"];

  it('refuses an export the engine still lists as a domain', () => {
    const error = (() => {
      try {
        planStorageClean(config, {
          export: 'data',
          entries: stale,
          domainPaths: [`${config.storage.server.address}:/export/data`],
        });
      } catch (e) {
        return e as LabopsError;
      }
      return undefined;
    })();
    expect(error?.code).toBe('CONFLICT');
    expect(error?.hint).toContain('/storage remove');
  });

  it('names every path it removes, dotfiles included, removes exactly those, then reports ok', async () => {
    await sh(
      'storage',
      `mkdir -p /export/data/${stale[0]}/dom_md && echo CLASS=Data > /export/data/${stale[0]}/dom_md/metadata && touch /export/data/.__DIRECT_IO_TEST__ "/export/data/odd name'; rm -rf ~"`,
    );
    const found = await driver.inspect('storage', { type: 'dir-empty', path: '/export/data' }, io());
    expect(found.ok).toBe(false);
    expect(found.found?.sort()).toEqual([...stale].sort());
    const items = planStorageClean(config, {
      export: 'data',
      entries: found.found ?? [],
      domainPaths: ['/export/iso'],
    });
    for (const name of stale) expect(renderText('en', items[0]!.title)).toContain(`/export/data/${name}`);
    const lines = renderStep(items[0]!.step);
    expect(lines).toEqual([
      `rm -rf -- '/export/data/.__DIRECT_IO_TEST__' '/export/data/${stale[0]}' '/export/data/odd name'\\''; rm -rf ~'`,
    ]);
    expect(await runAll(items)).toEqual(['changed']);
    expect(await sh('storage', 'ls -A /export/data')).toBe('');
    expect(await statOnHost(lab(), 'storage', '/export/data')).toBe('36:36 2755 directory');
    expect(await runAll(items)).toEqual(['ok']);
  });

  it('removes nothing when an entry appeared since the plan', async () => {
    await sh('storage', 'touch /export/iso/planned');
    const items = planStorageClean(config, { export: 'iso', entries: ['planned'], domainPaths: [] });
    await sh('storage', 'touch /export/iso/.late');
    const error = await rejection(runAll(items));
    expect(error.message).toContain('.late');
    // Only these two: download.test.ts shares the storage host and may hold a directory here too.
    expect(await sh('storage', 'cd /export/iso && ls -A -d .late planned')).toBe('.late\nplanned\n');
    await sh('storage', 'rm -f /export/iso/.late /export/iso/planned');
  });

  it('fixes owners and setgid on a mounted export (FAQ 3), then reports ok', async () => {
    await sh(
      'storage',
      'mkdir -p /export/data/a/b && touch /export/data/a/f && chown -R 0:0 /export/data && chmod -R g-s /export/data',
    );
    const check = {
      type: 'owner-mode',
      path: '/export/data',
      owner: 36,
      group: 36,
      setgid: true,
      recursive: true,
    } as const;
    expect((await driver.inspect('storage', check, io())).ok).toBe(false);
    const items = planStorageFixPermissions(config, { exports: ['data'] });
    expect(await runAll(items)).toEqual(['ok', 'changed']);
    expect(await statOnHost(lab(), 'storage', '/export/data/a/b')).toBe('36:36 2755 directory');
    expect(await statOnHost(lab(), 'storage', '/export/data/a/f')).toBe('36:36 644 regular empty file');
    expect((await driver.inspect('storage', check, io())).ok).toBe(true);
    expect(await runAll(items)).toEqual(['ok', 'ok']);
    await sh('storage', 'rm -rf /export/data/a');
  });

  it('fix-permissions leaves an unmounted export alone', async () => {
    const spare = {
      ...config,
      storage: { ...config.storage, exports: [{ name: 'spare', path: '/export/spare' }] },
    };
    await sh('storage', 'mkdir -p /export/spare && chown 0:0 /export/spare && chmod 00755 /export/spare');
    const error = await rejection(runAll(planStorageFixPermissions(spare)));
    expect(error.message).toContain('not a mounted filesystem');
    expect(await statOnHost(lab(), 'storage', '/export/spare')).toBe('0:0 755 directory');
  });
});

describe('host prepare', () => {
  it('writes the hosts entries and the engine key (dir 0700, file 0600); insecure stops firewalld and SELinux; a second run is ok', async () => {
    const entries = getLabHostsEntries(
      {
        ...config,
        storage: { ...config.storage, server: { name: 'storage', address: lab().storageName } },
      } as RunbookLab,
      {
        storage: config.storage.server.address,
        hyper1: config.hosts[0]!.address,
        hyper2: config.hosts[1]!.address,
      },
    );
    const items = planHostPrepare(config, {
      host: 'hyper1',
      hostsEntries: entries,
      engineKey: ENGINE_KEY,
      insecure: true,
    });
    expect(items.filter((i) => i.warning).map((i) => i.step.type)).toEqual([
      'stop-service',
      'selinux-permissive',
    ]);
    expect(await runAll(items)).toEqual(items.map(() => 'changed'));
    const hosts = (await sh('hyper1', 'cat /etc/hosts')).split('\n');
    expect(hosts).toContain(`${config.storage.server.address} ovirt.abc.local ovirt storage`);
    expect(hosts).toContain(`${config.hosts[0]!.address} hyper1`);
    expect(await statOnHost(lab(), 'hyper1', '/root/.ssh')).toBe('0:0 700 directory');
    expect(await statOnHost(lab(), 'hyper1', '/root/.ssh/authorized_keys')).toBe('0:0 600 regular file');
    expect(await sh('hyper1', 'cat /root/.ssh/authorized_keys')).toBe(`${ENGINE_KEY}\n`);
    expect(await sh('hyper1', 'getenforce')).toBe('Permissive\n');
    const calls = await readStubCalls(lab(), 'hyper1');
    expect(calls).toContain('systemctl stop -- firewalld');
    expect(calls).toContain('setenforce 0');
    expect(await runAll(items)).toEqual(items.map(() => 'ok'));
    expect(
      (await sh('hyper1', 'cat /etc/hosts')).split('\n').filter((l) => l.includes('ovirt.abc.local')),
    ).toHaveLength(1);
  });
});

describe('an ISO into a 4.3 ISO domain', () => {
  const domainId = '5d2c9b4e-8f3a-4c1d-9b7e-2a6f0e1d3c55';
  const iso = Buffer.alloc(3 * MIB, 7);
  iso.write('CD001', 32769);
  const sha256 = createHash('sha256').update(iso).digest('hex');
  let server: Server;
  let base: string;
  beforeAll(async () => {
    server = createServer((req, res) => {
      if (req.url === '/CentOS-7-x86_64-Minimal-2003.iso') res.end(iso);
      else {
        res.statusCode = 404;
        res.end();
      }
    });
    await new Promise<void>((resolve) => server.listen(0, lab().gatewayAddress, resolve));
    base = `http://${lab().gatewayAddress}:${(server.address() as AddressInfo).port}`;
    await sh(
      'storage',
      `mkdir -p /export/iso/${domainId}/images/${ISO_IMAGE_DIR} && chown -R 36:36 /export/iso/${domainId}`,
    );
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('downloads to a hidden name, sets 36:36 0640, checks the sum, renames; a second run is ok', async () => {
    const items = planIsoIntoIsoDomain(config, {
      export: 'iso',
      domainId,
      url: `${base}/CentOS-7-x86_64-Minimal-2003.iso`,
      address: lab().gatewayAddress,
      sizeBytes: iso.length,
      name: 'CentOS-7-x86_64-Minimal-2003.iso',
      sha256,
    });
    const dir = `/export/iso/${domainId}/images/${ISO_IMAGE_DIR}`;
    expect(renderStep(items[0]!.step)[0]).toBe(`t='${dir}/.CentOS-7-x86_64-Minimal-2003.iso'`);
    expect(await runAll(items)).toEqual(['changed']);
    expect(await statOnHost(lab(), 'storage', `${dir}/CentOS-7-x86_64-Minimal-2003.iso`)).toBe(
      '36:36 640 regular file',
    );
    expect(await sh('storage', `ls -A ${dir}`)).toBe('CentOS-7-x86_64-Minimal-2003.iso\n');
    expect((await sh('storage', `sha256sum < ${dir}/CentOS-7-x86_64-Minimal-2003.iso`)).split(' ')[0]).toBe(
      sha256,
    );
    expect(await runAll(items)).toEqual(['ok']);
  });

  it('fails on a wrong checksum and leaves no file under the final name', async () => {
    const items = planIsoIntoIsoDomain(config, {
      export: 'iso',
      domainId,
      url: `${base}/CentOS-7-x86_64-Minimal-2003.iso`,
      address: lab().gatewayAddress,
      sizeBytes: iso.length,
      name: 'other.iso',
      sha256: 'f'.repeat(64),
    });
    const error = await rejection(runAll(items));
    expect(error.details.join(' ')).toContain(
      `labops: download failed: its sha256 is ${sha256}, not the ${'f'.repeat(64)} given`,
    );
    expect(await sh('storage', `ls -A /export/iso/${domainId}/images/${ISO_IMAGE_DIR}`)).toBe(
      'CentOS-7-x86_64-Minimal-2003.iso\n',
    );
  });
});

describe('doctor checks', () => {
  it('answers each check with evidence, finding the guide’s typos and an unresolvable storage name', async () => {
    await sh(
      'hyper1',
      `printf '%s\\n' '${ENGINE_KEY.replace('ssh-rsa', 'sh-rsa')}' >> /root/.ssh/authorized_keys && touch /root/.ssh/authorized.keys`,
    );
    await sh('storage', 'touch /export/iso/.stale');
    const entries = [
      { address: config.storage.server.address, names: ['ovirt.abc.local', 'ovirt', 'storage'] },
    ];
    const checks = listDoctorChecks(
      { ...config, storage: { ...config.storage, server: { name: 'storage', address: lab().storageName } } },
      { engineKey: ENGINE_KEY, hostsEntries: entries, minFreeBytes: MIB },
    );
    const results = new Map<string, { ok: boolean; evidence: string[] }>();
    for (const c of checks)
      results.set(
        `${c.machine} ${c.check.type} ${'path' in c.check ? c.check.path : ''}${'service' in c.check ? c.check.service : ''}`,
        await driver.inspect(c.machine, c.check, io()),
      );
    const get = (key: string) => {
      const found = results.get(key);
      if (!found) throw new Error(`no check ${key}: ${[...results.keys()].join(', ')}`);
      return found;
    };
    expect(get('storage dir-empty /export/data').ok).toBe(true);
    expect(get('storage dir-empty /export/iso')).toMatchObject({ ok: false });
    expect(get('storage dir-empty /export/iso').evidence.join()).toContain('.stale');
    expect(get('storage owner-mode /export/data').ok).toBe(true);
    expect(get('storage mounted /export/data').evidence.join()).toMatch(
      /labops-data mounted, \d+ bytes free/,
    );
    expect(get('storage export-active /export/iso').ok).toBe(true);
    expect(get('storage service-active nfs-server').ok).toBe(true);
    expect(get('storage firewall-allows mountd').ok).toBe(true);
    expect(get('hyper1 hosts-entry /etc/hosts').ok).toBe(true);
    expect(get('hyper2 hosts-entry /etc/hosts').ok).toBe(false);
    expect(get('hyper1 resolves ').ok).toBe(true);
    expect(get('hyper2 resolves ')).toMatchObject({
      ok: false,
      evidence: ['ovirt.abc.local does not resolve'],
    });
    expect(get('hyper1 key-present /root/.ssh/authorized_keys').ok).toBe(true);
    expect(get('hyper2 key-present /root/.ssh/authorized_keys').ok).toBe(false);
    expect(get('hyper1 no-misnamed-keys-file /root/.ssh/authorized_keys').ok).toBe(false);
    expect(get('hyper1 no-sh-rsa-line /root/.ssh/authorized_keys').ok).toBe(false);
    expect(get('hyper2 no-sh-rsa-line /root/.ssh/authorized_keys').ok).toBe(true);
    await sh('storage', 'rm -f /export/iso/.stale');
  });
});

describe('the simulator driver and the SSH driver agree', () => {
  it('gives the same ok/changed sequence and end state for the same runbooks on a fresh machine', async () => {
    const sim = await startSimulator({ timeScale: 0.002 });
    try {
      // A bare simulated machine shaped like the lab host: its two exports are filesystems of 64 MiB.
      const twin = sim.addMachine('twin', 'twin.abc.local');
      for (const path of ['/export', '/export/data', '/export/iso'])
        twin.files.set(path, { kind: 'dir', uid: 0, gid: 0, mode: 0o755 });
      for (const [path, device] of [
        ['/export/data', 'labops-data'],
        ['/export/iso', 'labops-iso'],
      ] as const) {
        twin.mounts.set(path, { device, sizeBytes: 64 * MIB, usedBytes: 0 });
      }
      const simDriver = createSimDriver(sim);
      const entries = [
        { address: config.storage.server.address, names: ['ovirt.abc.local', 'ovirt', 'storage'] },
      ];
      const plan = (machine: string): RunbookItem[] => {
        const as = {
          ...config,
          hosts: [{ name: machine, address: config.storage.server.address }],
          storage: { ...config.storage, server: { name: machine, address: config.storage.server.address } },
        };
        return [
          ...planStoragePrepare(as, { minFreeBytes: MIB }),
          ...planHostPrepare(as, { host: machine, hostsEntries: entries, engineKey: ENGINE_KEY }),
        ];
      };
      const checks = (machine: string) =>
        listDoctorChecks(
          {
            ...config,
            hosts: [{ name: machine, address: 'hyper.abc.local' }],
            storage: { ...config.storage, server: { name: machine, address: 'ovirt.abc.local' } },
          },
          { engineKey: ENGINE_KEY, hostsEntries: entries, minFreeBytes: MIB },
        );
      const inspectAll = async (on: MachineDriver, machine: string) => {
        const answers: string[] = [];
        for (const c of checks(machine))
          answers.push(`${c.check.type} ${(await on.inspect(machine, c.check, io())).ok}`);
        return answers;
      };

      const before = { ssh: await inspectAll(driver, 'hyper2'), sim: await inspectAll(simDriver, 'twin') };
      expect(before.sim).toEqual(before.ssh);
      const first = { ssh: await runAll(plan('hyper2')), sim: await runAll(plan('twin'), simDriver) };
      expect(first.sim).toEqual(first.ssh);
      expect(first.ssh).toContain('changed');
      const second = { ssh: await runAll(plan('hyper2')), sim: await runAll(plan('twin'), simDriver) };
      expect(second.ssh.every((s) => s === 'ok')).toBe(true);
      expect(second.sim).toEqual(second.ssh);
      const after = { ssh: await inspectAll(driver, 'hyper2'), sim: await inspectAll(simDriver, 'twin') };
      expect(after.sim).toEqual(after.ssh);
      expect(after.ssh.filter((a) => a.endsWith('false'))).toEqual([]);
      // Same files, owners and modes where both sides can say.
      const exports = twin.files.get('/etc/exports')?.content;
      expect(await sh('hyper2', 'cat /etc/exports')).toBe(exports);
      for (const path of ['/export/data', '/root/.ssh', '/root/.ssh/authorized_keys']) {
        const entry = twin.files.get(path)!;
        const [owner, mode] = ((await statOnHost(lab(), 'hyper2', path)) ?? '').split(' ');
        expect(`${owner} ${mode}`).toBe(`${entry.uid}:${entry.gid} ${(entry.mode & 0o7777).toString(8)}`);
      }
    } finally {
      await sim.close();
    }
  });
});
