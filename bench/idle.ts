import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildBot, readMemory, startShellBot, writeSimLabFile } from './bot.js';
import { median, round, type SimInfo, startProcess } from './support.js';

const BOTS = 3;
/** Quiet time after the answer before RSS is read: V8's memory reducer acts within it, mostly. */
const IDLE_MS = 10_000;

/**
 * `idle_rss_mb` (issue 12 §6): VmRSS of the bot's process alone — the built bot in the shell,
 * the simulator in another process — IDLE_MS after it answered `/lab status`; the median of
 * three bots. Also, for reading it: `idle_rss_anon_mb` (RssAnon, the process's private part;
 * the rest is mostly the node binary's pages, shared and reclaimable) and `idle_peak_rss_mb`
 * (VmHWM: the peak from the start to then).
 */
export async function runIdleBench(): Promise<Record<string, number>> {
  await buildBot();
  const sim = await startProcess<SimInfo>('./sim-process.ts');
  const dir = mkdtempSync(join(tmpdir(), 'labops-bench-idle-'));
  const rss: number[] = [];
  const anon: number[] = [];
  const peak: number[] = [];
  try {
    writeSimLabFile(dir, sim.info, { approvers: ['shell:alice'] });
    for (let i = 0; i < BOTS; i++) {
      const bot = startShellBot(dir, sim.info);
      try {
        bot.send('/lab status');
        // Lines run one after the other: the second answer comes once the status is shown.
        bot.send('as operator');
        await bot.waitFor(/now acting as shell:operator/, 60_000);
        if (!/^Lab status/m.test(bot.output())) throw new Error(`/lab status answered: ${bot.output()}`);
        await new Promise((resolve) => setTimeout(resolve, IDLE_MS));
        const memory = readMemory(bot.pid);
        rss.push(memory.rssMb);
        anon.push(memory.anonMb);
        peak.push(memory.peakMb);
      } finally {
        await bot.stop();
      }
    }
    process.stdout.write(
      `  idle RSS of ${BOTS} bots: ${rss.map((r) => r.toFixed(1)).join(', ')} MB (anon ${anon.map((r) => r.toFixed(1)).join(', ')})\n`,
    );
    return {
      idle_rss_mb: round(median(rss), 1),
      idle_rss_anon_mb: round(median(anon), 1),
      idle_peak_rss_mb: round(median(peak), 1),
    };
  } finally {
    await sim.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
