import { instant, msg, type Text, verbatim } from '../i18n/text.js';
import type { AlertDigest, LabAlert } from '../jobs/alerts.js';
import type { View, ViewAction, ViewSection } from '../view.js';

/** A message lists the fixes of its newest alerts, this many buttons at most. */
const MAX_ACTIONS = 5;

/** One alert as lines: what happened, the engine's own words, and doctor's finding with its fix. */
export function describeAlert(alert: LabAlert): ViewSection {
  const lines: Text[] = [];
  if (alert.engine) {
    lines.push(
      msg('watch.alert.engine', {
        description: verbatim(alert.engine.description),
        code: verbatim(String(alert.engine.code)),
        name: verbatim(alert.engine.name),
      }),
    );
  }
  if (alert.doctor)
    lines.push(msg('watch.alert.doctor', { title: alert.doctor.title }), ...alert.doctor.lines);
  return { heading: msg('watch.alert.line', { at: instant(alert.at), text: alert.text }), lines };
}

/**
 * A lab's channel message (issue 15 §1): how many events since when, what quiet hours held, the
 * newest alerts first (each with its engine event and doctor's finding), the older ones counted,
 * and the fixes doctor offers as buttons — each runs as the clicker, through approval.
 */
export function describeDigest(digest: AlertDigest, options: { lab?: string | undefined } = {}): View {
  const newest = [...digest.latest].reverse();
  const sections: ViewSection[] = [];
  if (digest.afterQuiet) {
    sections.push({ lines: [msg('watch.digest.afterQuiet', { hours: verbatim(digest.afterQuiet.hours) })] });
  }
  sections.push(...newest.map(describeAlert));
  const earlier = digest.total - digest.latest.length;
  if (earlier > 0) sections.push({ lines: [msg('watch.digest.more', { count: earlier })] });
  const actions: ViewAction[] = [];
  for (const alert of newest) {
    const action = alert.doctor?.action;
    if (!action || actions.some((a) => a.command === action.command && a.text === action.text)) continue;
    if (actions.length < MAX_ACTIONS) actions.push(action);
  }
  return {
    title: options.lab ? msg('watch.digest.titleLab', { lab: options.lab }) : msg('watch.digest.title'),
    state: {
      text: msg('watch.digest.state', { count: digest.total, start: instant(digest.startedAt) }),
      tone: 'bad',
    },
    sections,
    ...(actions.length ? { actions } : {}),
  };
}
