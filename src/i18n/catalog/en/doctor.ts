/** The doctor area's messages in English: the source of the catalog (issue 16). */
export const doctor = {
  'doctor.about': "Check the lab guide's known problems, with evidence and a fix for each",

  // The lab guide's FAQ entries (lab-guide.md), named with a faithful English title.

  // The view.
  'doctor.title': 'Lab doctor',
  'doctor.titleSimulated': 'Lab doctor — SIMULATED LAB',
  'doctor.state.problems': '{count, plural, one {# problem} other {# problems}}',
  'doctor.state.allClear': 'all clear',
  'doctor.finding.heading': '{n}. {title}',
  'doctor.finding.fix': 'Fix: {fix}',
  'doctor.finding.guide': 'Lab guide: {faq}',
  'doctor.notes.heading': 'Notes',

  // What was checked, for the footer.
  'doctor.checked.footer': 'Checked ({count} on the machines, plus the engine): {storage} {hosts} {engine}',
  'doctor.checked.storage':
    '{server} — {paths}: stale files (FAQ 1), 36:36 and setgid (FAQ 3), mounted with {free} free (FAQ 0), exported; {services}.',
  'doctor.checked.hosts': '{hosts} — {parts}.',
  'doctor.checked.hostsEntries': 'hosts entries',
  'doctor.checked.resolves': '{name} resolves (FAQ 2)',
  'doctor.checked.engineKey': "the engine's key",
  'doctor.checked.typos': "the guide's typos authorized.keys and sh-rsa",
  'doctor.checked.engine':
    'Engine — data center, hosts up, domains active (FAQ 3), none stuck (FAQ 4 shows up only when removing a domain).',

  // The fixes offered as buttons.
  'doctor.action.prepareStorage': 'Prepare storage',
  'doctor.action.prepareHost': 'Prepare {host}',
  'doctor.action.clean': 'Clean {name}',
  'doctor.action.fixPermissions': 'Fix permissions of {name}',
  'doctor.action.addHost': 'Add {host}',
  'doctor.action.activateHost': 'Activate {host}',
  'doctor.action.maintenanceHost': 'Maintenance for {host}',

  // Checks that could not run.
  'doctor.unrun.title': 'Could not check {machines}',
  'doctor.unrun.count': '{count, plural, one {# check} other {# checks}} did not run',
  'doctor.unrun.fix': 'Make the machines reachable over SSH from labops, then run /lab doctor again.',

  // The storage server: its exports, the NFS service, the firewall.
  'doctor.export.missing': '{path} does not exist',
  'doctor.export.missing.fix': '/storage prepare creates it, owned 36:36 with setgid, and exports it.',
  'doctor.export.unjudged':
    '{path} holds {count, plural, one {# entry} other {# entries}}; whether they are stale needs the engine.',
  'doctor.stale.title': '{path} holds files of an earlier domain',
  'doctor.stale.count': '{path} holds {count, plural, one {# entry} other {# entries}}:',
  'doctor.stale.more': '  … {count} more',
  'doctor.stale.noDomain': 'no storage domain of the engine is stored there',
  'doctor.stale.fix': '{command} removes every entry (destructive: an approver decides).',
  'doctor.stale.fixOwners': 'Owners still wrong after that: doctor offers fix-permissions.',
  'doctor.owner.title': '{path} is not owned by vdsm',
  'doctor.owner.needs': 'vdsm needs 36:36 and setgid on everything below',
  'doctor.owner.fix': '{command}: chown -R 36:36, chmod -R g+s.',
  'doctor.owner.fixReactivate': '{command}: chown -R 36:36, chmod -R g+s, then re-activates {domains}.',
  'doctor.mount.title': '{path} lacks a mounted disk with space',
  'doctor.mount.noCommand': 'no command can add a disk (FAQ 0); by hand:',
  'doctor.mount.ifPresent': 'If the disk is there, add this to /etc/fstab, mount -a:',
  'doctor.mount.else': 'Else, on the libvirt host, give the engine VM a disk:',
  'doctor.mount.then': 'Then on the storage server: one partition on {device},',
  'doctor.mount.thenFormat': '  {mkfs}, the fstab line above, mount -a.',
  'doctor.exported.title': '{path} is not exported',
  'doctor.exported.fix': '/storage prepare writes {file} and runs exportfs -arv.',
  'doctor.nfs.title': 'The NFS service is not running on {server}',
  'doctor.nfs.fix': '/storage prepare enables and starts it.',
  'doctor.firewall.title': 'firewalld on {server} blocks NFS',
  'doctor.firewall.fix': '/storage prepare allows {services} permanently and reloads.',

  // A hypervisor: hosts entries, name resolution, the engine's key, the guide's typos.
  'doctor.resolve.title': '{host} cannot resolve {name}',
  'doctor.resolve.fix': "{command} writes the lab's lines into {file}.",
  'doctor.resolve.orAddress': 'Or put the address in the path: {example}',
  'doctor.hostsFile.title': "{host}: {file} lacks the lab's names",
  'doctor.hostsFile.fix': '{command} writes the missing lines.',
  'doctor.key.misnamed': "{host}: the engine's key went to authorized.keys (typo)",
  'doctor.key.shRsa': "{host}: a key line starts sh-rsa (the guide's typo)",
  'doctor.key.missing': "{host}: the engine's key is missing",
  'doctor.key.fix': "{command} installs the engine's key in {file}.",
  'doctor.key.harmless': "{host}: {evidence} — harmless now that the engine's key is in place.",

  // The engine: the data center, the hosts, the storage domains.
  'doctor.engine.unread': 'Could not read the engine',
  'doctor.engine.noAnswer': 'no answer',
  'doctor.engine.unreadFix': 'Check that the engine is up, then run /lab doctor again.',
  'doctor.engine.says': 'engine: {name}: {status}',
  'doctor.engine.saysDomain': 'engine: {domain} is {status}',
  'doctor.dc.title': 'Data center {dc} is {status}',
  'doctor.dc.evidence': 'engine: data center {dc}: {status}',
  'doctor.dc.fix': 'It comes up once a host is up and the master domain is active.',
  'doctor.host.absent': '{host} is not in the engine',
  'doctor.host.absentEvidence': 'engine: no host named {host}',
  'doctor.host.absentFix': "{command} adds it with the engine's key.",
  'doctor.host.stuck': '{host} is stuck going into maintenance',
  'doctor.host.going': '{host} is going into maintenance',
  'doctor.host.pinned': '{vm} is pinned: it cannot migrate',
  'doctor.host.manualOnly': '{vm} is user migratable: it cannot migrate',
  'doctor.host.unmovable': '{vm} is {affinity}: it cannot migrate',
  'doctor.host.stillOn': '{vm} is still on it ({status})',
  'doctor.host.stuckFix': '{command} cancels the maintenance; the VMs stay.',
  'doctor.host.stuckOr': 'Or stop or unpin {vms}, and it finishes.',
  'doctor.host.goingFix': 'Its VMs are migrating: run /lab doctor again in a minute.',
  'doctor.host.status': '{host} is {status}',
  'doctor.host.activateFix': '{command} brings it back up.',
  'doctor.host.eventsFix': "The engine's events say why: /host status shows them.",
  'doctor.host.nonResponsiveFix':
    'The engine cannot reach vdsm on it: see to vdsmd there (systemctl status vdsmd). {command} takes it out of use meanwhile; activate it once vdsm answers.',
  'doctor.domain.stuck': '{domain} is stuck {status}',
  'doctor.domain.stuckFix': 'A host still uses it: put that host into maintenance first ({command}).',
  'doctor.domain.status': '{domain} is {status}',
  'doctor.domain.fixPermissions': '{command} checks 36:36 and setgid, then re-activates {domain}.',
  'doctor.domain.activate': 'Activate {domain} in the engine once its export is reachable.',

  // Notes: what was not checked, and why.
  'doctor.note.engineKey': "The engine's key was not checked: {reason}",
  'doctor.note.hostsEntries': 'Hosts entries were not checked: {reason}',
  'doctor.note.hostsEntriesHint': 'Hosts entries were not checked: {reason} {hint}',
} as const;
