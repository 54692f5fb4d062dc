import { randomUUID } from 'node:crypto';
import type { UploadRecord } from './imageio.js';
import type { LabNetwork, SimMachineState } from './machines.js';
import type { EngineProfile } from './model/api-model.js';
import type { Scheduler } from './scheduler.js';

/**
 * The engine's state: the objects of the seed lab and those the API creates, the event log and the
 * jobs. The state machines that change it live beside it (hosts.ts, storage.ts, transfers.ts); this
 * file holds the data, the look-ups and the bookkeeping every action shares.
 */

export type HostStatus =
  | 'up'
  | 'preparing_for_maintenance'
  | 'maintenance'
  | 'unassigned'
  | 'installing'
  | 'initializing'
  | 'install_failed'
  | 'non_operational'
  | 'non_responsive';

export type DataCenterStatus = 'uninitialized' | 'up' | 'contend' | 'maintenance' | 'not_operational';

export type StorageDomainStatus =
  | 'locked'
  | 'unattached'
  | 'active'
  | 'inactive'
  | 'activating'
  | 'preparing_for_maintenance'
  | 'maintenance';

export type VmStatus = 'up' | 'down' | 'migrating' | 'powering_up' | 'powering_down' | 'paused';

export type TransferPhase =
  | 'initializing'
  | 'transferring'
  | 'finalizing_success'
  | 'finalizing_failure'
  | 'finished_success'
  | 'finished_failure'
  | 'cancelled_user'
  | 'paused_system';

export interface DataCenter {
  id: string;
  name: string;
  status: DataCenterStatus;
}

export interface Cluster {
  id: string;
  name: string;
  dataCenterId: string;
}

export interface Host {
  id: string;
  name: string;
  address: string;
  clusterId: string;
  status: HostStatus;
  spm: 'spm' | 'contending' | 'none';
  memoryBytes: number;
  /** The simulated machine behind the host. */
  machine: SimMachineState;
  /** Bumped when a new state machine starts on the host, so stale timers of an earlier one stop. */
  generation: number;
}

export interface Vm {
  id: string;
  name: string;
  clusterId: string;
  status: VmStatus;
  hostId: string | undefined;
  memoryBytes: number;
  affinity: 'migratable' | 'user_migratable' | 'pinned';
  pinnedHostIds: string[];
  creationTime: number;
  startTime: number | undefined;
  stopTime: number | undefined;
  /**
   * The CD drive's file (an ISO file name or an ISO disk id) in the saved configuration, and in the
   * running VM (`current`, undefined while the VM is down) — ovirt-api.md §5.1.
   */
  cdromSaved: string | undefined;
  cdromCurrent: string | undefined;
  diskIds: string[];
  generation: number;
}

export interface StorageDomain {
  id: string;
  name: string;
  type: 'data' | 'iso';
  address: string;
  path: string;
  nfsVersion: string;
  /** The NFS server machine the domain lives on. */
  server: SimMachineState;
  /** Set while attached to a data center; `status` is then the DC-scoped status (ovirt-api.md §4.3). */
  dataCenterId: string | undefined;
  status: StorageDomainStatus;
  master: boolean;
  /** The ISO domain file list the engine caches until a `files?refresh=true`. */
  cachedFiles: string[] | undefined;
  generation: number;
}

export interface Disk {
  id: string;
  name: string;
  description: string | undefined;
  contentType: 'data' | 'iso';
  format: 'raw' | 'cow';
  sparse: boolean;
  status: 'locked' | 'ok' | 'illegal';
  provisionedSize: number;
  actualSize: number;
  storageDomainId: string;
}

export interface ImageTransfer {
  id: string;
  diskId: string;
  hostId: string;
  phase: TransferPhase;
  direction: 'upload' | 'download';
  format: 'raw' | 'cow';
  inactivityTimeout: number;
  timeoutPolicy: string;
  ticketId: string;
  /** imageio's counters for the ticket, once the transfer reached `transferring`. */
  upload?: UploadRecord | undefined;
  transferUrl?: string | undefined;
  proxyUrl?: string | undefined;
  job?: Job | undefined;
}

export interface SimEvent {
  index: number;
  code: number;
  description: string;
  severity: 'normal' | 'warning' | 'error' | 'alert';
  time: number;
  correlationId: string;
  hostId?: string | undefined;
  vmId?: string | undefined;
  storageDomainId?: string | undefined;
  dataCenterId?: string | undefined;
}

export interface Job {
  id: string;
  description: string;
  status: 'started' | 'finished' | 'failed';
  correlationId: string;
  startTime: number;
  endTime: number | undefined;
  lastUpdated: number;
}

/** What every state change needs to know about the request that caused it. */
export interface RequestContext {
  correlationId: string;
}

/**
 * A refusal the engine answers with. The server renders it as a plain fault (`{reason, detail}`)
 * or, for actions, as an action failure (`{"fault":{...},"status":"failed"}`) — ovirt-api.md §2.4.
 * `emptyBody` is the bare 404 of §8.12.
 */
export class EngineFault extends Error {
  constructor(
    readonly status: number,
    readonly reason: string,
    readonly detail: string,
    readonly emptyBody = false,
  ) {
    super(detail);
  }
}

/** A 409 validation failure; the engine brackets its can-do-action messages (ovirt-api.md §2.4). */
export function conflict(message: string): EngineFault {
  return new EngineFault(409, 'Operation Failed', `[${message}]`);
}

/** A backend (vdsm) failure: 400 with the engine's "Error while executing action" wording. */
export function backendFailure(action: string, message: string): EngineFault {
  return new EngineFault(400, 'Operation Failed', `Error while executing action ${action}: ${message}`);
}

/** Missing mandatory fields (ovirt-api.md §8.3). */
export function incomplete(type: string, fields: string[], verb: string): EngineFault {
  return new EngineFault(400, 'Incomplete parameters', `${type} [${fields.join(', ')}] required for ${verb}`);
}

/** An unknown id: 404 with an empty body (ovirt-api.md §2.4, §8.12). */
export function notFound(): EngineFault {
  return new EngineFault(404, 'Not Found', '', true);
}

/** Fragments of engine messages that callers match on; kept in one place so tests can cite them. */
export const MESSAGES = {
  locked: 'Related operation is currently in progress. Please try again later.',
  perm469:
    'Permission settings on the specified path do not allow access to the storage. Verify permission settings on the specified storage path.',
  notEmpty361: 'Storage domain is not empty - requires cleaning',
  mountProblem: 'Problem while trying to mount target',
} as const;

/** Base durations in lab-like milliseconds; every one is multiplied by the time scale. */
export const DELAYS = {
  vmMigration: 4000,
  spmElection: 2000,
  hostToMaintenance: 1500,
  hostActivation: 3000,
  hostInstall: 6000,
  hostInitializing: 2000,
  vmStart: 3000,
  vmStop: 2000,
  domainCreate: 3000,
  domainAttach: 3000,
  domainActivate: 2000,
  domainDeactivate: 3000,
  diskCreate: 2000,
  transferInitialize: 2000,
  transferFinalize: 2000,
  /** How long a finished transfer stays readable before GET answers 404 (older engines: at once). */
  transferRetention: 30000,
} as const;

/** Event codes of the engine's AuditLogType that the simulator emits (ovirt-api.md §6.5). */
/**
 * The codes the simulator logs, each the engine's own (AuditLogType.java, branch ovirt-engine-4.3;
 * the name beside each). The descriptions follow AuditLogMessages.properties of the same branch.
 */
export const EVENT = {
  /** VDS_FAILURE: "Host X is non responsive." */
  hostNonResponsive: 12,
  /** VDS_DETECTED: "Status of host X was set to Up." */
  hostUp: 13,
  /** VDS_MAINTENANCE */
  hostMaintenance: 15,
  /** VDS_ACTIVATE */
  hostActivate: 16,
  /** VDS_MAINTENANCE_FAILED */
  hostMaintenanceFailed: 17,
  /** USER_VDC_LOGIN */
  login: 30,
  /** USER_VDC_LOGOUT */
  logout: 31,
  /** USER_RUN_VM */
  vmStarted: 32,
  /** USER_STOP_VM */
  vmStopped: 33,
  /** VM_MIGRATION_START */
  migrationStarted: 62,
  /** VM_MIGRATION_DONE */
  migrationDone: 63,
  /** VM_MIGRATION_FAILED */
  migrationFailed: 65,
  /** VM_PAUSED_EIO: "VM X has been paused due to storage I/O problem." */
  vmPausedEio: 145,
  /** VM_MIGRATION_NO_VDS_TO_MIGRATE_TO (a warning) */
  noHostForMigration: 166,
  /** VM_RECOVERED_FROM_PAUSE_ERROR */
  vmRecoveredFromPause: 196,
  /** VDS_INSTALL_FAILED */
  hostInstallFailed: 505,
  /** USER_VDS_MAINTENANCE */
  userHostMaintenance: 600,
  /** USER_ADD_STORAGE_DOMAIN */
  domainAdded: 956,
  /** USER_REMOVE_STORAGE_DOMAIN */
  domainRemoved: 960,
  /** USER_ATTACH_STORAGE_DOMAIN_TO_POOL */
  domainAttached: 962,
  /** USER_DETACH_STORAGE_DOMAIN_FROM_POOL */
  domainDetached: 964,
  /** USER_ACTIVATED_STORAGE_DOMAIN */
  domainActivated: 966,
  /** USER_DEACTIVATED_STORAGE_DOMAIN */
  domainDeactivated: 968,
  /** SYSTEM_DEACTIVATED_STORAGE_DOMAIN */
  domainDeactivatedBySystem: 970,
  /** USER_ADD_DISK */
  diskAdded: 2020,
  /** TRANSFER_IMAGE_SUCCEEDED: "Image Upload with disk X succeeded." (1071 was wrong: a pause) */
  uploadFinished: 1032,
  /** TRANSFER_IMAGE_FAILED: "Image Upload with disk X failed." (1072 was wrong: a download's timeout) */
  uploadFailed: 1034,
  /** UPLOAD_IMAGE_PAUSED_BY_SYSTEM_TIMEOUT */
  transferPausedBySystem: 1071,
} as const;

const MAX_EVENTS = 5000;

/** The engine's objects and logs. Ids are UUIDs like the real engine's. */
export class EngineModel {
  readonly dataCenters: DataCenter[] = [];
  readonly clusters: Cluster[] = [];
  readonly hosts: Host[] = [];
  readonly vms: Vm[] = [];
  readonly storageDomains: StorageDomain[] = [];
  readonly disks: Disk[] = [];
  readonly transfers: ImageTransfer[] = [];
  readonly events: SimEvent[] = [];
  readonly jobs: Job[] = [];
  /** FAQ 4: storage domain id -> id of a host that still uses it. */
  readonly holds = new Map<string, string>();
  /** The engine's admin user, owner of jobs and events. */
  readonly userId = randomUUID();
  private nextEventIndex = 1;

  constructor(
    readonly scheduler: Scheduler,
    readonly user: string,
    /** The engine + NFS server machine. */
    readonly engineMachine: SimMachineState,
    readonly network: LabNetwork,
    /** The engine version played, and its API model. */
    readonly engine: EngineProfile,
  ) {}

  newId(): string {
    return randomUUID();
  }

  findHost(idOrName: string): Host | undefined {
    return this.hosts.find((h) => h.id === idOrName) ?? this.hosts.find((h) => sameName(h.name, idOrName));
  }

  findDataCenter(idOrName: string): DataCenter | undefined {
    return (
      this.dataCenters.find((d) => d.id === idOrName) ??
      this.dataCenters.find((d) => sameName(d.name, idOrName))
    );
  }

  findCluster(idOrName: string): Cluster | undefined {
    return (
      this.clusters.find((c) => c.id === idOrName) ?? this.clusters.find((c) => sameName(c.name, idOrName))
    );
  }

  findVm(idOrName: string): Vm | undefined {
    return this.vms.find((v) => v.id === idOrName) ?? this.vms.find((v) => sameName(v.name, idOrName));
  }

  findDomain(idOrName: string): StorageDomain | undefined {
    return (
      this.storageDomains.find((s) => s.id === idOrName) ??
      this.storageDomains.find((s) => sameName(s.name, idOrName))
    );
  }

  findDisk(id: string): Disk | undefined {
    return this.disks.find((d) => d.id === id);
  }

  findTransfer(id: string): ImageTransfer | undefined {
    return this.transfers.find((t) => t.id === id);
  }

  dataCenterOfHost(host: Host): DataCenter | undefined {
    const cluster = this.clusters.find((c) => c.id === host.clusterId);
    return cluster && this.dataCenters.find((d) => d.id === cluster.dataCenterId);
  }

  hostsOfDataCenter(dc: DataCenter): Host[] {
    const clusterIds = new Set(this.clusters.filter((c) => c.dataCenterId === dc.id).map((c) => c.id));
    return this.hosts.filter((h) => clusterIds.has(h.clusterId));
  }

  upHostsOfDataCenter(dc: DataCenter): Host[] {
    return this.hostsOfDataCenter(dc).filter((h) => h.status === 'up');
  }

  domainsOfDataCenter(dc: DataCenter): StorageDomain[] {
    return this.storageDomains.filter((s) => s.dataCenterId === dc.id);
  }

  vmsOnHost(host: Host): Vm[] {
    return this.vms.filter((v) => v.hostId === host.id && v.status !== 'down');
  }

  addEvent(event: Omit<SimEvent, 'index' | 'time'>): SimEvent {
    const full: SimEvent = { ...event, index: this.nextEventIndex++, time: Date.now() };
    this.events.push(full);
    if (this.events.length > MAX_EVENTS) this.events.shift();
    return full;
  }

  startJob(description: string, ctx: RequestContext): Job {
    const now = Date.now();
    const job: Job = {
      id: randomUUID(),
      description,
      status: 'started',
      correlationId: ctx.correlationId,
      startTime: now,
      endTime: undefined,
      lastUpdated: now,
    };
    this.jobs.push(job);
    if (this.jobs.length > MAX_EVENTS) this.jobs.shift();
    return job;
  }

  endJob(job: Job, status: 'finished' | 'failed'): void {
    if (job.status !== 'started') return;
    job.status = status;
    job.endTime = Date.now();
    job.lastUpdated = job.endTime;
  }
}

/** Engine names compare case-insensitively (ovirt-api.md §2.7: searches default to case-insensitive). */
export function sameName(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}
