import { parseQuietHours } from '../config/lab-schema.js';

const DAY_MINUTES = 24 * 60;

/** Minutes since midnight of `at` in `timeZone` (the machine's zone when unset). */
function readMinuteOfDay(at: number, timeZone: string | undefined): number {
  const parts = new Intl.DateTimeFormat('en-GB', {
    ...(timeZone ? { timeZone } : {}),
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(at);
  const hour = Number(parts.find((p) => p.type === 'hour')?.value ?? 0);
  const minute = Number(parts.find((p) => p.type === 'minute')?.value ?? 0);
  return hour * 60 + minute;
}

/**
 * When the quiet hours `at` falls in end (lab.yml `events.quiet_hours`, `22:00-07:00`, read in the
 * lab's time zone), or undefined when `at` is outside them (or there are none). A span past
 * midnight is one span: 23:30 and 06:59 are both in `22:00-07:00`.
 */
export function findQuietEnd(
  quietHours: string | undefined,
  timeZone: string | undefined,
  at: number,
): number | undefined {
  if (!quietHours) return undefined;
  const { start, end } = parseQuietHours(quietHours);
  const minute = readMinuteOfDay(at, timeZone);
  const inside = start < end ? minute >= start && minute < end : minute >= start || minute < end;
  if (!inside) return undefined;
  const left = (end - minute + DAY_MINUTES) % DAY_MINUTES;
  // From the start of the current minute: zones whose offset is whole minutes keep this exact.
  return at - (at % 60_000) + left * 60_000;
}
