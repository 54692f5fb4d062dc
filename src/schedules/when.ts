import { flag } from '../args.js';
import { LabopsError } from '../errors.js';
import { msg, type Text, verbatim } from '../i18n/text.js';
import { textArg } from '../text.js';

/**
 * When scheduled work runs (issue 15 §4): `--at` and `--every` read in the lab's time zone (lab.yml
 * `timezone`, the machine's when unset). Pure: the clock and the zone are given.
 *
 * `--at`: `HH:MM` (24-hour, today in the lab's zone) or `YYYY-MM-DDTHH:MM` (another day). A time
 * already past is refused — `18:00` at 19:00 is not moved to tomorrow, the day must be given.
 * `--every`: a whole number and a unit, `m`, `h` or `d` (`30m`, `1h`, `1d`), from 15 minutes to 30
 * days. With `--every` alone the first run is one interval from when the card is approved.
 */

export const MIN_EVERY_MS = 15 * 60_000;
export const MAX_EVERY_MS = 30 * 24 * 3_600_000;

const UNIT_MS: Readonly<Record<string, number>> = { m: 60_000, h: 3_600_000, d: 24 * 3_600_000 };

/** The fields of a wall-clock time in a zone. */
interface WallTime {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
}

const partsFormatters = new Map<string, Intl.DateTimeFormat>();

/** `epoch` as the wall clock of `timeZone` shows it. */
export function toWallTime(epoch: number, timeZone: string): WallTime {
  let format = partsFormatters.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    partsFormatters.set(timeZone, format);
  }
  const parts = format.formatToParts(epoch);
  const get = (type: Intl.DateTimeFormatPartTypes) => Number(parts.find((p) => p.type === type)?.value);
  return {
    year: get('year'),
    month: get('month'),
    day: get('day'),
    hour: get('hour'),
    minute: get('minute'),
  };
}

/** How far `timeZone`'s wall clock is ahead of UTC at `epoch`, in ms. */
function offsetAt(epoch: number, timeZone: string): number {
  const w = toWallTime(epoch, timeZone);
  const seconds = Math.floor(epoch / 1000) % 60;
  return Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, seconds) - Math.floor(epoch / 1000) * 1000;
}

/**
 * The instant `wall` names in `timeZone`. A time the clocks skip (the spring-forward hour) comes
 * out an hour later, as a wall clock that jumped would show it.
 */
export function fromWallTime(wall: WallTime, timeZone: string): number {
  const guess = Date.UTC(wall.year, wall.month - 1, wall.day, wall.hour, wall.minute);
  const first = guess - offsetAt(guess, timeZone);
  return guess - offsetAt(first, timeZone);
}

/** `2026-12-05 18:00 Asia/Seoul`: an instant as the lab's clock shows it, with the zone named. */
export function describeWhen(epoch: number, timeZone: string): Text {
  const w = toWallTime(epoch, timeZone);
  const two = (n: number) => String(n).padStart(2, '0');
  return verbatim(`${w.year}-${two(w.month)}-${two(w.day)} ${two(w.hour)}:${two(w.minute)} ${timeZone}`);
}

/** `1h`, `30m`, `2d`: an interval as `--every` takes it. */
export function describeEvery(ms: number): Text {
  for (const unit of ['d', 'h', 'm'] as const) {
    if (ms % UNIT_MS[unit]! === 0) return verbatim(`${ms / UNIT_MS[unit]!}${unit}`);
  }
  return verbatim(`${Math.round(ms / 60_000)}m`);
}

const TIME_OF_DAY = /^([01]?\d|2[0-3]):([0-5]\d)$/;
const DAY_AND_TIME = /^(\d{4})-(\d{2})-(\d{2})[T ]([01]?\d|2[0-3]):([0-5]\d)$/;

/**
 * The instant `--at` names, after `now`, in `timeZone`.
 *
 * @throws LabopsError `USAGE` for a form labops does not read, or a time already past.
 */
export function parseAt(typed: string, now: number, timeZone: string): number {
  const text = typed.trim();
  const today = toWallTime(now, timeZone);
  let wall: WallTime | undefined;
  const time = TIME_OF_DAY.exec(text);
  const day = DAY_AND_TIME.exec(text);
  if (time) {
    wall = { ...today, hour: Number(time[1]), minute: Number(time[2]) };
  } else if (day) {
    wall = {
      year: Number(day[1]),
      month: Number(day[2]),
      day: Number(day[3]),
      hour: Number(day[4]),
      minute: Number(day[5]),
    };
    // `2026-02-30` would roll into March: a day that does not exist is not read.
    const check = new Date(Date.UTC(wall.year, wall.month - 1, wall.day));
    if (check.getUTCMonth() !== wall.month - 1 || check.getUTCDate() !== wall.day) wall = undefined;
  }
  const tomorrow = toWallTime(now + 24 * 3_600_000, timeZone);
  const two = (n: number) => String(n).padStart(2, '0');
  const dayExample = verbatim(`--at ${tomorrow.year}-${two(tomorrow.month)}-${two(tomorrow.day)}T18:00`);
  if (!wall) {
    throw new LabopsError('USAGE', msg('schedule.at.form', { typed: verbatim(text) }), {
      hint: msg('schedule.at.formHint', {
        zone: verbatim(timeZone),
        example: verbatim('--at 18:00'),
        dayExample,
      }),
    });
  }
  const at = fromWallTime(wall, timeZone);
  if (at <= now) {
    throw new LabopsError(
      'USAGE',
      msg('schedule.at.past', { when: describeWhen(at, timeZone), zone: verbatim(timeZone) }),
      { hint: msg('schedule.at.pastHint', { example: dayExample }) },
    );
  }
  return at;
}

/**
 * The interval `--every` names, in ms.
 *
 * @throws LabopsError `USAGE` for a form labops does not read, or an interval out of 15m–30d.
 */
export function parseEvery(typed: string): number {
  const text = typed.trim().toLowerCase();
  const found = /^(\d{1,6})\s*(m|min|h|d)$/.exec(text);
  if (!found) {
    throw new LabopsError('USAGE', msg('schedule.every.form', { typed: verbatim(typed.trim()) }), {
      hint: msg('schedule.every.formHint', { example: verbatim('--every 1h') }),
    });
  }
  const unit = found[2] === 'min' ? 'm' : found[2]!;
  const ms = Number(found[1]) * UNIT_MS[unit]!;
  const limits = {
    minimum: describeEvery(MIN_EVERY_MS),
    maximum: describeEvery(MAX_EVERY_MS),
    example: verbatim('--every 1h'),
  };
  if (ms < MIN_EVERY_MS) {
    throw new LabopsError('USAGE', msg('schedule.every.floor', { typed: verbatim(text), ...limits }), {
      hint: msg('schedule.every.limitHint', limits),
    });
  }
  if (ms > MAX_EVERY_MS) {
    throw new LabopsError('USAGE', msg('schedule.every.ceiling', { typed: verbatim(text), ...limits }), {
      hint: msg('schedule.every.limitHint', limits),
    });
  }
  return ms;
}

/** The first run after `due` that is still to come at `now`: `due` itself when it is. */
export function nextAfter(due: number, everyMs: number, now: number): number {
  if (due > now) return due;
  return due + (Math.floor((now - due) / everyMs) + 1) * everyMs;
}

/** `--at TIME` and `--every INTERVAL`, for the commands that may be scheduled (`/lab reset`, `/lab doctor`). */
export const scheduleArgs = {
  at: flag(textArg().optional(), msg('schedule.atFlag'), { valueName: 'TIME' }),
  every: flag(textArg().optional(), msg('schedule.everyFlag'), { valueName: 'INTERVAL' }),
};
