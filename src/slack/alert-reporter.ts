import { msg } from '../i18n/text.js';
import type { LabEvent } from '../jobs/events.js';
import type { Labs } from '../labs.js';
import type { Logger } from '../log.js';
import type { Clock } from '../time.js';
import { describeAlert, describeDigest } from '../watch/view.js';
import type { Voice } from './blocks.js';
import type { LiveMessage, MessageRef, Outbox } from './outbox.js';
import { renderView } from './render-view.js';

export interface AlertReporterOptions {
  labs: Labs;
  outbox: Outbox;
  logger: Logger;
  clock: Clock;
  /** Runs work that outlives an event, so that `idle` waits for it. */
  track: (work: () => Promise<void>) => void;
}

/**
 * Where a lab's current alert message is, and how much of it Slack has (`alert:<lab>` in the
 * store): an edit after a restart finds the message, and a digest announced again is shown only
 * when Slack does not have it all yet.
 */
interface StoredDigestRef extends MessageRef {
  seq: number;
  /** The digest's `total` when Slack last had the message as drawn; grows with each edit. */
  shown?: number | undefined;
}

/**
 * The lab's events in Slack (issue 15 §1): each digest the watcher commits is one channel message,
 * posted, then edited in place as a storm grows (the outbox coalesces the edits); the message's
 * place is kept in the store so that an edit after a restart or a leader change finds it. Events
 * of a labops job go to that job's thread. A lab with no channel shows its alerts on App Home only.
 *
 * Across a crash of the bot: the watcher commits a digest before it is shown, and announces its
 * lab's digest again when it starts to lead (`added` empty); it is shown unless `shown` says Slack
 * has it all. So a digest is shown at least once: a crash between Slack's answer to the post and
 * the store's write of its place posts it a second time. A job's thread alerts are not announced
 * again: at most once.
 */
export class AlertReporter {
  private unsubscribe: (() => void) | undefined;
  /** Each lab's work in order: a digest's edit never overtakes its post. */
  private readonly queues = new Map<string, Promise<void>>();

  constructor(private readonly options: AlertReporterOptions) {}

  start(): void {
    this.unsubscribe = this.options.labs.bus.subscribe((event) => this.onEvent(event));
  }

  stop(): void {
    this.unsubscribe?.();
  }

  private onEvent(event: LabEvent): void {
    if (event.type === 'watch:alerts' && event.channel !== undefined) {
      const channel = event.channel;
      this.enqueue(event.lab, () => this.showDigest(event, channel));
    } else if (event.type === 'watch:job-alerts') {
      this.enqueue(event.lab, () => this.showInThread(event));
    }
  }

  private enqueue(lab: string, work: () => Promise<void>): void {
    const next = (this.queues.get(lab) ?? Promise.resolve()).then(work).catch((error: unknown) => {
      this.options.logger.warn({ lab, err: String(error) }, 'could not show lab events in Slack');
    });
    this.queues.set(lab, next);
    this.options.track(() => next);
  }

  private voiceOf(lab: string): Voice {
    const labops = this.options.labs.get(lab) ?? this.options.labs.first;
    return { locale: labops.lab.locale, timeZone: labops.lab.timeZone };
  }

  private async showDigest(
    event: Extract<LabEvent, { type: 'watch:alerts' }>,
    channel: string,
  ): Promise<void> {
    const { outbox, labs, clock } = this.options;
    const { lab, digest } = event;
    const key = `alert:${lab}:${digest.seq}`;
    const stored = (await labs.store.readState(`alert:${lab}`))?.value as
      | Partial<StoredDigestRef>
      | undefined;
    const current = stored?.seq === digest.seq;
    // Announced again after a restart, and Slack has it all: nothing to show.
    if (current && (stored.shown ?? -1) >= digest.total) return;
    const view = describeDigest(digest, { lab: labs.many ? lab : undefined });
    let message: LiveMessage | undefined = outbox.find(key);
    if (!message) {
      const ref =
        current && stored.channel && stored.ts ? { channel: stored.channel, ts: stored.ts } : undefined;
      message = outbox.message(key, { channel, lane: 'card', priority: 2, ...(ref ? { ref } : {}) });
    }
    message.set(renderView(view, this.voiceOf(lab)), { final: true });
    const version = message.desired?.version ?? 0;
    const ref = await message.posted();
    await message.whenDelivered();
    // Given up (the message failed, the outbox closed): not shown, announced again at the next start.
    if (message.failure !== undefined || message.delivered < version) return;
    const value: StoredDigestRef = { seq: digest.seq, channel: ref.channel, ts: ref.ts, shown: digest.total };
    await labs.store.writeState(`alert:${lab}`, value, clock());
  }

  private async showInThread(event: Extract<LabEvent, { type: 'watch:job-alerts' }>): Promise<void> {
    const job = await this.options.labs.store.getJob(event.jobId);
    const ref = job?.messageRef as Partial<MessageRef> | undefined;
    if (!ref?.channel || !ref.ts) return;
    const content = renderView(
      { title: msg('watch.job.heading'), sections: event.alerts.map(describeAlert) },
      this.voiceOf(event.lab),
    );
    this.options.outbox
      .message(`thread:${event.jobId}:alerts:${event.alerts[0]?.id ?? ''}`, {
        channel: ref.channel,
        lane: 'progress',
        priority: 4,
        threadTs: ref.ts,
      })
      .set(content, { final: true });
  }
}
