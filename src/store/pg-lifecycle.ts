import { LabopsError } from '../errors.js';
import { renderEnglish } from '../i18n/render.js';
import { msg, type Text } from '../i18n/text.js';
import { QUEUED_GRACE_MS } from './pg-leases.js';
import type { PgStatements } from './pg-statements.js';
import { leaseLost, UNKNOWN_STEP_DETAIL, UNKNOWN_STEP_TEXT } from './sqlite-lifecycle.js';
import {
  type ApprovalRow,
  toApprovalRecord,
  toJobRecord,
  toLockRecord,
  toTextColumns,
} from './store-rows.js';
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

const UNKNOWN_STEP_JSON = JSON.stringify(UNKNOWN_STEP_TEXT);

/**
 * The PostgreSQL store's lifecycle: each method is the body of one transaction that the store runs
 * (`PgStore.transact`) on one connection, and answers exactly what the SQLite store's LifecycleTx
 * answers. Replicas share the database, so what SQLite gets from running one transaction at a time
 * is taken here with locks, always in this order so that two transactions never wait on each
 * other: the lab's advisory lock (proposing), the approval's row (every click, void, expiry and
 * cancel), the job's row (each move is a conditional UPDATE), then the approval counter's row.
 * A fenced write locks its job's row first; the lease sweep and recovery lock the rows of the jobs
 * they interrupt with SKIP LOCKED, so they never wait (a held row is alive). Whenever a job
 * reaches a final status its locks are released in the same transaction.
 */
export class PgLifecycleTx {
  constructor(private readonly sql: PgStatements) {}

  proposeJob(proposal: Proposal): Promise<ProposeResult> {
    return this.takeLocksAndInsert(proposal.job, proposal.locks, async () => {
      const { job, approval } = proposal;
      const approvalId = approval.id ?? (await this.nextApprovalId());
      if (await this.sql.getApproval(approvalId)) {
        throw new LabopsError('CONFLICT', msg('jobs.store.approvalExists', { id: approvalId }));
      }
      await this.sql.insertApproval({
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
      await this.audit(
        job.createdAt,
        'approval:requested',
        job.requester,
        job.id,
        approvalId,
        proposal.audit,
        job.lab,
      );
      return approvalId;
    });
  }

  queueJob(queued: QueuedJob): Promise<ProposeResult> {
    const { job } = queued;
    return this.takeLocksAndInsert(
      job,
      queued.locks,
      async () => {
        await this.audit(
          job.createdAt,
          'job:queued',
          job.requester,
          job.id,
          queued.approvalId,
          queued.audit,
          job.lab,
        );
        return queued.approvalId;
      },
      'queued',
    );
  }

  async decideApproval(
    id: string,
    principal: string,
    decision: 'approve' | 'deny',
    now: number,
  ): Promise<DecisionResult> {
    const approval = await this.lockApproval(id);
    if (approval === undefined) return refuse('not-found', undefined);
    if (approval.status === 'pending' && now >= approval.expiresAt) {
      const expired = await this.expire(approval, now, {});
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
      await this.sql.insertDecision(id, principal, decision, now);
      await this.sql.closeApproval(id, 'denied', now);
      await this.moveJob(approval.jobId, ['awaiting_approval'], 'denied', now);
      becameFinal = true;
    } else {
      if (isRequester && approval.risk !== 'change') return refuse('self-approval', approval);
      if (!isEligible) return refuse('not-eligible', approval);
      await this.sql.insertDecision(id, principal, decision, now);
      becameFinal = (await this.sql.countApprovers(id)) >= approval.required;
      if (becameFinal) {
        await this.sql.closeApproval(id, 'approved', now);
        await this.moveJob(approval.jobId, ['awaiting_approval'], 'queued', now);
      }
    }
    const recorded = await this.mustReadApproval(id);
    await this.audit(
      now,
      decision === 'approve' ? 'approval:granted' : 'approval:denied',
      principal,
      recorded.jobId,
      id,
      { risk: recorded.risk, approvals: countApprovals(recorded), required: recorded.required },
    );
    return {
      outcome: 'recorded',
      approval: recorded,
      job: await this.mustReadJob(recorded.jobId),
      becameFinal,
    };
  }

  async voidApproval(
    id: string,
    void_: { reason: Text; changes: readonly Text[]; actor: string; at: number },
  ): Promise<JobAndApproval | undefined> {
    const approval = await this.lockApproval(id);
    if (approval === undefined || approval.status !== 'pending') return undefined;
    await this.sql.closeApproval(id, 'void', void_.at);
    await this.moveJob(approval.jobId, ['awaiting_approval'], 'void', void_.at, void_.reason);
    // The audit trail stays English.
    await this.audit(void_.at, 'approval:voided', void_.actor, approval.jobId, id, {
      changes: void_.changes.map((change) => renderEnglish(change)),
    });
    return { approval: await this.mustReadApproval(id), job: await this.mustReadJob(approval.jobId) };
  }

  async expireApproval(
    id: string,
    at: number,
    detail: Record<string, unknown> = {},
  ): Promise<JobAndApproval | undefined> {
    const approval = await this.lockApproval(id);
    if (approval === undefined || approval.status !== 'pending' || at < approval.expiresAt) return undefined;
    return this.expire(approval, at, detail);
  }

  async cancelWaitingJob(
    id: string,
    by: string,
    at: number,
    reason: Text = msg('jobs.cancel.by', { by }),
  ): Promise<{ job: JobRecord; approval: ApprovalRecord | undefined } | undefined> {
    // The card first, as a click takes it, then the job.
    const card = await this.sql.getApprovalForJob(id, true);
    if (!(await this.moveJob(id, ['awaiting_approval', 'queued'], 'cancelled', at, reason))) {
      return undefined;
    }
    if (card) await this.sql.closeApproval(card.id, 'void', at);
    await this.audit(at, 'job:cancelled', by, id, card?.id, {});
    return { job: await this.mustReadJob(id), approval: card && (await this.readApproval(card.id)) };
  }

  /**
   * One conditional UPDATE … WHERE status = 'queued': of two replicas starting a job, one wins; with
   * `claim`, the same UPDATE gives it its lease, under a new epoch, from the database's clock.
   */
  async startJob(id: string, at: number, claim?: JobClaim): Promise<JobRecord | undefined> {
    if (!(await this.moveJob(id, ['queued'], 'running', at, undefined, claim))) return undefined;
    await this.audit(at, 'job:started', 'labops', id, undefined, claim ? { replica: claim.replica } : {});
    return this.mustReadJob(id);
  }

  async endJob(id: string, end: JobEnd): Promise<JobRecord | undefined> {
    if (end.fence) await this.holdLease(id, end.fence);
    if (!(await this.moveJob(id, end.from, end.to, end.at, end.error))) return undefined;
    const ended = await this.mustReadJob(id);
    await this.audit(
      end.at,
      `job:${end.to}`,
      'labops',
      id,
      undefined,
      ended.error ? { error: ended.error } : {},
    );
    return ended;
  }

  async interruptJob(id: string, reason: Text, at: number): Promise<JobRecord | undefined> {
    if (!(await this.moveJob(id, ['running'], 'interrupted', at, reason))) return undefined;
    await this.sql.markRunningStepsUnknown(id, UNKNOWN_STEP_DETAIL, UNKNOWN_STEP_JSON);
    const ended = await this.mustReadJob(id);
    await this.audit(at, 'job:interrupted', 'labops', id, undefined, { error: ended.error });
    return ended;
  }

  /**
   * Running jobs whose lease ran out by the database's clock, each interrupted as `interruptJob`
   * does it; a job another replica's sweep is interrupting at the same moment is left to it.
   */
  async interruptExpired(reason: Text, at: number): Promise<JobRecord[]> {
    const interrupted: JobRecord[] = [];
    for (const row of await this.sql.leases.lockExpired()) {
      const ended = await this.interruptJob(row.id, reason, at);
      if (ended) interrupted.push(ended);
    }
    return interrupted;
  }

  /** Locks the job's row while it runs under `fence` (until the transaction ends); LEASE_LOST otherwise. */
  async holdLease(id: string, fence: JobLease): Promise<void> {
    if (!(await this.sql.leases.lockHeld(id, fence))) throw leaseLost(id, fence.replica);
  }

  /**
   * Replicas share the database: only the jobs no live replica holds are interrupted (see
   * PgLeaseStatements.lockStranded). Also releases locks whose job does not exist: nothing can
   * still be creating it, as a job and its locks are written in one transaction.
   */
  async recover(now: number): Promise<RecoveryReport> {
    const stale = await this.sql.leases.lockStranded(now - QUEUED_GRACE_MS);
    const interrupted: JobRecord[] = [];
    for (const job of stale) {
      if (!(await this.moveJob(job.id, ['running', 'queued'], 'interrupted', now, INTERRUPTED_JOB_TEXT))) {
        continue;
      }
      await this.sql.markRunningStepsUnknown(job.id, UNKNOWN_STEP_DETAIL, UNKNOWN_STEP_JSON);
      const ended = await this.mustReadJob(job.id);
      await this.audit(now, 'job:interrupted', 'labops', job.id, undefined, { error: ended.error });
      interrupted.push(ended);
    }
    const pending: ApprovalRecord[] = [];
    const expired: ApprovalRecord[] = [];
    const open = await this.sql.listApprovals({ lab: null, statuses: ['pending'], limit: null });
    for (const row of open.reverse()) {
      // Read again under its lock: a click may have decided it since the list was read.
      const approval = await this.lockApproval(row.id);
      if (approval === undefined || approval.status !== 'pending') continue;
      if (now >= approval.expiresAt) {
        // Audited as the expiry sweep does it, noting that labops was down.
        expired.push((await this.expire(approval, now, { while: 'labops was stopped' })).approval);
      } else {
        pending.push(approval);
      }
    }
    await this.sql.releaseStaleLocks(FINAL_JOB_STATUSES);
    return { interrupted, pending, expired };
  }

  /**
   * Under the lab's advisory lock (held until the transaction ends, so a proposal on another
   * replica checks the locks only after this one's are in): refuses when a key is held, else
   * inserts the job and its locks and runs `rest`, which answers the approval to report.
   */
  private async takeLocksAndInsert(
    job: Omit<NewJob, 'status'>,
    locks: readonly string[],
    rest: () => Promise<string>,
    status: NewJob['status'] = 'awaiting_approval',
  ): Promise<ProposeResult> {
    await this.sql.lockLab(job.lab);
    const held = await this.findConflictingLock(job.lab, locks, job.id);
    if (held) return { ok: false, heldBy: held };
    if (await this.sql.getJob(job.id)) {
      throw new LabopsError('CONFLICT', msg('jobs.store.jobExists', { job: job.id }));
    }
    await this.insertJob(job, status);
    for (const key of new Set(locks)) {
      await this.sql.insertLock({
        lab: job.lab,
        key,
        jobId: job.id,
        holder: job.requester,
        at: job.createdAt,
      });
    }
    const approvalId = await rest();
    return {
      ok: true,
      job: await this.mustReadJob(job.id),
      approval: await this.mustReadApproval(approvalId),
    };
  }

  private async insertJob(job: Omit<NewJob, 'status'>, status: NewJob['status']): Promise<void> {
    // Everything is serialized before the first statement: a value JSON cannot hold writes nothing.
    const steps = job.steps.map((step, index) => {
      const title = toTextColumns(step.title);
      return {
        jobId: job.id,
        index,
        kind: step.kind,
        title: title.english ?? '',
        titleText: title.json,
        params: JSON.stringify(step.params),
        shows: step.shows === undefined ? null : JSON.stringify(step.shows),
        timeoutMs: step.timeoutMs ?? null,
      };
    });
    await this.sql.insertJob({
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
    for (const step of steps) await this.sql.insertStep(step);
  }

  /** As the SQLite store's: a key held by another job, any lock when `lab` is wanted, or the lab lock. */
  private async findConflictingLock(
    lab: string,
    keys: readonly string[],
    jobId: string,
  ): Promise<LockRecord | undefined> {
    const wantsLab = keys.includes('lab');
    const row = (await this.sql.listLocks(lab)).find(
      (l) => l.job_id !== jobId && (keys.includes(l.key) || l.key === 'lab' || wantsLab),
    );
    return row && toLockRecord(row);
  }

  /** Next short approval id (`a1`, `a2`, …), skipping numbers a hand-picked id already took. */
  private async nextApprovalId(): Promise<string> {
    for (;;) {
      const id = `a${await this.sql.nextApprovalNumber()}`;
      if (!(await this.sql.getApproval(id))) return id;
    }
  }

  private async expire(
    approval: ApprovalRecord,
    at: number,
    detail: Record<string, unknown>,
  ): Promise<JobAndApproval> {
    await this.sql.closeApproval(approval.id, 'expired', at);
    await this.moveJob(approval.jobId, ['awaiting_approval'], 'expired', at);
    await this.audit(at, 'approval:expired', 'labops', approval.jobId, approval.id, detail);
    return {
      approval: await this.mustReadApproval(approval.id),
      job: await this.mustReadJob(approval.jobId),
    };
  }

  /**
   * Appends an audit row; its lab is `lab`, else the lab of `jobId`'s job, else none (an event of
   * the whole bot). Answers its seq and lab.
   */
  async audit(
    at: number,
    type: string,
    actor: string,
    jobId: string | undefined,
    approvalId: string | undefined,
    detail: Record<string, unknown> | undefined,
    lab?: string | undefined,
  ): Promise<{ seq: number; lab: string | undefined }> {
    const row = await this.sql.insertAudit({
      at,
      lab: lab ?? null,
      type,
      actor,
      jobId: jobId ?? null,
      approvalId: approvalId ?? null,
      detail: JSON.stringify(detail ?? {}),
    });
    return { seq: row.seq, lab: row.lab ?? undefined };
  }

  async readJob(id: string): Promise<JobRecord | undefined> {
    const row = await this.sql.getJob(id);
    return row && toJobRecord(row, await this.sql.listSteps(id));
  }

  /** A job the transaction has just written or found: missing, the store is broken. */
  async mustReadJob(id: string): Promise<JobRecord> {
    const job = await this.readJob(id);
    if (!job) throw new LabopsError('INTERNAL', msg('jobs.store.jobVanished', { job: id }));
    return job;
  }

  async readApproval(id: string): Promise<ApprovalRecord | undefined> {
    return this.toApproval(await this.sql.getApproval(id));
  }

  /** The approval as `readApproval` answers it, its row locked until the transaction ends. */
  private async lockApproval(id: string): Promise<ApprovalRecord | undefined> {
    return this.toApproval(await this.sql.lockApproval(id));
  }

  private async toApproval(row: ApprovalRow | undefined): Promise<ApprovalRecord | undefined> {
    return row && toApprovalRecord(row, await this.sql.listDecisions(row.id));
  }

  private async mustReadApproval(id: string): Promise<ApprovalRecord> {
    const approval = await this.readApproval(id);
    if (!approval) throw new LabopsError('INTERNAL', msg('jobs.store.approvalVanished', { id }));
    return approval;
  }

  /** The compare-and-set behind every job move. A final move releases the job's locks. */
  private async moveJob(
    id: string,
    from: readonly JobStatus[],
    to: JobStatus,
    at: number,
    error?: Text,
    claim?: JobClaim,
  ): Promise<boolean> {
    const text = toTextColumns(error);
    const isFinal = FINAL_JOB_STATUSES.includes(to);
    const moved = await this.sql.moveJob({
      id,
      from,
      to,
      at,
      isRunning: to === 'running',
      isFinal,
      error: text.english,
      errorText: text.json,
      claim,
    });
    if (moved && isFinal) await this.sql.releaseLocks(id);
    return moved;
  }
}

function refuse(
  reason: Extract<DecisionResult, { outcome: 'refused' }>['reason'],
  approval: ApprovalRecord | undefined,
): DecisionResult {
  return { outcome: 'refused', reason, approval };
}
