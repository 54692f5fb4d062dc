import { LabopsError } from '../errors.js';
import { msg, type Text, verbatim } from '../i18n/text.js';
import {
  type CallOptions,
  type EngineContext,
  getJson,
  listStates,
  runWait,
  seg,
  signalOf,
  toRequestOptions,
  type WaitCallOptions,
} from './engine-context.js';
import { collectionOf, DiskSchema, toDisk } from './schemas.js';
import type { Disk } from './types.js';
import { takesBodyMember } from './versions.js';

export interface CreateDiskSpec {
  name: string;
  sizeBytes: number;
  storageDomainId: string;
  /** ISO images must be `iso` + raw + not sparse, or finalize fails (§5.2). */
  contentType: 'iso' | 'data';
  /** Free text; labops marks its uploads here (disk-mark.ts). */
  description?: string | undefined;
}

const ISO_IMAGES_SEARCH = 'disk_type=image and disk_content_type=iso';

/** Creates a disk for an upload; an ISO is `content_type=iso`, raw, not sparse (§5.2). */
export async function createDisk(
  context: EngineContext,
  spec: CreateDiskSpec,
  options: CallOptions = {},
): Promise<Disk> {
  const disk = await context.transport.request({
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
    ...toRequestOptions(context, options),
  });
  if (!disk) throw new LabopsError('ENGINE_UNAVAILABLE', msg('engine.answer.addWithout', { kind: 'disk' }));
  return toDisk(disk);
}

/** The disk, or `undefined` when the engine has none with this id. */
export async function getDisk(
  context: EngineContext,
  id: string,
  options: CallOptions = {},
): Promise<Disk | undefined> {
  const disk = await context.transport.request({
    method: 'GET',
    path: `/disks/${seg(id)}`,
    schema: DiskSchema,
    allowNotFound: true,
    ...toRequestOptions(context, options),
  });
  return disk ? toDisk(disk) : undefined;
}

/** Disks stored on a domain. */
export async function listStorageDomainDisks(
  context: EngineContext,
  domainId: string,
  options: CallOptions = {},
): Promise<Disk[]> {
  const list = await getJson(
    context,
    `/storagedomains/${seg(domainId)}/disks`,
    collectionOf('disk', DiskSchema),
    options,
  );
  return list.map(toDisk);
}

/** ISO images in data domains (§4.6). */
export async function listIsoDisks(context: EngineContext, options: CallOptions = {}): Promise<Disk[]> {
  const list = await getJson(context, '/disks', collectionOf('disk', DiskSchema), options, {
    search: ISO_IMAGES_SEARCH,
  });
  return list.map(toDisk);
}

export async function removeDisk(
  context: EngineContext,
  id: string,
  options: CallOptions = {},
): Promise<void> {
  await context.transport.request({
    method: 'DELETE',
    path: `/disks/${seg(id)}`,
    ...toRequestOptions(context, options),
  });
}

/**
 * Whether the engine can change a floating disk's description. From 4.4.0 `PUT /disks/{id}`
 * updates it (UpdateDisk); a 4.3 engine takes only `qcow_version` there and answers anything
 * else with 409 "Updating disk attributes other than QCOW version is permitted only for
 * disk-attachments" (ovirt-engine 4.3.11, BackendDiskResource.update), whatever the model says.
 */
export async function canUpdateDiskDescription(
  context: EngineContext,
  options: CallOptions = {},
): Promise<boolean> {
  const level = await context.transport.getApiLevel(signalOf(context, options));
  return takesBodyMember(level, 'PUT', '/disks/id', 'description');
}

/**
 * Sets a floating disk's description (`PUT /disks/{id}`). Answers false, sending nothing, on
 * an engine that cannot (`canUpdateDiskDescription`).
 */
export async function updateDiskDescription(
  context: EngineContext,
  id: string,
  description: string,
  options: CallOptions = {},
): Promise<boolean> {
  if (!(await canUpdateDiskDescription(context, options))) return false;
  await context.transport.request({
    method: 'PUT',
    path: `/disks/${seg(id)}`,
    body: { description },
    ...toRequestOptions(context, options),
  });
  return true;
}

/** Waits until the disk (`undefined` once removed) satisfies `isDone`; `description` names the wait. */
export async function waitForDisk(
  context: EngineContext,
  id: string,
  description: Text,
  isDone: (disk: Disk | undefined) => boolean,
  options: WaitCallOptions = {},
): Promise<Disk | undefined> {
  return runWait(
    context,
    {
      description,
      read: (signal) => getDisk(context, id, { signal }),
      isDone,
      show: (disk) =>
        disk === undefined
          ? msg('engine.wait.removed')
          : disk.status === undefined
            ? msg('engine.wait.noStatus')
            : verbatim(disk.status),
    },
    options,
    context.waits.short,
  );
}

/** Waits until the disk is in one of `target`; its removal or `illegal` ends the wait. */
export async function waitForDiskStatus(
  context: EngineContext,
  id: string,
  target: readonly string[],
  options: WaitCallOptions = {},
): Promise<Disk> {
  return runWait(
    context,
    {
      description: msg('engine.wait.diskStatus', { disk: id, states: listStates(target) }),
      read: (signal) => getDisk(context, id, { signal }),
      isDone: (disk) => disk?.status !== undefined && target.includes(disk.status),
      failure: (disk) =>
        disk === undefined
          ? msg('engine.wait.diskRemovedNow')
          : disk.status === 'illegal'
            ? msg('engine.wait.diskIllegal')
            : undefined,
      show: (disk) => (disk?.status === undefined ? msg('engine.wait.removed') : verbatim(disk.status)),
    },
    options,
    context.waits.short,
  ) as Promise<Disk>;
}
