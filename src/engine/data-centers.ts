import { msg, verbatim } from '../i18n/text.js';
import {
  type CallOptions,
  type EngineContext,
  findNamed,
  getJson,
  runWait,
  seg,
  type WaitCallOptions,
} from './engine-context.js';
import { ClusterSchema, collectionOf, DataCenterSchema, toCluster, toDataCenter } from './schemas.js';
import type { Cluster, DataCenter } from './types.js';

export async function listDataCenters(
  context: EngineContext,
  options: CallOptions = {},
): Promise<DataCenter[]> {
  const list = await getJson(context, '/datacenters', collectionOf('data_center', DataCenterSchema), options);
  return list.map(toDataCenter);
}

export async function getDataCenter(
  context: EngineContext,
  id: string,
  options: CallOptions = {},
): Promise<DataCenter> {
  return toDataCenter(await getJson(context, `/datacenters/${seg(id)}`, DataCenterSchema, options));
}

export async function findDataCenter(
  context: EngineContext,
  name: string,
  options: CallOptions = {},
): Promise<DataCenter> {
  const collection = collectionOf('data_center', DataCenterSchema);
  return findNamed(
    context,
    { path: '/datacenters', schema: collection, toItem: toDataCenter, kind: 'dataCenter' },
    name,
    options,
  );
}

/**
 * The id of the data center named `name`, read once for the client and every client derived from
 * it: a data center's id never changes, so a status costs one round of reads.
 */
export async function findDataCenterId(
  context: EngineContext,
  name: string,
  options: CallOptions = {},
): Promise<string> {
  const known = context.dataCenterIds.get(name);
  if (known !== undefined) return known;
  const { id } = await findDataCenter(context, name, options);
  context.dataCenterIds.set(name, id);
  return id;
}

/** After the SPM host leaves, the data center is briefly not up (§3.4): wait for `up`. */
export async function waitForDataCenterUp(
  context: EngineContext,
  dataCenterId: string,
  options: WaitCallOptions = {},
): Promise<DataCenter> {
  return runWait(
    context,
    {
      description: msg('engine.wait.dataCenterUp'),
      read: (signal) => getDataCenter(context, dataCenterId, { signal }),
      isDone: (dc) => dc.status === 'up',
      show: (dc) => verbatim(dc.status),
    },
    options,
    context.waits.short,
  );
}

// ---- clusters ---------------------------------------------------------------------------------

export async function listClusters(context: EngineContext, options: CallOptions = {}): Promise<Cluster[]> {
  const list = await getJson(context, '/clusters', collectionOf('cluster', ClusterSchema), options);
  return list.map(toCluster);
}
