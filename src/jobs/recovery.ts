import { renderEnglish } from '../i18n/render.js';
import { list, msg } from '../i18n/text.js';
import type { Logger } from '../log.js';
import {
  INTERRUPTED_JOB_TEXT,
  type JobRecord,
  type RecoveryReport,
  type StepRecord,
  type Store,
} from '../store/types.js';
import type { Clock } from '../time.js';
import type { EventBus } from './events.js';
import type { JobExecutor } from './executor.js';
import { describeTargets, type MachineWrites } from './targets.js';
import { joinSentences } from './texts.js';

export interface RecoverJobsOptions {
  store: Store;
  executor: JobExecutor;
  bus: EventBus;
  clock: Clock;
  logger: Logger;
  /**
   * What the store's recovery already found, when one recovery serves several labs (src/labs.ts):
   * these jobs are reviewed, and the store is not asked again.
   */
  report?: RecoveryReport | undefined;
}

/**
 * After a restart: interrupted jobs, approvals still pending, approvals that expired meanwhile,
 * each end audited. The targets of each interrupted job are re-read in the background
 * (`reviewed`): the job's thread and `/lab jobs` then say what it changed before labops stopped.
 */
export async function recoverJobs(options: RecoverJobsOptions): Promise<{
  report: RecoveryReport;
  reviewed: Promise<void>;
}> {
  const { store, clock, logger } = options;
  // Interrupted jobs and cards that expired while labops was down, each end audited, in one
  // store operation.
  const report = options.report ?? (await store.recover(clock()));
  const reviewed = reviewInterrupted(options, report.interrupted).catch((error: unknown) => {
    logger.error({ err: error }, 'could not review the interrupted jobs');
  });
  return { report, reviewed };
}

async function reviewInterrupted(options: RecoverJobsOptions, jobs: readonly JobRecord[]): Promise<void> {
  const { store, clock, bus, executor } = options;
  for (const job of jobs) {
    // A job that never started (queued) touched nothing: its report already says so.
    if (job.startedAt === undefined && job.review === undefined) continue;
    const review = job.review ?? {};
    if (job.plan.across) {
      await reviewAcross(options, job);
      continue;
    }
    const wrote = review.wroteAt !== undefined;
    const changes = await executor.reviewTargets(job, review, {
      wrote,
      machines: machineWritesOf(await store.listSteps(job.id), job),
    });
    const summary = msg('jobs.recovery.reread', { targets: describeTargets(changes, wrote) });
    const updated = await store.setJobReview(
      job.id,
      { ...review, changes, reviewedAt: clock() },
      { error: joinSentences([INTERRUPTED_JOB_TEXT, summary]), auditAt: clock() },
    );
    bus.emit({
      type: 'job:reviewed',
      job: updated,
      summary: renderEnglish(summary),
      summaryText: summary,
    });
  }
}

/**
 * An interrupted job across labs changed nothing itself: each lab's part is a job of its lab,
 * interrupted and re-read there. Its report names them (issue 13 §3).
 */
async function reviewAcross(options: RecoverJobsOptions, job: JobRecord): Promise<void> {
  const { store, clock, bus } = options;
  const order = job.plan.across?.labs ?? [];
  const parts = (await store.listJobs({ limit: 1000 }))
    .filter((j) => j.args.parent === job.id)
    .sort((a, b) => order.indexOf(a.lab) - order.indexOf(b.lab));
  const summary = parts.length
    ? msg('jobs.recovery.across', {
        jobs: list(parts.map((p) => msg('jobs.recovery.acrossPart', { job: p.id, lab: p.lab }))),
      })
    : msg('jobs.across.noneRan');
  const updated = await store.setJobReview(
    job.id,
    { ...(job.review ?? {}), changes: [], reviewedAt: clock() },
    { error: joinSentences([INTERRUPTED_JOB_TEXT, summary]), auditAt: clock() },
  );
  bus.emit({ type: 'job:reviewed', job: updated, summary: renderEnglish(summary), summaryText: summary });
}

/**
 * What the runbook steps of an interrupted job did on each machine, from their records: a step
 * that reported changed changed its machine; one left running (now unknown) may have.
 */
function machineWritesOf(steps: readonly StepRecord[], job: JobRecord): Map<string, MachineWrites> {
  const writes = new Map<string, MachineWrites>();
  for (const step of steps) {
    const machine = job.steps[step.index]?.params.machine;
    if (step.kind !== 'runbook.apply' || typeof machine !== 'string') continue;
    const log = writes.get(machine) ?? { changed: [], uncertain: [] };
    const title = step.titleText;
    if (step.status === 'changed') log.changed.push(title);
    if (step.status === 'unknown' || step.status === 'running') {
      const error =
        step.detailText === undefined ? msg('jobs.recovery.stoppedWhileRunning') : step.detailText;
      log.uncertain.push(msg('jobs.note.stepError', { title, error }));
    }
    writes.set(machine, log);
  }
  return writes;
}
