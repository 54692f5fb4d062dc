import { describe, expect, it } from 'vitest';
import { formatBytesIn } from '../src/i18n/render.js';

/** Sizes as an English reader sees them. */
const formatBytes = (bytes: number, options: { exact?: boolean } = {}) =>
  formatBytesIn('en', bytes, options.exact);

describe('formatBytes', () => {
  it('rounds a size to the unit people read, one decimal under 10', () => {
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(6 * 1024 * 1024)).toBe('6.0 MiB');
    expect(formatBytes(3.2 * 1024 ** 3)).toBe('3.2 GiB');
    expect(formatBytes(1536 * 1024 ** 2)).toBe('1.5 GiB');
    expect(formatBytes(20 * 1024 ** 4)).toBe('20 TiB');
  });

  it('answers ? for a size it does not know', () => {
    expect(formatBytes(Number.NaN)).toBe('?');
  });

  it('names an exact size in the largest unit it is a whole number of', () => {
    expect(formatBytes(1024 ** 3, { exact: true })).toBe('1 GiB');
    expect(formatBytes(1536 * 1024 ** 2, { exact: true })).toBe('1536 MiB');
    expect(formatBytes(1000, { exact: true })).toBe('1000 B');
    expect(formatBytes(2048 * 1024 ** 4, { exact: true })).toBe('2048 TiB');
    expect(formatBytes(0, { exact: true })).toBe('0 B');
  });
});
