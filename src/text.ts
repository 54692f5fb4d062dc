import { z } from 'zod';
import { renderEnglish } from './i18n/render.js';
import { type Message, msg, type Text, verbatim } from './i18n/text.js';

/*
 * Free text in arguments (a reason, a name, a URL, a path) ends up on approval cards, in the
 * terminal and in the audit trail. A character that starts a new line, drives a terminal or turns
 * the reading direction around lets that text pass for something labops wrote (issue 10 §6), so
 * every free-text argument is checked here, by the one schema every command builds on: `textArg`.
 */

/** Names of the refused characters that are not C0/C1 controls. */
const NAMED: ReadonlyMap<number, Message> = new Map<number, Message>([
  [0x09, msg('pipeline.char.tab')],
  [0x0a, msg('pipeline.char.lineFeed')],
  [0x0b, msg('pipeline.char.verticalTab')],
  [0x0c, msg('pipeline.char.formFeed')],
  [0x0d, msg('pipeline.char.carriageReturn')],
  [0x1b, msg('pipeline.char.escape')],
  [0x00, msg('pipeline.char.null')],
  [0x7f, msg('pipeline.char.delete')],
  [0x85, msg('pipeline.char.nextLine')],
  [0x9b, msg('pipeline.char.controlSequenceIntroducer')],
  [0x061c, msg('pipeline.char.arabicLetterMark')],
  [0x200e, msg('pipeline.char.leftToRightMark')],
  [0x200f, msg('pipeline.char.rightToLeftMark')],
  [0x2028, msg('pipeline.char.lineSeparator')],
  [0x2029, msg('pipeline.char.paragraphSeparator')],
  [0x202a, msg('pipeline.char.leftToRightEmbedding')],
  [0x202b, msg('pipeline.char.rightToLeftEmbedding')],
  [0x202c, msg('pipeline.char.popDirectionalFormatting')],
  [0x202d, msg('pipeline.char.leftToRightOverride')],
  [0x202e, msg('pipeline.char.rightToLeftOverride')],
  [0x2066, msg('pipeline.char.leftToRightIsolate')],
  [0x2067, msg('pipeline.char.rightToLeftIsolate')],
  [0x2068, msg('pipeline.char.firstStrongIsolate')],
  [0x2069, msg('pipeline.char.popDirectionalIsolate')],
]);

export type UnsafeKind = 'control' | 'bidi' | 'newline' | 'surrogate';

/** A character free text may not hold, where it is (1-based, counted in characters) and what it is. */
export interface UnsafeCharacter {
  codePoint: number;
  position: number;
  kind: UnsafeKind;
}

/** What kind of refused character `codePoint` is, or undefined when it is allowed. */
export function classifyCodePoint(codePoint: number): UnsafeKind | undefined {
  if (
    codePoint === 0x0a ||
    codePoint === 0x0d ||
    codePoint === 0x85 ||
    codePoint === 0x2028 ||
    codePoint === 0x2029
  )
    return 'newline';
  // C0, DEL and C1 (U+0080–U+009F).
  if (codePoint < 0x20 || (codePoint >= 0x7f && codePoint <= 0x9f)) return 'control';
  if (
    codePoint === 0x061c ||
    codePoint === 0x200e ||
    codePoint === 0x200f ||
    (codePoint >= 0x202a && codePoint <= 0x202e) ||
    (codePoint >= 0x2066 && codePoint <= 0x2069)
  )
    return 'bidi';
  // A lone half of a surrogate pair is not a character at all (iteration yields it alone).
  if (codePoint >= 0xd800 && codePoint <= 0xdfff) return 'surrogate';
  return undefined;
}

/** The first refused character of `text`, or undefined when it has none. */
export function findUnsafeCharacter(text: string): UnsafeCharacter | undefined {
  let position = 0;
  for (const ch of text) {
    position++;
    const codePoint = ch.codePointAt(0) ?? 0;
    const kind = classifyCodePoint(codePoint);
    if (kind) return { codePoint, position, kind };
  }
  return undefined;
}

/** `U+202E`: a code point as Unicode writes it. */
export function formatCodePoint(codePoint: number): string {
  return `U+${codePoint.toString(16).toUpperCase().padStart(4, '0')}`;
}

/** `U+202E (right-to-left override)`. */
export function describeCodePoint(codePoint: number): Text {
  const name =
    NAMED.get(codePoint) ??
    (codePoint >= 0xd800 && codePoint <= 0xdfff
      ? msg('pipeline.char.halfSurrogate')
      : codePoint < 0x20 || codePoint === 0x7f
        ? msg('pipeline.char.control')
        : codePoint <= 0x9f
          ? msg('pipeline.char.c1Control')
          : undefined);
  const code = verbatim(formatCodePoint(codePoint));
  return name ? msg('pipeline.char.named', { code, name }) : code;
}

const HOW_TO_FIX: Record<UnsafeKind, Message> = {
  newline: msg('pipeline.unsafe.fixNewline'),
  control: msg('pipeline.unsafe.fixControl'),
  bidi: msg('pipeline.unsafe.fixBidi'),
  surrogate: msg('pipeline.unsafe.fixSurrogate'),
};

/**
 * The refusal for text holding `found`, as a phrase that follows the argument's name in English:
 * `holds U+202E (right-to-left override) at character 7; …` (parseArgs names the argument).
 */
export function describeUnsafeCharacter(found: UnsafeCharacter): Message {
  return msg('pipeline.unsafe.holds', {
    character: describeCodePoint(found.codePoint),
    position: found.position,
    fix: HOW_TO_FIX[found.kind],
  });
}

/**
 * The base of every free-text argument schema: a string without control characters (C0, DEL,
 * C1), bidi controls (U+202A–U+202E, U+2066–U+2069, U+200E, U+200F, U+061C), new lines (including
 * U+2028/U+2029) or broken surrogates. Chain the argument's own rules after it
 * (`textArg().max(200)`, `textArg().regex(…)`); when this check fails they are not run, so the
 * user reads the one problem that matters.
 */
export function textArg(): z.ZodString {
  return z.string().superRefine((value, ctx) => {
    const found = findUnsafeCharacter(value);
    if (!found) return;
    // The English for zod's own readers; parseArgs shows the message in the reader's language.
    const text = describeUnsafeCharacter(found);
    ctx.addIssue({ code: 'custom', message: renderEnglish(text), params: { text }, continue: false });
  });
}

/**
 * Text from outside labops (an engine name, a fault, a stored reason) made safe to show on one
 * line: new lines and tabs become spaces, every other refused character is shown as `[U+202E]`, so
 * nothing invisible reorders or splits what a reader sees.
 */
export function revealUnsafeCharacters(text: string): string {
  let out = '';
  for (const ch of text) {
    const codePoint = ch.codePointAt(0) ?? 0;
    const kind = classifyCodePoint(codePoint);
    if (kind === undefined) out += ch;
    else if (kind === 'newline' || codePoint === 0x09) out += ' ';
    else out += `[${formatCodePoint(codePoint)}]`;
  }
  return out;
}

const MAX_ECHO = 40;

/**
 * Quotes user text (a typed word, a key of lab.yml) for a message: JSON-escaped so control
 * characters cannot forge lines, with invisible and direction-changing characters (RTL marks,
 * zero-width joiners) and the C1 controls and DEL that JSON leaves alone made visible as `\u…`,
 * and cut short at 40 characters so a huge token cannot flood the channel or the terminal.
 */
export function quoteUserText(text: string): string {
  const chars = Array.from(text);
  const cut = chars.length > MAX_ECHO ? `${chars.slice(0, MAX_ECHO).join('')}…` : text;
  return JSON.stringify(cut).replace(
    /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/gu,
    (c) => `\\u${c.codePointAt(0)!.toString(16).padStart(4, '0')}`,
  );
}

/**
 * Edit distance counting a swap of two neighbours as one edit (phones swap letters a lot): the
 * optimal string alignment distance. Used for "did you mean" by the argument parser and lab.yml's
 * problems; callers keep the words short (a typed word against a few names).
 */
export function getEditDistance(a: string, b: string): number {
  const rows: number[][] = [];
  for (let i = 0; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      if (i === 0) {
        row.push(j);
        continue;
      }
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(rows[i - 1]![j]! + 1, row[j - 1]! + 1, rows[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        best = Math.min(best, rows[i - 2]![j - 2]! + 1);
      }
      row.push(best);
    }
    rows.push(row);
  }
  return rows[a.length]![b.length]!;
}

/** `text` as a RegExp matches it, every character literal. */
export function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
