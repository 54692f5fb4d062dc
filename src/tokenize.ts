import { LabopsError } from './errors.js';
import { msg, verbatim } from './i18n/text.js';
import { quoteUserText } from './text.js';

/*
 * Slack delivers everything after `/host` as one `text` string, often typed on a phone: this is
 * its first two steps, decodeSlackText → tokenize, before parseArgs (src/args.ts). Both are pure.
 */

// ---------------------------------------------------------------------------------------------
// Decoding Slack's text
// ---------------------------------------------------------------------------------------------

const ENTITIES: Readonly<Record<string, string>> = {
  amp: '&',
  lt: '<',
  gt: '>',
  quot: '"',
  '#39': "'",
  '#x27': "'",
  apos: "'",
};

// One pass, so `&amp;lt;` becomes `&lt;` and not `<` — the same result as decoding `&amp;` last.
function decodeEntities(text: string): string {
  return text.replace(/&(amp|lt|gt|quot|#39|#x27|apos);/g, (_, name: string) => ENTITIES[name]!);
}

const URL_SCHEME = /^[a-z][a-z0-9+.-]*:/i;

function unwrapMarkup(inner: string): string {
  const bar = inner.indexOf('|');
  const target = bar === -1 ? inner : inner.slice(0, bar);
  if (/^[@#!]/.test(target)) return `<${decodeEntities(target)}>`;
  if (/^mailto:/i.test(target)) return decodeEntities(target.slice('mailto:'.length));
  if (URL_SCHEME.test(target)) return decodeEntities(target);
  // Not Slack markup (the shell passes raw text): keep what was typed.
  return `<${decodeEntities(inner)}>`;
}

/**
 * Turns a slash command's `text` as Slack sends it into what the user meant to type:
 *
 * - Slack markup is unwrapped first, because only a raw `<` opens markup (a typed `<` arrives as
 *   `&lt;`): `<https://x/y.iso>` and `<https://x/y.iso|y.iso>` become the URL, `<mailto:a@b|a@b>`
 *   the address; mentions keep their id and lose the label (`<@U123|bob>` → `<@U123>`,
 *   `<#C123|ops>` → `<#C123>`, `<!subteam^S1|@ops>` → `<!subteam^S1>`).
 * - Entities `&amp;` `&lt;` `&gt;` `&quot;` `&#39;` are decoded in one pass, so `&amp;lt;` stays
 *   the literal text `&lt;`.
 * - Smart quotes (“ ” „ ‟ ‘ ’ ‚ ‛) become plain quotes and non-breaking spaces plain spaces, since
 *   phones type them for `"`, `'` and space.
 */
export function decodeSlackText(text: string): string {
  let out = '';
  let last = 0;
  for (const match of text.matchAll(/<([^<>]*)>/g)) {
    out += decodeEntities(text.slice(last, match.index));
    out += unwrapMarkup(match[1]!);
    last = match.index + match[0].length;
  }
  out += decodeEntities(text.slice(last));
  return (
    out
      // “”„‟ and ‘’‚‛, escaped as src/setup.ts's YES says why.
      .replace(/[\u201C\u201D\u201E\u201F]/g, '"')
      .replace(/[\u2018\u2019\u201A\u201B]/g, "'")
      .replace(/[\u00A0\u2007\u202F]/g, ' ')
  );
}

// ---------------------------------------------------------------------------------------------
// Tokenizing
// ---------------------------------------------------------------------------------------------

const WHITESPACE = /\s/;

function countChars(text: string): number {
  let count = 0;
  for (const _ of text) count++;
  return count;
}

function unterminatedQuote(text: string, start: number, quote: string): LabopsError {
  const position = countChars(text.slice(0, start)) + 1;
  // What was typed from the quote on, quoted: shown as it is.
  const rest = verbatim(quoteUserText(text.slice(start)));
  return quote === '"'
    ? new LabopsError('USAGE', msg('pipeline.quote.doubleOpen', { position, rest }), {
        hint: msg('pipeline.quote.doubleHint'),
      })
    : new LabopsError('USAGE', msg('pipeline.quote.singleOpen', { position, rest }), {
        hint: msg('pipeline.quote.singleHint'),
      });
}

/**
 * Splits decoded command text into words, the way a user expects from a shell but without one:
 *
 * - Words are separated by any whitespace (spaces, tabs, newlines).
 * - `"…"` and `'…'` group words: `--reason "kernel update"` is two tokens. A quote opens a group
 *   only at the start of a word, right after an unquoted `=` (`--reason="a b"`), or right after
 *   another group closed; elsewhere it is a literal character, so `don't` stays one word.
 * - Inside double quotes, `\"` is a quote and `\\` a backslash; every other backslash is literal
 *   (paths, regexes). Single quotes take everything literally.
 * - An unquoted em dash or en dash at the start of a word becomes `--`, because phones turn `--`
 *   into `—`: `—reason` → `--reason`, a lone `—` → `--`.
 * - `""` is an empty token.
 *
 * @throws LabopsError `USAGE` when a quote is never closed, naming the character where it opens.
 */
export function tokenize(text: string): string[] {
  const tokens: string[] = [];
  let current = '';
  let inToken = false;
  let canOpenQuote = true;
  let i = 0;
  while (i < text.length) {
    const ch = text[i]!;
    if (WHITESPACE.test(ch)) {
      if (inToken) tokens.push(current);
      current = '';
      inToken = false;
      canOpenQuote = true;
      i++;
      continue;
    }
    if (!inToken && (ch === '—' || ch === '–')) {
      current = '--';
      inToken = true;
      canOpenQuote = false;
      i++;
      continue;
    }
    if ((ch === '"' || ch === "'") && canOpenQuote) {
      const start = i;
      const parts: string[] = [];
      let closed = false;
      i++;
      while (i < text.length) {
        const c = text[i]!;
        if (c === ch) {
          closed = true;
          i++;
          break;
        }
        const next = text[i + 1];
        if (ch === '"' && c === '\\' && (next === '"' || next === '\\')) {
          parts.push(next);
          i += 2;
          continue;
        }
        parts.push(c);
        i++;
      }
      if (!closed) throw unterminatedQuote(text, start, ch);
      current += parts.join('');
      inToken = true;
      canOpenQuote = true;
      continue;
    }
    current += ch;
    inToken = true;
    canOpenQuote = ch === '=';
    i++;
  }
  if (inToken) tokens.push(current);
  return tokens;
}

/** A word of a command's text as it was typed: where it starts and ends, and whether quotes made it. */
export interface TypedWord {
  start: number;
  end: number;
  /** The word without its quotes. */
  word: string;
  quoted: boolean;
}

const DOUBLE_QUOTES = '"\u201C\u201D\u201E\u201F';
const SINGLE_QUOTES = "'\u2018\u2019\u201A\u201B";

/**
 * The words of `text` as Slack sent it, before decoding, grouped by quotes as `tokenize` groups
 * them (phones' curly quotes included): where one option is picked out of the text and the rest
 * passed on as typed (`--lab NAME`, src/labs.ts), a `--lab` inside a quoted reason stays the
 * reason's. Never throws: an unclosed quote runs to the end, and `tokenize` reports it later.
 */
export function scanWords(text: string): TypedWord[] {
  const words: TypedWord[] = [];
  let word: TypedWord | undefined;
  let canOpenQuote = true;
  let i = 0;
  while (i < text.length) {
    const ch = text[i]!;
    if (WHITESPACE.test(ch)) {
      if (word) words.push(word);
      word = undefined;
      canOpenQuote = true;
      i++;
      continue;
    }
    word ??= { start: i, end: i, word: '', quoted: false };
    const family = DOUBLE_QUOTES.includes(ch)
      ? DOUBLE_QUOTES
      : SINGLE_QUOTES.includes(ch)
        ? SINGLE_QUOTES
        : '';
    if (family && canOpenQuote) {
      word.quoted = true;
      i++;
      while (i < text.length && !family.includes(text[i]!)) {
        if (family === DOUBLE_QUOTES && text[i] === '\\' && i + 1 < text.length) {
          word.word += text[i + 1];
          i += 2;
          continue;
        }
        word.word += text[i];
        i++;
      }
      i = Math.min(text.length, i + 1);
      word.end = i;
      continue;
    }
    word.word += ch;
    canOpenQuote = ch === '=';
    i++;
    word.end = i;
  }
  if (word) words.push(word);
  return words;
}
