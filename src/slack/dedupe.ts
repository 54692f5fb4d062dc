import type { Clock } from '../time.js';

/**
 * Remembers what was already handled for a while, so that Slack's retries (`x-slack-retry-num`,
 * Socket Mode's `retry_attempt`) and double submissions never do the work twice.
 */
export class Dedupe {
  private readonly seen = new Map<string, number>();
  private readonly ttlMs: number;
  private readonly clock: Clock;

  constructor(ttlMs: number, clock: Clock) {
    this.ttlMs = ttlMs;
    this.clock = clock;
  }

  /** True the first time `key` is seen within the TTL; false for a repeat. */
  first(key: string): boolean {
    const now = this.clock();
    if (this.seen.size > 5000) {
      for (const [k, at] of this.seen) if (now - at >= this.ttlMs) this.seen.delete(k);
    }
    const at = this.seen.get(key);
    if (at !== undefined && now - at < this.ttlMs) return false;
    this.seen.set(key, now);
    return true;
  }
}
