import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';

const TSX = import.meta.resolve('tsx');

export interface SimInfo {
  baseUrl: string;
  caFile: string;
  caPem: string;
  user: string;
  password: string;
  timing: { pollIntervalMs: number; shortDeadlineMs: number; longDeadlineMs: number };
}

/** A TypeScript file of this folder as its own process; resolves with its first stdout line as JSON. */
export async function startProcess<T>(
  file: string,
  args: string[] = [],
): Promise<{ info: T; child: ChildProcess; stop(): Promise<void> }> {
  const child = spawn(
    process.execPath,
    ['--import', TSX, fileURLToPath(new URL(file, import.meta.url)), ...args],
    {
      stdio: ['pipe', 'pipe', 'inherit'],
    },
  );
  const info = await new Promise<T>((resolve, reject) => {
    let buffer = '';
    child.stdout?.on('data', (d: Buffer) => {
      buffer += d.toString();
      const newline = buffer.indexOf('\n');
      if (newline >= 0) resolve(JSON.parse(buffer.slice(0, newline)) as T);
    });
    child.on('exit', (code) => reject(new Error(`${file} exited with ${code} before it was ready`)));
  });
  return {
    info,
    child,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.on('exit', () => resolve());
        child.stdin?.end();
      }),
  };
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? 0;
}

export function round(value: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

/** A free loopback port, for a process to listen on next. */
export async function findFreePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}
