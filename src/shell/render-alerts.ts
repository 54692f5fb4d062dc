import { renderText } from '../i18n/render.js';
import type { Text } from '../i18n/text.js';
import { msg } from '../i18n/text.js';
import type { LabAlert } from '../jobs/alerts.js';
import type { LabEvent } from '../jobs/events.js';
import { describeAlert } from '../watch/view.js';
import { type Style, sanitizeForTerminal, type Voice } from './render.js';

type AlertEvent = Extract<LabEvent, { type: 'watch:alerts' | 'watch:job-alerts' }>;

/**
 * The lab's events as the shell prints them, as they come (issue 15 §1): each new alert with the
 * engine's words, doctor's finding and the fix to type; a job's events as lines of that job.
 */
export function renderAlerts(event: AlertEvent, style: Style, voice: Voice): string {
  const say = (text: Text) =>
    sanitizeForTerminal(renderText(voice.locale, text, { timeZone: voice.timeZone }));
  if (event.type === 'watch:job-alerts') {
    return [
      `  [${event.jobId}] ${say(msg('watch.job.heading'))}`,
      ...event.alerts.flatMap((alert) => renderAlert(alert, say, style, '    ')),
    ].join('\n');
  }
  return event.added
    .flatMap((alert) => {
      const [first = '', ...rest] = renderAlert(alert, say, style, '    ');
      return [
        style.tone('bad', say(msg('watch.shell.line', { lab: event.lab, text: { verbatim: first } }))),
        ...rest,
      ];
    })
    .join('\n');
}

function renderAlert(alert: LabAlert, say: (text: Text) => string, style: Style, indent: string): string[] {
  const section = describeAlert(alert);
  const action = alert.doctor?.action;
  return [
    section.heading === undefined ? '' : say(section.heading),
    ...section.lines.map((line) => `${indent}${say(line)}`),
    ...(action
      ? [style.tone('info', `${indent}→ ${say(action.label)}: ${action.command} ${action.text}`)]
      : []),
  ];
}
