/** Revert: a succeeded job undone by its inverse command (issue 15 §3), in English: the source. */
export const revert = {
  // Notes on the revert's card (src/revert.ts).
  'revert.note.reverts': 'This reverts {job} ({command}).',
  'revert.note.vmsStay':
    'Activating {host} does not bring back the VMs that migrated away when it went into maintenance ({vms}): they stay where they run now.',
  'revert.note.vmsStayNone':
    'Activating {host} does not bring back VMs that migrated away; none ran on it when it went into maintenance.',
  // A Revert refused, with what to run instead.
  'revert.noJob': 'There is no job {job} to revert.',
  'revert.noJobHint': '{command} lists the jobs.',
  'revert.notSucceeded': 'Only a job that succeeded can be reverted: {job} ({command}) is {status}.',
  'revert.notSucceededHint': '{status} shows where the lab is now; to put it back, run {inverse}.',
  'revert.notSucceededHintStatus': '{status} shows where the lab is now; run what it needs from there.',
  'revert.tooLate': 'Revert is offered for 24 hours after a job ends; {job} ({command}) ended at {time}.',
  'revert.tooLateHint':
    'Run {inverse} instead: it is planned from the lab as it is now and approved like any other command.',
  'revert.noInverse': '{job} ({command}) has no step labops knows how to undo.',
  'revert.noInverseHint':
    'Revert follows /host maintenance (activate), /storage detach (attach) and /iso attach when the VM’s CD held an ISO before (that ISO again).',
  'revert.already': '{job} is already being reverted by {revert} ({status}).',
  'revert.alreadyHint': '{command} shows it.',
  'revert.busy': 'Someone is asking to revert {job} right now.',
  'revert.busyHint': 'Its card appears in a moment; try again if it does not.',
  // The Revert button on a succeeded job's card (src/slack/render-card.ts).
  'revert.button': 'Revert',
  'revert.offer': '↩️ Revert plans {command}; offered until {time}.',
  'revert.dialog.title': 'Revert {job}?',
  'revert.dialog.text':
    'labops plans {command} from the lab as it is now, as you; it is approved like any other command.',
  'revert.dialog.confirm': 'Plan it',
  'revert.dialog.deny': 'Back',
  // The shell (src/shell/shell.ts).
  'revert.shell.offer': 'To undo it: revert {job} (until {time})',
  'revert.shell.usage': 'revert takes one job id: revert job-1a2b.',
  'shell.help.revert': 'plan the undoing of a job that succeeded (24 hours)',
} as const;
