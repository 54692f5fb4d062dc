import { randomBytes } from 'node:crypto';
import type { types } from '@slack/bolt';
import type { Locale } from '../i18n/locale.js';
import { getMachineTimeZone, renderText } from '../i18n/render.js';
import {
  instant,
  list as listOf,
  msg,
  type Text,
  type TextList,
  type Verbatim,
  verbatim,
} from '../i18n/text.js';
import { revealUnsafeCharacters } from '../text.js';
import { escapeText, fitCodeLines, mentionPrincipal, truncate, truncateMrkdwn } from './mrkdwn.js';

export type Block = types.KnownBlock;
export type Button = types.Button;
/** A piece of a `rich_text` line: text, a mention, a date. */
export type Inline = types.RichTextElement;
/** A paragraph, list or preformatted part of a `rich_text` block. */
export type RichPart = types.RichTextBlockElement;

/**
 * Block Kit limits Slack enforces with `invalid_blocks` (slack-platform.md §5). Every renderer
 * builds within them; `fitBlocks` is the last guard before sending.
 */
export const LIMITS = {
  messageBlocks: 50,
  homeBlocks: 100,
  sectionText: 3000,
  headerText: 150,
  buttonValue: 2000,
  buttonText: 75,
  contextElements: 10,
  confirmTitle: 100,
  confirmText: 300,
  confirmButton: 30,
  /**
   * Text in one `rich_text` block. Slack documents no limit for it; labops keeps to the section's
   * 3000 characters, which also keeps a card readable on a phone.
   */
  richText: 3000,
  /** Top-level `text`: Slack truncates at 40,000; notifications want far less. */
  fallbackText: 3000,
} as const;

/** Whom a message speaks to: their language, and the lab's time zone for times of day. */
export interface Voice {
  locale: Locale;
  /** The lab's time zone (lab.yml `timezone`); the machine's when unset. */
  timeZone?: string | undefined;
}

/** Renders texts for one reader (issue 16 §2): in their language, times in the lab's zone. */
export function speaker(voice: Voice): (text: Text) => string {
  return (text) => renderText(voice.locale, text, { timeZone: voice.timeZone });
}

/** A time of day in the lab's zone, naming the zone: the fallback of a date token. */
export function labTime(voice: Voice, ms: number): string {
  return speaker(voice)(
    msg('slack.time.inZone', { time: instant(ms), zone: verbatim(voice.timeZone ?? getMachineTimeZone()) }),
  );
}

/** A message body: the notification text and the blocks. */
export interface MessageContent {
  text: string;
  blocks: Block[];
}

/**
 * A header. plain_text, so nothing in it is formatted or pings; `emoji: false` so a `:shortcode:`
 * typed into an argument stays text (the header's own marks are Unicode characters).
 */
export function header(text: string): Block {
  return {
    type: 'header',
    text: {
      type: 'plain_text',
      text: truncate(revealUnsafeCharacters(text), LIMITS.headerText),
      emoji: false,
    },
  };
}

/**
 * A section of mrkdwn written by labops: its own words, mentions and dates built from checked ids.
 * Never text from people or the lab (use `richText`), since mrkdwn cannot escape `*`, `_` or `~`.
 */
export function section(mrkdwn: string): Block {
  return { type: 'section', text: { type: 'mrkdwn', text: truncateMrkdwn(mrkdwn, LIMITS.sectionText) } };
}

/** Small grey lines of labops's own mrkdwn (see `section`). */
export function context(mrkdwnParts: readonly string[]): Block {
  return {
    type: 'context',
    elements: mrkdwnParts
      .slice(0, LIMITS.contextElements)
      .map((text) => ({ type: 'mrkdwn' as const, text: truncateMrkdwn(text, LIMITS.sectionText) })),
  };
}

/** Small grey lines of outside text (an end state, a footer), as plain_text: shown as written. */
export function plainContext(texts: readonly string[]): Block {
  return {
    type: 'context',
    elements: texts.slice(0, LIMITS.contextElements).map((text) => ({
      type: 'plain_text' as const,
      text: truncate(revealUnsafeCharacters(text), LIMITS.sectionText) || ' ',
      emoji: false,
    })),
  };
}

export function divider(): Block {
  return { type: 'divider' };
}

// ---------------------------------------------------------------------------------------------
// rich_text: where text from people and from the lab goes
// ---------------------------------------------------------------------------------------------

type TextStyle = NonNullable<types.RichTextText['style']>;

/**
 * Text as a rich_text element: shown exactly as written (no mrkdwn, no mention, no link), on one
 * line — new lines become spaces and invisible control or direction characters show as `[U+…]`.
 */
export function plain(text: string, style?: TextStyle): Inline {
  const clean = revealUnsafeCharacters(text);
  return style ? { type: 'text', text: clean, style } : { type: 'text', text: clean };
}

export function strong(text: string): Inline {
  return plain(text, { bold: true });
}

export function code(text: string): Inline {
  return plain(text, { code: true });
}

export function italic(text: string): Inline {
  return plain(text, { italic: true });
}

/** A line break inside a paragraph. */
export function lineBreak(): Inline {
  return { type: 'text', text: '\n' };
}

/** A principal: a mention for `slack:U…`/`slack:W…` and `slack:S…` (a user group), text otherwise. */
export function mention(principal: string): Inline {
  const match = /^slack:([UWS][A-Z0-9]{2,30})$/.exec(principal);
  if (!match?.[1]) return plain(principal);
  return match[1].startsWith('S')
    ? { type: 'usergroup', usergroup_id: match[1] }
    : { type: 'user', user_id: match[1] };
}

/**
 * A time each reader sees in their own zone; `fallback` (the time in the lab's zone) for clients
 * that cannot show dates.
 */
export function time(ms: number, fallback: string): Inline {
  return { type: 'date', timestamp: Math.floor(ms / 1000), format: '{time}', fallback };
}

const PRINCIPAL_IN_TEXT = /\bslack:[UWS][A-Z0-9]{2,30}\b/g;

/**
 * A message of labops's own (a refusal, a job's error, a view line) as text, with the principals
 * it names (`slack:UCAROL`) as mentions rather than raw ids (issue 10 §7).
 */
export function textWithMentions(text: string, style?: TextStyle): Inline[] {
  const out: Inline[] = [];
  let last = 0;
  for (const match of text.matchAll(PRINCIPAL_IN_TEXT)) {
    if (match.index > last) out.push(plain(text.slice(last, match.index), style));
    out.push(mention(match[0]));
    last = match.index + match[0].length;
  }
  if (last < text.length) out.push(plain(text.slice(last), style));
  return out;
}

/**
 * Marks where a message's argument is shown as an element (a mention, code, a date), with a nonce
 * of this process so that text from people or the lab cannot pass for one.
 */
const SLOT_NONCE = randomBytes(6).toString('hex');
const SLOT = new RegExp(`\uE000${SLOT_NONCE}:(\\d+)\uE001`, 'g');

/**
 * A message argument that `inlines` replaces with the element of the same index: the catalog
 * decides where, in each language, a mention or a piece of code goes in the sentence.
 */
export function slot(index: number): Verbatim {
  return verbatim(`\uE000${SLOT_NONCE}:${index}\uE001`);
}

/** Principals as a list argument of slots from `first` on, and the mentions to put in them. */
export function mentionSlots(
  principals: readonly string[],
  first = 0,
): { list: TextList; inlines: Inline[] } {
  return {
    list: listOf(principals.map((_, i) => slot(first + i))),
    inlines: principals.map(mention),
  };
}

/**
 * A rendered catalog text as rich_text elements: each slot becomes its element, the text between
 * them plain (principals it names as mentions), in `style` when given.
 */
export function inlines(rendered: string, elements: readonly Inline[], style?: TextStyle): Inline[] {
  const out: Inline[] = [];
  let last = 0;
  for (const match of rendered.matchAll(SLOT)) {
    if (match.index > last) out.push(...textWithMentions(rendered.slice(last, match.index), style));
    const element = elements[Number(match[1])];
    if (element) out.push(element);
    last = match.index + match[0].length;
  }
  if (last < rendered.length) out.push(...textWithMentions(rendered.slice(last), style));
  return out.filter((e) => e.type !== 'text' || e.text.length > 0);
}

/** A paragraph of a rich_text block. */
export function paragraph(...parts: (Inline | readonly Inline[])[]): RichPart {
  return { type: 'rich_text_section', elements: parts.flat() };
}

/** A bullet (or numbered) list; each item is one line of inlines. */
export function list(
  items: readonly (readonly Inline[])[],
  style: 'bullet' | 'ordered' = 'bullet',
): RichPart {
  return {
    type: 'rich_text_list',
    style,
    elements: items.map((item) => ({ type: 'rich_text_section', elements: [...item] })),
  };
}

/**
 * Machine output (commands, logs) as a preformatted part: lines of at most 60 characters, the
 * newest kept when they would not fit, the cut marked on the first line. Shown exactly as written.
 */
export function preformatted(lines: readonly string[], budget: number = LIMITS.richText): RichPart {
  let kept = fitCodeLines(lines);
  let text = kept.join('\n');
  while (text.length > budget && kept.length > 1) {
    kept = kept.slice(Math.max(1, Math.floor(kept.length / 8)));
    // The cut is marked as truncate marks one, in no language: `…` alone on the first line.
    text = ['…', ...kept].join('\n');
  }
  return {
    type: 'rich_text_preformatted',
    elements: [{ type: 'text', text: truncate(text || ' ', budget) }],
  };
}

/** How much text an element shows, for the block's budget. */
function sizeOf(element: Inline): number {
  if (element.type === 'text') return element.text.length;
  if (element.type === 'date') return 12;
  return 24;
}

/** The elements of a part cut to `room` characters: the last one kept is shortened and marked. */
function fitElements<T extends Inline>(elements: readonly T[], room: { left: number }): T[] {
  const out: T[] = [];
  for (const element of elements) {
    if (room.left <= 0) break;
    const size = sizeOf(element);
    if (size <= room.left) {
      out.push(element);
      room.left -= size;
      continue;
    }
    if (element.type === 'text' && room.left > 1)
      out.push({ ...element, text: truncate(element.text, room.left) });
    room.left = 0;
  }
  return out.filter((e) => e.type !== 'text' || e.text.length > 0);
}

/**
 * A rich_text block: text from people and from the lab shown exactly as written, with labops's own
 * bold or code styling around it. Cut to `LIMITS.richText` characters; empty parts are dropped
 * (Slack refuses empty text elements).
 */
export function richText(parts: readonly RichPart[]): Block {
  const room: { left: number } = { left: LIMITS.richText };
  const elements: RichPart[] = [];
  for (const part of parts) {
    if (room.left <= 0) break;
    if (part.type === 'rich_text_list') {
      const items = part.elements
        .map((item) => ({ ...item, elements: fitElements(item.elements, room) }))
        .filter((item) => item.elements.length > 0);
      if (items.length) elements.push({ ...part, elements: items });
    } else if (part.type === 'rich_text_preformatted') {
      const [first] = part.elements;
      const text = first?.type === 'text' ? first.text : '';
      if (text.length > room.left) {
        elements.push(preformatted(text.split('\n'), room.left));
        room.left = 0;
      } else {
        elements.push(part);
        room.left -= text.length;
      }
    } else {
      const kept = fitElements(part.elements, room);
      if (kept.length) elements.push({ ...part, elements: kept } as RichPart);
    }
  }
  if (!elements.length) elements.push(paragraph(plain(' ')));
  return { type: 'rich_text', elements };
}

// ---------------------------------------------------------------------------------------------
// Buttons
// ---------------------------------------------------------------------------------------------

export interface ButtonSpec {
  actionId: string;
  text: string;
  value: string;
  style?: 'primary' | 'danger' | undefined;
  /**
   * A confirm dialog: UI only, every click is checked on the server (design.md, Approvals). Its
   * text is plain_text, shown as written: it may carry a plan's summary.
   */
  confirm?: { title: string; text: string; confirm: string; deny: string } | undefined;
}

export function button(spec: ButtonSpec): Button {
  const plainText = (text: string, max: number) => ({
    type: 'plain_text' as const,
    text: truncate(revealUnsafeCharacters(text), max),
    emoji: false,
  });
  return {
    type: 'button',
    action_id: spec.actionId,
    text: plainText(spec.text, LIMITS.buttonText),
    value: truncate(spec.value, LIMITS.buttonValue),
    ...(spec.style ? { style: spec.style } : {}),
    ...(spec.confirm
      ? {
          confirm: {
            title: plainText(spec.confirm.title, LIMITS.confirmTitle),
            text: plainText(spec.confirm.text, LIMITS.confirmText),
            confirm: plainText(spec.confirm.confirm, LIMITS.confirmButton),
            deny: plainText(spec.confirm.deny, LIMITS.confirmButton),
            ...(spec.style === 'danger' ? { style: 'danger' as const } : { style: 'primary' as const }),
          },
        }
      : {}),
  };
}

export function actions(buttons: readonly Button[]): Block {
  return { type: 'actions', elements: [...buttons] };
}

/**
 * Keeps a message within the block count: the last blocks (actions) are kept, the middle is cut
 * and replaced by a note. Renderers stay well inside; this only guards hostile input.
 */
export function fitBlocks(
  blocks: readonly Block[],
  locale: Locale,
  max: number = LIMITS.messageBlocks,
): Block[] {
  if (blocks.length <= max) return [...blocks];
  const tail = blocks.at(-1)?.type === 'actions' ? 1 : 0;
  const keep = max - 1 - tail;
  const note = msg('slack.blocks.partsLeftOut', { count: blocks.length - keep - tail, max });
  return [
    ...blocks.slice(0, keep),
    context([renderText(locale, note)]),
    ...blocks.slice(blocks.length - tail),
  ];
}

/**
 * The notification text: plain, escaped, one line, short, the cut never inside an entity; the
 * principals it names (`slack:UCAROL`) as mentions, like the blocks.
 */
export function fallback(text: string, max: number = LIMITS.fallbackText): string {
  const escaped = escapeText(revealUnsafeCharacters(text)).replace(PRINCIPAL_IN_TEXT, (p) =>
    mentionPrincipal(p),
  );
  return truncateMrkdwn(escaped, max);
}
