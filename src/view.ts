import type { Locale } from './i18n/locale.js';
import { type RenderOptions, renderText } from './i18n/render.js';
import type { Text } from './i18n/text.js';

/**
 * What a command shows, independent of where: the shell renders it as terminal text, the Slack
 * adapter as Block Kit. Commands build views; they never format for one adapter.
 */
export type Tone = 'ok' | 'warn' | 'bad' | 'info';

export interface ViewSection<T = Text> {
  heading?: T | undefined;
  lines: T[];
  /** Lines are machine output (commands, logs): shown verbatim in a code block. */
  code?: boolean | undefined;
}

/**
 * A command the person can run from the view with one click (a doctor's fix): in Slack a button
 * that runs it as the clicker — through policy and approval like any typed command — in the shell
 * the line to type.
 */
export interface ViewAction<T = Text> {
  label: T;
  /** `/storage` */
  command: string;
  /** `clean data` */
  text: string;
}

/** Every text of a view is in the catalog (issue 16): the adapter renders it in its reader's language. */
export interface View<T = Text> {
  title: T;
  /** A one-line state shown first (phones show the top of a message). */
  state?: { text: T; tone: Tone } | undefined;
  sections: ViewSection<T>[];
  actions?: ViewAction<T>[] | undefined;
  footer?: T | undefined;
}

/** A view with every text rendered in `locale`, for an adapter to lay out. */
export function localizeView(view: View, locale: Locale, options: RenderOptions = {}): View<string> {
  const say = (text: Text) => renderText(locale, text, options);
  return {
    title: say(view.title),
    ...(view.state ? { state: { text: say(view.state.text), tone: view.state.tone } } : {}),
    sections: view.sections.map((s) => ({
      ...(s.heading === undefined ? {} : { heading: say(s.heading) }),
      lines: s.lines.map(say),
      ...(s.code ? { code: true } : {}),
    })),
    ...(view.actions ? { actions: view.actions.map((a) => ({ ...a, label: say(a.label) })) } : {}),
    ...(view.footer === undefined ? {} : { footer: say(view.footer) }),
  };
}

export function section(lines: Text[], heading?: Text): ViewSection {
  return heading === undefined ? { lines } : { heading, lines };
}
