import { LabopsError } from '../errors.js';
import { msg, type Text, verbatim } from '../i18n/text.js';
import { type Clock, cancelledBy, realSleep, type Sleep, systemClock } from '../time.js';
import { isTransientFailure } from './faults.js';

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
  /** What is awaited, for messages: "host hyper1 to reach maintenance" (a function: read when needed). */
  description: Text | (() => Text);
  read: (signal: AbortSignal | undefined) => Promise<T>;
  isDone: (value: T) => boolean;
  /** A state the target will not leave by itself: the wait fails at once with this text. */
  failure?: (value: T) => Text | undefined;
  /**
   * The failure events the engine emitted since the wait began (§6.5), as their descriptions,
   * oldest first; any one fails the wait, and the message lists them all (read again one poll
   * interval after the first, as the engine may still be logging them).
   */
  failureEvents?: (signal: AbortSignal | undefined) => Promise<string | readonly string[] | undefined>;
  /** How the last seen value reads in a timeout message (an engine state, shown as is, or a message). */
  show?: (value: T) => Text;
}

export interface WaitRuntime {
  timing: WaitTiming;
  sleep?: Sleep;
  now?: Clock;
  signal?: AbortSignal | undefined;
  /** Called with each value read (or the engine being unreachable), for progress. */
  onPoll?: (seen: Text) => void;
}

/** Events listed in one message at most; the rest are counted. */
const MAX_EVENTS_SHOWN = 8;

/**
 * Polls until `isDone`. Only a failed state, a failure event, a refusal (4xx), a permanent failure
 * (faults.ts `markPermanent`: an untrusted certificate, an unresolvable name, JSON labops cannot
 * read), the deadline or a cancel end it: a blip of the engine (5xx, an HTML error page, a request
 * timeout, a dropped connection) is polled through until the wait's own deadline (issue 9 §4).
 */
export async function waitFor<T>(spec: WaitSpec<T>, runtime: WaitRuntime): Promise<T> {
  const sleep = runtime.sleep ?? realSleep;
  const now = runtime.now ?? systemClock;
  const { timing, signal } = runtime;
  const describe = () => (typeof spec.description === 'function' ? spec.description() : spec.description);
  const started = now();
  let interval = timing.intervalMs;
  let lastState: Text | undefined;
  let lastBlip: Text | undefined;
  const lastSeen = (): Text =>
    lastState === undefined
      ? (lastBlip ?? msg('engine.wait.nothingYet'))
      : lastBlip
        ? msg('engine.wait.stateThenBlip', { state: lastState, blip: lastBlip })
        : lastState;
  /** Rethrows what is not a blip; notes a blip and tells the caller. */
  const absorb = (error: unknown): void => {
    if (signal?.aborted) throw cancelledBy(signal);
    if (!isTransientFailure(error)) throw error;
    lastBlip = describeBlip(error);
    runtime.onPoll?.(msg('engine.wait.stillWaiting', { blip: lastBlip }));
  };
  /**
   * The engine logs a failure's events over more than one moment: a failed maintenance logs each
   * VM's 166 first and the host's 17 after them (issue 9 §5). One poll interval later the events are
   * read again, so the message lists them all; a failed re-read keeps the first list.
   */
  const readEventsOnceMore = async (first: readonly string[]): Promise<readonly string[]> => {
    await sleep(interval, signal);
    try {
      const again = toList(await spec.failureEvents?.(signal));
      return again.length >= first.length ? again : first;
    } catch {
      if (signal?.aborted) throw cancelledBy(signal);
      return first;
    }
  };
  for (;;) {
    let read: { value: T } | undefined;
    try {
      read = { value: await spec.read(signal) };
    } catch (error) {
      absorb(error);
    }
    if (read) {
      const { value } = read;
      lastBlip = undefined;
      lastState = spec.show ? spec.show(value) : verbatim(String(value));
      runtime.onPoll?.(lastState);
      if (spec.isDone(value)) return value;
      const failed = spec.failure?.(value);
      if (failed) {
        throw new LabopsError(
          'ENGINE_REJECTED',
          msg('engine.wait.stopped', { what: describe(), reason: failed }),
        );
      }
    }
    let events: readonly string[] = [];
    try {
      events = toList(await spec.failureEvents?.(signal));
    } catch (error) {
      absorb(error);
    }
    if (events.length > 0) {
      const all = await readEventsOnceMore(events);
      throw new LabopsError(
        'ENGINE_REJECTED',
        msg('engine.wait.stoppedByEvents', { what: describe(), events: formatEngineEvents(all) }),
        { hint: msg('engine.wait.lastSeen', { seen: lastSeen() }), details: all.map(verbatim) },
      );
    }
    const elapsed = now() - started;
    if (elapsed >= timing.deadlineMs) {
      throw new LabopsError(
        'TIMEOUT',
        msg('engine.wait.timedOut', {
          seconds: formatSeconds(elapsed),
          what: describe(),
          seen: lastSeen(),
        }),
        {
          hint:
            lastBlip === undefined ? msg('engine.wait.timedOutHint') : msg('engine.wait.timedOutBlipHint'),
        },
      );
    }
    await sleep(Math.min(interval, Math.max(0, timing.deadlineMs - elapsed)), signal);
    interval = Math.min(interval * timing.backoff, timing.maxIntervalMs);
  }
}

/**
 * `"A"; "B"; "C"` — the engine's event texts, deduplicated, in the order given (oldest first),
 * at most eight, the rest counted.
 */
export function formatEngineEvents(descriptions: readonly string[]): Text {
  const unique = [...new Set(descriptions.map((d) => d.trim()).filter((d) => d !== ''))];
  // The engine's own words, quoted and shown as they are.
  const shown = verbatim(
    unique
      .slice(0, MAX_EVENTS_SHOWN)
      .map((d) => `"${d}"`)
      .join('; '),
  );
  const more = unique.length - MAX_EVENTS_SHOWN;
  return more > 0 ? msg('engine.wait.eventsAndMore', { events: shown, more }) : shown;
}

function toList(found: string | readonly string[] | undefined): readonly string[] {
  if (found === undefined) return [];
  return typeof found === 'string' ? [found] : found;
}

/** What a blip looked like, for progress and the timeout message: "the engine answered 503". */
function describeBlip(error: LabopsError): Text {
  if (error.status !== undefined) return msg('engine.wait.blipStatus', { status: error.status });
  if (error.code === 'TIMEOUT') return msg('engine.wait.blipTimeout');
  return msg('engine.wait.blipUnreachable', { reason: error.text });
}

function formatSeconds(ms: number): string {
  return ms >= 10_000 ? String(Math.round(ms / 1000)) : (ms / 1000).toFixed(1);
}
