import type { MessageKey } from '../i18n/catalog/index.js';
import type { Locale } from '../i18n/locale.js';
import { formatDurationIn } from '../i18n/render.js';
import { duration, list as listOf, msg, type Text, verbatim } from '../i18n/text.js';
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
  LIMITS,
  lineBreak,
  type MessageContent,
  mention,
  paragraph,
  plain,
  plainContext,
  preformatted,
  richText,
  slot,
  speaker,
  strong,
  textWithMentions,
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

/** A step as the job's progress message shows it: its record, and while it runs its live detail. */
export interface ProgressStep {
  record: Pick<StepRecord, 'index' | 'titleText' | 'status' | 'durationMs' | 'detailText' | 'endStateText'>;
  /** The newest lines of remote output (the running step's). */
  tail?: readonly string[] | undefined;
  /** An upload's progress (the running step's). */
  progress?: { fraction: number; text: Text } | undefined;
  /** How long the running step has run. */
  elapsedMs?: number | undefined;
}

export interface ProgressView extends Voice {
  job: Pick<JobRecord, 'id' | 'plan' | 'status' | 'startedAt' | 'finishedAt' | 'error' | 'errorText'>;
  /** Every step of the plan, in order. */
  steps: readonly ProgressStep[];
  /** The job ended: its result closes the message. */
  final?: boolean | undefined;
}

/** Step outcomes a result counts, in this order (as the card does). */
const COUNTED: Partial<Record<StepStatus, Extract<MessageKey, `slack.card.count.${string}`>>> = {
  changed: 'slack.card.count.changed',
  ok: 'slack.card.count.ok',
  failed: 'slack.card.count.failed',
  unknown: 'slack.card.count.unknown',
  cancelled: 'slack.card.count.cancelled',
  skipped: 'slack.card.count.skipped',
};

const DONE: ReadonlySet<StepStatus> = new Set(['ok', 'changed', 'skipped']);
/** What a block of step lines may hold, under Slack's 3000 characters with room for the cut mark. */
const LINES_BUDGET = LIMITS.richText - 200;
/** Waiting steps shown one by one; more are folded into one line after the first few. */
const WAITING_SHOWN = 15;

/** The outcomes of `steps` counted: "9 changed, 5 ok". */
function countOutcomes(steps: readonly { status: StepStatus }[]): Text[] {
  return Object.entries(COUNTED).flatMap(([status, key]) => {
    const n = steps.filter((x) => x.status === status).length;
    return n > 0 && key ? [msg(key, { count: n })] : [];
  });
}

/** The size a line's elements show, to keep a block under its budget. */
function sizeOfLine(line: readonly Inline[]): number {
  return line.reduce((n, e) => n + (e.type === 'text' ? e.text.length : 24), 1);
}

/**
 * One step's line: `3/14 ✅ changed · title · 4.2 s`, and after a finished step what was checked
 * (or why it failed) when `withDetail`.
 */
function stepLine(step: ProgressStep, total: number, voice: Voice, withDetail: boolean): Inline[] {
  const say = speaker(voice);
  const { record } = step;
  const state = STEP_STATE[record.status];
  const took =
    record.durationMs !== undefined
      ? formatDurationIn(voice.locale, record.durationMs)
      : step.elapsedMs !== undefined && record.status === 'running'
        ? say(msg('slack.step.soFar', { took: duration(step.elapsedMs) }))
        : '';
  const line: Inline[] = [
    strong(`${record.index + 1}/${total}`),
    plain(` ${state.mark} ${say(msg(state.label))} · `),
    plain(say(record.titleText)),
    ...(took ? [plain(` · ${took}`)] : []),
  ];
  if (!withDetail) return line;
  if (record.endStateText !== undefined) line.push(plain(` — ✔︎ ${say(record.endStateText)}`));
  else if (record.detailText !== undefined && record.status !== 'running')
    line.push(plain(' — '), ...textWithMentions(say(record.detailText)));
  return line;
}

/** Lines joined into one paragraph of a rich_text block. */
function linesBlock(lines: readonly (readonly Inline[])[]): Block {
  const parts = lines.flatMap((line, i) => (i === 0 ? [...line] : [lineBreak(), ...line]));
  return richText([paragraph(parts)]);
}

/**
 * The finished steps' lines within one block's budget: each with what was checked; when too long,
 * only failures and the newest keep their detail; still too long, runs of steps done are folded
 * into one line each ("Steps 1–12: 9 changed, 3 ok · 42 s"), the newest step kept on its own.
 */
function finishedLines(steps: readonly ProgressStep[], total: number, voice: Voice): Inline[][] {
  const say = speaker(voice);
  const full = steps.map((s) => stepLine(s, total, voice, true));
  const size = (lines: Inline[][]) => lines.reduce((n, l) => n + sizeOfLine(l), 0);
  if (size(full) <= LINES_BUDGET) return full;
  const last = steps.length - 1;
  const lean = steps.map((s, i) => stepLine(s, total, voice, i === last || !DONE.has(s.record.status)));
  if (size(lean) <= LINES_BUDGET) return lean;
  const folded: Inline[][] = [];
  let run: ProgressStep[] = [];
  const flush = () => {
    if (run.length === 1 && run[0]) folded.push(stepLine(run[0], total, voice, false));
    else if (run.length > 1) {
      const first = run[0]!.record.index + 1;
      const to = run.at(-1)!.record.index + 1;
      const took = run.reduce((n, s) => n + (s.record.durationMs ?? 0), 0);
      const counts = listOf(countOutcomes(run.map((s) => s.record)));
      folded.push([
        plain(`${STEP_STATE.changed.mark} `),
        strong(say(msg('slack.progress.doneRange', { from: first, to, counts }))),
        plain(` · ${formatDurationIn(voice.locale, took)}`),
      ]);
    }
    run = [];
  };
  steps.forEach((s, i) => {
    if (DONE.has(s.record.status) && i !== last) {
      run.push(s);
      return;
    }
    flush();
    folded.push(stepLine(s, total, voice, i === last || !DONE.has(s.record.status)));
  });
  flush();
  return folded;
}

/**
 * The job's result: `Succeeded in 42 s — 14 steps: 9 changed, 5 ok`, and why it did not succeed.
 */
export function renderResult(
  job: ProgressView['job'],
  steps: readonly Pick<StepRecord, 'status'>[],
  voice: Voice,
): { text: string; because: Inline[] } {
  const say = speaker(voice);
  const status =
    job.status === 'succeeded' || job.status === 'failed' || job.status === 'cancelled'
      ? job.status
      : 'interrupted';
  const ended =
    job.finishedAt !== undefined && job.startedAt !== undefined
      ? msg('slack.card.endedIn', { status, took: duration(job.finishedAt - job.startedAt) })
      : msg('slack.card.ended', { status });
  const counts = countOutcomes(steps);
  const text = steps.length
    ? `${say(ended)} — ${say(msg('slack.card.stepCounts', { count: steps.length, counts: listOf(counts) }))}`
    : say(ended);
  const error =
    job.status === 'succeeded'
      ? undefined
      : (job.errorText ?? (job.error === undefined ? undefined : verbatim(job.error)));
  return { text, because: error !== undefined ? textWithMentions(say(error)) : [] };
}

/**
 * The job's one progress message in its thread (issue 17 §1), edited in place as steps run: the
 * plan's summary, each step with its state and duration, the running step's live detail (a
 * progress bar, the newest output, what it waits for) and, at the end, the result. Kept within
 * Slack's 50 blocks and 3000 characters per text (slack-platform.md §5): finished steps are
 * folded when a long job would not fit, and so are waiting steps past the first few.
 */
export function renderProgressMessage(view: ProgressView): MessageContent {
  const { job, steps } = view;
  const say = speaker(view);
  const plan = localizePlan(job.plan, view.locale, { timeZone: view.timeZone });
  const total = steps.length;
  const blocks: Block[] = [
    richText([
      paragraph(
        strong(say(msg('slack.plan.heading'))),
        plain(` · ${say(msg('slack.plan.steps', { count: total }))} · `),
        code(job.id),
        lineBreak(),
        plain(plan.summary),
      ),
    ]),
  ];
  const finished = steps.filter((s) => s.record.status !== 'pending' && s.record.status !== 'running');
  const running = steps.filter((s) => s.record.status === 'running');
  const waiting = steps.filter((s) => s.record.status === 'pending');
  if (finished.length) blocks.push(linesBlock(finishedLines(finished, total, view)));
  for (const step of running) {
    const head = stepLine(step, total, view, false);
    if (step.progress) {
      head.push(
        lineBreak(),
        code(renderProgressBar(step.progress.fraction)),
        plain(` ${say(step.progress.text)}`),
      );
    }
    const tail = (step.tail ?? []).slice(-TAIL_SHOWN);
    blocks.push(richText([paragraph(head), ...(tail.length ? [preformatted(tail)] : [])]));
    if (step.record.detailText !== undefined) blocks.push(plainContext([say(step.record.detailText)]));
  }
  if (waiting.length) {
    const shown = waiting.length > WAITING_SHOWN ? waiting.slice(0, 3) : waiting;
    const lines = shown.map((s) => stepLine(s, total, view, false));
    const rest = waiting.slice(shown.length);
    if (rest.length) {
      lines.push([
        plain(`${STEP_STATE.pending.mark} `),
        plain(
          say(
            msg('slack.progress.waitingRange', {
              from: rest[0]!.record.index + 1,
              to: rest.at(-1)!.record.index + 1,
            }),
          ),
        ),
      ]);
    }
    blocks.push(linesBlock(lines));
  }
  if (view.final) {
    const result = renderResult(
      job,
      steps.map((s) => s.record),
      view,
    );
    const because = result.because.length ? [lineBreak(), ...result.because] : [];
    blocks.push(richText([paragraph(strong(result.text), ...because)]));
  }
  return {
    text: fallback(say(msg('slack.plan.fallback', { job: job.id, summary: job.plan.summary }))),
    blocks: fitBlocks(blocks, view.locale),
  };
}

/**
 * The job's final summary in its thread (issue 17 §1): a new message, so it notifies — it names
 * the requester, with the result; a job across labs adds its table, a line per lab (issue 13 §3).
 */
export function renderJobSummary(
  job: ProgressView['job'] & Pick<JobRecord, 'requester'>,
  steps: readonly Pick<StepRecord, 'status'>[],
  voice: Voice,
  across?: readonly Text[] | undefined,
): MessageContent {
  const say = speaker(voice);
  const result = renderResult(job, steps, voice);
  const line = msg('slack.summary.line', { requester: slot(0), job: slot(1), result: slot(2) });
  const parts = [
    paragraph(
      inlines(say(line), [mention(job.requester), code(job.id), strong(result.text)]),
      ...(result.because.length ? [lineBreak(), ...result.because] : []),
    ),
  ];
  if (across?.length) {
    parts.push(
      paragraph(strong(say(msg('jobs.across.summaryHeading', { count: across.length })))),
      bulletList(across.map((row) => [plain(say(row))])),
    );
  }
  const plainLine = say(
    msg('slack.summary.line', { requester: verbatim(job.requester), job: job.id, result: result.text }),
  );
  return {
    text: fallback(across?.length ? `${plainLine} ${across.map((r) => say(r)).join('; ')}` : plainLine),
    blocks: [richText(parts)],
  };
}
