import { afterEach, describe, expect, it } from 'vitest';
import { renderText } from '../../src/i18n/render.js';
import { UNKNOWN_ACTION_ID, UNKNOWN_ACTION_NOTICE } from '../../src/slack/listeners/unknown-action.js';
import { ACTION } from '../../src/slack/render-card.js';
import { CHANNEL, type Mode, type SlackHarness, startSlackHarness, U } from '../support/slack-harness.js';
import { readAll } from './read-blocks.js';

let h: SlackHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe('action ids', () => {
  it('tells an id labops never rendered from its own, so no click is acked twice', () => {
    for (const id of Object.values(ACTION)) expect(UNKNOWN_ACTION_ID.test(id), id).toBe(false);
    for (const id of ['approval:approve-all', 'x', 'approval:approve ', 'job:cancel:1', 'Approval:approve']) {
      expect(UNKNOWN_ACTION_ID.test(id), id).toBe(true);
    }
  });
});

describe.each<Mode>(['http', 'socket'])(
  'a signed click with an action id labops never rendered (%s)',
  (mode) => {
    it('is acknowledged at once, not after the ack timeout, and only the clicker is told', async () => {
      // An ack timeout far beyond the test's own: a 200 can only come from a listener's ack (Bolt's
      // HTTP receiver answers 404 when the timeout passes; slack-platform.md §1).
      h = await startSlackHarness({ mode, timing: { ackTimeoutMs: 10 * 60_000 } });
      await h.command(U.alice, '/host', 'maintenance hyper1');
      await h.adapter.idle();
      const card = h.api.messages(CHANNEL)[0]!;
      const responses = h.api.responses.length;

      const answer = await h.click(U.mallory, 'approval:approve-all', 'a1', {
        channel: CHANNEL,
        ts: card.ts,
      });
      expect(answer.status).toBe(200);
      await h.adapter.idle();

      const replies = h.api.responses.slice(responses);
      expect(replies).toHaveLength(1);
      expect(replies[0]?.body.response_type).toBe('ephemeral');
      expect(readAll(replies[0]?.body.blocks)).toContain(renderText('en', UNKNOWN_ACTION_NOTICE));
      // Nothing was decided and nothing changed on the card.
      expect((await h.store.getApproval('a1'))?.decisions).toEqual([]);
      expect(h.api.message(CHANNEL, card.ts)?.history).toHaveLength(1);

      // A known button still works, acked once by its own listener.
      const approve = await h.click(U.bob, ACTION.approve, 'a1', { channel: CHANNEL, ts: card.ts });
      expect(approve.status).toBe(200);
      await h.settle();
      expect((await h.store.getApproval('a1'))?.status).toBe('approved');
    });

    it('on App Home is acknowledged at once and changes nothing', async () => {
      h = await startSlackHarness({ mode, timing: { ackTimeoutMs: 10 * 60_000 } });
      const answer = await h.click(U.mallory, 'home:format-disks', 'x', 'home');
      expect(answer.status).toBe(200);
      await h.adapter.idle();
      expect(h.api.responses).toEqual([]);
      expect(await h.store.listJobs()).toEqual([]);
    });
  },
);
