import type { Text } from '../i18n/text.js';
import type { EngineVersion } from './versions.js';
/**
 * The engine's objects as the rest of labops sees them: plain, typed, camelCase, with the JSON
 * quirks (string booleans, wrapper levels, missing keys) already resolved by the client.
 */

export interface DataCenter {
  id: string;
  name: string;
  /** `up`, `uninitialized`, `maintenance`, `not_operational`, `problematic`, `contend` (§6.1). */
  status: string;
}

export interface Cluster {
  id: string;
  name: string;
  dataCenterId: string | undefined;
}

export interface Host {
  id: string;
  name: string;
  address: string | undefined;
  /** §3.3: `up`, `maintenance`, `preparing_for_maintenance`, `non_operational`, ... */
  status: string;
  clusterId: string | undefined;
  /** This host holds the SPM role of its data center. */
  isSpm: boolean;
  vms: { active: number; migrating: number; total: number };
  memoryBytes: number | undefined;
}

export interface Vm {
  id: string;
  name: string;
  status: string;
  /** Where it runs; absent when it is down. */
  hostId: string | undefined;
  clusterId: string | undefined;
  /** `migratable`, `user_migratable` or `pinned`. */
  affinity: string;
  /** Hosts named by its placement policy. */
  placementHostIds: string[];
  memoryBytes: number | undefined;
}

export interface StorageDomain {
  id: string;
  name: string;
  /** `data`, `iso`, `export`, ... */
  type: string;
  /**
   * For an attached domain, the status in its data center (§4.3: the global view has none);
   * `unattached` for a domain in no data center.
   */
  status: string | undefined;
  isMaster: boolean;
  availableBytes: number | undefined;
  usedBytes: number | undefined;
  storage: { type: string | undefined; address: string | undefined; path: string | undefined };
  dataCenterIds: string[];
}

export interface DomainFile {
  id: string;
  name: string;
}

export interface Disk {
  id: string;
  name: string | undefined;
  status: string | undefined;
  contentType: string | undefined;
  format: string | undefined;
  provisionedBytes: number | undefined;
  actualBytes: number | undefined;
  storageDomainIds: string[];
  /** Free text; labops marks the disks it uploads here (disk-mark.ts). */
  description: string | undefined;
}

export interface ImageTransfer {
  id: string;
  /** §5.2: `initializing`, `transferring`, `finalizing_success`, `finished_success`, ... */
  phase: string;
  transferUrl: string | undefined;
  proxyUrl: string | undefined;
  transferredBytes: number | undefined;
  diskId: string | undefined;
}

/**
 * How an image transfer ended after finalize (§5.2 step 5). A failure says whether the engine
 * removed the disk (`disk` undefined) or left it, and in which state.
 */
export type TransferOutcome =
  | { status: 'succeeded'; disk: Disk }
  | { status: 'failed'; phase: string; reason: Text; disk: Disk | undefined };

export interface EngineEvent {
  id: string;
  index: number;
  code: number;
  description: string;
  severity: string;
  time: Date | undefined;
  correlationId: string | undefined;
  hostId: string | undefined;
  vmId: string | undefined;
  storageDomainId: string | undefined;
}

export interface EngineJob {
  id: string;
  description: string;
  /** `started`, `finished`, `failed`, `aborted`, `unknown`. */
  status: string;
  startTime: Date | undefined;
  endTime: Date | undefined;
}

export interface ApiInfo {
  productName: string | undefined;
  /** `full_version`, e.g. "4.3.11.4-1.el7". */
  version: string | undefined;
  /** The version from its parts (major, minor, build, revision), when the engine gave them. */
  engineVersion: EngineVersion | undefined;
}
