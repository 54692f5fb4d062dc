import { escapeRegExp } from '../text.js';
import { EngineFault } from './engine-model.js';

/**
 * The small part of the engine's search language the lab needs (ovirt-api.md §2.7):
 * `field=value` terms joined by `and`, values optionally quoted, `*` wildcards, case-insensitive,
 * `!=`; `sortby ...` and `page N` are accepted and ignored. An unknown field is a 400, so a client
 * using a search this simulator does not know finds out at once.
 */

interface SearchTerm {
  field: string;
  negate: boolean;
  value: string;
}

/** How a collection exposes its searchable fields: field name → the item's value(s). */
export type SearchFields<T> = Record<string, (item: T) => string | string[] | undefined>;

function parseSearch(text: string): SearchTerm[] {
  const withoutTail = text.replace(/\s+(sortby|page)\s.*$/i, '').trim();
  if (withoutTail === '') return [];
  return withoutTail.split(/\s+and\s+/i).map((part) => {
    const match = /^\s*([\w.]+)\s*(!=|=)\s*(.*?)\s*$/.exec(part);
    if (!match) throw new EngineFault(400, 'Operation Failed', `Invalid search text: ${text}`);
    const raw = match[3] ?? '';
    const value = raw.startsWith('"') && raw.endsWith('"') && raw.length >= 2 ? raw.slice(1, -1) : raw;
    return { field: (match[1] ?? '').toLowerCase(), negate: match[2] === '!=', value };
  });
}

function wildcardMatches(pattern: string, value: string): boolean {
  const regex = new RegExp(`^${pattern.split('*').map(escapeRegExp).join('.*')}$`, 'i');
  return regex.test(value);
}

/** Filters `items` with the `search` text; null or empty search keeps everything. */
export function applySearch<T>(
  items: T[],
  search: string | null,
  fields: SearchFields<T>,
  collection: string,
): T[] {
  if (search === null) return items;
  const terms = parseSearch(search);
  for (const term of terms) {
    if (!(term.field in fields)) {
      throw new EngineFault(
        400,
        'Operation Failed',
        `Invalid search text: unknown field '${term.field}' for ${collection}`,
      );
    }
  }
  return items.filter((item) =>
    terms.every((term) => {
      const read = fields[term.field];
      const actual = read ? read(item) : undefined;
      const values = actual === undefined ? [] : Array.isArray(actual) ? actual : [actual];
      const hit = values.some((v) => wildcardMatches(term.value, v));
      return term.negate ? !hit : hit;
    }),
  );
}
