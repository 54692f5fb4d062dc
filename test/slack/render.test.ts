import { describe, expect, it } from 'vitest';
import { LabopsError } from '../../src/errors.js';
import { watchRendering } from '../../src/i18n/render.js';
import { msg, verbatim } from '../../src/i18n/text.js';
import { escapeText, mentionPrincipal } from '../../src/slack/mrkdwn.js';
import { ACTION, renderCard } from '../../src/slack/render-card.js';
import { renderHome } from '../../src/slack/render-home.js';
import {
  type ProgressStep,
  renderJobSummary,
  renderProgressMessage,
  renderStepMessage,
} from '../../src/slack/render-progress.js';
import { renderErrorMessage, renderNotice, renderView } from '../../src/slack/render-view.js';
import type { ApprovalRecord, JobRecord, StepRecord } from '../../src/store/types.js';
import { findLeaks } from '../support/i18n-leaks.js';
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
    shows: [verbatim(`${HOSTILE} ${'c'.repeat(200)}`)],
  }));
  return {
    id: 'job-1a2b',
    lab: 'default',
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

/** The 80 hostile steps of `job()` as its progress message sees them: `done` finished, one running. */
function progressSteps(done: number, withOutput = true): ProgressStep[] {
  return job().plan.steps.map((s, index) => ({
    record: {
      index,
      titleText: s.title,
      status: index < done ? (index % 7 === 3 ? 'ok' : 'changed') : index === done ? 'running' : 'pending',
      durationMs: index < done ? 1500 + index : undefined,
      detailText: index === done ? verbatim(`${HOSTILE} waiting for vm${index}`) : undefined,
      endStateText: index < done ? verbatim(`${HOSTILE} ${'e'.repeat(200)} end ${index}`) : undefined,
    },
    ...(index === done && withOutput
      ? {
          tail: Array.from({ length: 500 }, (_, i) => `out ${i} ${HOSTILE} ${'y'.repeat(i % 200)}`),
          progress: { fraction: 0.42, text: verbatim('1.2 GiB / 3 GiB') },
          elapsedMs: 1200,
        }
      : {}),
  }));
}

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
  });

  it("keeps a long job's one progress message within Slack's limits, folding finished steps", () => {
    for (const done of [0, 5, 40, 79]) {
      const message = renderProgressMessage({
        locale: 'en',
        job: job({ status: 'running' }),
        steps: progressSteps(done),
      });
      expectSafe(message.blocks);
      const all = texts(message.blocks).join('\n');
      expect(all).toMatch(/^Plan · 80 steps · job-1a2b/);
      // The running step with its live detail: the bar, the newest output, what it waits for.
      expect(all).toContain(`${done + 1}/80 ▶️ running`);
      expect(all).toContain('42%');
      expect(all).toContain(`out 499`);
      expect(all).toContain(`waiting for vm${done}`);
      if (done > 0) {
        // The newest finished step keeps its own line and what was checked; older ones, when
        // they do not fit, only their line.
        expect(all).toContain(`${done}/80 ✅ changed`);
        expect(all).toContain(`end ${done - 1}`);
        expect(all).not.toContain('end 0 ');
      }
      // Forty finished steps do not fit even so: runs of done steps are folded.
      if (done >= 40) expect(all).toMatch(/✅ Steps 1–\d+: \d+ changed and \d+ ok · /);
      else expect(all).not.toMatch(/✅ Steps 1–/);
      // Waiting steps past the first few are one line.
      if (done < 60) expect(all).toMatch(new RegExp(`Steps ${done + 5}–80 waiting`));
    }
    const ended = renderProgressMessage({
      locale: 'en',
      job: job({ status: 'failed', startedAt: NOW, finishedAt: NOW + 65_000, error: `${HOSTILE} boom` }),
      steps: progressSteps(80, false),
      final: true,
    });
    expectSafe(ended.blocks);
    const all = texts(ended.blocks).join('\n');
    expect(all).not.toContain('running');
    expect(all).toMatch(/Failed in 1 min 5 s — 80 steps: \d+ changed and \d+ ok\n.*boom/);
  });

  it('names the requester in the final summary, with the result and a lab table across labs', () => {
    const done = job({ status: 'succeeded', startedAt: NOW, finishedAt: NOW + 4200 });
    const statuses = [{ status: 'changed' as const }, { status: 'ok' as const }];
    const summary = renderJobSummary(done, statuses, { locale: 'en' }, [verbatim('lab1 · changed · 2 s')]);
    expectSafe(summary.blocks);
    expect(JSON.stringify(summary.blocks)).toContain('{"type":"user","user_id":"UALICE"}');
    expect(texts(summary.blocks).join('\n')).toBe(
      '<@UALICE> job-1a2b: Succeeded in 4.2 s — 2 steps: 1 changed and 1 ok\nSummary, 1 lab:\n• lab1 · changed · 2 s',
    );
    expect(summary.text).toMatch(/^<@UALICE> job-1a2b: Succeeded in 4\.2 s/);
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

/** Three English words in a row: a sentence left in English (test/support/i18n-leaks.ts). */
const ENGLISH_PROSE = /[A-Za-z]{2,}[a-z]*(?:[ ,;:'’()-]+[A-Za-z]{2,}){2,}/;
const COMMAND = '/host maintenance hyper1';

/** A plan in the lab's own names only (what the commands' catalog says is theirs to test). */
function koreanJob(overrides: Partial<JobRecord> = {}): JobRecord {
  const steps = [
    {
      kind: 'k',
      title: verbatim('hyper1'),
      params: {},
      shows: [verbatim('POST /hosts/{hyper1}/deactivate')],
    },
    { kind: 'k', title: verbatim('Default'), params: {} },
  ];
  return job({
    text: 'maintenance hyper1',
    risk: 'destructive',
    plan: {
      summary: verbatim('hyper1'),
      risk: 'destructive',
      riskReasons: [],
      impact: [verbatim('web1 → hyper2'), verbatim('db1 → hyper2')],
      warnings: [verbatim('hyper1: SPM')],
      blockers: [],
      locks: [],
      dependsOn: {},
      steps,
    },
    steps,
    ...overrides,
  });
}

function koreanApproval(overrides: Partial<ApprovalRecord> = {}): ApprovalRecord {
  return approval({
    risk: 'destructive',
    required: 1,
    eligible: ['slack:UBOB', 'slack:UCAROL'],
    ...overrides,
  });
}

/** What the catalog check reports for every text rendered while `render` runs (issue 16). */
function leaksOf(render: () => void): string[] {
  const leaks: string[] = [];
  watchRendering((text) => leaks.push(...findLeaks(text)));
  try {
    render();
  } finally {
    watchRendering(undefined);
  }
  return leaks;
}

describe('Block Kit renderers in Korean (issue 16)', () => {
  const seoul = { locale: 'ko', timeZone: 'Asia/Seoul' } as const;

  it('fits hostile cards, steps and App Home into Slack’s limits in Korean as in English', () => {
    for (const status of ['awaiting_approval', 'running', 'failed', 'void'] as const) {
      const card = renderCard({
        ...seoul,
        job: job({ status, startedAt: NOW, finishedAt: NOW + 1000, errorText: verbatim(HOSTILE) }),
        approval: approval({
          status: status === 'void' ? 'void' : status === 'awaiting_approval' ? 'pending' : 'approved',
        }),
        now: NOW,
        simulated: true,
        changes: [verbatim(HOSTILE)],
      });
      expectSafe(card.blocks);
    }
    expectSafe(renderProgressMessage({ ...seoul, job: job(), steps: progressSteps(40) }).blocks);
    const home = renderHome({
      ...seoul,
      status: { error: verbatim(HOSTILE) },
      running: [job({ status: 'running' })],
      pending: Array.from({ length: 30 }, (_, i) => ({
        approval: approval({ id: `a${i}` }),
        job: job({ id: `job-${i}` }),
      })),
      simulated: true,
      now: NOW,
    });
    expectSafe(home.blocks, 100);
  });

  it('writes a card’s every line of labops’s own in Korean, times in the lab’s zone, no longer than in English', () => {
    let card = renderCard({
      ...seoul,
      job: koreanJob(),
      approval: koreanApproval(),
      now: NOW,
      simulated: true,
    });
    expect(
      leaksOf(() => {
        card = renderCard({
          ...seoul,
          job: koreanJob(),
          approval: koreanApproval(),
          now: NOW,
          simulated: true,
        });
      }),
    ).toEqual([]);
    expectSafe(card.blocks);
    const lines = texts(card.blocks);
    expect(lines[0]).toBe(`⏳ 승인 대기 · ${COMMAND}`);
    expect(lines).toContain('*시뮬레이션 실습 환경* — 내장 시뮬레이터가 실제 실습 환경을 대신합니다.');
    expect(lines).toContain('hyper1\n요청자 <@UALICE> · 작업 job-1a2b · 승인 a1');
    expect(lines).toContain('파괴적 — 요청자가 아닌 승인자 1명 필요');
    expect(lines).toContain('영향\n• web1 → hyper2\n• db1 → hyper2');
    expect(lines).toContain('⚠️ 경고\n• hyper1: SPM');
    expect(lines).toContain('단계\n1. hyper1\n2. Default');
    // 10:15 UTC is 19:15 in Seoul: the date token's fallback, for clients that cannot show dates.
    expect(lines).toContain(
      `승인자 (1명 필요): <@UBOB> 및 <@UCAROL> · <!date^${(NOW + 15 * 60_000) / 1000}^{time}|19:15:00 (Asia/Seoul)> 만료 (15분 남음)`,
    );
    expect(lines.at(-1)).toBe('[승인] [거부]');
    const [approve] = card.blocks.flatMap((b) => (b.type === 'actions' ? b.elements : []));
    expect(approve).toMatchObject({
      confirm: {
        title: { text: '파괴적 작업을 승인하시겠습니까?' },
        text: { text: 'hyper1. 실습 환경 변경 2건 — 카드의 계획을 확인하세요.' },
        confirm: { text: '승인' },
        deny: { text: '돌아가기' },
      },
    });
    expect(card.text).toBe('승인 대기: hyper1 (job-1a2b, 요청자 <@UALICE>)');
    for (const line of lines)
      expect(line.replaceAll(COMMAND, '').replace(/<[^>]*>/g, '')).not.toMatch(ENGLISH_PROSE);
    // Phone-sized in both languages: the Korean card is no longer than the English one.
    const english = renderCard({
      locale: 'en',
      job: koreanJob(),
      approval: koreanApproval(),
      now: NOW,
      simulated: true,
    });
    expect(texts(card.blocks).join('\n').length).toBeLessThanOrEqual(texts(english.blocks).join('\n').length);
    expect(texts(english.blocks)[0]).toBe(`⏳ AWAITING APPROVAL · ${COMMAND}`);
  });

  it('says in Korean how a job ended, who decided and what to do next', () => {
    const steps = [{ status: 'changed' as const }, { status: 'failed' as const }].map(
      (s, index) => ({ ...s, index }) as unknown as StepRecord,
    );
    const failed = renderCard({
      ...seoul,
      job: koreanJob({
        status: 'failed',
        startedAt: NOW,
        finishedAt: NOW + 5000,
        error: 'Step 2 failed',
        errorText: verbatim('hyper1: non_responsive'),
      }),
      approval: koreanApproval({
        status: 'approved',
        decisions: [{ principal: 'slack:UBOB', decision: 'approve', at: NOW }],
      }),
      now: NOW,
      simulated: false,
      steps,
    });
    const lines = texts(failed.blocks);
    expect(lines[0]).toBe(`❌ 실패 · ${COMMAND}`);
    expect(lines).toContain('실패 (5.0초 소요) — 단계 2개: 변경 1 및 실패 1\nhyper1: non_responsive');
    expect(lines).toContain(
      `다음 할 일: 위의 원인을 해결한 뒤 ${COMMAND} 명령을 다시 실행해 새 계획을 받으세요. 이미 끝난 단계는 정상으로 보고됩니다.`,
    );
    expect(lines).toContain('승인: <@UBOB>');
    // The command to run again is code, where the Korean sentence puts it.
    expect(JSON.stringify(failed.blocks)).toContain(
      `{"type":"text","text":"${COMMAND}","style":{"code":true}}`,
    );

    const denied = texts(
      renderCard({
        ...seoul,
        job: koreanJob({ status: 'denied' }),
        approval: koreanApproval({
          status: 'denied',
          decisions: [{ principal: 'slack:UBOB', decision: 'deny', at: NOW }],
        }),
        now: NOW,
        simulated: false,
      }).blocks,
    );
    expect(denied).toContain('🚫 <@UBOB> 님이 거부했습니다. 아무것도 실행되지 않았습니다.');

    const expired = texts(
      renderCard({
        ...seoul,
        job: koreanJob(),
        approval: koreanApproval({ status: 'expired' }),
        now: NOW + 20 * 60_000,
        simulated: false,
      }).blocks,
    );
    expect(expired[0]).toBe(`⌛ 만료됨 · ${COMMAND}`);
    expect(expired).toContain(
      `⌛ <!date^${(NOW + 15 * 60_000) / 1000}^{time}|19:15:00 (Asia/Seoul)>에 만료되었습니다. 아무것도 실행되지 않았습니다. 새 계획을 받으려면 ${COMMAND} 명령을 다시 실행하세요.`,
    );

    const voided = texts(
      renderCard({
        ...seoul,
        job: koreanJob({ status: 'void' }),
        approval: koreanApproval({ status: 'void' }),
        now: NOW,
        simulated: false,
      }).blocks,
    );
    expect(voided).toContain(
      `⊘ 무효: 계획을 세운 뒤 실습 환경이 바뀌었습니다.\n• 계획이 더 이상 맞지 않습니다.\n새 계획을 받으려면 ${COMMAND} 명령을 다시 실행하세요.`,
    );

    const running = renderCard({
      ...seoul,
      job: koreanJob({ status: 'running' }),
      approval: koreanApproval({ status: 'approved' }),
      now: NOW,
      simulated: false,
    });
    const [cancel] = running.blocks.flatMap((b) => (b.type === 'actions' ? b.elements : []));
    expect(cancel).toMatchObject({
      text: { text: '작업 취소' },
      confirm: { title: { text: 'job-1a2b 작업을 취소하시겠습니까?' }, deny: { text: '계속 실행' } },
    });
    const copy = texts(
      renderCard({
        ...seoul,
        job: koreanJob({ status: 'running' }),
        approval: koreanApproval({ status: 'approved' }),
        now: NOW,
        simulated: false,
        copyOf: { channel: 'CLAB' },
      }).blocks,
    );
    expect(copy.at(-1)).toBe('진행 상황과 결과는 <#CLAB>의 승인 카드 스레드에 있습니다.');
  });

  it('writes the thread in Korean: the plan, each step’s state and duration', () => {
    const steps = koreanJob().plan.steps.map((s, index) => ({
      record: {
        index,
        titleText: s.title,
        status: index === 0 ? ('changed' as const) : ('pending' as const),
        durationMs: index === 0 ? 1500 : undefined,
        detailText: undefined,
        endStateText: index === 0 ? verbatim('hyper1: maintenance') : undefined,
      },
    }));
    let plan = renderProgressMessage({ ...seoul, job: koreanJob(), steps });
    expect(
      leaksOf(() => {
        plan = renderProgressMessage({ ...seoul, job: koreanJob(), steps });
      }),
    ).toEqual([]);
    expect(texts(plan.blocks)).toEqual([
      '계획 · 단계 2개 · job-1a2b\nhyper1',
      '1/2 ✅ 변경됨 · hyper1 · 1.5초 — ✔︎ hyper1: maintenance',
      '2/2 ⏸️ 대기 · Default',
    ]);
    expect(plan.text).toBe('job-1a2b 계획: hyper1');
    const step = {
      index: 0,
      titleText: verbatim('hyper1'),
      status: 'changed' as const,
      durationMs: 1500,
      detailText: undefined,
      endStateText: verbatim('hyper1: maintenance'),
      startedAt: NOW,
    };
    let done = renderStepMessage({ ...seoul, step, total: 2, tail: ['hyper1: maintenance'] });
    expect(
      leaksOf(() => {
        done = renderStepMessage({ ...seoul, step, total: 2, tail: ['hyper1: maintenance'] });
      }),
    ).toEqual([]);
    expect(texts(done.blocks)).toEqual([
      '1/2 ✅ 변경됨 · hyper1 · 1.5초\nhyper1: maintenance',
      '✔︎ hyper1: maintenance',
    ]);
    expect(done.text).toBe('단계 1/2 변경됨: hyper1');
    const running = renderStepMessage({
      ...seoul,
      step: { ...step, status: 'running', durationMs: undefined, endStateText: undefined },
      total: 2,
      tail: [],
      elapsedMs: 65_000,
    });
    expect(texts(running.blocks)[0]).toBe('1/2 ▶️ 실행 중 · hyper1 · 1분 5초 경과');
  });

  it('writes App Home, refusals and view cut lines in Korean', () => {
    const pending = Array.from({ length: 30 }, (_, i) => ({
      approval: koreanApproval({ id: `a${i}` }),
      job: koreanJob({ id: `job-${i}` }),
    }));
    const home = renderHome({
      ...seoul,
      status: { error: msg('slack.home.statusUnavailable') },
      running: [koreanJob({ status: 'running' })],
      pending,
      simulated: true,
      now: NOW,
      notice: msg('slack.viewRun.inChannelTyped', { command: verbatim('/storage clean data') }),
    });
    expectSafe(home.blocks, 100);
    const lines = texts(home.blocks);
    expect(lines.slice(0, 3)).toEqual([
      '*시뮬레이션 실습 환경* — 내장 시뮬레이터가 엔진과 호스트를 대신합니다.',
      'ℹ️ 이 버튼은 채널에서만 실행됩니다. 실습 환경 채널에서 /storage clean data 명령을 입력하세요.',
      '[새로 고침]',
    ]);
    expect(lines).toContain('⚠️ 지금은 볼 수 없습니다.');
    expect(lines).toContain('실행 중인 작업 (1)');
    expect(lines).toContain(`▶️ job-1a2b ${COMMAND} — 실행 중, 요청자 <@UALICE>\nhyper1`);
    expect(lines).toContain('승인 대기 (30)');
    expect(lines.find((l) => l.startsWith('… 승인 카드'))).toMatch(
      /^… 승인 카드 \d+개가 더 기다립니다\. \/lab status 로 볼 수 있습니다\.$/,
    );

    const refusal = renderErrorMessage(
      new LabopsError('FORBIDDEN', msg('slack.card.movedToDm', { approval: 'a1' })),
      seoul,
    );
    expect(texts(refusal.blocks)[0]).toBe(
      '❌ labops가 이 채널에 없습니다. `/invite @labops`로 초대하세요. a1 승인 카드는 요청자와 승인자에게 DM으로 보냈고, 진행 상황도 그곳에 보고됩니다.',
    );
    const notice = renderNotice('warn', msg('slack.unknownAction.notice'), seoul);
    expect(notice.text).toBe(
      '이 버튼은 labops의 버튼이 아니어서 아무 동작도 하지 않습니다. labops 카드의 버튼을 쓰거나 명령을 직접 입력하세요.',
    );

    const view = renderView(
      {
        title: verbatim('hyper1'),
        sections: [{ lines: Array.from({ length: 20 }, (_, i) => verbatim(`vm${i}`)) }],
      },
      seoul,
      { maxLines: 5, note: msg('slack.share.sharedBy', { user: verbatim('<@UKIM>') }) },
    );
    expect(texts(view.blocks)).toEqual(['hyper1', '<@UKIM> 님이 공유함', 'vm0\nvm1\nvm2\n… 17개 더']);
  });
});
