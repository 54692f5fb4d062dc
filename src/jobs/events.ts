import type { ApprovalRecord, JobRecord, StepRecord } from '../store/types.js';

/**
 * Progress as a stream of events (design.md "Jobs, plans and progress"). The executor and the
 * approval flow emit them; each adapter renders them its own way (terminal lines, Slack thread).
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
  | { type: 'approval:voided'; approval: ApprovalRecord; job: JobRecord; changes: string[] }
  | { type: 'job:started'; job: JobRecord; steps: StepRecord[] }
  | { type: 'step:started'; job: JobRecord; step: StepRecord }
  | { type: 'step:output'; jobId: string; index: number; line: string }
  | { type: 'step:progress'; jobId: string; index: number; fraction: number; text: string }
  | { type: 'step:finished'; job: JobRecord; step: StepRecord }
  | { type: 'job:finished'; job: JobRecord; steps: StepRecord[] }
  /** A job interrupted by a stop, its targets re-read at the next start (issue 9 §5). */
  | { type: 'job:reviewed'; job: JobRecord; summary: string };

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
