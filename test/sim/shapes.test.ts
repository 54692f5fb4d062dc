import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Simulator, startSimulator } from '../../src/sim/index.js';
import { SimClient, type SimResponse } from './sim-client.js';

/**
 * Every engine example shape of ovirt-api.md §8 that the simulator serves: the simulator's answer
 * has every key of the fixture (recursively; arrays compare their first element) with the same
 * JSON scalar type — booleans and small ints as strings, longs and dates as numbers.
 */

const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'engine');
const fixture = (name: string): unknown => JSON.parse(readFileSync(join(FIXTURES, name), 'utf8'));

function shapeProblems(actual: unknown, expected: unknown, path = '$'): string[] {
  if (Array.isArray(expected)) {
    if (!Array.isArray(actual)) return [`${path}: expected an array, got ${JSON.stringify(actual)}`];
    if (expected.length === 0) return [];
    if (actual.length === 0) return [`${path}: expected a non-empty array`];
    return shapeProblems(actual[0], expected[0], `${path}[0]`);
  }
  if (expected !== null && typeof expected === 'object') {
    if (actual === null || typeof actual !== 'object' || Array.isArray(actual)) {
      return [`${path}: expected an object, got ${JSON.stringify(actual)}`];
    }
    return Object.entries(expected).flatMap(([key, value]) =>
      key in actual
        ? shapeProblems((actual as Record<string, unknown>)[key], value, `${path}.${key}`)
        : [`${path}.${key}: missing`],
    );
  }
  return typeof actual === typeof expected
    ? []
    : [`${path}: expected a ${typeof expected}, got ${typeof actual} (${JSON.stringify(actual)})`];
}

/** `omit`: top-level members of the fixture the played engine version does not have. */
function expectShape(actual: unknown, fixtureName: string, omit: string[] = []): void {
  const expected = { ...(fixture(fixtureName) as Record<string, unknown>) };
  for (const key of omit) delete expected[key];
  expect(shapeProblems(actual, expected)).toEqual([]);
}

/**
 * §8.14 shows a 4.4 transfer. A 4.3 engine has no `timeout_policy` and links the disk as `image`
 * only (ovirt-api.md §5.2).
 */
const TRANSFER_MEMBERS_4_4 = ['timeout_policy', 'disk'];

/** Creates an ISO disk and a transfer for it; checks 14b, 15 and 14 on the way; answers the transfer. */
async function checkTransferShapes(
  client: SimClient,
  dataDomainId: string,
  omit: string[],
): Promise<SimResponse['json']> {
  const size = 1024 * 1024;
  const disk = await client.api('POST', '/disks', {
    body: {
      name: 'alma9.iso',
      content_type: 'iso',
      format: 'raw',
      sparse: 'false',
      provisioned_size: size,
      storage_domains: { storage_domain: [{ id: dataDomainId }] },
    },
  });
  expect(disk.json.status).toBe('locked');
  expectShape(disk.json, '15-iso-disk.json');
  await client.waitForStatus(`/disks/${disk.json.id}`, 'ok');

  const transfer = await client.api('POST', '/imagetransfers', {
    body: { disk: { id: disk.json.id }, direction: 'upload', format: 'raw' },
  });
  expect(transfer.json.phase).toBe('initializing');
  expect(transfer.json).not.toHaveProperty('transfer_url');
  expectShape(transfer.json, '14b-image-transfer-initializing.json', omit);
  const ready = await client.waitFor('transferring', async () => {
    const t = await client.get(`/imagetransfers/${transfer.json.id}`);
    return t.phase === 'transferring' ? t : undefined;
  });
  expectShape(ready, '14-image-transfer-transferring.json', omit);
  expect(ready.image).toEqual({ id: disk.json.id });
  for (const member of omit) expect(ready).not.toHaveProperty(member);
  return ready;
}

describe('the shape check itself', () => {
  it('rejects numbers where the engine emits strings, and missing keys', () => {
    expect(shapeProblems({ host: [{ port: 54321 }] }, { host: [{ port: '54321', name: 'x' }] })).toEqual([
      '$.host[0].port: expected a string, got number (54321)',
      '$.host[0].name: missing',
    ]);
    expect(shapeProblems({ master: true }, { master: 'true' })).toHaveLength(1);
  });
});

describe('engine answers have the shapes of ovirt-api.md §8', () => {
  let sim: Simulator;
  let client: SimClient;
  let dcId: string;
  let dataDomainId: string;

  beforeAll(async () => {
    sim = await startSimulator({
      timeScale: 0.002,
      seed: {
        exports: [
          { path: '/export/data', sizeBytes: 50 * 1024 ** 3 },
          { path: '/export/iso', sizeBytes: 50 * 1024 ** 3 },
          { path: '/export/spare', sizeBytes: 20 * 1024 ** 3 },
        ],
      },
    });
    client = new SimClient(sim);
    dcId = (await client.get('/datacenters')).data_center[0].id;
    dataDomainId = (await client.findByName('storagedomains', 'storage_domain', 'nfs-data')).id;
  });

  afterAll(async () => {
    await client.close();
    await sim.close();
  });

  it('1, 2: SSO token and SSO failure', async () => {
    const ok = await client.login();
    expect(ok.status).toBe(200);
    expectShape(ok.json, '01-sso-token.json');
    const failed = await new SimClient(sim).login('wrong');
    expect(failed.status).toBe(400);
    expectShape(failed.json, '02-sso-failure.json');
  });

  it('3: a plain fault', async () => {
    const res = await client.api('POST', '/hosts', { body: { cluster: { name: 'Default' } } });
    expect(res.status).toBe(400);
    expect(res.json.reason).toBe('Incomplete parameters');
    expectShape(res.json, '03-plain-fault.json');
  });

  it('4: a validation failure of an action', async () => {
    const host = await client.findByName('hosts', 'host', 'hyper2');
    const res = await client.api('POST', `/hosts/${host.id}/activate`, { body: {} });
    expect(res.status).toBe(409);
    expect(res.json.fault.detail).toBe('[Cannot activate Host. Host in Up status.]');
    expectShape(res.json, '04-action-validation-failure.json');
  });

  it('7, 13, 16, 20: host, data center and event collections, and an empty collection', async () => {
    expectShape(await client.get('/hosts'), '07-host-collection.json');
    expectShape(await client.get('/datacenters'), '13-data-center-collection.json');
    expectShape(await client.get('/events'), '16-event-collection.json');
    expect(await client.get('/imagetransfers')).toEqual({});
    expectShape(await client.get('/imagetransfers'), '20-empty-collection.json');
  });

  it('10, 11: an attached domain globally (no status) and in its data center', async () => {
    const global = await client.get(`/storagedomains/${dataDomainId}`);
    expectShape(global, '10-storage-domain-attached-global.json');
    expect(global).not.toHaveProperty('status');
    const inDc = await client.get(`/datacenters/${dcId}/storagedomains/${dataDomainId}`);
    expectShape(inDc, '11-storage-domain-dc-view.json');
    expect(inDc.status).toBe('active');
  });

  it('9, 12: an unattached domain, and the bare 404 of its DC-scoped view', async () => {
    const created = await client.api('POST', '/storagedomains', {
      body: {
        name: 'spare',
        type: 'data',
        storage: { type: 'nfs', address: 'ovirt.abc.local', path: '/export/spare' },
        host: { name: 'hyper1' },
      },
    });
    expect(created.status).toBe(201);
    const domain = await client.waitForStatus(`/storagedomains/${created.json.id}`, 'unattached');
    expectShape(domain, '09-storage-domain-unattached.json');

    const res = await client.api('GET', `/datacenters/${dcId}/storagedomains/${domain.id}`, {
      headers: { 'Correlation-Id': 'shape-12' },
    });
    expect(res.status).toBe(404);
    expect(res.text).toBe('');
    expect(res.headers['content-length']).toBe('0');
    expect(res.headers['content-type']).toBeUndefined();
    expect(res.headers['correlation-id']).toBe('shape-12');
  });

  it('5, 8, 17: action success, a host mid-maintenance and a job', async () => {
    sim.knobs.pinVm('db1');
    const host = await client.findByName('hosts', 'host', 'hyper1');
    const res = await client.api('POST', `/hosts/${host.id}/deactivate`, { body: {} });
    expect(res.status).toBe(200);
    expectShape(res.json, '05-action-success.json');
    const preparing = await client.waitFor('web1 to leave hyper1', async () => {
      const h = await client.get(`/hosts/${host.id}`);
      return h.summary.total === '1' ? h : undefined;
    });
    expectShape(preparing, '08-host-preparing-for-maintenance.json');
    expect(preparing.status).toBe('preparing_for_maintenance');
    const job = await client.waitForStatus(`/jobs/${res.json.job.id}`, 'failed');
    expectShape(job, '17-job.json');
    await client.api('POST', `/hosts/${host.id}/activate`, { body: {} });
    await client.waitForStatus(`/hosts/${host.id}`, 'up');
  });

  it('6: the async answer of a storage domain deactivation', async () => {
    const iso = await client.findByName('storagedomains', 'storage_domain', 'nfs-iso');
    const res = await client.api('POST', `/datacenters/${dcId}/storagedomains/${iso.id}/deactivate`, {
      body: {},
    });
    expect(res.status).toBe(202);
    expectShape(res.json, '06-async-action.json');
    await client.waitForStatus(`/datacenters/${dcId}/storagedomains/${iso.id}`, 'maintenance');
  });

  it('14, 14b, 15, 18, 19: ISO disk, image transfer phases (4.3), imageio OPTIONS and its 416', async () => {
    expect(sim.engineVersion).toBe('4.3.11');
    const size = 1024 * 1024;
    const ready = await checkTransferShapes(client, dataDomainId, TRANSFER_MEMBERS_4_4);

    const options = await client.raw('OPTIONS', ready.transfer_url);
    expect(options.status).toBe(200);
    expect(options.headers.allow).toBe('GET,PUT,PATCH,OPTIONS');
    expectShape(options.json, '18-imageio-options.json');

    const tooFar = await client.raw('PUT', ready.transfer_url, {
      headers: { 'content-range': `bytes ${size - 2}-${size + 1}/*` },
      body: Buffer.alloc(4),
    });
    expect(tooFar.status).toBe(416);
    expect(tooFar.headers['content-type']).toBe('text/plain; charset=UTF-8');
    expect(tooFar.headers['content-range']).toBe(`bytes */${size}`);
    expect(tooFar.text).toBe('Requested range out of allowed range\n');
  });
});

describe('engine answers at 4.4.10', () => {
  let sim: Simulator;
  let client: SimClient;

  beforeAll(async () => {
    sim = await startSimulator({ timeScale: 0.002, engineVersion: '4.4.10' });
    client = new SimClient(sim);
  });

  afterAll(async () => {
    await client.close();
    await sim.close();
  });

  it('14, 14b: the image transfer has timeout_policy and links its disk as disk and image', async () => {
    const dataDomainId = (await client.findByName('storagedomains', 'storage_domain', 'nfs-data')).id;
    const ready = await checkTransferShapes(client, dataDomainId, []);
    expect(ready.timeout_policy).toBe('legacy');
    expect(ready.shallow).toBe('false');
  });
});
