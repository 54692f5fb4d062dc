import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Policy } from '../../approvals/policy.js';
import type { Caller } from '../../src/command.js';
import { LabopsError } from '../../src/errors.js';
import { renderEnglish } from '../../src/i18n/render.js';
import type { LabEvent } from '../../src/jobs/events.js';
import { createSilentLogger } from '../../src/log.js';
import { cancelSchedule } from '../../src/schedules/manage.js';
import { type ScheduleRecord, scheduleKey } from '../../src/schedules/schedule.js';
import { type ScheduledLab, Scheduler } from '../../src/schedules/scheduler.js';
import type { Store } from '../../src/store/types.js';
import { type CoreHarness, shellCaller, startCore } from '../support/core.js';
import { expectCard } from '../support/dispatch.js';

type Notice = Extract<LabEvent, { type: 'schedule:notice' }>;

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
/** lab.example.yml's shape: people ask through a user group; the shell operator directly. */
const POLICY: Policy = {
  askers: ['slack:S0LABUSERS', 'shell:operator'],
  channels: 'anywhere',
  approvers: ['shell:alice', 'shell:bob'],
  expiryMinutes: 15,
  commands: {},
};
const STUDENT: Caller = { principal: 'slack:U0STUDENT', channel: 'C0LAB', groups: ['slack:S0LABUSERS'] };

let core: CoreHarness;
const notices: Notice[] = [];

beforeAll(async () => {
  core = await startCore({ lab: { timeZone: 'UTC' }, policy: POLICY });
  core.labops.bus.subscribe((event) => {
    if (event.type === 'schedule:notice') notices.push(event);
  });
});
afterAll(async () => {
  await core?.close();
});
beforeEach(async () => {
  for (const entry of await core.store.listState('schedule:')) await core.store.deleteState(entry.key);
  notices.length = 0;
});

function takeNotices(): string[] {
  const said = notices.map((n) => [n.text, ...n.lines].map((t) => renderEnglish(t)).join('\n'));
  notices.length = 0;
  return said;
}

/** The lab as the scheduler sees it, with Slack's user groups: S0LABUSERS has the student. */
function withGroups(overrides: Partial<ScheduledLab> = {}): ScheduledLab {
  const { labops } = core;
  return {
    lab: labops.lab,
    policy: labops.policy,
    executor: labops.executor,
    dispatch: (input) => labops.dispatch(input),
    planOnly: (input, options) => labops.planOnly(input, options),
    newJobId: () => labops.newJobId(),
    expandPrincipals: async (principals) =>
      principals.flatMap((p) => (p === 'slack:S0LABUSERS' ? [STUDENT.principal] : [p])),
    ...overrides,
  };
}

function createScheduler(labops: ScheduledLab = withGroups(), store: Store = core.store): Scheduler {
  return new Scheduler({
    labops,
    store,
    bus: core.labops.bus,
    clock: () => core.clock.now,
    logger: createSilentLogger(),
    leads: () => true,
  });
}

/** `/lab doctor …` scheduled by `caller` and confirmed: the schedule it wrote. */
async function scheduleDoctor(
  text: string,
  caller: Caller = shellCaller('operator'),
): Promise<ScheduleRecord> {
  const card = expectCard(await core.labops.dispatch({ command: '/lab', text: `doctor ${text}`, caller }));
  expect((await core.labops.click(card.approval.id, caller, 'approve')).outcome).toBe('approved');
  const armed = await core.labops.executor.whenFinished(card.job.id);
  expect(armed?.status, armed?.error).toBe('succeeded');
  const entries = await core.store.listState('schedule:');
  const schedule = entries.map((e) => e.value as ScheduleRecord).find((s) => s.jobId === card.job.id);
  expect(schedule).toBeDefined();
  return schedule!;
}

function keyOf(schedule: ScheduleRecord): string {
  return scheduleKey(schedule.lab, schedule.id);
}

/** `store`, with `name` replaced. */
function replaceMethod<K extends keyof Store>(store: Store, name: K, method: Store[K]): Store {
  return new Proxy(store, {
    get(target, property) {
      if (property === name) return method;
      const value = Reflect.get(target, property, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

describe('scheduled runs', () => {
  it('run as a requester who may ask only through a user group: their groups are resolved at run time', async () => {
    core.clock.now = Date.parse('2026-11-28T10:00:00Z');
    const start = core.clock.now;
    await scheduleDoctor('--every 1h', STUDENT);
    core.clock.now = start + HOUR;
    await createScheduler().tick();
    expect(takeNotices()).toEqual([expect.stringMatching(/\/lab doctor’s first run found/)]);

    // A change: the approvals are checked against the policy with the requester's groups too.
    const card = expectCard(
      await core.labops.dispatch({ command: '/lab', text: 'reset --at 12:00', caller: STUDENT }),
    );
    for (const name of ['alice', 'bob'].slice(0, card.approval.required)) {
      await core.labops.click(card.approval.id, shellCaller(name), 'approve');
    }
    expect((await core.labops.executor.whenFinished(card.job.id))?.status).toBe('succeeded');
    core.clock.now = Date.parse('2026-11-28T12:00:00Z');
    await createScheduler().tick();
    const said = takeNotices();
    expect(said.filter((s) => /could not start|did not run/.test(s))).toEqual([]);
    const running = said.map((s) => /runs now as job (job-\w+)/.exec(s)?.[1]).find(Boolean);
    expect(running, said.join('\n')).toBeDefined();
    expect((await core.labops.executor.whenFinished(running!))?.status).toBe('succeeded');
  });

  it('judge a repeat missed several times by its latest missed time, not its oldest', async () => {
    const start = core.clock.now;
    const schedule = await scheduleDoctor('--every 1h');
    expect(schedule.next).toBe(start + HOUR);
    // Down from before its first run until 5 minutes after its third was due.
    core.clock.now = start + 3 * HOUR + 5 * MINUTE;
    await createScheduler().tick();
    const said = takeNotices();
    expect(said[0]).toMatch(/was due at .* while labops was down; it runs now, 5 minutes late\.$/);
    expect(said[1]).toMatch(/first run found/);
    expect(said).toHaveLength(2);
    const moved = await core.store.readState(keyOf(schedule));
    expect((moved?.value as ScheduleRecord | undefined)?.next).toBe(start + 4 * HOUR);
  });

  it('keep a one-off whose process died while it ran, and run it once its claim is stale', async () => {
    const start = core.clock.now;
    const schedule = await scheduleDoctor(`--at ${new Date(start + HOUR).toISOString().slice(11, 16)}`);
    core.clock.now = schedule.next;
    // This process dies while the run reads the lab: the read never answers.
    let reading: () => void = () => {};
    const read = new Promise<void>((resolve) => {
      reading = resolve;
    });
    const hang = () => {
      reading();
      return new Promise<never>(() => {});
    };
    void createScheduler(withGroups({ dispatch: hang })).tick();
    await read;
    const claimed = (await core.store.readState(keyOf(schedule)))?.value as ScheduleRecord;
    expect(claimed.claim?.at).toBe(schedule.next);

    // Its run is under way: another replica does not run it, and a cancel is refused.
    core.clock.now = schedule.next + MINUTE;
    await createScheduler().tick();
    expect(takeNotices()).toEqual([]);
    const refused = await core.labops.jobs.cancel(schedule.id, 'shell:operator').catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(LabopsError);
    expect((refused as LabopsError).code).toBe('CONFLICT');
    expect((refused as LabopsError).message).toContain('is running now');

    // Restarted later: the stale claim is taken again and the run goes ahead, once.
    core.clock.now = schedule.next + 11 * MINUTE;
    await createScheduler().tick();
    const said = takeNotices();
    expect(said[0]).toMatch(/it runs now, 11 minutes late\.$/);
    expect(said[1]).toMatch(/first run found/);
    expect(said).toHaveLength(2);
    expect(await core.store.readState(keyOf(schedule))).toBeUndefined();
  });

  it('do not run a one-off twice when its process died after queueing its job', async () => {
    const start = core.clock.now;
    const caller = shellCaller('operator');
    const at = new Date(start + HOUR).toISOString().slice(11, 16);
    const card = expectCard(
      await core.labops.dispatch({ command: '/lab', text: `reset --at ${at}`, caller }),
    );
    for (const name of ['alice', 'bob'].slice(0, card.approval.required)) {
      await core.labops.click(card.approval.id, shellCaller(name), 'approve');
    }
    expect((await core.labops.executor.whenFinished(card.job.id))?.status).toBe('succeeded');
    const [entry] = await core.store.listState('schedule:');
    const schedule = entry!.value as ScheduleRecord;
    core.clock.now = schedule.next;
    let stop = () => {};
    const queued = new Promise<string>((resolve) => {
      stop = core.labops.bus.subscribe((event) => {
        const found =
          event.type === 'schedule:notice' && /runs now as job (job-\w+)/.exec(renderEnglish(event.text));
        if (found) resolve(found[1]!);
      });
    });
    // This process dies once the job is queued: the schedule is never removed.
    const dying = replaceMethod(core.store, 'deleteState', (key, version) =>
      key === entry!.key ? new Promise(() => {}) : core.store.deleteState(key, version),
    );
    void createScheduler(withGroups(), dying).tick();
    const jobId = await queued;
    stop();
    expect((await core.labops.executor.whenFinished(jobId))?.status).toBe('succeeded');
    takeNotices();

    core.clock.now = schedule.next + 11 * MINUTE;
    await createScheduler().tick();
    expect(takeNotices()).toEqual([]);
    expect(await core.store.readState(entry!.key)).toBeUndefined();
    const runs = (await core.store.listJobs({})).filter((j) => j.args.schedule === schedule.id);
    expect(runs.map((j) => j.id)).toEqual([jobId]);
  });

  it('start nothing once stopped, even when the stop comes while the tick reads the schedules', async () => {
    const start = core.clock.now;
    const schedule = await scheduleDoctor(`--at ${new Date(start + HOUR).toISOString().slice(11, 16)}`);
    core.clock.now = schedule.next;
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const store = replaceMethod(core.store, 'listState', async (prefix) => {
      await gate;
      return core.store.listState(prefix);
    });
    const scheduler = createScheduler(withGroups(), store);
    const ticked = scheduler.tick();
    const stopped = scheduler.stop();
    release();
    await Promise.all([ticked, stopped]);
    expect(takeNotices()).toEqual([]);
    expect((await core.store.readState(keyOf(schedule)))?.value).toEqual(schedule);
  });

  it('skip malformed entries and run the others', async () => {
    const start = core.clock.now;
    const schedule = await scheduleDoctor(`--at ${new Date(start + HOUR).toISOString().slice(11, 16)}`);
    const prefix = `schedule:${core.labops.lab.name}:`;
    await core.store.writeState(`${prefix}sch-null`, null, start);
    await core.store.writeState(`${prefix}sch-half`, { id: 'sch-half', next: 'soon' }, start);
    core.clock.now = schedule.next;
    await createScheduler().tick();
    expect(takeNotices()).toEqual([expect.stringMatching(/first run found/)]);
    expect(await core.labops.jobs.schedules()).toEqual([]);
  });

  it('cancel: a schedule written meanwhile, again and again, is still removed', async () => {
    const schedule = await scheduleDoctor('--every 1h');
    const key = keyOf(schedule);
    let raced = 0;
    // Each of the first two removals loses to a run that moved the schedule on meanwhile.
    const store = replaceMethod(core.store, 'deleteState', async (k, expect) => {
      if (k === key && raced < 2) {
        raced++;
        await core.store.writeState(k, { ...schedule, next: schedule.next + raced * HOUR }, core.clock.now);
      }
      return core.store.deleteState(k, expect);
    });
    const options = {
      store,
      lab: core.labops.lab.name,
      policy: POLICY,
      bus: core.labops.bus,
      clock: () => core.clock.now,
    };
    const done = await cancelSchedule(options, schedule.id, 'shell:operator', []);
    expect(renderEnglish(done!)).toContain(`Schedule ${schedule.id} cancelled`);
    expect(raced).toBe(2);
    expect(await core.store.readState(key)).toBeUndefined();
  });

  it('arm: a schedule id another schedule of the lab has fails the card rather than report it armed', async () => {
    const caller = shellCaller('operator');
    const card = expectCard(
      await core.labops.dispatch({ command: '/lab', text: 'doctor --every 1h', caller }),
    );
    const id = (card.plan.steps[0]!.params as { id: string }).id;
    const key = scheduleKey(core.labops.lab.name, id);
    const other = { id, note: 'another card’s schedule' };
    expect(await core.store.writeState(key, other, core.clock.now, 0)).toBe(true);
    await core.labops.click(card.approval.id, caller, 'approve');
    const job = await core.labops.executor.whenFinished(card.job.id);
    expect(job?.status).toBe('failed');
    expect(job?.error).toContain(`is already ${id}: nothing was scheduled`);
    expect((await core.store.readState(key))?.value).toEqual(other);
  });
});
