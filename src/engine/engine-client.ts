import { type Clock, type Sleep, systemClock } from '../time.js';
import * as dataCenters from './data-centers.js';
import type { CreateDiskSpec } from './disks.js';
import * as disks from './disks.js';
import type { CallOptions, EngineContext, EngineWaits, WaitCallOptions } from './engine-context.js';
import * as engineInfo from './engine-info.js';
import type { FailureEventFilter } from './events.js';
import * as events from './events.js';
import type { AddHostSpec } from './hosts.js';
import * as hosts from './hosts.js';
import * as imageTransfers from './image-transfers.js';
import { type UploadedImage, type UploadImageSpec, uploadImage } from './image-upload.js';
import type { AddNfsDomainSpec } from './storage-domains.js';
import * as storageDomains from './storage-domains.js';
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
import type { ApiLevel } from './versions.js';
import type { CdromCallOptions } from './vms.js';
import * as vms from './vms.js';
import { DEFAULT_LONG_WAIT, DEFAULT_WAIT } from './wait.js';

export type { CreateDiskSpec } from './disks.js';
export type { CallOptions, EngineWaits, WaitCallOptions } from './engine-context.js';
export type { FailureEventFilter } from './events.js';
export { type AddHostSpec, MAINTENANCE_FAILURE_CODES } from './hosts.js';
export type { AddNfsDomainSpec } from './storage-domains.js';
export {
  type CdromCallOptions,
  VM_DOWN_POLLS_TO_FAIL,
  VM_START_ATTEMPT_CODES,
  VM_START_FAILURE_CODES,
} from './vms.js';

import type { Text } from '../i18n/text.js';

export interface EngineClientOptions extends EngineTransportOptions {
  waits?: Partial<EngineWaits> | undefined;
  now?: Clock | undefined;
}

/**
 * The operations labops runs on an oVirt engine (REST API v4, JSON). Every answer is read through a
 * zod schema and returned as the plain types of `types.ts`. A client made by `withCorrelationId`
 * tags each request so the engine's jobs and events can be traced to the labops job (§1.5); one
 * made by `withSignal` runs every call that passes no signal of its own under the given one (a
 * command's or a step's).
 *
 * A facade: each operation lives, documented, in its resource's module (engine-info.ts,
 * data-centers.ts, hosts.ts, vms.ts, storage-domains.ts, disks.ts, image-transfers.ts, events.ts),
 * which this class calls with its engine context.
 */
export class EngineClient {
  private context: EngineContext;

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
    this.context = {
      transport,
      waits: { short: DEFAULT_WAIT, long: DEFAULT_LONG_WAIT, ...settings.waits },
      sleep: settings.sleep,
      now: settings.now ?? systemClock,
      correlationId,
      onWrite,
      signal: undefined,
      dataCenterIds: new Map(),
    };
  }

  static create(options: EngineClientOptions): EngineClient {
    return new EngineClient(new EngineTransport(options), options);
  }

  /**
   * The same client, its requests tagged with `Correlation-Id: id`; `onWrite` hears of every
   * request that may change the engine before it goes out (a job's report counts them, §5).
   */
  withCorrelationId(id: string, onWrite?: WriteListener): EngineClient {
    return this.derive({ correlationId: id, onWrite });
  }

  /**
   * The same client, every call of it that passes no signal of its own run under `signal`: a
   * command's plan or read and a job's step call the engine without handing their signal on.
   * `undefined` answers a client bound to none.
   */
  withSignal(signal: AbortSignal | undefined): EngineClient {
    return this.derive({ signal });
  }

  private derive(
    changes: Partial<Pick<EngineContext, 'correlationId' | 'onWrite' | 'signal'>>,
  ): EngineClient {
    const client = new EngineClient(this.context.transport);
    client.context = { ...this.context, ...changes };
    return client;
  }

  /** The id the client tags its requests with (`withCorrelationId`). */
  get correlationId(): string | undefined {
    return this.context.correlationId;
  }

  get origin(): string {
    return this.context.transport.origin;
  }

  get waitTimings(): EngineWaits {
    return this.context.waits;
  }

  /**
   * Opens connections ahead of `count` reads about to come, each closed unused after `holdMs`
   * (default 2 s; EngineTransport.preconnect).
   */
  preconnect(count: number, holdMs?: number): void {
    this.context.transport.preconnect(count, holdMs);
  }

  close(): Promise<void> {
    return this.context.transport.close();
  }

  /**
   * Uploads an ISO into a data domain through an image transfer (§5.2), streamed, verified, and
   * cleaned up on failure or cancel; imageio is trusted with the engine's CA.
   */
  uploadIso(spec: UploadImageSpec): Promise<UploadedImage> {
    const { signal, transport } = this.context;
    // The upload runs under the bound signal; its cleanup runs after a cancel too, so on a client bound to none.
    const unbound = signal ? this.withSignal(undefined) : this;
    return uploadImage(unbound, transport.tls, { ...spec, signal: spec.signal ?? signal });
  }

  // ---- the engine itself (engine-info.ts) -------------------------------------------------------

  getApiInfo(options: CallOptions = {}): Promise<ApiInfo> {
    return engineInfo.getApiInfo(this.context, options);
  }

  getApiLevel(options: CallOptions = {}): Promise<ApiLevel> {
    return engineInfo.getApiLevel(this.context, options);
  }

  getEngineSshPublicKey(options: CallOptions = {}): Promise<string> {
    return engineInfo.getEngineSshPublicKey(this.context, options);
  }

  // ---- data centers and clusters (data-centers.ts) ----------------------------------------------

  listDataCenters(options: CallOptions = {}): Promise<DataCenter[]> {
    return dataCenters.listDataCenters(this.context, options);
  }

  getDataCenter(id: string, options: CallOptions = {}): Promise<DataCenter> {
    return dataCenters.getDataCenter(this.context, id, options);
  }

  findDataCenter(name: string, options: CallOptions = {}): Promise<DataCenter> {
    return dataCenters.findDataCenter(this.context, name, options);
  }

  findDataCenterId(name: string, options: CallOptions = {}): Promise<string> {
    return dataCenters.findDataCenterId(this.context, name, options);
  }

  listClusters(options: CallOptions = {}): Promise<Cluster[]> {
    return dataCenters.listClusters(this.context, options);
  }

  waitForDataCenterUp(dataCenterId: string, options: WaitCallOptions = {}): Promise<DataCenter> {
    return dataCenters.waitForDataCenterUp(this.context, dataCenterId, options);
  }

  // ---- hosts (hosts.ts) -------------------------------------------------------------------------

  listHosts(options: CallOptions = {}): Promise<Host[]> {
    return hosts.listHosts(this.context, options);
  }

  getHost(id: string, options: CallOptions = {}): Promise<Host> {
    return hosts.getHost(this.context, id, options);
  }

  findHost(name: string, options: CallOptions = {}): Promise<Host> {
    return hosts.findHost(this.context, name, options);
  }

  deactivateHost(id: string, reason?: string, options: CallOptions = {}): Promise<void> {
    return hosts.deactivateHost(this.context, id, reason, options);
  }

  activateHost(id: string, options: CallOptions = {}): Promise<void> {
    return hosts.activateHost(this.context, id, options);
  }

  addHost(spec: AddHostSpec, options: CallOptions = {}): Promise<Host> {
    return hosts.addHost(this.context, spec, options);
  }

  removeHost(id: string, options: CallOptions = {}): Promise<void> {
    return hosts.removeHost(this.context, id, options);
  }

  waitForHostStatus(id: string, target: readonly string[], options: WaitCallOptions = {}): Promise<Host> {
    return hosts.waitForHostStatus(this.context, id, target, options);
  }

  // ---- VMs (vms.ts) -----------------------------------------------------------------------------

  listVms(filter: { hostName?: string } = {}, options: CallOptions = {}): Promise<Vm[]> {
    return vms.listVms(this.context, filter, options);
  }

  getVm(id: string, options: CallOptions = {}): Promise<Vm> {
    return vms.getVm(this.context, id, options);
  }

  findVm(name: string, options: CallOptions = {}): Promise<Vm> {
    return vms.findVm(this.context, name, options);
  }

  startVm(id: string, run: { bootIso?: string } = {}, options: CallOptions = {}): Promise<void> {
    return vms.startVm(this.context, id, run, options);
  }

  listVmDisks(vmId: string, options: CallOptions = {}): Promise<Disk[]> {
    return vms.listVmDisks(this.context, vmId, options);
  }

  getCdromId(vmId: string, options: CallOptions = {}): Promise<string> {
    return vms.getCdromId(this.context, vmId, options);
  }

  getCdromFile(vmId: string, options: CdromCallOptions = {}): Promise<string | undefined> {
    return vms.getCdromFile(this.context, vmId, options);
  }

  changeCdrom(vmId: string, fileId: string, options: CdromCallOptions = {}): Promise<void> {
    return vms.changeCdrom(this.context, vmId, fileId, options);
  }

  stopVm(id: string, options: CallOptions = {}): Promise<void> {
    return vms.stopVm(this.context, id, options);
  }

  removeVm(id: string, options: CallOptions = {}): Promise<void> {
    return vms.removeVm(this.context, id, options);
  }

  waitForVmStatus(id: string, target: readonly string[], options: WaitCallOptions = {}): Promise<Vm> {
    return vms.waitForVmStatus(this.context, id, target, options);
  }

  // ---- storage domains (storage-domains.ts) -----------------------------------------------------

  listStorageDomains(options: CallOptions = {}): Promise<StorageDomain[]> {
    return storageDomains.listStorageDomains(this.context, options);
  }

  getStorageDomain(id: string, options: CallOptions = {}): Promise<StorageDomain> {
    return storageDomains.getStorageDomain(this.context, id, options);
  }

  findStorageDomain(name: string, options: CallOptions = {}): Promise<StorageDomain> {
    return storageDomains.findStorageDomain(this.context, name, options);
  }

  listAttachedStorageDomains(dataCenterId: string, options: CallOptions = {}): Promise<StorageDomain[]> {
    return storageDomains.listAttachedStorageDomains(this.context, dataCenterId, options);
  }

  getAttachedStorageDomain(
    dataCenterId: string,
    domainId: string,
    options: CallOptions = {},
  ): Promise<StorageDomain | undefined> {
    return storageDomains.getAttachedStorageDomain(this.context, dataCenterId, domainId, options);
  }

  addNfsStorageDomain(spec: AddNfsDomainSpec, options: CallOptions = {}): Promise<StorageDomain> {
    return storageDomains.addNfsStorageDomain(this.context, spec, options);
  }

  attachStorageDomain(dataCenterId: string, domainId: string, options: CallOptions = {}): Promise<void> {
    return storageDomains.attachStorageDomain(this.context, dataCenterId, domainId, options);
  }

  activateStorageDomain(dataCenterId: string, domainId: string, options: CallOptions = {}): Promise<void> {
    return storageDomains.activateStorageDomain(this.context, dataCenterId, domainId, options);
  }

  deactivateStorageDomain(
    dataCenterId: string,
    domainId: string,
    force = false,
    options: CallOptions = {},
  ): Promise<void> {
    return storageDomains.deactivateStorageDomain(this.context, dataCenterId, domainId, force, options);
  }

  detachStorageDomain(dataCenterId: string, domainId: string, options: CallOptions = {}): Promise<void> {
    return storageDomains.detachStorageDomain(this.context, dataCenterId, domainId, options);
  }

  removeStorageDomain(
    domainId: string,
    how: { hostName: string; format?: boolean } | { destroy: true },
    options: CallOptions = {},
  ): Promise<void> {
    return storageDomains.removeStorageDomain(this.context, domainId, how, options);
  }

  waitForStorageDomainStatus(
    dataCenterId: string,
    domainId: string,
    target: readonly string[],
    options: WaitCallOptions = {},
  ): Promise<StorageDomain | undefined> {
    return storageDomains.waitForStorageDomainStatus(this.context, dataCenterId, domainId, target, options);
  }

  waitForStorageDomainCreated(domainId: string, options: WaitCallOptions = {}): Promise<StorageDomain> {
    return storageDomains.waitForStorageDomainCreated(this.context, domainId, options);
  }

  listIsoDomainFiles(domainId: string, refresh = true, options: CallOptions = {}): Promise<DomainFile[]> {
    return storageDomains.listIsoDomainFiles(this.context, domainId, refresh, options);
  }

  // ---- disks (disks.ts) -------------------------------------------------------------------------

  createDisk(spec: CreateDiskSpec, options: CallOptions = {}): Promise<Disk> {
    return disks.createDisk(this.context, spec, options);
  }

  getDisk(id: string, options: CallOptions = {}): Promise<Disk | undefined> {
    return disks.getDisk(this.context, id, options);
  }

  listStorageDomainDisks(domainId: string, options: CallOptions = {}): Promise<Disk[]> {
    return disks.listStorageDomainDisks(this.context, domainId, options);
  }

  listIsoDisks(options: CallOptions = {}): Promise<Disk[]> {
    return disks.listIsoDisks(this.context, options);
  }

  removeDisk(id: string, options: CallOptions = {}): Promise<void> {
    return disks.removeDisk(this.context, id, options);
  }

  canUpdateDiskDescription(options: CallOptions = {}): Promise<boolean> {
    return disks.canUpdateDiskDescription(this.context, options);
  }

  updateDiskDescription(id: string, description: string, options: CallOptions = {}): Promise<boolean> {
    return disks.updateDiskDescription(this.context, id, description, options);
  }

  waitForDisk(
    id: string,
    description: Text,
    isDone: (disk: Disk | undefined) => boolean,
    options: WaitCallOptions = {},
  ): Promise<Disk | undefined> {
    return disks.waitForDisk(this.context, id, description, isDone, options);
  }

  waitForDiskStatus(id: string, target: readonly string[], options: WaitCallOptions = {}): Promise<Disk> {
    return disks.waitForDiskStatus(this.context, id, target, options);
  }

  // ---- image transfers (image-transfers.ts) -----------------------------------------------------

  createImageTransfer(diskId: string, options: CallOptions = {}): Promise<ImageTransfer> {
    return imageTransfers.createImageTransfer(this.context, diskId, options);
  }

  getImageTransfer(id: string, options: CallOptions = {}): Promise<ImageTransfer | undefined> {
    return imageTransfers.getImageTransfer(this.context, id, options);
  }

  waitForTransferReady(id: string, options: WaitCallOptions = {}): Promise<ImageTransfer> {
    return imageTransfers.waitForTransferReady(this.context, id, options);
  }

  finalizeImageTransfer(id: string, options: CallOptions = {}): Promise<void> {
    return imageTransfers.finalizeImageTransfer(this.context, id, options);
  }

  cancelImageTransfer(id: string, options: CallOptions = {}): Promise<void> {
    return imageTransfers.cancelImageTransfer(this.context, id, options);
  }

  waitForTransferOutcome(
    id: string,
    diskId: string,
    options: WaitCallOptions = {},
  ): Promise<TransferOutcome> {
    return imageTransfers.waitForTransferOutcome(this.context, id, diskId, options);
  }

  // ---- events and the engine's jobs (events.ts) -------------------------------------------------

  listEvents(
    filter: { from?: number; max?: number; code?: number } = {},
    options: CallOptions = {},
  ): Promise<EngineEvent[]> {
    return events.listEvents(this.context, filter, options);
  }

  getLastEventIndex(options: CallOptions = {}): Promise<number> {
    return events.getLastEventIndex(this.context, options);
  }

  findFailureEvent(
    from: number,
    codes: readonly number[],
    about: FailureEventFilter = {},
  ): Promise<string | undefined> {
    return events.findFailureEvent(this.context, from, codes, about);
  }

  listFailureEvents(
    from: number,
    codes: readonly number[],
    about: FailureEventFilter = {},
  ): Promise<EngineEvent[]> {
    return events.listFailureEvents(this.context, from, codes, about);
  }

  listJobsByCorrelationId(correlationId: string, options: CallOptions = {}): Promise<EngineJob[]> {
    return events.listJobsByCorrelationId(this.context, correlationId, options);
  }
}
