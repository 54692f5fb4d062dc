import type { Policy } from '../../approvals/policy.js';
import type { CommandRegistry } from '../command.js';
import type { SlackSettings } from '../config.js';
import { LabopsError } from '../errors.js';
import type { Labops } from '../labops.js';
import type { Logger } from '../log.js';
import { createSlackAdapter } from './adapter.js';

export interface RunSlackOptions {
  settings: SlackSettings;
  /** The registry labops answers with: every command in it is registered with Bolt. */
  registry: CommandRegistry;
  policy: Policy;
  logger: Logger;
  /** Builds labops with the adapter's user-group lookup (`LabopsOptions.resolveGroup`). */
  createLabops: (resolveGroup: (group: string) => Promise<string[]>) => Labops;
  /** Resolves when labops should stop; SIGINT or SIGTERM by default. */
  until?: Promise<void> | undefined;
}

/**
 * `npm start` with Slack tokens: labops in front of a team in Slack until SIGINT/SIGTERM. Pending
 * approvals survive a restart (their cards keep working); interrupted jobs are reported on their
 * cards.
 */
export async function runSlackAdapter(options: RunSlackOptions): Promise<number> {
  const { settings, logger } = options;
  if (settings.mode === 'shell') throw new LabopsError('INTERNAL', 'The Slack adapter needs Slack settings.');
  const adapter = createSlackAdapter({
    settings,
    registry: options.registry,
    policy: options.policy,
    logger,
  });
  const labops = options.createLabops(adapter.resolveGroup);
  const recovered = labops.recover();
  await adapter.start(labops, recovered);
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
