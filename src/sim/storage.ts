import { dropDisk } from './disks.js';
import {
  backendFailure,
  conflict,
  type DataCenter,
  DELAYS,
  EngineFault,
  type EngineModel,
  EVENT,
  type Host,
  incomplete,
  type Job,
  MESSAGES,
  notFound,
  type RequestContext,
  type StorageDomain,
} from './engine-model.js';
import { electSpm } from './hosts.js';
import type { SimMachineState } from './machines.js';

/**
 * Storage domain state machines (ovirt-api.md §4): add on NFS (checked against the simulated
 * storage server: name resolution, exports, service, firewall, ownership, emptiness), attach,
 * activate, deactivate, detach, remove, and the ISO domain's file list.
 */

/** The fixed image directory of an ISO domain where ISO files live (ovirt-api.md §5.1). */
export const ISO_IMAGE_DIR = '11111111-1111-1111-1111-111111111111';
/** A directory vdsm creates inside a setgid export: owned 36:36, and it inherits the setgid bit. */
const VDSM_DIR = { uid: 36, gid: 36, mode: 0o2755 };

export interface AddDomainSpec {
  name?: string | undefined;
  type?: string | undefined;
  storageType?: string | undefined;
  address?: string | undefined;
  path?: string | undefined;
  nfsVersion?: string | undefined;
  host?: string | undefined;
}

/**
 * Mounts `address:path` from a host the way vdsm would and returns the NFS server machine, or
 * throws the engine's fault: an unresolvable name (FAQ 2), or "Problem while trying to mount
 * target" when the server does not export it, its NFS service is down or its firewall is closed.
 */
export function mountFromHost(
  model: EngineModel,
  host: Host,
  address: string,
  path: string,
  nfsVersion: string,
  action: string,
): SimMachineState {
  const mountFailure = (why: string): EngineFault =>
    backendFailure(action, `${MESSAGES.mountProblem} (mount.nfs: ${why})`);
  const ip = host.machine.resolve(address);
  if (ip === undefined) throw mountFailure(`Failed to resolve server ${address}: Name or service not known`);
  const server = model.network.findByIp(ip);
  if (!server) throw mountFailure(`Connection timed out while mounting ${address}:${path}`);
  const ports = nfsVersion === 'v3' ? ['nfs', 'mountd', 'rpc-bind'] : ['nfs'];
  if (!ports.every((service) => server.isFirewallOpen(service))) {
    throw mountFailure(`No route to host while mounting ${address}:${path}`);
  }
  if (!server.isServiceActive('nfs-server'))
    throw mountFailure(`Connection refused while mounting ${address}:${path}`);
  const exportPath = normalizeExportPath(path);
  if (!server.activeExports.has(exportPath) || server.files.get(exportPath)?.kind !== 'dir') {
    throw mountFailure(`access denied by server while mounting ${address}:${path}`);
  }
  return server;
}

/** vdsm runs as uid 36 (vdsm), gid 36 (kvm): it needs rwx on the export through its owner or group. */
export function canVdsmUse(server: SimMachineState, path: string): boolean {
  const dir = server.files.get(normalizeExportPath(path));
  if (!dir) return false;
  const rwx = (bits: number): boolean => (bits & 0o7) === 0o7;
  if (dir.uid === 36) return rwx(dir.mode >> 6);
  if (dir.gid === 36) return rwx(dir.mode >> 3);
  return rwx(dir.mode);
}

export function normalizeExportPath(path: string): string {
  const trimmed = path.replace(/\/+$/, '');
  return trimmed === '' ? '/' : trimmed;
}

/** The mount + permission check every operation that reaches the storage does (FAQ 2, FAQ 3). */
function checkDomainAccess(model: EngineModel, host: Host, domain: StorageDomain, action: string): void {
  const server = mountFromHost(model, host, domain.address, domain.path, domain.nfsVersion, action);
  if (!canVdsmUse(server, domain.path)) throw backendFailure(action, MESSAGES.perm469);
}

/** Writes the domain's structure into the export, as vdsm does when it creates a domain. */
export function writeDomainStructure(domain: StorageDomain): void {
  const base = `${domain.path}/${domain.id}`;
  domain.server.ensureDir(base, VDSM_DIR);
  domain.server.ensureDir(`${base}/dom_md`, VDSM_DIR);
  domain.server.writeFile(
    `${base}/dom_md/metadata`,
    `CLASS=${domain.type === 'data' ? 'Data' : 'Iso'}\nDESCRIPTION=${domain.name}\nROLE=Regular\nSDUUID=${domain.id}\nTYPE=NFS\nVERSION=5\n`,
    { uid: 36, gid: 36, mode: 0o644 },
  );
  domain.server.ensureDir(`${base}/images`, VDSM_DIR);
  if (domain.type === 'iso') domain.server.ensureDir(`${base}/images/${ISO_IMAGE_DIR}`, VDSM_DIR);
}

/** `POST /storagedomains` (ovirt-api.md §4.2): locked → unattached, event 956. */
export function addDomain(model: EngineModel, spec: AddDomainSpec, ctx: RequestContext): StorageDomain {
  const missing: string[] = [];
  if (!spec.name) missing.push('name');
  if (!spec.type) missing.push('type');
  if (!spec.storageType) missing.push('storage.type');
  if (!spec.host) missing.push('host.id|name');
  if (spec.storageType === 'nfs' && !spec.address) missing.push('storage.address');
  if (spec.storageType === 'nfs' && !spec.path) missing.push('storage.path');
  if (missing.length > 0 || !spec.name || !spec.host || !spec.address || !spec.path) {
    throw incomplete('StorageDomain', missing, 'add');
  }
  if (spec.type !== 'data' && spec.type !== 'iso') {
    throw new EngineFault(400, 'Invalid value', `Invalid value '${spec.type}' for storage domain type`);
  }
  if (spec.storageType !== 'nfs') {
    throw new EngineFault(
      400,
      'Operation Failed',
      `Storage type '${spec.storageType}' is not available in this lab`,
    );
  }
  if (model.storageDomains.some((s) => s.name.toLowerCase() === spec.name?.toLowerCase())) {
    throw conflict('Cannot add Storage. The Storage Domain name is already in use.');
  }
  const path = normalizeExportPath(spec.path);
  if (
    model.storageDomains.some(
      (s) => s.address.toLowerCase() === spec.address?.toLowerCase() && s.path === path,
    )
  ) {
    throw conflict('Cannot add Storage Connection. Storage connection already exists.');
  }
  const host = model.findHost(spec.host);
  if (!host) throw new EngineFault(400, 'Operation Failed', `Entity not found: Host: name=${spec.host}`);
  if (host.status !== 'up') throw conflict(`Cannot add Storage. Host ${host.name} is not in Up status.`);
  const nfsVersion = spec.nfsVersion ?? 'auto';
  const server = mountFromHost(model, host, spec.address, path, nfsVersion, 'Add Storage Connection');
  if (!canVdsmUse(server, path)) throw backendFailure('Add Storage Connection', MESSAGES.perm469);
  if (server.listDir(path).length > 0) {
    throw backendFailure(`New NFS Storage Domain`, `${MESSAGES.notEmpty361}: ('${spec.address}:${path}',)`);
  }
  const domain: StorageDomain = {
    id: model.newId(),
    name: spec.name,
    type: spec.type,
    address: spec.address,
    path,
    nfsVersion,
    server,
    dataCenterId: undefined,
    status: 'locked',
    master: false,
    cachedFiles: undefined,
    generation: 0,
  };
  writeDomainStructure(domain);
  model.storageDomains.push(domain);
  const job = model.startJob(`Adding NFS Storage Domain ${domain.name}`, ctx);
  model.scheduler.after(DELAYS.domainCreate, () => {
    if (domain.status !== 'locked' || domain.dataCenterId !== undefined) return;
    domain.status = 'unattached';
    model.addEvent({
      code: EVENT.domainAdded,
      severity: 'normal',
      description: `Storage Domain ${domain.name} was added by ${model.user}-authz`,
      correlationId: ctx.correlationId,
      storageDomainId: domain.id,
    });
    model.endJob(job, 'finished');
  });
  return domain;
}

function activeMaster(model: EngineModel, dc: DataCenter): StorageDomain | undefined {
  return model.domainsOfDataCenter(dc).find((s) => s.master && s.status === 'active');
}

function requireUpHost(model: EngineModel, dc: DataCenter, verb: string): Host {
  const up = model.upHostsOfDataCenter(dc);
  const host = up.find((h) => h.spm === 'spm') ?? up[0];
  if (!host) throw conflict(`Cannot ${verb} Storage. There is no active Host in the Data Center.`);
  return host;
}

function requireMasterFor(model: EngineModel, dc: DataCenter, domain: StorageDomain, verb: string): void {
  if (domain.type !== 'data' && !activeMaster(model, dc)) {
    throw conflict(
      `Cannot ${verb} Storage. The Data Center has no active Master Storage Domain.\n-Please attach and activate a Data Storage Domain first.`,
    );
  }
}

/** FAQ 4: a host that still uses the domain blocks deactivation and removal until it is in maintenance. */
function checkHold(model: EngineModel, domain: StorageDomain, verb: string): void {
  const holder = model.holds.get(domain.id);
  const host = holder === undefined ? undefined : model.hosts.find((h) => h.id === holder);
  if (!host || host.status === 'maintenance') {
    model.holds.delete(domain.id);
    return;
  }
  throw conflict(
    `Cannot ${verb} Storage. Storage Domain ${domain.name} is in use by Host ${host.name}.\n-Please switch Host ${host.name} to Maintenance mode first.`,
  );
}

/** `POST /datacenters/{dc}/storagedomains`: attach and activate; locked → active, events 962 and 966. */
export function attachDomain(
  model: EngineModel,
  dc: DataCenter,
  domain: StorageDomain,
  ctx: RequestContext,
): Job {
  if (domain.dataCenterId !== undefined) {
    throw conflict('Cannot attach Storage. Storage Domain is already attached to a Data Center.');
  }
  if (domain.status === 'locked') throw conflict(`Cannot attach Storage. ${MESSAGES.locked}`);
  requireMasterFor(model, dc, domain, 'attach');
  const host = requireUpHost(model, dc, 'attach');
  checkDomainAccess(model, host, domain, 'Attach Storage Domain');
  const job = model.startJob(`Attaching Storage Domain ${domain.name} to Data Center ${dc.name}`, ctx);
  domain.dataCenterId = dc.id;
  domain.status = 'locked';
  domain.generation++;
  const generation = domain.generation;
  model.scheduler.after(DELAYS.domainAttach, () => {
    if (domain.generation !== generation) return;
    model.addEvent({
      code: EVENT.domainAttached,
      severity: 'normal',
      description: `Storage Domain ${domain.name} was attached to Data Center ${dc.name} by ${model.user}-authz`,
      correlationId: ctx.correlationId,
      storageDomainId: domain.id,
      dataCenterId: dc.id,
    });
    markActive(model, dc, domain, ctx);
    model.endJob(job, 'finished');
  });
  return job;
}

/** The end of attach and activate: active, event 966; the first data domain becomes master (§4.3). */
function markActive(model: EngineModel, dc: DataCenter, domain: StorageDomain, ctx: RequestContext): void {
  domain.status = 'active';
  if (domain.type === 'data' && !model.domainsOfDataCenter(dc).some((s) => s.master && s.id !== domain.id)) {
    domain.master = true;
  }
  model.addEvent({
    code: EVENT.domainActivated,
    severity: 'normal',
    description: `Storage Domain ${domain.name} (Data Center ${dc.name}) was activated by ${model.user}-authz`,
    correlationId: ctx.correlationId,
    storageDomainId: domain.id,
    dataCenterId: dc.id,
  });
  if (domain.master && dc.status !== 'up' && dc.status !== 'contend') {
    const spm = model.hostsOfDataCenter(dc).find((h) => h.spm === 'spm' && h.status === 'up');
    if (spm) dc.status = 'up';
    else electSpm(model, dc.id, ctx);
  }
}

function requireAttached(dc: DataCenter, domain: StorageDomain): void {
  if (domain.dataCenterId !== dc.id) throw notFound();
}

/** `POST /datacenters/{dc}/storagedomains/{sd}/activate`: maintenance|inactive → activating → active. */
export function activateDomain(
  model: EngineModel,
  dc: DataCenter,
  domain: StorageDomain,
  ctx: RequestContext,
): Job {
  requireAttached(dc, domain);
  if (domain.status === 'active')
    throw conflict('Cannot activate Storage. Storage Domain is already active.');
  if (domain.status !== 'maintenance' && domain.status !== 'inactive') {
    throw conflict(`Cannot activate Storage. ${MESSAGES.locked}`);
  }
  requireMasterFor(model, dc, domain, 'activate');
  const host = requireUpHost(model, dc, 'activate');
  // FAQ 3: with the export's ownership wrong the domain cannot come back (vdsm 469).
  checkDomainAccess(model, host, domain, 'Activate Storage Domain');
  const job = model.startJob(`Activating Storage Domain ${domain.name} on Data Center ${dc.name}`, ctx);
  domain.status = 'activating';
  domain.generation++;
  const generation = domain.generation;
  model.scheduler.after(DELAYS.domainActivate, () => {
    if (domain.generation !== generation) return;
    markActive(model, dc, domain, ctx);
    model.endJob(job, 'finished');
  });
  return job;
}

/** `POST /datacenters/{dc}/storagedomains/{sd}/deactivate`: → preparing_for_maintenance → maintenance. */
export function deactivateDomain(
  model: EngineModel,
  dc: DataCenter,
  domain: StorageDomain,
  ctx: RequestContext,
): Job {
  requireAttached(dc, domain);
  if (domain.status === 'maintenance') {
    throw conflict('Cannot deactivate Storage. Storage Domain is already in Maintenance.');
  }
  if (domain.status !== 'active' && domain.status !== 'inactive') {
    throw conflict(`Cannot deactivate Storage. ${MESSAGES.locked}`);
  }
  checkHold(model, domain, 'deactivate');
  const others = model.domainsOfDataCenter(dc).filter((s) => s.id !== domain.id);
  if (domain.master && others.some((s) => s.type !== 'data' && s.status === 'active')) {
    throw conflict(
      'Cannot deactivate a Master Storage Domain while there are ISO/Export active domains in the Data Center.\n-Please deactivate all ISO/Export domains first.',
    );
  }
  const job = model.startJob(`Deactivating Storage Domain ${domain.name} in Data Center ${dc.name}`, ctx);
  domain.status = 'preparing_for_maintenance';
  domain.generation++;
  const generation = domain.generation;
  model.scheduler.after(DELAYS.domainDeactivate, () => {
    if (domain.generation !== generation) return;
    domain.status = 'maintenance';
    if (domain.master) {
      // Reconstruct: the master role moves to another active data domain, if there is one (§4.5).
      const heir = others.find((s) => s.type === 'data' && s.status === 'active');
      if (heir) {
        heir.master = true;
        domain.master = false;
      } else {
        dc.status = 'maintenance';
      }
    }
    model.addEvent({
      code: EVENT.domainDeactivated,
      severity: 'normal',
      description: `Storage Domain ${domain.name} (Data Center ${dc.name}) was deactivated by ${model.user}-authz`,
      correlationId: ctx.correlationId,
      storageDomainId: domain.id,
      dataCenterId: dc.id,
    });
    model.endJob(job, 'finished');
  });
  return job;
}

/** `DELETE /datacenters/{dc}/storagedomains/{sd}`: only from maintenance; never the last master. */
export function detachDomain(
  model: EngineModel,
  dc: DataCenter,
  domain: StorageDomain,
  ctx: RequestContext,
): void {
  requireAttached(dc, domain);
  if (domain.status !== 'maintenance') {
    throw conflict(
      'Cannot detach Storage. Storage Domain is not in Maintenance status.\n-Please put the Storage Domain into Maintenance first.',
    );
  }
  if (domain.master) {
    throw conflict(
      'Cannot remove the master Storage Domain from the Data Center without another active Storage Domain to take its place.\n-Either activate another Storage Domain in the Data Center, or remove the Data Center.',
    );
  }
  const job = model.startJob(`Detaching Storage Domain ${domain.name} from Data Center ${dc.name}`, ctx);
  domain.dataCenterId = undefined;
  domain.status = 'unattached';
  domain.generation++;
  model.addEvent({
    code: EVENT.domainDetached,
    severity: 'normal',
    description: `Storage Domain ${domain.name} was detached from Data Center ${dc.name} by ${model.user}-authz`,
    correlationId: ctx.correlationId,
    storageDomainId: domain.id,
    dataCenterId: dc.id,
  });
  model.endJob(job, 'finished');
}

export interface RemoveDomainSpec {
  host?: string | undefined;
  format: boolean;
  destroy: boolean;
}

/**
 * `DELETE /storagedomains/{sd}?host=..&format=..&destroy=..` (ovirt-api.md §4.1): `host` is
 * mandatory unless `destroy`; only `format=true` wipes the domain's directory — without it the
 * files stay in the export and the next add there fails with 361 (FAQ 1).
 */
export function removeDomain(
  model: EngineModel,
  domain: StorageDomain,
  spec: RemoveDomainSpec,
  ctx: RequestContext,
): void {
  if (!spec.destroy && spec.host === undefined) throw incomplete('Host', ['id|name'], 'remove');
  if (domain.dataCenterId !== undefined && !(spec.destroy && domain.status !== 'active')) {
    throw conflict(
      'Cannot remove Storage. Storage Domain is attached to a Data Center.\n-Please detach it first.',
    );
  }
  if (domain.status === 'locked') throw conflict(`Cannot remove Storage. ${MESSAGES.locked}`);
  checkHold(model, domain, 'remove');
  if (!spec.destroy && spec.host !== undefined) {
    const host = model.findHost(spec.host);
    if (!host) throw new EngineFault(400, 'Operation Failed', `Entity not found: Host: name=${spec.host}`);
    if (host.status !== 'up') throw conflict(`Cannot remove Storage. Host ${host.name} is not in Up status.`);
    if (spec.format)
      mountFromHost(model, host, domain.address, domain.path, domain.nfsVersion, 'Format Storage Domain');
  }
  const job = model.startJob(`Removing Storage Domain ${domain.name}`, ctx);
  for (const disk of model.disks.filter((d) => d.storageDomainId === domain.id)) dropDisk(model, disk);
  if (spec.format && !spec.destroy) domain.server.removeTree(`${domain.path}/${domain.id}`);
  model.storageDomains.splice(model.storageDomains.indexOf(domain), 1);
  model.holds.delete(domain.id);
  domain.generation++;
  model.addEvent({
    code: EVENT.domainRemoved,
    severity: 'normal',
    description: `Storage Domain ${domain.name} was removed by ${model.user}-authz`,
    correlationId: ctx.correlationId,
    storageDomainId: domain.id,
  });
  model.endJob(job, 'finished');
}

/** `GET /storagedomains/{sd}/files[?refresh=]`: ISO domains only; the engine caches the list (§5.1). */
export function listDomainFiles(domain: StorageDomain, refresh: boolean): string[] {
  if (domain.type !== 'iso') {
    throw new EngineFault(
      400,
      'Operation Failed',
      '[Cannot get Storage Domain files. The operation is supported only for ISO Storage Domains.]',
    );
  }
  if (domain.dataCenterId === undefined || domain.status !== 'active') {
    throw conflict('Cannot get Storage Domain files. Storage Domain status is not active.');
  }
  if (refresh || domain.cachedFiles === undefined) {
    const dir = `${domain.path}/${domain.id}/images/${ISO_IMAGE_DIR}`;
    // The uploader writes `.name` and renames it when complete; temp files are not listed.
    domain.cachedFiles = domain.server
      .listDir(dir)
      .filter((name) => !name.startsWith('.') && domain.server.files.get(`${dir}/${name}`)?.kind === 'file');
  }
  return domain.cachedFiles;
}

/** The knob of FAQ 3: active domains on an export vdsm can no longer use go `inactive`. */
export function markInaccessibleDomains(model: EngineModel, server: SimMachineState, path: string): void {
  for (const domain of model.storageDomains) {
    if (domain.server !== server || domain.path !== normalizeExportPath(path) || domain.status !== 'active')
      continue;
    if (canVdsmUse(server, path)) continue;
    domain.status = 'inactive';
    domain.generation++;
    model.addEvent({
      code: EVENT.domainDeactivatedBySystem,
      severity: 'warning',
      description: `Storage Domain ${domain.name} (Data Center ${model.dataCenters.find((d) => d.id === domain.dataCenterId)?.name ?? ''}) was deactivated by system because it's not visible by any of the hosts.`,
      correlationId: model.newId(),
      storageDomainId: domain.id,
      dataCenterId: domain.dataCenterId,
    });
  }
}
