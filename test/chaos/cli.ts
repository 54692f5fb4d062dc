import { type Violation, violationKind } from './invariants.js';
import { describeOperation, type Operation } from './operations.js';
import { type ProcessChaosResult, runProcessChaos } from './process.js';
import { seedFromEnv } from './random.js';
import { type ChaosResult, runChaos } from './runner.js';
import { formatShrunk, type ShrinkResult, shrinkFailure } from './shrink.js';

export interface ChaosSuiteOptions {
  seed: number;
  /** In-process operations (restarts close and reopen labops on the same store). */
  count: number;
  /** Operations against `npm start` processes restarted with real SIGKILL and SIGTERM; 0 skips them. */
  processCount: number;
  /** Replays these operations instead of generating them. */
  replay?: Operation[] | undefined;
  shrinkBudgetMs: number;
  verbose?: boolean | undefined;
  log: (line: string) => void;
}

export interface ChaosSuiteResult {
  seed: number;
  inProcess: ChaosResult;
  process: ProcessChaosResult | undefined;
  shrunk: ShrinkResult[];
  violations: Violation[];
  operations: number;
  restarts: number;
  durationMs: number;
}

/**
 * `npm run chaos`: the seeded in-process run (every invariant, the simulator's side included),
 * each distinct violation shrunk to the shortest sequence that reproduces it, then the run against
 * real `npm start` processes killed with SIGKILL and SIGTERM.
 */
export async function runChaosSuite(options: ChaosSuiteOptions): Promise<ChaosSuiteResult> {
  const { seed, log } = options;
  const started = performance.now();
  log(`chaos: seed ${seed} (replay with CHAOS_SEED=${seed})`);
  log(
    `chaos: ${options.replay ? `replaying ${options.replay.length}` : options.count} operations in-process …`,
  );
  const inProcess = await runChaos({
    seed,
    count: options.count,
    operations: options.replay,
    verbose: options.verbose,
    log,
  });
  const rate = inProcess.executed / (inProcess.durationMs / 1000);
  log(
    `chaos: in-process: ${inProcess.executed} operations in ${(inProcess.durationMs / 1000).toFixed(1)} s (${rate.toFixed(1)}/s), ` +
      `${inProcess.stats.restarts} restarts (${inProcess.stats.kills} SIGKILL, ${inProcess.stats.terms} SIGTERM), ` +
      `${inProcess.stats.cards} cards, ${inProcess.stats.approved} approved, jobs ${JSON.stringify(inProcess.stats.jobs)}, ` +
      `${inProcess.violations.length} violations`,
  );

  const shrunk: ShrinkResult[] = [];
  const deadline = performance.now() + options.shrinkBudgetMs;
  const seen = new Set<string>();
  for (const violation of inProcess.violations) {
    if (seen.has(violationKind(violation))) continue;
    seen.add(violationKind(violation));
    const budgetMs = deadline - performance.now();
    if (budgetMs <= 0) {
      log(`chaos: no time left to shrink ${violation.invariant}`);
      continue;
    }
    log(`chaos: shrinking ${violation.invariant} (${violation.message}) …`);
    const result = await shrinkFailure(inProcess.operations, violation, { seed, budgetMs, log });
    shrunk.push(result);
    log(formatShrunk(seed, result));
  }

  let process: ProcessChaosResult | undefined;
  if (options.processCount > 0) {
    log(`chaos: ${options.processCount} operations against npm start, restarted with SIGKILL and SIGTERM …`);
    process = await runProcessChaos({ seed, count: options.processCount, log });
    log(
      `chaos: processes: ${process.operations} operations in ${(process.durationMs / 1000).toFixed(1)} s, ` +
        `${process.restarts} restarts (${process.kills} SIGKILL, ${process.terms} SIGTERM), jobs ${JSON.stringify(process.jobs)}, ` +
        `${process.violations.length} violations`,
    );
  }
  const violations = [...inProcess.violations, ...(process?.violations ?? [])];
  return {
    seed,
    inProcess,
    process,
    shrunk,
    violations,
    operations: inProcess.executed + (process?.operations ?? 0),
    restarts: inProcess.stats.restarts + (process?.restarts ?? 0),
    durationMs: performance.now() - started,
  };
}

function numberFrom(text: string | undefined, fallback: number, what: string): number {
  if (text === undefined || text === '') return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < 0) throw new Error(`${what} must be a whole number, not ${text}.`);
  return value;
}

/** The command line: `npm run chaos [-- --ops N] [--process-ops N]`; see the usage text. */
export async function main(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const arg = (name: string) => {
    const i = argv.indexOf(name);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(
      [
        'usage: npm run chaos [-- --ops N] [--process-ops N] [--verbose]',
        '  --ops N            in-process operations (default 1000; env CHAOS_OPS)',
        '  --process-ops N    operations against npm start with real SIGKILL/SIGTERM (default 200; 0 skips)',
        '  env CHAOS_SEED     replay a run (the seed is printed first)',
        "  env CHAOS_REPLAY   replay a shrunk sequence: the JSON list printed after 'Replay it'",
        '  env CHAOS_SHRINK_SECONDS  time to shrink violations (default 300)',
        '',
      ].join('\n'),
    );
    return 0;
  }
  const seed = seedFromEnv(env);
  const replay = env.CHAOS_REPLAY ? (JSON.parse(env.CHAOS_REPLAY) as Operation[]) : undefined;
  const result = await runChaosSuite({
    seed,
    count: numberFrom(arg('--ops') ?? env.CHAOS_OPS, 1000, '--ops'),
    processCount: numberFrom(arg('--process-ops'), replay ? 0 : 200, '--process-ops'),
    replay,
    shrinkBudgetMs: numberFrom(env.CHAOS_SHRINK_SECONDS, 300, 'CHAOS_SHRINK_SECONDS') * 1000,
    verbose: argv.includes('--verbose') || env.CHAOS_VERBOSE === '1',
    log: (line) => process.stdout.write(`${line}\n`),
  });
  process.stdout.write(
    `\nchaos: seed ${seed}: ${result.operations} operations, ${result.restarts} restarts, ${result.violations.length} invariant violations in ${(result.durationMs / 1000).toFixed(1)} s\n`,
  );
  for (const v of result.violations) {
    process.stdout.write(`  ${v.invariant} (operation ${v.op}): ${v.message}\n`);
  }
  if (result.violations.length && replay)
    process.stdout.write(`${replay.map((op, i) => `  ${i + 1}. ${describeOperation(op)}`).join('\n')}\n`);
  return result.violations.length === 0 ? 0 : 1;
}
