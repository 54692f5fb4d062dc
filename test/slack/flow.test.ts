import { afterEach, describe, expect, it, vi } from 'vitest';
import { verbatim } from '../../src/i18n/text.js';
import type { StepContext, StepDefinition } from '../../src/jobs/steps.js';
import { ACTION } from '../../src/slack/render-card.js';
import { SCOPES_BY_METHOD } from '../support/slack-api.js';
import { chatterCommand, chatterSteps } from '../support/slack-chatter.js';
import { CHANNEL, type Mode, type SlackHarness, startSlackHarness, U } from '../support/slack-harness.js';
import { mrkdwnTexts, readAll } from './read-blocks.js';

type Msg = {
  blocks: {
    type?: unknown;
    elements?: { action_id: string; value: string; style?: string; confirm?: unknown }[];
  }[];
  text: string;
};

/** The message as a reader sees it, mentions as `<@U…>`. */
function textOf(message: Msg | undefined): string {
  return readAll(message?.blocks ?? []);
}

function buttonsOf(
  message: Msg | undefined,
): { action_id: string; value: string; style?: string; confirm?: unknown }[] {
  return (message?.blocks ?? []).filter((b) => b.type === 'actions').flatMap((b) => b.elements ?? []);
}

/** Every Web API method the stand-ins recorded in this file, for the manifest's scope check. */
const methodsSeen = new Set<string>();
let h: SlackHarness | undefined;
afterEach(async () => {
  for (const call of h?.api.calls ?? []) methodsSeen.add(call.method);
  await h?.close();
  h = undefined;
});

describe.each<Mode>(['http', 'socket'])('the full flow over %s', (mode) => {
  it('posts the card, refuses a non-approver and a self-approval, runs on approval, reports in the thread', async () => {
    h = await startSlackHarness({ mode });
    const ack = await h.command(U.alice, '/host', 'maintenance hyper1');
    expect(ack.status).toBe(200);
    await h.adapter.idle();

    const [card] = h.api.messages(CHANNEL);
    expect(card, 'the card is posted in the channel').toBeDefined();
    expect(textOf(card)).toContain('AWAITING APPROVAL');
    expect(textOf(card)).toContain('web1 → hyper2');
    expect(textOf(card)).toContain(`<@${U.alice}>`);
    // bob by name, carol through the user group; the requester is listed nowhere as an approver.
    expect(textOf(card)).toMatch(new RegExp(`Approvers \\(one of\\): <@${U.bob}> and <@${U.carol}>`));
    const [approve, deny] = buttonsOf(card);
    expect(approve).toMatchObject({ action_id: ACTION.approve, style: 'primary', value: 'a1' });
    expect(approve?.confirm).toBeDefined();
    expect(deny).toMatchObject({ action_id: ACTION.deny, style: 'danger', value: 'a1' });
    // Approvers who are not in the channel get the card by DM (conversations.open, then a post).
    expect(h.api.messages(`D${U.bob}`)).toHaveLength(1);
    expect(h.api.messages(`D${U.carol}`)).toHaveLength(1);
    expect(h.api.messages(`D${U.mallory}`)).toHaveLength(0);

    await h.click(U.mallory, ACTION.approve, 'a1', { channel: CHANNEL, ts: card!.ts });
    await h.click(U.alice, ACTION.approve, 'a1', { channel: CHANNEL, ts: card!.ts });
    await h.adapter.idle();
    expect(h.api.message(CHANNEL, card!.ts)?.history, 'refused clicks leave the card unchanged').toHaveLength(
      1,
    );
    const replies = h.api.responses.map((r) => JSON.stringify(r.body));
    expect(replies.some((r) => r.includes('is not an approver of a1') && r.includes('ephemeral'))).toBe(true);
    expect(replies.some((r) => r.includes('asked for a1 and cannot approve it'))).toBe(true);
    expect((await h.store.listJobs())[0]?.status).toBe('awaiting_approval');

    const dm = h.api.messages(`D${U.bob}`)[0]!;
    await h.click(U.bob, ACTION.approve, 'a1', { channel: `D${U.bob}`, ts: dm.ts });
    await h.settle();

    const job = (await h.store.listJobs())[0]!;
    expect(job.status).toBe('succeeded');
    const parent = h.api.message(CHANNEL, card!.ts)!;
    expect(parent.history.some((v) => JSON.stringify(v.blocks).includes('RUNNING'))).toBe(true);
    expect(
      parent.history.some((v) =>
        v.blocks.some((b) => b.type === 'actions' && JSON.stringify(b).includes(ACTION.cancel)),
      ),
    ).toBe(true);
    expect(textOf(parent)).toContain('SUCCEEDED');
    expect(textOf(parent)).toContain(`Approved by <@${U.bob}>`);
    // Only the Revert of the maintenance it ran (issue 15 §3) is left.
    expect(
      buttonsOf(parent).map((b) => b.action_id),
      'the final card has no Approve, Deny or Cancel',
    ).toEqual([ACTION.revert]);
    // One progress message edited in place, then the summary naming the requester (issue 17 §1).
    const thread = h.api.thread(CHANNEL, card!.ts);
    expect(thread).toHaveLength(2);
    const [progress, summary] = thread;
    expect(textOf(progress)).toMatch(/^Plan · \d+ steps? · job-/);
    expect(progress!.history.length, 'edited as the steps ran').toBeGreaterThan(1);
    expect(textOf(progress)).toMatch(new RegExp(`1/${job.steps.length} ✅ changed`));
    expect(textOf(progress)).toContain('in maintenance');
    expect(textOf(summary)).toMatch(new RegExp(`^<@${U.alice}> ${job.id}: Succeeded in `));
    const bobCopy = h.api.message(`D${U.bob}`, dm.ts)!;
    expect(textOf(bobCopy)).toContain(`Approved by <@${U.bob}>`);
    expect(buttonsOf(bobCopy)).toEqual([]);
    expect(h.api.rateLimited).toBe(0);
  });

  it('needs two approvers for a critical plan and runs once after the second', async () => {
    h = await startSlackHarness({ mode, timing: {} });
    h.lab.sim.knobs.pinVm('web1');
    await h.command(U.alice, '/host', 'maintenance hyper1');
    await h.adapter.idle();
    const card = h.api.messages(CHANNEL)[0]!;
    expect(textOf(card)).toContain('CRITICAL');
    expect(textOf(card)).toContain('Approvers (two of)');
    await h.click(U.bob, ACTION.approve, 'a1', { channel: CHANNEL, ts: card.ts });
    await h.adapter.idle();
    const after = h.api.message(CHANNEL, card.ts)!;
    expect(textOf(after)).toContain(`Approved by <@${U.bob}> (1 of 2)`);
    expect(buttonsOf(after).map((b) => b.action_id)).toEqual([ACTION.approve, ACTION.deny]);
    expect((await h.store.listJobs())[0]?.status).toBe('awaiting_approval');

    await h.click(U.carol, ACTION.approve, 'a1', { channel: CHANNEL, ts: card.ts });
    await h.settle();
    const job = (await h.store.listJobs())[0]!;
    expect(['succeeded', 'failed']).toContain(job.status);
    expect((await h.store.listAudit(200)).filter((e) => e.type === 'job:started')).toHaveLength(1);
    const final = h.api.message(CHANNEL, card.ts)!;
    expect(textOf(final)).toContain(`<@${U.bob}> and <@${U.carol}>`);
  });
});

describe('a decision while the DM copies are still going out', () => {
  it('leaves no copy of the card awaiting approval with live buttons', async () => {
    h = await startSlackHarness({ mode: 'http' });
    const harness = h;
    // Every Web API call answers after 150 ms, so carol's copy (conversations.open, then a post)
    // goes out well after bob's; bob and carol are not in the channel, so both get a copy.
    harness.api.latencyMs = 150;
    const bobDm = `D${U.bob}`;
    const carolDm = `D${U.carol}`;
    await harness.command(U.alice, '/host', 'maintenance hyper2');
    await vi.waitFor(
      () => {
        if (!harness.api.messages(bobDm).length) throw new Error("bob's copy is not posted yet");
      },
      { timeout: 5000, interval: 1 },
    );
    const bobCopy = harness.api.messages(bobDm)[0]!;
    await harness.click(U.bob, ACTION.approve, 'a1', { channel: bobDm, ts: bobCopy.ts });
    const jobId = (await harness.store.listJobs())[0]!.id;
    await vi.waitFor(
      async () => expect((await harness.store.getApprovalForJob(jobId))?.status).toBe('approved'),
      { timeout: 5000, interval: 1 },
    );
    expect(harness.api.messages(carolDm), "the decision came before carol's copy").toHaveLength(0);
    await harness.settle();

    expect((await harness.store.getJob(jobId))?.status).toBe('succeeded');
    const card = harness.api.messages(CHANNEL)[0];
    const carolCopy = harness.api.messages(carolDm)[0];
    expect(carolCopy, 'carol still got her copy').toBeDefined();
    const copies = {
      channel: card,
      bob: harness.api.message(bobDm, bobCopy.ts),
      carol: carolCopy,
    };
    for (const [where, message] of Object.entries(copies)) {
      expect(textOf(message), `${where}: the final state`).toContain('SUCCEEDED');
      expect(textOf(message), where).toContain(`Approved by <@${U.bob}>`);
      expect(textOf(message), where).not.toContain('AWAITING APPROVAL');
      // The channel's card offers the maintenance's Revert (issue 15 §3); the copies, nothing.
      expect(
        buttonsOf(message).map((b) => b.action_id),
        `${where}: no Approve/Deny left`,
      ).toEqual(where === 'channel' ? [ACTION.revert] : []);
    }
  });
});

describe('jobs with a lot of output', () => {
  it('edits its one progress message in place, shows upload progress, attaches the full log, and says what to do after a failure', async () => {
    h = await startSlackHarness({ mode: 'http', extraCommands: [chatterCommand], extraSteps: chatterSteps });
    await h.command(U.operator, '/chatter', 'run big --steps 3 --lines 300 --ms 900 --fail 3');
    await h.adapter.idle();
    const card = h.api.messages(CHANNEL)[0]!;
    expect(buttonsOf(card)[0]).toMatchObject({ action_id: ACTION.approve, value: 'a1' });
    // change risk: the requester confirms their own plan.
    await h.click(U.operator, ACTION.approve, 'a1', { channel: CHANNEL, ts: card.ts });
    await h.settle();

    const thread = h.api.thread(CHANNEL, card.ts);
    // The progress message, the failed step's report, the summary.
    expect(thread).toHaveLength(3);
    const [progress, failure, summary] = thread;
    expect(progress!.history.length, 'edited in place while the steps ran').toBeGreaterThan(1);
    expect(progress!.history.some((v) => JSON.stringify(v.blocks).includes('%'))).toBe(true);
    expect(textOf(progress)).toContain('3/3 ❌ FAILED');
    expect(failure!.text).toMatch(/^Step 3\/3 FAILED/);
    expect(textOf(summary)).toMatch(new RegExp(`^<@${U.operator}> job-[0-9a-f]{4}: Failed in `));
    for (const message of [card, ...thread]) {
      // Remote text is never mrkdwn, so it cannot ping: it is rich_text or plain_text, shown as written.
      for (const version of message.history) {
        const mrkdwn = mrkdwnTexts(version.blocks).join('\n');
        expect(mrkdwn, 'remote text is not mrkdwn').not.toContain('<!channel>');
        expect(mrkdwn).not.toContain('<@U0>');
        expect(version.text, 'the notification text is escaped').not.toMatch(/<!channel>|<@U0>/);
      }
    }
    const parent = h.api.message(CHANNEL, card.ts)!;
    expect(textOf(parent)).toContain('FAILED');
    expect(textOf(parent)).toContain('Step 3');
    expect(textOf(parent)).toContain('What to do next');
    const files = [...h.api.files.values()];
    expect(files).toHaveLength(1);
    expect(files[0]).toMatchObject({
      channel: CHANNEL,
      threadTs: card.ts,
      filename: `${(await h.store.listJobs())[0]!.id}.log`,
    });
    expect(files[0]!.bytes!.toString().split('\n').filter(Boolean)).toHaveLength(300);
    expect(h.api.rateLimited).toBe(0);
  });
  it('keeps a finished step finished when a progress report arrives after its end', async () => {
    // An upload chunk still in flight when its step ends (a cancel, a timeout) reports after
    // step:finished: the step message must not go back to running.
    const print = chatterSteps[0]!;
    let firstStep: StepContext | undefined;
    const step: StepDefinition = {
      ...print,
      run(ctx, params) {
        firstStep ??= ctx;
        return print.run(ctx, params);
      },
    };
    h = await startSlackHarness({ mode: 'http', extraCommands: [chatterCommand], extraSteps: [step] });
    h.labops.bus.subscribe((event) => {
      if (event.type === 'step:finished' && event.step.index === 0)
        firstStep?.progress(1, verbatim('a late part'));
    });
    await h.command(U.operator, '/chatter', 'run late --steps 2 --lines 4 --ms 100');
    await h.adapter.idle();
    const card = h.api.messages(CHANNEL)[0]!;
    await h.click(U.operator, ACTION.approve, 'a1', { channel: CHANNEL, ts: card.ts });
    await h.settle();
    const [progress] = h.api.thread(CHANNEL, card.ts);
    const versions = progress!.history.map((v) => readAll(v.blocks));
    const ended = versions.findIndex((v) => v.includes('1/2 ✅ changed'));
    expect(ended, JSON.stringify(versions)).toBeGreaterThanOrEqual(0);
    for (const later of versions.slice(ended)) expect(later).not.toContain('1/2 ▶️');
  });
});

describe('the manifest', () => {
  it("lists exactly the registry's slash commands, with descriptions and usage hints", async () => {
    const { readFileSync } = await import('node:fs');
    const { parse } = await import('yaml');
    const { createRegistry } = await import('../../commands/index.js');
    const manifest = parse(readFileSync(new URL('../../manifest.yml', import.meta.url), 'utf8')) as {
      features: {
        slash_commands: { command: string; description: string; usage_hint: string; url?: string }[];
      };
      settings: { socket_mode_enabled: boolean };
    };
    const commands = manifest.features.slash_commands;
    expect(commands.map((c) => c.command).sort()).toEqual(
      createRegistry()
        .commands.map((c) => `/${c.name}`)
        .sort(),
    );
    for (const c of commands) {
      expect(c.description.length).toBeGreaterThan(0);
      expect(c.usage_hint.length).toBeGreaterThan(0);
      expect(c.url, 'Socket Mode needs no request URL').toBeUndefined();
    }
    expect(manifest.settings.socket_mode_enabled).toBe(true);
    // The file is exactly what `npm run manifest` prints: descriptions and hints never drift.
    const { buildManifest } = await import('../../src/slack/manifest.js');
    const built = buildManifest(createRegistry(), { httpUrl: undefined }) as typeof manifest;
    expect(manifest.features.slash_commands).toEqual(built.features.slash_commands);
  });

  it('asks for exactly the scopes of the Web API methods the Slack tests used', async () => {
    const { readFileSync } = await import('node:fs');
    const { parse } = await import('yaml');
    const manifest = parse(readFileSync(new URL('../../manifest.yml', import.meta.url), 'utf8')) as {
      oauth_config: { scopes: { bot: string[] } };
    };
    const unknown = [...methodsSeen].filter((m) => !(m in SCOPES_BY_METHOD));
    expect(unknown, 'every method used has a scope entry in the stand-in').toEqual([]);
    const needed = new Set([...methodsSeen].flatMap((m) => SCOPES_BY_METHOD[m] ?? []));
    // Slash commands need `commands`, which no Web API method asks for.
    needed.add('commands');
    expect([...manifest.oauth_config.scopes.bot].sort()).toEqual([...needed].sort());
  });
});
