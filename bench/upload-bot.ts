/**
 * The bot side of the upload benchmark, as its own process so its peak RSS is the bot's alone:
 * streams SOURCE into a new ISO disk through an image transfer, as `/iso upload` does, and prints
 * `{"sendMs", "totalMs", "peakRssMb"}`. Arguments: SIM_JSON SOURCE_URL NAME.
 */
import { createHttpDownloads } from '../src/downloads.js';
import { EngineClient } from '../src/engine/engine-client.js';
import type { SimInfo } from './support.js';

const [simJson = '', url = '', name = 'bench.iso'] = process.argv.slice(2);
const sim = JSON.parse(simJson) as SimInfo;
const timing = {
  intervalMs: sim.timing.pollIntervalMs,
  backoff: 1,
  maxIntervalMs: sim.timing.pollIntervalMs,
  deadlineMs: 600_000,
};
const client = EngineClient.create({
  url: sim.baseUrl,
  user: sim.user,
  password: sim.password,
  ca: sim.caPem,
  timeoutMs: 600_000,
  waits: { short: timing, long: timing },
});
// The bench's source is on loopback (source-process.ts): it opts in (issue 10 §2).
const downloads = createHttpDownloads({ timeoutMs: 600_000, allowedNetworks: ['127.0.0.0/8'] });
const dc = (await client.listDataCenters())[0];
const domain = (await client.listAttachedStorageDomains(dc!.id)).find((d) => d.type === 'data' && d.isMaster);
const started = performance.now();
let sendStarted = 0;
let sendEnded = 0;
const source = await downloads.open(url);
await client.uploadIso({
  name,
  storageDomainId: domain!.id,
  source,
  onPhase: (phase) => {
    if (phase === 'sending') sendStarted = performance.now();
    if (phase === 'finalizing') sendEnded = performance.now();
  },
});
const totalMs = performance.now() - started;
await client.close();
await downloads.close();
process.stdout.write(
  `${JSON.stringify({ sendMs: sendEnded - sendStarted, totalMs, peakRssMb: process.resourceUsage().maxRSS / 1024 })}\n`,
);
