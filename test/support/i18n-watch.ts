/**
 * vitest setup (issue 16, "Done when"): every text any test renders for a reader — views, cards,
 * plans, errors, in either language — is rendered again in Korean and checked for text outside
 * the catalog (test/support/i18n-leaks.ts). A test that shows a reader such text fails, naming it.
 */
import { afterEach, beforeEach } from 'vitest';
import { type Displayable, renderText, watchRendering } from '../../src/i18n/render.js';
import { findLeaks } from './i18n-leaks.js';

let leaks: string[] = [];
/**
 * What catalog texts rendered to: a test that reads a card in English (test/support/dispatch.ts)
 * and shows that English again is not a leak of the code under test.
 */
const rendered = new Set<string>();

function watch(text: Displayable): void {
  if (typeof text === 'string') {
    if (rendered.has(text)) return;
  } else {
    watchRendering(undefined);
    for (const locale of ['en', 'ko'] as const) rendered.add(renderText(locale, text));
    watchRendering(watch);
  }
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
