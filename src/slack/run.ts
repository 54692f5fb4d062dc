import type { Labs } from '../labs.js';
import type { Logger } from '../log.js';
import type { SlackAdapter } from './adapter.js';

export { createSlackAdapter } from './adapter.js';

export interface RunSlackOptions {
  /** Built before the labs, so that each labops gets its user-group lookup (`resolveGroup`). */
  adapter: SlackAdapter;
  /** Every lab of the bot (issue 13 §2): a channel's lab, or the one `--lab` names. */
  labs: Labs;
  logger: Logger;
  /** Resolves when labops should stop; SIGINT or SIGTERM by default. */
  until?: Promise<void> | undefined;
}

/**
 * `npm start` with Slack tokens: labops in front of a team in Slack until SIGINT/SIGTERM. The
 * adapter starts the labs (recovery, the expiry sweeps) and stops them; pending approvals survive a
 * restart (their cards keep working) and interrupted jobs are reported on their cards.
 */
export async function runSlackAdapter(options: RunSlackOptions): Promise<number> {
  const { adapter, labs, logger } = options;
  await adapter.start(labs);
  if (labs.first.lab.simulated)
    logger.warn(
      { labs: labs.names },
      'SIMULATED LAB: a built-in simulator stands in for the engine and the hosts.',
    );
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
