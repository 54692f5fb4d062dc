import { LabopsError } from '../src/errors.js';
import type { EventBus } from '../src/jobs/events.js';
import { type ApprovalRecord, countApprovals, type JobRecord, type Store } from '../src/store/types.js';
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
  async latestPending(): Promise<ApprovalRecord | undefined> {
    return (await this.options.store.listApprovals({ statuses: ['pending'], limit: 1 }))[0];
  }

  async decide(
    approvalId: string | undefined,
    principal: string,
    decision: 'approve' | 'deny',
  ): Promise<ClickResult> {
    const { store, clock, bus } = this.options;
    const approval = approvalId ? await store.getApproval(approvalId) : await this.latestPending();
    if (!approval) {
      return this.refuse(
        approvalId ? `There is no approval ${approvalId}.` : 'There is no pending approval.',
        undefined,
        principal,
      );
    }
    const job = await store.getJob(approval.jobId);
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
        return this.voidApproval(approval, changes, principal);
      }
    }

    // The decision, its audit event and (for a deny) the release of the locks are one store
    // operation: a full disk records none of them (found by the chaos run).
    const result = await store.decideApproval(approval.id, principal, decision, clock());
    if (result.outcome === 'refused') {
      if (result.reason === 'expired' && result.approval && result.job) {
        bus.emit({ type: 'approval:expired', approval: result.approval, job: result.job });
      }
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
    const { approval: updated, job: updatedJob } = result;
    bus.emit({ type: 'approval:decided', approval: updated, job: updatedJob, by: principal, decision });

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

  /**
   * Expires every pending approval past its time. It runs from a timer, so it never throws: an
   * expiry the store cannot record now (a full disk) is left pending and tried at the next sweep;
   * each one is recorded whole — approval, job, locks and audit event — or not at all.
   */
  async expireDue(): Promise<ApprovalRecord[]> {
    const { store, clock, bus } = this.options;
    const expired: ApprovalRecord[] = [];
    let pending: ApprovalRecord[];
    try {
      pending = await store.listApprovals({ statuses: ['pending'] });
    } catch (error) {
      this.options.onError?.(error);
      return expired;
    }
    const now = clock();
    for (const approval of pending) {
      if (approval.expiresAt > now) continue;
      try {
        const closed = await store.expireApproval(approval.id, now);
        if (!closed) continue;
        bus.emit({ type: 'approval:expired', approval: closed.approval, job: closed.job });
        expired.push(closed.approval);
      } catch (error) {
        this.options.onError?.(error);
      }
    }
    return expired;
  }

  private async voidApproval(
    approval: ApprovalRecord,
    changes: string[],
    principal: string,
  ): Promise<ClickResult> {
    const { store, clock, bus } = this.options;
    const closed = await store.voidApproval(approval.id, {
      reason: `The lab changed after the plan was made: ${changes.join('; ')}`,
      changes,
      actor: principal,
      at: clock(),
    });
    if (!closed) {
      const now = (await store.getApproval(approval.id)) ?? approval;
      return this.refuse(refusalText('not-pending', now, principal), now, principal);
    }
    bus.emit({ type: 'approval:voided', approval: closed.approval, job: closed.job, changes });
    return {
      outcome: 'void',
      message: `${approval.id} is void: the lab changed since the plan was made (${changes.join('; ')}). Run the command again for a new plan.`,
      approval: closed.approval,
      job: closed.job,
      changes,
    };
  }

  /** A refused click: nothing changes but the audit trail, which notes who tried and why. */
  private async refuse(
    message: string,
    approval: ApprovalRecord | undefined,
    principal: string,
  ): Promise<ClickResult> {
    await this.options.store.appendAudit({
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
