import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * Acknowledgements before answers. Slack fails a command whose ack is not back within 3 s
 * (slack-platform.md §1); its answer through `response_url` may come minutes later. So during a
 * burst the work after each ack (engine reads, the answer, a card) waits, before it starts, for a
 * lull: no request still waiting for its ack and none arrived for `lullMs`. It waits `maxWaitMs`
 * at most, so that a steady stream of requests never starves the answers. A lone command's answer
 * waits `lullMs` (10 ms): whether more are coming cannot be known sooner.
 *
 * Measured with 50 signed commands at a time (`npm run bench -- slack`): started as soon as each
 * ack was sent, the answers' work took the CPU the next acks needed (and the simulator's and the
 * Slack stand-in's, on two cores): the bot used 0.9–1.1 s of CPU acknowledging 1500 commands
 * against a bare Bolt app's 0.55 s, and its p99 was 1.5–1.8 times the bare app's. Waiting for the
 * lull: 0.55–0.66 s, and 0.73–1.24 times.
 */
export class AckFirst {
  private unacked = 0;
  private lastArrival = Number.NEGATIVE_INFINITY;
  private readonly waiting = new Set<{
    since: number;
    resolve: () => void;
    reject: (reason: Error) => void;
  }>();
  private timer: NodeJS.Timeout | undefined;

  private stopped: Error | undefined;

  /**
   * `countedMs`: the longest a request counts as waiting for its ack. A response that never closes
   * (a connection lost behind another on it, a client that stops mid-body, a request never signed)
   * stops counting then, so that no one request holds every answer back to `maxWaitMs`.
   */
  constructor(
    private readonly lullMs: number,
    private readonly maxWaitMs: number,
    private readonly countedMs = 4000,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** HTTP mode: each request counts from its arrival until its response has gone. */
  watch(server: {
    prependListener(event: 'request', listener: (req: IncomingMessage, res: ServerResponse) => void): unknown;
  }): void {
    server.prependListener('request', (_req, res) => {
      this.arrived();
      this.unacked += 1;
      let counted = true;
      const done = () => {
        if (!counted) return;
        counted = false;
        clearTimeout(cap);
        this.unacked -= 1;
        if (this.unacked === 0) this.lastAcked();
      };
      const cap = setTimeout(done, this.countedMs);
      cap.unref();
      res.once('close', done);
    });
  }

  /**
   * A request arrived. Socket Mode tells only this (an envelope; its ack goes back on the same
   * socket), so there a lull is `lullMs` without an envelope.
   */
  arrived(): void {
    this.lastArrival = this.now();
  }

  /** Resolves at the next lull, or after `maxWaitMs`; rejects with the reason once stopped. */
  quiet(): Promise<void> {
    if (this.stopped) return Promise.reject(this.stopped);
    if (this.calm()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      this.waiting.add({ since: this.now(), resolve, reject });
      this.schedule();
    });
  }

  /** A stop: the work still waiting, and any asking later, is refused with `reason`. */
  stop(reason: Error): void {
    this.stopped = reason;
    clearTimeout(this.timer);
    this.timer = undefined;
    for (const waiter of this.waiting) waiter.reject(reason);
    this.waiting.clear();
  }

  private calm(): boolean {
    return this.unacked === 0 && this.now() - this.lastArrival >= this.lullMs;
  }

  /**
   * One timer for all waiters: at the oldest waiter's last moment, or sooner at the lull's end
   * when no request waits for its ack (the last ack's going reschedules it).
   */
  private schedule(): void {
    // Waiters are added as they come: the first in the set is the oldest.
    const oldest = this.waiting.values().next().value;
    if (this.timer || !oldest) return;
    const now = this.now();
    const deadline = oldest.since + this.maxWaitMs;
    const at = this.unacked > 0 ? deadline : Math.min(this.lastArrival + this.lullMs, deadline);
    this.timer = setTimeout(
      () => {
        this.timer = undefined;
        const calm = this.calm();
        const fired = this.now();
        for (const waiter of [...this.waiting]) {
          if (calm || fired - waiter.since >= this.maxWaitMs) {
            this.waiting.delete(waiter);
            waiter.resolve();
          }
        }
        this.schedule();
      },
      Math.max(0, at - now),
    );
    this.timer.unref();
  }

  /** The last request waiting for its ack has had it: the lull may begin. */
  private lastAcked(): void {
    if (this.waiting.size === 0) return;
    clearTimeout(this.timer);
    this.timer = undefined;
    this.schedule();
  }
}
