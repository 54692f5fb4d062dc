import { posix } from 'node:path';
import type { SimFile, SimMachine } from './types.js';

/** Owner and mode of a new file system entry. */
export interface FileOwnership {
  uid: number;
  gid: number;
  mode: number;
}

const ROOT_DIR: FileOwnership = { uid: 0, gid: 0, mode: 0o755 };

/**
 * The lab network: which machine answers on which address. The lab has no DNS server (lab-guide.md:
 * every machine carries the lab names in /etc/hosts), so `dns` starts empty.
 */
export class LabNetwork {
  readonly dns = new Map<string, string>();
  private readonly byIp = new Map<string, SimMachineState>();

  attach(machine: SimMachineState): void {
    this.byIp.set(machine.ip, machine);
  }

  /** The machine that owns an IP address, as a TCP connection would find it. */
  findByIp(ip: string): SimMachineState | undefined {
    return this.byIp.get(ip);
  }
}

/** A simulated machine: plain state that runbooks change and the engine model reads. */
export class SimMachineState implements SimMachine {
  readonly files = new Map<string, SimFile>();
  readonly mounts = new Map<string, { device: string; sizeBytes: number; usedBytes: number }>();
  readonly services = new Map<string, { enabled: boolean; active: boolean }>();
  readonly firewall = { running: true, permanent: new Set<string>(), runtime: new Set<string>() };
  selinux: 'enforcing' | 'permissive' = 'enforcing';
  readonly activeExports = new Map<string, string>();

  constructor(
    readonly name: string,
    readonly address: string,
    /** The machine's lab IP (lab-guide.md topology); not part of the public contract. */
    readonly ip: string,
    private readonly network: LabNetwork,
  ) {
    this.files.set('/', { kind: 'dir', ...ROOT_DIR });
    network.attach(this);
  }

  resolve(name: string): string | undefined {
    const wanted = name.trim().toLowerCase();
    if (/^\d{1,3}(\.\d{1,3}){3}$/.test(wanted)) return wanted;
    for (const line of (this.files.get('/etc/hosts')?.content ?? '').split('\n')) {
      const [ip, ...names] = line.replace(/#.*/, '').trim().split(/\s+/);
      if (ip && names.some((n) => n.toLowerCase() === wanted)) return ip;
    }
    return this.network.dns.get(wanted);
  }

  /** `mkdir -p` with the given owner for the directories it creates (parents: root 0755). */
  ensureDir(path: string, owner: FileOwnership = ROOT_DIR): void {
    const normal = posix.normalize(path);
    if (normal === '/') return;
    this.ensureDir(posix.dirname(normal));
    if (!this.files.has(normal)) this.files.set(normal, { kind: 'dir', ...owner });
  }

  writeFile(path: string, content: string, owner: FileOwnership = { uid: 0, gid: 0, mode: 0o644 }): void {
    const normal = posix.normalize(path);
    this.ensureDir(posix.dirname(normal));
    this.files.set(normal, { kind: 'file', ...owner, content });
  }

  readFile(path: string): string | undefined {
    return this.files.get(posix.normalize(path))?.content;
  }

  /** `rm -rf path`. */
  removeTree(path: string): void {
    const normal = posix.normalize(path);
    const prefix = `${normal}/`;
    for (const key of [...this.files.keys()]) {
      if (key === normal || key.startsWith(prefix)) this.files.delete(key);
    }
  }

  /** Names directly inside a directory, dotfiles included (`ls -A`). */
  listDir(path: string): string[] {
    const normal = posix.normalize(path);
    const prefix = normal === '/' ? '/' : `${normal}/`;
    const names: string[] = [];
    for (const key of this.files.keys()) {
      if (key !== '/' && key.startsWith(prefix) && !key.slice(prefix.length).includes('/')) {
        names.push(key.slice(prefix.length));
      }
    }
    return names.sort();
  }

  /** The filesystem a path lives on: the longest mount point that contains it, or the root fs. */
  findMount(
    path: string,
  ): { point: string; device: string; sizeBytes: number; usedBytes: number } | undefined {
    const normal = posix.normalize(path);
    let best: string | undefined;
    for (const point of this.mounts.keys()) {
      const inside = point === '/' || normal === point || normal.startsWith(`${point}/`);
      if (inside && (best === undefined || point.length > best.length)) best = point;
    }
    const fs = best === undefined ? undefined : this.mounts.get(best);
    return best === undefined || fs === undefined ? undefined : { point: best, ...fs };
  }

  isServiceActive(service: string): boolean {
    return this.services.get(service)?.active === true;
  }

  /** Whether firewalld lets a service through right now (runtime rules; a stopped firewalld lets all). */
  isFirewallOpen(service: string): boolean {
    return !this.firewall.running || this.firewall.runtime.has(service);
  }
}
