import { type Verbatim, verbatim } from '../i18n/text.js';

/**
 * A simulator's own error, in English: the simulator's knobs, options and command line are
 * developer tools (tests, the bench, `npm run sim`), like logs — not lab users' messages. What a
 * lab user can meet from the simulator (`npm start` without openssl) is in the catalog.
 */
export function simText(english: string): Verbatim {
  return verbatim(english);
}
