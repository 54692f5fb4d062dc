import { afterEach, describe, expect, it } from 'vitest';
import { defineArgs, defineCommand, defineRead } from '../../src/command.js';
import { LabopsError } from '../../src/errors.js';
import { verbatim } from '../../src/i18n/text.js';
import { parseViewRunValue } from '../../src/slack/listeners/view-run.js';
import { ACTION } from '../../src/slack/render-card.js';
import { encodeViewAction, renderErrorMessage, renderView } from '../../src/slack/render-view.js';
import type { View, ViewAction } from '../../src/view.js';
import { CHANNEL, SLACK_POLICY, type SlackHarness, startSlackHarness, U } from '../support/slack-harness.js';
import { readAll } from './read-blocks.js';

// A test's own words: shown as they are in every language.
const OFFERS: ViewAction[] = [
  { label: verbatim('Lab status'), command: '/lab', text: 'status' },
  { label: verbatim('Maintenance hyper1'), command: '/host', text: 'maintenance hyper1' },
];

const OFFER_VIEW: View = {
  title: verbatim('Offers'),
  sections: [{ lines: [verbatim('two things to run')] }],
  actions: OFFERS,
};

/** A read command whose answer offers commands, as `/lab doctor` offers its fixes. */
const offerCommand = defineCommand({
  name: 'offer',
  summary: verbatim('A view with actions (tests)'),
  subcommands: [
    defineRead({
      name: 'fixes',
      summary: verbatim('Offers two commands'),
      usage: 'fixes',
      examples: ['/offer fixes'],
      args: defineArgs({}),
      risk: 'read',
      run: async () => OFFER_VIEW,
    }),
  ],
});

type Block = { type: string; elements?: { action_id: string; value: string; text: { text: string } }[] };

function buttonsOf(blocks: readonly unknown[]) {
  return (blocks as Block[]).filter((b) => b.type === 'actions').flatMap((b) => b.elements ?? []);
}

describe('a view’s actions in Slack', () => {
  it('become view:run buttons carrying the command as JSON, one per actions block', () => {
    const { blocks } = renderView(OFFER_VIEW, { locale: 'en' });
    expect(buttonsOf(blocks).map((b) => [b.action_id, b.text.text, JSON.parse(b.value)])).toEqual([
      [ACTION.runView, 'Lab status', { command: '/lab', text: 'status' }],
      [ACTION.runView, 'Maintenance hyper1', { command: '/host', text: 'maintenance hyper1' }],
    ]);
    // Slack wants action ids unique within a block.
    expect((blocks as Block[]).filter((b) => b.type === 'actions').map((b) => b.elements?.length)).toEqual([
      1, 1,
    ]);
  });

  it('show an action too long for a button (2000 characters) as the line to type', () => {
    const long: ViewAction = { label: verbatim('Long'), command: '/lab', text: `audit ${'9'.repeat(2100)}` };
    const { blocks } = renderView({ ...OFFER_VIEW, actions: [long] }, { locale: 'en' });
    expect(buttonsOf(blocks)).toEqual([]);
    expect(readAll(blocks)).toContain('Type: Long: /lab audit 999');
  });

  it('offer the fixes a refusal names as the same buttons', () => {
    const error = new LabopsError('CONFLICT', verbatim('/export/data holds files of an earlier domain.'), {
      actions: [{ label: verbatim('Clean data'), command: '/storage', text: 'clean data' }],
    });
    const buttons = buttonsOf(renderErrorMessage(error, { locale: 'en' }).blocks);
    expect(buttons.map((b) => [b.action_id, b.value])).toEqual([
      [ACTION.runView, '{"command":"/storage","text":"clean data"}'],
    ]);
  });

  it('reads a button value back, and refuses what is not a command', () => {
    expect(parseViewRunValue('{"command":"/storage","text":"clean data"}')).toEqual({
      command: '/storage',
      text: 'clean data',
    });
    expect(parseViewRunValue('not json')).toBeUndefined();
    expect(parseViewRunValue('{"command":"storage","text":"x"}')).toBeUndefined();
    expect(parseViewRunValue(undefined)).toBeUndefined();
  });
});

describe('a click on a view:run button', () => {
  let h: SlackHarness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });
  const where = { channel: CHANNEL, ts: '1700000000.000100' };
  const replies = () => h!.api.responses.map((r) => JSON.stringify(r.body));

  it('answers a read command to the clicker only, as a slash command would', async () => {
    h = await startSlackHarness({ mode: 'http', extraCommands: [offerCommand] });
    await h.command(U.operator, '/offer', 'fixes');
    await h.adapter.idle();
    const offered = buttonsOf((h.api.responses[0]?.body.blocks ?? []) as unknown[]);
    expect(offered.map((b) => b.value)).toEqual(OFFERS.map(encodeViewAction));

    const ack = await h.click(U.operator, ACTION.runView, offered[0]!.value, where);
    expect(ack.status).toBe(200);
    await h.adapter.idle();
    const answer = replies().at(-1) ?? '';
    expect(answer).toContain('ephemeral');
    expect(answer).toContain('Lab status');
    expect(h.api.messages(CHANNEL)).toEqual([]);
  });

  it('proposes a change as the clicker, through the approval flow like a typed command', async () => {
    h = await startSlackHarness({ mode: 'socket' });
    await h.click(U.alice, ACTION.runView, encodeViewAction(OFFERS[1]!), where);
    await h.adapter.idle();
    const [card] = h.api.messages(CHANNEL);
    expect(JSON.stringify(card?.blocks)).toContain('AWAITING APPROVAL');
    const [job] = await h.store.listJobs();
    expect(job).toMatchObject({
      command: 'host maintenance',
      requester: `slack:${U.alice}`,
      channel: CHANNEL,
    });

    // The clicker cannot approve their own request; another approver can.
    await h.click(U.alice, ACTION.approve, 'a1', { channel: CHANNEL, ts: card!.ts });
    await h.adapter.idle();
    expect(replies().some((r) => r.includes('asked for a1 and cannot approve it'))).toBe(true);
    await h.click(U.bob, ACTION.approve, 'a1', { channel: CHANNEL, ts: card!.ts });
    await h.settle();
    expect((await h.store.listJobs())[0]?.status).toBe('succeeded');
  });

  it('is refused by the policy for a clicker who may not ask, saying why', async () => {
    h = await startSlackHarness({
      mode: 'http',
      policy: { ...SLACK_POLICY, commands: { 'host maintenance': { askers: [`slack:${U.alice}`] } } },
    });
    await h.click(U.mallory, ACTION.runView, encodeViewAction(OFFERS[1]!), where);
    await h.adapter.idle();
    expect(await h.store.listJobs()).toEqual([]);
    expect(h.api.messages(CHANNEL)).toEqual([]);
    const answer = replies().at(-1) ?? '';
    expect(answer).toContain('ephemeral');
    // The refused clicker is named as a mention, not as a raw id (issue 10 §7).
    expect(readAll(h.api.responses.at(-1)?.body.blocks)).toContain(`<@${U.mallory}>`);
    expect(answer).not.toContain(`slack:${U.mallory}`);
  });

  it('says so when the button carries no command', async () => {
    h = await startSlackHarness({ mode: 'http' });
    await h.click(U.operator, ACTION.runView, '{"command":"rm -rf","text":""}', where);
    await h.adapter.idle();
    expect(replies().at(-1)).toContain('does not carry a command labops knows');
    expect(await h.store.listJobs()).toEqual([]);
  });
});
