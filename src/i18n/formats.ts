/**
 * Numbers, plural forms, lists and name order in the two languages labops speaks, written out
 * here rather than asked of ICU (issue 12 §6). The first use of any `Intl` service maps ICU's
 * locale data out of the node binary: about 8 MB of the bot's resident memory, for answers that
 * English and Korean give by a few fixed rules. Each function gives what `Intl` gives for `en`
 * and `ko` (test/i18n/formats.test.ts compares them over many values). Times of day in a zone
 * still go through `Intl.DateTimeFormat`: time zones are data, not rules.
 */
import type { Locale } from './locale.js';

export interface NumberOptions {
  /** Default 0. */
  minimumFractionDigits?: number;
  /** Default 3, or the minimum when that is larger (as `Intl.NumberFormat`). */
  maximumFractionDigits?: number;
  /** Groups of three with `,`; default true. */
  useGrouping?: boolean;
}

/**
 * A number as `Intl.NumberFormat(locale, options)` writes it in English and Korean, which write
 * numbers alike: `,` between groups of three, `.` before the fraction, halves rounded away from
 * zero on the number's shortest decimal form (`1.005` → `1.01`, where `toFixed` gives `1.00`).
 */
export function formatNumber(_locale: Locale, value: number, options: NumberOptions = {}): string {
  if (Number.isNaN(value)) return 'NaN';
  const negative = value < 0 || Object.is(value, -0);
  const sign = negative ? '-' : '';
  if (!Number.isFinite(value)) return `${sign}∞`;
  const min = options.minimumFractionDigits ?? 0;
  const max = Math.max(options.maximumFractionDigits ?? 3, min);
  let [whole, fraction] = toPlainDecimal(Math.abs(value));
  if (fraction.length > max) {
    const roundUp = fraction.charCodeAt(max) >= 0x35; // '5'
    const digits = whole + fraction.slice(0, max);
    const rounded = roundUp ? incrementDigits(digits) : digits;
    whole = rounded.slice(0, rounded.length - max) || '0';
    fraction = rounded.slice(rounded.length - max);
  }
  fraction = fraction.replace(/0+$/, '').padEnd(min, '0');
  const grouped = options.useGrouping === false ? whole : groupThousands(whole);
  return `${sign}${grouped}${fraction ? `.${fraction}` : ''}`;
}

/** The digits of a non-negative finite number before and after the point, from its shortest form. */
function toPlainDecimal(value: number): [string, string] {
  const text = String(value);
  const exponent = /^(\d)(?:\.(\d+))?e([+-]\d+)$/.exec(text);
  if (!exponent) {
    const [whole = '0', fraction = ''] = text.split('.');
    return [whole, fraction];
  }
  const digits = exponent[1]! + (exponent[2] ?? '');
  const point = 1 + Number(exponent[3]);
  if (point <= 0) return ['0', '0'.repeat(-point) + digits];
  if (point >= digits.length) return [digits + '0'.repeat(point - digits.length), ''];
  return [digits.slice(0, point), digits.slice(point)];
}

/** `'0999'` → `'1000'`; `'99'` → `'100'`. */
function incrementDigits(digits: string): string {
  const out = digits.split('');
  for (let i = out.length - 1; i >= 0; i--) {
    if (out[i] !== '9') {
      out[i] = String(Number(out[i]) + 1);
      return out.join('');
    }
    out[i] = '0';
  }
  return `1${out.join('')}`;
}

function groupThousands(whole: string): string {
  let out = '';
  for (let end = whole.length; end > 0; end -= 3) {
    const group = whole.slice(Math.max(0, end - 3), end);
    out = out ? `${group},${out}` : group;
  }
  return out;
}

/**
 * The plural category of a count (CLDR's cardinal rules): English has `one` for 1 (or -1) and
 * `other` for everything else; Korean has only `other`.
 */
export function selectPlural(locale: Locale, value: number): 'one' | 'other' {
  // As Intl.PluralRules: the count as written with at most three decimals (1.0004 is "1").
  return locale === 'en' && formatNumber(locale, Math.abs(value), { useGrouping: false }) === '1'
    ? 'one'
    : 'other';
}

const LIST_WORDS: Record<Locale, Record<'and' | 'or', { two: string; last: string }>> = {
  en: { and: { two: ' and ', last: ', and ' }, or: { two: ' or ', last: ', or ' } },
  ko: { and: { two: ' 및 ', last: ' 및 ' }, or: { two: ' 또는 ', last: ' 또는 ' } },
};

/** `a, b, and c` / `a, b 및 c`; `or` for `a, b, or c` / `a, b 또는 c` (as `Intl.ListFormat`). */
export function formatList(locale: Locale, items: readonly string[], style: 'and' | 'or' = 'and'): string {
  if (items.length <= 1) return items[0] ?? '';
  const words = LIST_WORDS[locale][style];
  if (items.length === 2) return `${items[0]}${words.two}${items[1]}`;
  return `${items.slice(0, -1).join(', ')}${words.last}${items.at(-1)}`;
}

/** The space, then punctuation, in the order the Unicode collation puts them, before digits and letters. */
const PUNCTUATION = ' _-,;:!?.\'"()[]{}@*/\\&#%`^+<=>|~$';

function collationRank(char: string): number {
  const punctuation = PUNCTUATION.indexOf(char);
  if (punctuation >= 0) return punctuation;
  const code = char.charCodeAt(0);
  if (code >= 0x30 && code <= 0x39) return 100 + code;
  if (code >= 0x41 && code <= 0x5a) return 200 + code + 0x20; // A–Z sort with a–z
  if (code >= 0x61 && code <= 0x7a) return 200 + code;
  return 1000 + code;
}

const swapCase = (text: string) =>
  text.replace(/[a-zA-Z]/g, (c) => (c >= 'a' ? c.toUpperCase() : c.toLowerCase()));

/**
 * Names (hosts, domains, VMs, ISOs) in the order `localeCompare` gives them in English for what
 * such names are made of — ASCII letters regardless of case, spaces and punctuation before digits
 * before letters, and at a tie the lower case first — and Hangul syllables, which follow their
 * code points as Korean orders them. Other letters (é, ø) follow theirs after z, where the
 * Unicode collation would put é beside e.
 */
export function compareNames(a: string, b: string): number {
  const shared = Math.min(a.length, b.length);
  for (let i = 0; i < shared; i++) {
    const difference = collationRank(a[i]!) - collationRank(b[i]!);
    if (difference !== 0) return difference < 0 ? -1 : 1;
  }
  if (a.length !== b.length) return a.length < b.length ? -1 : 1;
  const [x, y] = [swapCase(a), swapCase(b)];
  return x < y ? -1 : x > y ? 1 : 0;
}
