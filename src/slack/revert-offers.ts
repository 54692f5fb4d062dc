import type { EventBus } from '../jobs/events.js';
import type { Logger } from '../log.js';
import { findRevertDeadline, REVERT_WINDOW_MS } from '../revert.js';
import type { Store } from '../store/types.js';
import type { Clock } from '../time.js';

export interface RevertOffersOptions {
  store: Store;
  bus: EventBus;
  clock: Clock;
  logger: Logger;
  /** Whether this process leads the replicas (src/labs.ts `leading`): one of them edits the cards. */
  leading: () => boolean;
  /** Draws a job's card again from the store (JobReporter.refreshCard). */
  refresh: (jobId: string) => Promise<void>;
  /** How often the offers that ran out are looked for (default 60 s). */
  tickMs?: number | undefined;
}

/** How many succeeded jobs of the last day are read back: more than a lab runs in a day. */
const RECENT_JOBS = 500;
const DEFAULT_TICK_MS = 60_000;

/**
 * The Revert button lasts 24 hours (issue 15 §3): a card drawn while its job's Revert is offered
 * keeps the button until it is drawn again, so when the 24 hours of an offer are over its card is
 * drawn again, without it. The offers are the succeeded jobs with an inverse, from the bus as jobs
 * end and from the store at start (a restart forgets nothing) and at each of the leader's ticks:
 * a job another replica ran ended on that replica's bus only. Only the leader edits the cards.
 */
export class RevertOffers {
  private readonly options: RevertOffersOptions;
  /** Each offered job's deadline. */
  private readonly offers = new Map<string, number>();
  /** When the leader last read the offers from the store: the next read goes back to there. */
  private readAt: number | undefined;
  private timer: NodeJS.Timeout | undefined;
  private unsubscribe: (() => void) | undefined;

  constructor(options: RevertOffersOptions) {
    this.options = options;
  }

  async start(): Promise<void> {
    this.unsubscribe = this.options.bus.subscribe((event) => {
      if (event.type === 'job:finished') this.note(event.job);
    });
    await this.readOffers(this.options.clock());
    this.timer = setInterval(() => void this.tick(), this.options.tickMs ?? DEFAULT_TICK_MS);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.unsubscribe?.();
  }

  /** Draws again the cards whose offer ran out by `now`; answers their jobs. */
  async tick(now: number = this.options.clock()): Promise<string[]> {
    if (!this.options.leading()) return [];
    // Back to the last read (two ticks at most, across a change of leader): a job whose offer ran
    // out since then, ended on another replica, is due now.
    const tickMs = this.options.tickMs ?? DEFAULT_TICK_MS;
    await this.readOffers(Math.max(this.readAt ?? now, now - 2 * tickMs));
    this.readAt = now;
    const due = [...this.offers].filter(([, until]) => until <= now).map(([jobId]) => jobId);
    for (const jobId of due) {
      this.offers.delete(jobId);
      await this.options.refresh(jobId);
    }
    return due;
  }

  /** Notes the succeeded jobs whose offer lasts past `from`, as the store has them. */
  private async readOffers(from: number): Promise<void> {
    try {
      const since = from - REVERT_WINDOW_MS;
      const jobs = await this.options.store.listJobs({ statuses: ['succeeded'], limit: RECENT_JOBS });
      for (const job of jobs) if ((job.finishedAt ?? 0) > since) this.note(job);
    } catch (error) {
      this.options.logger.warn({ err: String(error) }, 'could not read the jobs whose Revert is offered');
    }
  }

  private note(job: Parameters<typeof findRevertDeadline>[0]): void {
    const until = findRevertDeadline(job);
    if (until !== undefined) this.offers.set(job.id, until);
  }
}
