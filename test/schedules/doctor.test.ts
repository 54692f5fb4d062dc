import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderEnglish } from '../../src/i18n/render.js';
import type { LabEvent } from '../../src/jobs/events.js';
import { createSilentLogger } from '../../src/log.js';
import { Scheduler } from '../../src/schedules/scheduler.js';
import { type CoreHarness, shellCaller, startCore } from '../support/core.js';
import { expectCard } from '../support/dispatch.js';

type Notice = Extract<LabEvent, { type: 'schedule:notice' }>;

let core: CoreHarness;
const notices: Notice[] = [];
const HOUR = 3_600_000;

beforeAll(async () => {
  core = await startCore({ lab: { timeZone: 'UTC' } });
  core.labops.bus.subscribe((event) => {
    if (event.type === 'schedule:notice') notices.push(event);
  });
});
afterAll(async () => {
  await core?.close();
});

/** What the notices since the last call said, in English, one string per notice. */
function takeNotices(): string[] {
  const said = notices.map((n) => [n.text, ...n.lines].map((t) => renderEnglish(t)).join('\n'));
  notices.length = 0;
  return said;
}

describe('a scheduled /lab doctor --every', () => {
  it('posts every finding at its first run, nothing while nothing changes, then only what changed', async () => {
    const start = core.clock.now;
    const operator = shellCaller('operator');
    const card = expectCard(
      await core.labops.dispatch({ command: '/lab', text: 'doctor --every 1h', caller: operator }),
    );
    // A read scheduled is confirmed by its requester: the bot will speak on its own every hour.
    expect(card.approval.risk).toBe('change');
    expect(card.approval.eligible).toEqual(['shell:operator']);
    expect((await core.labops.click(card.approval.id, operator, 'approve')).outcome).toBe('approved');
    await core.labops.executor.whenFinished(card.job.id);

    core.clock.now = start + HOUR;
    await core.labops.schedules.tick();
    expect(takeNotices()).toEqual([
      expect.stringMatching(/^Schedule sch-\w+: \/lab doctor’s first run found no problem\.$/),
    ]);

    core.clock.now = start + 2 * HOUR;
    await core.labops.schedules.tick();
    expect(takeNotices()).toEqual([]);

    core.lab.sim.knobs.stopService('storage', 'nfs-server');
    core.clock.now = start + 3 * HOUR;
    await core.labops.schedules.tick();
    const [changed, ...more] = takeNotices();
    expect(more).toEqual([]);
    const [head, ...lines] = changed!.split('\n');
    expect(head).toMatch(
      /^Schedule sch-\w+: \/lab doctor found changes since 2026-11-28 12:00 UTC: 1 new problem, 0 gone\.$/,
    );
    expect(lines).toHaveLength(1);
    expect(lines[0]).toBe('New: The NFS service is not running on storage');

    core.clock.now = start + 4 * HOUR;
    await core.labops.schedules.tick();
    expect(takeNotices()).toEqual([]);

    // A host that stopped answering, then answers again: added, then gone.
    core.lab.sim.knobs.makeHostNonResponsive('hyper2');
    core.clock.now = start + 5 * HOUR;
    await core.labops.schedules.tick();
    const [down] = takeNotices();
    expect(down).toMatch(/1 new problem, 0 gone\.\nNew: .*hyper2/);
    core.lab.sim.knobs.reconnectHost('hyper2');
    await core.lab.client.waitForHostStatus((await core.lab.client.findHost('hyper2')).id, ['up']);
    core.clock.now = start + 6 * HOUR;
    await core.labops.schedules.tick();
    const [back] = takeNotices();
    expect(back).toMatch(/since 2026-11-28 15:00 UTC: 0 new problems, 1 gone\.\nGone: .*hyper2/);

    // Its next run is listed, an hour on from the last.
    const [listed] = await core.labops.jobs.schedules();
    expect(listed?.next).toBe(start + 7 * HOUR);
  });

  it('is run once when two replicas tick at the same moment: the claim is a compare-and-set', async () => {
    const start = core.clock.now;
    const operator = shellCaller('operator');
    for (const listed of await core.labops.jobs.schedules()) {
      await core.labops.jobs.cancel(listed.id, 'shell:operator');
    }
    const card = expectCard(
      await core.labops.dispatch({ command: '/lab', text: 'doctor --every 1h', caller: operator }),
    );
    await core.labops.click(card.approval.id, operator, 'approve');
    await core.labops.executor.whenFinished(card.job.id);
    takeNotices();
    // A second scheduler over the same store and lab: another replica that also believes it leads.
    const other = new Scheduler({
      labops: core.labops,
      store: core.store,
      bus: core.labops.bus,
      clock: () => core.clock.now,
      logger: createSilentLogger(),
      leads: () => true,
    });
    const follower = new Scheduler({
      labops: core.labops,
      store: core.store,
      bus: core.labops.bus,
      clock: () => core.clock.now,
      logger: createSilentLogger(),
      leads: () => false,
    });
    core.clock.now = start + HOUR;
    await Promise.all([core.labops.schedules.tick(), other.tick(), follower.tick()]);
    expect(takeNotices()).toEqual([expect.stringMatching(/first run found/)]);
  });
});
