import type { Locale } from '../i18n/locale.js';
import { duration, msg, verbatim } from '../i18n/text.js';
import type { LabEvent } from '../jobs/events.js';
import type { Labs } from '../labs.js';
import type { Logger } from '../log.js';
import type { JobRecord } from '../store/types.js';
import {
  code,
  context,
  fallback,
  inlines,
  labTime,
  type MessageContent,
  mention,
  mentionSlots,
  paragraph,
  richText,
  slot,
  speaker,
  time,
  type Voice,
} from './blocks.js';
import type { MessageRef, Outbox } from './outbox.js';
import { commandLine } from './render-card.js';

export interface ReminderReporterOptions {
  labs: Labs;
  outbox: Outbox;
  logger: Logger;
  /** Runs the sending after the event, so that `idle` waits for it. */
  track: (work: () => Promise<void>) => void;
  /** A person's own language (their Slack locale): a reminder by DM is in theirs. */
  localeOf?: ((userId: string) => Promise<Locale | undefined>) | undefined;
}

type Reminded = Extract<LabEvent, { type: 'approval:reminded' }>;

/** A Slack user principal's id (`slack:U…`, `slack:W…`); undefined for groups and shell names. */
function readUserId(principal: string): string | undefined {
  return /^slack:([UW][A-Z0-9]+)$/.exec(principal)?.[1];
}

/** A Slack channel id, which mrkdwn may link. */
function isChannelId(channel: string): boolean {
  return /^[CG][A-Z0-9]{2,30}$/.test(channel);
}

/**
 * Reminders in Slack (issue 15 §2), from the bus's `approval:reminded`:
 * - stage 1: a direct message to each approver who has not decided, in their language, naming the
 *   command, who asked, how long it waited, when it expires and where the card is;
 * - stage 2: a reply in the card's thread, also sent to the channel (`reply_broadcast`), naming the
 *   approvers. On a phone it shows in the channel like any message, and a tap opens the thread
 *   under the card itself, buttons and plan in view — a plain channel post would need a link and
 *   a second screen to reach them. A card that went to its requester's DM has no channel to name
 *   it in: stage 2 is left out there.
 */
export class ReminderReporter {
  private readonly options: ReminderReporterOptions;
  private unsubscribe: (() => void) | undefined;

  constructor(options: ReminderReporterOptions) {
    this.options = options;
  }

  start(): void {
    this.unsubscribe = this.options.labs.bus.subscribe((event) => {
      if (event.type !== 'approval:reminded') return;
      this.options.track(() =>
        this.deliver(event).catch((error: unknown) =>
          this.options.logger.warn(
            { err: String(error), approvalId: event.approval.id },
            'could not send a reminder',
          ),
        ),
      );
    });
  }

  stop(): void {
    this.unsubscribe?.();
  }

  private async deliver(event: Reminded): Promise<void> {
    const ref = event.job.messageRef as Partial<MessageRef> | undefined;
    if (event.stage === 1) {
      await Promise.all(
        event.approvers.flatMap((principal) => {
          const user = readUserId(principal);
          return user ? [this.remindByDm(event, user, ref)] : [];
        }),
      );
      return;
    }
    if (!ref?.channel || !ref.ts || !isChannelId(ref.channel)) {
      this.options.logger.info(
        { approvalId: event.approval.id },
        'a card in a direct message has no channel to be named in',
      );
      return;
    }
    const message = this.options.outbox.message(`remind:${event.approval.id}:channel`, {
      channel: ref.channel,
      lane: 'progress',
      priority: 2,
      threadTs: ref.ts,
      broadcast: true,
    });
    message.set(renderChannelReminder(event, this.labVoice(event.job)), { final: true });
    await message.posted();
  }

  private async remindByDm(
    event: Reminded,
    user: string,
    ref: Partial<MessageRef> | undefined,
  ): Promise<void> {
    try {
      const answer = await this.options.outbox.call<{ channel?: { id?: string } }>('conversations.open', {
        users: user,
      });
      const dm = answer.channel?.id;
      if (!dm) throw new Error('conversations.open answered no channel');
      const locale = await this.options.localeOf?.(user).catch(() => undefined);
      const voice = { ...this.labVoice(event.job), ...(locale ? { locale } : {}) };
      const message = this.options.outbox.message(`remind:${event.approval.id}:dm:${user}`, {
        channel: dm,
        lane: 'progress',
        priority: 2,
      });
      message.set(renderDmReminder(event, voice, ref?.channel), { final: true });
      await message.posted();
    } catch (error) {
      this.options.logger.warn({ user, err: String(error) }, 'could not remind an approver by DM');
    }
  }

  private labVoice(job: JobRecord): Voice {
    const { lab } = this.options.labs.get(job.lab) ?? this.options.labs.first;
    return { locale: lab.locale, timeZone: lab.timeZone };
  }
}

/** The reminder one approver reads in their DM: what waits, since when, and where the card is. */
export function renderDmReminder(event: Reminded, voice: Voice, channel: string | undefined): MessageContent {
  const say = speaker(voice);
  const { job, approval } = event;
  const command = commandLine(job);
  const text = msg('remind.dm.text', {
    command: slot(0),
    requester: slot(1),
    waited: duration(event.waitedMs),
    approval: slot(2),
    time: slot(3),
  });
  const where =
    channel === undefined
      ? msg('remind.dm.inLabChannel')
      : isChannelId(channel)
        ? msg('remind.dm.inChannel', { channel: verbatim(`<#${channel}>`) })
        : msg('remind.dm.inDm');
  return {
    text: fallback(say(msg('remind.dm.fallback', { command: verbatim(command), approval: approval.id }))),
    blocks: [
      richText([
        paragraph(
          inlines(say(text), [
            code(command),
            mention(job.requester),
            code(approval.id),
            time(approval.expiresAt, labTime(voice, approval.expiresAt)),
          ]),
        ),
      ]),
      // mrkdwn is safe here: labops's words and a checked channel id.
      context([say(where)]),
    ],
  };
}

/** The card named in its channel: a reply in its thread, broadcast, mentioning the approvers. */
export function renderChannelReminder(event: Reminded, voice: Voice): MessageContent {
  const say = speaker(voice);
  const { approval, job } = event;
  const who = mentionSlots(event.approvers, 1);
  const text = msg('remind.channel.text', {
    waited: duration(event.waitedMs),
    approvers: who.list,
    time: slot(0),
  });
  return {
    text: fallback(
      say(msg('remind.channel.fallback', { command: verbatim(commandLine(job)), approval: approval.id })),
    ),
    blocks: [
      richText([
        paragraph(
          inlines(say(text), [time(approval.expiresAt, labTime(voice, approval.expiresAt)), ...who.inlines]),
        ),
      ]),
    ],
  };
}
