import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { EngineClient, VM_DOWN_POLLS_TO_FAIL } from '../../src/engine/engine-client.js';
import { isTransientFailure, translateNetworkError } from '../../src/engine/faults.js';
import { EngineTransport, type RequestSpec } from '../../src/engine/transport.js';
import { formatEngineEvents, type WaitTiming, waitFor } from '../../src/engine/wait.js';
import { LabopsError } from '../../src/errors.js';
import { renderText } from '../../src/i18n/render.js';
import { verbatim } from '../../src/i18n/text.js';
import { createCertificates, type SimCertificates } from '../../src/sim/ca.js';
import { cancelledBy, type Sleep } from '../../src/time.js';
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

/** An injected clock that only the injected sleep moves: no wall time passes in these waits. */
function fakeTime() {
  const time = { now: 1_000_000, slept: [] as number[] };
  const sleep: Sleep = async (ms, signal) => {
    if (signal?.aborted) throw cancelledBy(signal);
    time.slept.push(ms);
    time.now += ms;
  };
  return { time, sleep, now: () => time.now };
}

const TIMING: WaitTiming = { intervalMs: 3000, backoff: 1, maxIntervalMs: 3000, deadlineMs: 30_000 };

const unavailable = (status?: number) =>
  new LabopsError('ENGINE_UNAVAILABLE', verbatim(`The engine failed with ${status ?? 'nothing'}.`), {
    status,
  });

/** A read that plays `script` in order: an Error is thrown, anything else answered; the last repeats. */
function scripted<T>(script: (T | Error)[]) {
  let calls = 0;
  const read = async () => {
    const step = script[Math.min(calls, script.length - 1)];
    calls++;
    if (step instanceof Error) throw step;
    return step as T;
  };
  return { read, calls: () => calls };
}

describe('waitFor polls through blips of the engine (issue 9 §4)', () => {
  it('survives three 503s and succeeds, saying the engine was unreachable meanwhile', async () => {
    const { time, sleep, now } = fakeTime();
    const polls: string[] = [];
    const { read, calls } = scripted<string>([
      'preparing_for_maintenance',
      unavailable(503),
      unavailable(503),
      unavailable(503),
      'maintenance',
    ]);
    const value = await waitFor(
      { description: verbatim('host hyper2 to reach maintenance'), read, isDone: (s) => s === 'maintenance' },
      { timing: TIMING, sleep, now, onPoll: (seen) => polls.push(renderText('en', seen)) },
    );
    expect(value).toBe('maintenance');
    expect(calls()).toBe(5);
    expect(time.slept).toEqual([3000, 3000, 3000, 3000]);
    expect(polls).toEqual([
      'preparing_for_maintenance',
      'engine unreachable (the engine answered 503); still waiting',
      'engine unreachable (the engine answered 503); still waiting',
      'engine unreachable (the engine answered 503); still waiting',
      'maintenance',
    ]);
  });

  it('treats a request timeout and a dropped connection as blips too', async () => {
    const { sleep, now } = fakeTime();
    const polls: string[] = [];
    const { read } = scripted<string>([
      new LabopsError('TIMEOUT', verbatim('The engine did not answer GET /hosts/1 within 30 s.')),
      new LabopsError(
        'ENGINE_UNAVAILABLE',
        verbatim('The connection to the engine dropped during GET /hosts/1.'),
      ),
      'up',
    ]);
    await expect(
      waitFor(
        { description: verbatim('x'), read, isDone: (s) => s === 'up' },
        { timing: TIMING, sleep, now, onPoll: (s) => polls.push(renderText('en', s)) },
      ),
    ).resolves.toBe('up');
    expect(polls[0]).toContain('the engine did not answer within the request deadline');
    expect(polls[1]).toContain(
      'the engine could not be reached (The connection to the engine dropped during GET /hosts/1.)',
    );
  });

  it.each([
    [
      'a 4xx refusal',
      new LabopsError('ENGINE_REJECTED', verbatim('The engine refused GET /hosts/1.'), { status: 400 }),
    ],
    [
      'a 404 the wait did not expect',
      new LabopsError('NOT_FOUND', verbatim('No such host.'), { status: 404 }),
    ],
    [
      'refused credentials',
      new LabopsError('ENGINE_AUTH', verbatim('The engine refused the credentials.'), { status: 401 }),
    ],
    ['a 200 that is not the API (a portal page)', unavailableWith200()],
  ])('ends at once on %s', async (_name, failure) => {
    const { time, sleep, now } = fakeTime();
    const { read, calls } = scripted<string>([failure, 'up']);
    const error = await caught(() =>
      waitFor(
        { description: verbatim('x'), read, isDone: (s) => s === 'up' },
        { timing: TIMING, sleep, now },
      ),
    );
    expect(error).toBe(failure);
    expect(calls()).toBe(1);
    expect(time.slept).toEqual([]);
  });

  it('still ends at its own deadline, naming the last state and the 503 that came after it', async () => {
    const { time, sleep, now } = fakeTime();
    const { read, calls } = scripted<string>(['preparing_for_maintenance', unavailable(503)]);
    const error = await caught(() =>
      waitFor(
        {
          description: verbatim('host hyper2 to reach maintenance'),
          read,
          isDone: (s) => s === 'maintenance',
        },
        { timing: TIMING, sleep, now },
      ),
    );
    expect(error.code).toBe('TIMEOUT');
    expect(error.message).toBe(
      'Timed out after 30 s waiting for host hyper2 to reach maintenance (last seen: preparing_for_maintenance, then the engine answered 503).',
    );
    expect(error.hint).toMatch(/ovirt-engine is running/);
    // One read at the start and one after each of the ten 3 s sleeps.
    expect(calls()).toBe(11);
    expect(time.now - 1_000_000).toBe(30_000);
  });

  it('ends at once when cancelled while the engine is unreachable', async () => {
    const { sleep, now } = fakeTime();
    const controller = new AbortController();
    let calls = 0;
    const read = async () => {
      calls++;
      if (calls === 2) controller.abort();
      throw unavailable(503);
    };
    const error = await caught(() =>
      waitFor(
        { description: verbatim('x'), read, isDone: () => false },
        { timing: TIMING, sleep, now, signal: controller.signal },
      ),
    );
    expect(error.code).toBe('CANCELLED');
    expect(calls).toBe(2);
  });

  it('polls through a blip of the event read, then fails on every failure event at once', async () => {
    const { sleep, now } = fakeTime();
    let eventReads = 0;
    const error = await caught(() =>
      waitFor(
        {
          description: verbatim('host hyper1 to reach maintenance'),
          read: async () => 'preparing_for_maintenance',
          isDone: () => false,
          failureEvents: async () => {
            eventReads++;
            if (eventReads === 1) throw unavailable(502);
            return [
              'No available host was found to migrate VM web1 to.',
              'Failed to switch Host hyper1 to Maintenance mode.',
            ];
          },
        },
        { timing: TIMING, sleep, now },
      ),
    );
    expect(error.code).toBe('ENGINE_REJECTED');
    // The blip, the read that found them, and the one re-read before the wait gives up.
    expect(eventReads).toBe(3);
    expect(error.message).toBe(
      'Stopped waiting for host hyper1 to reach maintenance: the engine reported "No available host was found to migrate VM web1 to."; "Failed to switch Host hyper1 to Maintenance mode."',
    );
  });

  it('reads the failure events once more, one poll interval later, so events logged after the first are listed', async () => {
    const { time, sleep, now } = fakeTime();
    const vmEvents = [
      'No available host was found to migrate VM web1 to.',
      'No available host was found to migrate VM db1 to.',
    ];
    let eventReads = 0;
    const error = await caught(() =>
      waitFor(
        {
          description: verbatim('host hyper1 to reach maintenance'),
          read: async () => 'preparing_for_maintenance',
          isDone: () => false,
          failureEvents: async () => {
            eventReads++;
            // The engine logs each VM's 166 first, and the host's 17 after them.
            return eventReads === 1
              ? vmEvents
              : [...vmEvents, 'Failed to switch Host hyper1 to Maintenance mode.'];
          },
        },
        { timing: TIMING, sleep, now },
      ),
    );
    expect(eventReads).toBe(2);
    expect(time.slept).toEqual([3000]);
    expect(error.details).toEqual([...vmEvents, 'Failed to switch Host hyper1 to Maintenance mode.']);
    expect(error.message).toContain(
      '"No available host was found to migrate VM db1 to."; "Failed to switch Host hyper1 to Maintenance mode."',
    );
  });

  it('keeps the first list when the re-read of the events fails', async () => {
    const { sleep, now } = fakeTime();
    let eventReads = 0;
    const error = await caught(() =>
      waitFor(
        {
          description: verbatim('x'),
          read: async () => 'preparing_for_maintenance',
          isDone: () => false,
          failureEvents: async () => {
            eventReads++;
            if (eventReads === 2) throw unavailable(503);
            return ['Failed to switch Host hyper1 to Maintenance mode.'];
          },
        },
        { timing: TIMING, sleep, now },
      ),
    );
    expect(error.code).toBe('ENGINE_REJECTED');
    expect(error.details).toEqual(['Failed to switch Host hyper1 to Maintenance mode.']);
  });

  it('lists events deduplicated, in order, and bounded', () => {
    const many = Array.from({ length: 12 }, (_, i) => `event ${i}`);
    expect(renderText('en', formatEngineEvents(['a', 'b', 'a', ' ', 'c']))).toBe('"a"; "b"; "c"');
    const text = renderText('en', formatEngineEvents([...many, ...many]));
    expect(text.startsWith('"event 0"; "event 1"')).toBe(true);
    expect(text).toContain('"event 7"; and 4 more');
    expect(text).not.toContain('event 8"');
  });
});

function unavailableWith200(): LabopsError {
  return new LabopsError(
    'ENGINE_UNAVAILABLE',
    verbatim('The engine answered with an HTML page, status 200.'),
    {
      status: 200,
    },
  );
}

describe('waits over the simulator survive injected faults', () => {
  let lab: SimLab;
  beforeAll(async () => {
    lab = await startSimLab();
  });
  afterAll(async () => {
    await lab?.close();
  });

  /** Puts hyper2 into maintenance with `fault` injected three times on its GET, then brings it back. */
  async function maintenanceThrough(fault: 'server-error' | 'html' | 'drop', status?: number) {
    const { client, sim } = lab;
    const hyper2 = await client.findHost('hyper2');
    const since = await client.getLastEventIndex();
    const mark = sim.requests.length;
    await client.deactivateHost(hyper2.id);
    // The transport retries a read three times: three faults make one whole read fail in the wait.
    sim.knobs.injectFault({
      kind: fault,
      method: 'GET',
      path: `/hosts/${hyper2.id}`,
      count: 3,
      ...(status ? { status } : {}),
    });
    const polls: string[] = [];
    const host = await client.waitForHostStatus(hyper2.id, ['maintenance'], {
      sinceEventIndex: since,
      onPoll: (seen) => polls.push(seen),
    });
    expect(host.status).toBe('maintenance');
    const reads = sim.requests
      .slice(mark)
      .filter((r) => r.method === 'GET' && r.url.split('?')[0] === `/ovirt-engine/api/hosts/${hyper2.id}`);
    // The simulator records a dropped connection as status 0; its HTML page is a 502 by default.
    const faulted = status ?? (fault === 'drop' ? 0 : 502);
    expect(reads.slice(0, 3).map((r) => r.status)).toEqual([faulted, faulted, faulted]);
    expect(reads.at(-1)?.status).toBe(200);
    await client.activateHost(hyper2.id);
    await client.waitForHostStatus(hyper2.id, ['up']);
    return polls;
  }

  it('a maintenance wait survives three 503s', async () => {
    const polls = await maintenanceThrough('server-error', 503);
    expect(polls).toContain('engine unreachable (the engine answered 503); still waiting');
    expect(polls.at(-1)).toBe('maintenance');
  });

  it('a maintenance wait survives an HTML 502 page', async () => {
    const polls = await maintenanceThrough('html');
    expect(polls).toContain('engine unreachable (the engine answered 502); still waiting');
  });

  it('a maintenance wait survives a dropped connection', async () => {
    const polls = await maintenanceThrough('drop');
    expect(polls.some((p) => /could not be reached \(The connection to the engine dropped/.test(p))).toBe(
      true,
    );
  });

  it('a 4xx ends the wait at once', async () => {
    const { client, sim } = lab;
    const hyper2 = await client.findHost('hyper2');
    sim.knobs.injectFault({ kind: 'server-error', status: 400, method: 'GET', path: `/hosts/${hyper2.id}` });
    const mark = sim.requests.length;
    const error = await caught(() => client.waitForHostStatus(hyper2.id, ['maintenance']));
    expect(error.code).toBe('ENGINE_REJECTED');
    expect(error.status).toBe(400);
    const reads = sim.requests
      .slice(mark)
      .filter((r) => r.url.startsWith(`/ovirt-engine/api/hosts/${hyper2.id}`));
    expect(reads.map((r) => r.status)).toEqual([400]);
  });
});

describe('VM waits fail early when a start fails (issue 9 §4)', () => {
  /**
   * An engine client over a scripted engine: GET /vms/{id} plays the statuses in order (the last
   * repeats), GET /events answers the events after `from`. Injected clock and sleep.
   */
  function scriptedEngine(statuses: string[], events: () => object[] = () => []) {
    const { time, sleep, now } = fakeTime();
    let reads = 0;
    const transport = {
      origin: 'https://engine.test',
      tls: { rejectUnauthorized: true },
      async request(spec: RequestSpec<z.ZodType | undefined>) {
        let body: unknown;
        if (spec.path === '/vms/vm-1') {
          const status = statuses[Math.min(reads, statuses.length - 1)];
          reads++;
          body = { id: 'vm-1', name: 'app1', status };
        } else if (spec.path === '/events') {
          const from = Number(spec.query?.from ?? 0);
          body = { event: events().filter((e) => (e as { index: number }).index > from) };
        } else {
          throw new LabopsError('NOT_FOUND', verbatim(`no ${spec.path} in this scripted engine`), {
            status: 404,
          });
        }
        return spec.schema ? spec.schema.parse(body) : body;
      },
    };
    const client = new EngineClient(transport as unknown as EngineTransport, {
      waits: { short: TIMING, long: TIMING },
      sleep,
      now,
    });
    return { client, time, reads: () => reads };
  }

  const event = (index: number, code: number, description: string, vmId = 'vm-1') => ({
    id: String(index),
    index,
    code,
    description,
    severity: 'error',
    vm: { id: vmId },
  });

  it(`fails when the VM goes back to down after starting and stays down for ${VM_DOWN_POLLS_TO_FAIL} polls`, async () => {
    expect(VM_DOWN_POLLS_TO_FAIL).toBe(2);
    const { client, time, reads } = scriptedEngine(['wait_for_launch', 'powering_up', 'down']);
    const error = await caught(() => client.waitForVmStatus('vm-1', ['up']));
    expect(error.code).toBe('ENGINE_REJECTED');
    expect(error.message).toBe(
      'Stopped waiting for VM app1 to reach up: VM app1 went back to down after wait_for_launch and stayed down for 2 polls: the start failed',
    );
    expect(reads()).toBe(4);
    expect(time.slept).toEqual([3000, 3000, 3000]);
  });

  it('keeps waiting while the engine reruns the start on another host (119 and one down poll are not final)', async () => {
    // ovirt-engine-4.3 VmAnalyzer.proceedDownVm: 119 VM_DOWN_ERROR and the VM set down, then the
    // rerun elsewhere (151 for the failed host) — the VM is starting again at the next poll.
    const { client, reads } = scriptedEngine(
      ['wait_for_launch', 'down', 'wait_for_launch', 'powering_up', 'up'],
      () => [
        event(101, 119, 'VM app1 is down with error. Exit message: qemu failed on hyper1.'),
        event(102, 151, 'Failed to run VM app1 on Host hyper1.'),
      ],
    );
    const vm = await client.waitForVmStatus('vm-1', ['up'], { sinceEventIndex: 100 });
    expect(vm.status).toBe('up');
    expect(reads()).toBe(5);
  });

  it('a down between two starting polls resets the count', async () => {
    const { client } = scriptedEngine([
      'wait_for_launch',
      'down',
      'wait_for_launch',
      'down',
      'powering_up',
      'up',
    ]);
    expect((await client.waitForVmStatus('vm-1', ['up'])).status).toBe('up');
  });

  it('ends on the first down poll once the final failure (54) is logged, listing the 119 that says why', async () => {
    let eventReads = 0;
    const { client, reads } = scriptedEngine(['wait_for_launch', 'down'], () =>
      ++eventReads === 1
        ? []
        : [
            event(101, 119, 'VM app1 is down with error. Exit message: qemu failed on hyper1.'),
            event(102, 54, 'Failed to run VM app1 (User: admin@internal-authz).'),
          ],
    );
    const error = await caught(() => client.waitForVmStatus('vm-1', ['up'], { sinceEventIndex: 100 }));
    expect(error.code).toBe('ENGINE_REJECTED');
    expect(error.message).toBe(
      'Stopped waiting for VM app1 to reach up: the engine reported "VM app1 is down with error. Exit message: qemu failed on hyper1."; "Failed to run VM app1 (User: admin@internal-authz)."',
    );
    // wait_for_launch, then the one down poll: not the second one the rule without an event needs.
    expect(reads()).toBe(2);
  });

  it.each(['not_responding', 'unknown', 'paused'])('fails when the starting VM is %s', async (status) => {
    const { client, reads } = scriptedEngine(['powering_up', status]);
    const error = await caught(() => client.waitForVmStatus('vm-1', ['up']));
    expect(error.code).toBe('ENGINE_REJECTED');
    expect(error.message).toContain(`VM app1 is ${status}`);
    expect(reads()).toBe(2);
  });

  it("fails on the engine's failed-run event (54) since the start, and lists every one", async () => {
    let index = 100;
    const log: object[] = [event(90, 54, 'Failed to run VM app1 (an older start).')];
    const { client, reads } = scriptedEngine(['wait_for_launch'], () => {
      index++;
      if (index === 102) {
        log.push(event(101, 54, 'Failed to run VM app1  (User: admin@internal-authz).'));
        log.push(event(102, 119, 'VM app1 is down with error. Exit message: internal error.'));
        log.push(event(103, 54, 'Failed to run VM db1.', 'vm-2'));
      }
      return log;
    });
    const error = await caught(() => client.waitForVmStatus('vm-1', ['up'], { sinceEventIndex: 100 }));
    expect(error.code).toBe('ENGINE_REJECTED');
    expect(error.message).toBe(
      'Stopped waiting for VM app1 to reach up: the engine reported "Failed to run VM app1  (User: admin@internal-authz)."; "VM app1 is down with error. Exit message: internal error."',
    );
    expect(reads()).toBe(2);
  });

  it('keeps waiting through one host failing the run (151): the engine reruns it elsewhere', async () => {
    const { client } = scriptedEngine(['wait_for_launch', 'wait_for_launch', 'powering_up', 'up'], () => [
      event(101, 151, 'Failed to run VM app1 on Host hyper1.'),
    ]);
    const vm = await client.waitForVmStatus('vm-1', ['up'], { sinceEventIndex: 100 });
    expect(vm.status).toBe('up');
  });

  it('waiting for down is not failed by down', async () => {
    const { client } = scriptedEngine(['powering_down', 'down']);
    expect((await client.waitForVmStatus('vm-1', ['down'])).status).toBe('down');
  });
});

describe('a run-once start stopped while it powers up, over the simulator', () => {
  let lab: SimLab;
  beforeAll(async () => {
    // Slow enough that powering_up is seen before the VM is up (the lab's 3 s start × 0.2).
    lab = await startSimLab({ timeScale: 0.2 });
  });
  afterAll(async () => {
    await lab?.close();
  });

  it('ends the wait for up as soon as the VM is down again, not at the deadline', async () => {
    const { client, sim } = lab;
    const isoDomain = await client.findStorageDomain('nfs-iso');
    sim.machines
      .get('storage')!
      .files.set(`/export/iso/${isoDomain.id}/images/11111111-1111-1111-1111-111111111111/boot.iso`, {
        kind: 'file',
        uid: 36,
        gid: 36,
        mode: 0o640,
        size: 1 << 20,
      });
    // The engine sees a file copied into the ISO domain once the domain's files are refreshed.
    expect((await client.listIsoDomainFiles(isoDomain.id, true)).map((f) => f.name)).toContain('boot.iso');
    const app1 = await client.findVm('app1');
    await client.stopVm(app1.id);
    await client.waitForVmStatus(app1.id, ['down']);
    // Someone else stops it while it powers up: the start failed, as far as the wait is concerned.
    const other = lab.connect();
    let stopped: Promise<void> | undefined;
    const polls: string[] = [];
    await client.startVm(app1.id, { bootIso: 'boot.iso' });
    const error = await caught(() =>
      client.waitForVmStatus(app1.id, ['up'], {
        timing: { ...lab.timing, deadlineMs: 60_000 },
        onPoll: (seen) => {
          polls.push(seen);
          if (seen === 'powering_up') stopped ??= other.stopVm(app1.id);
        },
      }),
    );
    await stopped;
    expect(error.code).toBe('ENGINE_REJECTED');
    expect(error.message).toContain(
      'VM app1 went back to down after powering_up and stayed down for 2 polls',
    );
    // It ended at the second down poll: the 60 s deadline allows 100 polls of 600 ms.
    expect(polls.slice(-2)).toEqual(['down', 'down']);
    expect(polls.filter((p) => p === 'down')).toHaveLength(2);
    expect(polls.length).toBeLessThan(10);
  });
});

describe('a failed maintenance lists all its events, over the simulator (issue 9 §5)', () => {
  let lab: SimLab;
  beforeAll(async () => {
    lab = await startSimLab();
  });
  afterAll(async () => {
    await lab?.close();
  });

  it("names each pinned VM's events (65, 166) and the host's 17", async () => {
    const { client, sim } = lab;
    const hyper1 = await client.findHost('hyper1');
    const onHyper1 = (await client.listVms({ hostName: 'hyper1' })).map((v) => v.name).sort();
    expect(onHyper1).toEqual(['db1', 'web1']);
    for (const vm of onHyper1) sim.knobs.pinVm(vm);
    const since = await client.getLastEventIndex();
    await client.deactivateHost(hyper1.id);
    const error = await caught(() =>
      client.waitForHostStatus(hyper1.id, ['maintenance'], { sinceEventIndex: since }),
    );
    expect(error.code).toBe('ENGINE_REJECTED');
    // Each VM's events in the engine's order of VMs, the host's 17 after them all.
    expect(error.details.slice(0, -1).sort()).toEqual([
      'Migration failed (VM: db1, Source: hyper1).',
      'Migration failed (VM: web1, Source: hyper1).',
      'No available host was found to migrate VM db1 to.',
      'No available host was found to migrate VM web1 to.',
    ]);
    expect(error.details.at(-1)).toBe('Failed to switch Host hyper1 to Maintenance mode.');
    expect(error.message).toContain('"No available host was found to migrate VM web1 to."');
    expect(error.message).toContain('"Failed to switch Host hyper1 to Maintenance mode."');
  });
});

describe('permanent failures end a wait at once: they are not blips (issue 9 §4)', () => {
  /**
   * An engine over HTTPS on loopback: SSO gives a token, the API root says no version, and
   * GET /hosts/h1 answers JSON that is not a host. Every request is recorded.
   */
  async function startOddEngine(certs: SimCertificates) {
    const requests: string[] = [];
    const server = createHttpsServer({ key: certs.keyPem, cert: certs.certPem }, (req, res) => {
      const path = (req.url ?? '/').split('?')[0] ?? '/';
      requests.push(`${req.method} ${path}`);
      req.resume();
      const json = (body: object) =>
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      if (path === '/ovirt-engine/sso/oauth/token') json({ access_token: 'token-1' });
      else if (path === '/ovirt-engine/api') json({ product_info: { name: 'oVirt Engine' } });
      else if (path === '/ovirt-engine/api/hosts/h1') json({ id: 5, state: 'up' });
      else res.writeHead(404, { 'content-type': 'application/json' }).end('{}');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    return {
      url: `https://127.0.0.1:${port}`,
      requests,
      close: () => new Promise<void>((resolve) => server.close(() => resolve())),
    };
  }

  let dir: string;
  let certs: SimCertificates;
  let otherCa: string;
  let engine: Awaited<ReturnType<typeof startOddEngine>>;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'labops-odd-engine-'));
    await mkdir(join(dir, 'a'));
    await mkdir(join(dir, 'b'));
    certs = await createCertificates(join(dir, 'a'));
    otherCa = (await createCertificates(join(dir, 'b'))).caPem;
    engine = await startOddEngine(certs);
  });
  afterAll(async () => {
    await engine?.close();
    await rm(dir, { recursive: true, force: true });
  });

  /** A client of the odd engine whose every pause (retry or poll) is recorded and takes no time. */
  function connect(ca: string) {
    const { time, sleep, now } = fakeTime();
    const client = EngineClient.create({
      url: engine.url,
      user: 'admin@internal',
      password: 'secret',
      ca,
      timeoutMs: 5000,
      sleep,
      now,
      waits: { short: TIMING, long: TIMING },
    });
    return { client, time };
  }

  it('a certificate labops does not trust: no retry, no poll', async () => {
    const { client, time } = connect(otherCa);
    try {
      const mark = engine.requests.length;
      const error = await caught(() => client.waitForHostStatus('h1', ['up']));
      expect(error.message).toMatch(/presented a certificate labops does not trust/);
      expect(error.hint).toMatch(/engine\.ca_file/);
      expect(isTransientFailure(error)).toBe(false);
      expect(time.slept).toEqual([]);
      // The handshake failed: nothing reached the engine's handlers.
      expect(engine.requests.slice(mark)).toEqual([]);
    } finally {
      await client.close();
    }
  });

  it('an answer whose JSON labops cannot read (a schema mismatch): one read, no poll', async () => {
    const { client, time } = connect(certs.caPem);
    try {
      const mark = engine.requests.length;
      const error = await caught(() => client.waitForHostStatus('h1', ['up']));
      expect(error.message).toBe('The engine answered GET /hosts/h1 with JSON labops cannot read.');
      expect(error.code).toBe('ENGINE_UNAVAILABLE');
      expect(isTransientFailure(error)).toBe(false);
      expect(time.slept).toEqual([]);
      expect(engine.requests.slice(mark).filter((r) => r === 'GET /ovirt-engine/api/hosts/h1')).toHaveLength(
        1,
      );
    } finally {
      await client.close();
    }
  });

  it('an engine that does not say which version it runs: one read of the API root, no poll', async () => {
    const { time, sleep, now } = fakeTime();
    const transport = new EngineTransport({
      url: engine.url,
      user: 'admin@internal',
      password: 'secret',
      ca: certs.caPem,
      timeoutMs: 5000,
      sleep,
    });
    try {
      const mark = engine.requests.length;
      const error = await caught(() =>
        waitFor(
          {
            description: verbatim('the engine version'),
            read: (signal) => transport.getApiLevel(signal),
            isDone: () => true,
          },
          { timing: TIMING, sleep, now },
        ),
      );
      expect(error.message).toBe('The engine did not say which version it runs.');
      expect(isTransientFailure(error)).toBe(false);
      expect(time.slept).toEqual([]);
      expect(engine.requests.slice(mark).filter((r) => r === 'GET /ovirt-engine/api')).toHaveLength(1);
    } finally {
      await transport.close();
    }
  });

  it('a host name that does not resolve (ENOTFOUND) ends the wait; a refused connection is still a blip', async () => {
    const dns = Object.assign(new Error('getaddrinfo ENOTFOUND engine.lab'), { code: 'ENOTFOUND' });
    const notFound = translateNetworkError(dns, 'GET', '/hosts/h1', 'https://engine.lab');
    expect(notFound.message).toBe(
      'Cannot reach the engine at https://engine.lab: its name does not resolve (ENOTFOUND).',
    );
    expect(notFound.hint).toMatch(/engine\.url/);
    expect(isTransientFailure(notFound)).toBe(false);
    const { sleep, now, time } = fakeTime();
    const first = scripted<string>([notFound, 'up']);
    expect(
      await caught(() =>
        waitFor(
          { description: verbatim('x'), read: first.read, isDone: (s) => s === 'up' },
          { timing: TIMING, sleep, now },
        ),
      ),
    ).toBe(notFound);
    expect(first.calls()).toBe(1);
    expect(time.slept).toEqual([]);

    const refused = translateNetworkError(
      Object.assign(new Error('connect ECONNREFUSED 10.0.0.5:443'), { code: 'ECONNREFUSED' }),
      'GET',
      '/hosts/h1',
      'https://engine.lab',
    );
    expect(isTransientFailure(refused)).toBe(true);
    const second = scripted<string>([refused, 'up']);
    await expect(
      waitFor(
        { description: verbatim('x'), read: second.read, isDone: (s) => s === 'up' },
        { timing: TIMING, sleep, now },
      ),
    ).resolves.toBe('up');
  });
});
