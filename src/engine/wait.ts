import { LabopsError } from '../errors.js';
import { type Clock, realSleep, type Sleep, systemClock } from '../time.js';

/**
 * How one wait polls (ovirt-api.md §7: ansible and OST poll every 3 s, give up after 3 min for
 * most objects and 10 min for hosts). Injected per wait, so tests and the simulator's speed factor
 * decide the pace, never a wall-clock constant.
 */
export interface WaitTiming {
  intervalMs: number;
  /** Each poll's interval is multiplied by this, up to `maxIntervalMs`. 1 = fixed interval. */
  backoff: number;
  maxIntervalMs: number;
  deadlineMs: number;
}

export const DEFAULT_WAIT: WaitTiming = {
  intervalMs: 3000,
  backoff: 1,
  maxIntervalMs: 3000,
  deadlineMs: 180_000,
};
export const DEFAULT_LONG_WAIT: WaitTiming = { ...DEFAULT_WAIT, deadlineMs: 600_000 };

export interface WaitSpec<T> {
  /** What is awaited, for messages: "host hyper1 to reach maintenance". */
  description: string;
  read: (signal: AbortSignal | undefined) => Promise<T>;
  isDone: (value: T) => boolean;
  /** A state the target will not leave by itself: the wait fails at once with this text. */
  failure?: (value: T) => string | undefined;
  /** Reports failure events the engine emitted since the wait began (§6.5); the first one fails the wait. */
  failureEvents?: (signal: AbortSignal | undefined) => Promise<string | undefined>;
  /** How the last seen value reads in a timeout message. */
  show?: (value: T) => string;
}

export interface WaitRuntime {
  timing: WaitTiming;
  sleep?: Sleep;
  now?: Clock;
  signal?: AbortSignal | undefined;
  /** Called with each value read, for progress. */
  onPoll?: (seen: string) => void;
}

/** Polls until `isDone`, failing on a failed state, a failure event, the deadline or cancel. */
export async function waitFor<T>(spec: WaitSpec<T>, runtime: WaitRuntime): Promise<T> {
  const sleep = runtime.sleep ?? realSleep;
  const now = runtime.now ?? systemClock;
  const { timing, signal } = runtime;
  const started = now();
  let interval = timing.intervalMs;
  let lastSeen = 'nothing yet';
  for (;;) {
    const value = await spec.read(signal);
    lastSeen = spec.show ? spec.show(value) : String(value);
    runtime.onPoll?.(lastSeen);
    if (spec.isDone(value)) return value;
    const failed = spec.failure?.(value);
    if (failed) {
      throw new LabopsError('ENGINE_REJECTED', `Stopped waiting for ${spec.description}: ${failed}`);
    }
    const event = await spec.failureEvents?.(signal);
    if (event) {
      throw new LabopsError(
        'ENGINE_REJECTED',
        `Stopped waiting for ${spec.description}: the engine reported "${event}"`,
        {
          hint: `Last seen: ${lastSeen}.`,
        },
      );
    }
    const elapsed = now() - started;
    if (elapsed >= timing.deadlineMs) {
      throw new LabopsError(
        'TIMEOUT',
        `Timed out after ${formatSeconds(elapsed)} waiting for ${spec.description} (last seen: ${lastSeen}).`,
        { hint: 'The engine may still finish; check its events, then run the command again.' },
      );
    }
    await sleep(Math.min(interval, Math.max(0, timing.deadlineMs - elapsed)), signal);
    interval = Math.min(interval * timing.backoff, timing.maxIntervalMs);
  }
}

function formatSeconds(ms: number): string {
  return ms >= 10_000 ? `${Math.round(ms / 1000)} s` : `${(ms / 1000).toFixed(1)} s`;
}
