import type { LabInfo } from '../../src/command.js';
import type { EngineClient } from '../../src/engine/engine-client.js';
import { readTargets } from '../../src/jobs/targets.js';
import type { SimRequestRecord, SimUpload } from '../../src/sim/types.js';
import {
  type ApprovalRecord,
  type AuditEvent,
  FINAL_JOB_STATUSES,
  type JobRecord,
  type JobStatus,
  type LockRecord,
  type StepRecord,
  type TargetChange,
} from '../../src/store/types.js';
import { APPROVERS } from './operations.js';
import { type SourceKind, sourceContent } from './sources.js';

/**
 * The invariants of issue 10 §8, each a function of what the store holds and what the simulator
 * shows. A violation names its invariant, so the shrinker can look for the same failure.
 */
export type InvariantName =
  /** A job started twice, or the engine received the same write twice from one job. */
  | 'job-ran-twice'
  /** A pending or approved card was not the same after a restart. */
  | 'card-lost-across-restart'
  /** A lock whose job is final, or an active job without the locks of its plan. */
  | 'lock-outlives-job'
  /** A job recorded running (or left queued) with nothing running it. */
  | 'job-without-runner'
  /** At the end, after a clean stop, a job that is not final (or awaiting approval). */
  | 'job-not-final'
  /** A final job's steps do not tell one story (a step still running, a step after a failure). */
  | 'steps-inconsistent'
  /** An approval and its job disagree, or a card was approved by someone who may not. */
  | 'approval-inconsistent'
  /** A job cancelled by someone who is neither its requester nor an approver. */
  | 'cancel-by-outsider'
  /** A succeeded job did not leave the lab in the end state its plan named. */
  | 'end-state-mismatch'
  /** A job's report of what changed disagrees with the simulator, or claims less than it did. */
  | 'report-mismatch'
  /** labops did not answer, start or end in time. */
  | 'no-answer'
  /** A request, decision, expiry or result of a job that left no audit event (design.md, Approvals). */
  | 'audit-missing'
  /** An answer shows a value labops never turned into words: [object Object], undefined, NaN. */
  | 'garbled-text'
  /** A second labops started on a data directory another one owns. */
  | 'second-owner'
  /** A command or click failed with an internal error. */
  | 'internal-error';

export interface Violation {
  invariant: InvariantName;
  /** Index of the operation after which it was found (-1: at the end). */
  op: number;
  message: string;
}

const ACTIVE: readonly JobStatus[] = ['awaiting_approval', 'queued', 'running'];
const APPROVER_PRINCIPALS = APPROVERS.map((a) => `shell:${a}`);
/** States the simulator leaves by itself: a reading of one cannot be compared a moment later. */
const TRANSITIONAL =
  /preparing|migrat|powering|wait_for|locked|activating|detaching|installing|initializing|connecting|reboot|saving|restoring|unknown|finaliz|transferring|unassigned/;

export function isFinal(status: JobStatus): boolean {
  return FINAL_JOB_STATUSES.includes(status);
}

/** Every lock's job active; every active job holding the locks its plan named. */
export function checkLocks(jobs: readonly JobRecord[], locks: readonly LockRecord[]): string[] {
  const problems: string[] = [];
  const byId = new Map(jobs.map((j) => [j.id, j]));
  for (const lock of locks) {
    const job = byId.get(lock.jobId);
    if (!job) problems.push(`lock ${lock.key} is held by ${lock.jobId}, which does not exist`);
    else if (!ACTIVE.includes(job.status))
      problems.push(`lock ${lock.key} outlives its job ${job.id} (${job.status})`);
  }
  for (const job of jobs) {
    if (!ACTIVE.includes(job.status)) continue;
    const keys = planLocks(job);
    for (const key of keys) {
      const held = locks.find((l) => l.key === key);
      if (held?.jobId !== job.id)
        problems.push(
          `${job.id} (${job.status}, /${job.command}) does not hold its lock ${key}${held ? ` (${held.jobId} does)` : ''}`,
        );
    }
  }
  return problems;
}

export function planLocks(job: JobRecord): string[] {
  const locks = (job.plan as { locks?: unknown }).locks;
  return Array.isArray(locks) ? locks.filter((k): k is string => typeof k === 'string') : [];
}

/** A job and its approval tell the same story; an approved card was approved by those who may. */
export function checkApprovals(jobs: readonly JobRecord[], approvals: readonly ApprovalRecord[]): string[] {
  const problems: string[] = [];
  const byJob = new Map(approvals.map((a) => [a.jobId, a]));
  const expected: Record<ApprovalRecord['status'], readonly JobStatus[]> = {
    pending: ['awaiting_approval'],
    approved: ['queued', 'running', 'succeeded', 'failed', 'cancelled', 'interrupted'],
    denied: ['denied'],
    expired: ['expired'],
    void: ['void', 'cancelled'],
  };
  for (const job of jobs) {
    const approval = byJob.get(job.id);
    if (!approval) {
      problems.push(`${job.id} (${job.status}) has no approval`);
      continue;
    }
    if (!expected[approval.status].includes(job.status)) {
      problems.push(`${job.id} is ${job.status} but its approval ${approval.id} is ${approval.status}`);
    }
    if (approval.status !== 'approved') continue;
    const approvers = [
      ...new Set(approval.decisions.filter((d) => d.decision === 'approve').map((d) => d.principal)),
    ];
    if (approvers.length < approval.required)
      problems.push(`${approval.id} is approved by ${approvers.length} of ${approval.required}`);
    for (const who of approvers) {
      if (!approval.eligible.includes(who))
        problems.push(`${approval.id} was approved by ${who}, who is not eligible`);
      if (who === approval.requester && approval.risk !== 'change')
        problems.push(`${approval.id} (${approval.risk}) was approved by its own requester ${who}`);
    }
    if (approval.risk !== 'change' && approvers.some((p) => !APPROVER_PRINCIPALS.includes(p)))
      problems.push(
        `${approval.id} (${approval.risk}) was approved by a non-approver: ${approvers.join(', ')}`,
      );
  }
  return problems;
}

/** Only the requester, an approver, or labops itself stopping may cancel a job. */
export function checkCanceller(job: JobRecord): string | undefined {
  if (job.status !== 'cancelled') return undefined;
  const by = /Cancelled by ([^.]+)\./.exec(job.error ?? '')?.[1];
  if (by === undefined) return undefined;
  const allowed = [job.requester, ...APPROVER_PRINCIPALS, 'labops shutting down', 'kill'];
  return allowed.includes(by) ? undefined : `${job.id} was cancelled by ${by}, who may not cancel it`;
}

/** The steps of a final job tell one story, consistent with its status. */
export function checkSteps(job: JobRecord, steps: readonly StepRecord[], started: number): string[] {
  const problems: string[] = [];
  const statuses = steps.map((s) => s.status).join(',');
  const say = (what: string) =>
    problems.push(`${job.id} (${job.status}, /${job.command}): ${what} [${statuses}]`);
  if (started > 1) say(`started ${started} times`);
  if (!isFinal(job.status)) return problems;
  if (steps.some((s) => s.status === 'running')) say('a step is still running');
  const neverRan = ['denied', 'expired', 'void'].includes(job.status);
  if (neverRan) {
    if (started > 0) say('started although it was never approved');
    if (steps.some((s) => s.status !== 'pending')) say('a step ran although the job never started');
    return problems;
  }
  const done = (s: StepRecord) => s.status === 'ok' || s.status === 'changed';
  const firstOpen = steps.findIndex((s) => !done(s));
  const rest = firstOpen < 0 ? [] : steps.slice(firstOpen);
  switch (job.status) {
    case 'succeeded':
      if (started !== 1) say('succeeded without one start');
      if (rest.length) say('succeeded with a step that did not finish');
      break;
    case 'failed':
      // A job whose start the store refused fails before its first step (issue 10 §5).
      if (started === 0 && steps.every((s) => s.status === 'pending')) break;
      // A cancel that lands after the failure marks the steps left cancelled rather than skipped.
      if (
        !/^(failed|unknown)$/.test(rest[0]?.status ?? '') ||
        rest.slice(1).some((s) => s.status !== 'skipped' && s.status !== 'cancelled')
      )
        say('a failed job has ok/changed steps, one failed or unknown step, then skipped ones');
      break;
    case 'cancelled':
      if (started === 0) {
        if (steps.some((s) => s.status !== 'pending')) say('cancelled before it started, yet a step ran');
      } else if (rest.length === 0 || rest.some((s) => s.status !== 'cancelled' && s.status !== 'skipped'))
        say('a cancelled job has ok/changed steps, then cancelled ones');
      break;
    case 'interrupted':
      // The stop may come between a step's end and the job's: that step may say how it ended.
      if (rest.slice(1).some((s) => !['pending', 'skipped', 'cancelled'].includes(s.status)))
        say('an interrupted job ran a step after one that did not finish');
      break;
  }
  return problems;
}

/** The writes (2xx, not a login) the engine took from one job, by `METHOD path`. */
export function recordWrites(requests: Iterable<SimRequestRecord>, into: Map<string, string[]>): string[] {
  const touched: string[] = [];
  for (const r of requests) {
    if (r.method === 'GET' || r.status >= 300 || r.correlationId === undefined) continue;
    if (!r.url.includes('/ovirt-engine/api')) continue;
    if (!/^job-/.test(r.correlationId)) continue;
    const list = into.get(r.correlationId) ?? [];
    list.push(`${r.method} ${r.url.replace(/^.*\/ovirt-engine\/api/, '')}`);
    into.set(r.correlationId, list);
    touched.push(r.correlationId);
  }
  return touched;
}

/** The same write twice from one job: it ran twice (the upload's chunks go to imageio, not here). */
export function repeatedWrites(writes: readonly string[]): string[] {
  const seen = new Set<string>();
  const twice = new Set<string>();
  for (const w of writes) (seen.has(w) ? twice : seen).add(w);
  return [...twice];
}

/**
 * A job the engine took a write from never reports that nothing changed (issue 9 §5): its report
 * says a write was sent, or names what changed or is unknown.
 */
export function checkClaimsLess(job: JobRecord, writes: readonly string[]): string | undefined {
  if (writes.length === 0 || job.status === 'succeeded' || !isFinal(job.status)) return undefined;
  if (!job.startedAt && job.status !== 'interrupted')
    return `${job.id} (${job.status}) never started, yet the engine took ${writes.join(', ')} from it`;
  if (job.error?.includes('Nothing was changed'))
    return `${job.id} (${job.status}) says "Nothing was changed", but the engine took ${writes.join(', ')}`;
  const review = job.review;
  if (
    review?.changes &&
    review.wroteAt === undefined &&
    review.changes.every((c) => c.outcome === 'unchanged')
  )
    return `${job.id} (${job.status}) reports every target unchanged and no write sent, but the engine took ${writes.join(', ')}`;
  return undefined;
}

/** The job's targets read again, for comparison with its report (`compareReport`). */
export async function readReportTargets(
  observer: EngineClient,
  lab: LabInfo,
  job: JobRecord,
): Promise<Record<string, string> | string> {
  const read = await readTargets(observer, lab, planLocks(job), AbortSignal.timeout(10_000));
  return read.unreadable ?? read.states;
}

/** Each stable `to` of the report is what the simulator shows. */
export function compareReport(changes: readonly TargetChange[], now: Record<string, string>): string[] {
  const problems: string[] = [];
  for (const change of changes) {
    if (change.outcome === 'unknown' || change.to === undefined) continue;
    if (TRANSITIONAL.test(change.to)) continue;
    const actual = now[change.target] ?? (change.target.startsWith('machine ') ? undefined : 'absent');
    if (actual === undefined || TRANSITIONAL.test(actual)) continue;
    if (actual !== change.to)
      problems.push(
        `the report says ${change.target} is ${change.to} (${change.outcome}); the simulator shows ${actual}`,
      );
  }
  return problems;
}

const contentCache = new Map<SourceKind, { sizeBytes: number; sha256: string }>();

/**
 * What the simulator shows against the end state the succeeded job's plan named: problems in
 * words, none when it matches.
 */
export async function checkEndState(
  observer: EngineClient,
  lab: LabInfo,
  uploads: ReadonlyMap<string, SimUpload>,
  job: JobRecord,
): Promise<string[]> {
  const problems: string[] = [];
  const say = (what: string) => problems.push(`${job.id} /${job.command} ${job.text} succeeded, but ${what}`);
  const params = (kind: string) =>
    job.steps.find((s) => s.kind === kind)?.params as Record<string, unknown> | undefined;
  const dcDomains = async () => {
    const dc = await observer.findDataCenter(lab.dataCenter);
    return observer.listAttachedStorageDomains(dc.id);
  };
  switch (job.command) {
    case 'host maintenance': {
      const name = String(params('host.deactivate')?.hostName);
      const host = await observer.findHost(name);
      if (host.status !== 'maintenance') say(`${name} is ${host.status}`);
      const vms = await observer.listVms();
      const left = vms.filter((vm) => vm.hostId === host.id && vm.status !== 'down');
      if (left.length) say(`${left.map((v) => `${v.name} (${v.status})`).join(', ')} still on ${name}`);
      break;
    }
    case 'host activate': {
      const name = String(params('host.activate')?.hostName);
      const host = await observer.findHost(name);
      if (host.status !== 'up') say(`${name} is ${host.status}`);
      break;
    }
    case 'storage detach': {
      const name = String(params('storage.detach')?.domain);
      const attached = (await dcDomains()).find((d) => d.name === name);
      if (attached) say(`${name} is still attached (${attached.status})`);
      break;
    }
    case 'storage attach': {
      const name = String(params('storage.ensure-active')?.domain);
      const attached = (await dcDomains()).find((d) => d.name === name);
      if (attached?.status !== 'active') say(`${name} is ${attached?.status ?? 'not attached'}`);
      break;
    }
    case 'storage remove': {
      const name = String(params('storage.remove')?.domain);
      if ((await observer.listStorageDomains()).some((d) => d.name === name)) say(`${name} still exists`);
      break;
    }
    case 'iso upload': {
      const p = params('iso.upload');
      if (!p) break;
      const name = String(p.name);
      const domain = (await observer.listStorageDomains()).find((d) => d.name === p.domain);
      if (!domain) {
        say(`its domain ${String(p.domain)} is gone`);
        break;
      }
      if (domain.type === 'iso') break;
      const disks = (await observer.listStorageDomainDisks(domain.id)).filter((d) => d.name === name);
      const disk = disks.find((d) => d.status === 'ok');
      if (!disk) {
        say(`${domain.name} has no ok disk ${name} (${disks.map((d) => d.status).join(', ') || 'none'})`);
        break;
      }
      const kind = new URL(String(p.url)).pathname.split('/')[1] as SourceKind;
      let want = contentCache.get(kind);
      if (!want) {
        want = sourceContent(kind);
        contentCache.set(kind, want);
      }
      const upload = [...uploads.values()].filter((u) => u.diskId === disk.id).pop();
      if (!upload) say(`imageio received nothing for ${name}`);
      else if (upload.highWater !== want.sizeBytes || upload.sha256 !== want.sha256)
        say(
          `imageio holds ${upload.highWater} bytes (sha256 ${upload.sha256?.slice(0, 12) ?? 'unknown'}) for ${name}; the source has ${want.sizeBytes} (${want.sha256.slice(0, 12)})`,
        );
      break;
    }
    case 'iso attach': {
      const change = params('vm.change-cd');
      if (!change) break;
      const vm = await observer.findVm(String(change.vm));
      const views = Array.isArray(change.views) ? (change.views as string[]) : ['saved'];
      for (const view of views) {
        const file = await observer.getCdromFile(vm.id, { current: view === 'current' });
        if (file !== change.fileId)
          say(`${vm.name}'s CD (${view}) holds ${file ?? 'nothing'}, not ${String(change.fileId)}`);
      }
      break;
    }
    case 'iso remove': {
      const removal = params('iso.remove-disk');
      if (!removal) break;
      const disk = await observer.getDisk(String(removal.diskId));
      if (disk) say(`disk ${String(removal.name)} (${disk.id}) is still there (${disk.status})`);
      break;
    }
  }
  return problems;
}

/** The audit's job:started events by job. */
export function countStarts(events: readonly AuditEvent[], into: Map<string, number>): void {
  for (const e of events) {
    if (e.type === 'job:started' && e.jobId) into.set(e.jobId, (into.get(e.jobId) ?? 0) + 1);
  }
}

/**
 * "Every request, approval, denial, expiry, step and result is an audit event" (design.md): a job
 * that nothing runs any more has its request and its end in the audit trail (`has`: the types of
 * its events).
 */
export function checkAudit(
  job: JobRecord,
  approval: ApprovalRecord | undefined,
  has: ReadonlySet<string>,
): string | undefined {
  const want = ['approval:requested'];
  if (approval?.status === 'approved') want.push('approval:granted');
  switch (job.status) {
    case 'denied':
      want.push('approval:denied');
      break;
    case 'expired':
      want.push('approval:expired');
      break;
    case 'void':
      want.push('approval:voided');
      break;
    case 'cancelled':
      want.push(...(job.startedAt ? ['job:started'] : []), 'job:cancelled');
      break;
    case 'succeeded':
      want.push('job:started', 'job:succeeded');
      break;
    case 'failed':
      want.push(...(job.startedAt ? ['job:started'] : []), 'job:failed');
      break;
    case 'interrupted':
      want.push('job:interrupted');
      break;
  }
  const missing = [...new Set(want)].filter((t) => !has.has(t));
  if (missing.length === 0) return undefined;
  return `${job.id} (${job.status}, /${job.command} ${job.text}) has no ${missing.join(', ')} in the audit trail (it has ${[...has].join(', ') || 'nothing'})`;
}

/**
 * What makes two violations the same failure for the shrinker: the invariant, and for a missing
 * audit event which event is missing (an expiry lost at a restart is another bug than a job's end).
 */
export function violationKind(violation: Violation): string {
  const missing = /has no (.+?) in the audit trail/.exec(violation.message)?.[1];
  return missing ? `${violation.invariant}: ${missing}` : violation.invariant;
}

/** Words in an answer that show a value never turned into text. */
export function findGarbled(text: string): string | undefined {
  return /\[object Object\]|\bundefined\b|\bNaN\b/.exec(text)?.[0];
}
