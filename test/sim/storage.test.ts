import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Simulator, startSimulator } from '../../src/sim/index.js';
import { SimClient } from './sim-client.js';

const GiB = 1024 ** 3;
const SPARE = '/export/spare';

describe('storage domains of the simulated engine and the lab knobs', () => {
  let sim: Simulator;
  let client: SimClient;
  let dcId: string;

  beforeEach(async () => {
    sim = await startSimulator({
      timeScale: 0.002,
      seed: {
        exports: [
          { path: '/export/data', sizeBytes: 50 * GiB },
          { path: '/export/iso', sizeBytes: 50 * GiB },
          { path: SPARE, sizeBytes: 20 * GiB },
        ],
      },
    });
    client = new SimClient(sim);
    dcId = (await client.get('/datacenters')).data_center[0].id;
  });

  afterEach(async () => {
    await client.close();
    await sim.close();
  });

  const addDomain = (overrides: { path?: string; address?: string; host?: string; type?: string } = {}) =>
    client.api('POST', '/storagedomains', {
      body: {
        name: 'spare',
        type: overrides.type ?? 'data',
        storage: {
          type: 'nfs',
          address: overrides.address ?? 'ovirt.abc.local',
          path: overrides.path ?? SPARE,
        },
        host: { name: overrides.host ?? 'hyper1' },
      },
    });
  const dcDomain = (id: string) => `/datacenters/${dcId}/storagedomains/${id}`;
  const storage = () => sim.machines.get('storage')!;
  /** `ls -A` of a directory on the storage server. */
  const listDir = (dir: string) =>
    [...storage().files.keys()]
      .filter((p) => p.startsWith(`${dir}/`) && !p.slice(dir.length + 1).includes('/'))
      .map((p) => p.slice(dir.length + 1));

  it('adds, attaches, deactivates, detaches and removes a domain, with events 956, 962, 966', async () => {
    const created = await addDomain();
    expect(created.status).toBe(201);
    const id = created.json.id;
    await client.waitForStatus(`/storagedomains/${id}`, 'unattached');
    expect(storage().files.get(`${SPARE}/${id}/dom_md/metadata`)?.kind).toBe('file');
    expect(storage().files.get(`${SPARE}/${id}/images`)?.kind).toBe('dir');
    expect(await client.events(956)).toHaveLength(1);

    const attached = await client.api('POST', `/datacenters/${dcId}/storagedomains`, {
      body: { name: 'spare' },
    });
    expect(attached.status).toBe(201);
    await client.waitForStatus(dcDomain(id), 'active');
    expect((await client.events(962)).length).toBeGreaterThan(0);
    expect((await client.events(966)).length).toBeGreaterThan(0);
    const global = await client.get(`/storagedomains/${id}`);
    expect(global.status).toBeUndefined();
    expect(global.master).toBe('false');

    const removeAttached = await client.api('DELETE', `/storagedomains/${id}?host=hyper1`);
    expect(removeAttached.status).toBe(409);
    const detachActive = await client.api('DELETE', dcDomain(id));
    expect(detachActive.status).toBe(409);

    expect((await client.api('POST', `${dcDomain(id)}/deactivate`, { body: {} })).status).toBe(202);
    await client.waitForStatus(dcDomain(id), 'maintenance');
    expect((await client.api('DELETE', dcDomain(id))).status).toBe(200);
    expect((await client.get(`/storagedomains/${id}`)).status).toBe('unattached');

    const noHost = await client.api('DELETE', `/storagedomains/${id}`);
    expect(noHost.status).toBe(400);
    expect((await client.api('DELETE', `/storagedomains/${id}?host=hyper1`)).status).toBe(200);
    // Without format the domain's directory stays: FAQ 1's stale files, and the next add fails with 361.
    expect(storage().files.has(`${SPARE}/${id}/dom_md/metadata`)).toBe(true);
    const again = await addDomain();
    expect(again.status).toBe(400);
    expect(again.json.detail).toContain('Storage domain is not empty - requires cleaning');
  });

  it('wipes the domain directory on remove with format=true', async () => {
    const id = (await addDomain()).json.id;
    await client.waitForStatus(`/storagedomains/${id}`, 'unattached');
    expect((await client.api('DELETE', `/storagedomains/${id}?host=hyper1&format=true`)).status).toBe(200);
    expect(listDir(SPARE)).toEqual([]);
    expect((await addDomain()).status).toBe(201);
  });

  it('FAQ 1: stale files, a dotfile included, make the add fail with vdsm 361', async () => {
    sim.knobs.leaveStaleFiles(SPARE);
    expect(listDir(SPARE)).toContain('.__DIRECT_IO_TEST__');
    const res = await addDomain();
    expect(res.status).toBe(400);
    expect(res.json.detail).toContain('Storage domain is not empty - requires cleaning');
  });

  it('FAQ 2: a name the hypervisor cannot resolve fails the add, naming it; the IP works', async () => {
    sim.knobs.makeUnresolvable('hyper1', 'ovirt.abc.local');
    expect(sim.machines.get('hyper1')?.resolve('ovirt.abc.local')).toBeUndefined();
    const res = await addDomain();
    expect(res.status).toBe(400);
    expect(res.json.detail).toContain('Problem while trying to mount target');
    expect(res.json.detail).toContain('ovirt.abc.local');
    expect((await addDomain({ host: 'hyper2' })).status).toBe(201);
  });

  it('FAQ 2 workaround: the storage server IP in the path', async () => {
    sim.knobs.makeUnresolvable('hyper1', 'ovirt.abc.local');
    expect((await addDomain({ address: '192.168.122.10' })).status).toBe(201);
  });

  it('FAQ 3: wrong ownership fails the add with vdsm 469 and makes an active domain inactive', async () => {
    sim.knobs.breakOwnership(SPARE);
    const res = await addDomain();
    expect(res.status).toBe(400);
    expect(res.json.detail).toContain(
      'Permission settings on the specified path do not allow access to the storage. Verify permission settings on the specified storage path.',
    );

    const iso = await client.findByName('storagedomains', 'storage_domain', 'nfs-iso');
    sim.knobs.breakOwnership('/export/iso');
    expect((await client.get(dcDomain(iso.id))).status).toBe('inactive');
    const activate = await client.api('POST', `${dcDomain(iso.id)}/activate`, { body: {} });
    expect(activate.status).toBe(400);
    expect(activate.json.status).toBe('failed');
    expect(activate.json.fault.detail).toContain('Permission settings on the specified path');

    sim.knobs.breakOwnership('/export/iso', 36, 36, 0o2755);
    expect((await client.api('POST', `${dcDomain(iso.id)}/activate`, { body: {} })).status).toBe(200);
    await client.waitForStatus(dcDomain(iso.id), 'active');
  });

  it('FAQ 4: a host that uses a domain blocks its deactivation until the host is in maintenance', async () => {
    const iso = await client.findByName('storagedomains', 'storage_domain', 'nfs-iso');
    sim.knobs.holdDomain('nfs-iso', 'hyper2');
    const blocked = await client.api('POST', `${dcDomain(iso.id)}/deactivate`, { body: {} });
    expect(blocked.status).toBe(409);
    expect(blocked.json.fault.detail).toContain('Host hyper2');
    const hyper2 = await client.findByName('hosts', 'host', 'hyper2');
    await client.api('POST', `/hosts/${hyper2.id}/deactivate`, { body: {} });
    await client.waitForStatus(`/hosts/${hyper2.id}`, 'maintenance');
    expect((await client.api('POST', `${dcDomain(iso.id)}/deactivate`, { body: {} })).status).toBe(202);
  });

  it('refuses to mount an export that is not exported, served or let through the firewall', async () => {
    sim.knobs.unexport(SPARE);
    expect((await addDomain()).json.detail).toContain('Problem while trying to mount target');
    storage().activeExports.set(SPARE, '192.168.122.0/24(rw,sync,no_root_squash)');

    sim.knobs.closeFirewall('storage', 'nfs');
    expect((await addDomain()).json.detail).toContain('Problem while trying to mount target');
    sim.knobs.stopService('storage', 'firewalld');
    expect((await addDomain()).status).toBe(201);
  });

  it('refuses to mount when the NFS service is stopped', async () => {
    sim.knobs.stopService('storage', 'nfs-server');
    const res = await addDomain();
    expect(res.status).toBe(400);
    expect(res.json.detail).toContain('Problem while trying to mount target');
  });

  it('reports the root filesystem space for an export that is not mounted', async () => {
    sim.knobs.unmountExport(SPARE);
    const id = (await addDomain()).json.id;
    const domain = await client.waitForStatus(`/storagedomains/${id}`, 'unattached');
    expect(domain.available + domain.used).toBeLessThan(20 * GiB);
  });

  it('keeps the master while ISO domains are active and never detaches the last master', async () => {
    const data = await client.findByName('storagedomains', 'storage_domain', 'nfs-data');
    const iso = await client.findByName('storagedomains', 'storage_domain', 'nfs-iso');
    const blocked = await client.api('POST', `${dcDomain(data.id)}/deactivate`, { body: {} });
    expect(blocked.status).toBe(409);
    expect(blocked.json.fault.detail).toBe(
      '[Cannot deactivate a Master Storage Domain while there are ISO/Export active domains in the Data Center.\n-Please deactivate all ISO/Export domains first.]',
    );
    await client.api('POST', `${dcDomain(iso.id)}/deactivate`, { body: {} });
    await client.waitForStatus(dcDomain(iso.id), 'maintenance');
    await client.api('POST', `${dcDomain(data.id)}/deactivate`, { body: {} });
    await client.waitForStatus(dcDomain(data.id), 'maintenance');
    const detach = await client.api('DELETE', dcDomain(data.id));
    expect(detach.status).toBe(409);
    expect(detach.json.detail).toContain('Cannot remove the master Storage Domain from the Data Center');
    const isoBack = await client.api('POST', `${dcDomain(iso.id)}/activate`, { body: {} });
    expect(isoBack.status).toBe(409);
  });

  it('moves the master to another active data domain on deactivation', async () => {
    const id = (await addDomain()).json.id;
    await client.waitForStatus(`/storagedomains/${id}`, 'unattached');
    await client.api('POST', `/datacenters/${dcId}/storagedomains`, { body: { id } });
    await client.waitForStatus(dcDomain(id), 'active');
    const iso = await client.findByName('storagedomains', 'storage_domain', 'nfs-iso');
    await client.api('POST', `${dcDomain(iso.id)}/deactivate`, { body: {} });
    await client.waitForStatus(dcDomain(iso.id), 'maintenance');
    const data = await client.findByName('storagedomains', 'storage_domain', 'nfs-data');
    await client.api('POST', `${dcDomain(data.id)}/deactivate`, { body: {} });
    await client.waitForStatus(dcDomain(data.id), 'maintenance');
    expect((await client.get(dcDomain(id))).master).toBe('true');
    expect((await client.api('DELETE', dcDomain(data.id))).status).toBe(200);
  });

  it('lists files of ISO domains only', async () => {
    const iso = await client.findByName('storagedomains', 'storage_domain', 'nfs-iso');
    const data = await client.findByName('storagedomains', 'storage_domain', 'nfs-data');
    expect(await client.get(`/storagedomains/${iso.id}/files?refresh=true`)).toEqual({});
    const dir = `/export/iso/${iso.id}/images/11111111-1111-1111-1111-111111111111`;
    storage().files.set(`${dir}/CentOS-7.iso`, { kind: 'file', uid: 36, gid: 36, mode: 0o640, size: 1 });
    storage().files.set(`${dir}/.partial.iso`, { kind: 'file', uid: 36, gid: 36, mode: 0o640, size: 1 });
    const files = await client.get(`/storagedomains/${iso.id}/files?refresh=true`);
    expect(files.file.map((f: { id: string }) => f.id)).toEqual(['CentOS-7.iso']);
    const onData = await client.api('GET', `/storagedomains/${data.id}/files`);
    expect(onData.status).toBe(400);
    expect(onData.json.reason).toBe('Operation Failed');
    expect((await client.get(`/storagedomains/${data.id}/disks`)).disk).toHaveLength(3);
  });
});

describe('a data center without storage', () => {
  it('makes the first attached data domain master and brings the data center up; ISO needs a master', async () => {
    const sim = await startSimulator({ timeScale: 0.002, seed: { storageDomains: [], vms: [] } });
    const client = new SimClient(sim);
    try {
      const dc = (await client.get('/datacenters')).data_center[0];
      expect(dc.status).toBe('uninitialized');
      const add = async (name: string, type: string, path: string) => {
        const res = await client.api('POST', '/storagedomains', {
          body: {
            name,
            type,
            storage: { type: 'nfs', address: 'ovirt.abc.local', path },
            host: { name: 'hyper2' },
          },
        });
        expect(res.status).toBe(201);
        return (await client.waitForStatus(`/storagedomains/${res.json.id}`, 'unattached')).id as string;
      };
      const isoId = await add('nfs-iso', 'iso', '/export/iso');
      const dataId = await add('nfs-data', 'data', '/export/data');
      const early = await client.api('POST', `/datacenters/${dc.id}/storagedomains`, { body: { id: isoId } });
      expect(early.status).toBe(409);
      await client.api('POST', `/datacenters/${dc.id}/storagedomains`, { body: { id: dataId } });
      const data = await client.waitForStatus(`/datacenters/${dc.id}/storagedomains/${dataId}`, 'active');
      expect(data.master).toBe('true');
      await client.waitForStatus(`/datacenters/${dc.id}`, 'up');
      const spm = (await client.get('/hosts')).host.filter(
        (h: { spm: { status: string } }) => h.spm.status === 'spm',
      );
      expect(spm).toHaveLength(1);
      expect(
        (await client.api('POST', `/datacenters/${dc.id}/storagedomains`, { body: { id: isoId } })).status,
      ).toBe(201);
      await client.waitForStatus(`/datacenters/${dc.id}/storagedomains/${isoId}`, 'active');
    } finally {
      await client.close();
      await sim.close();
    }
  });
});
