import { msg, type Text, verbatim } from '../i18n/text.js';

/**
 * Joining texts that are each whole (issue 16): items of a report (`a; b; c`), and sentences one
 * after the other. Each piece is a message of its own; only the joint is here.
 */

/** `a; b; c`: items that may hold commas themselves (`domain nfs-data active, master`). */
export function joinItems(items: readonly Text[]): Text {
  const [first, ...rest] = items;
  if (first === undefined) return verbatim('');
  return rest.length === 0 ? first : msg('jobs.join.items', { first, rest: joinItems(rest) });
}

/** Sentences one after the other, as a paragraph. */
export function joinSentences(sentences: readonly Text[]): Text {
  const [first, ...rest] = sentences;
  if (first === undefined) return verbatim('');
  return rest.length === 0 ? first : msg('jobs.join.sentences', { first, rest: joinSentences(rest) });
}
