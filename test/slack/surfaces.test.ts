import { afterEach, describe, expect, it } from 'vitest';
import { ACTION } from '../../src/slack/render-card.js';
import {
  CHANNEL,
  CHANNEL_WITHOUT_BOT,
  type SlackHarness,
  startSlackHarness,
  U,
} from '../support/slack-harness.js';

let h: SlackHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

function lastResponse(harness: SlackHarness): Record<string, unknown> {
  return harness.api.responses.at(-1)?.body ?? {};
}

describe('read-only answers', () => {
  it('answers /lab status to the requester alone, phone-sized, and posts it with --share', async () => {
    h = await startSlackHarness({ mode: 'http' });
    await h.command(U.mallory, '/lab', 'status');
    await h.adapter.idle();
    const answer = lastResponse(h);
    expect(answer.response_type).toBe('ephemeral');
    expect(JSON.stringify(answer.blocks)).toContain('SIMULATED LAB');
    expect(h.api.messages(CHANNEL)).toHaveLength(0);

    await h.command(U.mallory, '/lab', '--share status');
    await h.adapter.idle();
    const [shared] = h.api.messages(CHANNEL);
    expect(JSON.stringify(shared?.blocks)).toContain('shared by');
    expect(JSON.stringify(shared?.blocks)).not.toContain('--share');
  });

  it('answers a usage error to the requester alone, with the usage', async () => {
    h = await startSlackHarness({ mode: 'socket' });
    await h.command(U.mallory, '/host', 'maintenence hyper1');
    await h.adapter.idle();
    const answer = lastResponse(h);
    expect(answer.response_type).toBe('ephemeral');
    expect(JSON.stringify(answer.blocks)).toContain('Did you mean maintenance?');
  });

  it('says how to invite the bot when it is not in the channel, and still sends the card by DM', async () => {
    h = await startSlackHarness({ mode: 'http' });
    await h.command(U.alice, '/lab', '--share status', { channel: CHANNEL_WITHOUT_BOT });
    await h.adapter.idle();
    expect(
      JSON.stringify(lastResponse(h)),
      JSON.stringify(h.api.calls.map((c) => [c.method, c.error])),
    ).toContain('/invite @labops');

    await h.command(U.alice, '/host', 'maintenance hyper2', { channel: CHANNEL_WITHOUT_BOT });
    await h.adapter.idle();
    expect(JSON.stringify(lastResponse(h))).toContain('/invite @labops');
    expect(h.api.messages(`D${U.alice}`), 'the requester gets the card').toHaveLength(1);
    expect(h.api.messages(`D${U.bob}`), 'approvers get it too').toHaveLength(1);
    expect(h.api.messages(`D${U.carol}`)).toHaveLength(1);
  });
});

describe('user groups', () => {
  it('denies a group approver when the group lookup fails', async () => {
    h = await startSlackHarness({ mode: 'http' });
    h.api.failingGroups.add('SOPS');
    await h.command(U.alice, '/host', 'maintenance hyper2');
    await h.adapter.idle();
    const card = h.api.messages(CHANNEL)[0]!;
    expect(JSON.stringify(card.blocks)).not.toContain(U.carol);
    await h.click(U.carol, ACTION.approve, 'a1', { channel: CHANNEL, ts: card.ts });
    await h.adapter.idle();
    expect(JSON.stringify(lastResponse(h))).toContain('is not an approver');
    expect((await h.store.listJobs())[0]?.status).toBe('awaiting_approval');
  });
});

describe('App Home', () => {
  it('shows the status, SIMULATED LAB and pending cards, whose buttons are checked like any click', async () => {
    h = await startSlackHarness({ mode: 'socket' });
    await h.command(U.alice, '/host', 'maintenance hyper2');
    // The plan runs in its own lane, beside the home's: the card must exist before the home opens.
    await h.adapter.idle();
    await h.homeOpened(U.bob, { eventId: 'Ev1' });
    await h.homeOpened(U.bob, { eventId: 'Ev1', retryNum: 1 });
    await h.adapter.idle();
    expect(h.api.callsOf('views.publish')).toHaveLength(1);
    const home = JSON.stringify(h.api.homes.get(U.bob));
    expect(home).toContain('SIMULATED LAB');
    expect(home).toContain('Lab status');
    expect(home).toContain(ACTION.approve);
    expect(home).toContain(ACTION.refreshHome);

    await h.click(U.mallory, ACTION.approve, 'a1', 'home');
    await h.adapter.idle();
    expect(JSON.stringify(h.api.homes.get(U.mallory))).toContain('is not an approver');
    expect((await h.store.listJobs())[0]?.status).toBe('awaiting_approval');

    await h.click(U.bob, ACTION.approve, 'a1', 'home');
    await h.settle();
    expect((await h.store.listJobs())[0]?.status).toBe('succeeded');
    await h.click(U.bob, ACTION.refreshHome, 'home', 'home');
    await h.adapter.idle();
    expect(JSON.stringify(h.api.homes.get(U.bob))).toContain('Waiting for approval (0)');
  });

  it("shows the engine's version with the lab's status", async () => {
    h = await startSlackHarness({ mode: 'socket' });
    await h.homeOpened(U.bob, { eventId: 'Ev2' });
    await h.adapter.idle();
    expect(JSON.stringify(h.api.homes.get(U.bob))).toMatch(/oVirt 4\.3\.11\.\d+ \(API model 4\.3\.31\)/);
  });
});

describe('a job interrupted by a stop', () => {
  it("gets the re-read of its targets in its card's thread", async () => {
    h = await startSlackHarness({ mode: 'socket' });
    await h.command(U.alice, '/host', 'maintenance hyper2');
    await h.adapter.idle();
    const [card] = h.api.messages(CHANNEL);
    const job = (await h.store.listJobs())[0]!;
    // As a process that died in the job's step leaves it: approved, running, its target read, a
    // write out. Straight through the store, so no executor of this labops runs it.
    const decided = await h.store.decideApproval('a1', `slack:${U.bob}`, 'approve', Date.now());
    expect(decided.outcome === 'recorded' && decided.job.status).toBe('queued');
    expect((await h.store.startJob(job.id, Date.now()))?.status).toBe('running');
    await h.store.setJobReview(job.id, { before: { 'host hyper2': 'up' }, wroteAt: Date.now() });
    const hyper2 = await h.lab.client.findHost('hyper2');
    await h.lab.client.deactivateHost(hyper2.id);
    await h.lab.client.waitForHostStatus(hyper2.id, ['maintenance'], { timing: h.lab.timing });

    const recovered = await h.labops.recover();
    expect(recovered.interrupted.map((j) => j.id)).toEqual([job.id]);
    await h.labops.whenReviewed();
    await h.adapter.idle();
    const thread = h.api.thread(CHANNEL, card!.ts).map((m) => JSON.stringify(m.blocks));
    expect(
      thread.some((t) => t.includes('was interrupted') && t.includes('host hyper2 up → maintenance')),
    ).toBe(true);
    expect(JSON.stringify(h.api.message(CHANNEL, card!.ts)?.blocks)).toContain('INTERRUPTED');
  });
});

describe('the Cancel button', () => {
  it('is checked like /lab cancel and answers the clicker', async () => {
    h = await startSlackHarness({ mode: 'http' });
    await h.command(U.alice, '/host', 'maintenance hyper2');
    await h.adapter.idle();
    const card = h.api.messages(CHANNEL)[0]!;
    await h.click(U.bob, ACTION.cancel, (await h.store.listJobs())[0]!.id, { channel: CHANNEL, ts: card.ts });
    await h.adapter.idle();
    expect(JSON.stringify(lastResponse(h))).toMatch(/cancelled and will not run/);
    expect(JSON.stringify(h.api.message(CHANNEL, card.ts)?.blocks)).toContain('CANCELLED');
  });
});
