import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACTION } from '../../src/slack/render-card.js';
import { readAll } from '../slack/read-blocks.js';
import { CHANNEL, type SlackHarness, startSlackHarness, U } from '../support/slack-harness.js';

let h: SlackHarness;

beforeAll(async () => {
  h = await startSlackHarness({ mode: 'http' });
});

afterAll(async () => {
  await h?.close();
});

type Block = { type: string; elements?: { action_id?: string; value?: string }[] };
const buttonsOf = (blocks: readonly unknown[] | undefined) =>
  ((blocks ?? []) as Block[]).filter((b) => b.type === 'actions').flatMap((b) => b.elements ?? []);

describe('the Revert button', () => {
  it('is on a succeeded maintenance’s card, and plans the activation as the clicker', async () => {
    await h.command(U.operator, '/host', 'maintenance hyper1');
    await h.adapter.idle();
    const [card] = h.api.messages(CHANNEL);
    await h.click(U.alice, ACTION.approve, 'a1', { channel: CHANNEL, ts: card!.ts });
    await h.settle();
    const [job] = await h.store.listJobs();
    expect(job?.status).toBe('succeeded');
    const done = h.api.message(CHANNEL, card!.ts)!;
    expect(buttonsOf(done.blocks).map((b) => [b.action_id, b.value])).toEqual([[ACTION.revert, job!.id]]);
    expect(readAll(done.blocks)).toContain('Revert plans `/host activate hyper1`; offered until');

    // A click is a new plan of the inverse command, asked by the clicker: its own card.
    await h.click(U.alice, ACTION.revert, job!.id, { channel: CHANNEL, ts: card!.ts });
    await h.settle();
    const revert = h.api.messages(CHANNEL).find((m) => m.ts !== card!.ts && m.threadTs === undefined);
    const text = readAll(revert?.blocks);
    expect(text).toContain('/host activate hyper1');
    expect(text).toContain(`This reverts ${job!.id} (/host maintenance hyper1).`);
    expect(text).toContain('does not bring back the VMs that migrated away');
    const [asked] = await h.store.listJobs({ statuses: ['awaiting_approval'] });
    expect(asked).toMatchObject({
      command: 'host activate',
      requester: `slack:${U.alice}`,
      channel: CHANNEL,
    });
    // The first card no longer offers it; a click on a stale button is refused to the clicker.
    expect(buttonsOf(h.api.message(CHANNEL, card!.ts)?.blocks)).toEqual([]);
    await h.click(U.bob, ACTION.revert, job!.id, { channel: CHANNEL, ts: card!.ts });
    await h.adapter.idle();
    const answer = JSON.stringify(h.api.responses.at(-1)?.body);
    expect(answer).toContain('ephemeral');
    expect(answer).toContain(`${job!.id} is already being reverted by ${asked!.id}`);
  });
});
