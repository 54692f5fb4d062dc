import { afterEach, describe, expect, it, vi } from 'vitest';
import { ACTION } from '../../src/slack/render-card.js';
import { chatterCommand, chatterSteps } from '../support/slack-chatter.js';
import { CHANNEL, type Mode, type SlackHarness, startSlackHarness, U } from '../support/slack-harness.js';

let h: SlackHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

async function jobsStarted(harness: SlackHarness): Promise<number> {
  return (await harness.store.listAudit(500)).filter((e) => e.type === 'job:started').length;
}

describe.each<Mode>(['http', 'socket'])('retries and simultaneous clicks over %s', (mode) => {
  it('runs one job when two approvers click at the same moment', async () => {
    h = await startSlackHarness({ mode });
    await h.command(U.alice, '/host', 'maintenance hyper2');
    await h.adapter.idle();
    const card = h.api.messages(CHANNEL)[0]!;
    const answers = await Promise.all([
      h.click(U.bob, ACTION.approve, 'a1', { channel: CHANNEL, ts: card.ts }),
      h.click(U.carol, ACTION.approve, 'a1', { channel: CHANNEL, ts: card.ts }),
    ]);
    expect(answers.map((a) => a.status)).toEqual([200, 200]);
    await h.settle();
    expect(await jobsStarted(h)).toBe(1);
    expect((await h.store.listJobs())[0]?.status).toBe('succeeded');
    const refused = h.api.responses.filter((r) => JSON.stringify(r.body).includes('already approved'));
    expect(refused).toHaveLength(1);
  });

  it('runs one job when the two approvals of a critical plan arrive together', async () => {
    h = await startSlackHarness({ mode });
    h.lab.sim.knobs.pinVm('web1');
    await h.command(U.alice, '/host', 'maintenance hyper1');
    await h.adapter.idle();
    const card = h.api.messages(CHANNEL)[0]!;
    await Promise.all([
      h.click(U.bob, ACTION.approve, 'a1', { channel: CHANNEL, ts: card.ts }),
      h.click(U.carol, ACTION.approve, 'a1', { channel: CHANNEL, ts: card.ts }),
    ]);
    await h.settle();
    expect(await jobsStarted(h)).toBe(1);
  });

  it('starts nothing twice for a retried command or a repeated click', async () => {
    h = await startSlackHarness({ mode });
    await h.command(U.alice, '/host', 'maintenance hyper2', { triggerId: 'trig-1' });
    await h.command(U.alice, '/host', 'maintenance hyper2', { triggerId: 'trig-1', retryNum: 1 });
    await h.adapter.idle();
    expect(await h.store.listJobs()).toHaveLength(1);
    expect(h.api.messages(CHANNEL)).toHaveLength(1);
    const card = h.api.messages(CHANNEL)[0]!;
    await h.click(U.bob, ACTION.approve, 'a1', { channel: CHANNEL, ts: card.ts }, { triggerId: 'trig-2' });
    await h.click(
      U.bob,
      ACTION.approve,
      'a1',
      { channel: CHANNEL, ts: card.ts },
      { triggerId: 'trig-2', retryNum: 1 },
    );
    // A double click: a second payload with its own trigger.
    await h.click(U.bob, ACTION.approve, 'a1', { channel: CHANNEL, ts: card.ts });
    await h.settle();
    expect(await jobsStarted(h)).toBe(1);
    expect((await h.store.getApproval('a1'))?.decisions).toHaveLength(1);
  });
});

describe('rate limits', () => {
  it('runs three chatty jobs at once with no 429 and every message in its final state', async () => {
    h = await startSlackHarness({ mode: 'http', extraCommands: [chatterCommand], extraSteps: chatterSteps });
    // Three requesters: one person may have at most two plans in flight (issue 10 §1).
    const requesters = [U.operator, U.alice, U.mallory];
    for (const [i, name] of ['one', 'two', 'three'].entries()) {
      await h.command(requesters[i]!, '/chatter', `run ${name} --steps 6 --lines 600 --ms 600`);
    }
    await h.adapter.idle();
    const cards = h.api.messages(CHANNEL).filter((m) => !m.threadTs);
    expect(cards).toHaveLength(3);
    // Each requester confirms their own change, all at once.
    await Promise.all(
      (await h.store.listApprovals({ statuses: ['pending'] })).map(async (approval) => {
        const ref = (await h!.store.getJob(approval.jobId))?.messageRef as { channel: string; ts: string };
        return h!.click(approval.requester.replace(/^slack:/, ''), ACTION.approve, approval.id, ref);
      }),
    );
    await h.settle();
    expect(h.api.rateLimited).toBe(0);
    expect(h.adapter.outbox.rateLimited).toBe(0);
    for (const card of cards) {
      const parent = h.api.message(CHANNEL, card.ts)!;
      expect(JSON.stringify(parent.blocks)).toContain('SUCCEEDED');
      // One progress message, every step changed in it, then the summary.
      const [progress, summary, ...more] = h.api.thread(CHANNEL, card.ts);
      expect(more).toEqual([]);
      const final = JSON.stringify(progress!.blocks);
      for (let i = 1; i <= 6; i++) expect(final).toContain(`${i}/6`);
      expect(final.match(/✅ changed/g)).toHaveLength(6);
      expect(summary!.text).toMatch(/Succeeded in .+ 6 steps: 6 changed/);
    }
    // Coalescing: far fewer edits than events (6 steps × 100 lines × 3 jobs).
    expect(h.api.callsOf('chat.update').length).toBeLessThan(200);
  });

  it('delivers an approval card within a second while a progress backlog waits', async () => {
    // Real Slack windows: the progress lane allows one edit every 1.7 s.
    h = await startSlackHarness({
      mode: 'http',
      timeScale: 1,
      extraCommands: [chatterCommand],
      extraSteps: chatterSteps,
    });
    const outbox = h.adapter.outbox;
    const progress = outbox.message('test:progress', { channel: CHANNEL, lane: 'progress', priority: 6 });
    progress.set(
      { text: 'p0', blocks: [{ type: 'section', text: { type: 'mrkdwn', text: 'p0' } }] },
      { final: true },
    );
    const card = outbox.message('test:card', { channel: CHANNEL, lane: 'card', priority: 0 });
    card.set(
      { text: 'c0', blocks: [{ type: 'section', text: { type: 'mrkdwn', text: 'c0' } }] },
      { final: true },
    );
    await Promise.all([progress.posted(), card.posted()]);
    for (let i = 1; i <= 2; i++) {
      const other = outbox.message(`test:progress:${i}`, {
        channel: CHANNEL,
        lane: 'progress',
        priority: 6,
        ref: await progress.posted(),
      });
      other.set(
        { text: `p${i}`, blocks: [{ type: 'section', text: { type: 'mrkdwn', text: `p${i}` } }] },
        { final: true },
      );
    }
    card.set(
      { text: 'c1', blocks: [{ type: 'section', text: { type: 'mrkdwn', text: 'c1' } }] },
      { final: true },
    );
    const ref = await card.posted();
    await vi.waitFor(() => expect(h!.api.message(ref.channel, ref.ts)?.text).toBe('c1'), { timeout: 5000 });
    // The card's edit overtook the progress backlog: at most the progress edit already in flight went
    // out before it, never the ones waiting behind that (so its delay is bounded by one edit).
    const updates = h.api.callsOf('chat.update').map((c) => c.args.text);
    const cardAt = updates.indexOf('c1');
    expect(cardAt).toBeGreaterThanOrEqual(0);
    expect(updates.slice(0, cardAt).filter((t) => t === 'p1' || t === 'p2').length).toBeLessThanOrEqual(1);
    expect(h.api.callsOf('chat.update').filter((c) => c.args.text !== 'c1').length).toBeLessThan(3);
  });
});
