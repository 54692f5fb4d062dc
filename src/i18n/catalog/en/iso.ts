/** The iso area's messages in English: the source of the catalog (issue 16). */
export const iso = {
  // Shared by several sub-commands and steps.
  'iso.lab.notFound': 'There is no ISO "{iso}" in the lab.',
  'iso.lab.listHint': '/iso list shows them.',
  'iso.domain.gone': 'Storage domain {domain} is gone.',
  'iso.holder.now': '{vm} (now)',
  'iso.holder.nextBoot': '{vm} (at its next boot)',
  'iso.holder.nowAndNextBoot': '{vm} (now, at its next boot)',
  'iso.held.removed': '{iso} is in the CD drive of {holders}; it cannot be removed while a VM holds it.',
  'iso.held.replaced': '{iso} is in the CD drive of {holders}; it cannot be replaced while a VM holds it.',
  'iso.held.hint':
    'Put another ISO in first (/iso attach VM OTHER.iso), or eject it in the Administration Portal.',

  // /iso list
  'iso.list.title': 'ISO images',
  'iso.list.count': '{count, plural, one {# image} other {# images}}',
  'iso.list.empty': 'none yet: /iso upload URL',
  'iso.list.file': '{name}  {where}',
  'iso.list.disk': '{name}  {where}  {size}',
  'iso.list.diskNoted': '{name}  {where}  {size}  {note}',
  'iso.list.twoNotes': '{status}, {note}',
  'iso.list.incomplete': 'incomplete upload',
  'iso.list.uploading': 'uploading ({job})',
  'iso.list.leftovers':
    'Left by failed uploads, never used as the ISO: {names}. /iso remove NAME removes one; an upload of the same name replaces it.',

  // The 4.3 ISO domain: upload on the storage server, removal of its file, the engine's file list.
  'iso.isoDomain.notLabExport':
    "{domain} lives on {address}:{path}, which is not an export of this lab's storage server.",
  'iso.isoDomain.notLabExportHint':
    'Only the ISO domains of the lab storage server can be changed by labops.',
  'iso.isoDomain.uploadSummary': 'Upload {iso} ({size}) into the ISO domain {domain}',
  'iso.isoDomain.download':
    '{machine} downloads {iso} from {source} into {path}, owned 36:36, mode 0640, within {limit}.',
  'iso.isoDomain.keepsChecked':
    'It keeps the file only with {bytes} bytes, CD001 at byte 32769 and the sha256 {sha256}.',
  'iso.isoDomain.keeps':
    'It keeps the file only with {bytes} bytes and CD001 at byte 32769; the report shows its sha256.',
  'iso.isoDomain.refreshed': "The engine's file list of {domain} is refreshed.",
  'iso.isoDomain.notCdName':
    'The engine puts only names ending in .iso in a CD drive; {iso} can never be attached to a VM.',
  'iso.isoDomain.refreshStep': 'Refresh the file list of {domain}',
  'iso.isoDomain.removeSummary': 'Remove the ISO {iso} from the ISO domain {domain}',
  'iso.isoDomain.removes': '{machine} removes {path}.',
  'iso.isoDomain.stillListed': 'The engine still lists {iso} in {domain}.',
  'iso.isoDomain.notListed': 'The engine does not list {iso} in {domain}.',
  'iso.isoDomain.listed': '{iso} is listed in {domain}',
  'iso.isoDomain.noLongerListed': '{iso} is no longer listed in {domain}',

  // /iso upload: the plan.
  'iso.upload.noSuchDomain': 'There is no storage domain "{domain}" in the data center.',
  'iso.upload.domainsHint': 'Domains: {domains}.',
  'iso.upload.noDomainsHint': 'Domains: none.',
  'iso.upload.noDataDomain': 'There is no active data domain to upload into.',
  'iso.upload.noDataDomainHint': '/storage status shows the domains; /storage attach adds one.',
  'iso.upload.notIso9660': '{file} is not an ISO 9660 image (no CD001 at byte 32769).',
  'iso.upload.notIso9660Hint': 'Check the URL: a web page or a compressed file is not an ISO.',
  'iso.upload.badName': '"{name}" cannot be an ISO name in the lab.',
  'iso.upload.badNameHint': 'Pick one with --name, e.g. --name alma9.iso.',
  'iso.upload.inProgress': '{iso} is being uploaded by {job} now.',
  'iso.upload.inProgressHint': '/lab jobs shows it; wait for it to end.',
  'iso.upload.exists': 'An ISO named {iso} already exists in {where}.',
  'iso.upload.existsHint': 'Pick another name with --name, or use the one that is there.',
  'iso.upload.domainState': '{domain} is {status}; an upload needs it active.',
  'iso.upload.domainNotActive': '{domain} is not active; an upload needs it active.',
  'iso.upload.noSpace': '{domain} has {free} free; {iso} needs {size}.',
  'iso.upload.leftoverElsewhere':
    'The incomplete upload {iso} is a disk of {domains}; an upload into the ISO domain does not replace it.',
  'iso.upload.leftoverElsewhereHint':
    '/iso remove {iso} removes it, or upload into the data domain (leave out --domain).',
  'iso.upload.replaces':
    'It replaces the incomplete upload {iso} ({size}) left by an earlier job: that disk ({disk}, {status}) is removed first.',
  'iso.upload.replacesOfJob':
    'It replaces the incomplete upload {iso} ({size}) left by an earlier job ({job}): that disk ({disk}, {status}) is removed first.',
  'iso.upload.unknownJob':
    'The job named by {iso} ({disk}) is unknown to labops: on a 4.3 engine, whose disk marks stay "incomplete", it may be a complete upload.',
  'iso.upload.summary': 'Upload {iso} ({size}) into {domain}',
  'iso.upload.newDisk': 'A new ISO disk {iso} of {size} in {domain}, streamed from {source}.',
  'iso.upload.sha256Required': 'Its sha256 must be {sha256}: otherwise the upload fails and nothing is kept.',
  'iso.upload.sha256Shown':
    'The report shows the sha256 of the bytes stored (no --sha256 was given to check).',
  'iso.upload.step': 'Upload {iso} into {domain}',
  'iso.upload.progress': '{sent} of {total}',
  'iso.upload.progressRate': '{sent} of {total} · {rate}/s',
  'iso.upload.progressRateLeft': '{sent} of {total} · {rate}/s · {left} left',

  // /iso upload: the step.
  'iso.upload.alreadyThere': '{iso} is already there (a complete upload of {bytes} bytes)',
  'iso.upload.appeared':
    'A disk named {iso} ({disk}, {status}) appeared since the plan and is not a complete upload of this source; it is not taken as the upload, and nothing was changed.',
  'iso.upload.appearedHint': '/iso list shows it; /iso remove {iso} removes it; then run /iso upload again.',
  'iso.upload.leftoverStays':
    'The incomplete upload {iso} ({disk}, {status}) could not be removed: {reason}. Nothing was uploaded.',
  'iso.upload.leftoverStaysHint':
    '/iso remove {iso} removes it once the engine lets go of it; then upload again.',
  'iso.upload.sourceChanged':
    'The source is now {now} bytes; the plan said {planned}. Run /iso upload again.',
  'iso.upload.detail': 'sha256 {sha256}',
  'iso.upload.detailChecked': 'sha256 {sha256} (as --sha256 said)',
  // Engines before 4.4 cannot change a floating disk's description (ovirt-api.md §5.2).
  'iso.upload.detailUnmarked':
    'sha256 {sha256}. The engine cannot change a floating disk’s description before 4.4: the disk keeps its "incomplete" mark, and this job’s record says it completed.',
  'iso.upload.detailCheckedUnmarked':
    'sha256 {sha256} (as --sha256 said). The engine cannot change a floating disk’s description before 4.4: the disk keeps its "incomplete" mark, and this job’s record says it completed.',
  'iso.upload.noMarkedDisk': "No disk named {iso} carries this job's mark or a complete one ({found}).",
  'iso.upload.missing': '{iso} is missing; expected ok with {bytes} bytes.',
  'iso.upload.wrongState': '{iso} is {status} with {bytes} bytes; expected ok with {expected}.',
  'iso.upload.notMarked': '{iso} is not marked complete ({description}).',
  'iso.upload.endState': '{iso} is in {domain}: status ok, {size}',
  'iso.upload.endStateSha256': '{iso} is in {domain}: status ok, {size}, sha256 {sha256}',

  // /iso attach: the VM's state.
  'iso.attach.paused':
    '{vm} is {status}: labops changes a CD drive only while the VM is up (now) or down (at its next boot).',
  'iso.attach.pausedHint':
    'Resume it or shut it down in the Administration Portal, then run the command again.',
  'iso.attach.migrating':
    '{vm} is migrating to another host: its CD drive cannot be changed until the migration ends.',
  'iso.attach.migratingHint':
    'Wait until it is up again (/host status shows it), then run the command again.',
  'iso.attach.between': '{vm} is {status}: a CD change needs it up (now) or down (at its next boot).',
  'iso.attach.betweenHint': 'Wait until it is up or down, then run the command again.',

  // /iso attach: the plan.
  'iso.attach.persistWithRunOnce':
    '--persist does not go with --run-once: a run-once boot changes nothing saved.',
  'iso.attach.noVm': 'There is no VM "{vm}".',
  'iso.attach.noVmHint': '/host status HOST lists the VMs.',
  'iso.attach.notFoundHint': '/iso list shows them; /iso upload URL adds one.',
  'iso.attach.incomplete': '{iso} is an upload that did not complete; it is not an ISO a VM can boot.',
  'iso.attach.incompleteHint': '/iso remove {iso} removes it; /iso upload URL --name {iso} replaces it.',
  'iso.attach.notCdFile':
    '{iso} cannot go in a CD drive: the engine takes only a disk id or a file name ending in .iso.',
  'iso.attach.notCdFileHint':
    'Rename it on the storage server to end in .iso, or upload it again with a name that does: /iso upload URL --name {stem}.iso.',
  'iso.attach.runOnceNotDown': '{vm} is {status}; a run-once boot starts it, so it must be down.',
  'iso.attach.runOnceNotDownHint':
    'Shut it down first, or attach without --run-once: /iso attach {vm} {iso}.',
  'iso.attach.runOnceSummary': 'Boot {vm} once from {iso}',
  'iso.attach.runOnceImpact':
    '{vm} starts and boots from {iso} (run once); its next boot is from disk again.',
  'iso.attach.runOnceStep': 'Start {vm} from {iso}',
  'iso.attach.summaryNow': "Put {iso} in {vm}'s CD drive now, until it stops",
  'iso.attach.summaryAlways': "Put {iso} in {vm}'s CD drive now and at every boot",
  'iso.attach.summaryNextBoot': "Put {iso} in {vm}'s CD drive at its next boot",
  'iso.attach.impactNow':
    '{vm} sees {iso} in its CD drive now, until it stops; its saved configuration is unchanged (--persist keeps it at every boot).',
  'iso.attach.impactAlways':
    '{vm} sees {iso} in its CD drive now, and its saved configuration keeps it at every boot.',
  'iso.attach.impactNextBoot':
    '{vm} is down: its saved configuration gets {iso}, which shows at its next boot.',
  'iso.attach.stepNow': 'Insert {iso} into {vm} now, until it stops',
  'iso.attach.stepAlways': 'Insert {iso} into {vm} now and at every boot',
  'iso.attach.stepNextBoot': 'Insert {iso} into {vm} at its next boot',

  // /iso attach: the steps.
  'iso.attach.notRunning': '{vm} is {status} now; the plan changed the CD drive of a running VM.',
  'iso.attach.againHint': 'Run /iso attach {vm} {iso} again.',
  'iso.attach.alreadyThere': '{iso} is already there',
  'iso.attach.holdsNow': "{vm}'s CD drive holds {file} now, not {iso}.",
  'iso.attach.holdsNothingNow': "{vm}'s CD drive holds nothing now, not {iso}.",
  'iso.attach.holdsSaved': "{vm}'s CD drive holds {file} in its saved configuration, not {iso}.",
  'iso.attach.holdsNothingSaved': "{vm}'s CD drive holds nothing in its saved configuration, not {iso}.",
  'iso.attach.holdsNowHint':
    "The engine took the change but the running VM does not show it: read the engine's events for {vm} (Administration Portal → Events), then run /iso attach {vm} {iso} again.",
  'iso.attach.holdsSavedHint':
    'Someone may have changed the CD meanwhile: check {vm} in the Administration Portal (Edit VM → Boot Options), then run /iso attach {vm} {iso} again.',
  'iso.attach.heldNow': "{vm}'s CD drive holds {iso} now (until it stops)",
  'iso.attach.heldAlways': "{vm}'s CD drive holds {iso} now and in its saved configuration",
  'iso.attach.heldNextBoot': "{vm}'s CD drive holds {iso} in its saved configuration (from its next boot)",
  'iso.attach.notUp': '{vm} is {status}, not up.',
  'iso.attach.bootedFrom': '{vm} is up, booted from {iso}',

  // /iso remove
  'iso.remove.notInDomain': 'There is no ISO "{iso}" in {domain}; it is in {places}.',
  'iso.remove.ambiguous': '{iso} is in {places}.',
  'iso.remove.ambiguousHint': 'Name one: /iso remove {iso} --domain {domain}.',
  'iso.remove.summary': 'Remove the ISO {iso} from {where}',
  'iso.remove.disk': 'The disk {iso} ({disk}, {size}, {status}) is removed from {where}.',
  'iso.remove.incompleteDisk':
    'The disk {iso} ({disk}, {size}, {status}, an incomplete upload) is removed from {where}.',
  'iso.remove.foreignDisk':
    'The disk {iso} ({disk}, {size}, {status}, not uploaded by labops) is removed from {where}.',
  'iso.remove.step': 'Remove the disk {iso} ({disk}) from {where}',
  'iso.remove.alreadyGone': '{iso} ({disk}) is already gone',
  'iso.remove.stays': 'The disk {iso} ({disk}, {status}) is still there: {reason}.',
  'iso.remove.staysHint': 'Run /iso remove again once the engine lets go of it (its events say why).',
  'iso.remove.stillThere': 'The disk {iso} ({disk}) is still there ({status}).',
  'iso.remove.gone': '{iso} ({disk}) is gone from {domain}',
  // /iso help: the command, its sub-commands and their arguments.
  'iso.help.summary': 'ISO images: list, upload, attach to a VM, remove',
  'iso.help.list': 'ISO images in the ISO domain and in data domains, with sizes',
  'iso.help.upload':
    'Upload an ISO from a URL into a data domain (streamed) or a 4.3 ISO domain (on the storage server)',
  'iso.help.uploadUrl': 'http(s) URL of the ISO image',
  'iso.help.uploadName': 'the name in the lab (default: the file name of the URL)',
  'iso.help.uploadDomain': 'the storage domain (default: the master data domain)',
  'iso.help.uploadSha256': 'the checksum the mirror publishes: the upload fails unless what is stored has it',
  'iso.help.attach': "Put an ISO in a VM's CD drive, or boot it once from the ISO (--run-once)",
  'iso.help.attachVm': 'the VM',
  'iso.help.isoFromList': 'an ISO from /iso list',
  'iso.help.attachPersist': 'a running VM keeps the ISO at every boot too (by default only until it stops)',
  'iso.help.attachRunOnce': 'start the VM once booting from the CD (the VM must be down)',
  'iso.help.remove': 'Remove an ISO: a disk of a data domain, or a file of the ISO domain',
  'iso.help.removeDomain': 'the storage domain, when the name is in more than one',
  'iso.arg.vmForm': 'must be a VM name',
  'iso.arg.isoForm': 'must be a file name of letters, digits, ".", "_", "+" and "-"',
  'iso.arg.sha256Form': 'must be a SHA-256 checksum: 64 hex digits',

  // /iso upload's exact calls, as approvers see them.
  'iso.upload.shows.deleteIncomplete': '{call} (the incomplete upload)',
  'iso.upload.shows.createDisk': 'POST /disks ({name}, iso, raw, {size}, marked "{mark}")',
  'iso.upload.shows.copy': 'GET {url} (connecting to {address}) → PUT transfer_url (sha256 on the way)',
  'iso.upload.shows.copyChecked':
    'GET {url} (connecting to {address}) → PUT transfer_url (sha256 on the way, must be {sha256})',
  'iso.upload.shows.markComplete': '{call} (marked "{mark}" with the size and sha256; engines from 4.4)',
} as const;
