import type { LabopsError } from '../errors.js';
import type { Locale } from '../i18n/locale.js';
import { type Displayable, renderText } from '../i18n/render.js';
import type { Tone, View, ViewAction } from '../view.js';
import {
  actions,
  type Block,
  button,
  code,
  context,
  fallback,
  fitBlocks,
  header,
  type Inline,
  italic,
  LIMITS,
  lineBreak,
  list,
  type MessageContent,
  paragraph,
  plain,
  plainContext,
  preformatted,
  richText,
  strong,
  textWithMentions,
} from './blocks.js';
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
 * Lines of labops's own text that may carry names from people and the lab, for a rich_text
 * paragraph: each line kept, principals as mentions.
 */
function linesOf(lines: readonly string[], style?: Parameters<typeof plain>[1]): Inline[] {
  return lines.flatMap((line, i) => [
    ...(i > 0 ? [lineBreak()] : []),
    ...line
      .split(/\r?\n/)
      .flatMap((part, j) => [...(j > 0 ? [lineBreak()] : []), ...textWithMentions(part, style)]),
  ]);
}

/**
 * A command's view as Block Kit: the title as header, the state first (with its mark), then each
 * section; machine output as preformatted lines of at most 60 characters. A view's lines mix
 * labops's words with names from people and the lab, so they are rich_text, never mrkdwn: what
 * the lab calls `*APPROVED*` shows as those characters, and nothing in an answer can ping a channel.
 */
export function renderView(view: View<string>, options: RenderViewOptions = {}): MessageContent {
  const blocks: Block[] = [header(view.title)];
  if (options.note) blocks.push(context([options.note]));
  if (view.state)
    blocks.push(
      richText([
        paragraph(plain(`${TONE_MARK[view.state.tone]} `), linesOf([view.state.text], { bold: true })),
      ]),
    );
  const budget = budgetLines(view, options.maxLines);
  view.sections.forEach((s, i) => {
    const keep = budget[i] ?? s.lines.length;
    const lines = s.lines.slice(0, keep);
    const more = s.lines.length - lines.length;
    if (s.code) {
      const heading = s.heading ? [paragraph(strong(s.heading))] : [];
      blocks.push(richText([...heading, preformatted(more ? [...lines, `… ${more} more`] : lines)]));
      return;
    }
    const heading = s.heading ? [strong(s.heading), ...(lines.length || more ? [lineBreak()] : [])] : [];
    const body = linesOf(lines);
    if (more) body.push(...(lines.length ? [lineBreak()] : []), italic(`… ${more} more`));
    blocks.push(richText([paragraph(...heading, ...body)]));
  });
  blocks.push(...renderViewActions(view.actions ?? []));
  if (view.footer) blocks.push(plainContext([view.footer]));
  const state = view.state ? ` — ${view.state.text}` : '';
  return { text: fallback(`${view.title}${state}`), blocks: fitBlocks(blocks) };
}

/** The value of a `view:run` button: the command and its text, as JSON. */
export function encodeViewAction(action: Pick<ViewAction, 'command' | 'text'>): string {
  return JSON.stringify({ command: action.command, text: action.text });
}

/**
 * A view's actions as buttons that run the command as the clicker (listeners/view-run.ts), each in
 * its own actions block: Slack wants action ids unique within a block, and every one is `view:run`.
 * An action whose value would not fit a button (2000 characters) is shown as the line to type.
 */
function renderViewActions(viewActions: readonly ViewAction<string>[]): Block[] {
  const blocks: Block[] = [];
  const typed: Inline[] = [];
  for (const action of viewActions) {
    const value = encodeViewAction(action);
    if (value.length > LIMITS.buttonValue) {
      if (typed.length) typed.push(plain(' · '));
      typed.push(plain(`${action.label}: `), code(`${action.command} ${action.text}`));
      continue;
    }
    blocks.push(actions([button({ actionId: ACTION.runView, text: action.label, value })]));
  }
  if (typed.length) blocks.push(richText([paragraph(plain('Type: '), ...typed)]));
  return blocks;
}

/** A refused or failed command: what went wrong, every detail, and how to fix it. */
export function renderErrorMessage(error: LabopsError, locale: Locale, note?: string): MessageContent {
  const say = (text: Displayable) => renderText(locale, text);
  const mark = error.code === 'USAGE' ? TONE_MARK.warn : TONE_MARK.bad;
  const blocks: Block[] = [];
  if (note) blocks.push(context([note]));
  const message = say(error.text);
  blocks.push(richText([paragraph(plain(`${mark} `), linesOf([message], { bold: true }))]));
  if (error.detailTexts.length)
    blocks.push(richText([list(error.detailTexts.map((d) => linesOf([say(d)])))]));
  if (error.hintText !== undefined)
    blocks.push(richText([paragraph(linesOf([say(error.hintText)], { italic: true }))]));
  // A refusal that names its fixes (a failed pre-check of /storage attach) offers them as buttons too.
  blocks.push(...renderViewActions(error.actions.map((a) => ({ ...a, label: say(a.label) }))));
  return { text: fallback(message), blocks: fitBlocks(blocks) };
}

/** A one-line answer (a refused click, a cancel): principals it names are mentions. */
export function renderNotice(tone: Tone, text: string): MessageContent {
  return {
    text: fallback(text),
    blocks: [richText([paragraph(plain(`${TONE_MARK[tone]} `), linesOf([text]))])],
  };
}
