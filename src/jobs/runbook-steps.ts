import { z } from 'zod';
import { LabopsError } from '../errors.js';
import { renderEnglish } from '../i18n/render.js';
import { msg, verbatim } from '../i18n/text.js';
import {
  listPreflightProbes,
  type PreflightSpec,
  runPreflight,
  toPreflightError,
} from '../runbooks/preflight.js';
import { DOWNLOAD_FAILED, describeDownloadFailure, renderStep } from '../runbooks/render.js';
import type { RunbookItem, RunbookStep } from '../runbooks/types.js';
import type { StepSpec } from '../store/types.js';
import { defineStep, type StepDefinition } from './steps.js';

const path = z.string().min(1);
const id = z.number().int().min(0);
const service = z.string().min(1);

/** A runbook step as persisted in a job's parameters (JSON); the drivers validate values further. */
export const RunbookStepSchema = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('ensure-dir'),
    path,
    owner: id,
    group: id,
    mode: id,
    setgid: z.boolean().optional(),
  }),
  z.object({
    type: z.literal('ensure-owner-recursive'),
    path,
    owner: id,
    group: id,
    setgidDirs: z.boolean(),
  }),
  z.object({ type: z.literal('empty-dir'), path, entries: z.array(z.string()) }),
  z.object({ type: z.literal('ensure-line'), path, line: z.string() }),
  z.object({ type: z.literal('reload-exports'), exportsFile: path }),
  z.object({ type: z.literal('ensure-service'), service }),
  z.object({ type: z.literal('stop-service'), service }),
  z.object({ type: z.literal('allow-firewall-service'), service }),
  z.object({ type: z.literal('selinux-permissive') }),
  z.object({ type: z.literal('install-key'), path, key: z.string() }),
  z.object({
    type: z.literal('download'),
    url: z.string(),
    address: z.string(),
    sizeBytes: z.number().int().positive(),
    maxSeconds: z.number().int().positive(),
    path,
    iso9660: z.boolean().optional(),
    sha256: z.string().optional(),
    owner: id.optional(),
    group: id.optional(),
    mode: id.optional(),
  }),
  z.object({ type: z.literal('remove-file'), path }),
  z.object({ type: z.literal('check-mount'), path, minFreeBytes: id }),
]) satisfies z.ZodType<RunbookStep>;

export const RunbookApplyParamsSchema = z.object({
  machine: z.string().min(1),
  step: RunbookStepSchema,
  /** The step's timeout (the same as its StepSpec's), enforced on the machine too. */
  timeoutMs: z.number().int().positive().optional(),
});
export type RunbookApplyParams = z.infer<typeof RunbookApplyParamsSchema>;

/** `runbook.apply`: one typed step on one machine through the lab's machine driver. */
export const runbookApplyStep = defineStep({
  kind: 'runbook.apply',
  params: RunbookApplyParamsSchema,
  run: (ctx, params) =>
    ctx.machines
      .apply(params.machine, params.step as RunbookStep, {
        signal: ctx.signal,
        output: (line) => ctx.output(line),
        timeoutMs: params.timeoutMs,
      })
      .catch((error: unknown) => {
        throw params.step.type === 'download' ? explainDownloadFailure(params.machine, error) : error;
      }),
});

/** A download whose checks failed says why in its message, from the line its script printed. */
function explainDownloadFailure(machine: string, error: unknown): unknown {
  if (!(error instanceof LabopsError)) return error;
  const line = error.details.findLast((d) => d.startsWith(DOWNLOAD_FAILED));
  if (line === undefined) return error;
  return new LabopsError(
    'CONFLICT',
    // The line the script printed on the machine, read back as the catalog's sentence.
    msg('jobs.download.failed', { machine, reason: describeDownloadFailure(line) }),
    {
      cause: error,
      details: error.detailTexts,
      hint: msg('jobs.download.failedHint', { command: verbatim('/iso upload') }),
    },
  );
}

const PreflightParams = z.object({
  machines: z.array(z.string().min(1)),
  mounted: z.array(z.string().min(1)),
  exported: z.array(z.string().min(1)),
  probeTimeoutMs: z.number().int().positive().optional(),
}) satisfies z.ZodType<PreflightSpec & { probeTimeoutMs?: number | undefined }>;

/**
 * `lab.preflight`, a job's first step: the plan's pre-flight again, since approval may come long
 * after the plan. Read-only: it reports ok, or fails with what is unreachable or wrong, so the job
 * stops before its first change.
 */
export const preflightStep = defineStep({
  kind: 'lab.preflight',
  params: PreflightParams,
  async run(ctx, params) {
    const probes = listPreflightProbes(ctx.lab.runbook, params);
    const report = await runPreflight(ctx.machines, probes, {
      signal: ctx.signal,
      probeTimeoutMs: params.probeTimeoutMs,
    });
    // The step's output, kept with its tail as machine output is: in English.
    for (const o of report.outcomes) {
      const title = renderEnglish(o.probe.title);
      const reason = o.reason === undefined ? '' : ` — ${renderEnglish(o.reason)}`;
      ctx.output(
        `${o.status === 'ok' ? 'ok' : o.status === 'failed' ? 'FAILED' : 'not checked'}: ${o.probe.machine}: ${title}${reason}`,
      );
    }
    if (!report.ok) throw toPreflightError(report, msg('jobs.preflight.failed'));
    return { status: 'ok', detail: msg('jobs.preflight.passed', { count: probes.length }) };
  },
});

/** The executor's step definitions for runbooks; `/lab reset` registers `lab.preflight` with its own steps. */
export const runbookSteps: StepDefinition[] = [runbookApplyStep];

/**
 * A runbook as a job's steps: each item a `runbook.apply` whose `shows` are its exact command
 * lines (prefixed with the machine), as approvers see them.
 */
export function toStepSpecs(items: readonly RunbookItem[], options: { timeoutMs?: number } = {}): StepSpec[] {
  return items.map((item) => ({
    kind: runbookApplyStep.kind,
    title: item.title,
    params: {
      machine: item.machine,
      step: item.step,
      ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
    },
    shows: renderStep(item.step).map((line) => verbatim(`${item.machine}# ${line}`)),
    timeoutMs: options.timeoutMs,
  }));
}
