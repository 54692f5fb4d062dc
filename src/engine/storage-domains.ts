import { LabopsError } from '../errors.js';
import { msg, verbatim } from '../i18n/text.js';
import {
  type CallOptions,
  type EngineContext,
  findNamed,
  getJson,
  listStates,
  runWait,
  seg,
  toRequestOptions,
  type WaitCallOptions,
} from './engine-context.js';
import { collectionOf, FileSchema, StorageDomainSchema, toDomainFile, toStorageDomain } from './schemas.js';
import type { DomainFile, StorageDomain } from './types.js';

export interface AddNfsDomainSpec {
  name: string;
  type: 'data' | 'iso';
  address: string;
  path: string;
  /** The host that mounts the export and writes the domain (must be up). */
  hostName: string;
  nfsVersion?: 'auto' | 'v3' | 'v4' | 'v4_0' | 'v4_1' | 'v4_2';
}

/** The global view: an attached domain has no status here (§4.3); use `listAttachedStorageDomains`. */
export async function listStorageDomains(
  context: EngineContext,
  options: CallOptions = {},
): Promise<StorageDomain[]> {
  const list = await getJson(
    context,
    '/storagedomains',
    collectionOf('storage_domain', StorageDomainSchema),
    options,
  );
  return list.map(toStorageDomain);
}

export async function getStorageDomain(
  context: EngineContext,
  id: string,
  options: CallOptions = {},
): Promise<StorageDomain> {
  return toStorageDomain(await getJson(context, `/storagedomains/${seg(id)}`, StorageDomainSchema, options));
}

export async function findStorageDomain(
  context: EngineContext,
  name: string,
  options: CallOptions = {},
): Promise<StorageDomain> {
  const collection = collectionOf('storage_domain', StorageDomainSchema);
  return findNamed(
    context,
    { path: '/storagedomains', schema: collection, toItem: toStorageDomain, kind: 'storageDomain' },
    name,
    options,
  );
}

/** The data center's view of its domains, with their status there (§4.3). */
export async function listAttachedStorageDomains(
  context: EngineContext,
  dataCenterId: string,
  options: CallOptions = {},
): Promise<StorageDomain[]> {
  const list = await getJson(
    context,
    `/datacenters/${seg(dataCenterId)}/storagedomains`,
    collectionOf('storage_domain', StorageDomainSchema),
    options,
  );
  return list.map((sd) => ({ ...toStorageDomain(sd), dataCenterIds: [dataCenterId] }));
}

/** The domain as its data center sees it, or `undefined` when it is not attached (an empty 404, §8.12). */
export async function getAttachedStorageDomain(
  context: EngineContext,
  dataCenterId: string,
  domainId: string,
  options: CallOptions = {},
): Promise<StorageDomain | undefined> {
  const sd = await context.transport.request({
    method: 'GET',
    path: `/datacenters/${seg(dataCenterId)}/storagedomains/${seg(domainId)}`,
    schema: StorageDomainSchema,
    allowNotFound: true,
    ...toRequestOptions(context, options),
  });
  return sd ? { ...toStorageDomain(sd), dataCenterIds: [dataCenterId] } : undefined;
}

/** Creates an NFS domain on its export (§4.2); it becomes `unattached`. */
export async function addNfsStorageDomain(
  context: EngineContext,
  spec: AddNfsDomainSpec,
  options: CallOptions = {},
): Promise<StorageDomain> {
  const sd = await context.transport.request({
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
    ...toRequestOptions(context, options),
  });
  if (!sd) throw new LabopsError('ENGINE_UNAVAILABLE', msg('engine.answer.addWithout', { kind: 'domain' }));
  return toStorageDomain(sd);
}

/** Attaches a domain to a data center; the engine also activates it (§4.3). */
export async function attachStorageDomain(
  context: EngineContext,
  dataCenterId: string,
  domainId: string,
  options: CallOptions = {},
): Promise<void> {
  await context.transport.request({
    method: 'POST',
    path: `/datacenters/${seg(dataCenterId)}/storagedomains`,
    body: { id: domainId },
    ...toRequestOptions(context, options),
  });
}

export async function activateStorageDomain(
  context: EngineContext,
  dataCenterId: string,
  domainId: string,
  options: CallOptions = {},
): Promise<void> {
  await context.transport.action(
    `/datacenters/${seg(dataCenterId)}/storagedomains/${seg(domainId)}/activate`,
    {},
    toRequestOptions(context, options),
  );
}

/** Puts a domain into maintenance; the answer is often 202 and the change comes later (§4.5). */
export async function deactivateStorageDomain(
  context: EngineContext,
  dataCenterId: string,
  domainId: string,
  force = false,
  options: CallOptions = {},
): Promise<void> {
  await context.transport.action(
    `/datacenters/${seg(dataCenterId)}/storagedomains/${seg(domainId)}/deactivate`,
    force ? { force: 'true' } : {},
    toRequestOptions(context, options),
  );
}

/** Detaches a domain in maintenance from its data center. */
export async function detachStorageDomain(
  context: EngineContext,
  dataCenterId: string,
  domainId: string,
  options: CallOptions = {},
): Promise<void> {
  await context.transport.request({
    method: 'DELETE',
    path: `/datacenters/${seg(dataCenterId)}/storagedomains/${seg(domainId)}`,
    ...toRequestOptions(context, options),
  });
}

/** Removes an unattached domain; `format` wipes its files from the export (§4.1). */
export async function removeStorageDomain(
  context: EngineContext,
  domainId: string,
  how: { hostName: string; format?: boolean } | { destroy: true },
  options: CallOptions = {},
): Promise<void> {
  const query =
    'destroy' in how
      ? { destroy: 'true' }
      : { host: how.hostName, ...(how.format ? { format: 'true' } : {}) };
  await context.transport.request({
    method: 'DELETE',
    path: `/storagedomains/${seg(domainId)}`,
    query,
    ...toRequestOptions(context, options),
  });
}

/** Waits for the domain's status in the data center; `unattached` waits for the detach to finish. */
export async function waitForStorageDomainStatus(
  context: EngineContext,
  dataCenterId: string,
  domainId: string,
  target: readonly string[],
  options: WaitCallOptions = {},
): Promise<StorageDomain | undefined> {
  const wantsDetached = target.includes('unattached');
  return runWait(
    context,
    {
      description: msg('engine.wait.domainStatus', { domain: domainId, states: listStates(target) }),
      read: async (signal) => {
        const attached = await getAttachedStorageDomain(context, dataCenterId, domainId, { signal });
        if (attached || !wantsDetached) return attached;
        return getStorageDomain(context, domainId, { signal });
      },
      isDone: (sd) => sd !== undefined && sd.status !== undefined && target.includes(sd.status),
      failure: (sd) =>
        sd === undefined
          ? msg('engine.wait.domainNotAttached')
          : sd.status === 'unknown'
            ? msg('engine.wait.statusUnknown')
            : undefined,
      show: (sd) => (sd?.status === undefined ? msg('engine.wait.notAttached') : verbatim(sd.status)),
    },
    options,
    context.waits.short,
  );
}

/** Waits until a freshly added domain is created (`unattached`) in the global view. */
export async function waitForStorageDomainCreated(
  context: EngineContext,
  domainId: string,
  options: WaitCallOptions = {},
): Promise<StorageDomain> {
  return runWait(
    context,
    {
      description: msg('engine.wait.domainCreated', { domain: domainId }),
      read: (signal) => getStorageDomain(context, domainId, { signal }),
      isDone: (sd) => sd.status === 'unattached' || sd.dataCenterIds.length > 0,
      show: (sd) => (sd.status === undefined ? msg('engine.wait.attached') : verbatim(sd.status)),
    },
    options,
    context.waits.short,
  );
}

/** Files of an ISO domain (§4.6: this works on ISO domains only); `refresh` re-reads the storage. */
export async function listIsoDomainFiles(
  context: EngineContext,
  domainId: string,
  refresh = true,
  options: CallOptions = {},
): Promise<DomainFile[]> {
  const list = await getJson(
    context,
    `/storagedomains/${seg(domainId)}/files`,
    collectionOf('file', FileSchema),
    options,
    { refresh: refresh ? 'true' : 'false' },
  );
  return list.map(toDomainFile);
}
