import { getApprovers, isApprover, type Policy } from '../approvals/policy.js';
import type { JobsPort } from './command.js';
import { LabopsError } from './errors.js';
import { renderEnglish } from './i18n/render.js';
import { type Message, msg, type Text, verbatim } from './i18n/text.js';
import type { EventBus } from './jobs/events.js';
import type { JobExecutor } from './jobs/executor.js';
import type { Logger } from './log.js';
import { cancelSchedule, listSchedules } from './schedules/manage.js';
import {
  isStoreUnavailable,
  type JobRecord,
  type JobStatus,
  STRANDED_JOB_TEXT,
  type Store,
} from './store/types.js';
import type { Clock } from './time.js';

export interface JobsPortOptions {
  store: Store;
  /** The lab whose jobs, approvals and audit trail the commands see. */
  lab: string;
  executor: JobExecutor;
  bus: EventBus;
  policy: Policy;
  clock: Clock;
  logger: Logger;
}

/**
 * The jobs side of labops as commands see it (`/lab jobs`, `/lab cancel`, `/lab audit`): reads of
 * the store, a cancel that stops a running job or closes a waiting one (or removes a schedule),
 * and jobs recorded as running that nothing runs marked interrupted on the way.
 */
export function createJobsPort(options: JobsPortOptions): JobsPort {
  const { store } = options;
  return {
    list: async ({ active, limit }) => {
      await interruptStrandedJobs(options, undefined);
      return store.listJobs({
        lab: options.lab,
        ...(active ? { statuses: ['awaiting_approval', 'queued', 'running'] as const } : {}),
        limit: limit ?? 10,
      });
    },
    // Another lab's job is no job here (issue 13 §2): its id means nothing in this lab.
    get: async (id) => {
      const job = await store.getJob(id);
      return job?.lab === options.lab ? job : undefined;
    },
    // A schedule's id (`sch-…`) cancels the schedule; any other is a job's.
    cancel: async (id, by, groups = []) =>
      (await cancelSchedule(options, id, by, groups)) ?? cancelJob(options, id, by, groups),
    schedules: async () =>
      (await listSchedules(store, options.lab)).map((s) => ({
        id: s.id,
        command: `/${s.command.split(' ')[0]} ${s.text}`.trim(),
        next: s.next,
        everyMs: s.everyMs,
        timeZone: s.timeZone,
        requester: s.requester,
        approvers: s.approvers,
      })),
    audit: async (limit) =>
      (await store.listAudit(limit, { lab: options.lab })).map((e) => ({
        at: e.at,
        type: e.type,
        actor: e.actor,
        jobId: e.jobId,
        summary: summarizeAudit(e.detail),
      })),
    pendingApprovals: async (limit) => {
      const pending = await store.listApprovals({
        lab: options.lab,
        statuses: ['pending'],
        ...(limit === undefined ? {} : { limit }),
      });
      return Promise.all(
        pending.map(async (a) => ({
          id: a.id,
          jobId: a.jobId,
          command: describeJobCommand(await store.getJob(a.jobId)),
          requester: a.requester,
          expiresAt: a.expiresAt,
        })),
      );
    },
  };
}

/**
 * Jobs recorded as running that nothing in this process runs — their runner ended without
 * recording the end (issue 10 §5). This process owns the data directory (main.ts locks it before
 * opening the store), so no other live labops runs them either: each is marked interrupted with
 * the reason, its running steps unknown and its locks released. `only` names one job (`/lab
 * cancel`), whose store failure is thrown; for a listing it is best effort and quiet.
 */
async function interruptStrandedJobs(
  options: JobsPortOptions,
  only: string | undefined,
): Promise<JobRecord[]> {
  const { store, clock, logger, executor, bus } = options;
  const interrupted: JobRecord[] = [];
  // This lab's only: another lab's jobs are run by another lab's executor.
  const stranded = (await store.listJobs({ lab: options.lab, statuses: ['running'] })).filter(
    (job) => (only === undefined || job.id === only) && !executor.isRunning(job.id),
  );
  for (const job of stranded) {
    try {
      const ended = await store.interruptJob(job.id, STRANDED_JOB_TEXT, clock());
      if (!ended) continue;
      interrupted.push(ended);
      logger.warn({ jobId: job.id }, 'a job recorded as running had no runner: marked interrupted');
      bus.emit({ type: 'job:finished', job: ended, steps: await store.listSteps(job.id) });
    } catch (error) {
      if (only !== undefined || !isStoreUnavailable(error)) throw error;
      break;
    }
  }
  return interrupted;
}

async function cancelJob(
  options: JobsPortOptions,
  id: string,
  by: string,
  groups: readonly string[],
): Promise<Text> {
  const { store, clock, executor, bus } = options;
  const job = await store.getJob(id);
  // Another lab's job is not found here, as an id never given: a team cannot stop another's work.
  if (!job || job.lab !== options.lab) {
    throw new LabopsError('NOT_FOUND', msg('jobs.error.noJob', { job: id }), {
      hint: msg('jobs.error.noJobHint', { command: verbatim('/lab jobs') }),
    });
  }
  if (job.requester !== by && !isApprover(getApprovers(options.policy, job.command), by, groups)) {
    throw new LabopsError(
      'FORBIDDEN',
      msg('jobs.cancel.forbidden', { by, job: id, requester: job.requester }),
    );
  }
  if (executor.cancel(id, by)) {
    const failure = executor.isRecording(id) ? executor.unrecorded() : undefined;
    return failure
      ? msg('jobs.cancel.cancellingUnrecorded', { job: id, reason: failure.text })
      : msg('jobs.cancel.cancelling', { job: id });
  }
  if (job.status === 'running') {
    const [interrupted] = await interruptStrandedJobs(options, id);
    if (interrupted) return msg('jobs.cancel.stranded', { job: id });
  }
  if (job.status === 'awaiting_approval' || job.status === 'queued') {
    // The job, its card, its locks and the audit event change in one store operation.
    const cancelled = await store.cancelWaitingJob(id, by, clock(), msg('jobs.cancel.by', { by }));
    // The card must lose its buttons wherever it is shown: announce it like any void card.
    if (cancelled?.approval) {
      const change = msg('jobs.cancel.cardVoid', { by });
      bus.emit({
        type: 'approval:voided',
        approval: cancelled.approval,
        job: cancelled.job,
        changes: [renderEnglish(change)],
        changeTexts: [change],
      });
    }
    if (cancelled) return msg('jobs.cancel.waiting', { job: id });
    const now = await store.getJob(id);
    throw new LabopsError(
      'CONFLICT',
      now
        ? msg('jobs.cancel.nothing', { job: id, status: describeJobStatus(now.status) })
        : msg('jobs.cancel.gone', { job: id }),
    );
  }
  throw new LabopsError(
    'CONFLICT',
    msg('jobs.cancel.nothing', { job: id, status: describeJobStatus(job.status) }),
  );
}

const JOB_STATUSES: Readonly<Record<JobStatus, Message>> = {
  awaiting_approval: msg('jobs.status.awaitingApproval'),
  queued: msg('jobs.status.queued'),
  running: msg('jobs.status.running'),
  succeeded: msg('jobs.status.succeeded'),
  failed: msg('jobs.status.failed'),
  cancelled: msg('jobs.status.cancelled'),
  interrupted: msg('jobs.status.interrupted'),
  denied: msg('jobs.status.denied'),
  expired: msg('jobs.status.expired'),
  void: msg('jobs.status.void'),
};

/** A job's status as words in the reader's language: `awaiting approval` — 승인 대기. */
export function describeJobStatus(status: JobStatus): Message {
  return JOB_STATUSES[status];
}

/** `host maintenance hyper1`: the command as typed, without the slash. */
export function describeJobCommand(job: JobRecord | undefined): string {
  if (!job) return '?';
  return `${job.command.split(' ')[0]} ${job.text}`.trim();
}

function summarizeAudit(detail: Record<string, unknown>): string {
  const parts: string[] = [];
  // `text` is what followed the slash command, so it starts with the sub-command itself:
  // `/host` + `maintenance hyper1`, not `/host maintenance` + `maintenance hyper1` (issue 10 §7).
  if (typeof detail.command === 'string') {
    const text = typeof detail.text === 'string' ? detail.text.trim() : '';
    parts.push(text ? `/${detail.command.split(' ')[0]} ${text}` : `/${detail.command}`);
  }
  if (typeof detail.title === 'string') parts.push(`${detail.title}: ${String(detail.status)}`);
  if (typeof detail.reason === 'string') parts.push(detail.reason);
  if (typeof detail.error === 'string') parts.push(detail.error);
  // A void's changes are words; a job's re-read is a list of targets (src/jobs/targets.ts).
  if (Array.isArray(detail.changes)) parts.push(detail.changes.map(describeAuditChange).join('; '));
  return parts.join(' ').slice(0, 160);
}

function describeAuditChange(change: unknown): string {
  if (typeof change === 'string') return change;
  const c = (change ?? {}) as { target?: unknown; outcome?: unknown; from?: unknown; to?: unknown };
  const target = typeof c.target === 'string' ? c.target : '?';
  if (c.outcome === 'changed' && typeof c.from === 'string' && typeof c.to === 'string') {
    return `${target} ${c.from} → ${c.to}`;
  }
  return `${target} ${typeof c.outcome === 'string' ? c.outcome : ''}`.trim();
}
