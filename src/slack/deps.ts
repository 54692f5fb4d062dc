import type { Caller, CommandRegistry } from '../command.js';
import type { Text } from '../i18n/text.js';
import type { Labops } from '../labops.js';
import type { Logger } from '../log.js';
import type { Clock } from '../time.js';
import type { Voice } from './blocks.js';
import type { Dedupe } from './dedupe.js';
import type { GroupDirectory } from './groups.js';
import type { JobReporter } from './job-reporter.js';
import type { LocaleDirectory } from './locales.js';
import type { Outbox } from './outbox.js';

/** Where work after an ack queues: clicks and reads, plans, or job reporting (log files). */
export type WorkLane = 'interactive' | 'plans' | 'reporting';

/** What every listener may use; built once by the adapter. */
export interface SlackDeps {
  labops: Labops;
  registry: CommandRegistry;
  outbox: Outbox;
  reporter: JobReporter;
  groups: GroupDirectory;
  /** Each person's language (issue 16 §2). */
  locales: LocaleDirectory;
  /** The user groups the policy names: a caller's groups are looked up among these. */
  policyGroups: readonly string[];
  dedupe: Dedupe;
  logger: Logger;
  clock: Clock;
  /**
   * Runs work after the ack in its lane (default `interactive`: clicks, cancels, reads), so that
   * tests and shutdown can wait for it (`idle`). Plans go to `plans`, never ahead of a click.
   */
  track(work: () => Promise<void>, lane?: WorkLane): void;
  /** Publishes the Home tab for a user, with an optional note (the answer to a click there). */
  publishHome(userId: string, notice?: Text): Promise<void>;
}

/**
 * The Caller for a Slack user in a conversation: the policy's groups they belong to, and their
 * language — their own Slack locale, else the lab's (issue 16 §2).
 */
/** Whom an answer to one person speaks to: their language, times in the lab's zone. */
export function voiceOf(deps: SlackDeps, caller: Caller): Voice {
  return { locale: caller.locale ?? deps.labops.lab.locale, timeZone: deps.labops.lab.timeZone };
}

/** One person's voice from their user id alone (no groups needed): their Slack locale, else the lab's. */
export async function personVoice(deps: SlackDeps, userId: string): Promise<Voice> {
  const locale = await deps.locales.localeOf(userId);
  return { locale: locale ?? deps.labops.lab.locale, timeZone: deps.labops.lab.timeZone };
}

/** The channel's voice: the lab's language (cards, progress, shared answers; issue 16 §2). */
export function labVoice(deps: SlackDeps): Voice {
  return { locale: deps.labops.lab.locale, timeZone: deps.labops.lab.timeZone };
}

export async function createCaller(deps: SlackDeps, userId: string, channel: string): Promise<Caller> {
  const principal = `slack:${userId}`;
  const [groups, locale] = await Promise.all([
    deps.groups.groupsOf(principal, deps.policyGroups),
    deps.locales.localeOf(userId),
  ]);
  return { principal, channel, groups, locale: locale ?? deps.labops.lab.locale };
}
