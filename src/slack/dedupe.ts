import type { Logger } from '../log.js';
import type { Store } from '../store/types.js';
import type { Clock } from '../time.js';

/**
 * Remembers what was already handled for a while, so that Slack's retries (`x-slack-retry-num`,
 * Socket Mode's `retry_attempt`) and double submissions never do the work twice.
 */
export class Dedupe {
  private readonly seen = new Map<string, number>();
  private sweepAt = SWEEP_AT;
  private readonly ttlMs: number;
  private readonly clock: Clock;
  private readonly shared: Store | undefined;
  private readonly logger: Logger | undefined;

  /**
   * `shared`: the store replicas share (issue 14 §2) — Slack sends a retry to any connection, so
   * a retry of what another replica handled is known through it.
   */
  constructor(ttlMs: number, clock: Clock, shared?: Store, logger?: Logger) {
    this.ttlMs = ttlMs;
    this.clock = clock;
    this.shared = shared?.shared ? shared : undefined;
    this.logger = logger;
  }

  /**
   * True the first time `key` is seen within the TTL, by this process and — with replicas — by any
   * of them; false for a repeat. A store that cannot answer leaves this process's own answer.
   */
  async first(key: string): Promise<boolean> {
    if (!this.firstHere(key)) return false;
    if (!this.shared) return true;
    try {
      return await this.shared.firstSeen(key, this.ttlMs, this.clock());
    } catch (error) {
      this.logger?.warn({ err: error, key }, 'could not ask the other replicas whether a request was seen');
      return true;
    }
  }

  private firstHere(key: string): boolean {
    const now = this.clock();
    if (this.seen.size > this.sweepAt) {
      for (const [k, at] of this.seen) if (now - at >= this.ttlMs) this.seen.delete(k);
      // Swept again only once the map has grown as much again: with more than 5000 keys within the
      // TTL (a busy half hour), sweeping at every request would read them all at every request.
      this.sweepAt = Math.max(SWEEP_AT, 2 * this.seen.size);
    }
    const at = this.seen.get(key);
    if (at !== undefined && now - at < this.ttlMs) return false;
    this.seen.set(key, now);
    return true;
  }
}

/** Keys held before the expired ones are first swept out. */
const SWEEP_AT = 5000;
