/**
 * The bot as the service runs it (issue 12 §1, §6): `node <ExecStart's node flags> dist/main.js`,
 * built by `npm run build` once per bench run — never tsx. The flags, and the settings of glibc's
 * malloc among the unit's Environment= lines, are read from deploy/labops.service, so that what
 * the service gets is what the bench measures.
 * Also: a lab file for the simulator's default seed (the simulator runs as a process apart), the
 * shell driven line by line, and the RSS of one process from /proc.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { SimInfo } from './support.js';

export const ROOT = fileURLToPath(new URL('../', import.meta.url));
export const BOT_MAIN = join(ROOT, 'dist', 'main.js');
const UNIT = join(ROOT, 'deploy', 'labops.service');
/** The service's flags when the unit cannot be read (issue 12 §1). */
const DEFAULT_FLAGS = ['--enable-source-maps'];

let built: Promise<void> | undefined;

/** `npm run build`, once per bench run. */
export function buildBot(): Promise<void> {
  built ??= new Promise<void>((resolve, reject) => {
    const child = spawn('npm', ['run', '--silent', 'build'], {
      cwd: ROOT,
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    child.on('error', reject);
    child.on('exit', (code) =>
      code === 0 ? resolve() : reject(new Error(`npm run build exited with ${code}`)),
    );
  });
  return built;
}

/**
 * The node flags of deploy/labops.service's ExecStart: the words between node and …/dist/main.js.
 * BENCH_NODE_FLAGS replaces them, to measure a flag before the service takes it.
 */
export function readServiceNodeFlags(): string[] {
  const trial = process.env.BENCH_NODE_FLAGS;
  if (trial !== undefined) return trial.split(/\s+/).filter(Boolean);
  if (!existsSync(UNIT)) return DEFAULT_FLAGS;
  const line = /^ExecStart=(.*)$/m.exec(readFileSync(UNIT, 'utf8'))?.[1]?.trim();
  const words = line?.split(/\s+/) ?? [];
  const main = words.findIndex((w) => w.endsWith('/dist/main.js'));
  if (!words[0]?.endsWith('node') || main < 1) return DEFAULT_FLAGS;
  return words.slice(1, main);
}

/**
 * The settings of glibc's malloc the unit gives node (its `Environment=MALLOC_…` lines), as
 * variables. BENCH_MALLOC_ENV (`NAME=VALUE …`, or empty for none) replaces them.
 */
export function readServiceAllocatorEnv(): Record<string, string> {
  const trial = process.env.BENCH_MALLOC_ENV;
  const words =
    trial !== undefined
      ? trial.split(/\s+/).filter(Boolean)
      : existsSync(UNIT)
        ? [...readFileSync(UNIT, 'utf8').matchAll(/^Environment=(MALLOC_\w+=\S+)$/gm)].map((m) => m[1]!)
        : [];
  return Object.fromEntries(
    words.map((word) => [word.slice(0, word.indexOf('=')), word.slice(word.indexOf('=') + 1)]),
  );
}

/** The bot's command line, as the bench output names it. */
export function describeBotCommand(): string {
  const from = process.env.BENCH_NODE_FLAGS !== undefined ? 'BENCH_NODE_FLAGS' : 'deploy/labops.service';
  const env = Object.entries(readServiceAllocatorEnv()).map(([name, value]) => `${name}=${value}`);
  return `${[...env, 'node', ...readServiceNodeFlags(), 'dist/main.js'].join(' ')} (flags from ${from})`;
}

/**
 * The environment of a newcomer's shell (no Slack tokens, lab file or data dir), with the unit's
 * malloc settings in place of any of the caller's, plus `extra`.
 */
export function cleanBotEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (/^(SLACK_|LAB_CONFIG|LABOPS_|LOG_LEVEL|LOG_FORMAT|HEALTH_|MALLOC_|NODE_OPTIONS$)/.test(key)) continue;
    env[key] = value;
  }
  return { ...env, ...readServiceAllocatorEnv(), ...extra };
}

/** The built bot with pipes for stdin, stdout and stderr. */
export function spawnBot(args: string[], options: { cwd: string; env: NodeJS.ProcessEnv }): ChildProcess {
  return spawn(process.execPath, [...readServiceNodeFlags(), BOT_MAIN, ...args], {
    cwd: options.cwd,
    env: options.env,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
}

/**
 * The built bot at a terminal: util-linux's `script` gives it a pseudo-terminal, as a person
 * running `npm start` has. Its stdout carries what the terminal shows (stderr included).
 */
export function spawnBotInTerminal(
  args: string[],
  options: { cwd: string; env: NodeJS.ProcessEnv },
): ChildProcess {
  const command = [process.execPath, ...readServiceNodeFlags(), BOT_MAIN, ...args]
    .map(quoteForShell)
    .join(' ');
  return spawn('script', ['--quiet', '--flush', '--return', '--command', command, '/dev/null'], {
    cwd: options.cwd,
    env: options.env,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
}

function quoteForShell(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replaceAll("'", "'\\''")}'`;
}

export interface LabFileOptions {
  approvers: string[];
  /** More top-level YAML, e.g. `limits:`. */
  extra?: string;
}

/** A lab file for the simulator's default seed, its loopback download sources allowed (issue 10 §2). */
export function writeSimLabFile(dir: string, sim: SimInfo, options: LabFileOptions): string {
  const path = join(dir, 'lab.yml');
  writeFileSync(
    path,
    `engine:
  url: ${sim.baseUrl}
  user: ${sim.user}
  password_env: LABOPS_ENGINE_PASSWORD
  ca_file: ${sim.caFile}
hosts:
  - name: hyper1
    address: hyper1.abc.local
  - name: hyper2
    address: hyper2.abc.local
storage:
  server:
    name: storage
    address: ovirt.abc.local
  export_roots: [/export]
  exports:
    - name: data
      path: /export/data
    - name: iso
      path: /export/iso
baseline:
  storage_domains:
    - name: nfs-data
      type: data
      export: data
    - name: nfs-iso
      type: iso
      export: iso
  hosts: [hyper1, hyper2]
policy:
  approvers: [${options.approvers.join(', ')}]
downloads:
  allowed_networks: [127.0.0.0/8]
${options.extra ?? ''}`,
  );
  return path;
}

/** One lab of a file of several labs: a simulator in another process and the loopback addresses it is known by. */
export interface SimLabEntry {
  /** The lab's name under `labs:` (lab1…labN). */
  readonly name: string;
  readonly sim: SimInfo;
  /** The variable its engine password is read from (each lab its own, issue 13 §1). */
  readonly passwordEnv: string;
  /** Its machines' loopback addresses, none shared with another lab (issue 13 §1). */
  readonly storageAddress: string;
  readonly hosts: readonly { name: string; address: string }[];
}

export interface LabsFileOptions {
  /** The bot's `instructors`: they act on every lab. */
  instructors: string[];
  /** Each lab's `policy.askers`, by lab name; a lab without any lets anyone ask (lab-schema.ts). */
  askers?: Record<string, string[]>;
  approvers: string[];
  /** More top-level YAML, e.g. `limits:`. */
  extra?: string;
}

/**
 * A lab file of several labs (`labs:`, issue 13 §1), each the simulator's seed with the hosts it was
 * started with. Each engine is named by the loopback address its simulator listens on, its machines
 * by addresses of their own: one bot may serve two labs only at distinct addresses. The engines are
 * reached with `insecure: true`, because the simulator's certificate names 127.0.0.1 and localhost
 * only (src/sim/ca.ts), and a second engine cannot have either address. `/lab list` and
 * `/lab status` read the engines only: nothing connects to the machines' addresses.
 */
export function writeSimLabsFile(
  dir: string,
  labs: readonly SimLabEntry[],
  options: LabsFileOptions,
): string {
  const path = join(dir, 'lab.yml');
  const list = (items: readonly string[]) => `[${items.join(', ')}]`;
  const lab = (entry: SimLabEntry) => {
    const askers = options.askers?.[entry.name];
    return `  ${entry.name}:
    engine:
      url: ${entry.sim.baseUrl}
      user: ${entry.sim.user}
      password_env: ${entry.passwordEnv}
      insecure: true
    hosts:
${entry.hosts.map((h) => `      - name: ${h.name}\n        address: ${h.address}`).join('\n')}
    storage:
      server:
        name: storage
        address: ${entry.storageAddress}
      export_roots: [/export]
      exports:
        - name: data
          path: /export/data
        - name: iso
          path: /export/iso
    baseline:
      storage_domains:
        - name: nfs-data
          type: data
          export: data
        - name: nfs-iso
          type: iso
          export: iso
      hosts: ${list(entry.hosts.map((h) => h.name))}
    policy:
${askers ? `      askers: ${list(askers)}\n` : ''}      approvers: ${list(options.approvers)}
`;
  };
  writeFileSync(
    path,
    `instructors: ${list(options.instructors)}
downloads:
  allowed_networks: [127.0.0.0/8]
${options.extra ?? ''}labs:
${labs.map(lab).join('')}`,
  );
  return path;
}

/** The built bot's shell in a pipe, its lab the simulator in another process, in English. */
export interface ShellBot {
  readonly child: ChildProcess;
  readonly pid: number;
  /** Everything printed on stdout since the last `clearOutput`. */
  output(): string;
  clearOutput(): void;
  send(line: string): void;
  /** Resolves with performance.now() once the output since the last clear matches. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<number>;
  /** quit, then the exit (killed after 30 s). */
  stop(): Promise<void>;
}

/** `env`: more variables, e.g. each lab's password of a file writeSimLabsFile wrote. */
export function startShellBot(dir: string, sim: SimInfo, env: Record<string, string> = {}): ShellBot {
  const child = spawnBot(['--lang', 'en'], {
    cwd: dir,
    env: cleanBotEnv({
      LAB_CONFIG: join(dir, 'lab.yml'),
      LABOPS_DATA_DIR: join(dir, 'data'),
      LABOPS_ENGINE_PASSWORD: sim.password,
      ...env,
    }),
  });
  if (child.pid === undefined) throw new Error('the bot did not start');
  let out = '';
  let err = '';
  const listeners = new Set<() => void>();
  child.stdout?.on('data', (d: Buffer) => {
    out += d.toString();
    for (const listener of listeners) listener();
  });
  child.stderr?.on('data', (d: Buffer) => {
    err += d.toString();
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    child,
    pid: child.pid,
    output: () => out,
    clearOutput: () => {
      out = '';
    },
    send: (line) => {
      child.stdin?.write(`${line}\n`);
    },
    waitFor: (pattern, timeoutMs = 600_000) =>
      new Promise<number>((resolve, reject) => {
        const check = () => {
          if (!pattern.test(out)) return;
          done();
          resolve(performance.now());
        };
        const timer = setTimeout(() => {
          done();
          reject(new Error(`the bot did not print ${pattern} in ${timeoutMs} ms: ${out.slice(-500)}${err}`));
        }, timeoutMs);
        const gone = () => {
          done();
          reject(
            new Error(
              `the bot exited (${child.exitCode}) before printing ${pattern}: ${out.slice(-500)}${err}`,
            ),
          );
        };
        const done = () => {
          clearTimeout(timer);
          listeners.delete(check);
          child.off('exit', gone);
        };
        listeners.add(check);
        child.once('exit', gone);
        check();
      }),
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) {
        child.stdin?.end('quit\n');
        const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
        await exited;
        clearTimeout(timer);
      }
    },
  };
}

/**
 * Memory of one process from /proc/<pid>/status, in MiB: VmRSS, VmHWM (its peak), RssAnon (its
 * private memory: V8's heap, malloc's) and RssFile (pages of files it maps: mostly the node
 * binary's code and data, ICU's included, shared with every node process and reclaimable).
 */
export function readMemory(pid: number): { rssMb: number; peakMb: number; anonMb: number; fileMb: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const field = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1]) / 1024;
  return {
    rssMb: field('VmRSS'),
    peakMb: field('VmHWM'),
    anonMb: field('RssAnon'),
    fileMb: field('RssFile'),
  };
}

/** CPU seconds one process has used, user and system (/proc/<pid>/stat, in clock ticks of 1/100 s). */
export function readCpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** Sets a process's VmHWM back to its current RSS (Linux ≥ 4.0); false where that is refused. */
export function resetPeakMemory(pid: number): boolean {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}
