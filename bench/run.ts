/**
 * `npm run bench`: every benchmark of design.md's table in one run, a table on stdout, and
 * bench/results/latest.json (one flat object of figure → number, plus `_meta`). Ratios are
 * measured within the same run because absolute times on shared machines drift.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import { runStalledBench } from './stalled.js';
import { runStartupBench } from './startup.js';
import { runStatusBench } from './status.js';
import { runUploadBench } from './upload.js';

type Bench = { name: string; run: () => Promise<Record<string, number>> };

/** Goals from design.md: the figure, the comparison, the bound. */
const GOALS: Record<string, [string, number]> = {
  ack_p99_ms: ['<', 3000],
  ack_p99_ratio: ['<=', 1.25],
  slack_429s: ['<=', 0],
  upload_throughput_ratio: ['>=', 0.9],
  upload_peak_rss_mb: ['<=', 150],
  status_latency_ratio: ['<=', 3],
  ssh_exec_reused_ms: ['<=', 10],
  startup_ms: ['<=', 1500],
  stalled_status_p99_ms: ['<=', 3000],
  stalled_sigterm_exit_ms: ['<=', 15000],
  chaos_violations: ['<=', 0],
};

async function optional(file: string, exportName: string): Promise<Bench['run'] | undefined> {
  const path = fileURLToPath(new URL(file, import.meta.url));
  if (!existsSync(path)) return undefined;
  const module = (await import(path)) as Record<string, unknown>;
  return module[exportName] as Bench['run'];
}

const benches: Bench[] = [
  { name: 'startup', run: runStartupBench },
  { name: 'status', run: runStatusBench },
  { name: 'upload', run: runUploadBench },
  { name: 'stalled', run: runStalledBench },
];
const ssh = await optional('./ssh-exec.ts', 'runSshBench');
if (ssh) benches.push({ name: 'ssh', run: ssh });
const slack = await optional('./slack-bench.ts', 'runSlackBench');
if (slack) benches.push({ name: 'slack', run: slack });
const chaos = await optional('./chaos.ts', 'runChaosBench');
if (chaos) benches.push({ name: 'chaos', run: chaos });

const only = process.argv.slice(2);
const figures: Record<string, number> = {};
const failures: string[] = [];
for (const bench of benches) {
  if (only.length && !only.includes(bench.name)) continue;
  const started = performance.now();
  process.stdout.write(`bench ${bench.name} …\n`);
  try {
    Object.assign(figures, await bench.run());
  } catch (error) {
    failures.push(`${bench.name}: ${(error as Error).message}`);
  }
  process.stdout.write(`bench ${bench.name}: ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
}

const rows = Object.entries(figures).map(([name, value]) => {
  const goal = GOALS[name];
  const verdict = goal
    ? (goal[0] === '<' ? value < goal[1] : goal[0] === '<=' ? value <= goal[1] : value >= goal[1])
      ? 'ok'
      : 'MISSED'
    : '';
  return `${name.padEnd(32)} ${String(value).padStart(10)}  ${goal ? `${goal[0]} ${goal[1]}`.padEnd(10) : ''.padEnd(10)} ${verdict}`;
});
process.stdout.write(`\n${'figure'.padEnd(32)} ${'value'.padStart(10)}  goal\n${rows.join('\n')}\n`);
for (const failure of failures) process.stdout.write(`FAILED ${failure}\n`);

const dir = fileURLToPath(new URL('./results/', import.meta.url));
mkdirSync(dir, { recursive: true });
// A run of some benches (`npm run bench -- chaos`) keeps the figures of the others from the last run.
const previous: Record<string, unknown> =
  only.length && existsSync(`${dir}latest.json`)
    ? (JSON.parse(readFileSync(`${dir}latest.json`, 'utf8')) as Record<string, unknown>)
    : {};
const { _meta: lastMeta, ...kept } = previous;
writeFileSync(
  `${dir}latest.json`,
  `${JSON.stringify(
    {
      ...kept,
      ...figures,
      _meta: {
        date: new Date().toISOString(),
        node: process.version,
        cpus: cpus().length,
        failures,
        ...(only.length ? { ran: only, othersFrom: (lastMeta as { date?: string } | undefined)?.date } : {}),
      },
    },
    null,
    2,
  )}\n`,
);
process.exitCode = failures.length ? 1 : 0;
