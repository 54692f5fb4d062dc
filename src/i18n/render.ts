/**
 * Renders text in a language (issue 16): catalog messages in ICU MessageFormat (parsed by
 * @formatjs's parser, rendered here: arguments, `plural` and `select`, all the catalog uses),
 * sizes, durations and lists in the language's own writing (formats.ts), times of day through
 * `Intl.DateTimeFormat` in the lab's zone. The adapters call it for each audience: the lab's
 * language for a channel, a person's for what only they see.
 */
import { type MessageFormatElement, parse, TYPE } from '@formatjs/icu-messageformat-parser';
import { CATALOGS } from './catalog/index.js';
import { formatList, formatNumber, selectPlural } from './formats.js';
import type { Locale } from './locale.js';
import { isMessage, isVerbatim, type Message, msg, type Param, type Quantity, type Text } from './text.js';

export interface RenderOptions {
  /** The lab's time zone for times of day (lab.yml `timezone`); the machine's when unset. */
  timeZone?: string | undefined;
  /**
   * Marks where each piece came from, for the tests that look for text outside the catalog:
   * ⟦a catalog message⟧, ‹verbatim text›, «a name or value given to a message».
   */
  mark?: boolean | undefined;
}

/**
 * The machine's time zone (`Asia/Seoul`): a lab's times of day are in it when lab.yml names no
 * `timezone` (issue 15 §4).
 */
export function getMachineTimeZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
}

/** Each message parsed once, per language. */
const parsed = new Map<string, MessageFormatElement[]>();

/** Told of every text rendered for a reader (the tests' check for text outside the catalog). */
let watcher: ((text: Text) => void) | undefined;

/** Watches every text rendered for a reader; `undefined` stops. For tests only. */
export function watchRendering(watch: ((text: Text) => void) | undefined): void {
  watcher = watch;
}

/**
 * The English of a text for what no reader sees here: logs, the audit trail, the store's English
 * columns, an error's `message`. Not watched.
 */
export function renderEnglish(text: Text): string {
  const watching = watcher;
  watcher = undefined;
  try {
    return renderText('en', text);
  } finally {
    watcher = watching;
  }
}

/** `text` in `locale`. */
export function renderText(locale: Locale, text: Text, options: RenderOptions = {}): string {
  if (watcher && !options.mark) watcher(text);
  if (isVerbatim(text)) return options.mark ? `‹${text.verbatim}›` : text.verbatim;
  const rendered = renderMessage(locale, text, options);
  return options.mark ? `⟦${rendered}⟧` : rendered;
}

function renderMessage(locale: Locale, message: Message, options: RenderOptions): string {
  const cacheKey = `${locale}\u0000${message.key}`;
  let elements = parsed.get(cacheKey);
  if (!elements) {
    elements = parse(CATALOGS[locale][message.key], { ignoreTag: true });
    parsed.set(cacheKey, elements);
  }
  const values: Record<string, string | number> = {};
  // A `select` chooses by the value itself: it is never marked, or it would match no option.
  const choosers = options.mark ? findSelectArgs(elements) : undefined;
  for (const [name, value] of Object.entries(message.params ?? {})) {
    values[name] = choosers?.has(name)
      ? renderParam(locale, value, { ...options, mark: false })
      : renderParam(locale, value, options);
  }
  return formatElements(locale, message.key, elements, values, undefined);
}

/**
 * A parsed message with its values, as ICU MessageFormat reads it: an argument as it is, `plural` choosing `=N` first and then the language's category (`#` the
 * count), `select` its value's option or `other`.
 */
function formatElements(
  locale: Locale,
  key: string,
  elements: readonly MessageFormatElement[],
  values: Record<string, string | number>,
  count: number | undefined,
): string {
  let out = '';
  const argument = (name: string) => {
    const value = values[name];
    if (value === undefined) throw new Error(`message ${key}: no value for {${name}}`);
    return value;
  };
  for (const element of elements) {
    switch (element.type) {
      case TYPE.literal:
        out += element.value;
        break;
      case TYPE.argument: {
        // As ICU's MessageFormat: a plain argument is its value as it is (`1234`); `#` is a count.
        out += String(argument(element.value));
        break;
      }
      case TYPE.pound:
        out += count === undefined ? '#' : formatNumber(locale, count);
        break;
      case TYPE.select: {
        const value = String(argument(element.value));
        const option = ownOption(element.options, value) ?? element.options.other;
        if (!option) throw new Error(`message ${key}: {${element.value}} has no option ${value} nor other`);
        out += formatElements(locale, key, option.value, values, count);
        break;
      }
      case TYPE.plural: {
        if (element.pluralType === 'ordinal')
          throw new Error(`message ${key}: selectordinal is not supported`);
        const value = Number(argument(element.value));
        const shown = value - element.offset;
        const option =
          ownOption(element.options, `=${value}`) ??
          ownOption(element.options, selectPlural(locale, shown)) ??
          element.options.other;
        if (!option) throw new Error(`message ${key}: {${element.value}} has no option for ${value}`);
        out += formatElements(locale, key, option.value, values, shown);
        break;
      }
      default:
        // number, date, time and tags: no catalog message uses them (test/i18n checks every one renders).
        throw new Error(`message ${key}: element type ${element.type} is not supported`);
    }
  }
  return out;
}

/** An option of a `select` or `plural` by its key; never one of Object's own properties (`toString`). */
function ownOption<T>(options: Record<string, T>, key: string): T | undefined {
  return Object.hasOwn(options, key) ? options[key] : undefined;
}

/** The arguments of a message that `select` between its variants. */
function findSelectArgs(elements: readonly MessageFormatElement[], found = new Set<string>()): Set<string> {
  for (const element of elements) {
    if (element.type === TYPE.select) found.add(element.value);
    if (element.type === TYPE.select || element.type === TYPE.plural) {
      for (const option of Object.values(element.options)) findSelectArgs(option.value, found);
    }
    if (element.type === TYPE.tag) findSelectArgs(element.children, found);
  }
  return found;
}

function renderParam(locale: Locale, value: Param, options: RenderOptions): string | number {
  if (typeof value === 'number') return value;
  if (typeof value === 'string') return options.mark ? `«${value}»` : value;
  if (isMessage(value) || isVerbatim(value)) return renderText(locale, value, options);
  if ('quantity' in value) return formatQuantity(locale, value, options);
  const items = value.list.map((item) => String(renderParam(locale, item, options)));
  return formatList(locale, items, value.style);
}

function formatQuantity(locale: Locale, quantity: Quantity, options: RenderOptions): string {
  switch (quantity.quantity) {
    case 'bytes':
    case 'bytes-exact':
      return formatBytesIn(locale, quantity.value, quantity.quantity === 'bytes-exact');
    case 'duration':
      return formatDurationIn(locale, quantity.value);
    case 'instant':
      return new Intl.DateTimeFormat(locale, {
        hour: '2-digit',
        minute: '2-digit',
        second: '2-digit',
        hourCycle: 'h23',
        timeZone: options.timeZone ?? getMachineTimeZone(),
      }).format(quantity.value);
  }
}

const BYTE_UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];

/**
 * `3.2 GiB`, `512 MiB`: binary units in both languages, the number written as the language
 * writes it. With `exact`, the largest unit the size is a whole number of (`1536 MiB`).
 */
export function formatBytesIn(locale: Locale, bytes: number, exact: boolean | undefined = false): string {
  if (!Number.isFinite(bytes)) return '?';
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < BYTE_UNITS.length - 1 && (!exact || value % 1024 === 0)) {
    value /= 1024;
    unit++;
  }
  const digits = exact || value >= 10 || unit === 0 ? 0 : 1;
  const number = formatNumber(locale, value, {
    minimumFractionDigits: digits,
    maximumFractionDigits: digits,
    useGrouping: false,
  });
  return `${number} ${BYTE_UNITS[unit]}`;
}

/** `1.4 s`, `2 min 5 s` — `1.4초`, `2분 5초`: the units are the catalog's. */
export function formatDurationIn(locale: Locale, ms: number): string {
  const say = (message: Message) => renderMessage(locale, message, {});
  const number = (value: number, digits = 0) =>
    formatNumber(locale, value, { minimumFractionDigits: digits, maximumFractionDigits: digits });
  if (ms < 1000) return say(msg('common.duration.milliseconds', { ms: number(Math.round(ms)) }));
  if (ms < 60_000) return say(msg('common.duration.seconds', { s: number(ms / 1000, 1) }));
  const minutes = Math.floor(ms / 60_000);
  const seconds = Math.round((ms % 60_000) / 1000);
  if (minutes < 60) {
    return seconds
      ? say(msg('common.duration.minutesSeconds', { min: minutes, s: seconds }))
      : say(msg('common.duration.minutes', { min: minutes }));
  }
  return say(msg('common.duration.hoursMinutes', { h: Math.floor(minutes / 60), min: minutes % 60 }));
}
