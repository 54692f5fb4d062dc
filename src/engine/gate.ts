import { cancelledBy } from '../time.js';

/**
 * At most `max` requests to one engine at once; the others wait their turn in order. A plain
 * counter and queue: Bottleneck's scheduler, used here before, waited on timers several times per
 * request — about 5 ms each, 18 % of the bot's time answering 50 users across 30 labs (issue 13
 * §5). A waiting request whose signal aborts leaves the queue at once.
 */
export class ConcurrencyGate {
  private active = 0;
  private stopped: Error | undefined;
  private readonly waiting: { start: () => void; fail: (reason: unknown) => void }[] = [];

  constructor(private readonly max: number) {}

  /** Runs `fn` once a slot is free; a slot is handed straight to the next in line when it ends. */
  async schedule<T>(fn: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    await this.acquire(signal);
    try {
      return await fn();
    } finally {
      this.release();
    }
  }

  /** No new request starts; those waiting fail with `reason`. Those running finish. */
  stop(reason: Error): void {
    this.stopped = reason;
    for (const waiter of this.waiting.splice(0)) waiter.fail(reason);
  }

  private acquire(signal: AbortSignal | undefined): Promise<void> {
    if (this.stopped) return Promise.reject(this.stopped);
    if (signal?.aborted) return Promise.reject(cancelledBy(signal));
    if (this.active < this.max) {
      this.active++;
      return Promise.resolve();
    }
    return new Promise<void>((resolve, reject) => {
      const onAbort = () => {
        const index = this.waiting.indexOf(waiter);
        if (index >= 0) this.waiting.splice(index, 1);
        if (signal) reject(cancelledBy(signal));
      };
      const waiter = {
        start: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
        fail: (reason: unknown) => {
          signal?.removeEventListener('abort', onAbort);
          reject(reason);
        },
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiting.push(waiter);
    });
  }

  private release(): void {
    const next = this.waiting.shift();
    // The slot passes to the next in line as it is: `active` stays, so no newcomer slips in.
    if (next) next.start();
    else this.active--;
  }
}
