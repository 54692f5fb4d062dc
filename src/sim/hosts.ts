import { dropDisk } from './disks.js';
import {
  conflict,
  DELAYS,
  EngineFault,
  type EngineModel,
  EVENT,
  type Host,
  incomplete,
  type Job,
  MESSAGES,
  type RequestContext,
  type Vm,
} from './engine-model.js';
import type { SimMachineState } from './machines.js';

/**
 * Host and VM state machines (ovirt-api.md §3.4, §3.5, §6.3): maintenance with live migration and
 * SPM hand-over, activation, adding and removing hosts, starting and stopping VMs.
 */

const BUSY_HOST_STATES = new Set(['unassigned', 'installing', 'initializing']);

/** `POST /hosts/{id}/deactivate`: up → preparing_for_maintenance → (VMs migrate, SPM moves) → maintenance. */
export function deactivateHost(model: EngineModel, host: Host, ctx: RequestContext, reason?: string): Job {
  if (host.status === 'maintenance') {
    throw conflict('Cannot switch Host to Maintenance mode. Host is already in Maintenance mode.');
  }
  if (BUSY_HOST_STATES.has(host.status)) {
    throw conflict(`Cannot switch Host to Maintenance mode. ${MESSAGES.locked}`);
  }
  const dc = model.dataCenterOfHost(host);
  if (host.spm === 'spm' && dc?.status === 'contend') {
    throw conflict('Cannot switch Host to Maintenance mode. Host is contending.');
  }
  const job = model.startJob(`Moving Host ${host.name} to Maintenance`, ctx);
  host.generation++;
  host.status = 'preparing_for_maintenance';
  model.addEvent({
    code: EVENT.userHostMaintenance,
    severity: 'normal',
    description: `Host ${host.name} was switched to Maintenance mode by ${model.user}-authz${reason ? ` (Reason: ${reason})` : ''}.`,
    correlationId: ctx.correlationId,
    hostId: host.id,
  });
  const generation = host.generation;
  model.scheduler.after(0, () => migrateNextVm(model, host, generation, job, ctx));
  return job;
}

/** Migrates the host's VMs one at a time; when none can move, the host stays preparing (like the engine). */
function migrateNextVm(
  model: EngineModel,
  host: Host,
  generation: number,
  job: Job,
  ctx: RequestContext,
): void {
  if (host.generation !== generation) return;
  const remaining = model.vmsOnHost(host).filter((vm) => vm.status === 'up');
  const movable = remaining.filter((vm) => vm.affinity === 'migratable');
  for (const vm of movable) {
    const target = pickMigrationTarget(model, host);
    if (!target) break;
    startMigration(model, vm, host, target, ctx, () => migrateNextVm(model, host, generation, job, ctx));
    return;
  }
  if (remaining.length > 0) {
    failMaintenance(model, host, remaining, job, ctx);
    return;
  }
  handOverSpm(model, host, ctx, () => {
    if (host.generation !== generation) return;
    model.scheduler.after(DELAYS.hostToMaintenance, () => {
      if (host.generation !== generation) return;
      host.status = 'maintenance';
      model.addEvent({
        code: EVENT.hostMaintenance,
        severity: 'normal',
        description: `Host ${host.name} was switched to Maintenance Mode.`,
        correlationId: ctx.correlationId,
        hostId: host.id,
      });
      releaseHolds(model, host);
      model.endJob(job, 'finished');
    });
  });
}

function failMaintenance(model: EngineModel, host: Host, stuck: Vm[], job: Job, ctx: RequestContext): void {
  for (const vm of stuck) {
    model.addEvent({
      code: EVENT.migrationFailed,
      severity: 'error',
      description: `Migration failed (VM: ${vm.name}, Source: ${host.name}).`,
      correlationId: ctx.correlationId,
      hostId: host.id,
      vmId: vm.id,
    });
    model.addEvent({
      code: EVENT.noHostForMigration,
      severity: 'warning',
      description: `No available host was found to migrate VM ${vm.name} to.`,
      correlationId: ctx.correlationId,
      hostId: host.id,
      vmId: vm.id,
    });
  }
  model.addEvent({
    code: EVENT.hostMaintenanceFailed,
    severity: 'error',
    description: `Failed to switch Host ${host.name} to Maintenance mode.`,
    correlationId: ctx.correlationId,
    hostId: host.id,
  });
  model.endJob(job, 'failed');
}

/** The other up host of the cluster with the fewest VMs (ovirt-api.md §3.4). */
export function pickMigrationTarget(model: EngineModel, source: Host): Host | undefined {
  const candidates = model.hosts.filter(
    (h) => h.id !== source.id && h.clusterId === source.clusterId && h.status === 'up',
  );
  candidates.sort((a, b) => model.vmsOnHost(a).length - model.vmsOnHost(b).length);
  return candidates[0];
}

function startMigration(
  model: EngineModel,
  vm: Vm,
  source: Host,
  target: Host,
  ctx: RequestContext,
  done: () => void,
): void {
  vm.status = 'migrating';
  vm.generation++;
  const generation = vm.generation;
  model.addEvent({
    code: EVENT.migrationStarted,
    severity: 'normal',
    description: `Migration started (VM: ${vm.name}, Source: ${source.name}, Destination: ${target.name}, User: ${model.user}-authz).`,
    correlationId: ctx.correlationId,
    hostId: source.id,
    vmId: vm.id,
  });
  model.scheduler.after(DELAYS.vmMigration, () => {
    if (vm.generation !== generation) return;
    // The target may have left `up` meanwhile: the VM then stays where it was, and the next round decides.
    if (target.status === 'up') vm.hostId = target.id;
    vm.status = 'up';
    if (vm.hostId === target.id) {
      model.addEvent({
        code: EVENT.migrationDone,
        severity: 'normal',
        description: `Migration completed (VM: ${vm.name}, Source: ${source.name}, Destination: ${target.name}).`,
        correlationId: ctx.correlationId,
        hostId: target.id,
        vmId: vm.id,
      });
    }
    done();
  });
}

/**
 * A leaving SPM hands the role to another up host of the data center: the DC shows `contend`
 * briefly, then `up` (ovirt-api.md §3.4). With no other up host the DC is left without an SPM.
 */
function handOverSpm(model: EngineModel, host: Host, ctx: RequestContext, done: () => void): void {
  const dc = model.dataCenterOfHost(host);
  if (host.spm !== 'spm' || !dc) {
    done();
    return;
  }
  host.spm = 'none';
  const next = model.upHostsOfDataCenter(dc).find((h) => h.id !== host.id);
  if (!next) {
    dc.status = 'not_operational';
    done();
    return;
  }
  dc.status = 'contend';
  next.spm = 'contending';
  model.scheduler.after(DELAYS.spmElection, () => {
    if (next.status === 'up' && next.spm === 'contending') {
      next.spm = 'spm';
      dc.status = 'up';
    } else {
      next.spm = 'none';
      electSpm(model, dc.id, ctx);
    }
    done();
  });
}

/** Gives a data center with an active master domain and no SPM an SPM, when an up host exists. */
export function electSpm(model: EngineModel, dataCenterId: string, _ctx: RequestContext): void {
  const dc = model.dataCenters.find((d) => d.id === dataCenterId);
  if (!dc) return;
  const hosts = model.hostsOfDataCenter(dc);
  if (hosts.some((h) => h.spm !== 'none')) return;
  const hasMaster = model.domainsOfDataCenter(dc).some((s) => s.master && s.status === 'active');
  const candidate = hosts.find((h) => h.status === 'up');
  if (!hasMaster) {
    if (dc.status !== 'uninitialized') dc.status = candidate ? 'maintenance' : 'not_operational';
    return;
  }
  if (!candidate) {
    dc.status = 'not_operational';
    return;
  }
  dc.status = 'contend';
  candidate.spm = 'contending';
  model.scheduler.after(DELAYS.spmElection, () => {
    if (candidate.status === 'up' && candidate.spm === 'contending') {
      candidate.spm = 'spm';
      dc.status = 'up';
    } else {
      candidate.spm = 'none';
      electSpm(model, dataCenterId, _ctx);
    }
  });
}

/** FAQ 4: a host in maintenance no longer uses any domain. */
function releaseHolds(model: EngineModel, host: Host): void {
  for (const [domainId, hostId] of model.holds) {
    if (hostId === host.id) model.holds.delete(domainId);
  }
}

/** `POST /hosts/{id}/activate`: maintenance → unassigned → up. */
export function activateHost(model: EngineModel, host: Host, ctx: RequestContext): Job {
  if (host.status === 'up') throw conflict('Cannot activate Host. Host in Up status.');
  // VdsValidator.validateStatusForActivation (ovirt-engine-4.3): vdsm must answer first.
  if (host.status === 'non_responsive')
    throw conflict('Cannot activate Host. Host is in non responsive state.');
  if (BUSY_HOST_STATES.has(host.status)) throw conflict(`Cannot activate Host. ${MESSAGES.locked}`);
  if (host.status === 'install_failed') {
    throw conflict('Cannot activate Host. Host is in Install Failed status. Please reinstall the Host.');
  }
  const job = model.startJob(`Activating Host ${host.name}`, ctx);
  host.generation++;
  const generation = host.generation;
  // Cancelling a stuck maintenance: VMs still on the host keep running there.
  host.status = 'unassigned';
  model.addEvent({
    code: EVENT.hostActivate,
    severity: 'normal',
    description: `Activation of host ${host.name} initiated by ${model.user}-authz.`,
    correlationId: ctx.correlationId,
    hostId: host.id,
  });
  model.scheduler.after(DELAYS.hostActivation, () => {
    if (host.generation !== generation) return;
    bringHostUp(model, host, ctx);
    model.endJob(job, 'finished');
  });
  return job;
}

function bringHostUp(model: EngineModel, host: Host, ctx: RequestContext): void {
  host.status = 'up';
  model.addEvent({
    code: EVENT.hostUp,
    severity: 'normal',
    description: `Status of host ${host.name} was set to Up.`,
    correlationId: ctx.correlationId,
    hostId: host.id,
  });
  const dc = model.dataCenterOfHost(host);
  if (dc) electSpm(model, dc.id, ctx);
}

export interface AddHostSpec {
  name?: string | undefined;
  address?: string | undefined;
  cluster?: string | undefined;
  rootPassword?: string | undefined;
  publicKeyAuth: boolean;
  activate: boolean;
}

/**
 * `POST /hosts` (ovirt-api.md §3.5): installing → initializing → up. With public-key authentication
 * the install fails (install_failed + event 505) unless the engine's key is in the machine's
 * /root/.ssh/authorized_keys — the guide's typos (`authorized.keys`, `sh-rsa`) make it fail too.
 */
export function addHost(
  model: EngineModel,
  spec: AddHostSpec,
  findMachine: (name: string, address: string) => SimMachineState,
  engineKey: string,
  ctx: RequestContext,
): Host {
  const missing: string[] = [];
  if (!spec.name) missing.push('name');
  if (!spec.address) missing.push('address');
  if (!spec.cluster) missing.push('cluster.id|name');
  if (!spec.name || !spec.address || !spec.cluster) throw incomplete('Host', missing, 'add');
  if (!spec.publicKeyAuth && !spec.rootPassword) throw incomplete('Host', ['root_password'], 'add');
  const cluster = model.findCluster(spec.cluster);
  if (!cluster)
    throw new EngineFault(400, 'Operation Failed', `Entity not found: Cluster: name=${spec.cluster}`);
  if (model.hosts.some((h) => h.name.toLowerCase() === spec.name?.toLowerCase())) {
    throw conflict(
      'Cannot add Host. The Host name is already in use, please choose a unique name and try again.',
    );
  }
  if (model.hosts.some((h) => h.address.toLowerCase() === spec.address?.toLowerCase())) {
    throw conflict('Cannot add Host. The Host address is already in use, please choose a unique address.');
  }
  const machine = findMachine(spec.name, spec.address);
  const host: Host = {
    id: model.newId(),
    name: spec.name,
    address: spec.address,
    clusterId: cluster.id,
    status: 'installing',
    spm: 'none',
    memoryBytes: 8 * 1024 ** 3,
    machine,
    generation: 0,
  };
  model.hosts.push(host);
  const job = model.startJob(`Adding new Host ${host.name} to Cluster ${cluster.name}`, ctx);
  const generation = host.generation;
  model.scheduler.after(DELAYS.hostInstall, () => {
    if (host.generation !== generation) return;
    if (spec.publicKeyAuth && !hasAuthorizedKey(machine, engineKey)) {
      host.status = 'install_failed';
      model.addEvent({
        code: EVENT.hostInstallFailed,
        severity: 'error',
        description: `Host ${host.name} installation failed. SSH authentication to 'root@${host.address}' failed. Please verify provided credentials. Make sure key is authorized at host.`,
        correlationId: ctx.correlationId,
        hostId: host.id,
      });
      model.endJob(job, 'failed');
      return;
    }
    host.status = 'initializing';
    model.scheduler.after(DELAYS.hostInitializing, () => {
      if (host.generation !== generation) return;
      if (spec.activate) bringHostUp(model, host, ctx);
      else host.status = 'maintenance';
      model.endJob(job, 'finished');
    });
  });
  return host;
}

/** Whether root's authorized_keys holds the engine's key (type and key material; the comment may differ). */
export function hasAuthorizedKey(machine: SimMachineState, keyLine: string): boolean {
  const [type, material] = keyLine.split(/\s+/);
  const content = machine.readFile('/root/.ssh/authorized_keys') ?? '';
  return content.split('\n').some((line) => {
    const fields = line.trim().split(/\s+/);
    return fields.some((f, i) => f === type && fields[i + 1] === material);
  });
}

/** `DELETE /hosts/{id}`: only from maintenance (or a failed install). */
export function removeHost(model: EngineModel, host: Host, ctx: RequestContext): void {
  if (host.status !== 'maintenance' && host.status !== 'install_failed') {
    throw conflict('Cannot remove Host. Host is operational. Please switch Host to Maintenance mode first.');
  }
  const job = model.startJob(`Removing Host ${host.name}`, ctx);
  host.generation++;
  model.hosts.splice(model.hosts.indexOf(host), 1);
  model.endJob(job, 'finished');
}

/**
 * `POST /vms/{id}/start`. The running VM's CD is the saved one, or the run-once CD of the guide's
 * run-once boot (`runOnceCd`), which leaves the saved configuration as it was (ovirt-api.md §5.1).
 */
export function startVm(model: EngineModel, vm: Vm, ctx: RequestContext, runOnceCd?: string): Job {
  if (vm.status !== 'down') throw conflict('Cannot run VM. VM is running.');
  const candidates = model.hosts.filter(
    (h) =>
      h.clusterId === vm.clusterId &&
      h.status === 'up' &&
      (vm.affinity !== 'pinned' || vm.pinnedHostIds.length === 0 || vm.pinnedHostIds.includes(h.id)),
  );
  candidates.sort((a, b) => model.vmsOnHost(a).length - model.vmsOnHost(b).length);
  const target = candidates[0];
  if (!target) {
    throw conflict('Cannot run VM. There is no host that satisfies current scheduling constraints.');
  }
  const job = model.startJob(`Launching VM ${vm.name}`, ctx);
  vm.generation++;
  const generation = vm.generation;
  vm.status = 'powering_up';
  vm.hostId = target.id;
  vm.cdromCurrent = runOnceCd ?? vm.cdromSaved;
  model.scheduler.after(DELAYS.vmStart, () => {
    if (vm.generation !== generation) return;
    vm.status = 'up';
    vm.startTime = Date.now();
    model.addEvent({
      code: EVENT.vmStarted,
      severity: 'normal',
      description: `VM ${vm.name} started on Host ${target.name}`,
      correlationId: ctx.correlationId,
      hostId: target.id,
      vmId: vm.id,
    });
    model.endJob(job, 'finished');
  });
  return job;
}

/** `POST /vms/{id}/stop`: powering_down → down. */
export function stopVm(model: EngineModel, vm: Vm, ctx: RequestContext): Job {
  if (vm.status === 'down') throw conflict('Cannot stop VM. VM is not running.');
  if (vm.status === 'migrating') throw conflict(`Cannot stop VM. ${MESSAGES.locked}`);
  const job = model.startJob(`Stopping VM ${vm.name}`, ctx);
  vm.generation++;
  const generation = vm.generation;
  vm.status = 'powering_down';
  model.scheduler.after(DELAYS.vmStop, () => {
    if (vm.generation !== generation) return;
    const hostId = vm.hostId;
    vm.status = 'down';
    vm.hostId = undefined;
    // The hot-changed CD lasts until the VM stops (ovirt-api.md §5.1).
    vm.cdromCurrent = undefined;
    vm.stopTime = Date.now();
    model.addEvent({
      code: EVENT.vmStopped,
      severity: 'normal',
      description: `VM ${vm.name} powered off by ${model.user}-authz.`,
      correlationId: ctx.correlationId,
      hostId,
      vmId: vm.id,
    });
    model.endJob(job, 'finished');
  });
  return job;
}

/** `DELETE /vms/{id}`: only a down VM; its disks go with it unless `detachOnly`. */
export function removeVm(model: EngineModel, vm: Vm, ctx: RequestContext, detachOnly: boolean): void {
  if (vm.status !== 'down') throw conflict('Cannot remove VM. VM is running.');
  const job = model.startJob(`Removing VM ${vm.name} from system`, ctx);
  vm.generation++;
  model.vms.splice(model.vms.indexOf(vm), 1);
  if (!detachOnly) {
    for (const diskId of [...vm.diskIds]) {
      const disk = model.findDisk(diskId);
      if (disk) dropDisk(model, disk);
    }
  }
  model.endJob(job, 'finished');
}

// ---- what the engine's monitoring sees (the knobs of issue 15 §1) ---------------------------------

/** vdsm stopped answering: VDS_FAILURE (12). Its VMs keep their status, as the engine shows them until fenced. */
export function loseHost(model: EngineModel, host: Host): void {
  const vdsm = host.machine.services.get('vdsmd');
  if (vdsm) vdsm.active = false;
  if (host.status === 'non_responsive') return;
  host.generation++;
  host.status = 'non_responsive';
  model.addEvent({
    code: EVENT.hostNonResponsive,
    severity: 'error',
    description: `Host ${host.name} is non responsive.`,
    correlationId: model.newId(),
    hostId: host.id,
  });
}

/** vdsm answers again: the host comes back up with VDS_DETECTED (13), and an SPM is elected if none is. */
export function reconnectHost(model: EngineModel, host: Host): void {
  const vdsm = host.machine.services.get('vdsmd');
  if (vdsm) vdsm.active = true;
  if (host.status !== 'non_responsive') return;
  host.generation++;
  bringHostUp(model, host, { correlationId: model.newId() });
}

/** VM_PAUSED_EIO (145): the guest's disk stopped answering, and qemu paused it. */
export function pauseVmOnIoError(model: EngineModel, vm: Vm): void {
  if (vm.status !== 'up') throw conflict(`VM ${vm.name} is not running (${vm.status}).`);
  vm.generation++;
  vm.status = 'paused';
  model.addEvent({
    code: EVENT.vmPausedEio,
    severity: 'error',
    description: `VM ${vm.name} has been paused due to storage I/O problem.`,
    correlationId: model.newId(),
    hostId: vm.hostId,
    vmId: vm.id,
  });
}

/** VM_RECOVERED_FROM_PAUSE_ERROR (196). */
export function resumePausedVm(model: EngineModel, vm: Vm): void {
  if (vm.status !== 'paused') return;
  vm.generation++;
  vm.status = 'up';
  model.addEvent({
    code: EVENT.vmRecoveredFromPause,
    severity: 'normal',
    description: `VM ${vm.name} has recovered from paused back to up.`,
    correlationId: model.newId(),
    hostId: vm.hostId,
    vmId: vm.id,
  });
}

/** VM_MIGRATION_FAILED (65) of a migration nobody in labops asked: the VM stays on its host. */
export function failVmMigration(model: EngineModel, vm: Vm): void {
  const source = vm.hostId === undefined ? undefined : model.hosts.find((h) => h.id === vm.hostId);
  if (vm.status !== 'up' || !source) throw conflict(`VM ${vm.name} is not running.`);
  model.addEvent({
    code: EVENT.migrationFailed,
    severity: 'error',
    description: `Migration failed (VM: ${vm.name}, Source: ${source.name}).`,
    correlationId: model.newId(),
    hostId: source.id,
    vmId: vm.id,
  });
}
