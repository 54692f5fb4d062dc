import type { Labops } from '../labops.js';
import type { Logger } from '../log.js';
import type { SlackAdapter } from './adapter.js';

export { createSlackAdapter } from './adapter.js';

export interface RunSlackOptions {
  /** Built before the lab, so that labops gets its user-group lookup (`resolveGroup`). */
  adapter: SlackAdapter;
  labops: Labops;
  logger: Logger;
  /** Resolves when labops should stop; SIGINT or SIGTERM by default. */
  until?: Promise<void> | undefined;
}

/**
 * `npm start` with Slack tokens: labops in front of a team in Slack until SIGINT/SIGTERM. The
 * adapter starts labops (recovery, the expiry sweep) and stops it; pending approvals survive a
 * restart (their cards keep working) and interrupted jobs are reported on their cards.
 */
export async function runSlackAdapter(options: RunSlackOptions): Promise<number> {
  const { adapter, labops, logger } = options;
  await adapter.start(labops);
  if (labops.lab.simulated)
    logger.warn('SIMULATED LAB: a built-in simulator stands in for the engine and the hosts.');
  await (options.until ?? waitForSignal());
  await adapter.stop();
  return 0;
}

function waitForSignal(): Promise<void> {
  return new Promise((resolve) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}
