/**
 * `npm run bench`: every benchmark of design.md's table in one run, a table on stdout, and
 * bench/results/latest.json (one flat object of figure → number, plus `_meta`). Ratios are
 * measured within the same run because absolute times on shared machines drift.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import { buildBot, describeBotCommand } from './bot.js';
import { runIdleBench } from './idle.js';
import { runLabsBench } from './labs.js';
import { runResetAllBench } from './labs-reset.js';
import { runProgressBench } from './progress.js';
import { runReplicasBench } from './replicas.js';
import { runStalledBench } from './stalled.js';
import { runStartupBench } from './startup.js';
import { runStatusBench } from './status.js';
import { round } from './support.js';
import { runUploadBench } from './upload.js';

type Bench = { name: string; run: () => Promise<Record<string, number>> };

/**
 * The goals, kept here: design.md's Benchmarks table as issue 12 §6 revised it — `startup_ms` ≤ 500
 * (replacing design.md's ≤ 1500), `idle_rss_mb` ≤ 70 (new), `upload_peak_rss_mb` ≤ 100 at 256 MiB
 * and at 1 GiB (was ≤ 150), the 1 GiB peak within 10 % of the 256 MiB one. A bound that is a
 * string names another figure of the same run.
 */
const GOALS: Record<string, [Comparison, number | string]> = {
  ack_p99_ms: ['<', 3000],
  ack_p99_ratio: ['<=', 1.25],
  slack_429s: ['<=', 0],
  slack_calls_per_job: ['<=', 'slack_calls_budget'],
  upload_throughput_ratio: ['>=', 0.9],
  upload_peak_rss_mb_256mib: ['<=', 100],
  upload_peak_rss_mb_1gib: ['<=', 100],
  upload_peak_rss_spread: ['<=', 0.1],
  idle_rss_mb: ['<=', 70],
  status_latency_ratio: ['<=', 3],
  ssh_exec_reused_ms: ['<=', 10],
  startup_ms: ['<=', 500],
  stalled_status_p99_ms: ['<=', 3000],
  stalled_sigterm_exit_ms: ['<=', 15000],
  chaos_violations: ['<=', 0],
  // Issue 13 §5: 30 labs, 50 users.
  labs30_status_p99_ratio: ['<=', 3],
  rss_per_lab_mb: ['<=', 5],
  reset_all_ratio: ['<=', 4],
  // Issue 14 §5: two replicas on one PostgreSQL (bench/replicas.ts).
  replicas_slack_429s: ['<=', 0],
  cross_replica_click_ratio: ['<=', 1.25],
  // Issue 17 §5: a job's thread ends with its card; every copy of a card in step (bench/progress.ts).
  thread_lag_ms: ['<=', 2000],
  copies_lag_ms: ['<=', 2000],
  progress_slack_429s: ['<=', 0],
};

type Comparison = '<' | '<=' | '>=';

/** Benches that run the built bot (bench/bot.ts): the build comes first. */
const BOT_BENCHES = new Set(['startup', 'idle', 'upload', 'stalled', 'labs', 'replicas']);

async function optional(file: string, exportName: string): Promise<Bench['run'] | undefined> {
  const path = fileURLToPath(new URL(file, import.meta.url));
  if (!existsSync(path)) return undefined;
  const module = (await import(path)) as Record<string, unknown>;
  return module[exportName] as Bench['run'];
}

const benches: Bench[] = [
  { name: 'startup', run: runStartupBench },
  { name: 'idle', run: runIdleBench },
  { name: 'status', run: runStatusBench },
  { name: 'upload', run: runUploadBench },
  { name: 'stalled', run: runStalledBench },
  { name: 'labs', run: runLabsBench },
  { name: 'reset-all', run: runResetAllBench },
  { name: 'replicas', run: runReplicasBench },
  { name: 'progress', run: runProgressBench },
];
const ssh = await optional('./ssh-exec.ts', 'runSshBench');
if (ssh) benches.push({ name: 'ssh', run: ssh });
const slack = await optional('./slack-bench.ts', 'runSlackBench');
if (slack) benches.push({ name: 'slack', run: slack });
const chaos = await optional('./chaos.ts', 'runChaosBench');
if (chaos) benches.push({ name: 'chaos', run: chaos });

const only = process.argv.slice(2);
const selected = benches.filter((bench) => !only.length || only.includes(bench.name));
const figures: Record<string, number> = {};
const failures: string[] = only
  .filter((name) => !benches.some((bench) => bench.name === name))
  .map((name) => `${name}: no such bench (${benches.map((bench) => bench.name).join(', ')})`);
process.stdout.write(`goals: bench/run.ts (issue 12 §6; startup_ms ≤ 500 replaces design.md's ≤ 1500)\n`);
const runsBot = selected.some((bench) => BOT_BENCHES.has(bench.name));
let buildFailure: string | undefined;
if (runsBot) {
  // The bot as the service runs it, built from these sources first (issue 12 §1).
  try {
    await buildBot();
    process.stdout.write(`the bot: ${describeBotCommand()}\n`);
  } catch (error) {
    buildFailure = (error as Error).message;
  }
}
for (const bench of selected) {
  if (buildFailure && BOT_BENCHES.has(bench.name)) {
    failures.push(`${bench.name}: ${buildFailure}`);
    continue;
  }
  const started = performance.now();
  process.stdout.write(`bench ${bench.name} …\n`);
  try {
    Object.assign(figures, await bench.run());
  } catch (error) {
    failures.push(`${bench.name}: ${(error as Error).message}`);
  }
  process.stdout.write(`bench ${bench.name}: ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
}

/** The goal's bound for this run, or undefined when it names a figure this run lacks. */
function boundOf(goal: [Comparison, number | string]): number | undefined {
  return typeof goal[1] === 'number' ? goal[1] : figures[goal[1]];
}

function meets(value: number, comparison: Comparison, bound: number): boolean {
  return comparison === '<' ? value < bound : comparison === '<=' ? value <= bound : value >= bound;
}

const missed: string[] = [];
const rows = Object.entries(figures).map(([name, value]) => {
  const goal = GOALS[name];
  const bound = goal && boundOf(goal);
  let verdict = '';
  if (goal && bound !== undefined) {
    verdict = meets(value, goal[0], bound) ? 'ok' : 'MISSED';
    if (verdict === 'MISSED') {
      const by = Math.abs(value - bound);
      const share = bound !== 0 ? ` (${Math.round((by / Math.abs(bound)) * 100)} %)` : '';
      missed.push(`${name} = ${value}, goal ${goal[0]} ${bound}: missed by ${round(by, 3)}${share}`);
    }
  }
  const shownGoal = goal ? `${goal[0]} ${goal[1]}` : '';
  return `${name.padEnd(32)} ${String(value).padStart(10)}  ${shownGoal.padEnd(22)} ${verdict}`;
});
process.stdout.write(`\n${'figure'.padEnd(32)} ${'value'.padStart(10)}  goal\n${rows.join('\n')}\n`);
for (const line of missed) process.stdout.write(`MISSED ${line}\n`);
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
        missed,
        ...(runsBot ? { bot: describeBotCommand() } : {}),
        ...(only.length ? { ran: only, othersFrom: (lastMeta as { date?: string } | undefined)?.date } : {}),
      },
    },
    null,
    2,
  )}\n`,
);
// Non-zero when a bench failed or a figure of this run missed its goal (issue 12 §6).
process.exitCode = failures.length || missed.length ? 1 : 0;
