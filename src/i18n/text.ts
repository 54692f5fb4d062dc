/**
 * Text a person reads, kept apart from its language until it is shown (issue 16): a `Message` is a
 * catalog key and its parameters, plain JSON, so a plan stored with a job renders on the channel's
 * card in the lab's language and in a person's direct message in theirs. Only the adapters render
 * (src/i18n/render.ts); logs, audit events and the store's own text stay English.
 */
import type { MessageArgs, MessageKey } from './catalog/index.js';

/** A catalog message: its key and the values of its arguments. */
export interface Message<K extends MessageKey = MessageKey> {
  readonly key: K;
  readonly params?: Readonly<Record<string, Param>> | undefined;
}

/**
 * Text shown as it is in every language: machine output, commands to type, names and states the
 * engine gives (`up`, `maintenance`), what a person typed.
 */
export interface Verbatim {
  readonly verbatim: string;
}

/** A size, a duration or a moment, formatted for the language it is shown in. */
export interface Quantity {
  readonly quantity: 'bytes' | 'bytes-exact' | 'duration' | 'instant';
  readonly value: number;
}

/** Items joined as the language joins them ("a, b and c", "a, b 및 c"). */
export interface TextList {
  readonly list: readonly Param[];
  readonly style: 'and' | 'or';
}

export type Text = Message | Verbatim;

/** A message argument: a name or number shown as is, or text, a quantity or a list rendered in the language. */
export type Param = string | number | Text | Quantity | TextList;

/** The values a message's arguments take: numbers where it counts or formats them, anything shown elsewhere. */
export type ParamsOf<K extends MessageKey> = {
  readonly [P in keyof MessageArgs[K]]: MessageArgs[K][P] extends 'number' ? number : Param;
};

type ArgsOf<K extends MessageKey> = MessageArgs[K] extends undefined ? [] : [params: ParamsOf<K>];

/** The catalog message `key` with its arguments, checked against the catalog at compile time. */
export function msg<K extends MessageKey>(key: K, ...args: ArgsOf<K>): Message<K> {
  const [params] = args as [Record<string, Param>?];
  return params === undefined ? { key } : { key, params };
}

/** Text shown as it is in every language (see Verbatim). */
export function verbatim(text: string): Verbatim {
  return { verbatim: text };
}

export function bytes(value: number, options: { exact?: boolean } = {}): Quantity {
  return { quantity: options.exact ? 'bytes-exact' : 'bytes', value };
}

export function duration(ms: number): Quantity {
  return { quantity: 'duration', value: ms };
}

/** A moment (epoch ms), shown as a time of day in the lab's time zone. */
export function instant(at: number): Quantity {
  return { quantity: 'instant', value: at };
}

export function list(items: readonly Param[], style: 'and' | 'or' = 'and'): TextList {
  return { list: items, style };
}

export function isMessage(value: unknown): value is Message {
  return typeof value === 'object' && value !== null && typeof (value as Message).key === 'string';
}

export function isVerbatim(value: unknown): value is Verbatim {
  return typeof value === 'object' && value !== null && typeof (value as Verbatim).verbatim === 'string';
}

export function isText(value: unknown): value is Text {
  return isMessage(value) || isVerbatim(value);
}
