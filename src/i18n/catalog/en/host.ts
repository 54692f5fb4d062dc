/** The host area's messages in English: the source of the catalog (issue 16). */
export const host = {
  // A host named in a command, and what every /host step checks.
  'host.error.notFound': 'There is no host "{host}" in the engine.',
  'host.error.notFoundHint': 'Hosts: {hosts}.',
  'host.error.noHostsHint': 'The engine has no hosts yet: {command}.',
  'host.error.nothingToDo': 'Nothing to do.',
  'host.verify.up': '{host} is up',
  'host.verify.notUp': '{host} is {status}, not up.',

  // /host status
  'host.status.title': 'Hosts',
  'host.status.titleOne': 'Host {host}',
  'host.status.upCount': '{up} of {total} up',
  'host.status.line': '{host}  {status}  {count, plural, one {# VM} other {# VMs}}',
  'host.status.lineSpm': '{host}  {status} · SPM  {count, plural, one {# VM} other {# VMs}}',
  'host.status.vms': 'VMs: {vms}',
  'host.status.noVms': 'VMs: none',
  'host.status.vmState': '{vm} ({status})',
  'host.status.details': 'address {address}, memory {memory}',
  'host.status.noHosts': 'The engine has no hosts.',

  // /host maintenance
  'host.maintenance.alreadyIn': '{host} is already in maintenance.',
  'host.maintenance.alreadyInHint': '/host activate {host} brings it back.',
  'host.maintenance.alreadyGoing': '{host} is already going into maintenance (preparing_for_maintenance).',
  'host.maintenance.alreadyGoingHint':
    'Its VMs are migrating; /host status shows where it stands. A VM that cannot migrate keeps it there.',
  'host.maintenance.blockerPinned':
    '{vm} is pinned to {host}: the engine will not move it, so {host} will stay in preparing_for_maintenance until it is stopped or migrated.',
  'host.maintenance.blockerManual':
    '{vm} is migratable only by hand from {host}: the engine will not move it, so {host} will stay in preparing_for_maintenance until it is stopped or migrated.',
  'host.maintenance.blockerNoTarget': '{vm} has nowhere to go: no other host of the cluster is up.',
  'host.maintenance.migrates': '{vm} → {target} (live migration)',
  'host.maintenance.noVms': 'No VMs run on {host}; nothing migrates.',
  'host.maintenance.spmMoves':
    '{host} is the SPM: the role moves to another host and the data center is briefly not up.',
  'host.maintenance.spmStops':
    '{host} is the SPM and no other host is up to take the role: storage operations stop.',
  'host.maintenance.lastActive': '{host} is the last active host of its cluster.',
  'host.maintenance.stranded': 'VMs would be stranded on it.',
  'host.maintenance.title': 'Put {host} into maintenance',
  'host.maintenance.titleReason': 'Put {host} into maintenance ({reason})',
  'host.maintenance.waitDataCenter': 'Wait for data center {dataCenter} to be up with a new SPM',
  'host.maintenance.failed': 'The engine did not put {host} into maintenance; it reported {events}',
  'host.maintenance.failedHint':
    'A VM the engine cannot move keeps {host} in preparing_for_maintenance: stop or migrate it, then run /host maintenance {host} again (or /host activate {host} to cancel).',
  'host.maintenance.wasAlready': '{host} was already in maintenance',
  'host.maintenance.notIn': '{host} is {status}, not in maintenance.',
  'host.maintenance.stillRun': '{count, plural, one {{vms} still runs} other {{vms} still run}} on {host}.',
  'host.maintenance.done': '{host} is in maintenance with no VMs',
  'host.dataCenter.state': 'data center {dataCenter} is {status}',
  'host.dataCenter.stateSpm': 'data center {dataCenter} is {status}, SPM {spm}',

  // /host activate
  'host.activate.title': 'Activate {host}',
  'host.activate.cancelTitle': "Cancel {host}'s maintenance and bring it back up",
  'host.activate.alreadyUp': '{host} is already up.',
  'host.activate.impact': '{host}: {status} → up; the engine schedules VMs on it again.',
  'host.activate.impactCancel':
    '{host}: preparing_for_maintenance → up; the maintenance is cancelled, VMs still on it stay.',
  'host.activate.wasAlready': '{host} was already up',

  // /host add
  'host.add.title': 'Add {host} ({address}) to cluster {cluster}',
  'host.add.stepTitle': 'Add {host} and wait until it is up',
  'host.add.impact':
    'The engine logs into {address} as root with its own SSH key, installs VDSM and brings {host} up.',
  'host.add.keyWarning':
    "The engine's key must be in root's authorized_keys on {address} (--install-key or /host prepare); otherwise the install fails.",
  'host.add.exists': 'The engine already has {host} ({address}).',
  'host.add.existsHint': 'Pick another name, or /host remove it first.',
  'host.add.keyNeedsLabHost':
    '--install-key needs {machine} to be a host of lab.yml, which labops reaches over SSH.',
  'host.add.keyNeedsLabHostHint':
    'Add {machine} under hosts in lab.yml (and /host trust {machine}), or install the key yourself.',
  'host.add.keyStepTitle': "The engine's SSH key in {path} on {machine}",
  'host.add.alreadyUp': '{host} is already up',
  'host.add.failed': '{error} The engine says: {events}',
  'host.add.failedHint':
    "Check that the engine's key is in root's authorized_keys on {address} (/host prepare {host}).",

  // /host remove
  'host.remove.title': 'Remove {host}',
  'host.remove.titleWithMaintenance': 'Put {host} into maintenance, then remove it',
  'host.remove.stepTitle': 'Remove {host} from the engine',
  'host.remove.impact': '{host} leaves the engine; adding it back needs /host add.',
  'host.remove.wasAlready': '{host} was already removed',
  'host.remove.stillThere': '{host} is still in the engine.',
  'host.remove.done': '{host} is gone from the engine',

  // /host trust and /host prepare
  'host.machine.unknown': 'labops does not know a machine named "{machine}".',
  'host.machine.unknownHint': 'Machines: {machines} (hosts and storage.server of lab.yml).',
  'host.trust.title': "Trust {machine}'s SSH host key",
  'host.trust.alreadyTrusted': "{machine}'s key {fingerprint} is already trusted.",
  'host.trust.pinnedInConfig': "lab.yml pins {machine}'s key to {pinned}; {machine} presents {presented}.",
  'host.trust.pinnedInConfigHint':
    'If the host was reinstalled, compare the new key on it, then edit hosts[].ssh.host_key in lab.yml.',
  'host.trust.keyChanged': '{machine} presents a different key than the one pinned.',
  'host.trust.presented': 'presented: {fingerprint}',
  'host.trust.pinnedNow': 'pinned now: {fingerprint} (it would be replaced)',
  'host.trust.pinnedNowNothing': 'pinned now: nothing',
  'host.trust.compare': 'Compare on {machine}: {command}',
  'host.trust.keyChangedWarning':
    'The host key changed: a reinstalled host, or someone in between. Check before approving.',
  'host.trust.stepTitle': "Pin {machine}'s key {fingerprint}",
  'host.trust.pinned': "{machine}'s key {fingerprint} is pinned",
  'host.trust.pinnedOther': "{machine}'s pinned key is {pinned}.",
  'host.trust.pinnedNone': 'No key is pinned for {machine}.',
  'host.prepare.title': 'Prepare {host}',
  'host.prepare.titleInsecure': 'Prepare {host} (insecure lab shortcut)',
  'host.prepare.insecureReason': '--insecure stops firewalld and makes SELinux permissive.',
  'host.prepare.impact':
    "{host}: the lab's hosts entries and the engine's SSH key in {path}; each step checks first and changes only what is missing.",
  'host.prepare.impactInsecure': "firewalld stopped and SELinux permissive on it (the guide's lab shortcut).",
  // Help: what each sub-command does and what its arguments are.
  'host.help.summary':
    'Hypervisors: status, maintenance, activation, trust, preparation, adding and removing',
  'host.help.status': 'Hosts with their status, VMs and the SPM role',
  'host.help.statusHost': 'one host to show in detail',
  'host.help.maintenance': 'Migrate the VMs away and put a host into maintenance',
  'host.help.maintenanceHost': 'the host to put into maintenance',
  'host.help.maintenanceReason': 'why, shown in the engine and the audit trail',
  'host.help.activate': 'Bring a host back from maintenance',
  'host.help.activateHost': 'the host to activate',
  'host.help.trust': "Show a machine's SSH host key fingerprint for approval, then pin it",
  'host.help.trustHost': 'a hypervisor or the storage server',
  'host.help.prepare':
    "Prepare a hypervisor: the lab's hosts entries and the engine's SSH key (--insecure: the guide's shortcut)",
  'host.help.prepareHost': 'the hypervisor',
  'host.help.prepareInsecure':
    'also stop firewalld and make SELinux permissive (labs only, when the engine cannot install the host)',
  'host.help.add': "Add a hypervisor to the cluster with the engine's SSH key and wait until it is up",
  'host.help.addName': 'the name the engine will show',
  'host.help.addAddress': 'its host name or address, as the engine reaches it',
  'host.help.addInstallKey':
    "first install the engine's SSH key on the machine (a machine of lab.yml, over SSH)",
  'host.help.remove': 'Remove a host from the engine (from maintenance; the plan puts it there first)',
  'host.help.removeHost': 'the host to remove',
  'host.arg.hostForm': 'must be a host name such as hyper1',
  'host.arg.machineForm': 'must be a machine name such as hyper1',
  'host.arg.addressForm': 'must be a host name or an IP address such as hyper3.abc.local',

  'host.shows.pinKey': 'pin {fingerprint} for {machine}',
} as const;
