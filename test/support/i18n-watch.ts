/**
 * vitest setup (issue 16, "Done when"): every text any test renders for a reader — views, cards,
 * plans, errors, in either language — is rendered again in Korean and checked for text outside
 * the catalog (test/support/i18n-leaks.ts). A test that shows a reader such text fails, naming it.
 */
import { afterEach, beforeEach } from 'vitest';
import { watchRendering } from '../../src/i18n/render.js';
import type { Text } from '../../src/i18n/text.js';
import { findLeaks } from './i18n-leaks.js';

let leaks: string[] = [];

function watch(text: Text): void {
  for (const leak of findLeaks(text)) if (!leaks.includes(leak)) leaks.push(leak);
}

beforeEach(() => {
  leaks = [];
  watchRendering(watch);
});

afterEach(() => {
  watchRendering(undefined);
  if (leaks.length) {
    throw new Error(
      `text outside the message catalog reached a reader:\n${leaks.map((l) => `  ${l}`).join('\n')}`,
    );
  }
});
