import { type InvariantName, type Violation, violationKind } from './invariants.js';
import { describeOperation, type Operation } from './operations.js';
import { type ChaosOptions, runChaos } from './runner.js';

export interface ShrinkResult {
  invariant: InvariantName;
  /** The shortest sequence found that still breaks the invariant. */
  operations: Operation[];
  /** The violation the shortest sequence gave. */
  violation: Violation | undefined;
  replays: number;
  /** Replays of the final sequence that reproduced it, of `confirmations`. */
  reproduced: number;
  confirmations: number;
  durationMs: number;
}

/**
 * Delta debugging (Zeller's ddmin, complements only): removes ever smaller chunks of `items` while
 * `reproduces` still holds, until no single item can go or `deadline` (performance.now()) passes.
 */
export async function minimizeSequence<T>(
  items: readonly T[],
  reproduces: (candidate: readonly T[]) => Promise<boolean>,
  deadline: number,
  onShrunk?: (length: number) => void,
): Promise<T[]> {
  let current = [...items];
  let chunks = 2;
  while (current.length >= 2 && performance.now() < deadline) {
    const size = Math.ceil(current.length / chunks);
    let reduced = false;
    for (let start = 0; start < current.length && performance.now() < deadline; start += size) {
      const candidate = [...current.slice(0, start), ...current.slice(start + size)];
      if (candidate.length === 0) continue;
      if (await reproduces(candidate)) {
        current = candidate;
        chunks = Math.max(chunks - 1, 2);
        reduced = true;
        onShrunk?.(current.length);
        break;
      }
    }
    if (!reduced) {
      if (chunks >= current.length) break;
      chunks = Math.min(chunks * 2, current.length);
    }
  }
  return current;
}

/**
 * Delta debugging over the operations of a failing run: replays ever smaller
 * subsequences, each on a fresh lab and store, and keeps one whenever it still breaks the same
 * invariant. Stops within `budgetMs`, answering the shortest sequence found so far.
 */
export async function shrinkFailure(
  failing: readonly Operation[],
  violation: Violation,
  options: Pick<ChaosOptions, 'seed' | 'timeScale' | 'prepare'> & {
    budgetMs: number;
    log?: ((line: string) => void) | undefined;
  },
): Promise<ShrinkResult> {
  const started = performance.now();
  const deadline = started + options.budgetMs;
  const invariant = violation.invariant;
  const kind = violationKind(violation);
  let replays = 0;
  let last: Violation | undefined = violation;
  const reproduces = async (candidate: readonly Operation[]): Promise<boolean> => {
    replays++;
    const result = await runChaos({
      seed: options.seed,
      operations: [...candidate],
      timeScale: options.timeScale,
      prepare: options.prepare,
      stopAtFirst: true,
      target: kind,
    });
    const found = result.violations.find((v) => violationKind(v) === kind);
    if (found) last = found;
    return found !== undefined;
  };

  // What came after the operation that broke it cannot matter (a violation found at the end needs all).
  const prefix = violation.op >= 0 ? failing.slice(0, violation.op + 1) : [...failing];
  const current = await minimizeSequence(prefix, reproduces, deadline, (n) =>
    options.log?.(`  shrunk to ${n} operations (${replays} replays)`),
  );
  // Timing decides some failures: say how often the shortest sequence breaks the invariant.
  let confirmations = 0;
  let reproduced = 0;
  while (confirmations < 3 && (confirmations === 0 || performance.now() < deadline)) {
    confirmations++;
    if (await reproduces(current)) reproduced++;
  }
  return {
    invariant,
    operations: current,
    violation: last,
    replays,
    reproduced,
    confirmations,
    durationMs: performance.now() - started,
  };
}

/** The shrunk sequence as a reader (and a replay) wants it. */
export function formatShrunk(seed: number, shrunk: ShrinkResult): string {
  return [
    `Invariant ${shrunk.invariant} breaks with seed ${seed} in ${shrunk.operations.length} operations (reproduced ${shrunk.reproduced} of ${shrunk.confirmations} replays; ${shrunk.replays} replays to shrink):`,
    ...shrunk.operations.map((op, i) => `  ${String(i + 1).padStart(3)}. ${describeOperation(op)}`),
    shrunk.violation ? `  → ${shrunk.violation.message}` : '',
    `Replay it: CHAOS_REPLAY='${JSON.stringify(shrunk.operations)}' npm run chaos`,
  ].join('\n');
}
