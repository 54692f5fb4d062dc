import { renderText } from '../i18n/render.js';
import type { LabEvent } from '../jobs/events.js';
import { renderCard, type Style, sanitizeForTerminal, type Voice } from './render.js';

type ScheduleNotice = Extract<LabEvent, { type: 'schedule:notice' }>;

/**
 * Scheduled work speaking on its own (issue 15 §4), as the shell prints it: the notice, its lines
 * (what a scheduled doctor found changed), and the new card when a run asks again.
 */
export function renderScheduleNotice(
  event: ScheduleNotice,
  now: number,
  style: Style,
  voice: Voice,
  /** The schedule's lab, named among several. */
  lab?: string,
): string {
  const say = (text: Parameters<typeof renderText>[1]) =>
    sanitizeForTerminal(renderText(voice.locale, text, { timeZone: voice.timeZone }));
  const head = `${lab === undefined ? '' : `[${lab}] `}${say(event.text)}`;
  const lines = [style.tone(event.card ? 'warn' : 'info', head), ...event.lines.map((l) => `  ${say(l)}`)];
  if (event.card) lines.push(renderCard(event.card, now, style, voice, lab));
  return lines.join('\n');
}
