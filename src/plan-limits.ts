import { AsyncLocalStorage } from 'node:async_hooks';
import { LabopsError } from './errors.js';
import { list, msg, type Text, verbatim } from './i18n/text.js';
import { cancelledBy } from './time.js';

/**
 * Plans are bounded (issue 10 §1): each has a deadline, one requester has a few in flight at most,
 * and a stop cancels every one still running. A plan past its deadline says what it was waiting
 * for — the calls to the engine, a download source or a machine that had not answered.
 */

/** Deadlines, injectable so that tests decide when time runs out. */
export interface PlanTimers {
  /** A signal that aborts after `ms`. */
  deadline(ms: number): AbortSignal;
}

export const systemPlanTimers: PlanTimers = { deadline: (ms) => AbortSignal.timeout(ms) };

export interface PlanLimitsOptions {
  /** How long one plan may take. */
  planMs: number;
  /** Plans one requester may have in flight at once. */
  perRequester: number;
  timers?: PlanTimers | undefined;
}

/** The calls of one plan that have not answered yet, oldest first. */
class PendingCalls {
  private next = 0;
  private readonly open = new Map<number, Text>();

  enter(label: Text): () => void {
    const id = this.next++;
    this.open.set(id, label);
    return () => this.open.delete(id);
  }

  describe(): Text {
    // The same call made twice is named once.
    const labels = [
      ...new Map([...this.open.values()].map((label) => [JSON.stringify(label), label])).values(),
    ];
    if (labels.length === 0) return msg('pipeline.plan.waitingNothing');
    const shown = labels.slice(0, 3);
    const more = labels.length - shown.length;
    return msg('pipeline.plan.waitingFor', {
      calls: list(more > 0 ? [...shown, msg('pipeline.plan.moreCalls', { count: more })] : shown),
    });
  }
}

const currentPlan = new AsyncLocalStorage<PendingCalls>();
/**
 * Plans running in this process, of every PlanLimits. While AsyncLocalStorage is enabled, Node 20
 * runs a hook for every promise the process makes; jobs make many (an upload several per chunk),
 * so it is disabled whenever no plan runs, and a plan's `run` enables it again.
 */
let plansRunning = 0;

/**
 * `target` as plans and reads see it: only the members named in `reads` (issue 11 §4: no write is
 * reachable from a plan, even through a cast), its asynchronous methods noting — while they run
 * inside a plan — what the plan waits for. A view is cheap: labops builds the engine's for each plan
 * and read, over a client bound to its signal.
 */
export function createReadOnlyView<T extends object, K extends keyof T & string>(
  target: T,
  reads: readonly K[],
  describe: (method: string, args: readonly unknown[]) => Text,
): Pick<T, K> {
  const allowed = new Set<string>(reads);
  return new Proxy(target, {
    get(object, property) {
      const value: unknown = Reflect.get(object, property, object);
      if (typeof property !== 'string' || property === 'constructor') return value;
      if (!allowed.has(property)) {
        if (value === undefined) return undefined;
        if (typeof value !== 'function') throw refusedWrite(property);
        return () => {
          throw refusedWrite(property);
        };
      }
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        const result: unknown = value.apply(object, args);
        const calls = currentPlan.getStore();
        if (!calls || !(result instanceof Promise)) return result;
        const leave = calls.enter(describe(property, args));
        return result.finally(leave);
      };
    },
  });
}

function refusedWrite(member: string): LabopsError {
  return new LabopsError('INTERNAL', msg('pipeline.plan.refusedWrite', { member: verbatim(member) }), {
    hint: msg('pipeline.plan.refusedWriteHint'),
  });
}

/** Runs plans under their limits; `stop` cancels every plan still running. */
export class PlanLimits {
  private readonly options: PlanLimitsOptions;
  private readonly timers: PlanTimers;
  private readonly stopping = new AbortController();
  private readonly byRequester = new Map<string, number>();
  private readonly running = new Set<Promise<unknown>>();

  constructor(options: PlanLimitsOptions) {
    this.options = options;
    this.timers = options.timers ?? systemPlanTimers;
  }

  /** Plans running now. */
  get inFlight(): number {
    return this.running.size;
  }

  /**
   * Runs `plan` with the signal it must honour. `what` names it in messages (`/iso upload`);
   * `requester`, when given, counts towards that person's limit (a re-plan at a click does not).
   */
  async run<T>(
    what: string,
    requester: string | undefined,
    signal: AbortSignal | undefined,
    plan: (signal: AbortSignal) => Promise<T>,
  ): Promise<T> {
    if (this.stopping.signal.aborted) throw this.stoppedError(what);
    if (requester !== undefined) {
      const mine = this.byRequester.get(requester) ?? 0;
      if (mine >= this.options.perRequester) {
        throw new LabopsError(
          'BUSY',
          msg('pipeline.plan.busy', { count: mine, limit: this.options.perRequester }),
          { hint: msg('pipeline.plan.busyHint') },
        );
      }
      this.byRequester.set(requester, mine + 1);
    }
    const deadline = this.timers.deadline(this.options.planMs);
    const aborted = AbortSignal.any([deadline, this.stopping.signal, ...(signal ? [signal] : [])]);
    const calls = new PendingCalls();
    const outcome = new Promise<T>((resolve, reject) => {
      const onAbort = () => {
        if (this.stopping.signal.aborted) reject(this.stoppedError(what));
        else if (deadline.aborted) {
          reject(
            new LabopsError(
              'TIMEOUT',
              msg('pipeline.plan.timeout', {
                command: verbatim(what),
                seconds: Math.round(this.options.planMs / 1000),
                waiting: calls.describe(),
              }),
              { hint: msg('pipeline.plan.timeoutHint') },
            ),
          );
        } else reject(cancelledBy(signal ?? aborted));
      };
      if (aborted.aborted) {
        onAbort();
        return;
      }
      aborted.addEventListener('abort', onAbort, { once: true });
      plansRunning++;
      currentPlan
        .run(calls, async () => plan(aborted))
        .finally(() => {
          if (--plansRunning === 0) currentPlan.disable();
        })
        .then(
          (value) => {
            aborted.removeEventListener('abort', onAbort);
            resolve(value);
          },
          (error: unknown) => {
            aborted.removeEventListener('abort', onAbort);
            // The plan's own reads fail on the abort: the reason is the deadline or the stop.
            if (aborted.aborted) onAbort();
            else reject(error);
          },
        );
    });
    this.running.add(outcome);
    try {
      return await outcome;
    } finally {
      this.running.delete(outcome);
      if (requester !== undefined) {
        const left = (this.byRequester.get(requester) ?? 1) - 1;
        if (left <= 0) this.byRequester.delete(requester);
        else this.byRequester.set(requester, left);
      }
    }
  }

  /** Cancels every plan still running and refuses new ones; answers how many it cancelled. */
  stop(): number {
    const cancelled = this.running.size;
    this.stopping.abort(new LabopsError('CANCELLED', msg('pipeline.plan.stopping')));
    return cancelled;
  }

  private stoppedError(what: string): LabopsError {
    return new LabopsError('CANCELLED', msg('pipeline.plan.stopped', { command: verbatim(what) }), {
      hint: msg('pipeline.plan.stoppedHint'),
    });
  }
}
