/** The storage area's messages in English: the source of the catalog (issue 16). */
export const storage = {
  'storage.hint.activateHost': '{command} first.',

  // Help: the command, its sub-commands and their arguments (the Slack manifest shows the English).
  'storage.help.command': 'Storage: domains and the NFS server — {subcommands}',
  'storage.help.status': 'Storage domains: status in the data center, type, master, free space, export',
  'storage.help.prepare':
    'Prepare the NFS storage server: export directories 36:36 with setgid, exports, NFS service, firewall',
  'storage.help.attach':
    'Add an NFS storage domain and attach it to the data center, after checking the export',
  'storage.help.detach': 'Put a storage domain into maintenance and detach it from the data center',
  'storage.help.remove':
    'Remove a storage domain from the engine (--format also wipes its files from the export)',
  'storage.help.clean': 'Empty an export left with files of an earlier domain (lab guide FAQ 1)',
  'storage.help.fixPermissions':
    'Give an export back to vdsm (36:36, setgid) and re-activate its domain (lab guide FAQ 3)',
  'storage.arg.domain': 'the storage domain',
  'storage.arg.newDomain': 'the new domain',
  'storage.arg.type': 'data or iso',
  'storage.arg.path': 'the NFS export, SERVER:/EXPORT',
  'storage.arg.format': "wipe the domain's files from the export (else they stay: FAQ 1)",
  'storage.arg.export': 'the export, by name or path',
  'storage.arg.oneExport': 'one export (default: every export)',
  'storage.arg.domainForm': 'must be a storage domain name such as nfs-data',
  'storage.arg.pathForm': 'must be SERVER:/EXPORT, e.g. 192.168.122.10:/export/data',
  'storage.arg.exportForm': 'must be an export name or path such as data or /export/data',

  // Finding a domain or an export (domains.ts, machine-work.ts).
  'storage.domain.notFound': 'There is no storage domain "{name}".',
  'storage.domain.notFoundHint':
    'Domains: {count, plural, =0 {none} other {{domains}}}. /storage status shows them.',
  'storage.export.notFound': 'There is no export "{ref}" in the lab.',
  'storage.export.notFoundHint': 'Exports: {exports}.',

  // /storage status
  'storage.status.title': 'Storage',
  'storage.status.state':
    '{active} of {attached} attached domains active{loose, plural, =0 {} other {, # unattached}}',
  'storage.status.dataCenter': 'Data center {dataCenter}',
  'storage.status.unattached': 'Unattached',
  'storage.status.none': 'none',
  // A domain's line: its type with `master` where it is, the free space and the export when known.
  'storage.status.master': '{type} master',
  'storage.status.domain': '{name}  {status}  {kind}  {free} free  {export}',
  'storage.status.domainNoSpace': '{name}  {status}  {kind}  {export}',
  'storage.status.domainNoExport': '{name}  {status}  {kind}  {free} free',
  'storage.status.domainBare': '{name}  {status}  {kind}',

  // /storage attach: refusals
  'storage.attach.exists': 'The engine already has a storage domain named {name}.',
  'storage.attach.existsHint': '/storage status lists them; pick another name.',
  'storage.attach.exportTaken': '{domain} already lives on {path}.',
  'storage.attach.exportTakenAttached': 'It is attached ({status}).',
  'storage.attach.exportTakenRemove': 'Remove it first: /storage remove {domain}.',
  'storage.attach.noHostUp': 'No host is up to mount the export.',
  'storage.attach.notReady':
    '{path} is not ready for a new domain: {count, plural, one {# check} other {# checks}} failed.',
  'storage.attach.notReadyHint': 'Fix these, then run the same /storage attach again.',
  'storage.attach.checkFailed': '{check}: no',
  'storage.attach.checkFix': '  fix: {fix}',
  'storage.attach.checkGuide': '  lab guide: {faq}',

  // /storage attach: the pre-checks, their fixes and the buttons that run them
  'storage.attach.checkEmpty': '{path} is empty (lab guide FAQ 1)',
  'storage.attach.checkOwner': '{path} is owned by vdsm:kvm (36:36) (FAQ 3)',
  'storage.attach.checkMounted': '{path} is a mounted filesystem (FAQ 0)',
  'storage.attach.checkExported': '{path} is exported',
  'storage.attach.checkResolves': '{host} resolves {server} (FAQ 2)',
  'storage.attach.fixClean': '/storage clean {export} empties it (files of an earlier domain).',
  'storage.attach.fixOwner': '{command} gives it back to vdsm.',
  'storage.attach.fixMount':
    'Mount its disk (its /etc/fstab line, then mount -a); /lab doctor shows what is missing.',
  'storage.attach.fixExports': '/storage prepare writes the exports and reloads them.',
  'storage.attach.fixHostsOrAddress':
    "/host prepare {host} adds the lab's hosts entries — or use the address: --path {path}",
  'storage.attach.fixHostsOrIp':
    "/host prepare {host} adds the lab's hosts entries — or give the server's IP address in --path.",
  'storage.attach.actionClean': 'Clean {export}',
  'storage.attach.actionFixPermissions': 'Fix {export}',
  'storage.attach.actionPrepareStorage': 'Prepare storage',
  'storage.attach.actionPrepareHost': 'Prepare {host}',

  // /storage attach: the plan
  'storage.attach.summary': 'Add {name} ({type}) on {path} and attach it to {dataCenter}',
  'storage.attach.impactMount': "{host} mounts {path}; vdsm writes the domain's structure into {export}.",
  'storage.attach.impactAttach':
    '{name} is attached to {dataCenter} and activated{master, select, yes {; it becomes the master domain} other {}}.',
  'storage.attach.impactChecked': 'checked: {check}',
  'storage.attach.isoDeprecated': 'ISO domains are deprecated since oVirt 4.3; data domains hold ISOs too.',
  'storage.attach.isoNeedsMaster': 'An ISO domain needs an active master data domain first.',
  'storage.attach.step': 'Add {name} and attach it',
  'storage.attach.reattachSummary': 'Attach {name} ({type}, on {path}) to {dataCenter} again and activate it',
  'storage.attach.reattachImpact':
    '{name} is known to the engine but attached to no data center: it is attached to {dataCenter} as it is, with what it holds, and activated.',
  'storage.attach.reattachStep': 'Attach {name} and activate it',

  // /storage detach
  'storage.detach.notAttached': '{domain} is not attached to a data center.',
  'storage.detach.notAttachedHint': '/storage remove {domain} removes it from the engine.',
  'storage.detach.summary': 'Detach {domain} from {dataCenter}',
  'storage.detach.impact': 'VMs with disks on {domain} cannot run while it is detached.',

  // Taking a domain out of its data center (take-out.ts), and its steps
  'storage.takeOut.lastMaster':
    '{domain} is the last master data domain of the data center; the engine cannot detach it.',
  'storage.takeOut.lastMasterHint':
    'Attach and activate another data domain first, so the master role can move.',
  'storage.takeOut.masterMoves': 'The master role moves from {domain} to another active data domain.',
  'storage.takeOut.isoHoldsMaster':
    'Active ISO/export domains ({domains}) can keep the master from being deactivated.',
  'storage.takeOut.hostsMount':
    'Hosts that mount it now: {hosts}; a host still using it blocks maintenance (lab guide FAQ 4).',
  'storage.takeOut.deactivateStep': 'Put {domain} into maintenance',
  'storage.takeOut.detachStep': 'Detach {domain} from the data center',
  'storage.takeOut.notInMaintenance': '{domain} is {status}.',
  'storage.takeOut.inMaintenance': '{domain} is in maintenance',
  'storage.takeOut.stillAttached': '{domain} is still attached ({status}).',
  'storage.takeOut.unattached': '{domain} is unattached',

  // /storage remove
  'storage.remove.noHostUp': 'No host is up: the engine needs one to remove a domain.',
  'storage.remove.summary': 'Remove {domain}',
  'storage.remove.summaryFormat': 'Remove {domain} and wipe its files',
  'storage.remove.itsExport': 'its export',
  'storage.remove.impactWipe':
    "The domain's files are wiped from {where}; its disks and VMs' data on it are gone.",
  'storage.remove.impactKeep':
    "The domain's files stay in {where}: adding a new domain there will fail until /storage clean (FAQ 1).",
  'storage.remove.step': 'Remove {domain}',
  'storage.remove.stepFormat': 'Remove {domain} (format)',
  'storage.remove.alreadyRemoved': '{domain} was already removed',
  'storage.remove.noHostForStep': 'No host is up to remove the domain with.',
  'storage.remove.stillThere': '{domain} is still in the engine.',
  'storage.remove.gone': '{domain} is gone from the engine',

  // /storage prepare
  'storage.prepare.summary': 'Prepare the storage server {machine}',
  'storage.prepare.impactExports':
    '{exports}: owned 36:36 with setgid, checked mounted with space, exported to the lab network.',
  'storage.prepare.impactServices':
    'nfs-server enabled and running; firewalld lets {services} through. Each step checks first and changes only what is missing.',

  // /storage clean
  'storage.clean.alreadyEmpty': '{path} is already empty; there is nothing to clean.',
  'storage.clean.summary': 'Empty {path} on {machine}',
  'storage.clean.impact': 'remove {path}',

  // /storage fix-permissions
  'storage.fixPermissions.notMounted':
    '{count, plural, one {{paths} is} other {{paths} are}} not mounted: fixing ownership there would change the root filesystem, not the export.',
  'storage.fixPermissions.notMountedHint':
    'Mount the export first (its /etc/fstab line, then mount -a); /lab doctor shows what is missing. Lab guide: {faq}.',
  'storage.fixPermissions.summary': 'Fix ownership of {paths}',
  'storage.fixPermissions.impactOwner':
    '{path} and everything in it: owner 36:36 (vdsm:kvm), directories setgid',
  'storage.fixPermissions.impactReactivate': '{domain}: {status} → active',
  'storage.fixPermissions.step': 'Activate {domain} again',
} as const;
