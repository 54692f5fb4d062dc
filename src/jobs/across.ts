import { z } from 'zod';
import { LabopsError } from '../errors.js';
import { duration, list, msg, type Text, verbatim } from '../i18n/text.js';
import type { StepSpec } from '../plan.js';
import type { StepRecord, StepStatus } from '../store/types.js';
import { type AcrossPort, defineStep, type StepContext, type StepDefinition } from './steps.js';
import { joinSentences } from './texts.js';

/**
 * The job of a plan across labs (`/lab reset --all`, issue 13 §3): a first step that plans each
 * lab again and takes its locks when the card is approved (`labs.claim`), then one step per lab
 * (`labs.run`), a few at once, each running that lab's part as a job of its own lab. The other
 * labs are reached through the step context's `across` port (src/labs-across.ts).
 */

const PartSchema = z.object({
  lab: z.string(),
  text: z.string(),
  fingerprint: z.string(),
  dependsOn: z.record(z.string(), z.string()),
});

function acrossOf(ctx: StepContext): AcrossPort {
  if (!ctx.across) throw new LabopsError('INTERNAL', msg('jobs.across.noPort'));
  return ctx.across;
}

export const acrossSteps: StepDefinition[] = [
  defineStep({
    kind: 'labs.claim',
    params: z.object({ parts: z.array(PartSchema) }),
    run: (ctx, params) => acrossOf(ctx).claim(ctx.jobId, params.parts, ctx),
  }),
  defineStep({
    kind: 'labs.run',
    params: z.object({ lab: z.string() }),
    run: (ctx, params) => acrossOf(ctx).run(ctx.jobId, params.lab, ctx),
  }),
];

/** A lab's part as the plan names it: its step, and the lab it is for. */
export function labOfStep(spec: StepSpec | undefined): string | undefined {
  return spec?.kind === 'labs.run' && typeof spec.params.lab === 'string' ? spec.params.lab : undefined;
}

/** The steps in the order they run: a step alone, or a group of parallel steps next to each other. */
export function groupSteps<T extends { index: number }>(
  steps: readonly T[],
  specs: readonly StepSpec[],
): T[][] {
  const groups: T[][] = [];
  for (const step of steps) {
    const last = groups.at(-1);
    const parallel = specs[step.index]?.parallel === true;
    if (parallel && last && specs[last[0]!.index]?.parallel) last.push(step);
    else groups.push([step]);
  }
  return groups;
}

/** `fn` over `items`, at most `limit` at once, in their order; settles when every one has. */
export async function runBounded<T>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const work = async (): Promise<void> => {
    while (next < items.length) await fn(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, work));
}

/** `fn` over `items`, at most `limit` at once; the answers in the order of `items`. */
export async function mapBounded<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<R>,
): Promise<R[]> {
  const out: R[] = new Array(items.length);
  const indexed = items.map((item, index) => ({ item, index }));
  await runBounded(indexed, limit, async ({ item, index }) => {
    out[index] = await fn(item);
  });
  return out;
}

const FAILED: readonly StepStatus[] = ['failed', 'unknown'];

/** Each lab that did not finish, and why: the outcome of a job across labs that failed. */
export function describeAcrossOutcome(steps: readonly StepRecord[], specs: readonly StepSpec[]): Text[] {
  const parts = steps
    .filter((s) => labOfStep(specs[s.index]) !== undefined)
    .sort((a, b) => a.index - b.index);
  if (parts.length > 0 && parts.every((s) => s.status === 'skipped' || s.status === 'cancelled')) {
    if (!parts.some((s) => s.detailText !== undefined)) return [msg('jobs.across.noneRan')];
  }
  const out: Text[] = [];
  for (const step of parts) {
    const lab = labOfStep(specs[step.index])!;
    const reason = step.detailText ?? verbatim('');
    if (FAILED.includes(step.status)) out.push(msg('jobs.across.labFailed', { lab, error: reason }));
    else if (step.status === 'cancelled') out.push(msg('jobs.across.labCancelled', { lab }));
    else if (step.status === 'skipped' && step.detailText !== undefined) {
      out.push(msg('jobs.across.labLeftOut', { lab, reason }));
    } else if (step.status === 'skipped') out.push(msg('jobs.across.labNotStarted', { lab }));
  }
  const done = parts.filter((s) => s.status === 'ok' || s.status === 'changed');
  if (done.length) {
    out.push(
      msg('jobs.across.labsDone', { labs: list(done.map((s) => verbatim(labOfStep(specs[s.index])!))) }),
    );
  }
  return out;
}

/** The end of a job across labs stopped in a lab's part: how many labs failed, then each one. */
export function describeAcrossEnd(
  status: StepStatus,
  steps: readonly StepRecord[],
  specs: readonly StepSpec[],
): { status: 'failed' | 'cancelled'; error: Text } {
  const parts = steps.filter((s) => labOfStep(specs[s.index]) !== undefined);
  const failed = parts.filter((s) => FAILED.includes(s.status)).length;
  const head =
    status === 'cancelled' && failed === 0
      ? msg('jobs.across.cancelled', { count: parts.length })
      : msg('jobs.across.failedCount', { failed, count: parts.length });
  return {
    status: status === 'cancelled' && failed === 0 ? 'cancelled' : 'failed',
    error: joinSentences([head, ...describeAcrossOutcome(steps, specs)]),
  };
}

const SUMMARY_STATUS: Record<StepStatus, Text> = {
  pending: msg('jobs.across.status.pending'),
  running: msg('jobs.across.status.running'),
  ok: msg('jobs.across.status.ok'),
  changed: msg('jobs.across.status.changed'),
  failed: msg('jobs.across.status.failed'),
  unknown: msg('jobs.across.status.unknown'),
  cancelled: msg('jobs.across.status.cancelled'),
  skipped: msg('jobs.across.status.skipped'),
};

/** A step's outcome as a lab's line says it: `changed`, `left out`. */
export function describePartStatus(status: StepStatus): Text {
  return SUMMARY_STATUS[status];
}

/**
 * The summary table at the end of a job across labs: a line per lab — its outcome, how long it
 * took, and why when it did not finish (issue 13 §3). Undefined for any other job.
 */
export function summarizeAcross(
  job: { plan: { across?: unknown }; steps: readonly StepSpec[] },
  steps: readonly StepRecord[],
): Text[] | undefined {
  if (!job.plan.across) return undefined;
  const rows: Text[] = [];
  for (const step of [...steps].sort((a, b) => a.index - b.index)) {
    const lab = labOfStep(job.steps[step.index]);
    if (lab === undefined) continue;
    const status = SUMMARY_STATUS[step.status];
    const took = step.durationMs === undefined ? undefined : duration(step.durationMs);
    const detail = step.detailText;
    rows.push(
      took === undefined
        ? detail === undefined
          ? msg('jobs.across.row', { lab, status })
          : msg('jobs.across.rowDetail', { lab, status, detail })
        : detail === undefined
          ? msg('jobs.across.rowTook', { lab, status, took })
          : msg('jobs.across.rowTookDetail', { lab, status, took, detail }),
    );
  }
  return rows;
}
