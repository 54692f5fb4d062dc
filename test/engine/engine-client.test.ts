import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EngineClient } from '../../src/engine/engine-client.js';
import { LabopsError } from '../../src/errors.js';
import { type SimLab, startSimLab } from '../support/engine.js';

/** Runs `fn` and answers the LabopsError it threw (fails the test if it did not throw one). */
async function caught(fn: () => Promise<unknown>): Promise<LabopsError> {
  try {
    await fn();
  } catch (error) {
    if (error instanceof LabopsError) return error;
    throw error;
  }
  throw new Error('expected a LabopsError, nothing was thrown');
}

// Every test runs against the simulator playing each engine version the client supports (issue 9 §2).
describe.each(['4.3.11', '4.4.10'] as const)('at engine %s', (engineVersion) => {
  describe('the engine client against the simulator, over loopback HTTPS', () => {
    let lab: SimLab;
    beforeAll(async () => {
      lab = await startSimLab({ engineVersion });
    });
    afterAll(async () => {
      await lab?.close();
    });

    it('logs in with an SSO token and speaks JSON API v4', async () => {
      const hosts = await lab.client.listHosts();
      expect(hosts.map((h) => h.name).sort()).toEqual(['hyper1', 'hyper2']);
      const tokenRequests = lab.sim.requests.filter((r) => r.url.startsWith('/ovirt-engine/sso/oauth/token'));
      expect(tokenRequests.length).toBeGreaterThanOrEqual(1);
      const apiRequest = lab.sim.requests.find((r) => r.url.startsWith('/ovirt-engine/api/hosts'));
      expect(apiRequest?.headers.version).toBe('4');
      expect(apiRequest?.headers.accept).toBe('application/json');
      expect(String(apiRequest?.headers.authorization)).toMatch(/^Bearer \S+/);
    });

    it('reads the lab: data center, cluster, hosts with SPM, VMs, domains with their status', async () => {
      const [dcs, clusters, hosts, vms, domains] = await Promise.all([
        lab.client.listDataCenters(),
        lab.client.listClusters(),
        lab.client.listHosts(),
        lab.client.listVms(),
        lab.client.listStorageDomains(),
      ]);
      expect(dcs).toEqual([expect.objectContaining({ name: 'Default', status: 'up' })]);
      expect(clusters[0]?.name).toBe('Default');
      expect(hosts.filter((h) => h.isSpm).map((h) => h.name)).toEqual(['hyper1']);
      expect(vms.map((v) => v.name).sort()).toEqual(['app1', 'db1', 'web1']);
      // §4.3: attached domains have no status in the global view, only in the data center's.
      expect(domains.every((d) => d.status === undefined)).toBe(true);
      const attached = await lab.client.listAttachedStorageDomains(dcs[0]!.id);
      expect(attached.map((d) => [d.name, d.status, d.isMaster]).sort()).toEqual([
        ['nfs-data', 'active', true],
        ['nfs-iso', 'active', false],
      ]);
      const hyper1 = await lab.client.findHost('hyper1');
      const onHyper1 = await lab.client.listVms({ hostName: 'hyper1' });
      expect(onHyper1.every((v) => v.hostId === hyper1.id)).toBe(true);
      expect(onHyper1.map((v) => v.name).sort()).toEqual(['db1', 'web1']);
    });

    it('finds objects by exact name and says which one is missing', async () => {
      expect((await lab.client.findHost('HYPER2')).name).toBe('hyper2');
      const error = await caught(() => lab.client.findHost('hyper9'));
      expect(error.code).toBe('NOT_FOUND');
      expect(error.message).toContain('no host named "hyper9"');
      const byId = await caught(() => lab.client.getHost('00000000-0000-0000-0000-000000000000'));
      expect(byId.code).toBe('NOT_FOUND');
    });

    it('reads an unattached domain in the data-center view as absent (the empty-body 404)', async () => {
      const [dc] = await lab.client.listDataCenters();
      expect(
        await lab.client.getAttachedStorageDomain(dc!.id, '00000000-0000-0000-0000-00000000dead'),
      ).toBeUndefined();
    });

    it("publishes the engine's SSH public key", async () => {
      expect(await lab.client.getEngineSshPublicKey()).toBe(lab.sim.engineSshPublicKey.trim());
    });

    it('tags requests with a correlation id and finds the engine jobs by it', async () => {
      const app1 = await lab.client.findVm('app1');
      const tagged = lab.client.withCorrelationId('labops-test-corr-1');
      await tagged.stopVm(app1.id);
      const record = lab.sim.requests.find((r) => r.url.includes(`/vms/${app1.id}/stop`));
      expect(record?.correlationId).toBe('labops-test-corr-1');
      const jobs = await lab.client.listJobsByCorrelationId('labops-test-corr-1');
      expect(jobs.length).toBeGreaterThanOrEqual(1);
    });
  });

  describe('faults, retries and timeouts', () => {
    let lab: SimLab;
    beforeAll(async () => {
      lab = await startSimLab({ engineVersion });
    });
    afterAll(async () => {
      await lab?.close();
    });

    it('renews an expired token once and replays the request', async () => {
      await lab.client.listHosts();
      const before = lab.sim.requests.filter((r) => r.url.startsWith('/ovirt-engine/sso/oauth/token')).length;
      lab.sim.knobs.expireTokens();
      expect((await lab.client.listHosts()).length).toBe(2);
      const after = lab.sim.requests.filter((r) => r.url.startsWith('/ovirt-engine/sso/oauth/token')).length;
      expect(after - before).toBe(1);
      expect(lab.sim.requests.filter((r) => r.status === 401).length).toBeGreaterThanOrEqual(1);
    });

    it('does not fail other requests when one caller cancels while the shared login runs', async () => {
      const client = lab.connect();
      lab.sim.knobs.setLatency(150);
      try {
        const cancelled = new AbortController();
        const first = client.listHosts({ signal: cancelled.signal });
        const second = client.listDataCenters();
        setTimeout(() => cancelled.abort(), 20);
        await expect(first).rejects.toMatchObject({ code: 'CANCELLED' });
        expect((await second).map((dc) => dc.name)).toEqual(['Default']);
      } finally {
        lab.sim.knobs.setLatency(0);
      }
    });

    it('refuses a wrong password with an auth error that never shows the password', async () => {
      const client = lab.connect({ password: 'not-the-password-xyz' });
      const error = await caught(() => client.listHosts());
      expect(error.code).toBe('ENGINE_AUTH');
      expect(error.message).toContain('admin@internal');
      expect(`${error.message} ${error.hint}`).not.toContain('not-the-password-xyz');
    });

    it('retries a read after an HTML proxy page and succeeds', async () => {
      lab.sim.knobs.injectFault({ kind: 'html', method: 'GET', path: '/hosts', count: 1 });
      expect((await lab.client.listHosts()).length).toBe(2);
    });

    it('reports a persistent HTML answer clearly instead of crashing', async () => {
      lab.sim.knobs.injectFault({
        kind: 'html',
        method: 'GET',
        path: '/datacenters',
        count: Number.POSITIVE_INFINITY,
      });
      try {
        const error = await caught(() => lab.client.listDataCenters());
        expect(error.code).toBe('ENGINE_UNAVAILABLE');
        expect(error.message).toMatch(/HTML page/);
        expect(error.status).toBe(502);
      } finally {
        lab.sim.knobs.clearFaults();
      }
    });

    it('reports a 200 that is not JSON', async () => {
      lab.sim.knobs.injectFault({ kind: 'garbage', method: 'GET', path: '/clusters', count: 1 });
      const error = await caught(() => lab.client.listClusters());
      expect(error.code).toBe('ENGINE_UNAVAILABLE');
      expect(error.message).toMatch(/non-JSON answer/);
    });

    it('retries a read on a dropped connection and a 5xx', async () => {
      lab.sim.knobs.injectFault({ kind: 'drop', method: 'GET', path: '/vms', count: 1 });
      lab.sim.knobs.injectFault({ kind: 'server-error', method: 'GET', path: '/vms', count: 1 });
      expect((await lab.client.listVms()).length).toBe(3);
    });

    it('never replays a change after a dropped connection', async () => {
      const hyper2 = await lab.client.findHost('hyper2');
      lab.sim.knobs.injectFault({ kind: 'drop', method: 'POST', path: /\/hosts\/.*\/activate$/, count: 1 });
      const error = await caught(() => lab.client.activateHost(hyper2.id));
      expect(error.code).toBe('ENGINE_UNAVAILABLE');
      expect(error.message).toMatch(/dropped/);
      const posts = lab.sim.requests.filter(
        (r) => r.method === 'POST' && r.url.includes(`/hosts/${hyper2.id}/activate`),
      );
      expect(posts.length).toBe(1);
    });

    it('retries a change the engine refused as "in progress" with backoff', async () => {
      const hyper2 = await lab.client.findHost('hyper2');
      lab.sim.knobs.injectFault({
        kind: 'locked',
        method: 'POST',
        path: /\/hosts\/.*\/deactivate$/,
        count: 2,
      });
      await lab.client.deactivateHost(hyper2.id);
      const attempts = lab.sim.requests.filter(
        (r) => r.method === 'POST' && r.url.includes(`/hosts/${hyper2.id}/deactivate`),
      );
      expect(attempts.map((r) => r.status)).toEqual([409, 409, 200]);
      await lab.client.waitForHostStatus(hyper2.id, ['maintenance']);
      await lab.client.activateHost(hyper2.id);
      await lab.client.waitForHostStatus(hyper2.id, ['up']);
    });

    it('gives up on a slow engine at the request deadline', async () => {
      const client = lab.connect({ timeoutMs: 100, retry: { readAttempts: 1 } });
      lab.sim.knobs.setLatency(400);
      try {
        const error = await caught(() => client.listHosts());
        expect(error.code).toBe('TIMEOUT');
        expect(error.message).toContain('within 0.1 s');
      } finally {
        lab.sim.knobs.setLatency(0);
      }
    });

    it('refuses an engine whose certificate is not signed by the pinned CA', async () => {
      const other = await startSimLab({ engineVersion });
      try {
        const client = lab.connect({ url: other.sim.baseUrl, password: other.sim.password });
        const error = await caught(() => client.listHosts());
        expect(error.code).toBe('ENGINE_UNAVAILABLE');
        expect(error.message).toMatch(/certificate/);
        expect(error.hint).toMatch(/ca_file/);
      } finally {
        await other.close();
      }
    });

    it('refuses to start without a CA unless told it is insecure, and rejects http URLs', () => {
      expect(() => EngineClient.create({ url: lab.sim.baseUrl, user: 'u', password: 'p' })).toThrow(
        /CA certificate/,
      );
      expect(() =>
        EngineClient.create({ url: 'http://127.0.0.1:1', user: 'u', password: 'p', insecure: true }),
      ).toThrow(/https/);
    });

    it('logs out on close', async () => {
      const client = lab.connect();
      await client.listHosts();
      await client.close();
      expect(lab.sim.requests.some((r) => r.url.startsWith('/ovirt-engine/services/sso-logout'))).toBe(true);
    });
  });
});
