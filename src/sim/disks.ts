import {
  conflict,
  DELAYS,
  type Disk,
  EngineFault,
  type EngineModel,
  EVENT,
  type ImageTransfer,
  incomplete,
  type Job,
  MESSAGES,
  type RequestContext,
  type StorageDomain,
} from './engine-model.js';
import type { ImageioDaemon } from './imageio.js';

/**
 * Disks and image transfers (ovirt-api.md §5.2): a disk is created `locked` then `ok`; a transfer
 * goes initializing → transferring (URLs and an imageio ticket exist only then) → finalizing →
 * finished, or cancelled; a failed or cancelled upload takes its disk with it.
 */

export interface AddDiskSpec {
  name?: string | undefined;
  description?: string | undefined;
  contentType?: string | undefined;
  format?: string | undefined;
  sparse?: boolean | undefined;
  provisionedSize?: number | undefined;
  storageDomain?: string | undefined;
}

/** Free bytes of the filesystem the domain's export lives on (the root fs when it is not mounted). */
export function domainSpace(domain: StorageDomain): { available: number; used: number } {
  const fs = domain.server.findMount(domain.path);
  if (!fs) return { available: 0, used: 0 };
  return { available: Math.max(0, fs.sizeBytes - fs.usedBytes), used: fs.usedBytes };
}

/** Sum of the provisioned sizes of the domain's disks. */
export function domainCommitted(model: EngineModel, domain: StorageDomain): number {
  return model.disks
    .filter((d) => d.storageDomainId === domain.id)
    .reduce((sum, d) => sum + d.provisionedSize, 0);
}

/** The image directory of a disk inside its domain (vdsm's `<export>/<sd>/images/<disk>`). */
function imageDir(domain: StorageDomain, disk: Disk): string {
  return `${domain.path}/${domain.id}/images/${disk.id}`;
}

/** Puts a disk's volume on the export and charges its size to the export's filesystem. */
export function storeDisk(model: EngineModel, disk: Disk): void {
  const domain = model.storageDomains.find((s) => s.id === disk.storageDomainId);
  if (!domain) return;
  // Inside a setgid export a new directory inherits the bit, as it does on Linux.
  const vdsm = { uid: 36, gid: 36, mode: 0o2755 };
  domain.server.ensureDir(imageDir(domain, disk), vdsm);
  domain.server.files.set(`${imageDir(domain, disk)}/${disk.id}`, {
    kind: 'file',
    uid: 36,
    gid: 36,
    mode: 0o660,
    size: disk.actualSize,
  });
  const fs = domain.server.findMount(domain.path);
  if (fs) {
    const entry = domain.server.mounts.get(fs.point);
    if (entry) entry.usedBytes += disk.actualSize;
  }
}

/** Removes a disk from the engine and its volume from the export. */
export function dropDisk(model: EngineModel, disk: Disk): void {
  const index = model.disks.indexOf(disk);
  if (index >= 0) model.disks.splice(index, 1);
  for (const vm of model.vms) vm.diskIds = vm.diskIds.filter((id) => id !== disk.id);
  const domain = model.storageDomains.find((s) => s.id === disk.storageDomainId);
  if (!domain) return;
  if (!domain.server.files.has(imageDir(domain, disk))) return;
  domain.server.removeTree(imageDir(domain, disk));
  const fs = domain.server.findMount(domain.path);
  const entry = fs && domain.server.mounts.get(fs.point);
  if (entry) entry.usedBytes = Math.max(0, entry.usedBytes - disk.actualSize);
}

/** `POST /disks` (ovirt-api.md §5.2 step 1). */
export function addDisk(model: EngineModel, spec: AddDiskSpec, ctx: RequestContext): Disk {
  const missing: string[] = [];
  if (spec.provisionedSize === undefined) missing.push('provisioned_size');
  if (spec.format === undefined) missing.push('format');
  if (spec.storageDomain === undefined) missing.push('storage_domains.storage_domain.id|name');
  if (spec.provisionedSize === undefined || spec.format === undefined || spec.storageDomain === undefined) {
    throw incomplete('Disk', missing, 'add');
  }
  if (spec.format !== 'raw' && spec.format !== 'cow') {
    throw new EngineFault(400, 'Invalid value', `Invalid value '${spec.format}' for format`);
  }
  const domain = model.findDomain(spec.storageDomain);
  if (!domain) throw conflict("Cannot add Virtual Disk. Storage Domain doesn't exist.");
  if (domain.type !== 'data') {
    throw conflict('Cannot add Virtual Disk. The operation is not supported for ISO Storage Domains.');
  }
  if (domain.dataCenterId === undefined || domain.status !== 'active') {
    throw conflict('Cannot add Virtual Disk. Storage Domain status is illegal.');
  }
  const sparse = spec.sparse ?? spec.format === 'cow';
  const actualSize = sparse ? Math.min(spec.provisionedSize, 1024 ** 2) : spec.provisionedSize;
  if (actualSize > domainSpace(domain).available) {
    throw conflict(`Cannot add Virtual Disk. Low disk space on Storage Domain ${domain.name}.`);
  }
  const disk: Disk = {
    id: model.newId(),
    name: spec.name ?? 'disk',
    description: spec.description,
    contentType: spec.contentType === 'iso' ? 'iso' : 'data',
    format: spec.format,
    sparse,
    status: 'locked',
    provisionedSize: spec.provisionedSize,
    actualSize,
    storageDomainId: domain.id,
  };
  model.disks.push(disk);
  storeDisk(model, disk);
  const job = model.startJob(`Adding Disk ${disk.name}`, ctx);
  model.scheduler.after(DELAYS.diskCreate, () => {
    if (!model.disks.includes(disk)) return;
    disk.status = 'ok';
    model.addEvent({
      code: EVENT.diskAdded,
      severity: 'normal',
      description: `The disk ${disk.name} was successfully added.`,
      correlationId: ctx.correlationId,
      storageDomainId: domain.id,
    });
    model.endJob(job, 'finished');
  });
  return disk;
}

/**
 * `PUT /disks/{id}` on a floating disk. A 4.3 engine only amends a QCOW version there and refuses
 * anything else; from 4.4 it updates the disk (the simulator keeps name and description).
 */
export function updateDisk(
  model: EngineModel,
  disk: Disk,
  spec: { name?: string | undefined; description?: string | undefined; qcowVersion?: string | undefined },
): void {
  if (!model.engine.build.updatesFloatingDisks) {
    if (spec.qcowVersion !== undefined) {
      throw conflict('Cannot amend Virtual Disk. The simulated lab does not amend QCOW versions.');
    }
    throw new EngineFault(
      409,
      'Operation Failed',
      'Updating disk attributes other than QCOW version is permitted only for disk-attachments, which reside under VMs.',
    );
  }
  if (disk.status === 'locked') throw conflict(`Cannot edit Virtual Disk. ${MESSAGES.locked}`);
  if (spec.name !== undefined) disk.name = spec.name;
  if (spec.description !== undefined) disk.description = spec.description;
}

/** `DELETE /disks/{id}`. */
export function removeDisk(model: EngineModel, disk: Disk, ctx: RequestContext): void {
  if (disk.status === 'locked') throw conflict(`Cannot remove Virtual Disk. ${MESSAGES.locked}`);
  const job = model.startJob(`Removing Disk ${disk.name}`, ctx);
  dropDisk(model, disk);
  model.endJob(job, 'finished');
}

export interface AddTransferSpec {
  diskId?: string | undefined;
  direction?: string | undefined;
  format?: string | undefined;
  inactivityTimeout?: number | undefined;
  timeoutPolicy?: string | undefined;
  host?: string | undefined;
}

/** Where the transfer's bytes go: imageio's own port and the engine's proxy port (see index.ts). */
export interface TransferEndpoints {
  imageio: ImageioDaemon;
  transferBaseUrl: () => string;
  proxyBaseUrl: () => string;
}

/** `POST /imagetransfers` (ovirt-api.md §5.2 step 2). */
export function addTransfer(
  model: EngineModel,
  spec: AddTransferSpec,
  endpoints: TransferEndpoints,
  ctx: RequestContext,
): ImageTransfer {
  if (!spec.diskId) throw incomplete('ImageTransfer', ['disk.id'], 'add');
  const disk = model.findDisk(spec.diskId);
  if (!disk) throw new EngineFault(400, 'Operation Failed', `Entity not found: Disk: id=${spec.diskId}`);
  if (disk.status !== 'ok') throw conflict(`Cannot transfer Virtual Disk. ${MESSAGES.locked}`);
  const domain = model.storageDomains.find((s) => s.id === disk.storageDomainId);
  const dc = domain?.dataCenterId === undefined ? undefined : model.findDataCenter(domain.dataCenterId);
  const upHosts = dc ? model.upHostsOfDataCenter(dc) : [];
  const host = spec.host === undefined ? upHosts[0] : model.findHost(spec.host);
  if (host?.status !== 'up') {
    throw conflict('Cannot transfer Virtual Disk. There is no active Host in the Data Center.');
  }
  const transfer: ImageTransfer = {
    id: model.newId(),
    diskId: disk.id,
    hostId: host.id,
    phase: 'initializing',
    direction: spec.direction === 'download' ? 'download' : 'upload',
    format: spec.format === 'cow' ? 'cow' : 'raw',
    inactivityTimeout: spec.inactivityTimeout ?? 60,
    // A 4.3 engine has no timeout_policy (the body check refuses one): it behaves as `legacy`,
    // pausing an inactive upload (ovirt-api.md §5.2). The simulator keeps the policy but has no
    // client inactivity timer.
    timeoutPolicy: spec.timeoutPolicy ?? 'legacy',
    ticketId: model.newId(),
    upload: undefined,
  };
  model.transfers.push(transfer);
  disk.status = 'locked';
  const job = model.startJob(
    `${transfer.direction === 'upload' ? 'Uploading' : 'Downloading'} image ${disk.name}`,
    ctx,
  );
  transfer.job = job;
  model.scheduler.after(DELAYS.transferInitialize, () => {
    if (transfer.phase !== 'initializing') return;
    transfer.upload = endpoints.imageio.addTicket({
      ticketId: transfer.ticketId,
      transferId: transfer.id,
      diskId: disk.id,
      size: disk.provisionedSize,
      writable: transfer.direction === 'upload',
    });
    transfer.transferUrl = `${endpoints.transferBaseUrl()}/images/${transfer.ticketId}`;
    transfer.proxyUrl = `${endpoints.proxyBaseUrl()}/images/${transfer.ticketId}`;
    transfer.phase = 'transferring';
  });
  return transfer;
}

/** `POST /imagetransfers/{id}/finalize` (ovirt-api.md §5.2 step 5). */
export function finalizeTransfer(
  model: EngineModel,
  transfer: ImageTransfer,
  imageio: ImageioDaemon,
  ctx: RequestContext,
): Job {
  if (transfer.phase !== 'transferring') {
    throw conflict(`Cannot finalize Image Transfer. The transfer is in phase ${transfer.phase}.`);
  }
  imageio.removeTicket(transfer.ticketId);
  const disk = model.findDisk(transfer.diskId);
  const uploaded = transfer.upload?.highWater ?? 0;
  // ovirt-api.md §5.2: an ISO in a cow disk, or one whose size is not the disk's, fails to finalize.
  const fails =
    disk === undefined ||
    (transfer.direction === 'upload' &&
      disk.contentType === 'iso' &&
      (disk.format === 'cow' || uploaded !== disk.provisionedSize));
  transfer.phase = fails ? 'finalizing_failure' : 'finalizing_success';
  const job = model.startJob(`Finalizing image transfer of ${disk?.name ?? 'a disk'}`, ctx);
  model.scheduler.after(DELAYS.transferFinalize, () => {
    if (fails) {
      transfer.phase = 'finished_failure';
      if (disk) {
        disk.status = 'illegal';
        dropDisk(model, disk);
      }
      model.addEvent({
        code: EVENT.uploadFailed,
        severity: 'error',
        description: `Image Upload with disk ${disk?.name ?? ''} failed.`,
        correlationId: ctx.correlationId,
      });
      if (transfer.job) model.endJob(transfer.job, 'failed');
      model.endJob(job, 'failed');
    } else {
      transfer.phase = 'finished_success';
      if (disk) disk.status = 'ok';
      model.addEvent({
        code: EVENT.uploadFinished,
        severity: 'normal',
        description: `Image Upload with disk ${disk?.name ?? ''} succeeded.`,
        correlationId: ctx.correlationId,
      });
      if (transfer.job) model.endJob(transfer.job, 'finished');
      model.endJob(job, 'finished');
    }
    forgetLater(model, transfer);
  });
  return job;
}

/** `POST /imagetransfers/{id}/cancel`: the ticket goes, and the disk with it. */
export function cancelTransfer(
  model: EngineModel,
  transfer: ImageTransfer,
  imageio: ImageioDaemon,
  ctx: RequestContext,
): Job {
  if (transfer.phase.startsWith('finished') || transfer.phase === 'cancelled_user') {
    throw conflict(`Cannot cancel Image Transfer. The transfer is in phase ${transfer.phase}.`);
  }
  imageio.removeTicket(transfer.ticketId);
  transfer.phase = 'cancelled_user';
  const disk = model.findDisk(transfer.diskId);
  if (disk) dropDisk(model, disk);
  if (transfer.job) model.endJob(transfer.job, 'failed');
  const job = model.startJob('Cancelling image transfer', ctx);
  model.endJob(job, 'finished');
  forgetLater(model, transfer);
  return job;
}

/** ovirt-api.md §5.2: engines drop a finished transfer after a while; GET then answers 404. */
function forgetLater(model: EngineModel, transfer: ImageTransfer): void {
  model.scheduler.after(DELAYS.transferRetention, () => {
    const index = model.transfers.indexOf(transfer);
    if (index >= 0) model.transfers.splice(index, 1);
  });
}
