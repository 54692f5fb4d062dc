import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Simulator, startSimulator } from '../../src/sim/index.js';
import { SimClient } from './sim-client.js';

describe('host state machines of the simulated engine', () => {
  let sim: Simulator;
  let client: SimClient;

  beforeEach(async () => {
    sim = await startSimulator({ timeScale: 0.002 });
    client = new SimClient(sim);
  });

  afterEach(async () => {
    await client.close();
    await sim.close();
  });

  const vmHost = async (name: string): Promise<string | undefined> =>
    (await client.findByName('vms', 'vm', name)).host?.id;

  it('moves a host to maintenance: VMs migrate to the other host, SPM moves, event 15', async () => {
    const hyper1 = await client.findByName('hosts', 'host', 'hyper1');
    const hyper2 = await client.findByName('hosts', 'host', 'hyper2');
    expect(hyper1.spm.status).toBe('spm');
    const res = await client.api('POST', `/hosts/${hyper1.id}/deactivate`, {
      body: { reason: 'patching' },
      headers: { 'Correlation-Id': 'maint-1' },
    });
    expect(res.status).toBe(200);
    expect(res.json.status).toBe('complete');
    expect((await client.get(`/hosts/${hyper1.id}`)).status).toBe('preparing_for_maintenance');

    await client.waitForStatus(`/hosts/${hyper1.id}`, 'maintenance');
    expect(await vmHost('web1')).toBe(hyper2.id);
    expect(await vmHost('db1')).toBe(hyper2.id);
    expect((await client.findByName('vms', 'vm', 'web1')).status).toBe('up');
    expect((await client.get(`/hosts/${hyper2.id}`)).spm.status).toBe('spm');
    expect((await client.get(`/hosts/${hyper1.id}`)).spm.status).toBe('none');
    await client.waitFor(
      'the data center up again',
      async () => (await client.get('/datacenters')).data_center[0].status === 'up',
    );

    const done = await client.events(15);
    expect(done[0]?.correlation_id).toBe('maint-1');
    expect((await client.events(62)).length).toBe(2);
    const jobs = await client.get(`/jobs?search=${encodeURIComponent('correlation_id=maint-1')}`);
    expect(jobs.job).toHaveLength(1);
    expect(jobs.job[0].status).toBe('finished');

    const vmsOnHyper2 = await client.get(`/vms?search=${encodeURIComponent('host=hyper2')}`);
    expect(vmsOnHyper2.vm.map((vm: { name: string }) => vm.name).sort()).toEqual(['app1', 'db1', 'web1']);
  });

  it('keeps a host with a pinned VM in preparing_for_maintenance, with events 65, 166 and 17', async () => {
    sim.knobs.pinVm('db1');
    const hyper1 = await client.findByName('hosts', 'host', 'hyper1');
    await client.api('POST', `/hosts/${hyper1.id}/deactivate`, { body: {} });
    await client.waitFor('event 17', async () => (await client.events(17)).length > 0);
    const host = await client.get(`/hosts/${hyper1.id}`);
    expect(host.status).toBe('preparing_for_maintenance');
    expect(host.summary).toEqual({ active: '1', migrating: '0', total: '1' });
    expect((await client.events(166))[0]?.description).toContain('db1');
    expect(await client.events(65)).toHaveLength(1);
    expect(await client.events(15)).toHaveLength(0);
    expect(await vmHost('db1')).toBe(hyper1.id);

    // Activation cancels the stuck maintenance.
    const activated = await client.api('POST', `/hosts/${hyper1.id}/activate`, { body: {} });
    expect(activated.status).toBe(200);
    await client.waitForStatus(`/hosts/${hyper1.id}`, 'up');
  });

  it('cannot empty the last up host: no target keeps it preparing', async () => {
    const hyper2 = await client.findByName('hosts', 'host', 'hyper2');
    await client.api('POST', `/hosts/${hyper2.id}/deactivate`, { body: {} });
    await client.waitForStatus(`/hosts/${hyper2.id}`, 'maintenance');
    const hyper1 = await client.findByName('hosts', 'host', 'hyper1');
    await client.api('POST', `/hosts/${hyper1.id}/deactivate`, { body: {} });
    await client.waitFor('event 17', async () => (await client.events(17)).length > 0);
    expect((await client.get(`/hosts/${hyper1.id}`)).status).toBe('preparing_for_maintenance');
  });

  it('answers the 409s of §3.4 and refuses to remove an operational host', async () => {
    const hyper2 = await client.findByName('hosts', 'host', 'hyper2');
    const activate = await client.api('POST', `/hosts/${hyper2.id}/activate`, { body: {} });
    expect(activate.status).toBe(409);
    expect(activate.json).toEqual({
      fault: { reason: 'Operation Failed', detail: '[Cannot activate Host. Host in Up status.]' },
      status: 'failed',
    });
    const removed = await client.api('DELETE', `/hosts/${hyper2.id}`);
    expect(removed.status).toBe(409);
    expect(removed.json.detail).toBe(
      '[Cannot remove Host. Host is operational. Please switch Host to Maintenance mode first.]',
    );

    await client.api('POST', `/hosts/${hyper2.id}/deactivate`, { body: {} });
    await client.waitForStatus(`/hosts/${hyper2.id}`, 'maintenance');
    const again = await client.api('POST', `/hosts/${hyper2.id}/deactivate`, { body: {} });
    expect(again.status).toBe(409);
    expect(again.json.fault.detail).toContain('Host is already in Maintenance mode');

    await client.api('POST', `/hosts/${hyper2.id}/activate`, { body: {} });
    await client.waitForStatus(`/hosts/${hyper2.id}`, 'up');

    await client.api('POST', `/hosts/${hyper2.id}/deactivate`, { body: {} });
    await client.waitForStatus(`/hosts/${hyper2.id}`, 'maintenance');
    expect((await client.api('DELETE', `/hosts/${hyper2.id}`)).status).toBe(200);
    expect((await client.api('GET', `/hosts/${hyper2.id}`)).status).toBe(404);
  });

  it('searches hosts by name, case-insensitively and with wildcards', async () => {
    const byWildcard = await client.get(`/hosts?search=${encodeURIComponent('name=HYPER*')}`);
    expect(byWildcard.host).toHaveLength(2);
    expect(await client.get(`/hosts?search=${encodeURIComponent('name=nope')}`)).toEqual({});
    expect((await client.api('GET', `/hosts?search=${encodeURIComponent('colour=red')}`)).status).toBe(400);
  });

  it('adds a host with public-key auth only when the engine key is authorized', async () => {
    const add = (name: string) =>
      client.api('POST', '/hosts', {
        body: {
          name,
          address: `${name}.abc.local`,
          cluster: { name: 'Default' },
          ssh: { authentication_method: 'publickey', port: '22' },
        },
      });
    const bare = await add('hyper3');
    expect(bare.status).toBe(201);
    expect(bare.json.status).toBe('installing');
    await client.waitForStatus(`/hosts/${bare.json.id}`, 'install_failed');
    expect((await client.events(505))[0]?.description).toContain('hyper3');
    expect(sim.machines.has('hyper3')).toBe(true);

    const prepared = sim.addMachine('hyper4', 'hyper4.abc.local');
    prepared.files.set('/root/.ssh', { kind: 'dir', uid: 0, gid: 0, mode: 0o700 });
    prepared.files.set('/root/.ssh/authorized_keys', {
      kind: 'file',
      uid: 0,
      gid: 0,
      mode: 0o600,
      content: `${sim.engineSshPublicKey}\n`,
    });
    const good = await add('hyper4');
    await client.waitForStatus(`/hosts/${good.json.id}`, 'up');
  });

  it('writes the guide typos into the machines', () => {
    sim.knobs.typoAuthorizedKeys('hyper1');
    const files = sim.machines.get('hyper1')!.files;
    expect(files.has('/root/.ssh/authorized_keys')).toBe(false);
    expect(files.get('/root/.ssh/authorized.keys')?.content).toContain(sim.engineSshPublicKey);
  });

  it('fails a public-key install when the guide typos broke the key', async () => {
    const hyper2 = await client.findByName('hosts', 'host', 'hyper2');
    await client.api('POST', `/hosts/${hyper2.id}/deactivate`, { body: {} });
    await client.waitForStatus(`/hosts/${hyper2.id}`, 'maintenance');
    await client.api('DELETE', `/hosts/${hyper2.id}`);
    sim.knobs.typoShRsa('hyper2');
    expect(sim.machines.get('hyper2')?.files.get('/root/.ssh/authorized_keys')?.content).toMatch(/^sh-rsa /);
    const res = await client.api('POST', '/hosts', {
      body: {
        name: 'hyper2',
        address: 'hyper2.abc.local',
        cluster: { name: 'Default' },
        ssh: { authentication_method: 'publickey' },
      },
    });
    await client.waitForStatus(`/hosts/${res.json.id}`, 'install_failed');
  });

  it('starts a stopped VM with the run-once CD boot of the guide', async () => {
    const vm = await client.findByName('vms', 'vm', 'app1');
    expect((await client.api('POST', `/vms/${vm.id}/stop`, { body: {} })).status).toBe(200);
    await client.waitForStatus(`/vms/${vm.id}`, 'down');
    const runOnce = (file: string) => ({
      vm: { os: { boot: { devices: { device: ['cdrom'] } } }, cdroms: { cdrom: [{ file: { id: file } }] } },
    });
    const missing = await client.api('POST', `/vms/${vm.id}/start`, { body: runOnce('nope.iso') });
    expect(missing.status).toBe(409);

    const iso = [...sim.machines.get('storage')!.files.keys()].find((p) =>
      p.endsWith('/images/11111111-1111-1111-1111-111111111111'),
    );
    sim.machines
      .get('storage')!
      .files.set(`${iso}/centos.iso`, { kind: 'file', uid: 36, gid: 36, mode: 0o640, size: 1 });
    expect((await client.api('POST', `/vms/${vm.id}/start`, { body: runOnce('centos.iso') })).status).toBe(
      200,
    );
    const up = await client.waitForStatus(`/vms/${vm.id}`, 'up');
    expect(up.host).toBeDefined();
    // The run-once CD is the running VM's; the saved configuration keeps no CD (ovirt-api.md §5.1).
    const drive = `/vms/${vm.id}/cdroms/00000000-0000-0000-0000-000000000000`;
    expect((await client.get(`${drive}?current=true`)).file.id).toBe('centos.iso');
    expect((await client.get(`/vms/${vm.id}/cdroms`)).cdrom[0].file).toBeUndefined();
    expect((await client.get(drive)).file).toBeUndefined();
  });
});
