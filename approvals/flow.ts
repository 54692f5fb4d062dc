import { LabopsError } from '../src/errors.js';
import type { EventBus } from '../src/jobs/events.js';
import type { ApprovalRecord, JobRecord, Store } from '../src/store/types.js';
import type { Clock } from '../src/time.js';
import { describeChanges, fingerprintOf } from './fingerprint.js';

export interface ApprovalFlowOptions {
  store: Store;
  bus: EventBus;
  clock: Clock;
  /** Starts an approved (queued) job; the flow never waits for it. */
  startJob: (jobId: string) => void;
  /** Plans the job again from the current state and answers what it depends on now. */
  replan: (job: JobRecord) => Promise<Record<string, string>>;
  /** Told of a failure the flow cannot answer to anyone (the expiry sweep runs from a timer). */
  onError?: ((error: unknown) => void) | undefined;
}

/** The answer to a click, with a sentence for the person who clicked. */
export type ClickResult =
  | { outcome: 'refused'; message: string; approval: ApprovalRecord | undefined }
  | { outcome: 'recorded'; message: string; approval: ApprovalRecord; job: JobRecord }
  | { outcome: 'approved'; message: string; approval: ApprovalRecord; job: JobRecord }
  | { outcome: 'denied'; message: string; approval: ApprovalRecord; job: JobRecord }
  | { outcome: 'void'; message: string; approval: ApprovalRecord; job: JobRecord; changes: string[] };

/**
 * The approval flow of design.md: clicks checked on the server whatever the UI showed, the
 * plan's fingerprint checked again before the last approval lets a job run, expiry, and an audit
 * event for each of them. Two approvers clicking at once run the job exactly once: the store
 * decides clicks one at a time and only one of them can make the approval final.
 */
export class ApprovalFlow {
  private readonly options: ApprovalFlowOptions;

  constructor(options: ApprovalFlowOptions) {
    this.options = options;
  }

  /** The pending approval a bare `approve`/`deny` means: the most recent one. */
  latestPending(): ApprovalRecord | undefined {
    return this.options.store.listApprovals({ statuses: ['pending'], limit: 1 })[0];
  }

  async decide(
    approvalId: string | undefined,
    principal: string,
    decision: 'approve' | 'deny',
  ): Promise<ClickResult> {
    const { store, clock } = this.options;
    const approval = approvalId ? store.getApproval(approvalId) : this.latestPending();
    if (!approval) {
      return this.refuse(
        approvalId ? `There is no approval ${approvalId}.` : 'There is no pending approval.',
        undefined,
        principal,
      );
    }
    const job = store.getJob(approval.jobId);
    if (!job) throw new LabopsError('INTERNAL', `Approval ${approval.id} has no job ${approval.jobId}.`);

    // The last approval needed lets the job run: check first that the plan still holds.
    if (decision === 'approve' && this.wouldComplete(approval, principal)) {
      const now = await this.options.replan(job).catch((error: unknown) => {
        throw error instanceof LabopsError
          ? new LabopsError(error.code, `Could not check the plan again before approving: ${error.message}`, {
              hint: error.hint,
            })
          : error;
      });
      if (fingerprintOf(now) !== approval.fingerprint) {
        const changes = describeChanges(approval.fingerprintState, now);
        return this.voidApproval(approval, job, changes, principal);
      }
    }

    // The decision, its audit event and (for a deny) the release of the locks are one
    // transaction: a full disk records none of them, so no job is left queued with nothing to
    // start it and no decision lacks its event (found by the chaos run).
    const result = store.atomically(() => {
      const decided = store.decideApproval(approval.id, principal, decision, clock());
      if (decided.outcome === 'refused') return decided;
      const recorded = decided.approval;
      store.appendAudit({
        at: clock(),
        type: decision === 'approve' ? 'approval:granted' : 'approval:denied',
        actor: principal,
        jobId: recorded.jobId,
        approvalId: recorded.id,
        detail: { risk: recorded.risk, approvals: countApprovals(recorded), required: recorded.required },
      });
      if (recorded.status === 'denied') store.releaseLocks(recorded.jobId);
      return decided;
    });
    if (result.outcome === 'refused') {
      if (result.reason === 'expired' && result.approval) this.announceExpired(result.approval);
      // A requester who is no approver at all is told that, not that they asked.
      const reason =
        result.reason === 'self-approval' && !approval.eligible.includes(principal)
          ? 'not-eligible'
          : result.reason;
      return this.refuse(
        refusalText(reason, result.approval ?? approval, principal),
        result.approval,
        principal,
      );
    }
    const updated = result.approval;
    const updatedJob = store.getJob(updated.jobId)!;
    this.options.bus.emit({
      type: 'approval:decided',
      approval: updated,
      job: updatedJob,
      by: principal,
      decision,
    });

    if (updated.status === 'denied') {
      return {
        outcome: 'denied',
        message: `${principal} denied ${updated.id}; job ${updated.jobId} will not run.`,
        approval: updated,
        job: updatedJob,
      };
    }
    if (updated.status === 'approved' && result.becameFinal) {
      this.options.startJob(updated.jobId);
      return {
        outcome: 'approved',
        message: `${updated.id} approved by ${approvers(updated).join(' and ')}; job ${updated.jobId} runs.`,
        approval: updated,
        job: updatedJob,
      };
    }
    return {
      outcome: 'recorded',
      message: `${principal} approved ${updated.id} (${countApprovals(updated)} of ${updated.required}); waiting for another approver.`,
      approval: updated,
      job: updatedJob,
    };
  }

  /** Expires every pending approval whose time has come; answers those it expired. */
  /** A click found its approval expired (the store closed it): the job, its locks and the audit follow. */
  private announceExpired(approval: ApprovalRecord): void {
    const { store, clock, bus } = this.options;
    const at = clock();
    store.atomically(() => {
      store.transitionJob(approval.jobId, ['awaiting_approval'], 'expired', { at });
      store.releaseLocks(approval.jobId);
      store.appendAudit({
        at,
        type: 'approval:expired',
        actor: 'labops',
        jobId: approval.jobId,
        approvalId: approval.id,
        detail: {},
      });
    });
    bus.emit({ type: 'approval:expired', approval, job: store.getJob(approval.jobId)! });
  }

  /**
   * Expires every pending approval past its time. It runs from a timer, so it never throws: an
   * expiry the store cannot record now (a full disk) is left pending and tried at the next sweep;
   * each one is recorded whole — approval, job, locks and audit event — or not at all.
   */
  expireDue(): ApprovalRecord[] {
    const { store, clock } = this.options;
    const expired: ApprovalRecord[] = [];
    let pending: ApprovalRecord[];
    try {
      pending = store.listApprovals({ statuses: ['pending'] });
    } catch (error) {
      this.options.onError?.(error);
      return expired;
    }
    const now = clock();
    for (const approval of pending) {
      if (approval.expiresAt > now) continue;
      try {
        const closed = store.atomically(() => {
          if (!store.closeApproval(approval.id, 'expired', now)) return undefined;
          store.transitionJob(approval.jobId, ['awaiting_approval'], 'expired', { at: now });
          store.releaseLocks(approval.jobId);
          store.appendAudit({
            at: now,
            type: 'approval:expired',
            actor: 'labops',
            jobId: approval.jobId,
            approvalId: approval.id,
            detail: {},
          });
          return store.getApproval(approval.id);
        });
        if (!closed) continue;
        this.options.bus.emit({
          type: 'approval:expired',
          approval: closed,
          job: store.getJob(closed.jobId)!,
        });
        expired.push(closed);
      } catch (error) {
        this.options.onError?.(error);
      }
    }
    return expired;
  }

  private voidApproval(
    approval: ApprovalRecord,
    job: JobRecord,
    changes: string[],
    principal: string,
  ): ClickResult {
    const { store, clock, bus } = this.options;
    const closed = store.atomically(() => {
      if (!store.closeApproval(approval.id, 'void', clock())) return false;
      // closeApproval already moved the job to void: record why on it (void → void keeps the reason).
      store.transitionJob(job.id, ['awaiting_approval', 'void'], 'void', {
        at: clock(),
        error: `The lab changed after the plan was made: ${changes.join('; ')}`,
      });
      store.releaseLocks(job.id);
      store.appendAudit({
        at: clock(),
        type: 'approval:voided',
        actor: principal,
        jobId: job.id,
        approvalId: approval.id,
        detail: { changes },
      });
      return true;
    });
    if (!closed) {
      const now = store.getApproval(approval.id) ?? approval;
      return this.refuse(refusalText('not-pending', now, principal), now, principal);
    }
    const voided = store.getApproval(approval.id)!;
    const voidJob = store.getJob(job.id)!;
    bus.emit({ type: 'approval:voided', approval: voided, job: voidJob, changes });
    return {
      outcome: 'void',
      message: `${approval.id} is void: the lab changed since the plan was made (${changes.join('; ')}). Run the command again for a new plan.`,
      approval: voided,
      job: voidJob,
      changes,
    };
  }

  private refuse(message: string, approval: ApprovalRecord | undefined, principal: string): ClickResult {
    this.options.store.appendAudit({
      at: this.options.clock(),
      type: 'click:refused',
      actor: principal,
      jobId: approval?.jobId,
      approvalId: approval?.id,
      detail: { reason: message },
    });
    return { outcome: 'refused', message, approval };
  }

  private wouldComplete(approval: ApprovalRecord, principal: string): boolean {
    if (approval.status !== 'pending') return false;
    if (!approval.eligible.includes(principal)) return false;
    if (approval.decisions.some((d) => d.principal === principal)) return false;
    if (approval.risk !== 'change' && principal === approval.requester) return false;
    return countApprovals(approval) + 1 >= approval.required;
  }
}

/** Who may still approve: the eligible principals less the requester (unless they confirm their own change). */
export function approvalCandidates(approval: ApprovalRecord): string[] {
  return approval.eligible.filter((p) => approval.risk === 'change' || p !== approval.requester);
}

function countApprovals(approval: ApprovalRecord): number {
  return new Set(approval.decisions.filter((d) => d.decision === 'approve').map((d) => d.principal)).size;
}

function approvers(approval: ApprovalRecord): string[] {
  return approval.decisions.filter((d) => d.decision === 'approve').map((d) => d.principal);
}

function refusalText(
  reason: 'not-found' | 'not-pending' | 'expired' | 'not-eligible' | 'self-approval' | 'repeated',
  approval: ApprovalRecord,
  principal: string,
): string {
  switch (reason) {
    case 'not-found':
      return `There is no approval ${approval.id}.`;
    case 'expired':
      return `${approval.id} expired; nothing will run. Run the command again for a new plan.`;
    case 'not-pending':
      return `${approval.id} is already ${approval.status}; nothing changed.`;
    case 'repeated':
      return `${principal} already decided on ${approval.id}; a second click changes nothing.`;
    case 'self-approval':
      return `${principal} asked for ${approval.id} and cannot approve it; ${approval.risk} work needs ${approval.required === 2 ? 'two other approvers' : 'another approver'}.`;
    case 'not-eligible':
      return `${principal} is not an approver of ${approval.id}; it needs ${approval.required === 2 ? 'two' : 'one'} of: ${approvalCandidates(approval).join(', ') || 'nobody configured'}.`;
  }
}
