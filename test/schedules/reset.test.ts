import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Policy } from '../../approvals/policy.js';
import type { LabInfo } from '../../src/command.js';
import { renderEnglish } from '../../src/i18n/render.js';
import type { LabEvent } from '../../src/jobs/events.js';
import type { Labops } from '../../src/labops.js';
import { type CoreHarness, EXPORTS_WITH_SPARE, SIM_POLICY, shellCaller, startCore } from '../support/core.js';
import { expectCard, expectError } from '../support/dispatch.js';
import { addActiveSpareDomain } from '../support/engine.js';

type Notice = Extract<LabEvent, { type: 'schedule:notice' }>;

const LAB: Partial<LabInfo> = {
  timeZone: 'UTC',
  // The baseline lists three of the four VMs: scratch1 is extra, and a reset removes it.
  baseline: {
    storageDomains: [
      { name: 'nfs-data', type: 'data', exportPath: '/export/data' },
      { name: 'nfs-iso', type: 'iso', exportPath: '/export/iso' },
    ],
    hosts: ['hyper1', 'hyper2'],
    vms: ['web1', 'db1', 'app1'],
  },
};
const SEED = {
  exports: EXPORTS_WITH_SPARE,
  vms: [
    { name: 'web1', host: 'hyper1' },
    { name: 'db1', host: 'hyper1' },
    { name: 'app1', host: 'hyper2' },
    { name: 'scratch1', host: 'hyper2', diskGiB: 8 },
  ],
};

let dir: string;
let core: CoreHarness;
let notices: Notice[] = [];

async function openCore(policy: Policy = SIM_POLICY): Promise<CoreHarness> {
  const opened = await startCore({ dbDir: dir, policy, lab: LAB, sim: { seed: SEED } });
  opened.labops.bus.subscribe((event) => {
    if (event.type === 'schedule:notice') notices.push(event);
  });
  return opened;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'labops-schedule-reset-'));
  core = await openCore();
});
afterAll(async () => {
  await core?.close();
  rmSync(dir, { recursive: true, force: true });
});

const at = (hhmm: string) => Date.parse(`2026-11-28T${hhmm}:00Z`);

/** `/lab reset --at TIME` asked by operator, approved by alice and bob: the schedule it wrote. */
async function scheduleReset(labops: Labops, when: string) {
  const card = expectCard(
    await labops.dispatch({ command: '/lab', text: `reset --at ${when}`, caller: shellCaller('operator') }),
  );
  // Nothing is locked while it waits: the card holds no lock, the run takes them.
  expect(card.plan.locks).toEqual([]);
  expect(card.approval.required).toBe(2);
  await labops.click(card.approval.id, shellCaller('alice'), 'approve');
  const click = await labops.click(card.approval.id, shellCaller('bob'), 'approve');
  expect(click.outcome, click.message).toBe('approved');
  const armed = await labops.executor.whenFinished(card.job.id);
  expect(armed?.status, armed?.error).toBe('succeeded');
  const [entry] = await core.store.listState('schedule:');
  expect(entry).toBeDefined();
  return { card, id: (entry!.value as { id: string }).id };
}

function texts(notice: Notice | undefined): string[] {
  return notice ? [renderEnglish(notice.text), ...notice.lines.map((l) => renderEnglish(l))] : [];
}

describe('a scheduled reset', () => {
  it('refuses a time already past, a form it does not read, and an interval under 15 minutes', async () => {
    core.clock.now = at('10:00');
    const caller = shellCaller('operator');
    const past = expectError(
      await core.labops.dispatch({ command: '/lab', text: 'reset --at 09:30', caller }),
    );
    expect(past.code).toBe('USAGE');
    expect(past.message).toBe(
      '2026-11-28 09:30 UTC has already passed in UTC: a scheduled time must be still to come.',
    );
    expect(renderEnglish(past.hintText!)).toContain('--at 2026-11-29T18:00');
    const form = expectError(await core.labops.dispatch({ command: '/lab', text: 'reset --at 6pm', caller }));
    expect(form.message).toBe('"6pm" is not a time labops reads.');
    const often = expectError(
      await core.labops.dispatch({ command: '/lab', text: 'doctor --every 5m', caller }),
    );
    expect(often.message).toBe('Every 5m is too often: scheduled work runs at most every 15m.');
    expect(await core.store.listState('schedule:')).toEqual([]);
  });

  it('runs when the lab merely drifted: a host went into maintenance and its VMs moved', async () => {
    core.clock.now = at('10:00');
    const { card, id } = await scheduleReset(core.labops, '10:30');
    // Where an adapter posted the card (Slack's channel and ts): the run reports there.
    await core.store.setJobMessageRef(card.job.id, { channel: 'CLAB', ts: '1700000000.000100' });
    const { client } = core.lab;
    const hyper2 = await client.findHost('hyper2');
    await client.deactivateHost(hyper2.id);
    await client.waitForHostStatus(hyper2.id, ['maintenance']);

    core.clock.now = at('10:29');
    notices = [];
    await core.labops.schedules.tick();
    expect(notices).toEqual([]);

    core.clock.now = at('10:30');
    await core.labops.schedules.tick();
    expect(notices).toHaveLength(1);
    const running = /runs now as job (job-[0-9a-f]{4})\./.exec(texts(notices[0])[0]!);
    expect(running?.[0], texts(notices[0]).join('\n')).toBeDefined();
    const job = await core.labops.executor.whenFinished(running![1]!);
    expect(job?.status, job?.error).toBe('succeeded');
    expect(job?.args).toMatchObject({ schedule: id });
    expect(job?.messageRef).toEqual({ channel: 'CLAB', ts: '1700000000.000100' });
    expect((await client.findHost('hyper2')).status).toBe('up');
    expect((await client.listVms()).map((vm) => vm.name).sort()).toEqual(['app1', 'db1', 'web1']);
    // A one-off is gone once it ran.
    expect(await core.store.listState('schedule:')).toEqual([]);
  });

  it('asks again instead of running when its destructive scope grew: a new domain to remove', async () => {
    core.clock.now = at('10:40');
    await scheduleReset(core.labops, '11:00');
    const { client } = core.lab;
    await addActiveSpareDomain(client);

    core.clock.now = at('11:00');
    notices = [];
    await core.labops.schedules.tick();
    expect(notices).toHaveLength(1);
    const [said] = texts(notices[0]);
    expect(said).toContain('did not run, because the plan now has a destructive step the card did not show');
    expect(said).toContain('spare');
    const card = notices[0]!.card!;
    expect(card.job.status).toBe('awaiting_approval');
    expect(card.job.text).toBe('reset');
    // Nothing ran: the spare domain is still there, and only the new card waits.
    expect((await client.listStorageDomains()).some((d) => d.name === 'spare')).toBe(true);
    const running = await core.store.listJobs({ statuses: ['running', 'queued'] });
    expect(running).toEqual([]);
    await core.labops.click(card.approval.id, shellCaller('alice'), 'deny');
  });

  it('survives a restart, and an approver removed from lab.yml meanwhile no longer counts', async () => {
    core.clock.now = at('11:10');
    const { id } = await scheduleReset(core.labops, '12:00');
    await core.close();
    // lab.yml now names alice and carol: bob, who approved, no longer approves.
    core = await openCore({ ...SIM_POLICY, approvers: ['shell:alice', 'shell:carol'] });
    core.clock.now = at('11:30');
    const listed = await core.labops.jobs.schedules();
    expect(listed.map((s) => [s.id, s.command, s.approvers])).toEqual([
      [id, '/lab reset', ['shell:alice', 'shell:bob']],
    ]);

    core.clock.now = at('12:00');
    notices = [];
    await core.labops.schedules.tick();
    expect(notices).toHaveLength(1);
    const [said] = texts(notices[0]);
    expect(said).toContain('shell:bob no longer approves /lab reset under the lab’s policy');
    expect(said).toContain('it needs 2 approvals under the lab’s policy and 1 still counts');
    expect(notices[0]!.card?.approval.eligible).toEqual(['shell:alice', 'shell:carol']);
    await core.labops.click(notices[0]!.card!.approval.id, shellCaller('alice'), 'deny');
  });

  it('at start-up runs a run missed by less than 15 minutes and skips one missed by more, saying so', async () => {
    core.clock.now = at('12:10');
    const caller = shellCaller('operator');
    for (const when of ['13:00', '13:20']) {
      const card = expectCard(
        await core.labops.dispatch({ command: '/lab', text: `doctor --at ${when}`, caller }),
      );
      expect((await core.labops.click(card.approval.id, caller, 'approve')).outcome).toBe('approved');
      await core.labops.executor.whenFinished(card.job.id);
    }
    await core.close();
    notices = [];
    core = await openCore();
    core.clock.now = at('13:30');
    await core.labops.start();
    await core.labops.schedules.tick();
    const said = notices.map((n) => renderEnglish(n.text));
    expect(said).toHaveLength(3);
    expect(said[0]).toMatch(
      /^Schedule sch-\w+: \/lab doctor was due at 2026-11-28 13:00 UTC while labops was down; 30 minutes late is too late, so that run was skipped\.$/,
    );
    expect(said[1]).toMatch(
      /was due at 2026-11-28 13:20 UTC while labops was down; it runs now, 10 minutes late\.$/,
    );
    expect(said[2]).toMatch(/\/lab doctor’s first run found/);
    expect((await core.store.listAudit(10)).filter((e) => e.type === 'schedule:skipped')).toHaveLength(1);
    expect(await core.store.listState('schedule:')).toEqual([]);
  });
});
