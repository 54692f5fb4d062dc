import { describe, expect, it, onTestFinished } from 'vitest';
import type { ClickResult } from '../../approvals/flow.js';
import { LabopsError } from '../../src/errors.js';
import { watchRendering } from '../../src/i18n/render.js';
import { instant, msg, verbatim } from '../../src/i18n/text.js';
import type { LabEvent } from '../../src/jobs/events.js';
import type { Card } from '../../src/labops.js';
import { createPlan } from '../../src/plan.js';
import {
  measureColumns,
  padColumns,
  plainStyle,
  renderCard,
  renderClick,
  renderError,
  renderEvent,
  renderProgressBar,
  renderView,
  sanitizeForTerminal,
} from '../../src/shell/render.js';
import type { JobRecord, StepRecord } from '../../src/store/types.js';
import { findLeaks } from '../support/i18n-leaks.js';

const NOW = Date.parse('2026-11-28T10:00:00Z');

describe('terminal rendering', () => {
  it('never lets remote text drive the terminal', () => {
    expect(sanitizeForTerminal('ok\x1b[2J\x07done\tend')).toBe('ok^[[2J^Gdone\tend');
    expect(sanitizeForTerminal('nul\x00 del\x7f')).toBe('nul^@ del^?');
  });

  it('shows C1 controls, direction marks and new lines instead of obeying them', () => {
    expect(sanitizeForTerminal('\x9b31m')).toBe('<U+009B>31m');
    expect(sanitizeForTerminal('next\x85line')).toBe('next<U+0085>line');
    expect(sanitizeForTerminal('invoice\u202Efdp.exe')).toBe('invoice<U+202E>fdp.exe');
    for (const mark of [
      '\u202A',
      '\u202B',
      '\u202C',
      '\u202D',
      '\u2066',
      '\u2067',
      '\u2068',
      '\u2069',
      '\u200E',
      '\u200F',
      '\u061C',
    ]) {
      expect(sanitizeForTerminal(`a${mark}b`)).toBe(
        `a<U+${mark.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}>b`,
      );
    }
    expect(sanitizeForTerminal('one\ntwo\r\u2028three')).toBe('one^Jtwo^M<U+2028>three');
    expect(sanitizeForTerminal('one\ntwo', { newlines: true })).toBe('one\ntwo');
  });

  it('keeps every line of a card a line of the card: a summary cannot add lines or reverse text', () => {
    const steps = [{ kind: 'k', title: verbatim('Put hyper1 into maintenance'), params: {} }];
    const card = {
      job: {
        id: 'job-1',
        command: 'host maintenance',
        text: 'maintenance hyper1 --reason x',
        requester: 'shell:mallory',
      },
      approval: {
        id: 'a1',
        risk: 'destructive',
        required: 1,
        eligible: ['shell:alice', 'shell:mallory'],
        requester: 'shell:mallory',
        expiresAt: NOW + 15 * 60_000,
        decisions: [],
      },
      plan: createPlan({
        summary: verbatim('Put hyper1 into maintenance (patch)\n│ ✔ READ-ONLY — safe to approve'),
        risk: 'destructive',
        riskReasons: [verbatim('web1 \u202Eevil')],
        impact: [verbatim('\x1b[32mweb1 → hyper2')],
        steps,
      }),
    } as unknown as Card;
    const text = renderCard(card, NOW, plainStyle);
    const lines = text.split('\n');
    expect(lines.every((l) => /^[┌│└]/.test(l))).toBe(true);
    expect(text).toContain('(patch)^J│ ✔ READ-ONLY');
    expect(text).toContain('web1 <U+202E>evil');
    expect(text).toContain('^[[32mweb1 → hyper2');
    for (const raw of ['\u202E', '\x1b', '\x85']) expect(text).not.toContain(raw);
  });

  it('keeps the lines of an error, which labops lays out itself, and sanitises each', () => {
    const text = renderError(
      new LabopsError('USAGE', verbatim('bad \u202Ename'), { hint: verbatim('Usage: /x') }),
      plainStyle,
    );
    expect(text.split('\n')[0]).toBe('✘ bad <U+202E>name');
    expect(text).toContain('Usage: /x');
  });

  it('draws a progress bar that stays within its width', () => {
    expect(renderProgressBar(0.5, '512 MiB of 1 GiB', 10)).toBe('[█████░░░░░] 50%  512 MiB of 1 GiB');
    expect(renderProgressBar(2, 'x', 4)).toBe('[████] 100%  x');
    expect(renderProgressBar(-1, 'x', 4)).toBe('[░░░░] 0%  x');
  });

  it('prints a view state first, then its sections', () => {
    const text = renderView(
      {
        title: 'Hosts',
        state: { text: '2 of 2 up', tone: 'ok' },
        sections: [{ heading: 'Cluster', lines: ['hyper1  up'] }],
        footer: 'more',
      },
      plainStyle,
    );
    expect(text.split('\n')).toEqual(['Hosts', '2 of 2 up', 'Cluster', '  hyper1  up', 'more']);
  });
});

const NOW_KO = Date.parse('2026-11-28T10:00:00Z');
const SEOUL = { locale: 'ko', timeZone: 'Asia/Seoul' } as const;

function shellJob(overrides: Partial<JobRecord> = {}): JobRecord {
  return {
    id: 'job-1a2b',
    lab: 'default',
    command: 'host maintenance',
    text: 'maintenance hyper1',
    args: {},
    requester: 'shell:operator',
    channel: 'shell',
    risk: 'destructive',
    plan: createPlan({ summary: verbatim('hyper1'), risk: 'destructive' }),
    steps: [{ kind: 'k', title: verbatim('hyper1'), params: {} }],
    status: 'running',
    createdAt: NOW_KO,
    startedAt: NOW_KO,
    finishedAt: undefined,
    error: undefined,
    errorText: undefined,
    messageRef: undefined,
    ...overrides,
  };
}

function shellStep(overrides: Partial<StepRecord> = {}): StepRecord {
  return {
    jobId: 'job-1a2b',
    index: 0,
    kind: 'k',
    title: 'hyper1',
    titleText: verbatim('hyper1'),
    status: 'changed',
    startedAt: NOW_KO,
    finishedAt: NOW_KO + 132,
    durationMs: 132,
    tail: '',
    detail: undefined,
    detailText: undefined,
    endState: 'hyper1: maintenance',
    endStateText: verbatim('hyper1: maintenance'),
    ...overrides,
  };
}

describe('terminal rendering in Korean (issue 16)', () => {
  it('writes the card’s own words in Korean, times in the lab’s zone, commands as typed', () => {
    const card = {
      job: shellJob({ status: 'awaiting_approval' }),
      approval: {
        id: 'a1',
        risk: 'change',
        required: 1,
        eligible: ['shell:operator'],
        requester: 'shell:operator',
        expiresAt: NOW_KO + 15 * 60_000,
        decisions: [],
      },
      plan: createPlan({
        summary: verbatim('hyper1'),
        risk: 'change',
        // A text with a time of day: rendered in Seoul, where the lab is.
        riskReasons: [
          msg('slack.time.inZone', { time: instant(NOW_KO + 15 * 60_000), zone: verbatim('KST') }),
        ],
        warnings: [verbatim('hyper1: SPM')],
        steps: [{ kind: 'k', title: verbatim('hyper1'), params: {} }],
      }),
    } as unknown as Card;
    expect(renderCard(card, NOW_KO, plainStyle, SEOUL).split('\n')).toEqual([
      '┌ a1 · /host maintenance hyper1',
      '│ hyper1',
      '│ 변경 — 요청자의 확인 필요',
      '│   19:15:00 (KST)',
      '│ 요청자 shell:operator · 15분 후 만료 · 작업 job-1a2b',
      '│ 경고:',
      '│   hyper1: SPM',
      '│ 단계:',
      '│   1. hyper1',
      '│ 확인: shell:operator',
      '└ approve a1 · deny a1',
    ]);
    expect(renderCard(card, NOW_KO, plainStyle).split('\n')[2]).toBe(
      '│ CHANGE — needs the requester’s confirmation',
    );
  });

  it('writes each event of a job in Korean, the step states in columns of their own width', () => {
    // Every text rendered is checked for text outside the catalog (test/support/i18n-leaks.ts).
    const leaks: string[] = [];
    watchRendering((text) => leaks.push(...findLeaks(text)));
    onTestFinished(() => watchRendering(undefined));
    const say = (event: LabEvent) => renderEvent(event, plainStyle, SEOUL);
    const job = shellJob();
    const approval = { id: 'a1' } as never;
    expect(say({ type: 'approval:expired', approval, job })).toBe(
      '⌛ a1 만료: /host maintenance 작업은 실행되지 않습니다.',
    );
    expect(
      say({
        type: 'approval:voided',
        approval,
        job,
        changes: ['host hyper1: up → maintenance'],
        changeTexts: [verbatim('host hyper1: up → maintenance'), verbatim('vm web1: hyper1 → hyper2')],
      }),
    ).toBe('⊘ a1 무효: host hyper1: up → maintenance; vm web1: hyper1 → hyper2');
    expect(say({ type: 'job:started', job, steps: [] })).toBe(
      '▶ job-1a2b /host maintenance hyper1 — 단계 0개',
    );
    expect(say({ type: 'step:started', job, step: shellStep({ status: 'running' }) })).toBe(
      '  [1/1] hyper1 …',
    );
    // A tail line labops wrote is in the reader's language; remote output is shown as it came.
    const seen = msg('engine.wait.seen', {
      object: 'hyper1',
      state: msg('engine.wait.hostMigrating', { status: verbatim('preparing_for_maintenance'), count: 1 }),
    });
    expect(
      say({ type: 'step:output', jobId: job.id, index: 0, line: 'hyper1: … 1 VM(s) migrating', text: seen }),
    ).toBe('      hyper1: preparing_for_maintenance, VM 1개 마이그레이션 중');
    expect(say({ type: 'step:output', jobId: job.id, index: 0, line: 'exportfs: /export/data ok' })).toBe(
      '      exportfs: /export/data ok',
    );
    expect(say({ type: 'step:finished', job, step: shellStep() })).toBe(
      '  [1/1] 변경됨  hyper1 (132ms) — hyper1: maintenance',
    );
    expect(
      say({
        type: 'step:finished',
        job,
        step: shellStep({ status: 'ok', endStateText: undefined, detailText: verbatim('x') }),
      }),
    ).toBe('  [1/1] 정상    hyper1 (132ms) — x');
    expect(
      say({
        type: 'job:finished',
        job: shellJob({ status: 'succeeded', finishedAt: NOW_KO + 1500 }),
        steps: [],
      }),
    ).toBe('✔ job-1a2b 성공 (1.5초 소요)');
    expect(
      say({
        type: 'job:finished',
        job: shellJob({
          status: 'failed',
          finishedAt: NOW_KO + 1500,
          errorText: verbatim('hyper1: non_responsive'),
        }),
        steps: [],
      }),
    ).toBe('✘ job-1a2b 실패 (1.5초 소요): hyper1: non_responsive');
    expect(
      say({
        type: 'job:reviewed',
        job,
        summary: 'x',
        summaryText: verbatim('host hyper1: up → maintenance'),
      }),
    ).toBe('⚠ job-1a2b 작업이 중단되었습니다. host hyper1: up → maintenance');
    expect(leaks).toEqual([]);
    // English as it was: the README's transcript.
    expect(renderEvent({ type: 'step:finished', job, step: shellStep() }, plainStyle)).toBe(
      '  [1/1] changed hyper1 (132 ms) — hyper1: maintenance',
    );
  });

  it('marks a refused click in Korean and counts Hangul as two columns', () => {
    const refused = {
      outcome: 'refused',
      message: 'x',
      text: verbatim('a1'),
      approval: undefined,
    } as ClickResult;
    expect(renderClick(refused, plainStyle, SEOUL)).toBe('✘ 거절됨: a1');
    expect(renderClick(refused, plainStyle)).toBe('✘ refused: a1');
    expect(measureColumns('변경됨')).toBe(6);
    expect(padColumns('정상', 7)).toBe('정상   ');
    expect(padColumns('changed', 7)).toBe('changed');
  });
});
