import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACTION } from '../../src/slack/render-card.js';
import { type HttpSource, startHttpSource } from '../support/http-source.js';
import { CHANNEL, type SlackHarness, startSlackHarness, U } from '../support/slack-harness.js';
import { readAll } from './read-blocks.js';

type Step = {
  command: string;
  text: string;
  /** What the answer (read) or the job's parent message (change) must contain. */
  expect: string;
};

let h: SlackHarness;
let source: HttpSource;
beforeAll(async () => {
  source = await startHttpSource({ '/alma9.iso': { sizeBytes: 2 * 1024 * 1024 } });
  h = await startSlackHarness({ mode: 'http' });
});
afterAll(async () => {
  await h?.close();
  await source?.close();
});

/** Runs a command as operator in the lab channel; a card is approved by whoever its risk needs. */
async function run(step: Step): Promise<string> {
  const before = h.api.messages(CHANNEL).length;
  const responses = h.api.responses.length;
  const ack = await h.command(U.operator, step.command, step.text);
  expect(ack.status).toBe(200);
  await h.adapter.idle();
  const posted = h.api.messages(CHANNEL).slice(before);
  if (posted.length === 0) {
    // A read answer goes to the requester alone.
    const answer = h.api.responses.slice(responses).map((r) => JSON.stringify(r.body));
    expect(answer.join(' '), `${step.command} ${step.text}`).toContain('ephemeral');
    return answer.join(' ');
  }
  const card = posted[0]!;
  const approval = (await h.store.listApprovals({ statuses: ['pending'], limit: 1 }))[0]!;
  const approvers =
    approval.risk === 'change' ? [U.operator] : approval.risk === 'critical' ? [U.alice, U.bob] : [U.alice];
  for (const user of approvers)
    await h.click(user, ACTION.approve, approval.id, { channel: CHANNEL, ts: card.ts });
  await h.settle();
  const job = (await h.store.getJob(approval.jobId))!;
  expect(job.status, `${step.command} ${step.text}: ${job.error}`).toBe('succeeded');
  const parent = h.api.message(CHANNEL, card.ts)!;
  const thread = h.api.thread(CHANNEL, card.ts);
  // One progress message (every step in it) and the summary naming the requester (issue 17 §1).
  expect(thread.length, 'the progress message and the summary in the thread').toBe(2);
  expect(readAll(thread[0]!.blocks)).toContain(`${job.steps.length}/${job.steps.length} ✅`);
  expect(readAll(thread[1]!.blocks)).toMatch(/^<@U[A-Z]+> job-[0-9a-f]{4}: Succeeded in /);
  return JSON.stringify([parent.blocks, ...thread.map((m) => m.blocks)]);
}

describe('every command through Slack, against the simulated lab', () => {
  const steps = (): Step[] => [
    { command: '/lab', text: 'status', expect: 'SIMULATED LAB' },
    { command: '/lab', text: 'doctor', expect: 'all clear' },
    { command: '/lab', text: 'help', expect: '/storage attach' },
    { command: '/host', text: 'status', expect: 'hyper1' },
    { command: '/host', text: 'trust hyper1', expect: 'is pinned' },
    { command: '/host', text: 'prepare hyper1', expect: 'SUCCEEDED' },
    { command: '/host', text: 'maintenance hyper2', expect: 'hyper2 is in maintenance with no VMs' },
    { command: '/host', text: 'activate hyper2', expect: 'hyper2 is up' },
    { command: '/host', text: 'remove hyper2', expect: 'hyper2 is gone from the engine' },
    { command: '/host', text: 'add hyper2 hyper2.abc.local', expect: 'hyper2 is up' },
    { command: '/storage', text: 'status', expect: 'nfs-data' },
    { command: '/storage', text: 'prepare', expect: 'SUCCEEDED' },
    { command: '/storage', text: 'detach nfs-iso', expect: 'nfs-iso is unattached' },
    { command: '/storage', text: 'remove nfs-iso', expect: 'nfs-iso is gone from the engine' },
    { command: '/storage', text: 'clean iso', expect: 'SUCCEEDED' },
    {
      command: '/storage',
      text: 'attach nfs-iso --type iso --path ovirt.abc.local:/export/iso',
      expect: 'nfs-iso is active',
    },
    { command: '/storage', text: 'fix-permissions', expect: 'SUCCEEDED' },
    { command: '/iso', text: `upload ${source.url('/alma9.iso')}`, expect: 'alma9.iso is in nfs-data' },
    { command: '/iso', text: 'list', expect: 'alma9.iso' },
    { command: '/iso', text: 'attach web1 alma9.iso', expect: 'SUCCEEDED' },
    { command: '/lab', text: 'reset --dry-run', expect: 'Dry run' },
    { command: '/lab', text: 'reset', expect: 'SUCCEEDED' },
    { command: '/lab', text: 'jobs', expect: 'succeeded' },
    { command: '/lab', text: 'audit 5', expect: 'job:succeeded' },
  ];

  it('answers or runs each one, in order, with its threaded progress', async () => {
    for (const step of steps()) {
      const seen = await run(step);
      expect(seen, `${step.command} ${step.text}`).toContain(step.expect);
    }
    expect(h.api.rateLimited).toBe(0);
  });

  it('takes the buttons off a card whose waiting job was cancelled with /lab cancel', async () => {
    const before = h.api.messages(CHANNEL).length;
    await h.command(U.operator, '/host', 'maintenance hyper1');
    await h.adapter.idle();
    const card = h.api.messages(CHANNEL)[before]!;
    const job = (await h.store.listJobs({ statuses: ['awaiting_approval'], limit: 1 }))[0]!;
    await h.command(U.operator, '/lab', `cancel ${job.id}`);
    await h.settle();
    const now = h.api.message(CHANNEL, card.ts)!;
    expect(readAll(now.blocks)).toContain('CANCELLED');
    // The one who cancelled is a mention, never a raw id (issue 10 §7).
    expect(readAll(now.blocks)).toContain(`Cancelled by <@${U.operator}>`);
    expect(JSON.stringify(now.blocks)).not.toContain('slack:U');
    const buttons = now.blocks.filter((b) => (b as { type?: string }).type === 'actions');
    expect(buttons).toEqual([]);
  });
});
