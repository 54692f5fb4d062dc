import { defineCommand } from '../../src/command.js';
import { msg } from '../../src/i18n/text.js';
import { activate, activateStep } from './activate.js';
import { add, addStep } from './add.js';
import { prepare, trust } from './machine-work.js';
import { deactivateStep, maintenance, waitDataCenterUpStep } from './maintenance.js';
import { remove, removeStep } from './remove.js';
import { status } from './status.js';

export const hostCommand = defineCommand({
  name: 'host',
  summary: msg('host.help.summary'),
  subcommands: [status, maintenance, activate, trust, prepare, add, remove],
});

/** The engine steps of /host, run by the executor. */
export const hostSteps = [deactivateStep, activateStep, waitDataCenterUpStep, addStep, removeStep];
