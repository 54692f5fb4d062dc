import type { z } from 'zod';
import { LabopsError } from '../errors.js';
import { type Clock, type Sleep, systemClock } from '../time.js';
import { type UploadedImage, type UploadImageSpec, uploadImage } from './image-upload.js';
import {
  ApiRootSchema,
  CdromSchema,
  ClusterSchema,
  collectionOf,
  DataCenterSchema,
  DiskAttachmentSchema,
  DiskSchema,
  EventSchema,
  FileSchema,
  HostSchema,
  ImageTransferSchema,
  JobSchema,
  StorageDomainSchema,
  VmSchema,
} from './schemas.js';
import { EngineTransport, type EngineTransportOptions, type WriteListener } from './transport.js';
import type {
  ApiInfo,
  Cluster,
  DataCenter,
  Disk,
  DomainFile,
  EngineEvent,
  EngineJob,
  Host,
  ImageTransfer,
  StorageDomain,
  TransferOutcome,
  Vm,
} from './types.js';
import { type ApiLevel, hasMember, parseEngineVersion, takesBodyMember } from './versions.js';
import { DEFAULT_LONG_WAIT, DEFAULT_WAIT, type WaitTiming, waitFor } from './wait.js';

/** Waits the client runs, each with its own timing (ovirt-api.md §7). */
export interface EngineWaits {
  /** Storage domains, disks, data centers, transfers: short (3 min). */
  short: WaitTiming;
  /** Hosts (maintenance, activation, install): long (10 min). */
  long: WaitTiming;
}

export interface EngineClientOptions extends EngineTransportOptions {
  waits?: Partial<EngineWaits> | undefined;
  now?: Clock | undefined;
}

/** Per-call options every operation takes. */
export interface CallOptions {
  signal?: AbortSignal | undefined;
}

/** Options of a wait: the timing may be overridden per wait. */
export interface WaitCallOptions extends CallOptions {
  timing?: WaitTiming | undefined;
  /** Event index seen before the action (§6.5): failure events after it end the wait. */
  sinceEventIndex?: number | undefined;
  onPoll?: ((seen: string) => void) | undefined;
}

/** Which events are about the object a wait watches. */
export interface FailureEventFilter {
  hostId?: string | undefined;
  vmId?: string | undefined;
  signal?: AbortSignal | undefined;
}

export interface AddHostSpec {
  name: string;
  address: string;
  clusterName: string;
  /** With the engine's SSH key already in root's authorized_keys (§3.5). */
  auth: { kind: 'publickey'; port?: number } | { kind: 'password'; rootPassword: string };
}

export interface AddNfsDomainSpec {
  name: string;
  type: 'data' | 'iso';
  address: string;
  path: string;
  /** The host that mounts the export and writes the domain (must be up). */
  hostName: string;
  nfsVersion?: 'auto' | 'v3' | 'v4' | 'v4_0' | 'v4_1' | 'v4_2';
}

export interface CreateDiskSpec {
  name: string;
  sizeBytes: number;
  storageDomainId: string;
  /** ISO images must be `iso` + raw + not sparse, or finalize fails (§5.2). */
  contentType: 'iso' | 'data';
  /** Free text; labops marks its uploads here (disk-mark.ts). */
  description?: string | undefined;
}

/** A CD drive's two views (§5.1): the saved configuration, or what a running VM has now. */
export interface CdromCallOptions extends CallOptions {
  current?: boolean | undefined;
}

/** Host statuses a host will not leave by itself while we wait (ansible `ovirt_host`, §3.6). */
const HOST_FAILED = new Set(['error', 'install_failed', 'non_responsive', 'non_operational', 'down']);
/**
 * Engine event codes that mean a maintenance failed (§3.4; AuditLogType, engine 4.3): 17 failed,
 * 65/140 migration failed, 166 no target, 1111 no target while the host prepares for maintenance.
 */
export const MAINTENANCE_FAILURE_CODES = [17, 65, 140, 166, 1111] as const;
/**
 * Engine event codes that mean a VM start failed for good (AuditLogType, ovirt-engine-4.3): 54
 * USER_FAILED_RUN_VM, logged by RunVmCommandBase.runningFailed once the engine gives up after its
 * reruns on other hosts; 70 a stateless start that failed; the storage-error pauses 138/139/145/146.
 */
export const VM_START_FAILURE_CODES = [54, 70, 138, 139, 145, 146] as const;
/**
 * One host's failed attempt, not final (ovirt-engine-4.3): VmAnalyzer.proceedDownVm logs 119
 * VM_DOWN_ERROR and sets the VM down, then the engine reruns the start on another host and logs 151
 * USER_INITIATED_RUN_VM_FAILED. They never end a wait; they are listed with a final failure, as 119
 * carries the exit message that says why.
 */
export const VM_START_ATTEMPT_CODES = [119, 151] as const;
/**
 * Polls in a row that must see a started VM `down` before the wait calls the start failed without a
 * final event: during a rerun the VM is down for one monitoring cycle (well under the 3 s poll
 * interval) before the engine launches it elsewhere, so one `down` poll proves nothing.
 */
export const VM_DOWN_POLLS_TO_FAIL = 2;
/** VM statuses on the way to `up` (§6.3). */
const VM_STARTING = new Set(['wait_for_launch', 'powering_up', 'reboot_in_progress', 'restoring_state']);
/** VM statuses a starting VM does not leave by itself (§6.3). */
const VM_FAILED = new Set(['not_responding', 'unknown']);
const ISO_IMAGES_SEARCH = 'disk_type=image and disk_content_type=iso';
/** Transfer phases the engine will not leave by itself: the upload failed (§5.2). */
const TRANSFER_FAILED = (phase: string): boolean =>
  phase === 'finished_failure' || phase.startsWith('cancelled') || phase.startsWith('paused');

/**
 * The operations labops runs on an oVirt engine (REST API v4, JSON). Every answer is read through a
 * zod schema and returned as the plain types of `types.ts`. A client made by `withCorrelationId`
 * tags each request so the engine's jobs and events can be traced to the labops job (§1.5).
 */
export class EngineClient {
  private readonly transport: EngineTransport;
  private readonly waits: EngineWaits;
  private readonly sleep: Sleep | undefined;
  private readonly now: Clock;
  readonly correlationId: string | undefined;
  private readonly onWrite: WriteListener | undefined;

  constructor(
    transport: EngineTransport,
    settings: {
      waits?: Partial<EngineWaits> | undefined;
      sleep?: Sleep | undefined;
      now?: Clock | undefined;
    } = {},
    correlationId?: string,
    onWrite?: WriteListener,
  ) {
    this.onWrite = onWrite;
    this.transport = transport;
    this.waits = { short: DEFAULT_WAIT, long: DEFAULT_LONG_WAIT, ...settings.waits };
    this.sleep = settings.sleep;
    this.now = settings.now ?? systemClock;
    this.correlationId = correlationId;
  }

  static create(options: EngineClientOptions): EngineClient {
    return new EngineClient(new EngineTransport(options), options);
  }

  /**
   * The same client, its requests tagged with `Correlation-Id: id`; `onWrite` hears of every
   * request that may change the engine before it goes out (a job's report counts them, §5).
   */
  withCorrelationId(id: string, onWrite?: WriteListener): EngineClient {
    return new EngineClient(
      this.transport,
      { waits: this.waits, sleep: this.sleep, now: this.now },
      id,
      onWrite,
    );
  }

  get origin(): string {
    return this.transport.origin;
  }

  get waitTimings(): EngineWaits {
    return this.waits;
  }

  close(): Promise<void> {
    return this.transport.close();
  }

  /**
   * Uploads an ISO into a data domain through an image transfer (§5.2), streamed, verified, and
   * cleaned up on failure or cancel; imageio is trusted with the engine's CA.
   */
  uploadIso(spec: UploadImageSpec): Promise<UploadedImage> {
    return uploadImage(this, this.transport.tls, spec);
  }

  // ---- the engine itself ----------------------------------------------------------------------

  /** The API root: a cheap "alive and logged in" probe (§6.4). */
  async getApiInfo(options: CallOptions = {}): Promise<ApiInfo> {
    const root = await this.get('', ApiRootSchema, options);
    return {
      productName: root.product_info?.name,
      version: root.product_info?.version?.full_version,
      engineVersion: parseEngineVersion(root.product_info?.version),
    };
  }

  /**
   * The engine's version and the request level it selects (versions.ts), read once per login:
   * `/lab status` and App Home show it, with a warning for a version labops does not know.
   */
  getApiLevel(options: CallOptions = {}): Promise<ApiLevel> {
    return this.transport.getApiLevel(options.signal);
  }

  /** The engine's SSH public key, to put in a hypervisor's authorized_keys before adding it (§1.6). */
  async getEngineSshPublicKey(options: CallOptions = {}): Promise<string> {
    const text = await this.transport.getServiceText(
      '/pki-resource?resource=engine-certificate&format=OPENSSH-PUBKEY',
      options.signal,
    );
    const line = text.trim().split('\n')[0]?.trim() ?? '';
    if (!/^(ssh-(rsa|ed25519)|ecdsa-sha2-nistp\d+) [A-Za-z0-9+/=]+/.test(line)) {
      throw new LabopsError(
        'ENGINE_UNAVAILABLE',
        'The engine did not publish an SSH public key at pki-resource.',
        {
          hint: 'Check the engine URL; the key is at /ovirt-engine/services/pki-resource?resource=engine-certificate&format=OPENSSH-PUBKEY.',
        },
      );
    }
    return line;
  }

  // ---- data centers and clusters --------------------------------------------------------------

  async listDataCenters(options: CallOptions = {}): Promise<DataCenter[]> {
    const list = await this.get('/datacenters', collectionOf('data_center', DataCenterSchema), options);
    return list.map((dc) => ({ id: dc.id, name: dc.name, status: dc.status ?? 'unknown' }));
  }

  async getDataCenter(id: string, options: CallOptions = {}): Promise<DataCenter> {
    const dc = await this.get(`/datacenters/${seg(id)}`, DataCenterSchema, options);
    return { id: dc.id, name: dc.name, status: dc.status ?? 'unknown' };
  }

  async findDataCenter(name: string, options: CallOptions = {}): Promise<DataCenter> {
    const list = await this.get(
      '/datacenters',
      collectionOf('data_center', DataCenterSchema),
      options,
      searchByName(name),
    );
    return requireNamed(
      list.map((dc) => ({ id: dc.id, name: dc.name, status: dc.status ?? 'unknown' })),
      name,
      'data center',
    );
  }

  async listClusters(options: CallOptions = {}): Promise<Cluster[]> {
    const list = await this.get('/clusters', collectionOf('cluster', ClusterSchema), options);
    return list.map((c) => ({ id: c.id, name: c.name, dataCenterId: c.data_center?.id }));
  }

  // ---- hosts ----------------------------------------------------------------------------------

  async listHosts(options: CallOptions = {}): Promise<Host[]> {
    const list = await this.get('/hosts', collectionOf('host', HostSchema), options);
    return list.map(toHost);
  }

  async getHost(id: string, options: CallOptions = {}): Promise<Host> {
    return toHost(await this.get(`/hosts/${seg(id)}`, HostSchema, options));
  }

  /** The host named exactly `name` (the engine's search is case-insensitive and wildcarded, §2.7). */
  async findHost(name: string, options: CallOptions = {}): Promise<Host> {
    const list = await this.get('/hosts', collectionOf('host', HostSchema), options, searchByName(name));
    return requireNamed(list.map(toHost), name, 'host');
  }

  /** Starts maintenance; the host then passes through preparing_for_maintenance (§3.4). */
  async deactivateHost(id: string, reason?: string, options: CallOptions = {}): Promise<void> {
    await this.transport.action(`/hosts/${seg(id)}/deactivate`, reason ? { reason } : {}, this.call(options));
  }

  async activateHost(id: string, options: CallOptions = {}): Promise<void> {
    await this.transport.action(`/hosts/${seg(id)}/activate`, {}, this.call(options));
  }

  /** Adds a host; it then installs (`installing` → `up`). The root password is never logged or returned. */
  async addHost(spec: AddHostSpec, options: CallOptions = {}): Promise<Host> {
    const body: Record<string, unknown> = {
      name: spec.name,
      address: spec.address,
      cluster: { name: spec.clusterName },
    };
    if (spec.auth.kind === 'publickey') {
      body.ssh = { authentication_method: 'publickey', port: String(spec.auth.port ?? 22) };
    } else {
      body.root_password = spec.auth.rootPassword;
    }
    const host = await this.transport.request({
      method: 'POST',
      path: '/hosts',
      body,
      schema: HostSchema,
      ...this.call(options),
    });
    if (!host)
      throw new LabopsError('ENGINE_UNAVAILABLE', 'The engine answered the host add without the host.');
    return toHost(host);
  }

  /** Removes a host; the engine refuses unless it is in maintenance (§3.5). */
  async removeHost(id: string, options: CallOptions = {}): Promise<void> {
    await this.transport.request({ method: 'DELETE', path: `/hosts/${seg(id)}`, ...this.call(options) });
  }

  /** Waits until the host is in one of `target`, failing on failed states and maintenance-failure events. */
  async waitForHostStatus(
    id: string,
    target: readonly string[],
    options: WaitCallOptions = {},
  ): Promise<Host> {
    const wantsMaintenance = target.includes('maintenance');
    // The name comes with the first answer: a blip then must not end the wait before it began.
    let name = id;
    return this.wait(
      {
        description: () => `host ${name} to reach ${target.join(' or ')}`,
        read: async (signal) => {
          const host = await this.getHost(id, { signal });
          name = host.name;
          return host;
        },
        isDone: (h) => target.includes(h.status),
        failure: (h) =>
          HOST_FAILED.has(h.status) && !target.includes(h.status)
            ? `host ${h.name} is ${h.status}`
            : undefined,
        show: (h) => `${h.status}${h.vms.migrating > 0 ? `, ${h.vms.migrating} VM(s) migrating` : ''}`,
        ...(wantsMaintenance && options.sinceEventIndex !== undefined
          ? {
              failureEvents: async (signal: AbortSignal | undefined) =>
                (
                  await this.listFailureEvents(options.sinceEventIndex ?? 0, MAINTENANCE_FAILURE_CODES, {
                    hostId: id,
                    signal,
                  })
                ).map((e) => e.description),
            }
          : {}),
      },
      options,
      this.waits.long,
    );
  }

  // ---- VMs ------------------------------------------------------------------------------------

  async listVms(filter: { hostName?: string } = {}, options: CallOptions = {}): Promise<Vm[]> {
    const query = filter.hostName ? { search: `host=${quoteSearch(filter.hostName)}` } : undefined;
    const list = await this.get('/vms', collectionOf('vm', VmSchema), options, query);
    return list.map(toVm);
  }

  async getVm(id: string, options: CallOptions = {}): Promise<Vm> {
    return toVm(await this.get(`/vms/${seg(id)}`, VmSchema, options));
  }

  async findVm(name: string, options: CallOptions = {}): Promise<Vm> {
    const list = await this.get('/vms', collectionOf('vm', VmSchema), options, searchByName(name));
    return requireNamed(list.map(toVm), name, 'VM');
  }

  /** Starts a VM; with `bootIso` it is the guide's run-once boot from CD (§5.1, §6.3). */
  async startVm(id: string, run: { bootIso?: string } = {}, options: CallOptions = {}): Promise<void> {
    const body = run.bootIso
      ? {
          vm: {
            os: { boot: { devices: { device: ['cdrom', 'hd'] } } },
            cdroms: { cdrom: [{ file: { id: run.bootIso } }] },
          },
        }
      : {};
    await this.transport.action(`/vms/${seg(id)}/start`, body, this.call(options));
  }

  /** The VM's disks (through its disk attachments). */
  async listVmDisks(vmId: string, options: CallOptions = {}): Promise<Disk[]> {
    const attachments = await this.get(
      `/vms/${seg(vmId)}/diskattachments`,
      collectionOf('disk_attachment', DiskAttachmentSchema),
      options,
    );
    const disks = await Promise.all(
      attachments.map((a) => (a.disk ? this.getDisk(a.disk.id, options) : undefined)),
    );
    return disks.filter((d): d is Disk => d !== undefined);
  }

  /** The id of the VM's CD drive (the engine's is all zeros; read it rather than assume it). */
  async getCdromId(vmId: string, options: CallOptions = {}): Promise<string> {
    const drives = await this.get(`/vms/${seg(vmId)}/cdroms`, collectionOf('cdrom', CdromSchema), options);
    const id = drives[0]?.id;
    if (id === undefined) {
      throw new LabopsError('CONFLICT', `VM ${vmId} has no CD drive.`, {
        hint: 'Add one in the Administration Portal (Edit VM → Boot Options → Attach CD).',
      });
    }
    return id;
  }

  /**
   * The file in the VM's CD drive, or `undefined` when it is empty. The list `GET .../cdroms`
   * always shows the saved configuration; `current` reads what a running VM has now
   * (`GET .../cdroms/{id}?current=true`, §5.1).
   */
  async getCdromFile(vmId: string, options: CdromCallOptions = {}): Promise<string | undefined> {
    if (!options.current) {
      const drives = await this.get(`/vms/${seg(vmId)}/cdroms`, collectionOf('cdrom', CdromSchema), options);
      return drives[0]?.file?.id;
    }
    const cdromId = await this.getCdromId(vmId, options);
    const drive = await this.get(`/vms/${seg(vmId)}/cdroms/${seg(cdromId)}`, CdromSchema, options, {
      current: 'true',
    });
    return drive.file?.id;
  }

  /**
   * Puts an ISO in the VM's CD drive; an empty id ejects it (§5.1). Without `current` the change
   * goes to the saved configuration and shows at the next boot; with it, a running VM's drive
   * changes now (the hot change), until the VM stops.
   */
  async changeCdrom(vmId: string, fileId: string, options: CdromCallOptions = {}): Promise<void> {
    const cdromId = await this.getCdromId(vmId, options);
    await this.transport.request({
      method: 'PUT',
      path: `/vms/${seg(vmId)}/cdroms/${seg(cdromId)}`,
      query: options.current ? { current: 'true' } : undefined,
      body: { file: { id: fileId } },
      ...this.call(options),
    });
  }

  async stopVm(id: string, options: CallOptions = {}): Promise<void> {
    await this.transport.action(`/vms/${seg(id)}/stop`, {}, this.call(options));
  }

  async removeVm(id: string, options: CallOptions = {}): Promise<void> {
    await this.transport.request({ method: 'DELETE', path: `/vms/${seg(id)}`, ...this.call(options) });
  }

  /**
   * Waits until the VM is in one of `target`. Waiting for `up` (a start or a run-once) fails early:
   * on `down` seen on VM_DOWN_POLLS_TO_FAIL polls in a row after the VM was seen starting, on
   * not_responding/unknown, on a pause (the engine pauses a starting VM on a storage error), and —
   * with `sinceEventIndex` — on the engine's final failed-start events for this VM. A single `down`
   * with event 119 is one host's failure the engine reruns elsewhere, not the end.
   */
  async waitForVmStatus(id: string, target: readonly string[], options: WaitCallOptions = {}): Promise<Vm> {
    const wantsUp = target.includes('up');
    let name = id;
    /** The first starting status seen: the start got under way. */
    let left: string | undefined;
    /** `down` polls in a row since the VM was seen starting. */
    let downPolls = 0;
    return this.wait(
      {
        description: () => `VM ${name} to reach ${target.join(' or ')}`,
        read: async (signal) => {
          const vm = await this.getVm(id, { signal });
          name = vm.name;
          return vm;
        },
        isDone: (vm) => target.includes(vm.status),
        failure: (vm) => {
          if (!wantsUp || target.includes(vm.status)) return undefined;
          downPolls = vm.status === 'down' && left !== undefined ? downPolls + 1 : 0;
          if (downPolls >= VM_DOWN_POLLS_TO_FAIL) {
            return `VM ${vm.name} went back to down after ${left} and stayed down for ${downPolls} polls: the start failed`;
          }
          if (VM_STARTING.has(vm.status)) left ??= vm.status;
          if (VM_FAILED.has(vm.status)) return `VM ${vm.name} is ${vm.status}`;
          if (vm.status === 'paused') {
            return `VM ${vm.name} is paused (the engine pauses a starting VM on a storage error)`;
          }
          return undefined;
        },
        show: (vm) => vm.status,
        ...(wantsUp && options.sinceEventIndex !== undefined
          ? {
              failureEvents: async (signal: AbortSignal | undefined) => {
                const events = await this.listFailureEvents(
                  options.sinceEventIndex ?? 0,
                  [...VM_START_FAILURE_CODES, ...VM_START_ATTEMPT_CODES],
                  { vmId: id, signal },
                );
                const final = events.some((e) =>
                  (VM_START_FAILURE_CODES as readonly number[]).includes(e.code),
                );
                return final ? events.map((e) => e.description) : [];
              },
            }
          : {}),
      },
      options,
      this.waits.short,
    );
  }

  // ---- storage domains ------------------------------------------------------------------------

  /** The global view: an attached domain has no status here (§4.3); use `listAttachedStorageDomains`. */
  async listStorageDomains(options: CallOptions = {}): Promise<StorageDomain[]> {
    const list = await this.get(
      '/storagedomains',
      collectionOf('storage_domain', StorageDomainSchema),
      options,
    );
    return list.map(toStorageDomain);
  }

  async getStorageDomain(id: string, options: CallOptions = {}): Promise<StorageDomain> {
    return toStorageDomain(await this.get(`/storagedomains/${seg(id)}`, StorageDomainSchema, options));
  }

  async findStorageDomain(name: string, options: CallOptions = {}): Promise<StorageDomain> {
    const list = await this.get(
      '/storagedomains',
      collectionOf('storage_domain', StorageDomainSchema),
      options,
      searchByName(name),
    );
    return requireNamed(list.map(toStorageDomain), name, 'storage domain');
  }

  /** The data center's view of its domains, with their status there (§4.3). */
  async listAttachedStorageDomains(
    dataCenterId: string,
    options: CallOptions = {},
  ): Promise<StorageDomain[]> {
    const list = await this.get(
      `/datacenters/${seg(dataCenterId)}/storagedomains`,
      collectionOf('storage_domain', StorageDomainSchema),
      options,
    );
    return list.map((sd) => ({ ...toStorageDomain(sd), dataCenterIds: [dataCenterId] }));
  }

  /** The domain as its data center sees it, or `undefined` when it is not attached (an empty 404, §8.12). */
  async getAttachedStorageDomain(
    dataCenterId: string,
    domainId: string,
    options: CallOptions = {},
  ): Promise<StorageDomain | undefined> {
    const sd = await this.transport.request({
      method: 'GET',
      path: `/datacenters/${seg(dataCenterId)}/storagedomains/${seg(domainId)}`,
      schema: StorageDomainSchema,
      allowNotFound: true,
      ...this.call(options),
    });
    return sd ? { ...toStorageDomain(sd), dataCenterIds: [dataCenterId] } : undefined;
  }

  /** Creates an NFS domain on its export (§4.2); it becomes `unattached`. */
  async addNfsStorageDomain(spec: AddNfsDomainSpec, options: CallOptions = {}): Promise<StorageDomain> {
    const sd = await this.transport.request({
      method: 'POST',
      path: '/storagedomains',
      body: {
        name: spec.name,
        type: spec.type,
        storage: {
          type: 'nfs',
          address: spec.address,
          path: spec.path,
          ...(spec.nfsVersion ? { nfs_version: spec.nfsVersion } : {}),
        },
        host: { name: spec.hostName },
      },
      schema: StorageDomainSchema,
      ...this.call(options),
    });
    if (!sd)
      throw new LabopsError('ENGINE_UNAVAILABLE', 'The engine answered the domain add without the domain.');
    return toStorageDomain(sd);
  }

  /** Attaches a domain to a data center; the engine also activates it (§4.3). */
  async attachStorageDomain(
    dataCenterId: string,
    domainId: string,
    options: CallOptions = {},
  ): Promise<void> {
    await this.transport.request({
      method: 'POST',
      path: `/datacenters/${seg(dataCenterId)}/storagedomains`,
      body: { id: domainId },
      ...this.call(options),
    });
  }

  async activateStorageDomain(
    dataCenterId: string,
    domainId: string,
    options: CallOptions = {},
  ): Promise<void> {
    await this.transport.action(
      `/datacenters/${seg(dataCenterId)}/storagedomains/${seg(domainId)}/activate`,
      {},
      this.call(options),
    );
  }

  /** Puts a domain into maintenance; the answer is often 202 and the change comes later (§4.5). */
  async deactivateStorageDomain(
    dataCenterId: string,
    domainId: string,
    force = false,
    options: CallOptions = {},
  ): Promise<void> {
    await this.transport.action(
      `/datacenters/${seg(dataCenterId)}/storagedomains/${seg(domainId)}/deactivate`,
      force ? { force: 'true' } : {},
      this.call(options),
    );
  }

  /** Detaches a domain in maintenance from its data center. */
  async detachStorageDomain(
    dataCenterId: string,
    domainId: string,
    options: CallOptions = {},
  ): Promise<void> {
    await this.transport.request({
      method: 'DELETE',
      path: `/datacenters/${seg(dataCenterId)}/storagedomains/${seg(domainId)}`,
      ...this.call(options),
    });
  }

  /** Removes an unattached domain; `format` wipes its files from the export (§4.1). */
  async removeStorageDomain(
    domainId: string,
    how: { hostName: string; format?: boolean } | { destroy: true },
    options: CallOptions = {},
  ): Promise<void> {
    const query =
      'destroy' in how
        ? { destroy: 'true' }
        : { host: how.hostName, ...(how.format ? { format: 'true' } : {}) };
    await this.transport.request({
      method: 'DELETE',
      path: `/storagedomains/${seg(domainId)}`,
      query,
      ...this.call(options),
    });
  }

  /** Waits for the domain's status in the data center; `unattached` waits for the detach to finish. */
  async waitForStorageDomainStatus(
    dataCenterId: string,
    domainId: string,
    target: readonly string[],
    options: WaitCallOptions = {},
  ): Promise<StorageDomain | undefined> {
    const wantsDetached = target.includes('unattached');
    return this.wait(
      {
        description: `storage domain ${domainId} to be ${target.join(' or ')}`,
        read: async (signal) => {
          const attached = await this.getAttachedStorageDomain(dataCenterId, domainId, { signal });
          if (attached || !wantsDetached) return attached;
          return this.getStorageDomain(domainId, { signal });
        },
        isDone: (sd) => sd !== undefined && sd.status !== undefined && target.includes(sd.status),
        failure: (sd) =>
          sd === undefined
            ? 'the domain is not attached to the data center'
            : sd.status === 'unknown'
              ? 'status unknown'
              : undefined,
        show: (sd) => sd?.status ?? 'not attached',
      },
      options,
      this.waits.short,
    );
  }

  /** Waits until a freshly added domain is created (`unattached`) in the global view. */
  async waitForStorageDomainCreated(domainId: string, options: WaitCallOptions = {}): Promise<StorageDomain> {
    return this.wait(
      {
        description: `storage domain ${domainId} to be created`,
        read: (signal) => this.getStorageDomain(domainId, { signal }),
        isDone: (sd) => sd.status === 'unattached' || sd.dataCenterIds.length > 0,
        show: (sd) => sd.status ?? 'attached',
      },
      options,
      this.waits.short,
    );
  }

  /** Files of an ISO domain (§4.6: this works on ISO domains only); `refresh` re-reads the storage. */
  async listIsoDomainFiles(
    domainId: string,
    refresh = true,
    options: CallOptions = {},
  ): Promise<DomainFile[]> {
    const list = await this.get(
      `/storagedomains/${seg(domainId)}/files`,
      collectionOf('file', FileSchema),
      options,
      { refresh: refresh ? 'true' : 'false' },
    );
    return list.map((f) => ({ id: f.id, name: f.name ?? f.id }));
  }

  // ---- data center health ---------------------------------------------------------------------

  /** After the SPM host leaves, the data center is briefly not up (§3.4): wait for `up`. */
  async waitForDataCenterUp(dataCenterId: string, options: WaitCallOptions = {}): Promise<DataCenter> {
    return this.wait(
      {
        description: 'the data center to be up',
        read: (signal) => this.getDataCenter(dataCenterId, { signal }),
        isDone: (dc) => dc.status === 'up',
        show: (dc) => dc.status,
      },
      options,
      this.waits.short,
    );
  }

  // ---- disks and image transfers --------------------------------------------------------------

  /** Creates a disk for an upload; an ISO is `content_type=iso`, raw, not sparse (§5.2). */
  async createDisk(spec: CreateDiskSpec, options: CallOptions = {}): Promise<Disk> {
    const disk = await this.transport.request({
      method: 'POST',
      path: '/disks',
      body: {
        name: spec.name,
        content_type: spec.contentType,
        format: 'raw',
        sparse: 'false',
        provisioned_size: spec.sizeBytes,
        storage_domains: { storage_domain: [{ id: spec.storageDomainId }] },
        ...(spec.description === undefined ? {} : { description: spec.description }),
      },
      schema: DiskSchema,
      ...this.call(options),
    });
    if (!disk)
      throw new LabopsError('ENGINE_UNAVAILABLE', 'The engine answered the disk add without the disk.');
    return toDisk(disk);
  }

  async getDisk(id: string, options: CallOptions = {}): Promise<Disk | undefined> {
    const disk = await this.transport.request({
      method: 'GET',
      path: `/disks/${seg(id)}`,
      schema: DiskSchema,
      allowNotFound: true,
      ...this.call(options),
    });
    return disk ? toDisk(disk) : undefined;
  }

  /** Disks stored on a domain. */
  async listStorageDomainDisks(domainId: string, options: CallOptions = {}): Promise<Disk[]> {
    const list = await this.get(
      `/storagedomains/${seg(domainId)}/disks`,
      collectionOf('disk', DiskSchema),
      options,
    );
    return list.map(toDisk);
  }

  /** ISO images in data domains (§4.6). */
  async listIsoDisks(options: CallOptions = {}): Promise<Disk[]> {
    const list = await this.get('/disks', collectionOf('disk', DiskSchema), options, {
      search: ISO_IMAGES_SEARCH,
    });
    return list.map(toDisk);
  }

  async removeDisk(id: string, options: CallOptions = {}): Promise<void> {
    await this.transport.request({ method: 'DELETE', path: `/disks/${seg(id)}`, ...this.call(options) });
  }

  /**
   * Whether the engine can change a floating disk's description. From 4.4.0 `PUT /disks/{id}`
   * updates it (UpdateDisk); a 4.3 engine takes only `qcow_version` there and answers anything
   * else with 409 "Updating disk attributes other than QCOW version is permitted only for
   * disk-attachments" (ovirt-engine 4.3.11, BackendDiskResource.update), whatever the model says.
   */
  async canUpdateDiskDescription(options: CallOptions = {}): Promise<boolean> {
    const level = await this.transport.getApiLevel(options.signal);
    return takesBodyMember(level, 'PUT', '/disks/id', 'description');
  }

  /**
   * Sets a floating disk's description (`PUT /disks/{id}`). Answers false, sending nothing, on
   * an engine that cannot (`canUpdateDiskDescription`).
   */
  async updateDiskDescription(id: string, description: string, options: CallOptions = {}): Promise<boolean> {
    if (!(await this.canUpdateDiskDescription(options))) return false;
    await this.transport.request({
      method: 'PUT',
      path: `/disks/${seg(id)}`,
      body: { description },
      ...this.call(options),
    });
    return true;
  }

  /** Waits until the disk (`undefined` once removed) satisfies `isDone`; `description` names the wait. */
  async waitForDisk(
    id: string,
    description: string,
    isDone: (disk: Disk | undefined) => boolean,
    options: WaitCallOptions = {},
  ): Promise<Disk | undefined> {
    return this.wait(
      {
        description,
        read: (signal) => this.getDisk(id, { signal }),
        isDone,
        show: (disk) => (disk ? `${disk.status ?? 'no status'}` : 'removed'),
      },
      options,
      this.waits.short,
    );
  }

  async waitForDiskStatus(
    id: string,
    target: readonly string[],
    options: WaitCallOptions = {},
  ): Promise<Disk> {
    return this.wait(
      {
        description: `disk ${id} to be ${target.join(' or ')}`,
        read: (signal) => this.getDisk(id, { signal }),
        isDone: (disk) => disk?.status !== undefined && target.includes(disk.status),
        failure: (disk) =>
          disk === undefined
            ? 'the disk was removed'
            : disk.status === 'illegal'
              ? 'the disk is illegal'
              : undefined,
        show: (disk) => disk?.status ?? 'removed',
      },
      options,
      this.waits.short,
    ) as Promise<Disk>;
  }

  /** Opens an upload to a disk (§5.2 step 2). The transfer owns the disk from now on. */
  async createImageTransfer(diskId: string, options: CallOptions = {}): Promise<ImageTransfer> {
    const level = await this.transport.getApiLevel(options.signal);
    // §5.2 version gate: a 4.3 engine refuses `timeout_policy` (from 4.4.5) with a 400, and on
    // 4.3.5+ a transfer `format: raw` moves the host to its NBD path, which 4.3 hosts may lack —
    // the 4.3 SDK's upload sends neither. From 4.4 NBD is the normal path; `cancel` makes the
    // engine remove the disk of an abandoned upload instead of pausing it.
    const body: Record<string, unknown> = {
      disk: { id: diskId },
      direction: 'upload',
      inactivity_timeout: '120',
    };
    if (level.model.line !== '4.3' && hasMember(level, 'ImageTransfer', 'format')) body.format = 'raw';
    if (hasMember(level, 'ImageTransfer', 'timeout_policy')) body.timeout_policy = 'cancel';
    const transfer = await this.transport.request({
      method: 'POST',
      path: '/imagetransfers',
      body,
      schema: ImageTransferSchema,
      ...this.call(options),
    });
    if (!transfer)
      throw new LabopsError('ENGINE_UNAVAILABLE', 'The engine answered the transfer without it.');
    return toTransfer(transfer);
  }

  /** The transfer, or `undefined` once the engine removed it (404 after finishing, §5.2). */
  async getImageTransfer(id: string, options: CallOptions = {}): Promise<ImageTransfer | undefined> {
    const transfer = await this.transport.request({
      method: 'GET',
      path: `/imagetransfers/${seg(id)}`,
      schema: ImageTransferSchema,
      allowNotFound: true,
      ...this.call(options),
    });
    return transfer ? toTransfer(transfer) : undefined;
  }

  /** Waits for `transferring`, which brings the URLs; `paused_system` and failures end it (§5.2 step 3). */
  async waitForTransferReady(id: string, options: WaitCallOptions = {}): Promise<ImageTransfer> {
    const ready = await this.wait(
      {
        description: `image transfer ${id} to be ready`,
        read: (signal) => this.getImageTransfer(id, { signal }),
        isDone: (t) => t?.phase === 'transferring',
        failure: (t) =>
          t === undefined
            ? 'the engine removed the transfer and its disk'
            : t.phase === 'initializing'
              ? undefined
              : `the transfer is ${t.phase}`,
        show: (t) => t?.phase ?? 'removed',
      },
      options,
      this.waits.short,
    );
    return ready as ImageTransfer;
  }

  async finalizeImageTransfer(id: string, options: CallOptions = {}): Promise<void> {
    await this.transport.action(`/imagetransfers/${seg(id)}/finalize`, {}, this.call(options));
  }

  /** Aborts the transfer; the engine removes the partial disk. */
  async cancelImageTransfer(id: string, options: CallOptions = {}): Promise<void> {
    await this.transport.action(`/imagetransfers/${seg(id)}/cancel`, {}, this.call(options));
  }

  /**
   * Waits for the transfer's outcome after finalize (§5.2 step 5) and answers it. A 404 means an
   * older engine already dropped the entity: the disk then tells — `ok` is success. A
   * `finalizing_failure` is not the end: the engine goes on to `finished_failure` and removes the
   * disk, so the wait goes on until the transfer finished or the disk is gone (issue 9 §5), and the
   * outcome says whether the disk was removed or left.
   */
  async waitForTransferOutcome(
    id: string,
    diskId: string,
    options: WaitCallOptions = {},
  ): Promise<TransferOutcome> {
    const seen = await this.wait(
      {
        description: `image transfer ${id} to finish`,
        read: async (signal) => {
          const transfer = await this.getImageTransfer(id, { signal });
          const phase = transfer?.phase ?? 'gone';
          const readsDisk = phase === 'gone' || phase === 'finalizing_failure' || TRANSFER_FAILED(phase);
          return { phase, disk: readsDisk ? await this.getDisk(diskId, { signal }) : undefined };
        },
        isDone: (o) => {
          if (o.phase === 'finished_success' || TRANSFER_FAILED(o.phase)) return true;
          if (o.phase === 'finalizing_failure') return o.disk === undefined;
          if (o.phase === 'gone') return o.disk?.status !== 'locked';
          return false;
        },
        show: (o) =>
          o.phase === 'gone' || o.phase === 'finalizing_failure'
            ? `${o.phase === 'gone' ? 'transfer gone' : o.phase}, disk ${o.disk?.status ?? 'removed'}`
            : o.phase,
      },
      options,
      this.waits.short,
    );
    if (seen.phase === 'finished_success' || (seen.phase === 'gone' && seen.disk?.status === 'ok')) {
      const disk = seen.disk ?? (await this.getDisk(diskId, options));
      if (disk) return { status: 'succeeded', disk };
      return {
        status: 'failed',
        phase: seen.phase,
        reason: 'the transfer finished but its disk is gone',
        disk: undefined,
      };
    }
    const reason =
      seen.phase === 'gone'
        ? 'the engine dropped the transfer'
        : seen.phase === 'paused_system'
          ? 'the engine paused the transfer (paused_system)'
          : `the engine reports ${seen.phase}`;
    return { status: 'failed', phase: seen.phase, reason, disk: seen.disk };
  }

  // ---- events and jobs ------------------------------------------------------------------------

  /** Events newer than `from` (§6.5: `from` is exclusive), oldest first whatever the engine's order. */
  async listEvents(
    filter: { from?: number; max?: number; code?: number } = {},
    options: CallOptions = {},
  ): Promise<EngineEvent[]> {
    const query: Record<string, string | number | undefined> = {
      from: filter.from,
      max: filter.max,
      search: filter.code !== undefined ? `type=${filter.code}` : undefined,
    };
    const list = await this.get('/events', collectionOf('event', EventSchema), options, query);
    return list.map(toEvent).sort((a, b) => a.index - b.index);
  }

  /** The newest event's index: remember it before an action, then look for failures after it. */
  async getLastEventIndex(options: CallOptions = {}): Promise<number> {
    const list = await this.get('/events', collectionOf('event', EventSchema), options, { max: 1 });
    // Don't rely on the answer's order (§6.5); take the max.
    return list.reduce((max, e) => Math.max(max, e.index), 0);
  }

  /** The description of the first event since `from` with one of `codes`, about the given host or VM. */
  async findFailureEvent(
    from: number,
    codes: readonly number[],
    about: FailureEventFilter = {},
  ): Promise<string | undefined> {
    return (await this.listFailureEvents(from, codes, about))[0]?.description;
  }

  /**
   * Every event since `from` with one of `codes`, oldest first, about the given host or VM when it
   * names one (an event naming another host or VM is not ours): a failed maintenance shows each
   * VM's event and the host's (issue 9 §5).
   */
  async listFailureEvents(
    from: number,
    codes: readonly number[],
    about: FailureEventFilter = {},
  ): Promise<EngineEvent[]> {
    const events = await this.listEvents({ from }, { signal: about.signal });
    return events.filter(
      (e) =>
        codes.includes(e.code) &&
        (about.hostId === undefined || e.hostId === undefined || e.hostId === about.hostId) &&
        (about.vmId === undefined || e.vmId === undefined || e.vmId === about.vmId),
    );
  }

  /** The engine's jobs started by requests tagged with `correlationId` (§2.5). */
  async listJobsByCorrelationId(correlationId: string, options: CallOptions = {}): Promise<EngineJob[]> {
    const list = await this.get('/jobs', collectionOf('job', JobSchema), options, {
      search: `correlation_id=${correlationId}`,
    });
    return list.map((j) => ({
      id: j.id,
      description: j.description,
      status: j.status,
      startTime: j.start_time,
      endTime: j.end_time,
    }));
  }

  // ---- plumbing -------------------------------------------------------------------------------

  private call(options: CallOptions): {
    correlationId: string | undefined;
    signal: AbortSignal | undefined;
    onWrite: WriteListener | undefined;
  } {
    return { correlationId: this.correlationId, signal: options.signal, onWrite: this.onWrite };
  }

  private async get<S extends z.ZodType>(
    path: string,
    schema: S,
    options: CallOptions,
    query?: Record<string, string | number | undefined>,
  ): Promise<z.output<S>> {
    const value = await this.transport.request({ method: 'GET', path, query, schema, ...this.call(options) });
    if (value === undefined) {
      throw new LabopsError(
        'ENGINE_UNAVAILABLE',
        `The engine answered GET ${path || '/'} with an empty body.`,
      );
    }
    return value as z.output<S>;
  }

  private wait<T>(
    spec: Parameters<typeof waitFor<T>>[0],
    options: WaitCallOptions,
    timing: WaitTiming,
  ): Promise<T> {
    return waitFor(spec, {
      timing: options.timing ?? timing,
      now: this.now,
      signal: options.signal,
      ...(this.sleep ? { sleep: this.sleep } : {}),
      ...(options.onPoll ? { onPoll: options.onPoll } : {}),
    });
  }
}

/** A path segment: ids come from the engine, but never splice unescaped text into a URL. */
function seg(id: string): string {
  return encodeURIComponent(id);
}

/** `name="x"`, quoted as the ansible modules do (§2.7). */
function quoteSearch(value: string): string {
  return `"${value.replace(/["\\]/g, '')}"`;
}

function searchByName(name: string): Record<string, string> {
  return { search: `name=${quoteSearch(name)}` };
}

/** Exact name match; the engine's search is case-insensitive and treats `*` as a wildcard. */
function requireNamed<T extends { name: string }>(list: T[], name: string, kind: string): T {
  const found =
    list.find((x) => x.name === name) ?? list.find((x) => x.name.toLowerCase() === name.toLowerCase());
  if (!found) throw new LabopsError('NOT_FOUND', `The engine has no ${kind} named "${name}".`);
  return found;
}

function toHost(h: z.output<typeof HostSchema>): Host {
  return {
    id: h.id,
    name: h.name,
    address: h.address,
    status: h.status,
    clusterId: h.cluster?.id,
    isSpm: h.spm?.status === 'spm',
    vms: {
      active: h.summary?.active ?? 0,
      migrating: h.summary?.migrating ?? 0,
      total: h.summary?.total ?? 0,
    },
    memoryBytes: h.memory,
  };
}

function toVm(v: z.output<typeof VmSchema>): Vm {
  return {
    id: v.id,
    name: v.name,
    status: v.status,
    hostId: v.host?.id,
    clusterId: v.cluster?.id,
    affinity: v.placement_policy?.affinity ?? 'migratable',
    placementHostIds: (v.placement_policy?.hosts ?? []).flatMap((h) => (h.id ? [h.id] : [])),
    memoryBytes: v.memory,
  };
}

function toStorageDomain(sd: z.output<typeof StorageDomainSchema>): StorageDomain {
  return {
    id: sd.id,
    name: sd.name,
    type: sd.type,
    status: sd.status,
    isMaster: sd.master ?? false,
    availableBytes: sd.available,
    usedBytes: sd.used,
    storage: { type: sd.storage?.type, address: sd.storage?.address, path: sd.storage?.path },
    dataCenterIds: sd.data_centers.map((dc) => dc.id),
  };
}

function toDisk(d: z.output<typeof DiskSchema>): Disk {
  return {
    id: d.id,
    name: d.name,
    description: d.description,
    status: d.status,
    contentType: d.content_type,
    format: d.format,
    provisionedBytes: d.provisioned_size,
    actualBytes: d.actual_size,
    storageDomainIds: d.storage_domains.map((s) => s.id),
  };
}

function toTransfer(t: z.output<typeof ImageTransferSchema>): ImageTransfer {
  return {
    id: t.id,
    phase: t.phase,
    transferUrl: t.transfer_url,
    proxyUrl: t.proxy_url,
    transferredBytes: t.transferred,
    // A 4.3 engine links the transfer's disk as `image`, later ones as `disk` (§5.2).
    diskId: t.disk?.id ?? t.image?.id,
  };
}

function toEvent(e: z.output<typeof EventSchema>): EngineEvent {
  return {
    id: e.id,
    index: e.index,
    code: e.code,
    description: e.description,
    severity: e.severity,
    time: e.time,
    correlationId: e.correlation_id,
    hostId: e.host?.id,
    vmId: e.vm?.id,
    storageDomainId: e.storage_domain?.id,
  };
}
