import { LabopsError } from '../src/errors.js';
import { renderEnglish } from '../src/i18n/render.js';
import { list, type Message, msg, type Text, verbatim } from '../src/i18n/text.js';
import type { EventBus } from '../src/jobs/events.js';
import { joinItems } from '../src/jobs/texts.js';
import { type ApprovalRecord, countApprovals, type JobRecord, type Store } from '../src/store/types.js';
import type { Clock } from '../src/time.js';
import { describeChanges, fingerprintOf } from './fingerprint.js';
import { describeRisk } from './policy.js';

export interface ApprovalFlowOptions {
  store: Store;
  /** The lab whose approvals this flow sees (a bare `approve`, the expiry sweep, refused clicks). */
  lab: string;
  bus: EventBus;
  clock: Clock;
  /** Starts an approved (queued) job; the flow never waits for it. */
  startJob: (jobId: string) => void;
  /** Plans the job again from the current state: what it depends on now, or why it no longer can run. */
  replan: (job: JobRecord) => Promise<Replanned>;
  /** Told of a failure the flow cannot answer to anyone (the expiry sweep runs from a timer). */
  onError?: ((error: unknown) => void) | undefined;
}

/** A waiting job planned again: the state it depends on now, or the refusal of a plan that no longer holds. */
export type Replanned = { dependsOn: Record<string, string> } | { noLonger: LabopsError };

/**
 * The answer to a click, with a sentence for the person who clicked: `text` in the catalog, shown
 * in their language (issue 16); `message` the same in English (logs, audit, tests).
 */
interface Answer {
  message: string;
  text: Text;
}

export type ClickResult = Answer &
  (
    | { outcome: 'refused'; approval: ApprovalRecord | undefined }
    | { outcome: 'recorded'; approval: ApprovalRecord; job: JobRecord }
    | { outcome: 'approved'; approval: ApprovalRecord; job: JobRecord }
    | { outcome: 'denied'; approval: ApprovalRecord; job: JobRecord }
    | {
        outcome: 'void';
        approval: ApprovalRecord;
        job: JobRecord;
        /** What changed, one line each: in English, and as the clicker reads it. */
        changes: string[];
        changeTexts: Text[];
      }
  );

function answer(text: Text): Answer {
  return { message: renderEnglish(text), text };
}

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
    const { store, lab } = this.options;
    return (await store.listApprovals({ lab, statuses: ['pending'], limit: 1 }))[0];
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
        approvalId ? msg('approvals.click.noApproval', { id: approvalId }) : msg('approvals.click.noPending'),
        undefined,
        principal,
      );
    }
    const job = await store.getJob(approval.jobId);
    if (!job) {
      throw new LabopsError('INTERNAL', msg('approvals.bug.noJob', { id: approval.id, job: approval.jobId }));
    }
    // Another lab's card is not this lab's to decide: its plan and job need that lab's engine.
    if (job.lab !== this.options.lab) {
      return this.refuse(msg('approvals.click.noApproval', { id: approval.id }), undefined, principal);
    }

    // The last approval needed lets the job run: check first that the plan still holds.
    if (decision === 'approve' && this.wouldComplete(approval, principal)) {
      const now = await this.options.replan(job).catch((error: unknown) => {
        throw error instanceof LabopsError
          ? new LabopsError(error.code, msg('approvals.click.recheckFailed', { reason: error.text }), {
              hint: error.hintText,
            })
          : error;
      });
      if ('noLonger' in now) {
        const changes = [msg('approvals.change.noLonger', { reason: now.noLonger.text })];
        return this.voidApproval(approval, changes, principal);
      }
      if (fingerprintOf(now.dependsOn) !== approval.fingerprint) {
        const changes = describeChanges(approval.fingerprintState, now.dependsOn);
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
        ...answer(msg('approvals.click.denied', { principal, id: updated.id, job: updated.jobId })),
        approval: updated,
        job: updatedJob,
      };
    }
    if (updated.status === 'approved' && result.becameFinal) {
      this.options.startJob(updated.jobId);
      const by = list(approvers(updated).map((p) => verbatim(p)));
      return {
        outcome: 'approved',
        ...answer(msg('approvals.click.approved', { id: updated.id, approvers: by, job: updated.jobId })),
        approval: updated,
        job: updatedJob,
      };
    }
    return {
      outcome: 'recorded',
      ...answer(
        msg('approvals.click.recorded', {
          principal,
          id: updated.id,
          count: countApprovals(updated),
          required: updated.required,
        }),
      ),
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
      pending = await store.listApprovals({ lab: this.options.lab, statuses: ['pending'] });
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
    changes: Text[],
    principal: string,
  ): Promise<ClickResult> {
    const { store, clock, bus } = this.options;
    const closed = await store.voidApproval(approval.id, {
      reason: msg('approvals.void.reason', { changes: joinItems(changes) }),
      changes,
      actor: principal,
      at: clock(),
    });
    if (!closed) {
      const now = (await store.getApproval(approval.id)) ?? approval;
      return this.refuse(refusalText('not-pending', now, principal), now, principal);
    }
    bus.emit({
      type: 'approval:voided',
      approval: closed.approval,
      job: closed.job,
      changes: changes.map((change) => renderEnglish(change)),
      changeTexts: changes,
    });
    return {
      outcome: 'void',
      ...answer(msg('approvals.void.answer', { id: approval.id, changes: joinItems(changes) })),
      approval: closed.approval,
      job: closed.job,
      changes: changes.map((change) => renderEnglish(change)),
      changeTexts: changes,
    };
  }

  /** A refused click: nothing changes but the audit trail, which notes who tried and why (in English). */
  private async refuse(
    text: Text,
    approval: ApprovalRecord | undefined,
    principal: string,
  ): Promise<ClickResult> {
    const refused = answer(text);
    await this.options.store.appendAudit({
      at: this.options.clock(),
      type: 'click:refused',
      actor: principal,
      // With a card, its job's lab (the store takes it); without one, this flow's.
      lab: approval ? undefined : this.options.lab,
      jobId: approval?.jobId,
      approvalId: approval?.id,
      detail: { reason: refused.message },
    });
    return { outcome: 'refused', ...refused, approval };
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

const APPROVAL_STATUSES: Readonly<Record<ApprovalRecord['status'], Message>> = {
  pending: msg('approvals.status.pending'),
  approved: msg('approvals.status.approved'),
  denied: msg('approvals.status.denied'),
  expired: msg('approvals.status.expired'),
  void: msg('approvals.status.void'),
};

/** An approval's status as a word in the reader's language: `approved` — 승인됨. */
export function describeApprovalStatus(status: ApprovalRecord['status']): Message {
  return APPROVAL_STATUSES[status];
}

function refusalText(
  reason: 'not-found' | 'not-pending' | 'expired' | 'not-eligible' | 'self-approval' | 'repeated',
  approval: ApprovalRecord,
  principal: string,
): Text {
  const id = approval.id;
  switch (reason) {
    case 'not-found':
      return msg('approvals.click.noApproval', { id });
    case 'expired':
      return msg('approvals.click.expired', { id });
    case 'not-pending':
      return msg('approvals.click.notPending', { id, status: describeApprovalStatus(approval.status) });
    case 'repeated':
      return msg('approvals.click.repeated', { principal, id });
    case 'self-approval':
      return msg('approvals.click.selfApproval', {
        principal,
        id,
        risk: describeRisk(approval.risk),
        required: approval.required,
      });
    case 'not-eligible': {
      const candidates = approvalCandidates(approval);
      return candidates.length === 0
        ? msg('approvals.click.notEligibleNobody', { principal, id, required: approval.required })
        : msg('approvals.click.notEligible', {
            principal,
            id,
            required: approval.required,
            // Principals, shown as they are (Slack shows them as mentions).
            candidates: verbatim(candidates.join(', ')),
          });
    }
  }
}
