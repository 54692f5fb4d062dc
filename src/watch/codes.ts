import type { AlertKind } from '../config/lab-schema.js';

/** What an engine event the watcher posts is about, and which of lab.yml's `events.notify` kinds it is. */
export interface WatchedCode {
  /** The constant's name in AuditLogType.java, as the engine's own list spells it. */
  name: string;
  kind: AlertKind;
  /** The status the event puts its object in, when it is one the watcher also reads. */
  status?: 'non_responsive' | 'non_operational' | 'inactive' | 'maintenance' | 'paused' | undefined;
}

/**
 * The engine's event codes the watcher posts, from AuditLogType.java of oVirt/ovirt-engine, branch
 * ovirt-engine-4.3 (backend/manager/modules/common/.../AuditLogType.java), never invented ones.
 * Where the engine logs no code of its own for a change (a domain that merely shows `maintenance`),
 * the watcher sees the status change between two polls instead (watcher.ts).
 */
export const WATCHED_CODES: Readonly<Record<number, WatchedCode>> = {
  // "Host ${VdsName} is non responsive."
  12: { name: 'VDS_FAILURE', kind: 'host_down', status: 'non_responsive' },
  // "Host ${VdsName} is not responding. Host cannot be fenced automatically because power management for the host is disabled."
  9027: { name: 'VDS_HOST_NOT_RESPONDING', kind: 'host_down', status: 'non_responsive' },
  // "Host ${VdsName} moved to Non-Operational state."
  517: { name: 'VDS_SET_NONOPERATIONAL', kind: 'host_down', status: 'non_operational' },
  // "Host ${VdsName} does not comply with the cluster ${ClusterName} networks, ..."
  519: { name: 'VDS_SET_NONOPERATIONAL_NETWORK', kind: 'host_down', status: 'non_operational' },
  // "Host ${VdsName} cannot access the Storage Domain(s) ... Setting Host state to Non-Operational."
  522: { name: 'VDS_SET_NONOPERATIONAL_DOMAIN', kind: 'host_down', status: 'non_operational' },
  603: { name: 'VDS_SET_NONOPERATIONAL_IFACE_DOWN', kind: 'host_down', status: 'non_operational' },
  // "... was deactivated by system because it's not visible by any of the hosts."
  970: { name: 'SYSTEM_DEACTIVATED_STORAGE_DOMAIN', kind: 'storage_down', status: 'inactive' },
  // A person deactivated it ("... has moved to 'Preparing for maintenance' ..."): posted unless a labops job did.
  968: { name: 'USER_DEACTIVATED_STORAGE_DOMAIN', kind: 'storage_down', status: 'maintenance' },
  1029: { name: 'STORAGE_DOMAIN_MOVED_TO_MAINTENANCE', kind: 'storage_down', status: 'maintenance' },
  // "VM ${VmName} has been paused due to storage I/O problem."
  145: { name: 'VM_PAUSED_EIO', kind: 'vm_paused', status: 'paused' },
  // "Migration failed${DueToMigrationError} (VM: ${VmName}, Source: ${VdsName})."
  65: { name: 'VM_MIGRATION_FAILED', kind: 'migration_failed' },
  140: { name: 'VM_MIGRATION_FAILED_DURING_MOVE_TO_MAINTENANCE', kind: 'migration_failed' },
  // "Upload was paused by system. Reason: timeout due to transfer inactivity."
  1071: { name: 'UPLOAD_IMAGE_PAUSED_BY_SYSTEM_TIMEOUT', kind: 'transfer_paused' },
  // "Image transfer was paused by user (${UserName})."
  1073: { name: 'TRANSFER_IMAGE_PAUSED_BY_USER', kind: 'transfer_paused' },
};

/** Host statuses the watcher posts (ovirt-api.md §3.3). */
export const HOST_DOWN_STATUSES: readonly string[] = ['non_responsive', 'non_operational'];

/** Domain statuses the watcher posts (§4.4); maintenance only when no labops job asked for it. */
export const DOMAIN_DOWN_STATUSES: readonly string[] = [
  'inactive',
  'maintenance',
  'preparing_for_maintenance',
];
