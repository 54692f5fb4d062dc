import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { median, round } from './support.js';

const TSX = import.meta.resolve('tsx');
const MAIN = fileURLToPath(new URL('../src/main.ts', import.meta.url));

/** Time from spawning `npm start`'s entry (shell mode, simulator) until its first line: ready for input. */
async function timeOneStart(cwd: string): Promise<number> {
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !/^(SLACK_|LAB_CONFIG|LABOPS_)/.test(k)),
  );
  const started = performance.now();
  const child = spawn(process.execPath, ['--import', TSX, MAIN], {
    cwd,
    env,
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const ready = await new Promise<number>((resolve, reject) => {
    child.stdout.once('data', () => resolve(performance.now() - started));
    child.on('exit', (code) => reject(new Error(`labops exited with ${code} before it was ready`)));
  });
  child.stdin.end('quit\n');
  await new Promise((resolve) => child.on('exit', resolve));
  return ready;
}

/** `startup_ms`: median of 7 starts after one to warm tsx's cache (design.md, Benchmarks). */
export async function runStartupBench(): Promise<Record<string, number>> {
  const cwd = mkdtempSync(join(tmpdir(), 'labops-bench-'));
  try {
    await timeOneStart(cwd);
    const times: number[] = [];
    for (let i = 0; i < 7; i++) times.push(await timeOneStart(cwd));
    return { startup_ms: round(median(times), 0) };
  } finally {
    rmSync(cwd, { recursive: true, force: true });
  }
}
