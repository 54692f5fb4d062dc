import type { LabEvent } from '../jobs/events.js';
import type { Labs } from '../labs.js';
import type { Logger } from '../log.js';
import {
  fallback,
  inlines,
  list,
  type MessageContent,
  paragraph,
  richText,
  speaker,
  textWithMentions,
  type Voice,
} from './blocks.js';
import type { JobReporter } from './job-reporter.js';
import type { Outbox } from './outbox.js';

export interface ScheduleReporterOptions {
  labs: Labs;
  outbox: Outbox;
  /** Posts the new card of a run that asks again, as a command's card is posted. */
  reporter: Pick<JobReporter, 'postCard'>;
  logger: Logger;
  /** Runs the sending after the event, so that `idle` waits for it. */
  track: (work: () => Promise<void>) => void;
}

type Notice = Extract<LabEvent, { type: 'schedule:notice' }>;

/** A Slack user principal's id (`slack:U…`); undefined for groups and shell names. */
function readUserId(principal: string): string | undefined {
  return /^slack:([UW][A-Z0-9]+)$/.exec(principal)?.[1];
}

/**
 * Scheduled work in Slack (issue 15 §4), from the bus's `schedule:notice`: a message in the channel
 * the work was scheduled from, in the lab's language — a run that starts, one skipped, what a
 * scheduled doctor found changed (a line each) — and, when a run asks again, the new card after it,
 * posted as a command's card is (a copy to approvers not in the channel).
 */
export class ScheduleReporter {
  private unsubscribe: (() => void) | undefined;
  private sent = 0;

  constructor(private readonly options: ScheduleReporterOptions) {}

  start(): void {
    this.unsubscribe = this.options.labs.bus.subscribe((event) => {
      if (event.type !== 'schedule:notice') return;
      this.options.track(() =>
        this.deliver(event).catch((error: unknown) =>
          this.options.logger.warn(
            { err: String(error), schedule: event.scheduleId },
            'could not post a schedule notice',
          ),
        ),
      );
    });
  }

  stop(): void {
    this.unsubscribe?.();
  }

  private async deliver(event: Notice): Promise<void> {
    const labops = this.options.labs.get(event.lab) ?? this.options.labs.first;
    const voice: Voice = { locale: labops.lab.locale, timeZone: labops.lab.timeZone };
    const message = this.options.outbox.message(`schedule:${event.scheduleId}:${++this.sent}`, {
      channel: event.channel,
      lane: 'progress',
      priority: 2,
    });
    message.set(renderScheduleNotice(event, voice), { final: true });
    await message.posted();
    if (event.card) {
      await this.options.reporter.postCard(event.card, readUserId(event.requester) ?? event.requester);
    }
  }
}

/** A schedule notice as a Slack message: its sentence, then its lines as a list. */
export function renderScheduleNotice(event: Notice, voice: Voice): MessageContent {
  const say = speaker(voice);
  const head = say(event.text);
  return {
    text: fallback(head),
    blocks: [
      richText([
        paragraph(inlines(head, [])),
        ...(event.lines.length ? [list(event.lines.map((line) => textWithMentions(say(line))))] : []),
      ]),
    ],
  };
}
