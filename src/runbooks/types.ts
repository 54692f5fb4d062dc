import { msg, type Text } from '../i18n/text.js';

/**
 * The contract between jobs and the machines (design.md "Runbooks"): a typed, idempotent runbook
 * step is applied on a named machine by a driver — over SSH in a real lab (`ssh-driver.ts`), on
 * the simulated machine with the simulator (`sim/machine-driver.ts`). Every step checks first and reports
 * `ok` (nothing to do) or `changed`, like Ansible's modules; `renderStep` shows its command lines.
 * Owners and groups are numeric ids (vdsm is 36, kvm is 36), modes are permission bits.
 */

/** `mkdir -p`, then owner, group and mode (setgid adds 02000) of the directory itself. */
export interface EnsureDirStep {
  type: 'ensure-dir';
  path: string;
  owner: number;
  group: number;
  mode: number;
  setgid?: boolean | undefined;
}

/** `chown -R` and setgid on every directory below (FAQ 3); only the owner and group bits change. */
export interface EnsureOwnerRecursiveStep {
  type: 'ensure-owner-recursive';
  path: string;
  owner: number;
  group: number;
  /** Sets g+s on every directory, so new files inherit the group (the guide's `chmod -R g+s`). */
  setgidDirs: boolean;
}

/**
 * Destructive: removes the named entries of a directory (FAQ 1). `entries` are the names the plan
 * showed (dotfiles included); an entry that appeared since the plan makes the step fail, so it
 * never removes what approvers did not see.
 */
export interface EmptyDirStep {
  type: 'empty-dir';
  path: string;
  entries: string[];
}

/** Appends `line` to a file unless a line equal to it is there. */
export interface EnsureLineStep {
  type: 'ensure-line';
  path: string;
  line: string;
}

/** `exportfs -arv` when an export of the exports file is not active. */
export interface ReloadExportsStep {
  type: 'reload-exports';
  /** The exports file (paths.exports_file): the sim reads it, the SSH check compares with it. */
  exportsFile: string;
}

/** `systemctl enable --now SERVICE`. */
export interface EnsureServiceStep {
  type: 'ensure-service';
  service: string;
}

/** `systemctl stop SERVICE` (the guide's insecure shortcut for firewalld). */
export interface StopServiceStep {
  type: 'stop-service';
  service: string;
}

/** `firewall-cmd --permanent --add-service=S` then `firewall-cmd --reload`. */
export interface AllowFirewallServiceStep {
  type: 'allow-firewall-service';
  service: string;
}

/** `setenforce 0` (the guide's insecure shortcut). */
export interface SelinuxPermissiveStep {
  type: 'selinux-permissive';
}

/** A public key line in `authorized_keys` (its directory 0700, the file 0600). The key goes on stdin. */
export interface InstallKeyStep {
  type: 'install-key';
  path: string;
  key: string;
}

/**
 * Downloads a URL to `path` through a hidden name in the same directory (`.NAME`), bounded and
 * checked (issue 10 §3): curl connects only to `address`, the address labops checked for the URL's
 * host (`--resolve`), follows no redirect (the URL is the one the redirects ended at), stops after
 * `maxSeconds`, and keeps at most one byte more than `sizeBytes` (`head -c`: curl 7.29 of CentOS 7
 * ignores `--max-filesize` without a Content-Length). Then the size, the ISO 9660 signature when
 * `iso9660`, and the checksum when given are checked; a mismatch removes the partial file and fails
 * the step saying why. Owner and mode are set, then the file is renamed — as engine-iso-uploader did.
 */
export interface DownloadStep {
  type: 'download';
  url: string;
  /** The IP address curl connects to for the URL's host. */
  address: string;
  /** The exact size the plan saw; a longer or shorter body fails the step. */
  sizeBytes: number;
  /** curl's `--max-time`. */
  maxSeconds: number;
  path: string;
  /** Require `CD001` at byte 32769. */
  iso9660?: boolean | undefined;
  sha256?: string | undefined;
  owner?: number | undefined;
  group?: number | undefined;
  mode?: number | undefined;
}

/** Destructive: removes exactly one file (`rm -f`, never a directory); `ok` when it is not there. */
export interface RemoveFileStep {
  type: 'remove-file';
  path: string;
}

/** Asserts that `path` is a mounted filesystem with at least `minFreeBytes` free; changes nothing. */
export interface CheckMountStep {
  type: 'check-mount';
  path: string;
  minFreeBytes: number;
}

/** A typed runbook step. */
export type RunbookStep =
  | EnsureDirStep
  | EnsureOwnerRecursiveStep
  | EmptyDirStep
  | EnsureLineStep
  | ReloadExportsStep
  | EnsureServiceStep
  | StopServiceStep
  | AllowFirewallServiceStep
  | SelinuxPermissiveStep
  | InstallKeyStep
  | DownloadStep
  | RemoveFileStep
  | CheckMountStep;

export type RunbookStepType = RunbookStep['type'];

/** A read-only check `/lab doctor` runs; `inspect` answers it with evidence. */
export type RunbookCheck =
  /** The directory has no entries (FAQ 1); `found` lists them. */
  | { type: 'dir-empty'; path: string }
  /** Owner, group, mode bits and setgid of a path — of everything below it when `recursive` (FAQ 3). */
  | {
      type: 'owner-mode';
      path: string;
      owner: number;
      group: number;
      mode?: number | undefined;
      setgid?: boolean | undefined;
      recursive?: boolean | undefined;
    }
  /** A mounted filesystem with at least `minFreeBytes` free. */
  | { type: 'mounted'; path: string; minFreeBytes: number }
  /** The path is in the active export table (`exportfs -s`). */
  | { type: 'export-active'; path: string }
  /** The service is enabled and active. */
  | { type: 'service-active'; service: string }
  /** firewalld lets the service through now and after a reload (or firewalld is not running). */
  | { type: 'firewall-allows'; service: string }
  /** A line of the hosts file maps `address` to every one of `names`. */
  | { type: 'hosts-entry'; path: string; address: string; names: string[] }
  /** The key (type and base64, any comment) is a line of the authorized_keys file. */
  | { type: 'key-present'; path: string; key: string }
  /** `getent hosts NAME` answers (FAQ 2), with `address` when given. */
  | { type: 'resolves'; name: string; address?: string | undefined }
  /** The guide's typo: the key written to `authorized.keys` beside `authorized_keys`. */
  | { type: 'no-misnamed-keys-file'; path: string }
  /** The guide's typo: a key line starting `sh-rsa` instead of `ssh-rsa`. */
  | { type: 'no-sh-rsa-line'; path: string };

export type RunbookCheckType = RunbookCheck['type'];

export interface CheckResult {
  ok: boolean;
  /**
   * What was seen: the lines the check printed on the machine (the simulated driver prints the
   * same), shown as they are in every language.
   */
  evidence: string[];
  /** Items the check found, when it lists some (the entries of a directory that should be empty). */
  found?: string[] | undefined;
}

export interface MachineIO {
  signal: AbortSignal;
  output(line: string): void;
  /** The step's timeout; the SSH driver enforces it on the machine too. */
  timeoutMs?: number | undefined;
}

export interface ApplyResult {
  status: 'ok' | 'changed';
  detail?: Text;
}

export interface MachineDriver {
  /** Checks first and applies only what is needed; `ok` means nothing had to change. */
  apply(machine: string, step: RunbookStep, io: MachineIO): Promise<ApplyResult>;
  inspect(machine: string, check: RunbookCheck, io: MachineIO): Promise<CheckResult>;
  /** The SSH host key fingerprint the machine presents now, and the one pinned for it (lab.yml or `/host trust`). */
  readHostKey(machine: string): Promise<HostKeyState>;
  /** Pins `fingerprint` for the machine; refuses when it presents another key now (approved ≠ presented). */
  trustHostKey(machine: string, fingerprint: string, by: string): Promise<'ok' | 'changed'>;
  close(): Promise<void>;
}

export interface HostKeyState {
  /** `SHA256:…`, as `ssh-keygen -lf` prints it. */
  presented: string;
  pinned: string | undefined;
  /** The pin comes from lab.yml (`ssh.host_key`), which wins over `/host trust`. */
  pinnedInConfig: boolean;
}

/** Where pinned host keys live: lab.yml's `ssh.host_key` first, then the pins `/host trust` stored. */
export interface HostKeyPins {
  get(machine: string): Promise<string | undefined>;
  /** lab.yml pins this machine's key. */
  isConfigured(machine: string): boolean;
  pin(machine: string, fingerprint: string, by: string): Promise<unknown>;
}

/** One step of a runbook: which machine, what, and the title the plan shows. */
export interface RunbookItem {
  machine: string;
  step: RunbookStep;
  title: Text;
  /** Said with the plan when the step weakens a machine (the guide's insecure shortcut). */
  warning?: Text | undefined;
}

/** One check of `/lab doctor`. */
export interface DoctorCheck {
  machine: string;
  check: RunbookCheck;
  title: Text;
}

/** A driver for a lab whose machines labops cannot reach: every use says so. */
export function createUnreachableMachines(reason: Text): MachineDriver {
  const refuse = async (): Promise<never> => {
    const { LabopsError } = await import('../errors.js');
    throw new LabopsError('SSH_FAILED', msg('ssh.machines.unreachable', { reason: reason }));
  };
  return {
    apply: refuse,
    inspect: refuse,
    readHostKey: refuse,
    trustHostKey: refuse,
    close: async () => undefined,
  };
}
