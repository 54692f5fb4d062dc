import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildBot, cleanBotEnv, spawnBotInTerminal, writeSimLabFile } from './bot.js';
import { median, round, type SimInfo, startProcess } from './support.js';

const RUNS = 5;
/** A start that prints nothing in this time is a failure, not a figure. */
const CAP_MS = 30_000;

/**
 * One start at a terminal: from spawning the bot until its first line (the shell's greeting,
 * shown once the store is open and labops started). The bot runs under `script` for its
 * pseudo-terminal, which costs a few milliseconds of the figure.
 */
async function timeOneStart(dir: string, sim: SimInfo): Promise<number> {
  const env = cleanBotEnv({
    LAB_CONFIG: join(dir, 'lab.yml'),
    LABOPS_DATA_DIR: join(dir, 'data'),
    LABOPS_ENGINE_PASSWORD: sim.password,
    TERM: 'xterm',
  });
  const started = performance.now();
  const child = spawnBotInTerminal(['--lang', 'en'], { cwd: dir, env });
  let shown = '';
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  try {
    return await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no line in ${CAP_MS} ms: ${shown}${stderr}`)), CAP_MS);
      child.stdout?.on('data', (d: Buffer) => {
        shown += d.toString();
        if (shown.includes('\n')) {
          clearTimeout(timer);
          resolve(performance.now() - started);
        }
      });
      void exited.then((code) => {
        clearTimeout(timer);
        reject(new Error(`the bot exited (${code}) before its first line: ${shown}${stderr}`));
      });
    });
  } finally {
    child.stdin?.end('quit\n');
    const kill = setTimeout(() => child.kill('SIGKILL'), CAP_MS);
    await exited;
    clearTimeout(kill);
  }
}

/**
 * `startup_ms` (issue 12 §6): the median of 5 starts of the built bot in the shell, at a
 * terminal, with a lab file whose engine is the simulator running as a process apart. One start
 * before them creates the store and fills the page cache; the five then start as a service
 * restarts, on a data directory that exists.
 */
export async function runStartupBench(): Promise<Record<string, number>> {
  await buildBot();
  const sim = await startProcess<SimInfo>('./sim-process.ts');
  const dir = mkdtempSync(join(tmpdir(), 'labops-bench-startup-'));
  try {
    writeSimLabFile(dir, sim.info, { approvers: ['shell:alice'] });
    await timeOneStart(dir, sim.info);
    const times: number[] = [];
    for (let i = 0; i < RUNS; i++) times.push(await timeOneStart(dir, sim.info));
    process.stdout.write(`  startup runs: ${times.map((t) => Math.round(t)).join(', ')} ms\n`);
    return { startup_ms: round(median(times), 0) };
  } finally {
    await sim.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
