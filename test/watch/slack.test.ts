import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EventsSchema } from '../../src/config/lab-schema.js';
import { EventBus } from '../../src/jobs/events.js';
import { createSilentLogger } from '../../src/log.js';
import { ACTION } from '../../src/slack/render-card.js';
import { DIGEST_WINDOW_MS } from '../../src/watch/digest.js';
import { EventWatcher, readWatchState } from '../../src/watch/watcher.js';
import { readAll } from '../slack/read-blocks.js';
import { type SlackHarness, startSlackHarness, U } from '../support/slack-harness.js';

const CHANNEL = 'CWATCH';

let h: SlackHarness;
let watcher: EventWatcher;
beforeAll(async () => {
  // One lab bound to its channel: its events go there.
  h = await startSlackHarness({ mode: 'http', labs: [{ channels: [CHANNEL] }] });
  watcher = h.labs.watchers.get('lab1')!;
  expect(await watcher.tick()).toBe('started');
});
afterAll(async () => {
  await h?.close();
});

/** The lab's event messages in the channel (not cards). */
function alertMessages() {
  return h.api.messages(CHANNEL).filter((m) => m.threadTs === undefined && m.text.startsWith('Lab events'));
}

function buttonsOf(blocks: readonly Record<string, unknown>[]): { actionId: string; value: string }[] {
  return blocks
    .filter((b) => b.type === 'actions')
    .flatMap((b) => b.elements as { action_id: string; value: string }[])
    .map((e) => ({ actionId: e.action_id, value: e.value }));
}

describe('lab events in Slack (issue 15 §1)', () => {
  it('posts a host made non-responsive once, with doctor’s fix, whose button asks for approval', async () => {
    const { knobs } = h.lab.sim;
    knobs.makeHostNonResponsive('hyper1');
    try {
      expect(await watcher.tick()).toBe('polled');
      await h.settle();
      expect(await watcher.tick()).toBe('polled');
      await h.settle();
      const [message, ...more] = alertMessages();
      expect(more).toEqual([]);
      expect(message!.history).toHaveLength(1);
      const text = readAll(message!.blocks);
      expect(text).toContain('hyper1 is non_responsive: the engine cannot reach its vdsm');
      expect(text).toContain('The engine: Host hyper1 is non responsive. (event 12, VDS_FAILURE)');
      expect(text).toContain('/lab doctor: hyper1 is non_responsive');
      const [fix] = buttonsOf(message!.blocks);
      expect(fix).toEqual({
        actionId: ACTION.runView,
        value: JSON.stringify({ command: '/host', text: 'maintenance hyper1' }),
      });

      await h.click(U.operator, fix!.actionId, fix!.value, { channel: CHANNEL, ts: message!.ts });
      await h.settle();
      const [job] = await h.store.listJobs();
      expect(job).toMatchObject({
        command: 'host maintenance',
        requester: `slack:${U.operator}`,
        status: 'awaiting_approval',
      });
      const card = h.api.messages(CHANNEL).find((m) => m.ts === (job!.messageRef as { ts?: string }).ts);
      expect(readAll(card?.blocks)).toContain('AWAITING APPROVAL');
    } finally {
      knobs.reconnectHost('hyper1');
    }
  });

  it('edits that one message as a storm grows, and tells a job’s events in its thread', async () => {
    const { knobs } = h.lab.sim;
    for (let i = 0; i < 20; i++) knobs.failMigration('app1');
    expect(await watcher.tick()).toBe('polled');
    await h.settle();
    for (let i = 0; i < 5; i++) knobs.failMigration('db1');
    expect(await watcher.tick()).toBe('polled');
    await h.settle();
    const [message, ...more] = alertMessages();
    expect(more).toEqual([]);
    expect(message!.history.length).toBeGreaterThan(1);
    const text = readAll(message!.blocks);
    expect(text).toContain('26 events since');
    expect(text).toContain('… and 16 earlier events');
    expect(text).toContain('Migration of VM db1 failed');

    // The card of the first test: the engine's events tagged with its job's id go to its thread.
    const [job] = await h.store.listJobs();
    const { client } = h.lab;
    const hyper1 = await client.findHost('hyper1');
    knobs.pinVm('web1');
    await client.withCorrelationId(job!.id).deactivateHost(hyper1.id);
    for (let i = 0; i < 300 && !(await client.listEvents({ code: 17 })).length; i++) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    try {
      expect(await watcher.tick()).toBe('polled');
      await h.settle();
      const ref = job!.messageRef as { channel: string; ts: string };
      const thread = h.api.thread(ref.channel, ref.ts);
      expect(thread.map((m) => readAll(m.blocks)).join('\n')).toContain('Migration of VM web1 failed');
      expect(readAll(alertMessages()[0]!.blocks)).not.toContain('web1');
    } finally {
      await client.activateHost(hyper1.id);
      await client.waitForHostStatus(hyper1.id, ['up']);
    }
  });

  it('shows a digest a bot committed and crashed before posting, once, when a bot leads again', async () => {
    // Another bot's watcher on this lab and store; its bus: what it emits dies with it.
    const watcherOn = (bus: EventBus) =>
      new EventWatcher({
        lab: 'lab1',
        labops: h.labs.get('lab1')!,
        engine: h.lab.client,
        store: h.store,
        bus,
        clock: () => Date.now(),
        logger: createSilentLogger(),
        events: EventsSchema.parse({}),
        channel: CHANNEL,
        leading: () => true,
      });
    // The storm's message is older than the window: the next alert starts a message of its own.
    const entry = (await h.store.readState('watch:lab1'))!;
    const state = readWatchState(entry.value)!;
    const digest = { ...state.channel.digest!, startedAt: Date.now() - DIGEST_WINDOW_MS - 1000 };
    const aged = { ...state, channel: { ...state.channel, digest } };
    expect(await h.store.writeState('watch:lab1', aged, Date.now(), entry.version)).toBe(true);
    const before = alertMessages().length;

    h.lab.sim.knobs.failMigration('db1');
    expect(await watcherOn(new EventBus()).tick()).toBe('polled');
    await h.settle();
    expect(alertMessages()).toHaveLength(before);

    // The bot starts again and leads: the committed digest is posted.
    expect(await watcherOn(h.labs.bus).tick()).toBe('polled');
    await h.settle();
    const posted = alertMessages().slice(before);
    expect(posted).toHaveLength(1);
    expect(readAll(posted[0]!.blocks)).toContain('Migration of VM db1 failed');
    // Once more, the outbox a new process's (empty): Slack has it all, nothing is sent.
    h.adapter.outbox.forget(`alert:lab1:${digest.seq + 1}`);
    const edits = h.api.calls.filter((c) => c.method === 'chat.update').length;
    const drawn = posted[0]!.history.length;
    expect(await watcherOn(h.labs.bus).tick()).toBe('polled');
    await h.settle();
    expect(h.api.calls.filter((c) => c.method === 'chat.update')).toHaveLength(edits);
    expect(posted[0]!.history).toHaveLength(drawn);
    expect(alertMessages().slice(before)).toHaveLength(1);
  });
});
