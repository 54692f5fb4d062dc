import { LabopsError } from '../errors.js';
import type { Logger } from '../log.js';
import { isStoreUnavailable } from '../store/types.js';

/** How a job's records are retried while the store cannot be written (issue 10 §5). */
export interface RecordRetryOptions {
  /** The first wait between attempts, in ms (default 1000); each failed attempt doubles it. */
  initialDelayMs?: number | undefined;
  /** The longest wait between attempts, in ms (default 30 000): the backoff is bounded. */
  maxDelayMs?: number | undefined;
  /** Waits `ms`, or less once `signal` aborts (the executor stopping). Tests inject their own. */
  wait?: ((ms: number, signal: AbortSignal) => Promise<void>) | undefined;
}

const DEFAULT_INITIAL_DELAY_MS = 1000;
const DEFAULT_MAX_DELAY_MS = 30_000;

/**
 * The writes of one job to the store, in order. A write the store refuses for want of space or
 * I/O (STORE_UNAVAILABLE) is kept, with every write after it, to be retried in the same order —
 * so the job's end, and the release of its locks with it, is recorded last and only once what
 * came before it is. Each write is one store transaction: it happened whole or not at all.
 */
export class JobRecorder {
  private readonly pending: { what: string; write: () => Promise<unknown> }[] = [];
  private lastFailure: LabopsError | undefined;
  /** This replica lost the job (LEASE_LOST, issue 14 §2): nothing more of it is recorded here. */
  private lostTo: LabopsError | undefined;
  /** Ends the retry loop's current wait early. */
  private wakeUp: (() => void) | undefined;
  /** The attempt in flight, if any: the next one starts after it, so the writes stay in order. */
  private busy: Promise<unknown> | undefined;

  constructor(
    private readonly jobId: string,
    private readonly logger: Logger,
    private readonly retry: RecordRetryOptions = {},
    /** Told once when a write finds the job no longer this replica's: the job stops. */
    private readonly onLost: (error: LabopsError) => void = () => undefined,
  ) {}

  /** Why nothing more of the job is recorded here: another replica took it over. */
  get lost(): LabopsError | undefined {
    return this.lostTo;
  }

  /**
   * The job is no longer this replica's (its lease ran out, or a renewal said so): every write
   * waiting or to come is dropped — another replica marked it interrupted, and its record is that
   * replica's now.
   */
  lose(error: LabopsError): void {
    if (this.lostTo) return;
    this.lostTo = error;
    this.pending.length = 0;
    this.lastFailure = undefined;
    this.logger.warn({ jobId: this.jobId, err: error.message }, 'the job is no longer this replica’s');
    this.onLost(error);
  }

  /** The store's refusal while some of the job's writes wait to be recorded. */
  get failure(): LabopsError | undefined {
    return this.pending.length > 0 ? this.lastFailure : undefined;
  }

  /**
   * Writes now when nothing waits; otherwise, or when the store refuses, queues the write. Settles
   * once it is written or queued; a failure other than the store's rejects.
   */
  record(what: string, write: () => Promise<unknown>): Promise<void> {
    return this.serialize(async () => {
      if (this.lostTo) return;
      if (this.pending.length === 0) {
        try {
          await write();
          return;
        } catch (error) {
          if (isLeaseLost(error)) return this.lose(error);
          if (!isStoreUnavailable(error)) throw error;
          this.noteFailure(what, error);
        }
      }
      this.pending.push({ what, write });
    });
  }

  /** One attempt at the waiting writes, in order; answers whether all of them are recorded. */
  flush(): Promise<boolean> {
    return this.serialize(async () => {
      while (this.pending.length > 0) {
        const next = this.pending[0]!;
        try {
          await next.write();
        } catch (error) {
          if (isLeaseLost(error)) {
            this.lose(error);
            return true;
          }
          if (!isStoreUnavailable(error)) throw error;
          this.noteFailure(next.what, error);
          return false;
        }
        this.pending.shift();
      }
      return true;
    });
  }

  /**
   * One attempt now, outside the retry loop's schedule (a new request found the store unwritable):
   * when every write is recorded, the loop is woken to finish the job at once. Answers whether
   * nothing waits any more; a failure other than the store's is left to the loop.
   */
  async retryNow(): Promise<boolean> {
    if (this.pending.length === 0) return true;
    let done = false;
    try {
      done = await this.flush();
    } catch {
      return false;
    }
    if (done) this.wakeUp?.();
    return done;
  }

  /**
   * Keeps trying until every write is recorded, waiting longer after each failure up to the
   * bounded maximum. Once `stop` aborts, one last attempt is made and a failure then throws:
   * the job stays recorded as running, and the next start marks it interrupted.
   */
  async flushUntilRecorded(stop: AbortSignal): Promise<void> {
    let delay = this.retry.initialDelayMs ?? DEFAULT_INITIAL_DELAY_MS;
    const maxDelay = this.retry.maxDelayMs ?? DEFAULT_MAX_DELAY_MS;
    const wait = this.retry.wait ?? waitUnlessStopped;
    let attempts = 0;
    while (!(await this.flush())) {
      if (stop.aborted) throw this.lastFailure!;
      attempts++;
      if (attempts === 1) {
        this.logger.warn(
          { jobId: this.jobId, err: this.lastFailure?.message },
          'the job could not be recorded; retrying until the store can be written',
        );
      }
      await Promise.race([
        wait(delay, stop),
        new Promise<void>((resolve) => {
          this.wakeUp = resolve;
        }),
      ]);
      this.wakeUp = undefined;
      delay = Math.min(delay * 2, maxDelay);
    }
    if (attempts > 0) this.logger.info({ jobId: this.jobId, attempts }, 'the job is recorded again');
  }

  /**
   * Runs `attempt` after the one in flight. When none is in flight it starts at once, in the
   * caller's turn: a write the engine is about to send is recorded before the request goes out.
   */
  private serialize<T>(attempt: () => Promise<T>): Promise<T> {
    const run = this.busy ? this.busy.then(attempt, attempt) : attempt();
    const settled = run.then(
      () => undefined,
      () => undefined,
    );
    this.busy = settled;
    void settled.then(() => {
      if (this.busy === settled) this.busy = undefined;
    });
    return run;
  }

  private noteFailure(what: string, error: LabopsError): void {
    if (this.lastFailure === undefined || this.pending.length === 0) {
      this.logger.warn({ jobId: this.jobId, what, err: error.message }, 'a job record waits for the store');
    }
    this.lastFailure = error;
  }
}

/** A timer that keeps no process alive and ends early when `signal` aborts. */
function waitUnlessStopped(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) {
      resolve();
      return;
    }
    const timer = setTimeout(done, ms);
    timer.unref();
    signal.addEventListener('abort', done, { once: true });
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
  });
}

function isLeaseLost(error: unknown): error is LabopsError {
  return error instanceof LabopsError && error.code === 'LEASE_LOST';
}
