import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { EngineClient } from '../src/engine/engine-client.js';
import { median, round, type SimInfo, startProcess } from './support.js';

const TSX = import.meta.resolve('tsx');
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

/** curl's time to move SOURCE into a fresh transfer: `curl -s SRC | curl -T - --cacert CA URL` (design.md). */
async function timeCurl(
  client: EngineClient,
  sim: SimInfo,
  url: string,
  size: number,
  name: string,
): Promise<number> {
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
  const started = performance.now();
  const result = await run('bash', ['-o', 'pipefail', '-c', pipeline]);
  const elapsed = performance.now() - started;
  if (result.code !== 0) throw new Error(`curl baseline failed: ${result.stderr}`);
  await client.finalizeImageTransfer(transfer.id);
  await client.waitForTransferOutcome(transfer.id, disk.id);
  return elapsed;
}

/** `upload_throughput_ratio` and `upload_peak_rss_mb` at 256 MiB and 1 GiB (design.md, Benchmarks). */
export async function runUploadBench(): Promise<Record<string, number>> {
  const sim = await startProcess<SimInfo>('./sim-process.ts', ['--time-scale', '0.002']);
  const source = await startProcess<{ base: string }>('./source-process.ts');
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
      const rss: number[] = [];
      const botRates: number[] = [];
      const curlRates: number[] = [];
      for (let round = 0; round < ROUNDS; round++) {
        const curlMs = await timeCurl(client, sim.info, url, size, `curl-${label}-${round}.iso`);
        const bot = await run(process.execPath, [
          '--import',
          TSX,
          fileURLToPath(new URL('./upload-bot.ts', import.meta.url)),
          JSON.stringify(sim.info),
          url,
          `bot-${label}-${round}.iso`,
        ]);
        if (bot.code !== 0) throw new Error(`the bot's upload failed: ${bot.stderr}`);
        const result = JSON.parse(bot.stdout.trim().split('\n').pop() ?? '{}') as {
          sendMs: number;
          peakRssMb: number;
        };
        ratios.push(curlMs / result.sendMs);
        rss.push(result.peakRssMb);
        botRates.push(size / MiB / (result.sendMs / 1000));
        curlRates.push(size / MiB / (curlMs / 1000));
      }
      figures[`upload_throughput_ratio_${label}`] = round(median(ratios));
      figures[`upload_peak_rss_mb_${label}`] = round(Math.max(...rss), 1);
      figures[`upload_bot_mib_per_s_${label}`] = round(median(botRates), 1);
      figures[`upload_curl_mib_per_s_${label}`] = round(median(curlRates), 1);
    }
  } finally {
    await client.close();
    await source.stop();
    await sim.stop();
  }
  figures.upload_throughput_ratio = figures.upload_throughput_ratio_1gib ?? 0;
  figures.upload_peak_rss_mb = Math.max(
    figures.upload_peak_rss_mb_256mib ?? 0,
    figures.upload_peak_rss_mb_1gib ?? 0,
  );
  return figures;
}
