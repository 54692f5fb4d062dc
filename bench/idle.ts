import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildBot, readMemory, type ShellBot, startShellBot, writeSimLabFile } from './bot.js';
import { median, round, type SimInfo, startProcess } from './support.js';

const BOTS = 5;
/** Quiet time after the answer before RSS is read: V8's memory reducer acts within it, mostly. */
const IDLE_MS = 15_000;

/**
 * `idle_rss_mb` (issue 12 §6): VmRSS of the bot's process alone — the built bot in the shell,
 * the simulator in another process — IDLE_MS after it answered `/lab status`; the median of five
 * bots, started together (each its own data directory). Whether V8 has shrunk its heap by then
 * varies from bot to bot by ~10 MB, hence five. Also, for reading it: `idle_rss_anon_mb` (RssAnon,
 * the private part: V8's heap and malloc's), `idle_rss_file_mb` (RssFile: mostly the node binary's
 * pages, ICU's data among them, shared and reclaimable; a bare `node -e` has 34 MB of them) and
 * `idle_peak_rss_mb` (VmHWM: the peak from the start to then).
 */
export async function runIdleBench(): Promise<Record<string, number>> {
  await buildBot();
  const sim = await startProcess<SimInfo>('./sim-process.ts');
  const root = mkdtempSync(join(tmpdir(), 'labops-bench-idle-'));
  const bots: ShellBot[] = [];
  try {
    for (let i = 0; i < BOTS; i++) {
      const dir = join(root, `bot-${i}`);
      mkdirSync(dir);
      writeSimLabFile(dir, sim.info, { approvers: ['shell:alice'] });
      bots.push(startShellBot(dir, sim.info));
    }
    await Promise.all(
      bots.map(async (bot) => {
        bot.send('/lab status');
        // Lines run one after the other: the second answer comes once the status is shown.
        bot.send('as operator');
        await bot.waitFor(/now acting as shell:operator/, 60_000);
        if (!/^Lab status/m.test(bot.output())) throw new Error(`/lab status answered: ${bot.output()}`);
      }),
    );
    await new Promise((resolve) => setTimeout(resolve, IDLE_MS));
    const memory = bots.map((bot) => readMemory(bot.pid));
    const shown = (values: number[]) => values.map((v) => v.toFixed(1)).join(', ');
    process.stdout.write(
      `  idle RSS of ${BOTS} bots: ${shown(memory.map((m) => m.rssMb))} MB (anon ${shown(memory.map((m) => m.anonMb))}; file ${shown(memory.map((m) => m.fileMb))})\n`,
    );
    return {
      idle_rss_mb: round(median(memory.map((m) => m.rssMb)), 1),
      idle_rss_anon_mb: round(median(memory.map((m) => m.anonMb)), 1),
      idle_rss_file_mb: round(median(memory.map((m) => m.fileMb)), 1),
      idle_peak_rss_mb: round(median(memory.map((m) => m.peakMb)), 1),
    };
  } finally {
    await Promise.all(bots.map((bot) => bot.stop()));
    await sim.stop();
    rmSync(root, { recursive: true, force: true });
  }
}
