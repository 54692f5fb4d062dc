import { type MessageFormatElement, parse, TYPE } from '@formatjs/icu-messageformat-parser';
import { IntlMessageFormat } from 'intl-messageformat';
import { describe, expect, it } from 'vitest';
import { CATALOGS, type MessageKey } from '../../src/i18n/catalog/index.js';
import { compareNames, formatList, formatNumber, selectPlural } from '../../src/i18n/formats.js';
import { LOCALES } from '../../src/i18n/locale.js';
import { renderText } from '../../src/i18n/render.js';
import type { Message } from '../../src/i18n/text.js';

/*
 * labops writes numbers, plural forms and lists itself instead of asking ICU (formats.ts: the
 * first Intl service maps ~8 MB of ICU data into the bot). These tests hold it to what Intl and
 * intl-messageformat answer, here where memory does not matter.
 */

/** A repeatable stream of numbers in [0, 1). */
function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

const random = seeded(12);
const NUMBERS = [
  0,
  -0,
  1,
  -1,
  0.5,
  1.005,
  2.25,
  2.35,
  0.0005,
  0.00049,
  999.9995,
  999_999.9996,
  1234.5,
  -1234.5678,
  12_345.65,
  1e21,
  1.5e-7,
  123_456_789_012,
  Number.MAX_SAFE_INTEGER,
  Number.NaN,
  Number.POSITIVE_INFINITY,
  Number.NEGATIVE_INFINITY,
  ...Array.from({ length: 400 }, () => (random() - 0.3) * 10 ** Math.floor(random() * 13 - 4)),
  ...Array.from({ length: 200 }, () => Math.round(random() * 10 ** Math.floor(random() * 10))),
  // sizes as formatBytesIn divides them: n / 1024^k
  ...Array.from({ length: 200 }, () => Math.floor(random() * 2 ** 40) / 1024 ** Math.floor(random() * 4)),
];

describe('formatNumber', () => {
  it.each(LOCALES)('writes every number as Intl.NumberFormat does in %s', (locale) => {
    const optionSets = [
      {},
      { minimumFractionDigits: 0, maximumFractionDigits: 0 },
      { minimumFractionDigits: 1, maximumFractionDigits: 1 },
      { minimumFractionDigits: 1, maximumFractionDigits: 1, useGrouping: false },
      { minimumFractionDigits: 0, maximumFractionDigits: 0, useGrouping: false },
      { minimumFractionDigits: 2, maximumFractionDigits: 4 },
    ];
    const wrong: string[] = [];
    for (const options of optionSets) {
      const intl = new Intl.NumberFormat(locale, options);
      for (const value of NUMBERS) {
        const expected = intl.format(value);
        const actual = formatNumber(locale, value, options);
        if (actual !== expected)
          wrong.push(`${value} ${JSON.stringify(options)}: ${actual}, not ${expected}`);
      }
    }
    expect(wrong).toEqual([]);
  });
});

describe('selectPlural', () => {
  it.each(LOCALES)('gives the category Intl.PluralRules gives in %s', (locale) => {
    const rules = new Intl.PluralRules(locale);
    for (const value of [
      0,
      1,
      2,
      1000,
      0.5,
      1.5,
      -1,
      1.0004,
      0.9996,
      1.0005,
      -1.0004,
      ...NUMBERS.filter(Number.isFinite),
    ]) {
      expect(selectPlural(locale, value), String(value)).toBe(rules.select(value));
    }
  });
});

describe('formatList', () => {
  it.each(LOCALES)('joins lists as Intl.ListFormat does in %s', (locale) => {
    const items = ['hyper1', 'hyper2', '데이터', 'iso, the domain', 'e'];
    for (const style of ['and', 'or'] as const) {
      const intl = new Intl.ListFormat(locale, { type: style === 'and' ? 'conjunction' : 'disjunction' });
      for (let n = 0; n <= items.length; n++) {
        expect(formatList(locale, items.slice(0, n), style)).toBe(intl.format(items.slice(0, n)));
      }
    }
  });
});

describe('compareNames', () => {
  it('orders engine names as localeCompare does in English', () => {
    const alphabet = 'aAbBzZ0919 -_.,;:!?\'"()[]{}@*/\\&#%`^+<=>|~$';
    const name = () =>
      Array.from(
        { length: 1 + Math.floor(random() * 7) },
        () => alphabet[Math.floor(random() * alphabet.length)],
      ).join('');
    const wrong: string[] = [];
    for (let i = 0; i < 20_000; i++) {
      const [a, b] = [name(), name()];
      if (compareNames(a, b) !== Math.sign(a.localeCompare(b, 'en'))) wrong.push(`${a} ${b}`);
    }
    expect(wrong).toEqual([]);
    expect(['vm10', 'VM2', 'vm-1', 'vm_1', 'vm1', 'Vm1'].sort(compareNames)).toEqual([
      'vm_1',
      'vm-1',
      'vm1',
      'Vm1',
      'vm10',
      'VM2',
    ]);
  });
});

/** Values to try for each argument of a message: every select option, counts around the plural forms. */
function sampleArgs(
  elements: readonly MessageFormatElement[],
  found = new Map<string, (string | number)[]>(),
) {
  for (const element of elements) {
    if (element.type === TYPE.argument && !found.has(element.value)) found.set(element.value, ['x<1>']);
    if (element.type === TYPE.select) {
      const options = Object.keys(element.options).filter((o) => o !== 'other');
      found.set(element.value, [...options, 'unlisted']);
    }
    if (element.type === TYPE.plural) found.set(element.value, [1, 0, 2, 5, 21, 1234, 1.5]);
    if (element.type === TYPE.select || element.type === TYPE.plural) {
      for (const option of Object.values(element.options)) sampleArgs(option.value, found);
    }
  }
  return found;
}

describe('rendering the catalog', () => {
  it('takes an unlisted select value, even one named like an Object property, as other', () => {
    const key = Object.keys(CATALOGS.en).find((k) => /\{\w+, select,/.test(CATALOGS.en[k as MessageKey]))!;
    const source = CATALOGS.en[key as MessageKey];
    const args = sampleArgs(parse(source, { ignoreTag: true }));
    const chooser = [...args].find(([, values]) => values.includes('unlisted'))![0];
    const values = { ...Object.fromEntries([...args].map(([n, v]) => [n, v[0]!])), [chooser]: 'toString' };
    const expected = String(
      new IntlMessageFormat(source, 'en', undefined, { ignoreTag: true }).format(values),
    );
    expect(renderText('en', { key, params: values } as unknown as Message)).toBe(expected);
  });

  it.each(LOCALES)('renders every %s message as intl-messageformat does, for every option', (locale) => {
    const wrong: string[] = [];
    let compared = 0;
    for (const key of Object.keys(CATALOGS[locale]) as MessageKey[]) {
      const source = CATALOGS[locale][key];
      const args = sampleArgs(parse(source, { ignoreTag: true }));
      const reference = new IntlMessageFormat(source, locale, undefined, { ignoreTag: true });
      const first = Object.fromEntries([...args].map(([name, values]) => [name, values[0]!]));
      // Each argument through its values, the others at their first.
      const variants = [first];
      for (const [name, values] of args) {
        for (const value of values.slice(1)) variants.push({ ...first, [name]: value });
      }
      for (const values of variants) {
        const expected = String(reference.format(values));
        const actual = renderText(locale, { key, params: values } as unknown as Message);
        compared++;
        if (actual !== expected) wrong.push(`${key} ${JSON.stringify(values)}: ${actual} — not ${expected}`);
      }
    }
    expect(wrong).toEqual([]);
    expect(compared).toBeGreaterThan(Object.keys(CATALOGS[locale]).length);
  });
});
