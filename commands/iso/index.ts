import { defineCommand } from '../../src/command.js';
import { msg } from '../../src/i18n/text.js';
import { attach, changeCdStep, runOnceCdStep } from './attach.js';
import { refreshFilesStep } from './iso-domain.js';
import { list } from './list.js';
import { remove, removeDiskStep } from './remove.js';
import { upload, uploadStep } from './upload.js';

export const isoCommand = defineCommand({
  name: 'iso',
  summary: msg('iso.help.summary'),
  subcommands: [list, upload, attach, remove],
});

/** The steps of /iso, run by the executor. */
export const isoSteps = [refreshFilesStep, uploadStep, removeDiskStep, changeCdStep, runOnceCdStep];
