/**
 * The chaos run as a benchmark (issue 10 §8): operations run, restarts and invariant violations
 * (goal: 0) of `npm run chaos`'s two parts, in-process and against real `npm start` processes.
 * CHAOS_SEED picks the run (default 1, so that two bench results compare the same operations).
 */
import { runChaosSuite } from '../test/chaos/cli.js';
import { seedFromEnv } from '../test/chaos/random.js';
import { round } from './support.js';

export async function runChaosBench(): Promise<Record<string, number>> {
  const seed = seedFromEnv(process.env, 1);
  const result = await runChaosSuite({
    seed,
    count: 1000,
    processCount: 100,
    shrinkBudgetMs: 0,
    log: (line) => {
      if (line.startsWith('chaos:') || line.startsWith('VIOLATION')) process.stdout.write(`  ${line}\n`);
    },
  });
  const { inProcess } = result;
  return {
    chaos_seed: seed,
    chaos_operations: result.operations,
    chaos_restarts: result.restarts,
    chaos_process_restarts: result.process?.restarts ?? 0,
    chaos_violations: result.violations.length,
    chaos_ops_per_s: round(inProcess.executed / (inProcess.durationMs / 1000), 1),
  };
}
