import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SimEngineVersion, type Simulator, startSimulator } from '../../src/sim/index.js';
import { loadApiModel } from '../../src/sim/model/api-model.js';
import { SimClient, type SimResponse } from './sim-client.js';

/**
 * The engine version the simulator plays (issue 9 §2): request bodies are read as strictly as that
 * version's engine reads them (docs/ovirt-model/README.md), and answers carry only members its
 * model has.
 */

const USAGE_REASON = 'Request syntactically incorrect.';
const usageDetail = (sim: Simulator, service: string, method: string): string =>
  `For correct usage, see: ${sim.baseUrl}/ovirt-engine/apidoc#services/${service}/methods/${method}`;

async function createIsoDisk(client: SimClient, name = 'alma9.iso', size = 1024 * 1024): Promise<string> {
  const disk = await client.api('POST', '/disks', {
    body: {
      name,
      content_type: 'iso',
      format: 'raw',
      sparse: 'false',
      provisioned_size: size,
      storage_domains: { storage_domain: [{ name: 'nfs-data' }] },
      description: `${name} from labops`,
    },
  });
  expect(disk.status).toBe(202);
  expect(disk.json.description).toBe(`${name} from labops`);
  await client.waitForStatus(`/disks/${disk.json.id}`, 'ok');
  return disk.json.id;
}

describe.each(['4.3.11', '4.4.10'] as const)('the simulator playing engine %s', (version) => {
  let sim: Simulator;
  let client: SimClient;
  const is43 = version === '4.3.11';

  beforeAll(async () => {
    sim = await startSimulator({ timeScale: 0.002, engineVersion: version });
    client = new SimClient(sim);
  });

  afterAll(async () => {
    await client.close();
    await sim.close();
  });

  it('reports the version it plays in product_info, with its parts as strings', async () => {
    expect(sim.engineVersion).toBe(version);
    const root = await client.get('');
    expect(root.product_info.version).toEqual(
      is43
        ? { major: '4', minor: '3', build: '11', revision: '4', full_version: '4.3.11.4-1.el7' }
        : { major: '4', minor: '4', build: '10', revision: '7', full_version: '4.4.10.7-1.el8' },
    );
  });

  it(`${is43 ? 'refuses' : 'accepts'} timeout_policy in an image transfer body`, async () => {
    const diskId = await createIsoDisk(client);
    const res = await client.api('POST', '/imagetransfers', {
      body: {
        disk: { id: diskId },
        direction: 'upload',
        inactivity_timeout: '120',
        timeout_policy: 'cancel',
      },
    });
    if (is43) {
      expect(res.status).toBe(400);
      expect(res.json).toEqual({
        reason: USAGE_REASON,
        detail: usageDetail(sim, 'image_transfers', 'add'),
      });
      expect(sim.uploads.size).toBe(0);
    } else {
      expect(res.status).toBe(201);
      expect(res.json.timeout_policy).toBe('cancel');
    }
  });

  it('accepts the transfer body of its version, with the disk as disk or as image', async () => {
    for (const link of ['disk', 'image']) {
      const diskId = await createIsoDisk(client, `${link}.iso`);
      const body: Record<string, unknown> = {
        [link]: { id: diskId },
        direction: 'upload',
        inactivity_timeout: '120',
      };
      if (!is43) Object.assign(body, { timeout_policy: 'cancel', format: 'raw' });
      const res = await client.api('POST', '/imagetransfers', { body });
      expect(res.status).toBe(201);
      expect(res.json.image).toEqual({ id: diskId });
      if (is43) {
        for (const member of ['disk', 'timeout_policy', 'shallow'])
          expect(res.json).not.toHaveProperty(member);
      } else {
        expect(res.json.disk.id).toBe(diskId);
      }
    }
  });

  it('refuses an unknown member at any depth, and a list without its wrapper', async () => {
    const nested = await client.api('POST', '/imagetransfers', {
      body: { disk: { id: 'x', bogus: 1 }, direction: 'upload' },
    });
    expect(nested.status).toBe(400);
    expect(nested.json.reason).toBe(USAGE_REASON);
    const deep = await client.api('POST', '/disks', {
      body: {
        name: 'a.iso',
        format: 'raw',
        provisioned_size: 1024,
        storage_domains: { storage_domain: [{ name: 'nfs-data', storage: { nfs_server: 'x' } }] },
      },
    });
    expect(deep.status).toBe(400);
    expect(deep.json.detail).toBe(usageDetail(sim, 'disks', 'add'));
    const unwrapped = await client.api('POST', '/disks', {
      body: { name: 'a.iso', format: 'raw', provisioned_size: 1024, storage_domains: [{ name: 'nfs-data' }] },
    });
    expect(unwrapped.status).toBe(400);
    const badJson = await client.raw('POST', `${sim.apiUrl}/disks`, {
      headers: {
        accept: 'application/json',
        'content-type': 'application/json',
        authorization: `Basic ${Buffer.from(`${sim.user}:${sim.password}`).toString('base64')}`,
      },
      body: '{"name":',
    });
    expect(badJson.status).toBe(400);
    expect(badJson.json.reason).toBe(USAGE_REASON);
  });

  it('answers the refusal as XML when XML is asked', async () => {
    const res = await client.api('POST', '/imagetransfers', {
      body: { disk: { id: 'x', bogus: 1 } },
      xml: true,
    });
    expect(res.status).toBe(400);
    expect(res.headers['content-type']).toBe('application/xml');
    expect(res.text).toContain(`<fault><reason>${USAGE_REASON}</reason><detail>For correct usage, see: `);
  });

  it('reads action bodies as the one type Action', async () => {
    const vm = await client.findByName('vms', 'vm', 'app1');
    // use_ignition is an Action member from 4.4 only; a 4.3 engine refuses it on any action.
    const ignition = await client.api('POST', `/vms/${vm.id}/start`, { body: { use_ignition: true } });
    if (is43) {
      expect(ignition.status).toBe(400);
      expect(ignition.json).toEqual({ reason: USAGE_REASON, detail: usageDetail(sim, 'vm', 'start') });
    } else {
      // Read, then refused by the engine's own check: app1 already runs.
      expect(ignition.status).toBe(409);
    }
    // force is no parameter of VmService.stop in 4.3, but an Action member: silently read.
    const stopped = await client.api('POST', `/vms/${vm.id}/stop`, { body: { force: true } });
    expect(stopped.status).toBe(200);
    await client.waitForStatus(`/vms/${vm.id}`, 'down');
    const bogus = await client.api('POST', `/vms/${vm.id}/start`, { body: { vm: { bogus: 1 } } });
    expect(bogus.status).toBe(400);
  });

  it('accepts href, link, actions and creation_status, and never refuses query parameters', async () => {
    const dc = (await client.get('/datacenters')).data_center[0];
    const iso = await client.findByName('storagedomains', 'storage_domain', 'nfs-iso');
    const detached = await client.api('DELETE', `/datacenters/${dc.id}/storagedomains/${iso.id}`);
    expect(detached.status).toBe(409); // an active domain cannot be detached: the body was read first
    const attach = await client.api('POST', `/datacenters/${dc.id}/storagedomains?bogus_param=1`, {
      body: {
        id: iso.id,
        href: iso.href,
        link: [{ href: `${iso.href}/files`, rel: 'files' }],
        actions: { link: [] },
        creation_status: 'complete',
      },
    });
    expect(attach.status).not.toBe(400);
    const disk = await client.api('POST', '/disks?all_content=true', {
      body: {
        name: 'wrapped.iso',
        format: 'raw',
        provisioned_size: 1024,
        storage_domains: { storage_domain: [{ name: 'nfs-data', href: '/x', link: [] }] },
      },
    });
    expect(disk.status).toBe(202);
  });

  it(`${is43 ? 'refuses' : 'takes'} a floating disk's new description (PUT /disks/{id})`, async () => {
    const diskId = await createIsoDisk(client, 'described.iso');
    const res = await client.api('PUT', `/disks/${diskId}`, { body: { description: 'labops size=1' } });
    if (is43) {
      // 4.3's BackendDiskResource.update only amends a QCOW version.
      expect(res.status).toBe(409);
      expect(res.json).toEqual({
        reason: 'Operation Failed',
        detail:
          'Updating disk attributes other than QCOW version is permitted only for disk-attachments, which reside under VMs.',
      });
      expect((await client.get(`/disks/${diskId}`)).description).toBe('described.iso from labops');
    } else {
      expect(res.status).toBe(200);
      expect(res.json.description).toBe('labops size=1');
      expect((await client.get(`/disks/${diskId}`)).description).toBe('labops size=1');
    }
  });

  it('renders data center and cluster compatibility of its version', async () => {
    const dc = (await client.get('/datacenters')).data_center[0];
    const cluster = (await client.get('/clusters')).cluster[0];
    const expected = is43 ? { major: '4', minor: '3' } : { major: '4', minor: '6' };
    expect(dc.version).toEqual(expected);
    expect(cluster.version).toEqual(expected);
  });
});

describe("a body the client sends is one the engine's model reads", () => {
  // The bodies labops sends (src/engine/engine-client.ts) and the lab guide's, at both versions.
  const bodies: [string, string, unknown][] = [
    ['POST', '/hosts', { name: 'h', address: 'h.lab', cluster: { name: 'Default' }, root_password: 'x' }],
    [
      'POST',
      '/hosts',
      {
        name: 'h',
        address: 'h.lab',
        cluster: { id: 'c' },
        ssh: { authentication_method: 'publickey', port: '22' },
      },
    ],
    [
      'POST',
      '/storagedomains',
      {
        name: 'd',
        type: 'data',
        storage: { type: 'nfs', address: 'a', path: '/p', nfs_version: 'auto' },
        host: { name: 'hyper1' },
      },
    ],
    ['POST', '/datacenters/1/storagedomains', { id: 'sd' }],
    ['POST', '/datacenters/1/storagedomains/2/activate', {}],
    ['POST', '/hosts/1/deactivate', { reason: 'patching' }],
    [
      'POST',
      '/disks',
      {
        name: 'a.iso',
        alias: 'a.iso',
        content_type: 'iso',
        format: 'raw',
        sparse: 'false',
        provisioned_size: 1024,
        storage_domains: { storage_domain: [{ id: 'sd' }] },
      },
    ],
    [
      'POST',
      '/vms/1/start',
      {
        vm: {
          os: { boot: { devices: { device: ['cdrom', 'hd'] } } },
          cdroms: { cdrom: [{ file: { id: 'alma9.iso' } }] },
        },
      },
    ],
    ['POST', '/vms/1/stop', {}],
    ['PUT', '/vms/1/cdroms/00000000-0000-0000-0000-000000000000', { file: { id: 'alma9.iso' } }],
    ['POST', '/imagetransfers', { disk: { id: 'd' }, direction: 'upload', inactivity_timeout: '120' }],
    ['POST', '/imagetransfers/1/finalize', {}],
    ['POST', '/imagetransfers/1/cancel', {}],
  ];

  it.each(['4.3.11', '4.4.10'] as const)('at %s', (version) => {
    const api = loadApiModel(version);
    for (const [method, path, body] of bodies) {
      const operation = api.findOperation(method, path);
      expect(operation?.bodyType, `${method} ${path}`).toBeDefined();
      expect(api.findUnknownMember(operation!.bodyType!, body), `${method} ${path}`).toBeUndefined();
    }
  });

  it('names the member refused, and tells a 4.3 transfer from a 4.4 one', () => {
    const v43 = loadApiModel('4.3.11');
    const v44 = loadApiModel('4.4.10');
    const transfer = { disk: { id: 'd' }, direction: 'upload', timeout_policy: 'cancel', format: 'raw' };
    expect(v43.findUnknownMember('ImageTransfer', transfer)).toBe('timeout_policy');
    expect(v44.findUnknownMember('ImageTransfer', transfer)).toBeUndefined();
    expect(v43.findUnknownMember('ImageTransfer', { disk: { id: 'x', bogus: 1 } })).toBe('disk.bogus');
    expect(
      v43.findUnknownMember('Vm', {
        cdroms: { cdrom: [{ file: { id: 'a' } }, { file: { name: 'b', x: 1 } }] },
      }),
    ).toBe('cdroms.cdrom[1].file.x');
    expect(v43.findUnknownMember('Disk', { name: { nested: 'object' } })).toBe('name');
    expect(
      v43.findUnknownMember('Disk', { storage_domains: { storage_domain: [], total: '1' } }),
    ).toBeUndefined();
    expect(v43.findOperation('POST', '/vms/123/start')).toMatchObject({
      service: 'VmService',
      method: 'start',
    });
    expect(v43.findOperation('PUT', '/vms/1/cdroms/2')).toMatchObject({
      service: 'VmCdromService',
      method: 'update',
      bodyType: 'Cdrom',
    });
    expect(v43.findOperation('GET', '/hosts')).toMatchObject({ answerType: 'Host', answerList: true });
    expect(v43.tag).toBe('4.3.31');
    expect(v44.tag).toBe('4.4.35');
  });
});

describe('every answer carries only members of the played version', () => {
  /** Every GET route the simulator serves, filled from the lab's own objects. */
  async function readEverything(client: SimClient): Promise<[string, SimResponse['json']][]> {
    const dc = (await client.get('/datacenters')).data_center[0];
    const cluster = (await client.get('/clusters')).cluster[0];
    const host = (await client.get('/hosts')).host[0];
    const vm = (await client.get('/vms')).vm[0];
    const data = await client.findByName('storagedomains', 'storage_domain', 'nfs-data');
    const iso = await client.findByName('storagedomains', 'storage_domain', 'nfs-iso');
    const diskId = await createIsoDisk(client);
    const transfer = await client.api('POST', '/imagetransfers', {
      body: { disk: { id: diskId }, direction: 'upload' },
    });
    expect(transfer.status).toBe(201);
    await client.waitFor('transferring', async () => {
      const t = await client.get(`/imagetransfers/${transfer.json.id}`);
      return t.phase === 'transferring';
    });
    const event = (await client.get('/events')).event[0];
    const job = (await client.get('/jobs')).job[0];
    const paths = [
      '',
      '/datacenters',
      `/datacenters/${dc.id}`,
      `/datacenters/${dc.id}/clusters`,
      `/datacenters/${dc.id}/storagedomains`,
      `/datacenters/${dc.id}/storagedomains/${data.id}`,
      '/clusters',
      `/clusters/${cluster.id}`,
      '/hosts',
      `/hosts/${host.id}`,
      '/vms',
      `/vms/${vm.id}`,
      `/vms/${vm.id}/diskattachments`,
      `/vms/${vm.id}/cdroms`,
      `/vms/${vm.id}/cdroms/00000000-0000-0000-0000-000000000000?current=true`,
      '/storagedomains',
      `/storagedomains/${data.id}`,
      `/storagedomains/${iso.id}/files`,
      `/storagedomains/${data.id}/disks`,
      '/disks',
      `/disks/${diskId}`,
      '/imagetransfers',
      `/imagetransfers/${transfer.json.id}`,
      '/events',
      `/events/${event.id}`,
      '/jobs',
      `/jobs/${job.id}`,
      `/jobs/${job.id}/steps`,
    ];
    return Promise.all(paths.map(async (path) => [path, await client.get(path)] as [string, unknown]));
  }

  it.each(['4.3.11', '4.4.10'] as const)('at %s', async (version: SimEngineVersion) => {
    const sim = await startSimulator({ timeScale: 0.002, engineVersion: version });
    const client = new SimClient(sim);
    try {
      const api = loadApiModel(version);
      const answers = await readEverything(client);
      const problems: string[] = [];
      for (const [path, body] of answers) {
        const operation = api.findOperation('GET', path.split('?')[0] ?? path);
        if (!operation?.answerType) {
          problems.push(`${path}: no GET in the model`);
          continue;
        }
        const items: unknown[] = operation.answerList
          ? (Object.values(body as Record<string, unknown[]>)[0] ?? [])
          : [body];
        if (operation.answerList) expect(Object.keys(body).length, path).toBeLessThanOrEqual(1);
        for (const item of items) {
          const unknown = api.findUnknownMember(operation.answerType, item);
          if (unknown !== undefined) problems.push(`${path}: ${operation.answerType}.${unknown}`);
        }
      }
      const action = await client.api('POST', `/hosts/${(await client.get('/hosts')).host[0].id}/activate`, {
        body: {},
      });
      expect(api.findUnknownMember('Action', action.json)).toBeUndefined();
      expect(problems).toEqual([]);
    } finally {
      await client.close();
      await sim.close();
    }
  });
});

describe("a VM's CD drive: the saved configuration and the running VM's view (ovirt-api.md §5.1)", () => {
  let sim: Simulator;
  let client: SimClient;
  let vmId: string;
  const drive = () => `/vms/${vmId}/cdroms/00000000-0000-0000-0000-000000000000`;
  const put = (file: unknown, current: boolean) =>
    client.api('PUT', `${drive()}${current ? '?current=true' : ''}`, {
      body: file === undefined ? {} : { file },
    });
  const fileOf = async (path: string): Promise<string | undefined> => (await client.get(path)).file?.id;
  const saved = async () => (await client.get(`/vms/${vmId}/cdroms`)).cdrom[0].file?.id;

  beforeAll(async () => {
    sim = await startSimulator({ timeScale: 0.002 });
    client = new SimClient(sim);
    vmId = (await client.findByName('vms', 'vm', 'web1')).id;
    const storage = sim.machines.get('storage')!;
    const isoDir = [...storage.files.keys()].find((p) =>
      p.endsWith('/images/11111111-1111-1111-1111-111111111111'),
    );
    for (const name of ['centos.iso', 'alma.iso', 'tools.img']) {
      storage.files.set(`${isoDir}/${name}`, { kind: 'file', uid: 36, gid: 36, mode: 0o640, size: 1 });
    }
  });

  afterAll(async () => {
    await client.close();
    await sim.close();
  });

  it('changes only the running VM with current=true, and reads it back only with current=true', async () => {
    const res = await put({ id: 'centos.iso' }, true);
    expect(res.status).toBe(200);
    expect(res.json.file.id).toBe('centos.iso');
    expect(await fileOf(`${drive()}?current=true`)).toBe('centos.iso');
    expect(await fileOf(drive())).toBeUndefined();
    expect(await saved()).toBeUndefined();
  });

  it('changes only the saved configuration without current', async () => {
    const res = await put({ id: 'alma.iso' }, false);
    expect(res.status).toBe(200);
    expect(res.json.file.id).toBe('alma.iso');
    expect(await saved()).toBe('alma.iso');
    expect(await fileOf(drive())).toBe('alma.iso');
    expect(await fileOf(`${drive()}?current`)).toBe('centos.iso');
  });

  it('takes an ISO disk by id, refuses other names, and keeps the not-available refusal', async () => {
    const diskId = await createIsoDisk(client, 'disk.iso');
    expect((await put({ id: diskId }, true)).status).toBe(200);
    expect(await fileOf(`${drive()}?current=true`)).toBe(diskId);
    for (const current of [true, false]) {
      const wrongName = await put({ id: 'tools.img' }, current);
      expect(wrongName.status).toBe(409);
      expect(wrongName.json.detail).toBe(
        `[Cannot ${current ? 'Change CD' : 'edit'} VM. Invalid CD image format.]`,
      );
    }
    const missing = await put({ id: 'missing.iso' }, true);
    expect(missing.status).toBe(409);
    expect(missing.json.detail).toContain('is not available in the Data Center');
    const noFile = await put(undefined, true);
    expect(noFile.status).toBe(400);
    expect(noFile.json).toEqual({
      reason: 'Incomplete parameters',
      detail: 'Cdrom [file] required for update',
    });
    expect(await fileOf(`${drive()}?current=true`)).toBe(diskId);
  });

  it('drops the running view when the VM stops, refuses current while down, and boots with the saved CD', async () => {
    expect((await client.api('POST', `/vms/${vmId}/stop`, { body: {} })).status).toBe(200);
    await client.waitForStatus(`/vms/${vmId}`, 'down');
    expect(await fileOf(`${drive()}?current=true`)).toBeUndefined();
    expect(await saved()).toBe('alma.iso');
    const whileDown = await put({ id: 'centos.iso' }, true);
    expect(whileDown.status).toBe(409);
    expect(whileDown.json.detail).toBe('[Cannot Change CD VM because the VM is in Down status.]');
    expect((await put({ id: 'centos.iso' }, false)).status).toBe(200);

    expect((await client.api('POST', `/vms/${vmId}/start`, { body: {} })).status).toBe(200);
    await client.waitForStatus(`/vms/${vmId}`, 'up');
    expect(await fileOf(`${drive()}?current=true`)).toBe('centos.iso');
    const eject = await put({ id: '' }, true);
    expect(eject.status).toBe(200);
    expect(eject.json).not.toHaveProperty('file');
    expect(await fileOf(`${drive()}?current=true`)).toBeUndefined();
    expect(await saved()).toBe('centos.iso');
  });
});
