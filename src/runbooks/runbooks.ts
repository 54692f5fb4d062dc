import { isIP } from 'node:net';
import { posix } from 'node:path';
import { LabopsError } from '../errors.js';
import { bytes, list, type Message, msg, type Quantity, verbatim } from '../i18n/text.js';
import {
  parsePublicKey,
  validateFileName,
  validateHostName,
  validateIp,
  validateNetwork,
  validatePathUnder,
  validateSha256,
  validateUrl,
} from '../ssh/quote.js';
import type { DoctorCheck, RunbookItem } from './types.js';

/**
 * The runbooks of lab-guide.md as functions of the lab configuration: each answers the ordered
 * steps (machine, step, title) a job runs. They read nothing and change nothing; every value is
 * validated here, so a plan that builds is one whose command lines quote cleanly.
 */

/** uid of `vdsm` and gid of `kvm` on oVirt hosts (lab-guide.md, storage server step 3). */
export const VDSM_UID = 36;
export const KVM_GID = 36;
/** The fixed image directory of a 4.3 ISO domain where ISO files live (ovirt-api.md §5.1). */
export const ISO_IMAGE_DIR = '11111111-1111-1111-1111-111111111111';
/** The free space `/storage prepare` wants on each export when the caller names none. */
export const DEFAULT_MIN_FREE_BYTES = 1024 ** 3;
/** The NFS options of lab-guide.md. */
export const EXPORT_OPTIONS = 'rw,sync,no_root_squash';
/** The firewalld services an NFS server needs (lab-guide.md, storage server step 6). */
export const NFS_FIREWALL_SERVICES = ['nfs', 'rpc-bind', 'mountd'] as const;
export const NFS_SERVICE = 'nfs-server';

/** The warning of the guide's insecure shortcut, shown with the plan. */
export const INSECURE_WARNING = msg('ssh.runbook.insecureWarning');

/** The part of the lab configuration runbooks read (lab.yml, `LabConfig`). */
export interface RunbookLab {
  readonly hosts: readonly { readonly name: string; readonly address: string }[];
  readonly storage: {
    readonly server: { readonly name: string; readonly address: string };
    readonly export_roots: readonly string[];
    readonly exports: readonly { readonly name: string; readonly path: string }[];
  };
  readonly paths: {
    readonly hosts_file: string;
    readonly authorized_keys: string;
    readonly exports_file: string;
  };
}

/** A line of the hosts file: an address and its names. */
export interface HostsEntry {
  address: string;
  names: string[];
}

/** The hosts line of an entry, as written to the file. */
export function renderHostsLine(entry: HostsEntry): string {
  return `${entry.address} ${entry.names.join(' ')}`;
}

/**
 * The lab's hosts entries (lab-guide.md: every machine carries the three names): one per machine
 * of lab.yml, its address from `addresses` (by machine name) or its configured address when that
 * is an IP, its names the configured address, its short form and the machine's name.
 */
export function getLabHostsEntries(
  lab: RunbookLab,
  addresses: Readonly<Record<string, string>> = {},
): HostsEntry[] {
  const machines = [lab.storage.server, ...lab.hosts];
  return machines.map((machine) => {
    const address = addresses[machine.name] ?? (isIP(machine.address) !== 0 ? machine.address : undefined);
    if (address === undefined) {
      throw new LabopsError(
        'USAGE',
        msg('ssh.runbook.addressUnknown', { machine: machine.name, address: machine.address }),
        { hint: msg('ssh.runbook.addressUnknownHint', { machine: machine.name }) },
      );
    }
    const names: string[] = [];
    for (const name of isIP(machine.address) === 0
      ? [machine.address, machine.address.split('.')[0] ?? '']
      : []) {
      if (name !== '' && !names.includes(name)) names.push(name);
    }
    if (!names.includes(machine.name)) names.push(machine.name);
    return { address: validateIp(msg('ssh.what.addressOf', { machine: machine.name }), address), names };
  });
}

function findExport(lab: RunbookLab, nameOrPath: string): { name: string; path: string } {
  const found = lab.storage.exports.find((e) => e.name === nameOrPath || e.path === nameOrPath);
  if (!found) {
    throw new LabopsError(
      'NOT_FOUND',
      msg('ssh.runbook.noExport', { export: verbatim(JSON.stringify(nameOrPath)) }),
      {
        hint: msg('ssh.runbook.noExportHint', {
          exports: verbatim(lab.storage.exports.map((e) => `${e.name} (${e.path})`).join(', ')),
        }),
      },
    );
  }
  validatePathUnder(msg('ssh.what.export'), found.path, lab.storage.export_roots);
  return found;
}

/** The lab network of the exports: given, or the /24 of the storage server's IPv4 address. */
function getExportNetwork(lab: RunbookLab, network: string | undefined): string {
  if (network !== undefined) return validateNetwork(msg('ssh.what.labNetwork'), network);
  const address = lab.storage.server.address;
  if (isIP(address) !== 4) {
    throw new LabopsError('USAGE', msg('ssh.runbook.networkUnknown'), {
      hint: msg('ssh.runbook.networkUnknownHint'),
    });
  }
  return `${address.split('.').slice(0, 3).join('.')}.0/24`;
}

/** The exports file line of an export (lab-guide.md, storage server step 4). */
export function renderExportLine(path: string, network: string): string {
  return `${path} ${network}(${EXPORT_OPTIONS})`;
}

/**
 * `/storage prepare` (lab-guide.md, "prepare the NFS storage server"): export directories owned
 * 36:36 with setgid, each checked mounted with space, the exports file, `exportfs -arv`, the NFS
 * service, and the firewall services. Partitioning and mkfs are not part of it.
 */
export function planStoragePrepare(
  lab: RunbookLab,
  options: { network?: string | undefined; minFreeBytes?: number | undefined } = {},
): RunbookItem[] {
  const machine = lab.storage.server.name;
  const network = getExportNetwork(lab, options.network);
  const minFreeBytes = options.minFreeBytes ?? DEFAULT_MIN_FREE_BYTES;
  const items: RunbookItem[] = [];
  for (const root of lab.storage.export_roots) {
    items.push({
      machine,
      step: { type: 'ensure-dir', path: root, owner: VDSM_UID, group: KVM_GID, mode: 0o755, setgid: true },
      title: msg('ssh.runbook.dirOwned', { path: root }),
    });
  }
  for (const exp of lab.storage.exports) {
    const path = findExport(lab, exp.path).path;
    items.push(
      {
        machine,
        step: { type: 'ensure-dir', path, owner: VDSM_UID, group: KVM_GID, mode: 0o755, setgid: true },
        title: msg('ssh.runbook.dirOwned', { path }),
      },
      {
        machine,
        step: { type: 'check-mount', path, minFreeBytes },
        title: msg('ssh.runbook.mountedWithFree', { path, free: describeMinFree(minFreeBytes) }),
      },
      {
        machine,
        step: { type: 'ensure-owner-recursive', path, owner: VDSM_UID, group: KVM_GID, setgidDirs: true },
        title: msg('ssh.runbook.treeOwned', { path }),
      },
    );
  }
  for (const exp of lab.storage.exports) {
    items.push({
      machine,
      step: { type: 'ensure-line', path: lab.paths.exports_file, line: renderExportLine(exp.path, network) },
      title: msg('ssh.runbook.exportLine', { file: lab.paths.exports_file, path: exp.path, network }),
    });
  }
  items.push(
    {
      machine,
      step: { type: 'reload-exports', exportsFile: lab.paths.exports_file },
      title: msg('ssh.runbook.exportsActive'),
    },
    {
      machine,
      step: { type: 'ensure-service', service: NFS_SERVICE },
      title: msg('ssh.runbook.serviceRunning', { service: NFS_SERVICE }),
    },
    ...NFS_FIREWALL_SERVICES.map(
      (service): RunbookItem => ({
        machine,
        step: { type: 'allow-firewall-service', service },
        title: msg('ssh.runbook.firewallAllows', { service }),
      }),
    ),
  );
  return items;
}

/**
 * `/storage clean EXPORT` (FAQ 1): removes every entry of the export the plan found, dotfiles
 * included. Refuses while the engine still lists a storage domain there (`domainPaths`: the
 * export paths of the engine's domains, plain or `server:/path`).
 */
export function planStorageClean(
  lab: RunbookLab,
  options: { export: string; entries: readonly string[]; domainPaths: readonly string[] },
): RunbookItem[] {
  const exp = findExport(lab, options.export);
  const inUse = options.domainPaths
    .map((p) => (p.includes(':') ? p.slice(p.indexOf(':') + 1) : p).replace(/\/+$/, ''))
    .filter((p) => p === exp.path || p.startsWith(`${exp.path}/`) || exp.path.startsWith(`${p}/`));
  if (inUse.length > 0) {
    throw new LabopsError(
      'CONFLICT',
      msg('ssh.runbook.domainOnExport', { path: exp.path, domains: verbatim(inUse.join(', ')) }),
      { hint: msg('ssh.runbook.domainOnExportHint') },
    );
  }
  const entries = [...options.entries].sort();
  for (const entry of entries) validateFileName(msg('ssh.what.exportEntry'), entry);
  const paths = entries.map((entry) => posix.join(exp.path, entry));
  return [
    {
      machine: lab.storage.server.name,
      step: { type: 'empty-dir', path: exp.path, entries },
      title:
        entries.length === 0
          ? msg('ssh.runbook.alreadyEmpty', { path: exp.path })
          : msg('ssh.runbook.removeEntries', {
              count: entries.length,
              path: exp.path,
              paths: verbatim(paths.join(', ')),
            }),
    },
  ];
}

/** `/storage fix-permissions` (FAQ 3): for each export, only once it is checked mounted, 36:36 and setgid. */
export function planStorageFixPermissions(
  lab: RunbookLab,
  options: { exports?: readonly string[] | undefined } = {},
): RunbookItem[] {
  const machine = lab.storage.server.name;
  const chosen = (options.exports ?? lab.storage.exports.map((e) => e.path)).map((e) => findExport(lab, e));
  return chosen.flatMap((exp): RunbookItem[] => [
    {
      machine,
      step: { type: 'check-mount', path: exp.path, minFreeBytes: 0 },
      title: msg('ssh.runbook.mounted', { path: exp.path }),
    },
    {
      machine,
      step: {
        type: 'ensure-owner-recursive',
        path: exp.path,
        owner: VDSM_UID,
        group: KVM_GID,
        setgidDirs: true,
      },
      title: msg('ssh.runbook.treeOwned', { path: exp.path }),
    },
  ]);
}

/**
 * `/host prepare HOST [--insecure]` (lab-guide.md, "prepare a hypervisor"): the hosts entries and
 * the engine's key in authorized_keys; `insecure` adds the guide's shortcut with a warning.
 */
export function planHostPrepare(
  lab: RunbookLab,
  options: {
    host: string;
    hostsEntries: readonly HostsEntry[];
    engineKey: string;
    insecure?: boolean | undefined;
  },
): RunbookItem[] {
  const host = lab.hosts.find((h) => h.name === options.host);
  if (!host) {
    throw new LabopsError(
      'NOT_FOUND',
      msg('ssh.runbook.noHost', { host: verbatim(JSON.stringify(options.host)) }),
      {
        hint: msg('ssh.runbook.noHostHint', { hosts: list(lab.hosts.map((h) => h.name)) }),
      },
    );
  }
  const machine = host.name;
  const key = parsePublicKey(msg('ssh.what.engineKey'), options.engineKey);
  const items: RunbookItem[] = options.hostsEntries.map((entry) => {
    validateIp(msg('ssh.what.hostsEntryAddress'), entry.address);
    for (const name of entry.names) validateHostName(msg('ssh.what.hostsEntryName'), name);
    return {
      machine,
      step: { type: 'ensure-line', path: lab.paths.hosts_file, line: renderHostsLine(entry) },
      title: msg('ssh.runbook.hostsLine', {
        file: lab.paths.hosts_file,
        names: verbatim(entry.names.join(', ')),
        address: entry.address,
      }),
    };
  });
  items.push({
    machine,
    step: { type: 'install-key', path: lab.paths.authorized_keys, key: key.line },
    title: msg('ssh.runbook.engineKey', { file: lab.paths.authorized_keys }),
  });
  if (options.insecure) {
    items.push(
      {
        machine,
        step: { type: 'stop-service', service: 'firewalld' },
        title: msg('ssh.runbook.firewallStopped'),
        warning: INSECURE_WARNING,
      },
      {
        machine,
        step: { type: 'selinux-permissive' },
        title: msg('ssh.runbook.selinuxPermissive'),
        warning: INSECURE_WARNING,
      },
    );
  }
  return items;
}

/**
 * `/iso upload` into a 4.3 ISO domain, as engine-iso-uploader did: the file is downloaded on the
 * storage server to `.NAME` in the domain's image directory — from the URL the plan's redirects
 * ended at, connecting only to the address labops checked, bounded in size and time — checked
 * (size, ISO 9660 signature, and the checksum when given), owned 36:36, mode 0640, then renamed.
 * The caller then refreshes the domain's file list in the engine
 * (`GET /storagedomains/{id}/files?refresh=true`).
 */
export function planIsoIntoIsoDomain(
  lab: RunbookLab,
  options: {
    export: string;
    domainId: string;
    url: string;
    address: string;
    sizeBytes: number;
    name: string;
    sha256?: string | undefined;
    maxSeconds?: number | undefined;
  },
): RunbookItem[] {
  const exp = findExport(lab, options.export);
  validateFileName(msg('ssh.what.domainId'), options.domainId);
  if (!/^[0-9a-f-]{36}$/.test(options.domainId)) {
    throw new LabopsError(
      'USAGE',
      msg('ssh.runbook.notUuid', { id: verbatim(JSON.stringify(options.domainId)) }),
    );
  }
  const name = validateFileName(msg('ssh.what.isoName'), options.name);
  if (name.startsWith('.')) {
    throw new LabopsError('USAGE', msg('ssh.step.dotName', { what: msg('ssh.what.isoName'), name }));
  }
  validateUrl(msg('ssh.what.url'), options.url);
  validateIp(msg('ssh.what.address'), options.address);
  if (options.sha256 !== undefined) validateSha256(msg('ssh.what.checksum'), options.sha256);
  const path = posix.join(exp.path, options.domainId, 'images', ISO_IMAGE_DIR, name);
  validatePathUnder(msg('ssh.what.isoPath'), path, lab.storage.export_roots);
  return [
    {
      machine: lab.storage.server.name,
      step: {
        type: 'download',
        url: options.url,
        address: options.address,
        sizeBytes: options.sizeBytes,
        maxSeconds: options.maxSeconds ?? getDownloadSeconds(options.sizeBytes),
        path,
        iso9660: true,
        sha256: options.sha256,
        owner: VDSM_UID,
        group: KVM_GID,
        mode: 0o640,
      },
      title: msg('ssh.runbook.downloadIso', { name, domain: options.domainId }),
    },
  ];
}

/** The slowest rate a download may have before its `--max-time` ends it: 1 MiB/s, plus 5 minutes. */
const MIN_DOWNLOAD_BYTES_PER_SECOND = 1024 * 1024;
const DOWNLOAD_GRACE_SECONDS = 300;

/** curl's `--max-time` for a download of `sizeBytes`: at least 1 MiB/s, plus five minutes to start. */
export function getDownloadSeconds(sizeBytes: number): number {
  return DOWNLOAD_GRACE_SECONDS + Math.ceil(sizeBytes / MIN_DOWNLOAD_BYTES_PER_SECOND);
}

/**
 * Removes one ISO file of a 4.3 ISO domain: exactly
 * `<export>/<sd-uuid>/images/11111111-1111-1111-1111-111111111111/<name>` (ovirt-api.md §5.1), on
 * the storage server. The engine's file list is refreshed by the caller afterwards.
 */
export function planIsoRemovalFromIsoDomain(
  lab: RunbookLab,
  options: { export: string; domainId: string; name: string },
): RunbookItem[] {
  const exp = findExport(lab, options.export);
  if (!/^[0-9a-f-]{36}$/.test(options.domainId)) {
    throw new LabopsError(
      'USAGE',
      msg('ssh.runbook.notUuid', { id: verbatim(JSON.stringify(options.domainId)) }),
    );
  }
  const name = validateFileName(msg('ssh.what.isoName'), options.name);
  if (name.startsWith('.')) {
    throw new LabopsError('USAGE', msg('ssh.step.dotName', { what: msg('ssh.what.isoName'), name }));
  }
  const path = posix.join(exp.path, options.domainId, 'images', ISO_IMAGE_DIR, name);
  validatePathUnder(msg('ssh.what.isoPath'), path, lab.storage.export_roots);
  return [
    {
      machine: lab.storage.server.name,
      step: { type: 'remove-file', path },
      title: msg('ssh.runbook.removeIso', { name, domain: options.domainId }),
    },
  ];
}

/**
 * The read-only checks of `/lab doctor` (design.md, Commands): on the storage server the exports
 * (empty or not, owners and modes, mounted with space, active), the NFS service and the
 * firewall; on each hypervisor the hosts entries, the engine's key, the storage server's name
 * resolving, and the guide's typos.
 */
export function listDoctorChecks(
  lab: RunbookLab,
  options: {
    engineKey?: string | undefined;
    hostsEntries?: readonly HostsEntry[] | undefined;
    minFreeBytes?: number | undefined;
  } = {},
): DoctorCheck[] {
  const server = lab.storage.server.name;
  const minFreeBytes = options.minFreeBytes ?? DEFAULT_MIN_FREE_BYTES;
  const checks: DoctorCheck[] = [];
  for (const exp of lab.storage.exports) {
    const path = findExport(lab, exp.path).path;
    checks.push(
      { machine: server, check: { type: 'dir-empty', path }, title: msg('ssh.check.noStaleFiles', { path }) },
      {
        machine: server,
        check: { type: 'owner-mode', path, owner: VDSM_UID, group: KVM_GID, setgid: true, recursive: true },
        title: msg('ssh.check.owned', { path }),
      },
      {
        machine: server,
        check: { type: 'mounted', path, minFreeBytes },
        title: msg('ssh.check.mounted', { path, free: describeMinFree(minFreeBytes) }),
      },
      { machine: server, check: { type: 'export-active', path }, title: msg('ssh.check.exported', { path }) },
    );
  }
  checks.push({
    machine: server,
    check: { type: 'service-active', service: NFS_SERVICE },
    title: msg('ssh.runbook.serviceRunning', { service: NFS_SERVICE }),
  });
  for (const service of NFS_FIREWALL_SERVICES) {
    checks.push({
      machine: server,
      check: { type: 'firewall-allows', service },
      title: msg('ssh.check.firewallLets', { service }),
    });
  }
  const serverName = isIP(lab.storage.server.address) === 0 ? lab.storage.server.address : undefined;
  for (const host of lab.hosts) {
    for (const entry of options.hostsEntries ?? []) {
      checks.push({
        machine: host.name,
        check: {
          type: 'hosts-entry',
          path: lab.paths.hosts_file,
          address: entry.address,
          names: entry.names,
        },
        title: msg('ssh.check.hostsEntry', {
          host: host.name,
          file: lab.paths.hosts_file,
          names: verbatim(entry.names.join(', ')),
        }),
      });
    }
    if (serverName !== undefined) {
      checks.push({
        machine: host.name,
        check: { type: 'resolves', name: serverName },
        title: msg('ssh.check.resolves', { host: host.name, name: serverName }),
      });
    }
    if (options.engineKey !== undefined) {
      checks.push({
        machine: host.name,
        check: { type: 'key-present', path: lab.paths.authorized_keys, key: options.engineKey },
        title: msg('ssh.check.engineKey', { host: host.name, file: lab.paths.authorized_keys }),
      });
    }
    checks.push(
      {
        machine: host.name,
        check: { type: 'no-misnamed-keys-file', path: lab.paths.authorized_keys },
        title: msg('ssh.check.noMisnamedKeys', { host: host.name }),
      },
      {
        machine: host.name,
        check: { type: 'no-sh-rsa-line', path: lab.paths.authorized_keys },
        title: msg('ssh.check.noShRsa', { host: host.name }),
      },
    );
  }
  return checks;
}

/** A free-space threshold as written in lab.yml: `1 GiB`, or `any space` for none. */
function describeMinFree(size: number): Message | Quantity {
  return size === 0 ? msg('ssh.runbook.anySpace') : bytes(size, { exact: true });
}
