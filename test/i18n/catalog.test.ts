import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { renderArgFiles } from '../../scripts/gen-i18n-args.js';
import { CATALOGS, type MessageKey } from '../../src/i18n/catalog/index.js';
import { describeArgs } from '../../src/i18n/catalog/parse.js';
import { parseLocale } from '../../src/i18n/locale.js';
import { formatBytesIn, formatDurationIn, renderText } from '../../src/i18n/render.js';
import { bytes, list, msg, verbatim } from '../../src/i18n/text.js';

const root = fileURLToPath(new URL('../../', import.meta.url));

/** Every source file a message key can be used from. */
function readSources(): string {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (name.endsWith('.ts')) out.push(readFileSync(path, 'utf8'));
    }
  };
  for (const dir of ['src', 'commands', 'approvals']) walk(join(root, dir));
  // The catalogs themselves name every key; they do not count as uses.
  return out.filter((text) => !/^export const \w+(: Translation<[^>]+>)? = \{/m.test(text)).join('\n');
}

describe('the message catalog', () => {
  it('has the same keys in Korean as in English', () => {
    expect(Object.keys(CATALOGS.ko).sort()).toEqual(Object.keys(CATALOGS.en).sort());
  });

  it('gives every Korean message the arguments of its English one, and every message parses', () => {
    const mismatched: string[] = [];
    for (const key of Object.keys(CATALOGS.en) as MessageKey[]) {
      const en = describeArgs(CATALOGS.en[key]);
      const ko = describeArgs(CATALOGS.ko[key]);
      if (JSON.stringify(en) !== JSON.stringify(ko)) {
        mismatched.push(`${key}: en ${JSON.stringify(en)}, ko ${JSON.stringify(ko)}`);
      }
    }
    expect(mismatched).toEqual([]);
  });

  it('keeps its generated argument types current (npm run i18n:args)', async () => {
    for (const [file, text] of await renderArgFiles()) {
      expect(readFileSync(join(root, 'src/i18n/catalog/args', file), 'utf8'), file).toBe(text);
    }
  });

  it('has no message that nothing uses', () => {
    const sources = readSources();
    const unused = Object.keys(CATALOGS.en).filter((key) => !sources.includes(`'${key}'`));
    expect(unused).toEqual([]);
  });
});

describe('rendering', () => {
  it('formats sizes, durations and lists as each language writes them', () => {
    expect(formatBytesIn('en', 1.5 * 1024 ** 3)).toBe('1.5 GiB');
    expect(formatBytesIn('ko', 1536 * 1024 ** 2, true)).toBe('1536 MiB');
    expect(formatDurationIn('en', 125_000)).toBe('2 min 5 s');
    expect(formatDurationIn('ko', 125_000)).toBe('2분 5초');
    expect(formatDurationIn('ko', 1400)).toBe('1.4초');
    expect(formatDurationIn('en', 3 * 3_600_000 + 60_000)).toBe('3 h 1 min');
    const hint = msg('common.error.hint', { hint: list(['hyper1', verbatim('hyper2'), bytes(2048)]) });
    expect(renderText('en', hint)).toBe('Hint: hyper1, hyper2, and 2.0 KiB');
    expect(renderText('ko', hint)).toBe('도움말: hyper1, hyper2 및 2.0 KiB');
  });

  it('marks where each piece came from, for the checks that look for text outside the catalog', () => {
    const text = msg('common.error.unexpected', { message: verbatim('ECONNRESET') });
    expect(renderText('ko', text, { mark: true })).toBe('⟦예상하지 못한 오류: ‹ECONNRESET›⟧');
    expect(renderText('en', msg('common.error.hint', { hint: 'hyper1' }), { mark: true })).toBe(
      '⟦Hint: «hyper1»⟧',
    );
  });

  it('reads the language of a Slack locale or LANG', () => {
    expect(parseLocale('ko-KR')).toBe('ko');
    expect(parseLocale('ko_KR.UTF-8')).toBe('ko');
    expect(parseLocale('en-US')).toBe('en');
    expect(parseLocale('C.UTF-8')).toBeUndefined();
    expect(parseLocale('fr_FR')).toBeUndefined();
    expect(parseLocale(undefined)).toBeUndefined();
  });
});
