import { renderEnglish } from '../i18n/render.js';
import { isMessage, isText, type Text } from '../i18n/text.js';
import type { AlertFinding, LabAlert } from '../jobs/alerts.js';
import type { View } from '../view.js';

/**
 * `/lab doctor`'s finding about an alert's subject: the finding (a section of the doctor's view)
 * that names it, and the fix among the view's buttons that the finding's lines name, or that acts
 * on the subject. Undefined when doctor found nothing about it.
 */
export function findDoctorFinding(view: View, alert: LabAlert): AlertFinding | undefined {
  const name = alert.subject.name;
  const names = (text: Text) => containsWord(renderEnglish(text), name);
  // The finding whose heading names it, else one whose lines do (the domains an export's fix re-activates).
  const section =
    view.sections.find((s) => s.heading !== undefined && names(s.heading)) ??
    view.sections.find((s) => s.heading !== undefined && s.lines.some(names));
  if (!section?.heading) return undefined;
  const lines = section.lines.map(renderEnglish);
  const action =
    (view.actions ?? []).find((a) => lines.some((line) => line.includes(`${a.command} ${a.text}`))) ??
    (view.actions ?? []).find((a) => a.text.split(/\s+/).includes(name));
  return { title: findingTitle(section.heading), lines: section.lines, ...(action ? { action } : {}) };
}

/** The finding's title without doctor's numbering (`1. hyper1 is non_responsive`). */
function findingTitle(heading: Text): Text {
  const title =
    isMessage(heading) && heading.key === 'doctor.finding.heading' ? heading.params?.title : undefined;
  return isText(title) ? title : heading;
}

function containsWord(text: string, word: string): boolean {
  const escaped = word.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`(^|[^\\w-])${escaped}($|[^\\w-])`).test(text);
}
