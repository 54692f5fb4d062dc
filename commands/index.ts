import { CommandRegistry } from '../src/command.js';
import { runbookSteps } from '../src/jobs/runbook-steps.js';
import type { StepDefinition } from '../src/jobs/steps.js';
import { hostCommand, hostSteps } from './host/index.js';
import { hostMachineSteps } from './host/machine-work.js';
import { isoCommand, isoSteps } from './iso/index.js';
import { labCommand } from './lab/index.js';
import { resetSteps } from './lab/reset.js';
import { storageCommand, storageSteps } from './storage/index.js';

/** Every slash command labops answers, in the order help lists them (the manifest lists the same). */
export function createRegistry(): CommandRegistry {
  return new CommandRegistry([labCommand, hostCommand, isoCommand, storageCommand]);
}

/** Every kind of step a job may hold. */
export const allSteps: readonly StepDefinition[] = [
  ...hostSteps,
  ...hostMachineSteps,
  ...isoSteps,
  ...storageSteps,
  ...resetSteps,
  ...runbookSteps,
];
