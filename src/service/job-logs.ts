import type { EventBus } from '../jobs/events.js';
import type { Logger } from '../log.js';

/**
 * One log line per job step as it ends (issue 12 §5), beside the executor's `job finished`: the job
 * id, which is also the correlation id the step's engine requests carry (executor.ts), so the
 * engine's own lines, labops's `engine request` lines and the step read together. Answers the
 * unsubscribe.
 */
export function subscribeJobLogs(bus: EventBus, logger: Logger): () => void {
  return bus.subscribe((event) => {
    if (event.type !== 'step:finished') return;
    const { job, step } = event;
    const failed = step.status === 'failed' || step.status === 'unknown';
    const line = {
      jobId: job.id,
      correlationId: job.id,
      command: job.command,
      step: step.index + 1,
      kind: step.kind,
      status: step.status,
      durationMs: step.durationMs,
      // The detail in English: logs are for tools (issue 16); the reader's language is the adapter's.
      ...(failed && step.detail ? { detail: step.detail } : {}),
    };
    if (failed) logger.warn(line, 'step finished');
    else logger.info(line, 'step finished');
  });
}
