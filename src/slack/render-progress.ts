import type { MessageKey } from '../i18n/catalog/index.js';
import type { Locale } from '../i18n/locale.js';
import { formatDurationIn } from '../i18n/render.js';
import { duration, msg, type Text } from '../i18n/text.js';
import { localizePlan } from '../plan.js';
import type { JobRecord, StepRecord, StepStatus } from '../store/types.js';
import {
  type Block,
  list as bulletList,
  code,
  fallback,
  fitBlocks,
  type Inline,
  inlines,
  lineBreak,
  type MessageContent,
  paragraph,
  plain,
  plainContext,
  preformatted,
  richText,
  slot,
  speaker,
  strong,
  type Voice,
} from './blocks.js';
import { PHONE_CODE_WIDTH } from './mrkdwn.js';

/** Lines of remote output a step message shows while it runs and after (the full log is a file). */
export const TAIL_SHOWN = 6;

/** Each step state's mark and its word. */
const STEP_STATE: Record<
  StepStatus,
  { mark: string; label: Extract<MessageKey, `slack.step.state.${string}`> }
> = {
  pending: { mark: '⏸️', label: 'slack.step.state.pending' },
  running: { mark: '▶️', label: 'slack.step.state.running' },
  ok: { mark: '✅', label: 'slack.step.state.ok' },
  changed: { mark: '✅', label: 'slack.step.state.changed' },
  failed: { mark: '❌', label: 'slack.step.state.failed' },
  unknown: { mark: '⚠️', label: 'slack.step.state.unknown' },
  cancelled: { mark: '⏹️', label: 'slack.step.state.cancelled' },
  skipped: { mark: '⏭️', label: 'slack.step.state.skipped' },
};

/** `▕██████░░░░▏ 60%`: a bar that fits a phone's code line (20 cells). */
export function renderProgressBar(fraction: number, width = 20): string {
  const clamped = Math.min(1, Math.max(0, Number.isFinite(fraction) ? fraction : 0));
  const filled = Math.round(clamped * width);
  return `${'█'.repeat(filled)}${'░'.repeat(width - filled)} ${Math.round(clamped * 100)}%`;
}

/**
 * The first message of the job's thread: the plan as approved, each step with what it runs. In the
 * language of the card it answers (the lab's in its channel).
 */
export function renderPlanMessage(job: JobRecord, voice: Voice): MessageContent {
  const say = speaker(voice);
  const plan = localizePlan(job.plan, voice.locale, { timeZone: voice.timeZone });
  const count = say(msg('slack.plan.steps', { count: plan.steps.length }));
  const lines = plan.steps.flatMap((s, i) => [
    `${i + 1}. ${s.title}`,
    ...(s.shows ?? []).map((l) => `   ${l}`),
  ]);
  const blocks: Block[] = [
    richText([
      paragraph(
        strong(say(msg('slack.plan.heading'))),
        plain(` · ${count} · `),
        code(job.id),
        lineBreak(),
        plain(plan.summary),
      ),
      ...(lines.length ? [preformatted(lines)] : []),
    ]),
  ];
  return {
    text: fallback(say(msg('slack.plan.fallback', { job: job.id, summary: job.plan.summary }))),
    blocks,
  };
}

/** After a restart: what an interrupted job's targets read now (issue 9 §5). */
export function renderReviewMessage(job: JobRecord, summary: Text, voice: Voice): MessageContent {
  const say = speaker(voice);
  return {
    text: fallback(say(msg('slack.review.fallback', { job: job.id, summary: summary }))),
    blocks: [
      richText([
        paragraph(
          plain('⚠️ '),
          inlines(say(msg('slack.review.interrupted', { job: slot(0) })), [code(job.id)]),
          lineBreak(),
          plain(say(summary)),
        ),
      ]),
    ],
  };
}

/**
 * The summary table at the end of a job across labs (issue 13 §3): a line per lab, its outcome,
 * time and why, under the count — one message, so a phone shows the whole course at a glance.
 */
export function renderAcrossSummary(rows: readonly Text[], voice: Voice): MessageContent {
  const say = speaker(voice);
  const heading = say(msg('jobs.across.summaryHeading', { count: rows.length }));
  return {
    text: fallback(`${heading} ${rows.map((r) => say(r)).join('; ')}`),
    blocks: [richText([paragraph(strong(heading)), bulletList(rows.map((row) => [plain(say(row))]))])],
  };
}

export interface StepView {
  /** The language of the card's thread (the lab's in its channel). */
  locale: Locale;
  /** The lab's time zone for times of day. */
  timeZone?: string | undefined;
  step: Pick<
    StepRecord,
    'index' | 'titleText' | 'status' | 'durationMs' | 'detailText' | 'endStateText' | 'startedAt'
  >;
  total: number;
  /** The newest lines of remote output. */
  tail: readonly string[];
  /** An upload's progress. */
  progress?: { fraction: number; text: Text } | undefined;
  /** How long it has been running, for a running step. */
  elapsedMs?: number | undefined;
}

/**
 * A step's message in the thread, edited in place as it runs: its state first, its duration, the
 * short tail of remote output in a code block (lines of at most 60 characters), a progress bar for
 * uploads, and after it the checked end state or why it failed.
 */
export function renderStepMessage(view: StepView): MessageContent {
  const { step } = view;
  const say = speaker(view);
  const took =
    step.durationMs !== undefined
      ? formatDurationIn(view.locale, step.durationMs)
      : view.elapsedMs !== undefined
        ? say(msg('slack.step.soFar', { took: duration(view.elapsedMs) }))
        : '';
  const state = STEP_STATE[step.status];
  const head: Inline[] = [
    strong(`${step.index + 1}/${view.total}`),
    plain(` ${state.mark} ${say(msg(state.label))} · `),
    plain(say(step.titleText)),
    ...(took ? [plain(` · ${took}`)] : []),
  ];
  if (view.progress && step.status === 'running') {
    head.push(
      lineBreak(),
      code(renderProgressBar(view.progress.fraction)),
      plain(` ${say(view.progress.text)}`),
    );
  }
  const parts = [paragraph(head)];
  const tail = view.tail.slice(-TAIL_SHOWN);
  if (tail.length) parts.push(preformatted(tail));
  const blocks: Block[] = [richText(parts)];
  if (step.endStateText !== undefined) blocks.push(plainContext([`✔︎ ${say(step.endStateText)}`]));
  else if (step.detailText !== undefined) blocks.push(plainContext([say(step.detailText)]));
  return {
    text: fallback(
      say(
        msg('slack.step.fallback', {
          index: step.index + 1,
          total: view.total,
          state: msg(state.label),
          title: step.titleText,
        }),
      ),
    ),
    blocks: fitBlocks(blocks, view.locale),
  };
}

/** The longest code line a renderer emits, for tests of the phone rule. */
export const MAX_CODE_WIDTH = PHONE_CODE_WIDTH;
