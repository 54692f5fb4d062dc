import type { Locale } from '../i18n/locale.js';
import { renderText } from '../i18n/render.js';
import { localizePlan } from '../plan.js';
import type { JobRecord, StepRecord, StepStatus } from '../store/types.js';
import { formatDuration } from '../view.js';
import {
  type Block,
  code,
  fallback,
  fitBlocks,
  type Inline,
  lineBreak,
  type MessageContent,
  paragraph,
  plain,
  plainContext,
  preformatted,
  richText,
  strong,
} from './blocks.js';
import { PHONE_CODE_WIDTH } from './mrkdwn.js';

/** Lines of remote output a step message shows while it runs and after (the full log is a file). */
export const TAIL_SHOWN = 6;

const STEP_STATE: Record<StepStatus, string> = {
  pending: '⏸️ waiting',
  running: '▶️ running',
  ok: '✅ ok',
  changed: '✅ changed',
  failed: '❌ FAILED',
  unknown: '⚠️ UNKNOWN',
  cancelled: '⏹️ cancelled',
  skipped: '⏭️ skipped',
};

/** `▕██████░░░░▏ 60%`: a bar that fits a phone's code line (20 cells). */
export function renderProgressBar(fraction: number, width = 20): string {
  const clamped = Math.min(1, Math.max(0, Number.isFinite(fraction) ? fraction : 0));
  const filled = Math.round(clamped * width);
  return `${'█'.repeat(filled)}${'░'.repeat(width - filled)} ${Math.round(clamped * 100)}%`;
}

/** The first message of the job's thread: the plan as approved, each step with what it runs. */
export function renderPlanMessage(job: JobRecord, locale: Locale): MessageContent {
  const plan = localizePlan(job.plan, locale);
  const count = `${plan.steps.length} step${plan.steps.length === 1 ? '' : 's'}`;
  const lines = plan.steps.flatMap((s, i) => [
    `${i + 1}. ${s.title}`,
    ...(s.shows ?? []).map((l) => `   ${l}`),
  ]);
  const blocks: Block[] = [
    richText([
      paragraph(strong('Plan'), plain(` · ${count} · `), code(job.id), lineBreak(), plain(plan.summary)),
      ...(lines.length ? [preformatted(lines)] : []),
    ]),
  ];
  return { text: fallback(`Plan of ${job.id}: ${plan.summary}`), blocks };
}

/** After a restart: what an interrupted job's targets read now (issue 9 §5). */
export function renderReviewMessage(job: JobRecord, summary: string): MessageContent {
  return {
    text: fallback(`${job.id} was interrupted. ${summary}`),
    blocks: [
      richText([
        paragraph(
          plain('⚠️ '),
          code(job.id),
          plain(' was interrupted when labops stopped.'),
          lineBreak(),
          plain(summary),
        ),
      ]),
    ],
  };
}

export interface StepView {
  /** The lab's language: the thread is in its channel. */
  locale: Locale;
  step: Pick<
    StepRecord,
    'index' | 'title' | 'titleText' | 'status' | 'durationMs' | 'detail' | 'endState' | 'startedAt'
  >;
  total: number;
  /** The newest lines of remote output. */
  tail: readonly string[];
  /** An upload's progress. */
  progress?: { fraction: number; text: string } | undefined;
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
  const took =
    step.durationMs !== undefined
      ? formatDuration(step.durationMs)
      : view.elapsedMs !== undefined
        ? `${formatDuration(view.elapsedMs)} so far`
        : '';
  const head: Inline[] = [
    strong(`${step.index + 1}/${view.total}`),
    plain(` ${STEP_STATE[step.status]} · `),
    plain(renderText(view.locale, step.titleText)),
    ...(took ? [plain(` · ${took}`)] : []),
  ];
  if (view.progress && step.status === 'running') {
    head.push(lineBreak(), code(renderProgressBar(view.progress.fraction)), plain(` ${view.progress.text}`));
  }
  const parts = [paragraph(head)];
  const tail = view.tail.slice(-TAIL_SHOWN);
  if (tail.length) parts.push(preformatted(tail));
  const blocks: Block[] = [richText(parts)];
  if (step.endState) blocks.push(plainContext([`✔︎ ${step.endState}`]));
  else if (step.detail) blocks.push(plainContext([step.detail]));
  return {
    text: fallback(`Step ${step.index + 1}/${view.total} ${step.status}: ${step.title}`),
    blocks: fitBlocks(blocks),
  };
}

/** The longest code line a renderer emits, for tests of the phone rule. */
export const MAX_CODE_WIDTH = PHONE_CODE_WIDTH;
