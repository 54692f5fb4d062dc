import { defineCommand } from '../../src/command.js';
import { msg, verbatim } from '../../src/i18n/text.js';
import { attach } from './attach.js';
import { detach } from './detach.js';
import { clean, fixPermissions, prepare } from './machine-work.js';
import { remove, removeStep } from './remove.js';
import { status } from './status.js';
import { deactivateStep, detachStep } from './take-out.js';

export const storageCommand = defineCommand({
  name: 'storage',
  summary: msg('storage.help.command', {
    subcommands: verbatim('status, prepare, attach, detach, remove, clean, fix-permissions'),
  }),
  subcommands: [status, prepare, attach, detach, remove, clean, fixPermissions],
});

/** The engine steps of /storage, run by the executor. */
export const storageSteps = [deactivateStep, detachStep, removeStep];
