import { type ChildProcess, spawn } from 'node:child_process';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const MAIN = fileURLToPath(new URL('../../src/main.ts', import.meta.url));
const TSX = import.meta.resolve('tsx');

/** The environment of a newcomer's shell: no Slack tokens, no lab file, no data dir. */
export function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (/^(SLACK_|LAB_CONFIG|LABOPS_|LOG_LEVEL|LOG_FORMAT|HEALTH_)/.test(key)) continue;
    env[key] = value;
  }
  return { ...env, ...extra };
}

/** Runs a TypeScript file with tsx, as `npm start` does. */
export function spawnTs(
  file: string,
  args: string[],
  options: { cwd: string; env: NodeJS.ProcessEnv },
): ChildProcess {
  return spawn(process.execPath, ['--import', TSX, file, ...args], {
    cwd: options.cwd,
    env: options.env,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
}

/** Feeds `input` to a process and collects what it prints until it exits. */
export async function runToEnd(
  child: ChildProcess,
  input: string,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d: Buffer) => {
    stdout += d.toString();
  });
  child.stderr?.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  child.stdin?.end(input);
  const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
  return { code, stdout, stderr };
}

/** Resolves with the first stdout line matching `pattern` (a barrier), with every line before it. */
export function waitForLine(child: ChildProcess, pattern: RegExp): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const lines: string[] = [];
    let buffer = '';
    let stderr = '';
    child.stderr?.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    child.stdout?.on('data', (d: Buffer) => {
      buffer += d.toString();
      let newline = buffer.indexOf('\n');
      while (newline >= 0) {
        const line = buffer.slice(0, newline);
        buffer = buffer.slice(newline + 1);
        lines.push(line);
        if (pattern.test(line)) resolve(lines);
        newline = buffer.indexOf('\n');
      }
    });
    child.on('exit', (code) => reject(new Error(`exited (${code}) before ${pattern}: ${stderr}`)));
  });
}

/**
 * Whether process `pid` holds an established TCP connection to `origin`'s IPv4 address and port,
 * read from /proc as `ss -tnp` would (a socket among the process's descriptors whose remote end
 * is that address).
 */
export function holdsConnection(pid: number, origin: string): boolean {
  const url = new URL(origin);
  const port = Number(url.port || (url.protocol === 'https:' ? 443 : 80));
  // /proc/net/tcp writes an IPv4 address as the hex of its four bytes in the host's (little-endian) order.
  const address = url.hostname
    .split('.')
    .map((part) => Number(part).toString(16).padStart(2, '0'))
    .reverse()
    .join('')
    .toUpperCase();
  const remote = `${address}:${port.toString(16).padStart(4, '0').toUpperCase()}`;
  const inodes = new Set<string>();
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      const match = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (match) inodes.add(match[1]!);
    } catch {
      // closed meanwhile
    }
  }
  return readFileSync('/proc/net/tcp', 'utf8')
    .split('\n')
    .slice(1)
    .map((line) => line.trim().split(/\s+/))
    .some((f) => f[2] === remote && f[3] === '01' && inodes.has(f[9] ?? ''));
}
