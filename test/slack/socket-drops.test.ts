import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/log.js';
import { ACTION } from '../../src/slack/render-card.js';
import { CHANNEL, clickPayload, type SlackHarness, startSlackHarness, U } from '../support/slack-harness.js';
import type { SocketModeStandIn } from '../support/slack-socket.js';
import { readAll } from './read-blocks.js';

/** Every line the bot logged, parsed. */
const lines: { level: number; msg: string; reason?: string }[] = [];
const destination = {
  write(chunk: string) {
    for (const line of chunk.split('\n').filter(Boolean)) lines.push(JSON.parse(line));
  },
};

let h: SlackHarness;
let socket: SocketModeStandIn;
beforeAll(async () => {
  h = await startSlackHarness({
    mode: 'socket',
    logger: createLogger({ level: 'info', destination }),
    // A reconnection that keeps failing waits this much times its failures (the SDK's backoff).
    timing: { clientPingTimeoutMs: 1500 },
  });
  socket = h.socket!;
});
afterAll(async () => {
  await h?.close();
});

/** Settles once `count` connections were ever opened and one is open now. */
async function reconnected(count: number): Promise<void> {
  while (socket.connections < count || socket.openConnections === 0) {
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

const cardText = (ts: string) => readAll(h.api.message(CHANNEL, ts)?.blocks ?? []);

describe('Socket Mode that survives drops (issue 17 §4)', () => {
  it('reconnects after a drop mid-job, keeps the job’s progress going and loses no event sent meanwhile', async () => {
    await h.command(U.alice, '/host', 'maintenance hyper1');
    await h.adapter.idle();
    const card = h.api.messages(CHANNEL).at(-1)!;
    // The engine answers slowly, so the job is still running when the connection drops.
    h.lab.sim.knobs.setLatency(40);
    await h.click(U.bob, ACTION.approve, 'a1', { channel: CHANNEL, ts: card.ts });
    const before = socket.connections;
    while ((await h.store.listJobs({ statuses: ['running'] })).length === 0) {
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    socket.drop();
    // Sent while no connection is open: Slack holds it for the next connection.
    const answered = h.command(U.operator, '/lab', 'status');
    await reconnected(before + 1);
    await answered;
    h.lab.sim.knobs.setLatency(0);
    await h.settle();
    expect((await h.store.listJobs({ statuses: ['succeeded'] })).map((j) => j.command)).toContain(
      'host maintenance',
    );
    expect(cardText(card.ts)).toContain('SUCCEEDED');
    // The status asked during the outage was answered once.
    const statusReplies = h.api.responses.filter((r) => JSON.stringify(r.body).includes('hyper2'));
    expect(statusReplies.length).toBeGreaterThanOrEqual(1);
    expect(socket.unacknowledged()).toEqual([]);
  });

  it('handles once an envelope Slack sends again after the connection it went on dropped', async () => {
    await h.command(U.alice, '/host', 'activate hyper1');
    await h.adapter.idle();
    const card = h.api.messages(CHANNEL).at(-1)!;
    const approval = (await h.store.listApprovals({ statuses: ['pending'] }))[0]!;
    const before = socket.connections;
    // A change: its requester confirms it.
    const payload = clickPayload(
      U.alice,
      ACTION.approve,
      approval.id,
      { channel: CHANNEL, ts: card.ts },
      h.api.responseUrl(),
    );
    // Delivered, then the connection drops before its ack can come back: Slack sends it again on
    // the next connection, with retry_attempt 1.
    const acked = socket.send('interactive', payload);
    socket.drop();
    await reconnected(before + 1);
    await acked;
    await h.settle();
    const jobs = (await h.store.listJobs()).filter((j) => j.command === 'host activate');
    expect(jobs).toHaveLength(1);
    expect(jobs[0]!.status).toBe('succeeded');
    const decided = await h.store.getApproval(approval.id);
    expect(decided?.decisions).toHaveLength(1);
  });

  it('reconnects when Slack asks it to (refresh_requested) and answers the next command', async () => {
    const before = socket.connections;
    const logged = lines.length;
    socket.disconnect('refresh_requested', { close: true });
    await reconnected(before + 1);
    const replies = h.api.responses.length;
    await h.command(U.operator, '/lab', 'status');
    await h.adapter.idle();
    expect(h.api.responses.length).toBeGreaterThan(replies);
    expect(lines.some((l) => l.level === 30 && l.reason === 'refresh_requested')).toBe(true);
    // A routine refresh is no error (a dropped connection is, as the SDK logs it).
    expect(lines.slice(logged).filter((l) => l.level >= 50)).toEqual([]);
  });

  it('backs off when Slack closes each new connection before hello, instead of reconnecting in a loop', async () => {
    const before = socket.connections;
    socket.closeBeforeHello = true;
    socket.drop();
    await new Promise((resolve) => setTimeout(resolve, 800));
    const tries = socket.connections - before;
    socket.closeBeforeHello = false;
    // The first try goes at once (the connection had worked); the next waits the client ping
    // timeout (1.5 s here, 5 s by default): one or two, not hundreds.
    expect(tries).toBeGreaterThanOrEqual(1);
    expect(tries).toBeLessThanOrEqual(2);
    await reconnected(socket.connections + 1);
  }, 10_000);

  it('logs link_disabled as an error that says what to fix', async () => {
    const before = socket.connections;
    socket.disconnect('link_disabled', { close: true });
    await reconnected(before + 1);
    const error = lines.find((l) => l.level === 50 && l.reason === 'link_disabled');
    expect(error?.msg).toContain('Socket Mode off');
    expect(error?.msg).toContain('Enable Socket Mode');
    expect(error?.msg).toContain('HTTP mode');
  });
});
