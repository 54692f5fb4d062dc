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
import { listFailureEvents } from './events.js';
import { collectionOf, HostSchema, toHost } from './schemas.js';
import type { Host } from './types.js';

export interface AddHostSpec {
  name: string;
  address: string;
  clusterName: string;
  /** With the engine's SSH key already in root's authorized_keys (§3.5). */
  auth: { kind: 'publickey'; port?: number } | { kind: 'password'; rootPassword: string };
}

/** Host statuses a host will not leave by itself while we wait (ansible `ovirt_host`, §3.6). */
const HOST_FAILED = new Set(['error', 'install_failed', 'non_responsive', 'non_operational', 'down']);
/**
 * Engine event codes that mean a maintenance failed (§3.4; AuditLogType, engine 4.3): 17 failed,
 * 65/140 migration failed, 166 no target, 1111 no target while the host prepares for maintenance.
 */
export const MAINTENANCE_FAILURE_CODES = [17, 65, 140, 166, 1111] as const;

export async function listHosts(context: EngineContext, options: CallOptions = {}): Promise<Host[]> {
  const list = await getJson(context, '/hosts', collectionOf('host', HostSchema), options);
  return list.map(toHost);
}

export async function getHost(context: EngineContext, id: string, options: CallOptions = {}): Promise<Host> {
  return toHost(await getJson(context, `/hosts/${seg(id)}`, HostSchema, options));
}

/** The host named exactly `name` (the engine's search is case-insensitive and wildcarded, §2.7). */
export async function findHost(
  context: EngineContext,
  name: string,
  options: CallOptions = {},
): Promise<Host> {
  const collection = collectionOf('host', HostSchema);
  return findNamed(
    context,
    { path: '/hosts', schema: collection, toItem: toHost, kind: 'host' },
    name,
    options,
  );
}

/** Starts maintenance; the host then passes through preparing_for_maintenance (§3.4). */
export async function deactivateHost(
  context: EngineContext,
  id: string,
  reason?: string,
  options: CallOptions = {},
): Promise<void> {
  await context.transport.action(
    `/hosts/${seg(id)}/deactivate`,
    reason ? { reason } : {},
    toRequestOptions(context, options),
  );
}

export async function activateHost(
  context: EngineContext,
  id: string,
  options: CallOptions = {},
): Promise<void> {
  await context.transport.action(`/hosts/${seg(id)}/activate`, {}, toRequestOptions(context, options));
}

/** Adds a host; it then installs (`installing` → `up`). The root password is never logged or returned. */
export async function addHost(
  context: EngineContext,
  spec: AddHostSpec,
  options: CallOptions = {},
): Promise<Host> {
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
  const host = await context.transport.request({
    method: 'POST',
    path: '/hosts',
    body,
    schema: HostSchema,
    ...toRequestOptions(context, options),
  });
  if (!host) throw new LabopsError('ENGINE_UNAVAILABLE', msg('engine.answer.addWithout', { kind: 'host' }));
  return toHost(host);
}

/** Removes a host; the engine refuses unless it is in maintenance (§3.5). */
export async function removeHost(
  context: EngineContext,
  id: string,
  options: CallOptions = {},
): Promise<void> {
  await context.transport.request({
    method: 'DELETE',
    path: `/hosts/${seg(id)}`,
    ...toRequestOptions(context, options),
  });
}

/** Waits until the host is in one of `target`, failing on failed states and maintenance-failure events. */
export async function waitForHostStatus(
  context: EngineContext,
  id: string,
  target: readonly string[],
  options: WaitCallOptions = {},
): Promise<Host> {
  const wantsMaintenance = target.includes('maintenance');
  // The name comes with the first answer: a blip then must not end the wait before it began.
  let name = id;
  return runWait(
    context,
    {
      description: () => msg('engine.wait.hostStatus', { host: name, states: listStates(target) }),
      read: async (signal) => {
        const host = await getHost(context, id, { signal });
        name = host.name;
        return host;
      },
      isDone: (h) => target.includes(h.status),
      failure: (h) =>
        HOST_FAILED.has(h.status) && !target.includes(h.status)
          ? msg('engine.wait.hostIs', { host: h.name, status: verbatim(h.status) })
          : undefined,
      show: (h) =>
        h.vms.migrating > 0
          ? msg('engine.wait.hostMigrating', { status: verbatim(h.status), count: h.vms.migrating })
          : verbatim(h.status),
      ...(wantsMaintenance && options.sinceEventIndex !== undefined
        ? {
            failureEvents: async (signal: AbortSignal | undefined) =>
              (
                await listFailureEvents(context, options.sinceEventIndex ?? 0, MAINTENANCE_FAILURE_CODES, {
                  hostId: id,
                  signal,
                })
              ).map((e) => e.description),
          }
        : {}),
    },
    options,
    context.waits.long,
  );
}
