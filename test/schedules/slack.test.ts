import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ScheduleRecord } from '../../src/schedules/schedule.js';
import { ACTION } from '../../src/slack/render-card.js';
import { readAll } from '../slack/read-blocks.js';
import { CHANNEL, type SlackHarness, startSlackHarness, U } from '../support/slack-harness.js';

let h: SlackHarness;
beforeAll(async () => {
  h = await startSlackHarness({ mode: 'http', lab: { timeZone: 'UTC' }, timeScale: 0.005 });
});
afterAll(async () => {
  await h?.close();
});

type Stored = ReturnType<SlackHarness['api']['messages']>[number];

/** The channel's own messages, not the replies in threads. */
function channelMessages(): Stored[] {
  return h.api.messages(CHANNEL).filter((m) => m.threadTs === undefined);
}

function textOf(message: Stored | undefined): string {
  return readAll((message?.blocks ?? []) as never);
}

/** `YYYY-MM-DDTHH:MM` in UTC, `minutes` from now. */
function inMinutes(minutes: number): string {
  return new Date(Date.now() + minutes * 60_000).toISOString().slice(0, 16);
}

/** Its time comes: the stored schedule made due now (the scheduler reads the time from the store). */
async function makeDue(id: string, change: Partial<ScheduleRecord> = {}): Promise<void> {
  const key = `schedule:${h.labops.lab.name}:${id}`;
  const entry = await h.store.readState(key);
  expect(entry).toBeDefined();
  const value = { ...(entry!.value as ScheduleRecord), next: Date.now() - 1000, ...change };
  expect(await h.store.writeState(key, value, Date.now(), entry!.version)).toBe(true);
}

/** The schedule a card's job wrote once approved. */
async function findSchedule(jobId: string): Promise<ScheduleRecord> {
  const entries = await h.store.listState('schedule:');
  const found = entries.map((e) => e.value as ScheduleRecord).find((s) => s.jobId === jobId);
  expect(found).toBeDefined();
  return found!;
}

describe('scheduled work in Slack', () => {
  it('posts the card that says when, and asks again with a new card when its approvals no longer hold', async () => {
    await h.command(U.operator, '/lab', `reset --at ${inMinutes(40)}`);
    await h.adapter.idle();
    const card = channelMessages().at(-1)!;
    expect(textOf(card)).toContain(`at ${inMinutes(40).replace('T', ' ')} UTC`);
    expect(textOf(card)).toContain('the lab’s locks are taken then, not while it waits');
    // Its time comes after lab.yml dropped bob: it asks again.
    const second = (await h.store.listJobs({ statuses: ['awaiting_approval'] }))[0]!;
    const secondApproval = (await h.store.getApprovalForJob(second.id))!;
    await h.click(U.alice, ACTION.approve, secondApproval.id, { channel: CHANNEL, ts: card.ts });
    await h.click(U.bob, ACTION.approve, secondApproval.id, { channel: CHANNEL, ts: card.ts });
    await h.settle();
    const again = await findSchedule(second.id);
    await makeDue(again.id, { approvers: [`slack:${U.alice}`, 'slack:UGONE'] });
    const before = channelMessages().length;
    await h.labops.schedules.tick();
    await h.settle();
    const posted = channelMessages().slice(before);
    expect(posted).toHaveLength(2);
    expect(textOf(posted[0])).toContain(`Schedule ${again.id}: /lab reset did not run, because`);
    expect(textOf(posted[0])).toContain('it needs 2 approvals under the lab’s policy and 1 still counts');
    expect(textOf(posted[1])).toContain('AWAITING APPROVAL');
  });
});
