/**
 * The public contract of the lab simulator (design.md "The lab simulator"): a faithful stand-in for
 * the seed lab of lab-guide.md — the engine's REST API over HTTPS on loopback, an imageio daemon,
 * and the simulated machines (hyper1, hyper2, the storage server) whose state runbooks change.
 * The shell, the tests and the benchmarks all use it through this interface.
 */

/** The lab a simulator starts with. Every field has the lab-guide default. */
export interface SimSeed {
  dataCenter: string;
  cluster: string;
  /** The engine + NFS server machine. */
  storageServer: { name: string; address: string };
  hypervisors: { name: string; address: string }[];
  /** NFS exports on the storage server (each its own mounted filesystem). */
  exports: { path: string; sizeBytes: number }[];
  /** Storage domains that exist and are attached and active at start; the first data one is master. */
  storageDomains: { name: string; type: 'data' | 'iso'; exportPath: string }[];
  /** VMs running at start, each on a hypervisor; `pinned` ones cannot migrate. */
  vms: { name: string; host: string; pinned?: boolean; memoryBytes?: number; diskGiB?: number }[];
}

/** The engine builds the simulator can play (ovirt-model.json has the API model of each line). */
export type SimEngineVersion = '4.3.11' | '4.4.10';

export interface SimulatorOptions {
  /**
   * The engine version it plays (default 4.3.11, the line of lab-guide.md's engine): its API model
   * decides which request members are refused with 400 and which members answers carry, and
   * `product_info` reports it.
   */
  engineVersion?: SimEngineVersion;
  /**
   * Time scale. 1 runs the engine's state machines at lab-like pace (a migration takes seconds);
   * tests use e.g. 0.002 so that everything takes milliseconds. Every delay inside the simulator is
   * `baseMs * timeScale`, and `timing` tells clients the matching poll intervals and deadlines.
   */
  timeScale?: number;
  /** Listen address, loopback only. Default 127.0.0.1. */
  host?: string;
  seed?: Partial<SimSeed>;
  /** Engine user and password. Default admin@internal and a random password. */
  user?: string;
  password?: string;
  /** Directory for the CA file; default a fresh temporary directory removed on close(). */
  dir?: string;
}

/** Poll intervals and deadlines matching the simulator's time scale (ovirt-api.md §7, scaled). */
export interface SimTiming {
  pollIntervalMs: number;
  shortDeadlineMs: number;
  longDeadlineMs: number;
}

export type FaultKind =
  /** JSON fault `{"reason","detail"}` with the given 5xx status (default 500). */
  | 'server-error'
  /** A proxy's HTML error page (text/html), status default 502. */
  | 'html'
  /** 200 with a body that is not JSON. */
  | 'garbage'
  /** The connection is destroyed without an answer. */
  | 'drop'
  /** 409 "Related operation is currently in progress. Please try again later." */
  | 'locked';

export interface FaultSpec {
  kind: FaultKind;
  /** Only requests with this method (GET, POST, ...). */
  method?: string;
  /** Only requests whose path (after /ovirt-engine/api, without query) matches. */
  path?: string | RegExp;
  /** How many matching requests fail; default 1. Infinity until cleared. */
  count?: number;
  status?: number;
}

/** One request the engine answered, for assertions (tags, headers, order). */
export interface SimRequestRecord {
  method: string;
  /** Path and query as received. */
  url: string;
  status: number;
  correlationId: string | undefined;
  headers: Record<string, string | string[] | undefined>;
  /** The JSON body of an API request, passwords redacted; undefined when there was none. */
  body?: unknown;
}

/** The switches tests and the shell turn. Each maps to a problem of lab-guide.md or a fault. */
export interface SimKnobs {
  /** Added to every engine answer. */
  setLatency(ms: number): void;
  injectFault(spec: FaultSpec): void;
  clearFaults(): void;
  /** Every issued SSO token becomes invalid: the next API call answers 401. */
  expireTokens(): void;

  /** FAQ 1: files of an earlier domain (a uuid directory with dom_md, and a dotfile) left in the export. */
  leaveStaleFiles(exportPath: string): void;
  /** FAQ 3: owner and mode of an export changed (default root:root 0755); an active domain on it goes inactive. */
  breakOwnership(exportPath: string, uid?: number, gid?: number, mode?: number): void;
  /** The export's filesystem is not mounted (the directory is on the root filesystem). */
  unmountExport(exportPath: string): void;
  /** FAQ 2: a hypervisor cannot resolve a name (its hosts entry removed, no DNS). */
  makeUnresolvable(hypervisor: string, name: string): void;
  /** FAQ 4: a host still uses a domain: deactivating or removing the domain fails until the host is in maintenance. */
  holdDomain(domain: string, host: string): void;
  /** The guide's typos: the engine key written to `authorized.keys`, or a key line starting `sh-rsa`. */
  typoAuthorizedKeys(host: string): void;
  typoShRsa(host: string): void;
  /** A VM pinned to its host: maintenance of that host stays in preparing_for_maintenance. */
  pinVm(vm: string): void;
  stopService(machine: string, service: string): void;
  closeFirewall(machine: string, service: string): void;
  /** The export's line removed from the active export table (exportfs -u). */
  unexport(exportPath: string): void;
  /**
   * The engine loses a host's vdsm (vdsmd stops on the machine): the host goes non_responsive and
   * the engine logs VDS_FAILURE (12), as its host monitoring does.
   */
  makeHostNonResponsive(host: string): void;
  /** vdsm answers again (vdsmd running): the host goes up, and the engine logs VDS_DETECTED (13). */
  reconnectHost(host: string): void;
  /** A running VM paused on a storage I/O error: status paused, VM_PAUSED_EIO (145). */
  pauseVmOnIoError(vm: string): void;
  /** A VM paused on an error runs again: up, VM_RECOVERED_FROM_PAUSE_ERROR (196). */
  resumeVm(vm: string): void;
  /** A running VM's migration fails: it stays where it runs, VM_MIGRATION_FAILED (65). */
  failMigration(vm: string): void;
  /**
   * An image transfer (this one, else the oldest in `transferring`) paused by the engine for
   * inactivity: phase paused_system, UPLOAD_IMAGE_PAUSED_BY_SYSTEM_TIMEOUT (1071). Answers its id.
   */
  pauseTransfer(transferId?: string): string;
  /**
   * The engine restarts: every connection dropped, every SSO token lost, its event log kept. For
   * `downMs` (lab-like, scaled by the time scale; default 0) every request meets the 503 page of
   * the Apache proxy in front of it, as while the engine starts.
   */
  restartEngine(downMs?: number): void;
}

/** A file system entry on a simulated machine. */
export interface SimFile {
  kind: 'dir' | 'file';
  uid: number;
  gid: number;
  /** Permission bits including setgid (0o2000). */
  mode: number;
  /** File content (text); directories have none. */
  content?: string;
  /** Size for files whose content is not kept (uploaded ISOs). */
  size?: number;
}

/** A simulated machine. Its state is the one runbooks change and the engine model reads. */
export interface SimMachine {
  readonly name: string;
  readonly address: string;
  /** Absolute path -> entry. Parents always exist. */
  readonly files: Map<string, SimFile>;
  /** Mount point -> filesystem. */
  readonly mounts: Map<string, { device: string; sizeBytes: number; usedBytes: number }>;
  readonly services: Map<string, { enabled: boolean; active: boolean }>;
  readonly firewall: { running: boolean; permanent: Set<string>; runtime: Set<string> };
  selinux: 'enforcing' | 'permissive';
  /** Exports in effect (what `exportfs` last loaded), path -> options line. */
  readonly activeExports: Map<string, string>;
  /** Resolves a name as `getent hosts` would on this machine: its hosts file, then the lab DNS. */
  resolve(name: string): string | undefined;
}

export interface Simulator {
  /** The engine version it plays. */
  readonly engineVersion: SimEngineVersion;
  /** `https://127.0.0.1:PORT` — the engine's base; the API is at `${baseUrl}/ovirt-engine/api`. */
  readonly baseUrl: string;
  readonly apiUrl: string;
  readonly caPem: string;
  readonly caFile: string;
  readonly user: string;
  readonly password: string;
  /** The engine's SSH public key line, as pki-resource serves it. */
  readonly engineSshPublicKey: string;
  /** The lab it started with (the simulated lab's baseline). */
  readonly seed: SimSeed;
  readonly timing: SimTiming;
  readonly knobs: SimKnobs;
  /** hyper1, hyper2 and the storage server, by name. */
  readonly machines: Map<string, SimMachine>;
  /** Every request answered, oldest first (bounded to the last 10,000). */
  readonly requests: SimRequestRecord[];
  /** Bytes received by imageio per ticket, for upload assertions. */
  readonly uploads: ReadonlyMap<string, SimUpload>;
  /**
   * The machine with this name, made bare (no hosts entries, no engine key) when the lab does not
   * know it yet — a hypervisor a runbook prepares before `/host add`. Adding a host does the same.
   */
  addMachine(name: string, address: string): SimMachine;
  /** Stops both listeners and every timer, and removes the temporary directory. */
  close(): Promise<void>;
}

/** What imageio received for one ticket (uploaded bytes themselves are not kept). */
export interface SimUpload {
  ticketId: string;
  transferId: string;
  diskId: string;
  /** The ticket's size (the disk's provisioned size). */
  size: number;
  /** Bytes received by PUT requests. */
  bytesWritten: number;
  /** The highest offset written: the size of the uploaded image. */
  highWater: number;
  /** The first 64 KiB as written (an ISO has `CD001` at byte 32769). */
  head: Buffer;
  /**
   * The sha256 (hex) of the image as written, bytes 0 to `highWater`; undefined when the writes did
   * not come in order (a range written twice, or one after a gap), which the simulator cannot hash
   * without keeping the bytes.
   */
  readonly sha256: string | undefined;
}
