import { describe, expect, it } from 'vitest';
import { LabopsError } from '../../src/errors.js';
import { msg, verbatim } from '../../src/i18n/text.js';
import { escapeText, mentionPrincipal } from '../../src/slack/mrkdwn.js';
import { ACTION, renderCard } from '../../src/slack/render-card.js';
import { renderHome } from '../../src/slack/render-home.js';
import { renderPlanMessage, renderStepMessage } from '../../src/slack/render-progress.js';
import { renderErrorMessage, renderView } from '../../src/slack/render-view.js';
import type { ApprovalRecord, JobRecord } from '../../src/store/types.js';
import { checkBlocks } from '../support/slack-api.js';
import { checkRichText, codeLines, mrkdwnTexts, readBlocks } from './read-blocks.js';

/** A marker in every hostile string: it must never show up in mrkdwn. */
const MARK = 'zq9';
const HOSTILE = `<!channel> & <@U123> <https://evil|click> \`\`\` *bold* _it_ ~s~ ${MARK}`;
const NOW = Date.parse('2026-11-28T10:00:00Z');

function job(overrides: Partial<JobRecord> = {}): JobRecord {
  const steps = Array.from({ length: 80 }, (_, i) => ({
    kind: 'k',
    title: verbatim(`${HOSTILE} step ${i} ${'t'.repeat(300)}`),
    params: {},
    shows: [`${HOSTILE} ${'c'.repeat(200)}`],
  }));
  return {
    id: 'job-1a2b',
    command: 'host maintenance',
    text: `maintenance hyper1 ${HOSTILE} ${'x'.repeat(400)}`,
    args: {},
    requester: 'slack:UALICE',
    channel: 'CLAB',
    risk: 'critical',
    plan: {
      summary: verbatim(`${HOSTILE} ${'s'.repeat(5000)}`),
      risk: 'critical',
      riskReasons: [verbatim(HOSTILE)],
      impact: Array.from({ length: 200 }, (_, i) => verbatim(`${HOSTILE} vm${i} → hyper2`)),
      warnings: [verbatim(HOSTILE)],
      blockers: [verbatim(HOSTILE.repeat(100))],
      locks: [],
      dependsOn: {},
      steps,
    },
    steps,
    status: 'awaiting_approval',
    createdAt: NOW,
    startedAt: undefined,
    finishedAt: undefined,
    error: undefined,
    errorText: undefined,
    messageRef: undefined,
    ...overrides,
  };
}

function approval(overrides: Partial<ApprovalRecord> = {}): ApprovalRecord {
  return {
    id: 'a1',
    jobId: 'job-1a2b',
    risk: 'critical',
    required: 2,
    eligible: ['slack:UALICE', 'slack:UBOB', 'slack:UCAROL', 'shell:<!here>'],
    requester: 'slack:UALICE',
    createdAt: NOW,
    expiresAt: NOW + 15 * 60_000,
    fingerprint: 'f',
    fingerprintState: {},
    status: 'pending',
    decisions: [],
    cardRefs: [],
    ...overrides,
  };
}

/** What a reader sees, block by block (mentions as `<@U…>`). */
const texts = readBlocks;

function expectSafe(blocks: unknown, max = 50): void {
  expect(checkBlocks(blocks, max)).toBeUndefined();
  expect(checkRichText(blocks)).toBeUndefined();
  for (const t of mrkdwnTexts(blocks)) {
    expect(t).not.toMatch(/<!channel>|<!here>|<@U123>|<https:\/\/evil/);
    // Outside text never enters mrkdwn, where `*`, `_` and `~` cannot be escaped (issue 10 §6).
    expect(t).not.toContain(MARK);
  }
  for (const line of codeLines(blocks)) expect([...line].length).toBeLessThanOrEqual(60);
}

describe('Block Kit renderers', () => {
  it('escapes &, < and > and nothing else', () => {
    expect(escapeText('a & <b> "c"')).toBe('a &amp; &lt;b&gt; "c"');
    expect(mentionPrincipal('slack:U1ABC')).toBe('<@U1ABC>');
    expect(mentionPrincipal('slack:S0OPS')).toBe('<!subteam^S0OPS>');
    expect(mentionPrincipal('shell:<!here>')).toBe('shell:&lt;!here&gt;');
  });

  it("fits a hostile card into Slack's limits, state first, approvers mentioned, buttons as designed", () => {
    const card = renderCard({ locale: 'en', job: job(), approval: approval(), now: NOW, simulated: true });
    expectSafe(card.blocks);
    expect(card.blocks[0]).toMatchObject({ type: 'header' });
    expect(texts(card.blocks)[0]).toMatch(/^⏳ AWAITING APPROVAL/);
    const all = texts(card.blocks).join('\n');
    // Only Slack principals are listed: a shell approver cannot click a Slack card (issue 10 §7).
    expect(all).toContain('Approvers (two of): <@UBOB> and <@UCAROL> · expires');
    expect(all).not.toContain('shell:');
    expect(all).toContain('SIMULATED LAB');
    expect(all).toContain('<!date^');
    const buttons = card.blocks
      .filter((b) => b.type === 'actions')
      .flatMap((b) => ('elements' in b ? b.elements : []));
    expect(buttons).toMatchObject([
      { action_id: ACTION.approve, style: 'primary', value: 'a1', confirm: { style: 'primary' } },
      { action_id: ACTION.deny, style: 'danger', value: 'a1' },
    ]);
    expect(card.text.length).toBeLessThanOrEqual(3000);
  });

  it('mentions a user group as a subteam', () => {
    const card = renderCard({
      locale: 'en',
      job: job(),
      approval: approval({ eligible: ['slack:S0OPS'] }),
      now: NOW,
      simulated: false,
    });
    expect(texts(card.blocks).join('\n')).toContain('<!subteam^S0OPS>');
  });

  it('drops the buttons once decided and shows who decided, and a Cancel button while running', () => {
    const decided = approval({
      status: 'approved',
      decisions: [
        { principal: 'slack:UBOB', decision: 'approve', at: NOW },
        { principal: 'slack:UCAROL', decision: 'approve', at: NOW },
      ],
    });
    const running = renderCard({
      locale: 'en',
      job: job({ status: 'running' }),
      approval: decided,
      now: NOW,
      simulated: false,
    });
    expectSafe(running.blocks);
    expect(texts(running.blocks)[0]).toMatch(/^▶️ RUNNING/);
    expect(JSON.stringify(running.blocks)).not.toContain(ACTION.approve);
    expect(JSON.stringify(running.blocks)).toContain(ACTION.cancel);
    expect(texts(running.blocks).join('\n')).toContain('Approved by <@UBOB> and <@UCAROL>');
    const denied = renderCard({
      locale: 'en',
      job: job({ status: 'denied' }),
      approval: approval({
        status: 'denied',
        decisions: [{ principal: 'slack:UBOB', decision: 'deny', at: NOW }],
      }),
      now: NOW,
      simulated: false,
    });
    expect(JSON.stringify(denied.blocks)).not.toContain('"actions"');
    expect(texts(denied.blocks).join('\n')).toContain('Denied by <@UBOB>');
    const voided = renderCard({
      locale: 'en',
      job: job({ status: 'void' }),
      approval: approval({ status: 'void' }),
      now: NOW,
      simulated: false,
      changes: [verbatim(HOSTILE)],
    });
    expectSafe(voided.blocks);
    expect(texts(voided.blocks)[0]).toMatch(/^⊘ VOID/);
  });

  it('names the failed step and what to do next', () => {
    const failed = renderCard({
      locale: 'en',
      job: job({
        status: 'failed',
        startedAt: NOW,
        finishedAt: NOW + 5000,
        error: `Step 2 (Put hyper1 into maintenance) failed: ${HOSTILE}`,
        errorText: verbatim(`Step 2 (Put hyper1 into maintenance) failed: ${HOSTILE}`),
      }),
      approval: approval({ status: 'approved' }),
      now: NOW,
      simulated: false,
    });
    expectSafe(failed.blocks);
    const all = texts(failed.blocks).join('\n');
    expect(all).toContain('Step 2 (Put hyper1 into maintenance) failed');
    expect(all).toContain('What to do next');
  });

  it('keeps step messages phone-readable: state first, code lines of at most 60 characters, a progress bar', () => {
    const message = renderStepMessage({
      locale: 'en',
      step: {
        index: 0,
        titleText: verbatim(HOSTILE),
        status: 'running',
        durationMs: undefined,
        detailText: undefined,
        endStateText: undefined,
        startedAt: NOW,
      },
      total: 20,
      tail: Array.from({ length: 5000 }, (_, i) => `${HOSTILE} line ${i} ${'y'.repeat(i % 200)}`),
      progress: { fraction: 0.42, text: verbatim('1.2 GiB / 3 GiB') },
      elapsedMs: 1200,
    });
    expectSafe(message.blocks);
    expect(texts(message.blocks)[0]).toMatch(/^1\/20 ▶️ running/);
    expect(JSON.stringify(message.blocks)).toContain('42%');
    expectSafe(renderPlanMessage(job(), { locale: 'en' }).blocks);
  });

  it('fits /lab status into 15 lines and cuts long sections with a count', () => {
    const view = renderView(
      {
        title: verbatim('Lab status — SIMULATED LAB'),
        state: { text: verbatim('Default up'), tone: 'ok' },
        sections: [
          {
            heading: verbatim('Hosts'),
            lines: Array.from({ length: 12 }, (_, i) => verbatim(`hyper${i} up`)),
          },
          {
            heading: verbatim('Storage'),
            lines: Array.from({ length: 12 }, (_, i) => verbatim(`${HOSTILE} d${i}`)),
          },
          { heading: verbatim('Jobs'), lines: [verbatim('nothing running')] },
        ],
      },
      { locale: 'en' },
      { maxLines: 15 },
    );
    expectSafe(view.blocks);
    const lines = texts(view.blocks).flatMap((t) => t.split('\n'));
    expect(lines.length).toBeLessThanOrEqual(15);
    expect(lines.join('\n')).toMatch(/more/);
    expect(lines[1]).toContain('Default up');
  });

  it('renders an error with every detail and the hint, escaped', () => {
    const message = renderErrorMessage(
      new LabopsError('USAGE', verbatim(HOSTILE), { details: [verbatim(HOSTILE)], hint: verbatim(HOSTILE) }),
      { locale: 'en' },
    );
    expectSafe(message.blocks);
  });

  it('fits App Home into 100 blocks with many pending cards', () => {
    const pending = Array.from({ length: 30 }, (_, i) => ({
      approval: approval({ id: `a${i}` }),
      job: job({ id: `job-${i}` }),
    }));
    const home = renderHome({
      locale: 'en',
      status: { error: verbatim(HOSTILE) },
      running: [job({ status: 'running' })],
      pending,
      simulated: true,
      now: NOW,
    });
    expectSafe(home.blocks, 100);
    expect(texts(home.blocks)[0]).toContain('SIMULATED LAB');
  });
});
