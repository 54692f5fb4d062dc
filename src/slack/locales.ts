import type { Locale } from '../i18n/locale.js';
import { parseLocale } from '../i18n/locale.js';
import type { Logger } from '../log.js';
import type { Clock } from '../time.js';

export interface LocaleDirectoryOptions {
  /** `users.info` with `include_locale` for one user id: Slack's locale tag (`ko-KR`), if any. */
  readLocale: (userId: string) => Promise<string | undefined>;
  /** How long an answer is kept: people rarely change their Slack language. */
  ttlMs: number;
  clock: Clock;
  logger: Logger;
}

/**
 * Each person's language, from their own Slack locale (`users.info`, `include_locale`), cached
 * (issue 16 §2). Undefined when Slack names a language labops does not speak or the lookup fails:
 * the lab's `locale` applies then. A failed lookup is not cached.
 */
export class LocaleDirectory {
  private readonly options: LocaleDirectoryOptions;
  private readonly cache = new Map<string, { at: number; locale: Promise<Locale | undefined> }>();

  constructor(options: LocaleDirectoryOptions) {
    this.options = options;
  }

  localeOf = async (userId: string): Promise<Locale | undefined> => {
    const now = this.options.clock();
    const hit = this.cache.get(userId);
    if (hit && now - hit.at < this.options.ttlMs) return hit.locale;
    const locale = this.options
      .readLocale(userId)
      .then(parseLocale)
      .catch((error: unknown) => {
        if (this.cache.get(userId)?.locale === locale) this.cache.delete(userId);
        this.options.logger.warn({ user: userId, err: String(error) }, "a user's locale could not be read");
        return undefined;
      });
    this.cache.set(userId, { at: now, locale });
    return locale;
  };
}
