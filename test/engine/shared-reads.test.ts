import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SimLab, startSimLab } from '../support/engine.js';

let lab: SimLab;
beforeAll(async () => {
  lab = await startSimLab();
});
afterAll(async () => {
  lab.sim.knobs.setLatency(0);
  await lab?.close();
});

const hostReads = (mark: number) =>
  lab.sim.requests.slice(mark).filter((r) => r.method === 'GET' && r.url?.endsWith('/api/hosts'));

describe('identical reads in flight share one request (issue 13 §5)', () => {
  it('answers reads asked at once with one request, each parsed for its asker', async () => {
    const client = lab.connect();
    await client.listHosts();
    await client.getApiLevel();
    lab.sim.knobs.setLatency(40);
    const mark = lab.sim.requests.length;
    const answers = await Promise.all([client.listHosts(), client.listHosts(), client.listHosts()]);
    expect(hostReads(mark)).toHaveLength(1);
    expect(answers.map((hosts) => hosts.map((h) => h.name).sort())).toEqual([
      ['hyper1', 'hyper2'],
      ['hyper1', 'hyper2'],
      ['hyper1', 'hyper2'],
    ]);
    // Each asker has its own copy: one changing its list changes no other's.
    answers[0]!.pop();
    expect(answers[1]).toHaveLength(2);
    lab.sim.knobs.setLatency(0);
  });

  it('never lets a read join one that began before a write of this client, nor a job’s read', async () => {
    const client = lab.connect();
    await client.listHosts();
    await client.getApiLevel();
    lab.sim.knobs.setLatency(40);
    const mark = lab.sim.requests.length;
    const before = client.listHosts();
    const hyper2 = (await client.findHost('hyper2')).id;
    // A write goes out while the first read is in flight: the read after it is a new request.
    const write = client.deactivateHost(hyper2);
    const after = client.listHosts();
    // A job's reads carry its correlation id: never shared.
    const tagged = client.withCorrelationId('job-1234').listHosts();
    await Promise.all([before, write, after, tagged]);
    expect(hostReads(mark)).toHaveLength(3);
    lab.sim.knobs.setLatency(0);
    await client.waitForHostStatus(hyper2, ['maintenance']);
    await client.activateHost(hyper2);
    await client.waitForHostStatus(hyper2, ['up']);
  });

  it('lets one asker stop waiting without cancelling the read the others share', async () => {
    const client = lab.connect();
    await client.listHosts();
    await client.getApiLevel();
    lab.sim.knobs.setLatency(60);
    const controller = new AbortController();
    const leaving = client.withSignal(controller.signal).listHosts();
    const staying = client.listHosts();
    controller.abort();
    await expect(leaving).rejects.toMatchObject({ code: 'CANCELLED' });
    expect((await staying).length).toBe(2);
    lab.sim.knobs.setLatency(0);
  });
});
