/**
 * What a command shows, independent of where: the shell renders it as terminal text, the Slack
 * adapter as Block Kit. Commands build views; they never format for one adapter.
 */
export type Tone = 'ok' | 'warn' | 'bad' | 'info';

export interface ViewSection {
  heading?: string | undefined;
  lines: string[];
  /** Lines are machine output (commands, logs): shown verbatim in a code block. */
  code?: boolean | undefined;
}

/**
 * A command the person can run from the view with one click (a doctor's fix): in Slack a button
 * that runs it as the clicker — through policy and approval like any typed command — in the shell
 * the line to type.
 */
export interface ViewAction {
  label: string;
  /** `/storage` */
  command: string;
  /** `clean data` */
  text: string;
}

export interface View {
  title: string;
  /** A one-line state shown first (phones show the top of a message). */
  state?: { text: string; tone: Tone } | undefined;
  sections: ViewSection[];
  actions?: ViewAction[] | undefined;
  footer?: string | undefined;
}

export function section(lines: string[], heading?: string): ViewSection {
  return heading === undefined ? { lines } : { heading, lines };
}

const BYTE_UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];

/**
 * `3.2 GiB`, `512 MiB`: sizes as people read them. With `exact`, the size as written, in the
 * largest unit it is a whole number of (`1 GiB`, `1536 MiB`), for limits and thresholds.
 */
export function formatBytes(bytes: number | undefined, options: { exact?: boolean } = {}): string {
  if (bytes === undefined || !Number.isFinite(bytes)) return '?';
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < BYTE_UNITS.length - 1 && (!options.exact || value % 1024 === 0)) {
    value /= 1024;
    unit++;
  }
  if (options.exact) return `${value} ${BYTE_UNITS[unit]}`;
  return `${value >= 10 || unit === 0 ? Math.round(value) : value.toFixed(1)} ${BYTE_UNITS[unit]}`;
}

/** `1.4 s`, `2 min 5 s`. */
export function formatDuration(ms: number | undefined): string {
  if (ms === undefined) return '';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const minutes = Math.floor(ms / 60_000);
  const seconds = Math.round((ms % 60_000) / 1000);
  return `${minutes} min${seconds ? ` ${seconds} s` : ''}`;
}
