import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, mkdir, readdir, readFile, readlink, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, inject } from 'vitest';
import type { RunbookLab } from '../../src/runbooks/runbooks.js';
import { fingerprintOf } from '../../src/ssh/host-key.js';
import { createSshRunner, type SshRunner, type SshRunnerOptions } from '../../src/ssh/runner.js';

/**
 * One lab of real OpenSSH servers for the SSH tests (ssh-harness.md, "Several lab hosts on one
 * machine"): hyper1, hyper2 and storage, each an sshd in its own network namespace on a bridge of
 * private test addresses (198.18.0.0/15, the benchmarking range), chrooted into a copy-on-write
 * overlay of `/` on a tmpfs, so runbooks run unchanged on /export, /etc/hosts, /etc/exports and
 * /root/.ssh while the machine's own files are never touched. `exportfs`, `systemctl`,
 * `firewall-cmd`, `setenforce` and `getenforce` are stubs that log their calls. Without network
 * namespaces the sshds listen on 127.x addresses instead, still in their overlays. Every name
 * carries a per-run prefix; `stop` removes everything by PID and name, and `startSshLab` first
 * sweeps labs whose owning process died.
 */

const run = promisify(execFile);

export const LAB_HOSTS = ['hyper1', 'hyper2', 'storage'] as const;
export type LabHostName = (typeof LAB_HOSTS)[number];
/** Where labs record themselves, for the sweep of a later run. */
const STATE_DIR = '/run/labops-ssh-labs';
const PREFIX_PATTERN = /^lops[0-9a-z]{3}$/;
/** Size of the tmpfs on each export of a lab host. */
export const LAB_EXPORT_BYTES = 64 * 1024 * 1024;

export interface SshLabHost {
  name: LabHostName;
  address: string;
  port: number;
  /** The sshd listener; its mount namespace holds every process of the host. */
  pid: number;
  /** OpenSSH fingerprint of the host key, for pinning. */
  fingerprint: string;
  netns: string | undefined;
}

/** Everything a test needs about the lab; plain data, so the global setup can provide it. */
export interface SshLabInfo {
  prefix: string;
  mode: 'netns' | 'loopback';
  dir: string;
  /** The key the test clients log in with. */
  clientKeyFile: string;
  clientPublicKey: string;
  /** root's password on every host (the first-login test). */
  rootPassword: string;
  hosts: SshLabHost[];
  /** An address of this machine the lab hosts reach (an HTTP server for downloads binds here). */
  gatewayAddress: string;
  /** The storage server's name in the lab (what the hypervisors must resolve). */
  storageName: string;
}

export interface SshLab {
  info: SshLabInfo;
  stop(): Promise<void>;
}

interface LabState {
  prefix: string;
  ownerPid: number;
  ownerStart: string;
  dir: string;
  pids: number[];
  /** The start time of each pid, so a teardown never signals a process that reused its number. */
  pidStarts?: string[];
  netns: string[];
  links: string[];
}

declare module 'vitest' {
  export interface ProvidedContext {
    sshLab: SshLabInfo | { error: string } | undefined;
  }
}

// ---------------------------------------------------------------------------------------------
// Start and stop

/** Starts a lab (about 0.3 s). Fails, never skips, when the machine cannot run one. */
export async function startSshLab(): Promise<SshLab> {
  await checkPrerequisites();
  await sweepStaleLabs();
  const prefix = `lops${randomBytes(4).readUInt32BE(0).toString(36).slice(-3).padStart(3, '0')}`;
  const dir = join('/tmp', `labops-ssh-${prefix}`);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const state: LabState = {
    prefix,
    ownerPid: process.pid,
    ownerStart: await readStartTime(process.pid),
    dir,
    pids: [],
    netns: [],
    links: [],
  };
  await saveState(state);
  const stop = async (): Promise<void> => {
    await teardown(state);
  };
  try {
    const info = await bringUp(state);
    return { info, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

async function checkPrerequisites(): Promise<void> {
  const missing: string[] = [];
  if (!existsSync('/usr/sbin/sshd')) missing.push('openssh-server');
  if (!existsSync('/usr/bin/ssh-keygen')) missing.push('openssh-client');
  if (!['/usr/sbin/ip', '/sbin/ip', '/usr/bin/ip', '/bin/ip'].some((p) => existsSync(p)))
    missing.push('iproute2');
  if (missing.length > 0) {
    throw new Error(
      `The SSH tests need ${missing.join(', ')}. Install them as root:\n  apt-get update && apt-get install -y --no-install-recommends ${missing.join(' ')}`,
    );
  }
  if (process.getuid?.() !== 0) {
    throw new Error(
      'The SSH tests start sshd servers in network namespaces and overlay mounts, which needs root. Run them as root: sudo npm test',
    );
  }
  try {
    await run('unshare', ['--mount', '--propagation', 'private', 'true']);
  } catch {
    throw new Error(
      'The SSH tests need mount namespaces (`unshare --mount`) for their isolated roots, and this machine refuses them. Run the tests as root on a machine or container that allows mounts (docker run --privileged).',
    );
  }
}

async function canUseNetns(prefix: string): Promise<boolean> {
  if (process.env.LABOPS_SSH_LAB_MODE === 'loopback') return false;
  const probe = `${prefix}-probe`;
  try {
    await run('ip', ['netns', 'add', probe]);
    await run('ip', ['netns', 'del', probe]);
    return true;
  } catch {
    return false;
  }
}

async function bringUp(state: LabState): Promise<SshLabInfo> {
  const { prefix, dir } = state;
  const useNetns = await canUseNetns(prefix);
  const clientKeyFile = join(dir, 'client_key');
  await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'labops-test', '-f', clientKeyFile]);
  const clientPublicKey = (await readFile(`${clientKeyFile}.pub`, 'utf8')).trim();
  const rootPassword = randomBytes(12).toString('base64url');
  const stubs = join(dir, 'stubs');
  await writeStubs(stubs);

  let gatewayAddress = '127.0.0.1';
  const addresses: string[] = [];
  const ports: number[] = [];
  if (useNetns) {
    const subnet = await pickSubnet();
    gatewayAddress = `${subnet}.1`;
    const bridge = `${prefix}-br`;
    state.links.push(bridge);
    await saveState(state);
    await run('ip', ['link', 'add', bridge, 'type', 'bridge']);
    await run('ip', ['addr', 'add', `${gatewayAddress}/24`, 'dev', bridge]);
    await run('ip', ['link', 'set', bridge, 'up']);
    for (const [index, name] of LAB_HOSTS.entries()) {
      const ns = `${prefix}-${name}`;
      const veth = `${prefix}-${name}`.slice(0, 15);
      state.netns.push(ns);
      state.links.push(veth);
      await saveState(state);
      await run('ip', ['netns', 'add', ns]);
      await run('ip', ['link', 'add', veth, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns]);
      await run('ip', ['link', 'set', veth, 'master', bridge, 'up']);
      const address = `${subnet}.${10 + index}`;
      await run('ip', ['-n', ns, 'addr', 'add', `${address}/24`, 'dev', 'eth0']);
      await run('ip', ['-n', ns, 'link', 'set', 'eth0', 'up']);
      await run('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
      addresses.push(address);
      ports.push(22);
    }
  } else {
    const second = 1 + ((randomBytes(1)[0] ?? 0) % 250);
    for (const [index] of LAB_HOSTS.entries()) {
      addresses.push(`127.${second}.${(randomBytes(1)[0] ?? 0) % 250}.${10 + index}`);
      ports.push(20_000 + ((randomBytes(2).readUInt16BE(0) % 40_000) | 0));
    }
  }

  const hosts = await Promise.all(
    LAB_HOSTS.map(async (name, index): Promise<SshLabHost> => {
      const address = addresses[index]!;
      const port = ports[index]!;
      const netns = useNetns ? `${prefix}-${name}` : undefined;
      const hostDir = join(dir, name);
      await mkdir(join(hostDir, 'fs'), { recursive: true });
      await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', name, '-f', join(hostDir, 'host_key')]);
      const pub = (await readFile(join(hostDir, 'host_key.pub'), 'utf8')).split(' ')[1] ?? '';
      await writeFile(join(hostDir, 'authorized_keys'), `${clientPublicKey}\n`, { mode: 0o644 });
      await writeFile(join(hostDir, 'root-password'), `root:${rootPassword}\n`, { mode: 0o600 });
      await writeFile(join(hostDir, 'sshd_config'), renderSshdConfig(address, port));
      await writeFile(join(hostDir, 'up.sh'), UP_SCRIPT, { mode: 0o755 });
      const pid = await startHost(state, hostDir, name, netns, stubs);
      return { name, address, port, pid, fingerprint: fingerprintOf(Buffer.from(pub, 'base64')), netns };
    }),
  );
  return {
    prefix,
    mode: useNetns ? 'netns' : 'loopback',
    dir,
    clientKeyFile,
    clientPublicKey,
    rootPassword,
    hosts,
    gatewayAddress,
    storageName: 'ovirt.abc.local',
  };
}

/** A /24 of 198.18.0.0/15 that no interface of this machine uses yet. */
async function pickSubnet(): Promise<string> {
  const { stdout } = await run('ip', ['-4', '-o', 'addr', 'show']);
  const used = new Set([...stdout.matchAll(/inet (198\.1[89]\.\d+)\.\d+/g)].map((m) => m[1]));
  for (let attempt = 0; attempt < 512; attempt++) {
    const n = (randomBytes(2).readUInt16BE(0) % 512) | 0;
    const candidate = `198.${18 + (n >> 8)}.${n & 255}`;
    if (!used.has(candidate)) return candidate;
  }
  throw new Error('No free /24 in 198.18.0.0/15 for the SSH lab: remove stale labs (ip -4 addr show).');
}

function renderSshdConfig(address: string, port: number): string {
  return [
    `ListenAddress ${address}:${port}`,
    'HostKey /etc/labops-sshd/host_key',
    'PidFile none',
    'AuthorizedKeysFile .ssh/authorized_keys /etc/labops-sshd/authorized_keys',
    'PasswordAuthentication yes',
    'KbdInteractiveAuthentication no',
    'UsePAM no',
    'PermitRootLogin yes',
    'StrictModes no',
    'ClientAliveInterval 15',
    'MaxStartups 100',
    'SetEnv PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
    '',
  ].join('\n');
}

/**
 * Runs in the host's own mount and UTS namespaces: a tmpfs holding the overlay's upper layer, the
 * overlay of `/`, fresh /proc, /run, /tmp, the exports as tmpfs mounts, the stubs over
 * /usr/local/sbin, a plain root .bashrc (ssh-harness.md: it runs for every exec), no DNS, then
 * sshd chrooted into it. `exec` keeps the spawned PID: it becomes the listener.
 */
const UP_SCRIPT = `#!/bin/sh
set -e
BASE=$1; NAME=$2; STUBS=$3
mount -t tmpfs -o mode=0755,size=512m labops-upper "$BASE/fs"
mkdir -p "$BASE/fs/upper" "$BASE/fs/work" "$BASE/fs/root"
mount -t overlay overlay -o "lowerdir=/,upperdir=$BASE/fs/upper,workdir=$BASE/fs/work" "$BASE/fs/root"
R=$BASE/fs/root
mount -t proc proc "$R/proc"
mount -t tmpfs -o mode=0755 labops-run "$R/run"
mkdir -p -m 0755 "$R/run/sshd"
mount -t tmpfs -o mode=1777 labops-tmp "$R/tmp"
mount --rbind /dev "$R/dev"
for e in data iso; do
  mkdir -p "$R/export/$e"
  mount -t tmpfs -o mode=0755,size=${LAB_EXPORT_BYTES} "labops-$e" "$R/export/$e"
done
mkdir -p "$R/usr/local/sbin"
mount --bind "$STUBS" "$R/usr/local/sbin"
mount -o remount,bind,ro "$R/usr/local/sbin"
hostname "$NAME"
rm -rf "$R/root/.ssh" "$R/etc/exports" "$R/var/lib/labops-stubs" "$R/var/log/labops-stubs.log"
: > "$R/root/.bashrc"
: > "$R/root/.profile"
printf 'passwd: files\\ngroup: files\\nshadow: files\\nhosts: files\\n' > "$R/etc/nsswitch.conf"
mkdir -p "$R/var/lib/labops-stubs/systemd" "$R/var/lib/labops-stubs/firewall/permanent" "$R/var/lib/labops-stubs/firewall/runtime"
for u in sshd firewalld; do touch "$R/var/lib/labops-stubs/systemd/$u.enabled" "$R/var/lib/labops-stubs/systemd/$u.active"; done
for s in ssh dhcpv6-client; do touch "$R/var/lib/labops-stubs/firewall/permanent/$s" "$R/var/lib/labops-stubs/firewall/runtime/$s"; done
echo Enforcing > "$R/var/lib/labops-stubs/selinux"
mkdir -p "$R/etc/labops-sshd"
cp "$BASE/sshd_config" "$BASE/host_key" "$BASE/authorized_keys" "$R/etc/labops-sshd/"
chmod 600 "$R/etc/labops-sshd/host_key"
chroot "$R" chpasswd < "$BASE/root-password"
exec chroot "$R" /usr/sbin/sshd -D -e -f /etc/labops-sshd/sshd_config
`;

async function startHost(
  state: LabState,
  hostDir: string,
  name: string,
  netns: string | undefined,
  stubs: string,
): Promise<number> {
  const log = join(hostDir, 'sshd.log');
  await writeFile(log, '');
  const { open } = await import('node:fs/promises');
  const handle = await open(log, 'a');
  const inner = [
    'unshare',
    '--mount',
    '--uts',
    '--propagation',
    'private',
    '/bin/sh',
    join(hostDir, 'up.sh'),
    hostDir,
    name,
    stubs,
  ];
  const [command, ...args] = netns ? ['ip', 'netns', 'exec', netns, ...inner] : inner;
  // ssh-harness.md: all three standard streams redirected, or a capture of them never returns.
  const child = spawn(command!, args, { stdio: ['ignore', handle.fd, handle.fd], detached: true });
  await handle.close();
  const pid = child.pid;
  if (pid === undefined) throw new Error(`Could not start sshd for ${name}.`);
  child.unref();
  state.pids.push(pid);
  state.pidStarts = [...(state.pidStarts ?? []), await readStartTime(pid)];
  await saveState(state);
  let exited = false;
  child.on('exit', () => {
    exited = true;
  });
  const deadline = Date.now() + 10_000;
  for (;;) {
    const text = await readFile(log, 'utf8');
    if (text.includes('Server listening on')) return pid;
    if (exited || Date.now() > deadline) {
      throw new Error(`sshd of lab host ${name} did not start:\n${text}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Kills every process of the lab's hosts, deletes its namespaces and links, removes its files. */
async function teardown(state: LabState): Promise<void> {
  // Only the lab's own processes: a pid that died may since belong to another lab (or anything),
  // and killing its whole mount namespace would take that down too.
  const own: number[] = [];
  for (const [i, pid] of state.pids.entries()) {
    const start = state.pidStarts?.[i];
    if (start !== undefined && start !== '' && (await readStartTime(pid)) === start) own.push(pid);
  }
  const namespaces = await Promise.all(own.map((pid) => readMountNs(pid)));
  for (const pid of own) killQuietly(pid);
  // Never the mount namespace this process lives in: that would be the whole machine.
  const ours = await readMountNs(process.pid);
  const wanted = new Set(namespaces.filter((ns): ns is string => ns !== undefined && ns !== ours));
  if (wanted.size > 0) {
    for (const pid of await listPids()) {
      if (wanted.has((await readMountNs(pid)) ?? '')) killQuietly(pid);
    }
  }
  for (const ns of state.netns) {
    try {
      const { stdout } = await run('ip', ['netns', 'pids', ns]);
      for (const pid of stdout.split('\n').filter(Boolean)) killQuietly(Number(pid));
    } catch {
      // The namespace is already gone.
    }
  }
  for (const ns of state.netns) await run('ip', ['netns', 'del', ns]).catch(() => undefined);
  for (const link of state.links) await run('ip', ['link', 'del', link]).catch(() => undefined);
  // The tmpfs mounts lived in the hosts' own mount namespaces and went with their processes.
  await rm(state.dir, { recursive: true, force: true }).catch(() => undefined);
  await rm(join(STATE_DIR, `${state.prefix}.json`), { force: true });
}

/** Removes labs of earlier runs whose owner died (a killed test run leaves namespaces and links). */
export async function sweepStaleLabs(): Promise<string[]> {
  await mkdir(STATE_DIR, { recursive: true, mode: 0o700 });
  const swept: string[] = [];
  const live = new Set<string>();
  for (const file of await readdir(STATE_DIR)) {
    if (!file.endsWith('.json')) continue;
    let state: LabState;
    try {
      state = JSON.parse(await readFile(join(STATE_DIR, file), 'utf8')) as LabState;
    } catch {
      await rm(join(STATE_DIR, file), { force: true });
      continue;
    }
    if ((await readStartTime(state.ownerPid)) === state.ownerStart) {
      live.add(state.prefix);
      continue;
    }
    await teardown(state);
    swept.push(state.prefix);
  }
  // Namespaces and links of our naming whose state file was lost.
  const { stdout: nsList } = await run('ip', ['netns', 'list']).catch(() => ({ stdout: '' }));
  for (const line of nsList.split('\n')) {
    const ns = line.split(' ')[0] ?? '';
    const prefix = ns.split('-')[0] ?? '';
    if (PREFIX_PATTERN.test(prefix) && !live.has(prefix) && !(await isOwnedByLiveRun(prefix))) {
      await teardown({
        prefix,
        ownerPid: 0,
        ownerStart: '',
        dir: join('/tmp', `labops-ssh-${prefix}`),
        pids: [],
        netns: [ns],
        links: [],
      });
      if (!swept.includes(prefix)) swept.push(prefix);
    }
  }
  const { stdout: links } = await run('ip', ['-o', 'link', 'show']).catch(() => ({ stdout: '' }));
  for (const match of links.matchAll(/^\d+: (lops[0-9a-z]{3})-([^:@\s]+)/gm)) {
    if (!live.has(match[1]!) && !(await isOwnedByLiveRun(match[1]!)))
      await run('ip', ['link', 'del', `${match[1]}-${match[2]}`]).catch(() => undefined);
  }
  return swept;
}

/**
 * Whether a lab's state file, read now, names a live owner: a lab another test file started after
 * the sweep read the state directory has its namespaces, links and files, and is not stale.
 */
async function isOwnedByLiveRun(prefix: string): Promise<boolean> {
  try {
    const state = JSON.parse(await readFile(join(STATE_DIR, `${prefix}.json`), 'utf8')) as LabState;
    return (await readStartTime(state.ownerPid)) === state.ownerStart;
  } catch {
    return false;
  }
}

async function saveState(state: LabState): Promise<void> {
  await mkdir(STATE_DIR, { recursive: true, mode: 0o700 });
  // Written aside, then renamed: a sweep by another test file reading it half-written took the
  // file for garbage, removed it and tore down this live lab.
  // Each save its own name aside: a lab's hosts start at once and save together.
  const file = join(STATE_DIR, `${state.prefix}.json`);
  const aside = `${file}.${process.pid}.${++saves}.tmp`;
  await writeFile(aside, JSON.stringify(state));
  await rename(aside, file);
}

let saves = 0;

async function readStartTime(pid: number): Promise<string> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? '';
  } catch {
    return '';
  }
}

async function readMountNs(pid: number): Promise<string | undefined> {
  try {
    return await readlink(`/proc/${pid}/ns/mnt`);
  } catch {
    return undefined;
  }
}

async function listPids(): Promise<number[]> {
  return (await readdir('/proc')).filter((name) => /^\d+$/.test(name)).map(Number);
}

function killQuietly(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // Already gone.
  }
}

// ---------------------------------------------------------------------------------------------
// Stubs

async function writeStubs(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  for (const [name, body] of Object.entries(STUBS)) {
    const path = join(dir, name);
    await writeFile(path, `#!/bin/sh\nprintf '%s\\n' "${name} $*" >>/var/log/labops-stubs.log\n${body}`);
    await chmod(path, 0o755);
  }
}

const STUB_STATE = '/var/lib/labops-stubs';

/** Stubs of the services the test machine cannot run; their state lives in the host's overlay. */
const STUBS: Record<string, string> = {
  systemctl: `S=${STUB_STATE}/systemd
quiet=; now=; verb=; units=
for a; do
  case "$a" in
    -q|--quiet) quiet=1 ;;
    --now) now=1 ;;
    --) ;;
    -*) echo "systemctl stub: unsupported option $a" >&2; exit 2 ;;
    *) if [ -z "$verb" ]; then verb=$a; else units="$units $a"; fi ;;
  esac
done
rc=0
for u in $units; do
  u=\${u%.service}
  case "$verb" in
    is-active) if [ -e "$S/$u.active" ]; then r=active; else r=inactive; rc=3; fi; [ -n "$quiet" ] || echo "$r" ;;
    is-enabled) if [ -e "$S/$u.enabled" ]; then r=enabled; else r=disabled; rc=1; fi; [ -n "$quiet" ] || echo "$r" ;;
    enable) touch "$S/$u.enabled"; [ -z "$now" ] || touch "$S/$u.active" ;;
    disable) rm -f "$S/$u.enabled"; [ -z "$now" ] || rm -f "$S/$u.active" ;;
    start|restart|reload) touch "$S/$u.active" ;;
    stop) rm -f "$S/$u.active" ;;
    *) echo "systemctl stub: unsupported command $verb" >&2; exit 2 ;;
  esac
done
exit $rc
`,
  'firewall-cmd': `F=${STUB_STATE}/firewall
perm=; action=; svc=
for a; do
  case "$a" in
    --permanent) perm=1 ;;
    --state) action=state ;;
    --reload) action=reload ;;
    --query-service=*) action=query; svc=\${a#*=} ;;
    --add-service=*) action=add; svc=\${a#*=} ;;
    --remove-service=*) action=remove; svc=\${a#*=} ;;
    *) echo "firewall-cmd stub: unsupported $a" >&2; exit 2 ;;
  esac
done
if [ ! -e ${STUB_STATE}/systemd/firewalld.active ]; then
  if [ "$action" = state ]; then echo 'not running'; else echo 'FirewallD is not running'; fi
  exit 252
fi
d=runtime; [ -z "$perm" ] || d=permanent
case "$action" in
  state) echo running ;;
  reload) rm -f "$F"/runtime/*; for f in "$F"/permanent/*; do [ -e "$f" ] && cp "$f" "$F/runtime/"; done; echo success ;;
  query) if [ -e "$F/$d/$svc" ]; then echo yes; else echo no; exit 1; fi ;;
  add) touch "$F/$d/$svc"; echo success ;;
  remove) rm -f "$F/$d/$svc"; echo success ;;
  *) echo "firewall-cmd stub: nothing to do" >&2; exit 2 ;;
esac
`,
  exportfs: `A=${STUB_STATE}/exports.active
case "$*" in
  -arv|-rav|-ra|-ar|-a|-r)
    grep -v '^[[:space:]]*#' /etc/exports 2>/dev/null | awk 'NF { print $1 "\\t" $2 }' > "$A.new"
    mv "$A.new" "$A"
    case "$*" in *v*) awk -F '\\t' '{ c = $2; sub(/\\(.*/, "", c); print "exporting " c ":" $1 }' "$A" ;; esac ;;
  -s|-v|"") cat "$A" 2>/dev/null ;;
  *) echo "exportfs stub: unsupported $*" >&2; exit 2 ;;
esac
`,
  setenforce: `case "$1" in
  0|Permissive|permissive) echo Permissive > ${STUB_STATE}/selinux ;;
  1|Enforcing|enforcing) echo Enforcing > ${STUB_STATE}/selinux ;;
  *) echo "usage: setenforce [ Enforcing | Permissive | 1 | 0 ]" >&2; exit 1 ;;
esac
`,
  getenforce: `cat ${STUB_STATE}/selinux
`,
};

// ---------------------------------------------------------------------------------------------
// For tests

/**
 * The lab of this test run: the one the global setup started (test/support/ssh-global-setup.ts),
 * else one started for this file. Call at the top of a test file.
 */
export function useSshLab(): () => SshLabInfo {
  let info: SshLabInfo | undefined;
  let own: SshLab | undefined;
  beforeAll(async () => {
    const provided = inject('sshLab');
    if (provided && 'error' in provided) throw new Error(provided.error);
    if (provided) info = provided;
    else {
      own = await startSshLab();
      info = own.info;
    }
  }, 30_000);
  afterAll(async () => {
    await own?.stop();
  });
  return () => {
    if (!info) throw new Error('The SSH lab is not running.');
    return info;
  };
}

export function getLabHost(info: SshLabInfo, name: LabHostName): SshLabHost {
  const host = info.hosts.find((h) => h.name === name);
  if (!host) throw new Error(`No lab host ${name}.`);
  return host;
}

/** A runner for the lab with its pinned keys and the test client key; overrides win. */
export async function createLabRunner(
  info: SshLabInfo,
  overrides: Partial<SshRunnerOptions> = {},
): Promise<SshRunner> {
  return createSshRunner({
    targets: info.hosts.map((h) => ({
      machine: h.name,
      host: h.address,
      port: h.port,
      user: 'root',
      hostKey: h.fingerprint,
    })),
    privateKey: await readFile(info.clientKeyFile),
    readyTimeoutMs: 5000,
    keepaliveIntervalMs: 500,
    keepaliveCountMax: 2,
    ...overrides,
  });
}

/** lab.yml's view of the lab: the storage server is `storage`, the exports are tmpfs mounts. */
export function getLabConfig(info: SshLabInfo): RunbookLab & {
  hosts: { name: string; address: string }[];
} {
  const storage = getLabHost(info, 'storage');
  return {
    hosts: info.hosts.filter((h) => h.name !== 'storage').map((h) => ({ name: h.name, address: h.address })),
    storage: {
      server: { name: 'storage', address: storage.address },
      export_roots: ['/export'],
      exports: [
        { name: 'data', path: '/export/data' },
        { name: 'iso', path: '/export/iso' },
      ],
    },
    paths: {
      hosts_file: '/etc/hosts',
      authorized_keys: '/root/.ssh/authorized_keys',
      exports_file: '/etc/exports',
    },
  };
}

/**
 * Runs a shell script as root inside a lab host (its mount, UTS and network namespaces and its
 * chroot), without SSH: the tests' independent view of the host's files and processes.
 */
export async function runOnHost(
  info: SshLabInfo,
  name: LabHostName,
  script: string,
): Promise<{ stdout: string; stderr: string; code: number }> {
  const host = getLabHost(info, name);
  const args = [
    '-t',
    String(host.pid),
    '-m',
    '-u',
    ...(host.netns ? ['-n'] : []),
    '-r',
    '-w',
    '--',
    'sh',
    '-c',
    script,
  ];
  try {
    const { stdout, stderr } = await run('nsenter', args, { maxBuffer: 64 * 1024 * 1024 });
    return { stdout, stderr, code: 0 };
  } catch (error) {
    const failed = error as { stdout?: string; stderr?: string; code?: number };
    return {
      stdout: failed.stdout ?? '',
      stderr: failed.stderr ?? '',
      code: typeof failed.code === 'number' ? failed.code : 1,
    };
  }
}

/** `stat -c '%U… %u:%g %a %F'` of a path inside a lab host, or undefined when it is missing. */
export async function statOnHost(
  info: SshLabInfo,
  name: LabHostName,
  path: string,
): Promise<string | undefined> {
  const result = await runOnHost(info, name, `stat -c '%u:%g %a %F' -- '${path.replaceAll("'", `'\\''`)}'`);
  return result.code === 0 ? result.stdout.trim() : undefined;
}

/** The command lines of every process of a lab host (its whole mount namespace). */
export async function listHostProcesses(info: SshLabInfo, name: LabHostName): Promise<string[]> {
  const host = getLabHost(info, name);
  const ns = await readMountNs(host.pid);
  const lines: string[] = [];
  for (const pid of await listPids()) {
    if (ns === undefined || (await readMountNs(pid)) !== ns) continue;
    try {
      lines.push((await readFile(`/proc/${pid}/cmdline`, 'utf8')).replaceAll('\0', ' ').trim());
    } catch {
      // It ended meanwhile.
    }
  }
  return lines;
}

/** The stub calls a host logged, oldest first. */
export async function readStubCalls(info: SshLabInfo, name: LabHostName): Promise<string[]> {
  const result = await runOnHost(info, name, 'cat /var/log/labops-stubs.log 2>/dev/null || true');
  return result.stdout.split('\n').filter(Boolean);
}

/** A loopback TCP proxy to a lab host whose connections a test can cut (a dropped link). */
export interface TcpProxy {
  port: number;
  /** Destroys every proxied connection at once, both sides. */
  dropAll(): void;
  close(): Promise<void>;
}

export async function startTcpProxy(host: string, port: number): Promise<TcpProxy> {
  const { createConnection, createServer } = await import('node:net');
  const sockets = new Set<import('node:net').Socket>();
  const server = createServer((client) => {
    const upstream = createConnection({ host, port });
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', () => undefined);
    }
    client.pipe(upstream).pipe(client);
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no proxy port');
  return {
    port: address.port,
    dropAll() {
      for (const socket of sockets) socket.destroy();
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** Waits until `predicate` holds, polling every 20 ms, or fails after `ms`. */
export async function waitUntil(
  predicate: () => Promise<boolean> | boolean,
  ms = 5000,
  what = 'the condition',
): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error(`Timed out after ${ms} ms waiting for ${what}.`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
