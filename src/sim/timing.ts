import type { SimTiming } from './types.js';

/** ovirt-api.md §7: poll every 3 s, short waits 3 min, long waits 10 min (OST's values). */
const POLL_MS = 3000;
const SHORT_MS = 3 * 60_000;
const LONG_MS = 10 * 60_000;

/**
 * The poll interval and deadlines that match a time scale: the lab values × timeScale, with floors
 * so a tiny scale neither busy-loops (poll ≥ 5 ms) nor times out on a loaded machine (short ≥ 1 s,
 * long ≥ 3 s).
 */
export function deriveTiming(timeScale: number): SimTiming {
  return {
    pollIntervalMs: Math.max(5, Math.round(POLL_MS * timeScale)),
    shortDeadlineMs: Math.max(1000, Math.round(SHORT_MS * timeScale)),
    longDeadlineMs: Math.max(3000, Math.round(LONG_MS * timeScale)),
  };
}
