import { domainCommitted, domainSpace } from './disks.js';
import type {
  Cluster,
  DataCenter,
  Disk,
  EngineModel,
  Host,
  ImageTransfer,
  Job,
  SimEvent,
  StorageDomain,
  Vm,
} from './engine-model.js';
import type { EngineProfile } from './model/api-model.js';

/**
 * Model → engine JSON, with the representation rules of ovirt-api.md §2: bare objects, collections
 * as `{"<singular>":[...]}` (`{}` when empty), nested lists keeping the wrapper level, booleans and
 * 32-bit ints as strings, longs and dates as epoch-ms numbers, links as `{href,id}`.
 */

export const API = '/ovirt-engine/api';

type Json = Record<string, unknown>;

/** §2.3: xs:boolean is a JSON string. */
const bool = (value: boolean): string => (value ? 'true' : 'false');
/** §2.3: xs:int is a JSON string. */
const int = (value: number): string => String(value);

export function link(collection: string, id: string): { href: string; id: string } {
  return { href: `${API}/${collection}/${id}`, id };
}

function actionLinks(base: string, verbs: string[]): { link: { href: string; rel: string }[] } {
  return { link: verbs.map((rel) => ({ href: `${base}/${rel}`, rel })) };
}

function subLinks(base: string, rels: string[]): { href: string; rel: string }[] {
  return rels.map((rel) => ({ href: `${base}/${rel}`, rel }));
}

/** §2.2: a collection is `{"<singular>":[...]}`, and an empty one is `{}`. */
export function renderCollection(singular: string, items: Json[]): Json {
  return items.length === 0 ? {} : { [singular]: items };
}

export function renderApiRoot(model: EngineModel): Json {
  const count = <T>(items: T[], active: (item: T) => boolean) => ({
    active: int(items.filter(active).length),
    total: int(items.length),
  });
  return {
    product_info: renderProductInfo(model.engine),
    summary: {
      hosts: count(model.hosts, (h) => h.status === 'up'),
      storage_domains: count(model.storageDomains, (s) => s.status === 'active'),
      users: { active: '1', total: '1' },
      vms: count(model.vms, (v) => v.status !== 'down'),
    },
    time: Date.now(),
    authenticated_user: link('users', model.userId),
    link: [
      'clusters',
      'datacenters',
      'disks',
      'events',
      'hosts',
      'imagetransfers',
      'jobs',
      'storagedomains',
      'vms',
    ].map((rel) => ({ href: `${API}/${rel}`, rel })),
  };
}

/** §6.4: the engine version played; its parts are xs:int, so strings in JSON (§2.3). */
function renderProductInfo(engine: EngineProfile): Json {
  const { build } = engine;
  return {
    name: 'oVirt Engine',
    vendor: 'ovirt.org',
    version: {
      build: int(build.build),
      full_version: build.fullVersion,
      major: int(build.major),
      minor: int(build.minor),
      revision: int(build.revision),
    },
  };
}

/** The compatibility version of the seed's data center and cluster: the highest the engine has. */
function renderCompatibilityVersion(engine: EngineProfile): Json {
  return { major: int(engine.build.compatibility.major), minor: int(engine.build.compatibility.minor) };
}

export function renderDataCenter(dc: DataCenter, engine: EngineProfile): Json {
  const base = `${API}/datacenters/${dc.id}`;
  return {
    id: dc.id,
    href: base,
    name: dc.name,
    description: 'The default Data Center',
    local: bool(false),
    quota_mode: 'disabled',
    status: dc.status,
    storage_format: 'v5',
    supported_versions: { version: [renderCompatibilityVersion(engine)] },
    version: renderCompatibilityVersion(engine),
    link: subLinks(base, ['storagedomains', 'clusters', 'networks']),
  };
}

export function renderCluster(cluster: Cluster, engine: EngineProfile): Json {
  const base = `${API}/clusters/${cluster.id}`;
  return {
    id: cluster.id,
    href: base,
    name: cluster.name,
    cpu: { architecture: 'x86_64', type: 'Intel Nehalem Family' },
    maintenance_reason_required: bool(false),
    version: renderCompatibilityVersion(engine),
    data_center: link('datacenters', cluster.dataCenterId),
    link: subLinks(base, ['networks', 'affinitygroups']),
  };
}

export function renderHost(model: EngineModel, host: Host): Json {
  const base = `${API}/hosts/${host.id}`;
  const vms = model.vmsOnHost(host);
  return {
    id: host.id,
    href: base,
    name: host.name,
    address: host.address,
    port: int(54321),
    protocol: 'stomp',
    status: host.status,
    external_status: 'ok',
    type: 'rhel',
    memory: host.memoryBytes,
    max_scheduling_memory: Math.max(0, host.memoryBytes - vms.reduce((sum, vm) => sum + vm.memoryBytes, 0)),
    summary: {
      active: int(vms.length),
      migrating: int(vms.filter((vm) => vm.status === 'migrating').length),
      total: int(vms.length),
    },
    spm: { priority: int(5), status: host.spm },
    ssh: { port: int(22) },
    cluster: link('clusters', host.clusterId),
    actions: actionLinks(base, ['deactivate', 'activate', 'install', 'fence', 'refresh']),
    link: subLinks(base, ['nics', 'statistics', 'storage', 'tags']),
  };
}

export function renderVm(vm: Vm): Json {
  const base = `${API}/vms/${vm.id}`;
  const out: Json = {
    id: vm.id,
    href: base,
    name: vm.name,
    status: vm.status,
    type: 'server',
    memory: vm.memoryBytes,
    cpu: { architecture: 'x86_64', topology: { cores: '1', sockets: '2', threads: '1' } },
    os: { type: 'other_linux', boot: { devices: { device: ['hd'] } } },
    creation_time: vm.creationTime,
    stateless: bool(false),
    cluster: link('clusters', vm.clusterId),
    placement_policy: {
      affinity: vm.affinity,
      ...(vm.pinnedHostIds.length > 0
        ? { hosts: { host: vm.pinnedHostIds.map((id) => link('hosts', id)) } }
        : {}),
    },
    actions: actionLinks(base, ['start', 'stop', 'shutdown', 'migrate']),
    link: subLinks(base, ['diskattachments', 'cdroms', 'nics']),
  };
  if (vm.hostId !== undefined && vm.status !== 'down') out.host = link('hosts', vm.hostId);
  if (vm.startTime !== undefined && vm.status !== 'down') out.start_time = vm.startTime;
  if (vm.stopTime !== undefined && vm.status === 'down') out.stop_time = vm.stopTime;
  return out;
}

function renderStorage(domain: StorageDomain): Json {
  return {
    type: 'nfs',
    address: domain.address,
    path: domain.path,
    nfs_version: domain.nfsVersion,
  };
}

function domainCommon(model: EngineModel, domain: StorageDomain): Json {
  const space = domainSpace(domain);
  return {
    name: domain.name,
    type: domain.type,
    master: bool(domain.master),
    available: space.available,
    used: space.used,
    committed: domainCommitted(model, domain),
    external_status: 'ok',
    storage_format: 'v5',
    backup: bool(false),
    wipe_after_delete: bool(false),
    warning_low_space_indicator: int(10),
    critical_space_action_blocker: int(5),
    storage: renderStorage(domain),
  };
}

/** Global view: attached domains have no `status` (ovirt-api.md §4.3), only `data_centers`. */
export function renderDomainGlobal(model: EngineModel, domain: StorageDomain): Json {
  const base = `${API}/storagedomains/${domain.id}`;
  const out: Json = { id: domain.id, href: base, ...domainCommon(model, domain) };
  if (domain.dataCenterId === undefined) {
    out.status = domain.status;
  } else {
    out.data_centers = { data_center: [link('datacenters', domain.dataCenterId)] };
  }
  out.actions = actionLinks(base, ['refreshluns', 'updateovfstore']);
  out.link = subLinks(base, domain.type === 'iso' ? ['files', 'permissions'] : ['disks', 'permissions']);
  return out;
}

/** DC view (`/datacenters/{dc}/storagedomains/{sd}`): the per-DC status (ovirt-api.md §8.11). */
export function renderDomainInDataCenter(model: EngineModel, dc: DataCenter, domain: StorageDomain): Json {
  const base = `${API}/datacenters/${dc.id}/storagedomains/${domain.id}`;
  return {
    id: domain.id,
    href: base,
    ...domainCommon(model, domain),
    status: domain.status,
    data_center: link('datacenters', dc.id),
    actions: actionLinks(base, ['activate', 'deactivate']),
  };
}

export function renderDisk(disk: Disk): Json {
  const base = `${API}/disks/${disk.id}`;
  return {
    id: disk.id,
    href: base,
    name: disk.name,
    ...(disk.description === undefined ? {} : { description: disk.description }),
    alias: disk.name,
    content_type: disk.contentType,
    format: disk.format,
    sparse: bool(disk.sparse),
    status: disk.status,
    provisioned_size: disk.provisionedSize,
    actual_size: disk.actualSize,
    total_size: disk.actualSize,
    storage_type: 'image',
    shareable: bool(false),
    wipe_after_delete: bool(false),
    storage_domains: { storage_domain: [link('storagedomains', disk.storageDomainId)] },
    actions: actionLinks(base, ['copy', 'move', 'sparsify']),
    link: subLinks(base, ['permissions', 'statistics']),
  };
}

/**
 * ovirt-api.md §5.2: a 4.3 engine links the transfer's disk as `image` only and has no
 * `timeout_policy` or `shallow`; 4.4 adds them and links `disk` too (`image` stays, deprecated).
 */
export function renderTransfer(transfer: ImageTransfer, engine: EngineProfile): Json {
  const base = `${API}/imagetransfers/${transfer.id}`;
  const has = (field: string) => engine.api.hasField('ImageTransfer', field);
  const out: Json = {
    id: transfer.id,
    href: base,
    phase: transfer.phase,
    direction: transfer.direction,
    format: transfer.format,
    active: bool((transfer.upload?.activeRequests ?? 0) > 0),
    transferred: transfer.upload?.bytesWritten ?? 0,
    inactivity_timeout: int(transfer.inactivityTimeout),
  };
  if (has('timeout_policy')) out.timeout_policy = transfer.timeoutPolicy;
  if (has('shallow')) out.shallow = bool(false);
  // ovirt-api.md §5.2: the URLs exist only while the transfer is `transferring`.
  if (transfer.phase === 'transferring') {
    out.transfer_url = transfer.transferUrl;
    out.proxy_url = transfer.proxyUrl;
  }
  if (engine.build.transferLinksDisk) out.disk = link('disks', transfer.diskId);
  out.image = { id: transfer.diskId };
  out.host = link('hosts', transfer.hostId);
  out.actions = actionLinks(base, ['cancel', 'finalize', 'pause', 'resume', 'extend']);
  return out;
}

export function renderEvent(model: EngineModel, event: SimEvent): Json {
  const out: Json = {
    id: String(event.index),
    href: `${API}/events/${event.index}`,
    index: int(event.index),
    code: int(event.code),
    description: event.description,
    severity: event.severity,
    time: event.time,
    origin: 'oVirt',
    custom_id: int(-1),
    flood_rate: int(30),
    correlation_id: event.correlationId,
    user: link('users', model.userId),
  };
  if (event.hostId !== undefined) out.host = link('hosts', event.hostId);
  if (event.vmId !== undefined) out.vm = link('vms', event.vmId);
  if (event.storageDomainId !== undefined) out.storage_domain = link('storagedomains', event.storageDomainId);
  if (event.dataCenterId !== undefined) out.data_center = link('datacenters', event.dataCenterId);
  return out;
}

export function renderJob(model: EngineModel, job: Job): Json {
  const base = `${API}/jobs/${job.id}`;
  const out: Json = {
    id: job.id,
    href: base,
    description: job.description,
    status: job.status,
    auto_cleared: bool(true),
    external: bool(false),
    start_time: job.startTime,
    last_updated: job.lastUpdated,
  };
  if (job.endTime !== undefined) out.end_time = job.endTime;
  out.owner = link('users', model.userId);
  out.link = subLinks(base, ['steps']);
  out.actions = actionLinks(base, ['clear', 'end']);
  return out;
}

export function renderJobStep(job: Job): Json {
  const base = `${API}/jobs/${job.id}/steps/${job.id}`;
  const out: Json = {
    id: job.id,
    href: base,
    description: 'Executing',
    type: 'executing',
    number: int(1),
    status: job.status,
    external: bool(false),
    start_time: job.startTime,
    job: link('jobs', job.id),
  };
  if (job.endTime !== undefined) out.end_time = job.endTime;
  return out;
}

export function renderDiskAttachment(vm: Vm, disk: Disk, first: boolean): Json {
  return {
    id: disk.id,
    href: `${API}/vms/${vm.id}/diskattachments/${disk.id}`,
    active: bool(true),
    bootable: bool(first),
    interface: 'virtio_scsi',
    disk: link('disks', disk.id),
    vm: link('vms', vm.id),
  };
}

/** The id of a VM's first CD drive (ovirt-api.md §5.1). */
export const CDROM_ID = '00000000-0000-0000-0000-000000000000';

/**
 * The VM's one CD drive in the saved configuration, or with `current` as the running VM sees it
 * (ovirt-api.md §5.1; a VM that is down has no current CD).
 */
export function renderCdrom(vm: Vm, current = false): Json {
  const out: Json = { id: CDROM_ID, href: `${API}/vms/${vm.id}/cdroms/${CDROM_ID}`, vm: link('vms', vm.id) };
  const file = current ? vm.cdromCurrent : vm.cdromSaved;
  if (file !== undefined) out.file = { id: file };
  return out;
}

export function renderFile(domain: StorageDomain, name: string): Json {
  return {
    id: name,
    href: `${API}/storagedomains/${domain.id}/files/${encodeURIComponent(name)}`,
    name,
    type: 'iso',
    storage_domain: link('storagedomains', domain.id),
  };
}
