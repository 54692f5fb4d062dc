import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACTION } from '../../src/slack/render-card.js';
import { CHANNEL, type SlackHarness, startSlackHarness, U } from '../support/slack-harness.js';
import { readAll } from './read-blocks.js';

const DEBOUNCE_MS = 400;

let h: SlackHarness;
beforeAll(async () => {
  h = await startSlackHarness({ mode: 'http', timing: { homeDebounceMs: DEBOUNCE_MS } });
});
afterAll(async () => {
  await h?.close();
});

const publishesFor = (user: string) =>
  h.api.callsOf('views.publish').filter((c) => c.ok && c.args.user_id === user);

/** Settles once every publish the last changes called for went out (the window included). */
async function settleHomes(): Promise<void> {
  await h.settle();
  await new Promise((resolve) => setTimeout(resolve, DEBOUNCE_MS * 2));
  await h.adapter.idle();
}

describe('a live App Home (issue 17 §3)', () => {
  it('publishes again, at most once per window, the Home of whoever opened it when a card or job changes', async () => {
    await h.homeOpened(U.alice);
    await h.adapter.idle();
    expect(publishesFor(U.alice)).toHaveLength(1);
    // Opened a day and more ago: no longer kept live.
    await h.store.writeState(`home-opened:${U.carol}`, { at: Date.now() - 25 * 60 * 60_000 }, Date.now());

    await h.command(U.alice, '/host', 'maintenance hyper1');
    await h.adapter.idle();
    const card = h.api.messages(CHANNEL).at(-1)!;
    await settleHomes();
    // The card pending shows on Alice's Home.
    expect(publishesFor(U.alice).length).toBeGreaterThanOrEqual(2);
    expect(JSON.stringify(h.api.homes.get(U.alice))).toContain('a1');

    const before = publishesFor(U.alice).length;
    await h.click(U.bob, ACTION.approve, 'a1', { channel: CHANNEL, ts: card.ts });
    await settleHomes();
    const after = publishesFor(U.alice);
    // Decided, started and finished: each a change, published together within the windows.
    expect(after.length).toBeGreaterThan(before);
    for (let i = 1; i < after.length; i++) {
      expect(after[i]!.at - after[i - 1]!.at).toBeGreaterThanOrEqual(DEBOUNCE_MS - 20);
    }
    // The last publish shows the end: no card waiting, the job no longer running.
    const home = readAll((h.api.homes.get(U.alice) ?? []) as never);
    expect(home).not.toMatch(/AWAITING APPROVAL|RUNNING/);
    expect((await h.store.getJob((await h.store.listJobs())[0]!.id))?.status).toBe('succeeded');

    // Bob never opened his Home; Carol's opening is too old and is forgotten.
    expect(publishesFor(U.bob)).toEqual([]);
    expect(publishesFor(U.carol)).toEqual([]);
    expect(await h.store.readState(`home-opened:${U.carol}`)).toBeUndefined();
  });

  it('keeps a Home live across a restart of the replica: the opening is in the store', async () => {
    expect((await h.store.readState(`home-opened:${U.alice}`))?.value).toMatchObject({
      at: expect.any(Number),
    });
  });
});
