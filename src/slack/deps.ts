import type { Caller, CommandRegistry } from '../command.js';
import type { Text } from '../i18n/text.js';
import type { Labops } from '../labops.js';
import type { Labs } from '../labs.js';
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
  /** Every lab of the bot: a command finds its lab (issue 13 §2), a click and a job theirs. */
  labs: Labs;
  registry: CommandRegistry;
  outbox: Outbox;
  reporter: JobReporter;
  groups: GroupDirectory;
  /** Each person's language (issue 16 §2). */
  locales: LocaleDirectory;
  /** The user groups the labs' policies name: a caller's groups are looked up among these. */
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
  /** The person opened (or refreshed) their Home: it is kept live for a day (issue 17 §3). */
  homeOpened(userId: string): Promise<void>;
}

/**
 * The lab whose voice a person hears in a channel: the lab bound to it (the only lab of a bot of
 * one), else the first.
 */
export function labOfChannel(deps: SlackDeps, channel: string | undefined): Labops {
  return deps.labs.forChannel(channel) ?? deps.labs.first;
}

/** The lab of a job the store knows, else the first (an id no lab knows is refused by its flow). */
export async function labOfJob(deps: SlackDeps, jobId: string | undefined): Promise<Labops> {
  if (!deps.labs.many || !jobId) return deps.labs.first;
  const job = await deps.labs.store.getJob(jobId);
  return (job && deps.labs.get(job.lab)) ?? deps.labs.first;
}

/** The lab of an approval's job, else the first. */
export async function labOfApproval(deps: SlackDeps, approvalId: string | undefined): Promise<Labops> {
  if (!deps.labs.many || !approvalId) return deps.labs.first;
  const approval = await deps.labs.store.getApproval(approvalId);
  return labOfJob(deps, approval?.jobId);
}

/**
 * Whom an answer to one person speaks to: their language, times in the zone of the lab it is
 * about (`lab`; default the channel's).
 */
export function voiceOf(deps: SlackDeps, caller: Caller, lab?: Labops): Voice {
  const { locale, timeZone } = (lab ?? labOfChannel(deps, caller.channel)).lab;
  return { locale: caller.locale ?? locale, timeZone };
}

/** One person's voice from their user id alone (no groups needed): their Slack locale, else the lab's. */
export async function personVoice(deps: SlackDeps, userId: string, lab?: Labops): Promise<Voice> {
  const locale = await deps.locales.localeOf(userId);
  const own = (lab ?? deps.labs.first).lab;
  return { locale: locale ?? own.locale, timeZone: own.timeZone };
}

/** A channel's voice: its lab's language (cards, progress, shared answers; issue 16 §2). */
export function labVoice(lab: Labops): Voice {
  return { locale: lab.lab.locale, timeZone: lab.lab.timeZone };
}

/**
 * The Caller for a Slack user in a conversation: the policy's groups they belong to, and their
 * language — their own Slack locale, else the channel's lab's (issue 16 §2).
 */
export async function createCaller(deps: SlackDeps, userId: string, channel: string): Promise<Caller> {
  const principal = `slack:${userId}`;
  const [groups, locale] = await Promise.all([
    deps.groups.groupsOf(principal, deps.policyGroups),
    deps.locales.localeOf(userId),
  ]);
  return { principal, channel, groups, locale: locale ?? labOfChannel(deps, channel).lab.locale };
}

/**
 * Sends a request's acknowledgement at once. Its outcome is awaited by `settleAck` when the work
 * goes on, and by nobody when the request is a repeat: a failure then is no unhandled rejection.
 */
export function acknowledge(ack: () => Promise<void>): Promise<void> {
  const acked = ack();
  acked.catch(() => undefined);
  return acked;
}

/**
 * Waits for a request's acknowledgement before its work goes on, whether or not it reached Slack.
 * An ack lost with its connection (a Socket Mode drop, issue 17 §4) does not undo the request:
 * this process has it and does it once; Slack sends it again on the next connection, and the
 * dedupe knows that one for a repeat.
 */
export async function settleAck(acked: Promise<unknown>, deps: Pick<SlackDeps, 'logger'>): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  // On a connection that died unnoticed, the SDK's send never calls back: the ack never settles.
  const stalled = new Promise<'stalled'>((resolve) => {
    timer = setTimeout(() => resolve('stalled'), ACK_WAIT_MS);
  });
  try {
    if ((await Promise.race([acked, stalled])) === 'stalled') {
      deps.logger.info('an acknowledgement is still unsent; the request is handled here meanwhile');
    }
  } catch (error) {
    deps.logger.info(
      { err: String(error) },
      'an acknowledgement did not reach Slack; the request is handled here, its re-delivery will be a repeat',
    );
  } finally {
    clearTimeout(timer);
  }
}

/** How long a request's work waits for its acknowledgement to go out (Slack wants it within 3 s). */
const ACK_WAIT_MS = 1000;
