/** The lab area's messages in English: the source of the catalog (issue 16). */
export const lab = {
  // Help: what each sub-command does, and its arguments.
  'lab.about': 'The whole lab: {subcommands}',
  'lab.status.about': 'The whole lab in one answer: data center, hosts, storage, jobs, approvals',
  'lab.jobs.about': 'Running and recent jobs',
  'lab.jobs.allFlag': 'the last 50 jobs, not just 10',
  'lab.cancel.about': 'Stop a job between steps (a running remote command is signalled)',
  'lab.cancel.jobArg': 'the job id from /lab jobs',
  'lab.cancel.jobForm': 'must be a job id such as job-7k2m',
  'lab.audit.about': 'The audit trail: requests, approvals, denials, expiries, steps and results',
  'lab.audit.countArg': 'how many events (default 10, at most 200)',
  'lab.reset.about':
    'Return the lab to the baseline of lab.yml: hosts up, baseline domains active, extras removed',
  'lab.reset.dryRunFlag': 'show the plan only; nothing is asked or run',
  'lab.reset.keepVmsFlag': 'stop the VMs the baseline does not list instead of removing them',

  // /lab status: one phone-sized view of the whole lab.
  'lab.status.title': 'Lab status',
  'lab.status.titleSimulated': 'Lab status — SIMULATED LAB',
  'lab.status.state': '{dc} {status} · hosts {up}/{hosts} up · storage {active}/{domains} active',
  'lab.status.engine.heading': 'Engine',
  'lab.status.engine.version': 'oVirt {version} (API model {model})',
  'lab.status.engine.warning': '⚠ {warning}',
  'lab.status.hosts.heading': 'Hosts',
  'lab.status.hosts.line': '{host}  {status}  {count, plural, one {# VM} other {# VMs}}',
  'lab.status.hosts.lineSpm': '{host}  {status}  {count, plural, one {# VM} other {# VMs}}  SPM',
  'lab.status.storage.heading': 'Storage',
  'lab.status.storage.line': '{domain}  {status}  {type}  {free} free',
  'lab.status.storage.lineMaster': '{domain}  {status}  {type} master  {free} free',
  'lab.status.storage.none': 'no domain attached',
  'lab.status.jobs.heading': 'Jobs',
  'lab.status.jobs.none': 'nothing running, nothing waiting',
  'lab.status.jobs.pending': '{id} awaits approval: /{command} ({requester})',

  // A job as /lab status and /lab jobs list it.
  'lab.job.line': '{id}  /{command} {text} — {state}',
  'lab.job.lineReview': '{id}  /{command} {text} — {state} · {review}',
  'lab.job.state': '{status}, {requester}',
  'lab.job.stateAge': '{status}, {requester}, {minutes} min ago',
  'lab.job.status.awaitingApproval': 'awaiting approval',
  'lab.job.status.queued': 'queued',
  'lab.job.status.running': 'running',
  'lab.job.status.succeeded': 'succeeded',
  'lab.job.status.failed': 'failed',
  'lab.job.status.cancelled': 'cancelled',
  'lab.job.status.interrupted': 'interrupted',
  'lab.job.status.denied': 'denied',
  'lab.job.status.expired': 'expired',
  'lab.job.status.void': 'void',
  'lab.job.review.changed': 'changed: {items}',
  'lab.job.review.unknown': 'unknown: {items}',
  'lab.job.review.changedUnknown': 'changed: {changed} · unknown: {unknown}',
  'lab.job.review.sentUnchanged': 'changes sent, targets read as before',
  'lab.job.review.nothingChanged': 'nothing changed',
  'lab.job.review.more': '{items} (+{count} more)',

  // /lab jobs
  'lab.jobs.title': 'Jobs',
  'lab.jobs.state': '{count} running or waiting',
  'lab.jobs.active.heading': 'Running and waiting',
  'lab.jobs.recent.heading': 'Recent',
  'lab.list.none': 'none',

  // /lab cancel
  'lab.cancel.title': 'Cancel {job}',

  // /lab audit
  'lab.audit.title': 'Audit trail',
  'lab.audit.state': '{count, plural, one {the last event} other {the last # events, newest first}}',
  'lab.audit.line': '{time} {type} {actor}',
  'lab.audit.lineJob': '{time} {type} {actor} {job}',
  'lab.audit.lineSummary': '{time} {type} {actor} — {summary}',
  'lab.audit.lineJobSummary': '{time} {type} {actor} {job} — {summary}',
  'lab.audit.none': 'nothing yet',
  'lab.audit.footer': 'The full trail exports as JSON lines: {command}',

  // /lab reset: its plan.
  'lab.reset.summary': 'Reset the lab to its baseline',
  'lab.reset.summaryKeepVms': 'Reset the lab to its baseline (keeping extra VMs, stopped)',
  'lab.reset.riskReason': 'A reset removes VMs and storage domains.',
  'lab.reset.refused': 'The reset is refused before any change',
  'lab.reset.noAnswer': 'no answer',
  'lab.reset.refusedUnlisted':
    'The reset is refused before any change: the entries of {path} could not be listed on {machine}: {reason}',
  'lab.reset.refusedUnlisted.hint': 'Make {machine} reachable over SSH from labops, then ask again.',
  'lab.reset.probe.owners': 'everything in {path} owned 36:36, directories setgid',
  'lab.reset.probe.leftovers': '{path} holds no leftovers',
  'lab.reset.step.preflight':
    'Check before any change: {machine} answers over SSH, the exports are mounted and exported',
  'lab.reset.step.preflightMany':
    'Check before any change: {machines} answer over SSH, the exports are mounted and exported',
  'lab.reset.step.preflightFails': '{step} — fails now: {problems}',
  'lab.reset.step.notChecked': '{step} — not checked: {machine} cannot be reached over SSH ({reason})',
  'lab.reset.step.hostUp': 'Make sure {host} is up',
  'lab.reset.step.stopVm': 'Stop {vm}',
  'lab.reset.step.removeVm': 'Remove {vm}',
  'lab.reset.step.removeVmDisks': 'Remove {vm} and its disks {disks}',
  'lab.reset.step.removeLeftovers': 'Remove the leftovers of an earlier domain from {path}, if any',
  'lab.reset.step.domainActive': 'Make sure {domain} is attached and active',
  'lab.reset.step.deactivateDomain': 'Put {domain} into maintenance',
  'lab.reset.step.detachDomain': 'Detach {domain}',
  'lab.reset.step.removeDomain': 'Remove {domain} (format)',
  'lab.reset.impact.toState': '{name}: {from} → {to}',
  'lab.reset.impact.vmStopped': '{vm}: stopped (kept, --keep-vms)',
  'lab.reset.impact.vmRemoved': '{vm}: removed with its disks {disks}',
  'lab.reset.impact.vmRemovedNoDisks': '{vm}: removed with its disks (none)',
  'lab.reset.impact.domainRemoved': '{domain}: removed with its files ({type})',
  'lab.reset.impact.masterRemoved':
    '{domain}: removed with its files ({type}, master — the role moves to a baseline domain)',
  'lab.reset.impact.leftovers':
    '{path}: {count, plural, one {# leftover entry} other {# leftover entries}} removed before {domain} is added',
  'lab.reset.impact.owners': '{path}: owner set to 36:36, directories setgid ({reason})',
  'lab.reset.impact.domainAdded': '{domain}: added on {address}:{path}, attached and activated',
  'lab.reset.impact.unreachable':
    'Not checked: {machine} cannot be reached over SSH ({reason}); its steps below are marked so.',
  'lab.reset.impact.notChecked': 'Not checked: {what}.',
  'lab.reset.impact.atBaseline': 'The lab already matches its baseline; every step will report ok.',
  'lab.reset.impact.preflightFails':
    'The engine matches the baseline, but the pre-flight fails now (see Blocks).',
  'lab.reset.unchecked.leftovers': '{path}: leftovers of an earlier domain not listed',
  'lab.reset.unchecked.owners': '{path}: owners not checked ({reason})',
  'lab.reset.warning.notChecked': 'Not checked: {what}; its step checks again when it runs.',
  'lab.reset.warning.hostMissing':
    'Baseline host {host} is not in the engine; /host add {host} ADDRESS brings it back.',
  'lab.reset.warning.masterStays':
    '{domain} is the master and the baseline has no data domain to take its place: it stays.',
  'lab.reset.warning.refusedNow':
    'A /lab reset now is refused before any change: its pre-flight fails (see Blocks).',
  'lab.reset.internal.unchecked': "The reset's pre-flight does not check {machine}, where a step runs.",

  // /lab reset: its steps.
  'lab.reset.ensure.noHost': 'No host is up to create {domain} with.',
  'lab.reset.ensure.notActive': '{domain} is {status}, not active.',
  'lab.reset.ensure.missing': '{domain} is missing, not active.',
  'lab.reset.ensure.active': '{domain} is active',
  'lab.reset.ensure.activeMaster': '{domain} is active (master)',
  'lab.reset.vm.alreadyRemoved': '{vm} was already removed',
  'lab.reset.vm.notDown': '{vm} is {status}, not down.',
  'lab.reset.vm.down': '{vm} is down',
  'lab.reset.vm.stillThere': '{vm} is still in the engine.',
  'lab.reset.vm.gone': '{vm} is gone',

  // /lab reset's exact calls around the API call itself.
  'lab.reset.shows.probe': '{machine}: {check} {what} (read-only)',
  'lab.reset.shows.deleteVm': '{call} (disks too)',
  'lab.reset.shows.createWhenMissing': '{call} when missing',
  'lab.reset.shows.attachActivate': '{attach} when unattached; {activate} when inactive',

  // /lab list: the bot's labs, one line each (issue 13 §2).
  'lab.list.about': 'Every lab you may act on, one line each',
  'lab.list.title': 'Labs',
  'lab.list.titleSimulated': 'Labs — SIMULATED',
  'lab.list.state': '{count, plural, one {# lab} other {# labs}}: {healthy} healthy, {down} down',
  'lab.list.noLab': 'You may act on no lab here.',
  'lab.list.line':
    '{lab} · engine up · hosts {hostsUp}/{hosts} up · domains {domainsActive}/{domains} active · {jobs, plural, =0 {no job running} one {# job running} other {# jobs running}}',
  'lab.list.lineDown':
    '{lab} · engine DOWN ({reason}) · {jobs, plural, =0 {no job running} one {# job running} other {# jobs running}}',
  'lab.list.footer': 'Add --lab NAME to any command to act on one of them.',

  // /lab status --all, /lab doctor --all: a read in each lab, a section each (issue 13 §3).
  'lab.across.allFlag': 'every lab you may act on, each in its own section',
  'lab.across.labFlag': 'these labs, each in its own section (a list: lab1,lab2)',
  'lab.across.statusTitle': 'Labs — status',
  'lab.across.doctorTitle': 'Labs — doctor',
  'lab.across.statusTitleSimulated': 'Labs — status — SIMULATED',
  'lab.across.doctorTitleSimulated': 'Labs — doctor — SIMULATED',
  'lab.across.state':
    '{count, plural, one {# lab} other {# labs}}: {healthy} healthy, {problems} with problems',
  'lab.across.stateFailed':
    '{count, plural, one {# lab} other {# labs}}: {healthy} healthy, {problems} with problems, {failed} not answering',
  'lab.across.heading': '{lab} · {state}',
  'lab.across.headingFailed': '{lab} · not answering',
  'lab.across.part': '{heading}:',
  'lab.across.action': '{lab}: {label}',
  'lab.across.allAndList': 'Use --all or a list of labs with --lab, not both.',
  'lab.across.allAndListHint': 'For example: {all} or {list}',
  'lab.across.emptyName': 'The list of labs {labs} has an empty name.',
  'lab.across.emptyNameHint': 'Separate the labs with commas only: {example}',
  'lab.across.forbidden': 'You ({principal}) may not act on {labs}: that lab’s policy does not let you ask.',
  'lab.across.notRead': '{command} made a card instead of an answer: it cannot be read across labs.',
  'lab.across.notPlanned': '{command} answered instead of making a plan.',
  'lab.acrossChange.instructorsOnly':
    'Only instructors may run {command} on several labs at once, and {principal} is not one.',
  'lab.acrossChange.instructorsOnlyHint': 'Ask for your own lab alone: {example}',
  'lab.acrossChange.nonePlanned': 'No lab could be planned: {labs}.',
  'lab.acrossChange.labReason': '{lab} ({reason})',
  'lab.acrossChange.tooFewInstructors':
    'This needs {required} instructors’ approvals besides yours, and lab.yml names {count, plural, =0 {none} one {only #} other {only #}}.',
  'lab.acrossChange.tooFewInstructorsHint': 'Add instructors to {key} in lab.yml, or ask in each lab.',
  'lab.acrossChange.lockedWithoutLocks': 'A card across labs was refused a lock it does not take.',
  'lab.acrossChange.labLine': '{lab} · {line}',
  'lab.acrossChange.claimStep':
    'Plan each lab again and lock it ({count, plural, one {# lab} other {# labs}})',
  'lab.acrossChange.labStep': '{lab}: {summary} ({count, plural, one {# step} other {# steps}})',
  'lab.acrossChange.summary': '{command} in {count, plural, one {# lab} other {# labs}}: {labs}',
  'lab.acrossChange.riskReason':
    'It changes {count, plural, one {# lab} other {# labs}} at once: two instructors approve it.',
  'lab.acrossChange.noImpact':
    '{lab} · {count, plural, one {# step} other {# steps}}, each checked before it changes anything',
  'lab.acrossChange.notPlanned': '{lab} cannot be planned now and is left out: {reason}',
  'lab.acrossChange.oneLab':
    'This lab ({lab}) is the only lab here: --all and a list of labs are for a bot that serves several.',
  'lab.acrossChange.oneLabHint': 'Reset this lab with {example}.',
} as const;
