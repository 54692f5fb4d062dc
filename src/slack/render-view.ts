import { formatError, type LabopsError } from '../errors.js';
import type { Tone, View, ViewAction } from '../view.js';
import {
  actions,
  type Block,
  button,
  codeSection,
  context,
  fallback,
  fitBlocks,
  header,
  LIMITS,
  type MessageContent,
  section,
} from './blocks.js';
import { escapeText, truncate } from './mrkdwn.js';
import { ACTION } from './render-card.js';

/** A mark per tone, so the state reads at a glance on a phone (state first, design.md). */
export const TONE_MARK: Record<Tone, string> = { ok: '✅', warn: '⚠️', bad: '❌', info: 'ℹ️' };

export interface RenderViewOptions {
  /**
   * The most lines the answer may take (header, state, headings, lines, footer): status answers
   * are phone-sized (15 lines). Sections are cut from the end with a "… N more" line.
   */
  maxLines?: number | undefined;
  /** A line on top of the answer (the "share with --share" hint, the "/invite @labops" hint). */
  note?: string | undefined;
}

/** The lines each section keeps so that the whole view fits `maxLines`. */
function budgetLines(view: View, maxLines: number | undefined): number[] {
  const wanted = view.sections.map((s) => s.lines.length);
  if (maxLines === undefined) return wanted;
  const fixed =
    1 + (view.state ? 1 : 0) + (view.footer ? 1 : 0) + view.sections.filter((s) => s.heading).length;
  let room = Math.max(view.sections.length, maxLines - fixed);
  const kept = wanted.map(() => 0);
  // Round-robin so that every section shows its first lines before any shows its tenth.
  for (let round = 0; room > 0; round++) {
    let gave = false;
    for (let i = 0; i < wanted.length && room > 0; i++) {
      if ((wanted[i] ?? 0) > round) {
        kept[i] = round + 1;
        room--;
        gave = true;
      }
    }
    if (!gave) break;
  }
  // A cut section gives its last line to the "… N more" marker.
  return kept.map((k, i) => (k < (wanted[i] ?? 0) && k > 1 ? k - 1 : k));
}

/**
 * A command's view as Block Kit: the title as header, the state first (with its mark), then each
 * section; machine output in code blocks of lines of at most 60 characters. Text from the lab is
 * escaped, so nothing in an answer can ping a channel.
 */
export function renderView(view: View, options: RenderViewOptions = {}): MessageContent {
  const blocks: Block[] = [header(view.title)];
  if (options.note) blocks.push(context([options.note]));
  if (view.state) blocks.push(section(`${TONE_MARK[view.state.tone]} *${escapeText(view.state.text)}*`));
  const budget = budgetLines(view, options.maxLines);
  view.sections.forEach((s, i) => {
    const keep = budget[i] ?? s.lines.length;
    const lines = s.lines.slice(0, keep);
    const more = s.lines.length - lines.length;
    const heading = s.heading ? `*${escapeText(s.heading)}*\n` : '';
    if (s.code) {
      blocks.push(codeSection(heading, more ? [...lines, `… ${more} more`] : lines));
    } else {
      const body = lines.map((l) => escapeText(l));
      if (more) body.push(`_… ${more} more_`);
      blocks.push(section(`${heading}${body.join('\n') || ' '}`));
    }
  });
  blocks.push(...renderViewActions(view.actions ?? []));
  if (view.footer) blocks.push(context([escapeText(view.footer)]));
  const state = view.state ? ` — ${view.state.text}` : '';
  return { text: fallback(`${view.title}${state}`), blocks: fitBlocks(blocks) };
}

/** The value of a `view:run` button: the command and its text, as JSON. */
export function encodeViewAction(action: ViewAction): string {
  return JSON.stringify({ command: action.command, text: action.text });
}

/**
 * A view's actions as buttons that run the command as the clicker (listeners/view-run.ts), each in
 * its own actions block: Slack wants action ids unique within a block, and every one is `view:run`.
 * An action whose value would not fit a button (2000 characters) is shown as the line to type.
 */
function renderViewActions(viewActions: readonly ViewAction[]): Block[] {
  const blocks: Block[] = [];
  const typed: string[] = [];
  for (const action of viewActions) {
    const value = encodeViewAction(action);
    if (value.length > LIMITS.buttonValue) {
      typed.push(`${escapeText(action.label)}: \`${escapeText(`${action.command} ${action.text}`)}\``);
      continue;
    }
    blocks.push(actions([button({ actionId: ACTION.runView, text: action.label, value })]));
  }
  if (typed.length) blocks.push(context([truncate(`Type: ${typed.join(' · ')}`, LIMITS.sectionText)]));
  return blocks;
}

/** A refused or failed command: what went wrong, every detail, and how to fix it. */
export function renderErrorMessage(error: LabopsError, note?: string): MessageContent {
  const mark = error.code === 'USAGE' ? TONE_MARK.warn : TONE_MARK.bad;
  const blocks: Block[] = [];
  if (note) blocks.push(context([note]));
  blocks.push(section(`${mark} *${escapeText(error.message)}*`));
  if (error.details.length) {
    blocks.push(section(error.details.map((d) => `• ${escapeText(d)}`).join('\n')));
  }
  if (error.hint) blocks.push(section(`_${escapeText(truncate(error.hint, LIMITS.sectionText - 10))}_`));
  // A refusal that names its fixes (a failed pre-check of /storage attach) offers them as buttons too.
  blocks.push(...renderViewActions(error.actions));
  return { text: fallback(formatError(error).split('\n')[0] ?? error.message), blocks: fitBlocks(blocks) };
}

/** A one-line answer (a refused click, a cancel). */
export function renderNotice(tone: Tone, text: string): MessageContent {
  return { text: fallback(text), blocks: [section(`${TONE_MARK[tone]} ${escapeText(text)}`)] };
}
