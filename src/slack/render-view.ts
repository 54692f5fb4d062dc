import type { LabopsError } from '../errors.js';
import { msg, type Text } from '../i18n/text.js';
import { localizeView, type Tone, type View, type ViewAction } from '../view.js';
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
  speaker,
  strong,
  textWithMentions,
  type Voice,
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
  /** A line on top of the answer (who shared it, the "/invite @labops" hint): labops's own mrkdwn. */
  note?: Text | undefined;
}

/** The lines each section keeps so that the whole view fits `maxLines`. */
function budgetLines(view: View<string>, maxLines: number | undefined): number[] {
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
export function renderView(source: View, voice: Voice, options: RenderViewOptions = {}): MessageContent {
  const say = speaker(voice);
  const view = localizeView(source, voice.locale, { timeZone: voice.timeZone });
  const more = (count: number) => say(msg('slack.view.more', { count }));
  const blocks: Block[] = [header(view.title)];
  if (options.note !== undefined) blocks.push(context([say(options.note)]));
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
    const left = s.lines.length - lines.length;
    if (s.code) {
      const heading = s.heading ? [paragraph(strong(s.heading))] : [];
      blocks.push(richText([...heading, preformatted(left ? [...lines, more(left)] : lines)]));
      return;
    }
    const heading = s.heading ? [strong(s.heading), ...(lines.length || left ? [lineBreak()] : [])] : [];
    const body = linesOf(lines);
    if (left) body.push(...(lines.length ? [lineBreak()] : []), italic(more(left)));
    blocks.push(richText([paragraph(...heading, ...body)]));
  });
  blocks.push(...renderViewActions(view.actions ?? [], voice));
  if (view.footer) blocks.push(plainContext([view.footer]));
  const state = view.state ? ` — ${view.state.text}` : '';
  return { text: fallback(`${view.title}${state}`), blocks: fitBlocks(blocks, voice.locale) };
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
function renderViewActions(viewActions: readonly ViewAction<string>[], voice: Voice): Block[] {
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
  if (typed.length)
    blocks.push(richText([paragraph(plain(`${speaker(voice)(msg('slack.view.type'))} `), ...typed)]));
  return blocks;
}

/** A refused or failed command: what went wrong, every detail, and how to fix it. */
export function renderErrorMessage(error: LabopsError, voice: Voice, note?: Text): MessageContent {
  const say = speaker(voice);
  const mark = error.code === 'USAGE' ? TONE_MARK.warn : TONE_MARK.bad;
  const blocks: Block[] = [];
  if (note !== undefined) blocks.push(context([say(note)]));
  const message = say(error.text);
  blocks.push(richText([paragraph(plain(`${mark} `), linesOf([message], { bold: true }))]));
  if (error.detailTexts.length)
    blocks.push(richText([list(error.detailTexts.map((d) => linesOf([say(d)])))]));
  if (error.hintText !== undefined)
    blocks.push(richText([paragraph(linesOf([say(error.hintText)], { italic: true }))]));
  // A refusal that names its fixes (a failed pre-check of /storage attach) offers them as buttons too.
  blocks.push(
    ...renderViewActions(
      error.actions.map((a) => ({ ...a, label: say(a.label) })),
      voice,
    ),
  );
  return { text: fallback(message), blocks: fitBlocks(blocks, voice.locale) };
}

/** A one-line answer (a refused click, a cancel) in its reader's language: principals it names are mentions. */
export function renderNotice(tone: Tone, text: Text, voice: Voice): MessageContent {
  const said = speaker(voice)(text);
  return {
    text: fallback(said),
    blocks: [richText([paragraph(plain(`${TONE_MARK[tone]} `), linesOf([said]))])],
  };
}
