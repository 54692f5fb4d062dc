import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LabopsError } from '../../src/errors.js';
import type { SimRequestRecord } from '../../src/sim/types.js';
import { cancelledBy, type Sleep } from '../../src/time.js';
import { type SimLab, startSimLab } from '../support/engine.js';

const isLogout = (r: SimRequestRecord) => r.url.startsWith('/ovirt-engine/services/sso-logout');
const isApi = (r: SimRequestRecord) => r.url.startsWith('/ovirt-engine/api');
const isLogin = (r: SimRequestRecord) => r.url.startsWith('/ovirt-engine/sso/oauth/token');

describe('closing the engine client waits for the requests in flight (issue 9 §8)', () => {
  let lab: SimLab;
  beforeAll(async () => {
    lab = await startSimLab();
  });
  afterAll(async () => {
    lab.sim.knobs.setLatency(0);
    await lab?.close();
  });

  it('lets every read already started get its answer, then logs out, and refuses new ones', async () => {
    const { sim } = lab;
    // Two at a time, so most reads still wait in the queue when close() is called.
    const client = lab.connect({ maxConcurrency: 2 });
    await client.listHosts();
    // The version read a login starts in the background has ended too.
    await client.getApiLevel();
    const mark = sim.requests.length;
    sim.knobs.setLatency(60);
    try {
      const reads = [
        client.listHosts(),
        client.listVms(),
        client.listDataCenters(),
        client.listClusters(),
        client.listStorageDomains(),
        client.listVms({ hostName: 'hyper1' }),
      ];
      const closed = client.close();
      await expect(client.listHosts()).rejects.toThrow('The engine client was used after it was closed.');
      const [hosts, vms, dcs, clusters, domains, onHyper1] = await Promise.all(reads);
      await closed;
      expect(hosts?.map((h) => h.name).sort()).toEqual(['hyper1', 'hyper2']);
      expect(vms?.length).toBe(3);
      expect(dcs?.map((d) => d.name)).toEqual(['Default']);
      expect(clusters?.length).toBe(1);
      expect(domains?.length).toBe(2);
      expect(onHyper1?.map((v) => v.name).sort()).toEqual(['db1', 'web1']);

      const after = sim.requests.slice(mark);
      expect(after.filter((r) => r.status === 401)).toEqual([]);
      expect(after.filter(isLogin)).toEqual([]);
      const logout = after.findIndex(isLogout);
      expect(logout).toBeGreaterThanOrEqual(0);
      expect(after.filter(isLogout)).toHaveLength(1);
      const apiIndexes = after.flatMap((r, i) => (isApi(r) ? [i] : []));
      expect(apiIndexes).toHaveLength(6);
      expect(Math.max(...apiIndexes)).toBeLessThan(logout);
    } finally {
      sim.knobs.setLatency(0);
    }
  });

  it('aborts a request still running after the grace period (one request deadline), then logs out', async () => {
    const { sim } = lab;
    // The injected sleep: the read's retry pause only ends when aborted, and close()'s grace
    // period (one request deadline, 200 ms here) ends when the test says so — no wall time.
    let endGrace = () => {};
    let retryPaused = () => {};
    const paused = new Promise<void>((resolve) => {
      retryPaused = resolve;
    });
    const sleep: Sleep = (ms, signal) =>
      new Promise((resolve, reject) => {
        if (ms === 200) endGrace = resolve;
        else retryPaused();
        signal?.addEventListener('abort', () => reject(cancelledBy(signal)), { once: true });
      });
    const client = lab.connect({ timeoutMs: 200, sleep });
    await client.listDataCenters();
    const mark = sim.requests.length;
    sim.knobs.injectFault({ kind: 'server-error', status: 503, method: 'GET', path: '/clusters', count: 1 });
    const read = client.listClusters();
    const outcome = read.then(
      () => undefined,
      (error: unknown) => error,
    );
    await paused;
    const closed = client.close();
    let done = false;
    void closed.then(() => {
      done = true;
    });
    // close() is waiting for the read: nothing logged out yet.
    await new Promise((resolve) => setImmediate(resolve));
    expect(done).toBe(false);
    expect(sim.requests.slice(mark).filter(isLogout)).toHaveLength(0);
    endGrace();
    await closed;
    const error = await outcome;
    expect(error).toBeInstanceOf(LabopsError);
    expect((error as LabopsError).code).toBe('CANCELLED');
    expect((error as LabopsError).message).toBe('The engine client closed before the engine answered.');
    const after = sim.requests.slice(mark);
    expect(after.filter(isLogout)).toHaveLength(1);
    expect(after.filter((r) => r.url.startsWith('/ovirt-engine/api/clusters'))).toHaveLength(1);
  });

  it('closes at once when nothing is in flight, and twice is the same close', async () => {
    const { sim } = lab;
    // The injected sleep records any pause and never ends: a close that waited out the grace
    // period (one request deadline) would show it here, and would not settle.
    const pauses: number[] = [];
    const sleep: Sleep = (ms) => {
      pauses.push(ms);
      return new Promise<void>(() => {});
    };
    const client = lab.connect({ timeoutMs: 10_000, sleep });
    await client.listHosts();
    const mark = sim.requests.length;
    const first = client.close();
    const second = client.close();
    expect(second).toBe(first);
    await first;
    expect(pauses).toEqual([]);
    const after = sim.requests.slice(mark);
    expect(after.filter(isLogout)).toHaveLength(1);
    expect(after.filter(isApi)).toEqual([]);
    await expect(client.listHosts()).rejects.toThrow('The engine client was used after it was closed.');
  });
});
