import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readAll } from '../slack/read-blocks.js';
import { CHANNEL, SLACK_POLICY, type SlackHarness, startSlackHarness, U } from '../support/slack-harness.js';

const MINUTE = 60_000;
let h: SlackHarness;

beforeAll(async () => {
  h = await startSlackHarness({
    mode: 'http',
    policy: { ...SLACK_POLICY, expiryMinutes: 60, remindAfterMinutes: 10 },
  });
});

afterAll(async () => {
  await h?.close();
});

describe('reminders in Slack', () => {
  it('reminds each undecided approver by DM, then names the card in its thread, sent to the channel', async () => {
    await h.command(U.operator, '/host', 'maintenance hyper1');
    await h.adapter.idle();
    const [card] = h.api.messages(CHANNEL);
    expect(card).toBeDefined();
    const approval = (await h.store.listApprovals({ statuses: ['pending'] }))[0]!;
    const dms = (user: string) => h.api.messages(`D${user}`).map((m) => readAll(m.blocks));
    const copies = { bob: dms(U.bob).length, carol: dms(U.carol).length };

    await h.labs.reminders.tick(approval.createdAt + 10 * MINUTE);
    await h.adapter.idle();
    // alice (in the channel), bob and carol (through the group SOPS): never the requester.
    for (const [user, before] of [
      [U.alice, 0],
      [U.bob, copies.bob],
      [U.carol, copies.carol],
    ] as const) {
      const reminders = dms(user).slice(before);
      expect(reminders, user).toHaveLength(1);
      expect(reminders[0]).toContain('⏰ /host maintenance hyper1, asked by <@UOPER>, has waited 10 min');
      expect(reminders[0]).toContain(`The card is in <#${CHANNEL}>`);
    }
    expect(dms(U.operator)).toEqual([]);
    expect(h.api.thread(CHANNEL, card!.ts)).toEqual([]);

    await h.labs.reminders.tick(approval.createdAt + 20 * MINUTE);
    await h.adapter.idle();
    const [named] = h.api.thread(CHANNEL, card!.ts);
    expect(readAll(named?.blocks)).toContain(
      '⏰ This card has waited 20 min for a decision. <@UALICE>, <@UBOB>',
    );
    const post = h.api.callsOf('chat.postMessage').find((c) => c.args.thread_ts === card!.ts);
    expect(String(post?.args.reply_broadcast)).toBe('true');

    // Once each: later ticks send nothing more.
    const calls = h.api.callsOf('chat.postMessage').length;
    await h.labs.reminders.tick(approval.createdAt + 40 * MINUTE);
    await h.adapter.idle();
    expect(h.api.callsOf('chat.postMessage')).toHaveLength(calls);
  });
});
