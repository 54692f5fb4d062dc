import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EngineClient } from '../src/engine/engine-client.js';
import {
  buildBot,
  readCpuSeconds,
  readMemory,
  resetPeakMemory,
  startShellBot,
  writeSimLabFile,
} from './bot.js';
import { median, round, type SimInfo, startProcess } from './support.js';

const MiB = 1024 * 1024;
const ROUNDS = 3;

function run(cmd: string, args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/**
 * curl's time to move SOURCE into a fresh transfer: `curl -s SRC | curl -T - --cacert CA URL`
 * (design.md), and the CPU seconds of the two curls and of the simulator meanwhile.
 */
async function timeCurl(
  client: EngineClient,
  sim: SimInfo,
  url: string,
  size: number,
  name: string,
  meters: () => Meters,
): Promise<{ ms: number; cpuS: number; others: Meters }> {
  const dc = (await client.listDataCenters())[0]!;
  const domain = (await client.listAttachedStorageDomains(dc.id)).find(
    (d) => d.type === 'data' && d.isMaster,
  )!;
  const disk = await client.createDisk({
    name,
    sizeBytes: size,
    storageDomainId: domain.id,
    contentType: 'iso',
  });
  await client.waitForDiskStatus(disk.id, ['ok']);
  const transfer = await client.createImageTransfer(disk.id);
  const ready = await client.waitForTransferReady(transfer.id);
  // imageio requires Content-Length (ovirt-api.md §5.3); curl reading stdin sends chunked unless told not to.
  const pipeline = `curl -sS --fail ${url} | curl -sS --fail -T - -H 'Content-Length: ${size}' -H 'Transfer-Encoding:' --cacert ${sim.caFile} ${ready.transferUrl}`;
  // bash's `time` of the pipeline: its processes' user and system seconds, on stderr's last line.
  const timed = `TIMEFORMAT='%U %S'; time { ${pipeline}; }`;
  const before = meters();
  const started = performance.now();
  const result = await run('bash', ['-o', 'pipefail', '-c', timed]);
  const elapsed = performance.now() - started;
  const others = subtractMeters(meters(), before);
  if (result.code !== 0) throw new Error(`curl baseline failed: ${result.stderr}`);
  const [user, system] = result.stderr.trim().split('\n').at(-1)?.split(' ').map(Number) ?? [];
  await client.finalizeImageTransfer(transfer.id);
  await client.waitForTransferOutcome(transfer.id, disk.id);
  return { ms: elapsed, cpuS: (user ?? Number.NaN) + (system ?? Number.NaN), others };
}

/** CPU seconds of the processes the ratio depends on besides the bot and curl, and of the whole machine. */
interface Meters {
  sim: number;
  source: number;
  machine: number;
}

const subtractMeters = (after: Meters, before: Meters): Meters => ({
  sim: after.sim - before.sim,
  source: after.source - before.source,
  machine: after.machine - before.machine,
});

/** Seconds every CPU of the machine was busy since boot (/proc/stat: all but idle and iowait). */
function readMachineBusySeconds(): number {
  const [, ...ticks] = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).map(Number);
  const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = ticks;
  return (user + nice + system + irq + softirq + steal) / 100;
}

/** Polls VmRSS while the peak counter cannot be reset (a kernel before 4.0, or refused). */
function sampleRss(pid: number): { stop(): number } {
  let max = 0;
  const timer = setInterval(() => {
    try {
      max = Math.max(max, readMemory(pid).rssMb);
    } catch {
      // the process is gone
    }
  }, 10);
  return {
    stop: () => {
      clearInterval(timer);
      return max;
    },
  };
}

/**
 * One `/iso upload` by a fresh built bot in the shell, as a person types it: the plan (the
 * source probed), the requester's approval, the job. Answers the time from the step's
 * `upload: sending` to its `upload: finalizing` lines, the bot's peak RSS during the upload
 * (VmHWM, reset just before), its RSS just before, and the CPU seconds the bot and the simulator
 * used while it sent.
 */
async function uploadWithBot(
  dir: string,
  sim: SimInfo,
  url: string,
  name: string,
  meters: () => Meters,
): Promise<{ sendMs: number; peakMb: number; beforeMb: number; cpuS: number; others: Meters }> {
  const bot = startShellBot(dir, sim);
  try {
    // Logged in and every engine read's code run once before the upload, as in a bot that has served.
    bot.send('/lab status');
    bot.send('as operator');
    await bot.waitFor(/now acting as shell:operator/, 60_000);
    bot.clearOutput();
    const reset = resetPeakMemory(bot.pid);
    const sampler = reset ? undefined : sampleRss(bot.pid);
    const beforeMb = readMemory(bot.pid).rssMb;
    bot.send(`/iso upload ${url} --name ${name}`);
    bot.send('approve');
    const sending = await bot.waitFor(/upload: sending/);
    const [botBefore, before] = [readCpuSeconds(bot.pid), meters()];
    const finalizing = await bot.waitFor(/upload: finalizing/);
    const [cpuS, others] = [readCpuSeconds(bot.pid) - botBefore, subtractMeters(meters(), before)];
    await bot.waitFor(/job-\S+ (succeeded|failed)/);
    const peakMb = Math.max(readMemory(bot.pid).peakMb, sampler?.stop() ?? 0);
    if (!/job-\S+ succeeded/.test(bot.output())) throw new Error(`the bot's upload failed: ${bot.output()}`);
    return { sendMs: finalizing - sending, peakMb, beforeMb, cpuS, others };
  } finally {
    await bot.stop();
  }
}

/**
 * `upload_throughput_ratio` and `upload_peak_rss_mb` at 256 MiB and 1 GiB (design.md, Benchmarks;
 * issue 12 §6): the built bot's `/iso upload` against curl, three rounds taking turns, each bot
 * fresh. The peak is the highest of the rounds; `upload_peak_rss_spread` is how far the 1 GiB
 * peak is from the 256 MiB one, as a fraction of it; `upload_rss_growth_mb_*` what the upload
 * added to the bot's RSS just before it. The CPU seconds per GiB moved (medians), which bound
 * the ratio on a machine of few cores: `upload_bot_cpu_s_per_gib_*` (the bot: download, sha256,
 * TLS), `upload_curl_cpu_s_per_gib_*` (both curls, no hashing); the simulator's imageio
 * receiving (`upload_sim_cpu_s_per_gib_*`), the source server sending
 * (`upload_source_cpu_s_per_gib_*`) and the whole machine (`upload_machine_cpu_s_per_gib_*`),
 * each while the bot sent and, with `_curl`, while curl did. The machine's CPU per GiB is what
 * bounds the ratio where every process shares two cores.
 */
export async function runUploadBench(): Promise<Record<string, number>> {
  await buildBot();
  const sim = await startProcess<SimInfo>('./sim-process.ts', ['--time-scale', '0.002']);
  const source = await startProcess<{ base: string }>('./source-process.ts');
  const dir = mkdtempSync(join(tmpdir(), 'labops-bench-upload-'));
  writeSimLabFile(dir, sim.info, { approvers: ['shell:alice'] });
  const timing = { intervalMs: 5, backoff: 1, maxIntervalMs: 5, deadlineMs: 600_000 };
  const client = EngineClient.create({
    url: sim.info.baseUrl,
    user: sim.info.user,
    password: sim.info.password,
    ca: sim.info.caPem,
    timeoutMs: 600_000,
    waits: { short: timing, long: timing },
  });
  const figures: Record<string, number> = {};
  try {
    for (const [label, size] of [
      ['256mib', 256 * MiB],
      ['1gib', 1024 * MiB],
    ] as const) {
      const url = `${source.info.base}/iso-${size}.iso`;
      // Three rounds, curl and the bot taking turns: the median ratio is robust to a neighbour's burst.
      const ratios: number[] = [];
      const peaks: number[] = [];
      const growths: number[] = [];
      const botRates: number[] = [];
      const curlRates: number[] = [];
      const cpu = {
        bot: [] as number[],
        curl: [] as number[],
        sim: [] as number[],
        simCurl: [] as number[],
        source: [] as number[],
        sourceCurl: [] as number[],
        machine: [] as number[],
        machineCurl: [] as number[],
      };
      const gib = size / (1024 * MiB);
      const meters = (): Meters => ({
        sim: sim.child.pid === undefined ? Number.NaN : readCpuSeconds(sim.child.pid),
        source: source.child.pid === undefined ? Number.NaN : readCpuSeconds(source.child.pid),
        machine: readMachineBusySeconds(),
      });
      for (let round = 0; round < ROUNDS; round++) {
        const curl = await timeCurl(client, sim.info, url, size, `curl-${label}-${round}.iso`, meters);
        const bot = await uploadWithBot(dir, sim.info, url, `bot-${label}-${round}.iso`, meters);
        ratios.push(curl.ms / bot.sendMs);
        peaks.push(bot.peakMb);
        growths.push(bot.peakMb - bot.beforeMb);
        botRates.push(size / MiB / (bot.sendMs / 1000));
        curlRates.push(size / MiB / (curl.ms / 1000));
        cpu.bot.push(bot.cpuS / gib);
        cpu.curl.push(curl.cpuS / gib);
        cpu.sim.push(bot.others.sim / gib);
        cpu.simCurl.push(curl.others.sim / gib);
        cpu.source.push(bot.others.source / gib);
        cpu.sourceCurl.push(curl.others.source / gib);
        // The bot's figure is its send phase, curl's the whole pipeline: per GiB, as each moved it.
        cpu.machine.push(bot.others.machine / gib);
        cpu.machineCurl.push(curl.others.machine / gib);
      }
      process.stdout.write(
        `  upload ${label}: peak RSS ${peaks.map((p) => p.toFixed(1)).join(', ')} MB; bot ${botRates.map((r) => r.toFixed(0)).join(', ')} MiB/s, curl ${curlRates.map((r) => r.toFixed(0)).join(', ')} MiB/s; CPU s/GiB bot ${cpu.bot.map((c) => c.toFixed(2)).join(', ')}, curl ${cpu.curl.map((c) => c.toFixed(2)).join(', ')}, simulator ${cpu.sim.map((c) => c.toFixed(2)).join(', ')} (bot), ${cpu.simCurl.map((c) => c.toFixed(2)).join(', ')} (curl), ` +
          `source ${cpu.source.map((c) => c.toFixed(2)).join(', ')} (bot), ${cpu.sourceCurl.map((c) => c.toFixed(2)).join(', ')} (curl), ` +
          `whole machine ${cpu.machine.map((c) => c.toFixed(2)).join(', ')} (bot), ${cpu.machineCurl.map((c) => c.toFixed(2)).join(', ')} (curl)\n`,
      );
      figures[`upload_throughput_ratio_${label}`] = round(median(ratios));
      figures[`upload_peak_rss_mb_${label}`] = round(Math.max(...peaks), 1);
      figures[`upload_rss_growth_mb_${label}`] = round(median(growths), 1);
      figures[`upload_bot_mib_per_s_${label}`] = round(median(botRates), 1);
      figures[`upload_curl_mib_per_s_${label}`] = round(median(curlRates), 1);
      figures[`upload_bot_cpu_s_per_gib_${label}`] = round(median(cpu.bot));
      figures[`upload_curl_cpu_s_per_gib_${label}`] = round(median(cpu.curl));
      figures[`upload_sim_cpu_s_per_gib_${label}`] = round(median(cpu.sim));
      figures[`upload_sim_cpu_s_per_gib_curl_${label}`] = round(median(cpu.simCurl));
      figures[`upload_source_cpu_s_per_gib_${label}`] = round(median(cpu.source));
      figures[`upload_source_cpu_s_per_gib_curl_${label}`] = round(median(cpu.sourceCurl));
      figures[`upload_machine_cpu_s_per_gib_${label}`] = round(median(cpu.machine));
      figures[`upload_machine_cpu_s_per_gib_curl_${label}`] = round(median(cpu.machineCurl));
    }
  } finally {
    await client.close();
    await source.stop();
    await sim.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  const small = figures.upload_peak_rss_mb_256mib ?? 0;
  const large = figures.upload_peak_rss_mb_1gib ?? 0;
  figures.upload_throughput_ratio = figures.upload_throughput_ratio_1gib ?? 0;
  figures.upload_peak_rss_mb = Math.max(small, large);
  figures.upload_peak_rss_spread = round(small > 0 ? Math.abs(large - small) / small : 0, 3);
  return figures;
}
