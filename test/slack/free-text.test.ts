import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Policy } from '../../approvals/policy.js';
import type { Caller } from '../../src/command.js';
import { button, fallback, LIMITS, section } from '../../src/slack/blocks.js';
import { escapeText, truncate, truncateMrkdwn } from '../../src/slack/mrkdwn.js';
import { renderCard } from '../../src/slack/render-card.js';
import { renderView } from '../../src/slack/render-view.js';
import { localizeView } from '../../src/view.js';
import { type CoreHarness, startCore } from '../support/core.js';
import { expectCard } from '../support/dispatch.js';
import { checkBlocks } from '../support/slack-api.js';
import { checkRichText, mrkdwnTexts, readAll, readBlock } from './read-blocks.js';

type Json = Record<string, unknown>;

/** A student may name a VM anything the engine takes; these names must read as names, nothing more. */
const FAKE_BOLD = '*APPROVED*';
const REVERSED = 'gpj\u202eexe.scr';

/** The simulated lab in Slack mode: its shell approvers and one Slack approver (a group without members adds nobody). */
const POLICY: Policy = {
  askers: 'anyone',
  channels: 'anywhere',
  approvers: ['shell:alice', 'shell:bob', 'slack:UBOB', 'slack:SOPS'],
  expiryMinutes: 15,
  commands: {},
};
const ALICE: Caller = { principal: 'slack:UALICE', channel: 'CLAB', groups: [] };

/** The rich_text text elements of blocks, with the block each one is in. */
function textElements(blocks: readonly unknown[]): { block: Json; element: Json }[] {
  const out: { block: Json; element: Json }[] = [];
  for (const block of blocks as Json[]) {
    JSON.stringify(block, (_key, value: Json) => {
      if (value && typeof value === 'object' && value.type === 'text' && typeof value.text === 'string')
        out.push({ block, element: value });
      return value;
    });
  }
  return out;
}

function expectShownLiterally(blocks: readonly unknown[], name: string): void {
  const holders = textElements(blocks).filter(({ element }) => String(element.text).includes(name));
  expect(holders.length, `${name} is shown`).toBeGreaterThan(0);
  for (const { block, element } of holders) {
    // A rich_text text element shows its characters as they are: no mrkdwn, so `*…*` is not bold.
    expect(block.type).toBe('rich_text');
    expect(element.style).toBeUndefined();
  }
  for (const text of mrkdwnTexts(blocks)) expect(text).not.toContain(name.replaceAll('*', ''));
  expect(checkBlocks(blocks, 50)).toBeUndefined();
  expect(checkRichText(blocks)).toBeUndefined();
}

describe('names from the lab and from people on Slack surfaces', () => {
  let core: CoreHarness;
  beforeAll(async () => {
    core = await startCore({
      policy: POLICY,
      sim: {
        seed: {
          vms: [
            { name: FAKE_BOLD, host: 'hyper1' },
            { name: REVERSED, host: 'hyper1' },
            { name: 'db1', host: 'hyper2' },
          ],
        },
      },
    });
  });
  afterAll(async () => {
    await core.close();
  });

  it('shows a VM named *APPROVED* literally on the approval card, in a rich_text block, not bold', async () => {
    const card = expectCard(
      await core.labops.dispatch({ command: '/host', text: 'maintenance hyper1', caller: ALICE }),
    );
    expect(card.plan.impact.join('\n')).toContain(FAKE_BOLD);
    const { blocks, text } = renderCard({
      locale: 'en',
      job: card.job,
      approval: card.approval,
      now: core.clock.now,
      simulated: true,
    });
    expectShownLiterally(blocks, FAKE_BOLD);
    const all = readAll(blocks);
    expect(all).toContain(`• ${FAKE_BOLD} → hyper2`);
    // A direction override from the engine is shown, never obeyed.
    expect(JSON.stringify(blocks)).not.toContain('\u202e');
    expect(all).toContain('gpj[U+202E]exe.scr');
    expect(text).not.toContain('\u202e');

    // Requester and approvers as mentions; the shell approvers cannot click a Slack card.
    expect(all).toContain('asked by <@UALICE>');
    const approvers = readBlock(
      blocks.find((b) => readBlock(b as unknown as Json).startsWith('Approvers')) as unknown as Json,
    );
    expect(approvers).toMatch(/^Approvers \(one of\): <@UBOB> · expires/);
    expect(all).not.toContain('shell:');
    expect(JSON.stringify(blocks)).not.toContain('slack:U');
    expect(text).toContain('asked by <@UALICE>');
    expect(text).not.toContain('slack:');
  });

  it('shows engine names literally in a view too: /host status lists the VMs in rich_text', async () => {
    const result = await core.labops.dispatch({ command: '/host', text: 'status hyper1', caller: ALICE });
    if (result.kind !== 'view') throw new Error(`expected a view, got ${result.kind}`);
    const { blocks } = renderView(result.view, { locale: 'en' });
    expectShownLiterally(blocks, FAKE_BOLD);
    expect(readAll(blocks)).toContain(`VMs: ${FAKE_BOLD}`);
  });

  it('writes the sub-command once in /lab audit, and shows the actor as a mention in Slack', async () => {
    const result = await core.labops.dispatch({ command: '/lab', text: 'audit', caller: ALICE });
    if (result.kind !== 'view') throw new Error(`expected a view, got ${result.kind}`);
    const lines = localizeView(result.view, 'en').sections.flatMap((s) => s.lines);
    const requested = lines.find((l) => l.includes('approval:requested'));
    expect(requested).toMatch(/slack:UALICE job-\S+ — \/host maintenance hyper1$/);
    expect(lines.join('\n')).not.toMatch(/maintenance maintenance|status status/);
    const { blocks } = renderView(result.view, { locale: 'en' });
    expect(readAll(blocks)).toMatch(/approval:requested <@UALICE> job-\S+ — \/host maintenance hyper1/);
    expect(JSON.stringify(blocks)).not.toContain('slack:UALICE');
  });
});

describe('shortening text', () => {
  it('never ends escaped mrkdwn inside an entity or a mention, at any cut', () => {
    const text = escapeText('R&D <lab> & a <@U123> '.repeat(20));
    for (let max = 1; max <= text.length + 1; max++) {
      const out = truncateMrkdwn(text, max);
      expect(out.length).toBeLessThanOrEqual(max);
      const kept = out.endsWith('…') && out.length < text.length ? out.slice(0, -1) : out;
      expect(text.startsWith(kept)).toBe(true);
      expect(kept, `cut at ${max}`).not.toMatch(/&[a-z]{0,3}$/);
      expect(kept.lastIndexOf('<'), `cut at ${max}`).toBeLessThanOrEqual(kept.lastIndexOf('>'));
    }
  });

  it('never splits a surrogate pair, and counts in UTF-16 units as Slack might', () => {
    const text = 'ok 👍🏽 𝔘 '.repeat(30);
    for (let max = 1; max <= text.length; max++) {
      const out = truncate(text, max);
      expect(out.length).toBeLessThanOrEqual(max);
      expect(out, `cut at ${max}`).not.toMatch(
        /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/,
      );
    }
  });

  it('keeps a confirm dialog whole: plain_text, so R&D stays R&D and no entity can be cut', () => {
    const summary = `Upload R&D.iso ${'& '.repeat(400)}`;
    const b = button({
      actionId: 'approval:approve',
      text: 'Approve',
      value: 'a1',
      confirm: { title: 'Approve?', text: summary, confirm: 'Approve', deny: 'Back' },
    }) as unknown as { confirm: { text: { type: string; text: string } } };
    expect(b.confirm.text.type).toBe('plain_text');
    expect(b.confirm.text.text.length).toBeLessThanOrEqual(LIMITS.confirmText);
    expect(b.confirm.text.text).toMatch(/^Upload R&D\.iso & & /);
    expect(b.confirm.text.text).not.toContain('&amp;');
    expect(b.confirm.text.text.endsWith('…')).toBe(true);
  });

  it('cuts a long notification text and a long section after escaping, on a whole entity', () => {
    for (let pad = 0; pad < 6; pad++) {
      const text = fallback(`${'x'.repeat(LIMITS.fallbackText - 3 + pad)}&&&&`);
      expect(text.length).toBeLessThanOrEqual(LIMITS.fallbackText);
      expect(text.slice(0, -1)).not.toMatch(/&[a-z]{0,3}$/);
      const mrkdwn = (section(escapeText(`${'y'.repeat(2995 + pad)}<<<&`)) as { text: { text: string } }).text
        .text;
      expect(mrkdwn.length).toBeLessThanOrEqual(LIMITS.sectionText);
      expect(mrkdwn.slice(0, -1)).not.toMatch(/&[a-z]{0,3}$/);
    }
  });
});
