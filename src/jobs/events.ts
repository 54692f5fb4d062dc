import type { Text } from '../i18n/text.js';
import type { Plan } from '../plan.js';
import type { ApprovalRecord, JobRecord, StepRecord } from '../store/types.js';
import type { AlertDigest, LabAlert } from './alerts.js';

/**
 * Progress as a stream of events (design.md "Jobs, plans and progress"). The executor and the
 * approval flow emit them; each adapter renders them its own way (terminal lines, Slack thread).
 * A text a reader sees comes in English (`changes`, `summary`: logs, tools) and in the catalog
 * (`changeTexts`, `summaryText`, `progressText`), which the adapter renders in its reader's language (issue 16).
 */
export type LabEvent =
  | { type: 'approval:requested'; approval: ApprovalRecord; job: JobRecord }
  | {
      type: 'approval:decided';
      approval: ApprovalRecord;
      job: JobRecord;
      by: string;
      decision: 'approve' | 'deny';
    }
  | { type: 'approval:expired'; approval: ApprovalRecord; job: JobRecord }
  /**
   * A card nobody decided for the policy's reminder delay (issue 15 §2): stage 1 reminds `approvers`
   * (undecided, never the requester) by direct message; stage 2, as long again later, names the
   * card in its channel. Each stage is emitted once across restarts and replicas.
   */
  | {
      type: 'approval:reminded';
      approval: ApprovalRecord;
      job: JobRecord;
      stage: 1 | 2;
      approvers: string[];
      /** How long the card has waited, in ms. */
      waitedMs: number;
    }
  | {
      type: 'approval:voided';
      approval: ApprovalRecord;
      job: JobRecord;
      /** Why the card is void, one line each: what changed in the lab, or who cancelled it. */
      changes: string[];
      changeTexts: Text[];
    }
  | { type: 'job:started'; job: JobRecord; steps: StepRecord[] }
  | { type: 'step:started'; job: JobRecord; step: StepRecord }
  | {
      type: 'step:output';
      jobId: string;
      index: number;
      /** The line as the step's log keeps it (English for what labops writes). */
      line: string;
      /** What labops wrote, for a reader in their language; absent for remote output. */
      text?: Text | undefined;
    }
  | {
      type: 'step:progress';
      jobId: string;
      index: number;
      fraction: number;
      /** A short text (`1.2 GiB of 3.0 GiB`): in English, and as a reader sees it. */
      text: string;
      progressText: Text;
    }
  | { type: 'step:finished'; job: JobRecord; step: StepRecord }
  | { type: 'job:finished'; job: JobRecord; steps: StepRecord[] }
  /** A job interrupted by a stop, its targets re-read at the next start (issue 9 §5). */
  | { type: 'job:reviewed'; job: JobRecord; summary: string; summaryText: Text }
  /**
   * The lab's events for its channel (issue 15 §1): `digest` is the whole message as it stands now
   * (new, or edited as a storm grows), `added` what this poll found. `channel`: the lab's first
   * channel; none shows them on App Home only. Emitted once, by the replica that leads.
   */
  | {
      type: 'watch:alerts';
      lab: string;
      channel: string | undefined;
      digest: AlertDigest;
      added: LabAlert[];
    }
  /** The lab's events that carry a labops job's correlation id: they go to that job's thread. */
  | { type: 'watch:job-alerts'; lab: string; jobId: string; alerts: LabAlert[] }
  /**
   * Scheduled work speaking on its own (issue 15 §4), in the channel it was asked in: a run that
   * starts, is skipped or asks again (`card`: the new card, for the adapter to post), or what a
   * scheduled `/lab doctor` found changed (`lines`).
   */
  | {
      type: 'schedule:notice';
      lab: string;
      channel: string;
      scheduleId: string;
      /** Who asked for the schedule: a new card goes to them when the channel cannot take it. */
      requester: string;
      text: Text;
      lines: Text[];
      card?: { job: JobRecord; approval: ApprovalRecord; plan: Plan } | undefined;
    };

export type LabEventListener = (event: LabEvent) => void;

/** A synchronous fan-out: a listener that throws is logged by the bus owner, never breaks the job. */
export class EventBus {
  private readonly listeners = new Set<LabEventListener>();
  private readonly onListenerError: (error: unknown) => void;

  constructor(onListenerError: (error: unknown) => void = () => undefined) {
    this.onListenerError = onListenerError;
  }

  subscribe(listener: LabEventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  emit(event: LabEvent): void {
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch (error) {
        this.onListenerError(error);
      }
    }
  }
}
