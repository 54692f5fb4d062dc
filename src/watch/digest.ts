import { parseQuietHours } from '../config/lab-schema.js';
import type { AlertDigest, LabAlert } from '../jobs/alerts.js';

/** A storm within this long of a message's first alert edits that message rather than posting another. */
export const DIGEST_WINDOW_MS = 5 * 60_000;
/** How many alerts a message lists; the rest are counted. */
export const DIGEST_LATEST = 10;
/** How many of the newest alerts the store keeps for App Home. */
export const RECENT_KEPT = 10;
/** How many alerts quiet hours hold in full; older ones held are counted only. */
export const HELD_KEPT = 100;

/** What a lab's channel has been told, and what waits for quiet hours to end (kept in the store). */
export interface ChannelState {
  digest?: AlertDigest | undefined;
  held: LabAlert[];
  /** Alerts held, including those no longer kept in `held`. */
  heldTotal: number;
  /** The newest alerts, oldest first, for App Home. */
  recent: LabAlert[];
}

export const EMPTY_CHANNEL: ChannelState = { held: [], heldTotal: 0, recent: [] };

/** What to show after a poll: the message as it stands now, and what this poll added to it. */
export interface DigestUpdate {
  digest: AlertDigest;
  added: LabAlert[];
}

/**
 * Whether `at` falls in `hours` (`22:00-07:00`, the end may be past midnight) in `timeZone` (the
 * machine's zone when undefined).
 */
export function isQuietAt(at: number, hours: string | undefined, timeZone: string | undefined): boolean {
  if (!hours) return false;
  const { start, end } = parseQuietHours(hours);
  const parts = new Intl.DateTimeFormat('en-GB', {
    timeZone,
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(new Date(at));
  const hour = Number(parts.find((p) => p.type === 'hour')?.value ?? 0);
  const minute = Number(parts.find((p) => p.type === 'minute')?.value ?? 0);
  const now = hour * 60 + minute;
  return start < end ? now >= start && now < end : now >= start || now < end;
}

/**
 * Adds a poll's alerts to the lab's channel state. During quiet hours they are held; the first
 * poll after them posts everything held as one new message. Otherwise alerts join the current
 * message while it is younger than DIGEST_WINDOW_MS, else start a new one. Pure: the watcher
 * commits the state, then shows the update.
 */
export function addToChannel(
  state: ChannelState,
  alerts: readonly LabAlert[],
  at: number,
  quiet: { now: boolean; hours?: string | undefined },
): { state: ChannelState; update?: DigestUpdate | undefined } {
  if (quiet.now) {
    if (!alerts.length) return { state };
    return {
      state: {
        ...state,
        held: [...state.held, ...alerts].slice(-HELD_KEPT),
        heldTotal: state.heldTotal + alerts.length,
      },
    };
  }
  const released = state.heldTotal > 0;
  const incoming = [...state.held, ...alerts];
  if (!incoming.length) return { state };
  const count = state.heldTotal + alerts.length;
  const recent = [...state.recent, ...incoming].slice(-RECENT_KEPT);
  const current = state.digest;
  const joins =
    !released &&
    current !== undefined &&
    current.afterQuiet === undefined &&
    at - current.startedAt < DIGEST_WINDOW_MS;
  const digest: AlertDigest = joins
    ? {
        ...current,
        updatedAt: at,
        total: current.total + count,
        latest: [...current.latest, ...incoming].slice(-DIGEST_LATEST),
      }
    : {
        seq: (current?.seq ?? 0) + 1,
        startedAt: at,
        updatedAt: at,
        total: count,
        latest: incoming.slice(-DIGEST_LATEST),
        ...(released && quiet.hours ? { afterQuiet: { hours: quiet.hours } } : {}),
      };
  return {
    state: { digest, held: [], heldTotal: 0, recent },
    update: { digest, added: incoming },
  };
}
