import { LabopsError } from '../errors.js';
import { renderEnglish } from '../i18n/render.js';
import { msg, type Text } from '../i18n/text.js';
import type { Statements } from './sqlite-statements.js';
import { toApprovalRecord, toJobRecord, toLockRecord, toTextColumns } from './store-rows.js';
import {
  type ApprovalRecord,
  countApprovals,
  type DecisionResult,
  FINAL_JOB_STATUSES,
  INTERRUPTED_JOB_TEXT,
  type JobAndApproval,
  type JobClaim,
  type JobEnd,
  type JobLease,
  type JobRecord,
  type JobStatus,
  type LockRecord,
  type NewJob,
  type Proposal,
  type ProposeResult,
  type QueuedJob,
  type RecoveryReport,
} from './types.js';

/** The detail of a step that `recover` or an interruption found running, as a reader sees it and in English. */
export const UNKNOWN_STEP_TEXT = msg('jobs.error.unknownStep');
export const UNKNOWN_STEP_DETAIL = renderEnglish(UNKNOWN_STEP_TEXT);
const UNKNOWN_STEP_JSON = JSON.stringify(UNKNOWN_STEP_TEXT);

/**
 * The SQLite store's lifecycle (design.md "Approvals", "Locks"): each method is the body of one
 * IMMEDIATE transaction that the store runs (`SqliteStore.write`), and changes the approval, the
 * job, the locks and the audit trail together. Whenever a job reaches a final status its locks
 * are released in the same transaction.
 */
export class LifecycleTx {
  constructor(private readonly sql: Statements) {}

  proposeJob(proposal: Proposal): ProposeResult {
    const { job, approval } = proposal;
    const held = this.findConflictingLock(job.lab, proposal.locks, job.id);
    if (held) return { ok: false, heldBy: held };
    if (this.sql.getJob.get(job.id)) {
      throw new LabopsError('CONFLICT', msg('jobs.store.jobExists', { job: job.id }));
    }
    this.insertJob(job);
    for (const key of new Set(proposal.locks)) {
      this.sql.insertLock.run({ lab: job.lab, key, jobId: job.id, holder: job.requester, at: job.createdAt });
    }
    const approvalId = approval.id ?? this.nextApprovalId();
    if (this.sql.getApproval.get(approvalId)) {
      throw new LabopsError('CONFLICT', msg('jobs.store.approvalExists', { id: approvalId }));
    }
    this.sql.insertApproval.run({
      id: approvalId,
      jobId: job.id,
      risk: job.risk,
      required: approval.required,
      eligible: JSON.stringify(approval.eligible),
      requester: job.requester,
      createdAt: job.createdAt,
      expiresAt: approval.expiresAt,
      fingerprint: approval.fingerprint,
      fingerprintState: JSON.stringify(approval.fingerprintState),
    });
    this.audit(
      job.createdAt,
      'approval:requested',
      job.requester,
      job.id,
      approvalId,
      proposal.audit,
      job.lab,
    );
    return { ok: true, job: this.mustReadJob(job.id), approval: this.mustReadApproval(approvalId) };
  }

  queueJob(queued: QueuedJob): ProposeResult {
    const { job } = queued;
    const held = this.findConflictingLock(job.lab, queued.locks, job.id);
    if (held) return { ok: false, heldBy: held };
    if (this.sql.getJob.get(job.id)) {
      throw new LabopsError('CONFLICT', msg('jobs.store.jobExists', { job: job.id }));
    }
    this.insertJob(job, 'queued');
    for (const key of new Set(queued.locks)) {
      this.sql.insertLock.run({ lab: job.lab, key, jobId: job.id, holder: job.requester, at: job.createdAt });
    }
    this.audit(job.createdAt, 'job:queued', job.requester, job.id, queued.approvalId, queued.audit, job.lab);
    return { ok: true, job: this.mustReadJob(job.id), approval: this.mustReadApproval(queued.approvalId) };
  }

  decideApproval(id: string, principal: string, decision: 'approve' | 'deny', now: number): DecisionResult {
    const approval = this.readApproval(id);
    if (approval === undefined) return refuse('not-found', undefined);
    if (approval.status === 'pending' && now >= approval.expiresAt) {
      const expired = this.expire(approval, now, {});
      return { ...refuse('expired', expired.approval), job: expired.job };
    }
    if (approval.status !== 'pending') return refuse('not-pending', approval);
    if (approval.decisions.some((d) => d.principal === principal)) return refuse('repeated', approval);

    const isRequester = principal === approval.requester;
    const isEligible = approval.eligible.includes(principal);
    let becameFinal: boolean;
    if (decision === 'deny') {
      // The requester may always withdraw their own request.
      if (!isEligible && !isRequester) return refuse('not-eligible', approval);
      this.sql.insertDecision.run({ approvalId: id, principal, decision, at: now });
      this.sql.closeApproval.run({ id, to: 'denied', at: now });
      this.moveJob(approval.jobId, ['awaiting_approval'], 'denied', now);
      becameFinal = true;
    } else {
      if (isRequester && approval.risk !== 'change') return refuse('self-approval', approval);
      if (!isEligible) return refuse('not-eligible', approval);
      this.sql.insertDecision.run({ approvalId: id, principal, decision, at: now });
      becameFinal = (this.sql.countApprovers.get(id) ?? 0) >= approval.required;
      if (becameFinal) {
        this.sql.closeApproval.run({ id, to: 'approved', at: now });
        this.moveJob(approval.jobId, ['awaiting_approval'], 'queued', now);
      }
    }
    const recorded = this.mustReadApproval(id);
    this.audit(
      now,
      decision === 'approve' ? 'approval:granted' : 'approval:denied',
      principal,
      recorded.jobId,
      id,
      { risk: recorded.risk, approvals: countApprovals(recorded), required: recorded.required },
    );
    return { outcome: 'recorded', approval: recorded, job: this.mustReadJob(recorded.jobId), becameFinal };
  }

  voidApproval(
    id: string,
    void_: { reason: Text; changes: readonly Text[]; actor: string; at: number },
  ): JobAndApproval | undefined {
    const approval = this.readApproval(id);
    if (approval === undefined || approval.status !== 'pending') return undefined;
    this.sql.closeApproval.run({ id, to: 'void', at: void_.at });
    this.moveJob(approval.jobId, ['awaiting_approval'], 'void', void_.at, void_.reason);
    // The audit trail stays English.
    this.audit(void_.at, 'approval:voided', void_.actor, approval.jobId, id, {
      changes: void_.changes.map((change) => renderEnglish(change)),
    });
    return { approval: this.mustReadApproval(id), job: this.mustReadJob(approval.jobId) };
  }

  expireApproval(id: string, at: number, detail: Record<string, unknown> = {}): JobAndApproval | undefined {
    const approval = this.readApproval(id);
    if (approval === undefined || approval.status !== 'pending' || at < approval.expiresAt) return undefined;
    return this.expire(approval, at, detail);
  }

  cancelWaitingJob(
    id: string,
    by: string,
    at: number,
    reason: Text = msg('jobs.cancel.by', { by }),
  ): { job: JobRecord; approval: ApprovalRecord | undefined } | undefined {
    if (!this.moveJob(id, ['awaiting_approval', 'queued'], 'cancelled', at, reason)) {
      return undefined;
    }
    const card = this.sql.getApprovalForJob.get(id);
    if (card) this.sql.closeApproval.run({ id: card.id, to: 'void', at });
    this.audit(at, 'job:cancelled', by, id, card?.id, {});
    return { job: this.mustReadJob(id), approval: card && this.readApproval(card.id) };
  }

  startJob(id: string, at: number, claim?: JobClaim): JobRecord | undefined {
    if (!this.moveJob(id, ['queued'], 'running', at)) return undefined;
    if (claim) this.sql.claimJob.run({ id, replica: claim.replica, until: at + claim.leaseMs });
    this.audit(at, 'job:started', 'labops', id, undefined, claim ? { replica: claim.replica } : {});
    return this.mustReadJob(id);
  }

  /** Throws LEASE_LOST unless the job is running under `fence` (a write of its progress made under it). */
  checkFence(id: string, fence: JobLease | undefined): void {
    if (fence && !this.sql.holdsLease.get({ id, replica: fence.replica, epoch: fence.epoch })) {
      throw leaseLost(id, fence.replica);
    }
  }

  renewLeases(replica: string, ids: readonly string[], until: number): string[] {
    return ids.filter((id) => this.sql.renewLease.run({ id, replica, until }).changes > 0);
  }

  interruptExpired(reason: Text, at: number): JobRecord[] {
    return this.sql.expiredLeases.all({ at }).flatMap((row) => this.interruptJob(row.id, reason, at) ?? []);
  }

  endJob(id: string, end: JobEnd): JobRecord | undefined {
    this.checkFence(id, end.fence);
    if (!this.moveJob(id, end.from, end.to, end.at, end.error)) return undefined;
    const ended = this.mustReadJob(id);
    this.audit(end.at, `job:${end.to}`, 'labops', id, undefined, ended.error ? { error: ended.error } : {});
    return ended;
  }

  interruptJob(id: string, reason: Text, at: number): JobRecord | undefined {
    if (!this.moveJob(id, ['running'], 'interrupted', at, reason)) return undefined;
    this.markRunningStepsUnknown(id);
    const ended = this.mustReadJob(id);
    this.audit(at, 'job:interrupted', 'labops', id, undefined, { error: ended.error });
    return ended;
  }

  /** Also releases locks whose job does not exist: nothing can still be creating it after a restart. */

  recover(now: number): RecoveryReport {
    const stale = this.sql.listJobs.all({
      lab: null,
      statuses: ['running', 'queued'],
      limit: null,
    });
    const interrupted: JobRecord[] = [];
    for (const job of stale) {
      this.moveJob(job.id, ['running', 'queued'], 'interrupted', now, INTERRUPTED_JOB_TEXT);
      this.markRunningStepsUnknown(job.id);
      const ended = this.mustReadJob(job.id);
      this.audit(now, 'job:interrupted', 'labops', job.id, undefined, { error: ended.error });
      interrupted.push(ended);
    }
    const pending: ApprovalRecord[] = [];
    const expired: ApprovalRecord[] = [];
    const open = this.sql.listApprovals.all({ lab: null, statuses: ['pending'], limit: null });
    for (const row of open.reverse()) {
      const approval = toApprovalRecord(row, this.sql.listDecisions.all(row.id));
      if (now >= approval.expiresAt) {
        // Audited as the expiry sweep does it, noting that labops was down.
        expired.push(this.expire(approval, now, { while: 'labops was stopped' }).approval);
      } else {
        pending.push(approval);
      }
    }
    this.sql.releaseStaleLocks.run({ final: JSON.stringify(FINAL_JOB_STATUSES) });
    return { interrupted, pending, expired };
  }

  private markRunningStepsUnknown(jobId: string): void {
    this.sql.markRunningStepsUnknown.run({
      jobId,
      detail: UNKNOWN_STEP_DETAIL,
      detailText: UNKNOWN_STEP_JSON,
    });
  }

  private insertJob(job: Omit<NewJob, 'status'>, status: NewJob['status'] = 'awaiting_approval'): void {
    this.sql.insertJob.run({
      id: job.id,
      lab: job.lab,
      command: job.command,
      text: job.text,
      args: JSON.stringify(job.args),
      requester: job.requester,
      channel: job.channel,
      risk: job.risk,
      plan: JSON.stringify(job.plan),
      status,
      createdAt: job.createdAt,
    });
    job.steps.forEach((step, index) => {
      const title = toTextColumns(step.title);
      this.sql.insertStep.run({
        jobId: job.id,
        index,
        kind: step.kind,
        title: title.english ?? '',
        titleText: title.json,
        params: JSON.stringify(step.params),
        shows: step.shows === undefined ? null : JSON.stringify(step.shows),
        timeoutMs: step.timeoutMs ?? null,
      });
    });
  }

  /**
   * The lock of `lab` that keeps `jobId` from taking `keys` there: a key held by another job, any
   * lock of the lab when the job wants the whole lab, or the lab's lab lock itself (design.md,
   * Locks). Another lab's locks never conflict.
   */
  private findConflictingLock(lab: string, keys: readonly string[], jobId: string): LockRecord | undefined {
    const wantsLab = keys.includes('lab');
    const row = this.sql.listLocks
      .all({ lab })
      .find((l) => l.job_id !== jobId && (keys.includes(l.key) || l.key === 'lab' || wantsLab));
    return row && toLockRecord(row);
  }

  /** Next short approval id (`a1`, `a2`, …), skipping numbers a hand-picked id already took. */
  private nextApprovalId(): string {
    for (;;) {
      const id = `a${this.sql.nextApprovalNumber.get()}`;
      if (!this.sql.getApproval.get(id)) return id;
    }
  }

  private expire(approval: ApprovalRecord, at: number, detail: Record<string, unknown>): JobAndApproval {
    this.sql.closeApproval.run({ id: approval.id, to: 'expired', at });
    this.moveJob(approval.jobId, ['awaiting_approval'], 'expired', at);
    this.audit(at, 'approval:expired', 'labops', approval.jobId, approval.id, detail);
    return { approval: this.mustReadApproval(approval.id), job: this.mustReadJob(approval.jobId) };
  }

  /**
   * Appends an audit row; its lab is `lab`, else the lab of `jobId`'s job (every lifecycle event
   * is its job's lab's), else none (an event of the whole bot). Answers its seq and lab.
   */
  audit(
    at: number,
    type: string,
    actor: string,
    jobId: string | undefined,
    approvalId: string | undefined,
    detail: Record<string, unknown> | undefined,
    lab?: string | undefined,
  ): { seq: number; lab: string | undefined } {
    // INSERT … RETURNING answers the row it wrote.
    const row = this.sql.insertAudit.get({
      at,
      lab: lab ?? null,
      type,
      actor,
      jobId: jobId ?? null,
      approvalId: approvalId ?? null,
      detail: JSON.stringify(detail ?? {}),
    })!;
    return { seq: row.seq, lab: row.lab ?? undefined };
  }

  readJob(id: string): JobRecord | undefined {
    const row = this.sql.getJob.get(id);
    return row && toJobRecord(row, this.sql.listSteps.all(id));
  }

  /** A job the transaction has just written or found: missing, the store is broken. */
  mustReadJob(id: string): JobRecord {
    const job = this.readJob(id);
    if (!job) throw new LabopsError('INTERNAL', msg('jobs.store.jobVanished', { job: id }));
    return job;
  }

  readApproval(id: string): ApprovalRecord | undefined {
    const row = this.sql.getApproval.get(id);
    return row && toApprovalRecord(row, this.sql.listDecisions.all(id));
  }

  private mustReadApproval(id: string): ApprovalRecord {
    const approval = this.readApproval(id);
    if (!approval) throw new LabopsError('INTERNAL', msg('jobs.store.approvalVanished', { id }));
    return approval;
  }

  /** The compare-and-set behind every job move; call inside a transaction. A final move releases the locks. */
  private moveJob(id: string, from: readonly JobStatus[], to: JobStatus, at: number, error?: Text): boolean {
    const text = toTextColumns(error);
    const isFinal = FINAL_JOB_STATUSES.includes(to);
    const moved =
      this.sql.moveJob.run({
        id,
        from: JSON.stringify(from),
        to,
        at,
        isRunning: to === 'running' ? 1 : 0,
        isFinal: isFinal ? 1 : 0,
        error: text.english,
        errorText: text.json,
      }).changes === 1;
    if (moved && isFinal) this.sql.releaseLocks.run(id);
    return moved;
  }
}

function refuse(
  reason: Extract<DecisionResult, { outcome: 'refused' }>['reason'],
  approval: ApprovalRecord | undefined,
): DecisionResult {
  return { outcome: 'refused', reason, approval };
}

/** The refusal of a write made under a lease the job no longer runs under (issue 14 §2). */
export function leaseLost(jobId: string, replica: string): LabopsError {
  return new LabopsError('LEASE_LOST', msg('jobs.lease.lost', { job: jobId, replica }));
}
