/**
 * The languages labops speaks (issue 16): English, and Korean for the lab guide's readers. A
 * person's Slack locale comes first, then the lab's `locale`, then English.
 */
export const LOCALES = ['en', 'ko'] as const;
export type Locale = (typeof LOCALES)[number];

export const DEFAULT_LOCALE: Locale = 'en';

/**
 * The language a locale tag names, if labops speaks it: `ko`, `ko-KR` (Slack), `ko_KR.UTF-8`
 * (`LANG`) → `ko`; `en-US`, `C.UTF-8`'s absence of one → undefined for what it does not speak.
 */
export function parseLocale(tag: string | undefined): Locale | undefined {
  const language = tag
    ?.trim()
    .toLowerCase()
    .split(/[-_.@]/)[0];
  return LOCALES.find((locale) => locale === language);
}
