import type { LabopsError } from '../errors.js';
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
  private readonly pending: { what: string; write: () => void }[] = [];
  private lastFailure: LabopsError | undefined;
  /** Ends the retry loop's current wait early. */
  private wakeUp: (() => void) | undefined;

  constructor(
    private readonly jobId: string,
    private readonly logger: Logger,
    private readonly retry: RecordRetryOptions = {},
  ) {}

  /** The store's refusal while some of the job's writes wait to be recorded. */
  get failure(): LabopsError | undefined {
    return this.pending.length > 0 ? this.lastFailure : undefined;
  }

  /** Writes now when nothing waits; otherwise, or when the store refuses, queues the write. */
  record(what: string, write: () => void): void {
    if (this.pending.length === 0) {
      try {
        write();
        return;
      } catch (error) {
        if (!isStoreUnavailable(error)) throw error;
        this.noteFailure(what, error);
      }
    }
    this.pending.push({ what, write });
  }

  /** One attempt at the waiting writes, in order; answers whether all of them are recorded. */
  flush(): boolean {
    while (this.pending.length > 0) {
      const next = this.pending[0]!;
      try {
        next.write();
      } catch (error) {
        if (!isStoreUnavailable(error)) throw error;
        this.noteFailure(next.what, error);
        return false;
      }
      this.pending.shift();
    }
    return true;
  }

  /**
   * One attempt now, outside the retry loop's schedule (a new request found the store unwritable):
   * when every write is recorded, the loop is woken to finish the job at once. Answers whether
   * nothing waits any more; a failure other than the store's is left to the loop.
   */
  retryNow(): boolean {
    if (this.pending.length === 0) return true;
    let done = false;
    try {
      done = this.flush();
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
    while (!this.flush()) {
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
