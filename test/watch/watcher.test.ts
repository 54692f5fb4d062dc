import { Writable } from 'node:stream';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { EventsSchema } from '../../src/config/lab-schema.js';
import { renderEnglish } from '../../src/i18n/render.js';
import type { LabAlert } from '../../src/jobs/alerts.js';
import { EventBus, type LabEvent } from '../../src/jobs/events.js';
import { createLogger, createSilentLogger } from '../../src/log.js';
import { isQuietAt } from '../../src/watch/digest.js';
import { EventWatcher, readWatchState, type WatcherOptions } from '../../src/watch/watcher.js';
import { type CoreHarness, SIM_POLICY, shellCaller, startCore } from '../support/core.js';
import { expectCard } from '../support/dispatch.js';

let core: CoreHarness;
beforeAll(async () => {
  core = await startCore();
});
afterAll(async () => {
  await core?.close();
});

const KEY = 'watch:default';
beforeEach(async () => {
  await core.store.deleteState(KEY);
  core.clock.now = Date.parse('2026-11-28T10:00:00Z');
});

/** A watcher of the core lab, its bus recorded. */
function createWatcher(overrides: Partial<WatcherOptions> = {}) {
  const events: LabEvent[] = [];
  const bus = new EventBus();
  bus.subscribe((event) => events.push(event));
  const watcher = new EventWatcher({
    lab: core.labops.lab.name,
    labops: core.labops,
    engine: core.lab.client,
    store: core.store,
    bus,
    clock: () => core.clock.now,
    logger: createSilentLogger(),
    events: EventsSchema.parse({}),
    channel: 'CLAB',
    leading: () => true,
    ...overrides,
  });
  const posts = () => events.flatMap((e) => (e.type === 'watch:alerts' ? [e] : []));
  return { watcher, events, posts, added: () => posts().flatMap((e) => e.added) };
}

/** What an alert says, in English. */
function describe1(alert: LabAlert): string {
  return renderEnglish(alert.text);
}

/** Waits for the simulator's (scaled) state machines: until `check` holds, at most 3 s. */
async function waitUntil(check: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 300; i++) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error('the simulator never got there');
}

describe('the events watcher (issue 15 §1)', () => {
  it('posts no history on a first start, and counts what is already down as told', async () => {
    const { knobs } = core.lab.sim;
    knobs.failMigration('web1');
    knobs.makeHostNonResponsive('hyper2');
    try {
      const { watcher, events } = createWatcher();
      expect(await watcher.tick()).toBe('started');
      const state = readWatchState((await core.store.readState(KEY))?.value);
      expect(state?.index).toBe(await core.lab.client.getLastEventIndex());
      expect(await watcher.tick()).toBe('polled');
      expect(events).toEqual([]);
    } finally {
      knobs.reconnectHost('hyper2');
    }
  });

  it('posts a host made non-responsive once, with the engine event and doctor’s finding and fix', async () => {
    const { knobs } = core.lab.sim;
    const { watcher, added, posts } = createWatcher();
    expect(await watcher.tick()).toBe('started');
    knobs.makeHostNonResponsive('hyper1');
    try {
      expect(await watcher.tick()).toBe('polled');
      const [alert] = added();
      expect(added()).toHaveLength(1);
      expect(alert).toMatchObject({
        kind: 'host_down',
        subject: { type: 'host', name: 'hyper1' },
        engine: { code: 12, name: 'VDS_FAILURE', description: 'Host hyper1 is non responsive.' },
      });
      expect(describe1(alert!)).toBe('hyper1 is non_responsive: the engine cannot reach its vdsm');
      expect(renderEnglish(alert!.doctor!.title)).toBe('hyper1 is non_responsive');
      expect(alert!.doctor!.action).toMatchObject({ command: '/host', text: 'maintenance hyper1' });
      // Polled again, and after a restart of the bot: nothing more.
      expect(await watcher.tick()).toBe('polled');
      // The restarted bot announces the committed digest again, once, adding nothing: the Slack
      // reporter shows it only if Slack lacks some of it (test/watch/slack.test.ts).
      const restarted = createWatcher();
      expect(await restarted.watcher.tick()).toBe('polled');
      expect(await restarted.watcher.tick()).toBe('polled');
      expect(restarted.added()).toEqual([]);
      expect(restarted.posts().map((p) => [p.digest.seq, p.digest.total, p.channel])).toEqual([
        [1, 1, 'CLAB'],
      ]);
      expect(added()).toHaveLength(1);

      // Back up, then lost again: a new report, in the same message while the window lasts.
      knobs.reconnectHost('hyper1');
      expect(await watcher.tick()).toBe('polled');
      knobs.makeHostNonResponsive('hyper1');
      expect(await watcher.tick()).toBe('polled');
      expect(added()).toHaveLength(2);
      expect(posts().map((p) => [p.digest.seq, p.digest.total])).toEqual([
        [1, 1],
        [1, 2],
      ]);
    } finally {
      knobs.reconnectHost('hyper1');
    }
  });

  it('survives an engine restart (connections dropped, tokens lost, down a while) with no duplicate and no lost alert', async () => {
    const { knobs } = core.lab.sim;
    const lines: string[] = [];
    const logger = createLogger({
      level: 'info',
      destination: new Writable({
        write(chunk, _encoding, done) {
          lines.push(String(chunk));
          done();
        },
      }),
    });
    const { watcher, added } = createWatcher({ logger });
    expect(await watcher.tick()).toBe('started');
    try {
      knobs.pauseVmOnIoError('web1');
      // The engine restarts; while it starts, the proxy in front of it answers 503.
      knobs.restartEngine();
      knobs.injectFault({ kind: 'html', status: 503, count: Number.POSITIVE_INFINITY });
      expect(await watcher.tick()).toBe('engine-down');
      expect(await watcher.tick()).toBe('engine-down');
      knobs.clearFaults();
      expect(await watcher.tick()).toBe('polled');
      knobs.failMigration('app1');
      knobs.expireTokens();
      expect(await watcher.tick()).toBe('polled');
      // The bot restarts too: its new watcher carries on from the store.
      const again = createWatcher();
      expect(await again.watcher.tick()).toBe('polled');
      expect(await watcher.tick()).toBe('polled');
      expect([...added(), ...again.added()].map((a) => [a.kind, a.subject.name, a.engine?.name])).toEqual([
        ['vm_paused', 'web1', 'VM_PAUSED_EIO'],
        ['migration_failed', 'app1', 'VM_MIGRATION_FAILED'],
      ]);
      // Down once, back once: logged once each.
      const logged = lines.map((l) => JSON.parse(l) as { msg: string });
      expect(logged.filter((l) => l.msg.startsWith("cannot read the engine's events"))).toHaveLength(1);
      expect(logged.filter((l) => l.msg.startsWith("the engine's events can be read again"))).toHaveLength(1);
    } finally {
      knobs.clearFaults();
      knobs.resumeVm('web1');
    }
  });

  it('posts a host lost between its reads of the events and of the statuses once', async () => {
    const { knobs } = core.lab.sim;
    const { client } = core.lab;
    // The host is lost as soon as the first of the two reads answers, whichever it is.
    let loseHost: (() => void) | undefined;
    const afterRead = async <T>(read: Promise<T>): Promise<T> => {
      const answer = await read;
      loseHost?.();
      loseHost = undefined;
      return answer;
    };
    const engine: WatcherOptions['engine'] = {
      listEvents: (query, options) => afterRead(client.listEvents(query, options)),
      getLastEventIndex: (options) => client.getLastEventIndex(options),
      listHosts: (options) => afterRead(client.listHosts(options)),
      listVms: (query, options) => client.listVms(query, options),
      findDataCenterId: (name, options) => client.findDataCenterId(name, options),
      listAttachedStorageDomains: (id, options) => client.listAttachedStorageDomains(id, options),
    };
    const { watcher, added } = createWatcher({ engine });
    expect(await watcher.tick()).toBe('started');
    try {
      loseHost = () => knobs.makeHostNonResponsive('hyper1');
      expect(await watcher.tick()).toBe('polled');
      expect(await watcher.tick()).toBe('polled');
      expect(await watcher.tick()).toBe('polled');
      expect(added().map((a) => [a.kind, a.subject.name])).toEqual([['host_down', 'hyper1']]);
    } finally {
      knobs.reconnectHost('hyper1');
    }
  });

  it('starts again from the newest event when the engine’s index goes backwards', async () => {
    const { watcher, added } = createWatcher();
    expect(await watcher.tick()).toBe('started');
    const entry = (await core.store.readState(KEY))!;
    const state = readWatchState(entry.value)!;
    // As if the engine had been reinstalled: its log starts again far below the watermark.
    expect(
      await core.store.writeState(KEY, { ...state, index: 10_000_000 }, core.clock.now, entry.version),
    ).toBe(true);
    core.lab.sim.knobs.failMigration('db1');
    expect(await watcher.tick()).toBe('restarted');
    expect(readWatchState((await core.store.readState(KEY))?.value)?.index).toBe(
      await core.lab.client.getLastEventIndex(),
    );
    core.lab.sim.knobs.failMigration('db1');
    expect(await watcher.tick()).toBe('polled');
    expect(added().map((a) => a.subject.name)).toEqual(['db1']);
  });

  it('groups a storm into one message, edited as it grows, and starts another after the window', async () => {
    const { watcher, posts } = createWatcher();
    expect(await watcher.tick()).toBe('started');
    for (let i = 0; i < 50; i++) core.lab.sim.knobs.failMigration('app1');
    expect(await watcher.tick()).toBe('polled');
    for (let i = 0; i < 5; i++) core.lab.sim.knobs.failMigration('web1');
    core.clock.now += 60_000;
    expect(await watcher.tick()).toBe('polled');
    core.clock.now += 5 * 60_000;
    core.lab.sim.knobs.failMigration('db1');
    expect(await watcher.tick()).toBe('polled');
    expect(
      posts().map((p) => [p.digest.seq, p.digest.total, p.digest.latest.length, p.added.length]),
    ).toEqual([
      [1, 50, 10, 50],
      [1, 55, 10, 5],
      [2, 1, 1, 1],
    ]);
    expect(posts()[1]!.digest.latest.map((a) => a.subject.name)).toEqual([
      ...Array(5).fill('app1'),
      ...Array(5).fill('web1'),
    ]);
  });

  it('holds alerts during quiet hours, in the lab’s time zone, and posts them as one message when they end', async () => {
    const events = EventsSchema.parse({ quiet_hours: '22:00-07:00' });
    const labops = {
      lab: { ...core.labops.lab, timeZone: 'Asia/Seoul' },
      readDoctorForBot: core.labops.readDoctorForBot.bind(core.labops),
    };
    const { watcher, posts } = createWatcher({ events, labops });
    // 23:00 in Seoul.
    core.clock.now = Date.parse('2026-11-28T14:00:00Z');
    expect(await watcher.tick()).toBe('started');
    for (let i = 0; i < 3; i++) core.lab.sim.knobs.failMigration('app1');
    expect(await watcher.tick()).toBe('polled');
    core.clock.now = Date.parse('2026-11-28T21:59:00Z');
    core.lab.sim.knobs.failMigration('web1');
    expect(await watcher.tick()).toBe('polled');
    expect(posts()).toEqual([]);
    // 07:01 in Seoul: everything held, as one message.
    core.clock.now = Date.parse('2026-11-28T22:01:00Z');
    expect(await watcher.tick()).toBe('polled');
    expect(posts().map((p) => [p.digest.seq, p.digest.total, p.digest.afterQuiet, p.added.length])).toEqual([
      [1, 4, { hours: '22:00-07:00' }, 4],
    ]);
    expect(isQuietAt(Date.parse('2026-11-28T12:59:00Z'), '22:00-07:00', 'Asia/Seoul')).toBe(false);
    expect(isQuietAt(Date.parse('2026-11-28T13:00:00Z'), '22:00-07:00', 'Asia/Seoul')).toBe(true);
    expect(isQuietAt(Date.parse('2026-11-28T10:00:00Z'), '09:00-17:00', 'UTC')).toBe(true);
  });

  it('polls only while it leads, and of two replicas’ watchers on one store only one posts', async () => {
    let leads = false;
    const a = createWatcher({ leading: () => leads });
    expect(await a.watcher.tick()).toBe('not-leading');
    leads = true;
    expect(await a.watcher.tick()).toBe('started');
    const b = createWatcher();
    core.lab.sim.knobs.failMigration('web1');
    const outcomes = await Promise.all([a.watcher.tick(), b.watcher.tick()]);
    expect(outcomes).toContain('polled');
    expect([...a.added(), ...b.added()]).toHaveLength(1);
  });

  it('sends an event that carries a labops job’s correlation id to that job, not to the channel', async () => {
    const { watcher, posts, events } = createWatcher();
    expect(await watcher.tick()).toBe('started');
    const card = expectCard(
      await core.labops.dispatch({
        command: '/host',
        text: 'maintenance hyper2',
        caller: shellCaller('operator'),
      }),
    );
    const { client, sim } = core.lab;
    sim.knobs.pinVm('app1');
    // What the job's step does: the engine's requests tagged with the job's id (executor.ts).
    const hyper2 = await client.findHost('hyper2');
    await client.withCorrelationId(card.job.id).deactivateHost(hyper2.id);
    await waitUntil(async () => (await client.listEvents({ code: 17 })).length > 0);
    try {
      expect(await watcher.tick()).toBe('polled');
      const forJob = events.flatMap((e) => (e.type === 'watch:job-alerts' ? [e] : []));
      expect(
        forJob.map((e) => [e.jobId, e.alerts.map((a) => [a.kind, a.subject.name, a.engine?.code])]),
      ).toEqual([[card.job.id, [['migration_failed', 'app1', 65]]]]);
      expect(posts()).toEqual([]);
    } finally {
      await client.activateHost(hyper2.id);
      await client.waitForHostStatus(hyper2.id, ['up']);
    }
  });

  it('posts a domain taken into maintenance outside labops, and not one a labops job took', async () => {
    const { watcher, added, events } = createWatcher();
    expect(await watcher.tick()).toBe('started');
    const { client } = core.lab;
    const dc = await client.findDataCenterId('Default');
    const iso = await client.findStorageDomain('nfs-iso');
    const until = (status: string) =>
      waitUntil(async () => (await client.getAttachedStorageDomain(dc, iso.id))?.status === status);
    // Someone in the engine's portal.
    await client.deactivateStorageDomain(dc, iso.id);
    await until('maintenance');
    expect(await watcher.tick()).toBe('polled');
    expect(added().map((a) => [a.subject.name, a.engine?.name, describe1(a)])).toEqual([
      [
        'nfs-iso',
        'USER_DEACTIVATED_STORAGE_DOMAIN',
        'Storage domain nfs-iso went into preparing_for_maintenance, and no labops job asked for it',
      ],
    ]);
    await client.activateStorageDomain(dc, iso.id);
    await until('active');
    expect(await watcher.tick()).toBe('polled');

    // A labops job's step: its requests carry the job's id.
    const card = expectCard(
      await core.labops.dispatch({
        command: '/storage',
        text: 'detach nfs-iso',
        caller: shellCaller('operator'),
      }),
    );
    await client.withCorrelationId(card.job.id).deactivateStorageDomain(dc, iso.id);
    await until('maintenance');
    expect(await watcher.tick()).toBe('polled');
    expect(added()).toHaveLength(1);
    expect(events.filter((e) => e.type === 'watch:job-alerts')).toEqual([]);
    await client.activateStorageDomain(dc, iso.id);
    await until('active');
  });

  it('posts an image transfer the engine paused', async () => {
    const { watcher, added } = createWatcher();
    expect(await watcher.tick()).toBe('started');
    const { client, sim } = core.lab;
    const data = await client.findStorageDomain('nfs-data');
    const disk = await client.createDisk({
      name: 'paused.iso',
      sizeBytes: 1024 * 1024,
      storageDomainId: data.id,
      contentType: 'iso',
    });
    await client.waitForDiskStatus(disk.id, ['ok']);
    const transfer = await client.createImageTransfer(disk.id);
    await client.waitForTransferReady(transfer.id);
    expect(sim.knobs.pauseTransfer()).toBe(transfer.id);
    expect((await client.getImageTransfer(transfer.id))?.phase).toBe('paused_system');
    expect(await watcher.tick()).toBe('polled');
    expect(added().map((a) => [a.kind, a.engine?.name, describe1(a)])).toEqual([
      [
        'transfer_paused',
        'UPLOAD_IMAGE_PAUSED_BY_SYSTEM_TIMEOUT',
        'An image transfer to nfs-data was paused',
      ],
    ]);
  });

  // Last: the lab's data export stays broken.
  it('posts a storage domain the engine deactivated, with doctor’s permissions fix', async () => {
    const { watcher, added } = createWatcher();
    expect(await watcher.tick()).toBe('started');
    core.lab.sim.knobs.breakOwnership('/export/data');
    expect(await watcher.tick()).toBe('polled');
    expect(await watcher.tick()).toBe('polled');
    expect(added().map((a) => [a.kind, a.subject.name, a.engine?.name, describe1(a)])).toEqual([
      [
        'storage_down',
        'nfs-data',
        'SYSTEM_DEACTIVATED_STORAGE_DOMAIN',
        'Storage domain nfs-data is inactive',
      ],
    ]);
    expect(added()[0]!.doctor?.action).toMatchObject({ command: '/storage', text: 'fix-permissions data' });
  });
});

describe('the events watcher under a policy whose askers and channels are lists, as lab.example.yml has', () => {
  let strict: CoreHarness;
  beforeAll(async () => {
    strict = await startCore({
      policy: { ...SIM_POLICY, askers: ['slack:S0LABUSERS', 'shell:operator'], channels: ['C0LABOPS01'] },
    });
  });
  afterAll(async () => {
    await strict?.close();
  });

  it('still gives its alerts doctor’s finding and fix: the bot reads doctor for itself', async () => {
    const { knobs } = strict.lab.sim;
    // People are still held to the policy: someone not among the askers may not run doctor.
    const refused = await strict.labops.dispatch({
      command: '/lab',
      text: 'doctor',
      caller: shellCaller('mallory', 'C0LABOPS01'),
    });
    expect(refused.kind).toBe('error');
    const on = { labops: strict.labops, engine: strict.lab.client, store: strict.store };
    // The lab's channel, then a lab with no channel (its alerts on App Home only).
    const inChannel = createWatcher({ ...on, channel: 'C0LABOPS01' });
    const homeOnly = createWatcher({ ...on, channel: undefined });
    expect(await inChannel.watcher.tick()).toBe('started');
    try {
      for (const { watcher, added } of [inChannel, homeOnly]) {
        knobs.makeHostNonResponsive('hyper1');
        expect(await watcher.tick()).toBe('polled');
        const [alert, ...more] = added();
        expect(more).toEqual([]);
        expect(alert?.doctor && renderEnglish(alert.doctor.title)).toBe('hyper1 is non_responsive');
        expect(alert?.doctor?.action).toMatchObject({ command: '/host', text: 'maintenance hyper1' });
        knobs.reconnectHost('hyper1');
        expect(await watcher.tick()).toBe('polled');
      }
    } finally {
      knobs.reconnectHost('hyper1');
    }
  });
});
