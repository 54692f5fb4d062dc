import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Simulator, startSimulator } from '../../src/sim/index.js';
import { SimClient } from './sim-client.js';

describe('the simulated engine transport: auth, representation, faults and knobs', () => {
  let sim: Simulator;
  let client: SimClient;

  beforeAll(async () => {
    sim = await startSimulator({ timeScale: 0.002 });
    client = new SimClient(sim);
    await client.login();
  });

  afterAll(async () => {
    await client.close();
    await sim.close();
  });

  it('refuses API calls without a live token with a non-JSON 401', async () => {
    const res = await client.api('GET', '/hosts', { anonymous: true });
    expect(res.status).toBe(401);
    expect(res.json).toBeUndefined();
    expect(res.headers['content-type']).toMatch(/text\/html/);
  });

  it('answers the two SSO error shapes of §1.1', async () => {
    const rest = await new SimClient(sim).login('nope');
    expect(rest.status).toBe(400);
    expect(rest.json).toEqual({
      error_code: 'access_denied',
      error: "Cannot authenticate user 'admin@internal': The username or password is incorrect..",
    });
    const oauth = await new SimClient(sim).login(sim.password, 'openid');
    expect(oauth.status).toBe(400);
    expect(Object.keys(oauth.json).sort()).toEqual(['error', 'error_description']);
  });

  it('expires tokens on demand, and logout revokes one', async () => {
    sim.knobs.expireTokens();
    expect((await client.api('GET', '/hosts')).status).toBe(401);
    await client.login();
    expect((await client.api('GET', '/hosts')).status).toBe(200);

    const other = new SimClient(sim);
    const token = (await other.login()).json.access_token;
    const logout = await other.raw('POST', `${sim.baseUrl}/ovirt-engine/services/sso-logout`, {
      headers: { accept: 'application/json', 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ scope: 'ovirt-app-api', token }).toString(),
    });
    expect(logout.status).toBe(200);
    expect((await other.api('GET', '/hosts')).status).toBe(401);
    await other.close();
  });

  it('answers XML unless JSON is accepted, and takes the v4 prefix', async () => {
    const xml = await client.api('GET', '/hosts', { xml: true });
    expect(xml.headers['content-type']).toBe('application/xml');
    expect(xml.text).toMatch(/<hosts><host id="[^"]+" href="[^"]+"><name>hyper1<\/name>/);
    const v4 = await client.raw('GET', `${sim.baseUrl}/ovirt-engine/api/v4/hosts`, {
      headers: {
        accept: 'application/json',
        authorization: `Bearer ${(await client.login()).json.access_token}`,
        version: '4',
      },
    });
    expect(v4.json.host).toHaveLength(2);
  });

  it('serves the CA, the engine SSH key and health', async () => {
    const ca = await client.raw(
      'GET',
      `${sim.baseUrl}/ovirt-engine/services/pki-resource?resource=ca-certificate&format=X509-PEM-CA`,
    );
    expect(ca.text).toBe(sim.caPem);
    const key = await client.raw(
      'GET',
      `${sim.baseUrl}/ovirt-engine/services/pki-resource?resource=engine-certificate&format=OPENSSH-PUBKEY`,
    );
    expect(key.text.trim()).toBe(sim.engineSshPublicKey);
    expect(key.text).toMatch(/^ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI[\w+/]+=* /);
    expect(sim.machines.get('hyper1')?.files.get('/root/.ssh/authorized_keys')?.content).toContain(
      sim.engineSshPublicKey,
    );
    const health = await client.raw('GET', `${sim.baseUrl}/ovirt-engine/services/health`);
    expect(health.status).toBe(200);
  });

  it('echoes the Correlation-Id, tags jobs and events with it, and records requests', async () => {
    const iso = await client.findByName('storagedomains', 'storage_domain', 'nfs-iso');
    const dcId = (await client.get('/datacenters')).data_center[0].id;
    const res = await client.api(
      'POST',
      `/datacenters/${dcId}/storagedomains/${iso.id}/deactivate?correlation_id=corr-q`,
      {
        body: {},
      },
    );
    expect(res.headers['correlation-id']).toBe('corr-q');
    await client.waitForStatus(`/datacenters/${dcId}/storagedomains/${iso.id}`, 'maintenance');
    const jobs = await client.get(`/jobs?search=${encodeURIComponent('correlation_id=corr-q')}`);
    expect(jobs.job[0].status).toBe('finished');
    expect((await client.events(968))[0]?.correlation_id).toBe('corr-q');
    const activate = await client.api('POST', `/datacenters/${dcId}/storagedomains/${iso.id}/activate`, {
      body: {},
      headers: { 'Correlation-Id': 'corr-h' },
    });
    expect(activate.headers['correlation-id']).toBe('corr-h');
    const recorded = sim.requests.filter((r) => r.correlationId === 'corr-h');
    expect(recorded).toHaveLength(1);
    expect(recorded[0]).toMatchObject({ method: 'POST', status: 200 });
    await client.waitForStatus(`/datacenters/${dcId}/storagedomains/${iso.id}`, 'active');
  });

  it('pages events with from (strictly greater) and max, newest first', async () => {
    const all = (await client.get('/events')).event as { index: string; time: number }[];
    expect(all.length).toBeGreaterThan(2);
    expect(typeof all[0]?.time).toBe('number');
    const indexes = all.map((e) => Number(e.index));
    expect(indexes).toEqual([...indexes].sort((a, b) => b - a));
    const newest = (await client.get('/events?max=1')).event;
    expect(newest).toHaveLength(1);
    expect(newest[0].index).toBe(all[0]?.index);
    const after = (await client.get(`/events?from=${indexes[2]}`)).event;
    expect(after.map((e: { index: string }) => Number(e.index))).toEqual(indexes.slice(0, 2));
  });

  it('injects each kind of fault, once or on a matching path', async () => {
    sim.knobs.injectFault({ kind: 'server-error', path: '/hosts' });
    const serverError = await client.api('GET', '/hosts');
    expect(serverError.status).toBe(500);
    expect(Object.keys(serverError.json)).toEqual(['reason', 'detail']);
    expect((await client.api('GET', '/hosts')).status).toBe(200);

    sim.knobs.injectFault({ kind: 'html', method: 'GET' });
    const html = await client.api('GET', '/vms');
    expect(html.status).toBe(502);
    expect(html.headers['content-type']).toMatch(/text\/html/);

    sim.knobs.injectFault({ kind: 'garbage' });
    const garbage = await client.api('GET', '/vms');
    expect(garbage.status).toBe(200);
    expect(garbage.json).toBeUndefined();

    sim.knobs.injectFault({ kind: 'locked', path: /^\/hosts\/[^/]+\/deactivate$/ });
    const hyper2 = await client.findByName('hosts', 'host', 'hyper2');
    const locked = await client.api('POST', `/hosts/${hyper2.id}/deactivate`, { body: {} });
    expect(locked.status).toBe(409);
    expect(locked.json.detail).toContain(
      'Related operation is currently in progress. Please try again later.',
    );
    expect((await client.get(`/hosts/${hyper2.id}`)).status).toBe('up');

    sim.knobs.injectFault({ kind: 'drop', count: 2 });
    await expect(client.api('GET', '/hosts')).rejects.toThrow();
    await expect(client.api('GET', '/hosts')).rejects.toThrow();
    expect((await client.api('GET', '/hosts')).status).toBe(200);

    sim.knobs.injectFault({ kind: 'server-error', count: Number.POSITIVE_INFINITY, status: 503 });
    expect((await client.api('GET', '/hosts')).status).toBe(503);
    expect((await client.api('GET', '/vms')).status).toBe(503);
    sim.knobs.clearFaults();
    expect((await client.api('GET', '/vms')).status).toBe(200);
  });

  it('delays every answer by the latency knob', async () => {
    sim.knobs.setLatency(60);
    const started = Date.now();
    await client.api('GET', '/datacenters');
    expect(Date.now() - started).toBeGreaterThanOrEqual(55);
    sim.knobs.setLatency(0);
  });

  it('derives timing from the time scale, with floors', () => {
    expect(sim.timing).toEqual({ pollIntervalMs: 6, shortDeadlineMs: 1000, longDeadlineMs: 3000 });
  });
});
