import type { Caller } from '../command.js';
import type { LabEvent } from '../jobs/events.js';
import type { Labs } from '../labs.js';
import type { Logger } from '../log.js';
import type { Clock } from '../time.js';

/** The duties' state key of a person's last Home opening (Store.readState). */
const OPENED = 'home-opened:';

export interface LiveHomeOptions {
  labs: Labs;
  logger: Logger;
  clock: Clock;
  /** The person as the labs' policies see them (their groups), to know which labs their Home shows. */
  callerOf: (userId: string) => Promise<Caller>;
  /** Publishes one person's Home now (home.ts publishHome). */
  publish: (userId: string) => Promise<void>;
  /** Runs the publish as tracked work (the adapter's reporting lane). */
  track: (work: () => Promise<void>) => void;
  /** At most one publish per person in this time (issue 17 §3: 5 s). */
  debounceMs: number;
  /** Only people who opened their Home this recently are kept live (24 h). */
  recentMs: number;
}

/** What changes a Home shows: a job's state or a card's, never a step's progress. */
function labOfChange(event: LabEvent): string | undefined {
  switch (event.type) {
    case 'approval:requested':
    case 'approval:decided':
    case 'approval:expired':
    case 'approval:voided':
    case 'job:started':
    case 'job:finished':
    case 'job:reviewed':
      return event.job.lab;
    // A lab with no channel shows its events on App Home only (issue 15 §1).
    case 'watch:alerts':
      return event.channel === undefined ? event.lab : undefined;
    default:
      return undefined;
  }
}

/**
 * App Home kept live (issue 17 §3): when a job or a card changes, the Home of each person who
 * opened theirs in the last 24 hours and may see that lab is published again — at most once per
 * person per `debounceMs`, a change within the window published when it ends (nothing is lost).
 * Who opened their Home is kept in the store, so every replica knows it; with replicas, a
 * person's publish slot is a lead in the store, so together they publish at most once per window.
 */
export class LiveHome {
  private readonly options: LiveHomeOptions;
  /** People whose publish is waiting for their window, by id. */
  private readonly waiting = new Map<string, NodeJS.Timeout>();
  /** When each person's Home was last handed to Slack from here. */
  private readonly published = new Map<string, number>();
  /** People whose Home is being read and published now, and those who changed meanwhile. */
  private readonly publishing = new Set<string>();
  private readonly changedMeanwhile = new Set<string>();
  private unsubscribe: (() => void) | undefined;
  private stopped = false;

  constructor(options: LiveHomeOptions) {
    this.options = options;
  }

  start(): void {
    this.unsubscribe = this.options.labs.bus.subscribe((event) => {
      const lab = labOfChange(event);
      if (lab !== undefined) this.options.track(() => this.onChange(lab));
    });
  }

  stop(): void {
    this.stopped = true;
    this.unsubscribe?.();
    for (const timer of this.waiting.values()) clearTimeout(timer);
    this.waiting.clear();
  }

  /** A person opened their Home (and it was published): kept live for `recentMs`. */
  async opened(userId: string): Promise<void> {
    const { labs, clock, logger } = this.options;
    const now = clock();
    this.published.set(userId, now);
    try {
      await labs.store.writeState(`${OPENED}${userId}`, { at: now }, now);
    } catch (error) {
      logger.warn({ err: String(error), user: userId }, 'could not record that a Home was opened');
    }
  }

  /** The people whose Home shows `lab` and who opened it recently; the stale ones forgotten. */
  private async readAudience(lab: string): Promise<string[]> {
    const { labs, clock, recentMs } = this.options;
    const now = clock();
    const audience: string[] = [];
    for (const entry of await labs.store.listState(OPENED)) {
      const at = (entry.value as { at?: unknown } | null)?.at;
      const user = entry.key.slice(OPENED.length);
      if (typeof at !== 'number' || now - at > recentMs) {
        await labs.store.deleteState(entry.key, entry.version).catch(() => undefined);
        continue;
      }
      if (!labs.many) audience.push(user);
      else {
        const caller = await this.options.callerOf(user);
        if (labs.mayActOn(caller).some((labops) => labops.lab.name === lab)) audience.push(user);
      }
    }
    return audience;
  }

  private async onChange(lab: string): Promise<void> {
    if (this.stopped) return;
    let audience: string[];
    try {
      audience = await this.readAudience(lab);
    } catch (error) {
      this.options.logger.warn({ err: String(error) }, 'could not read whose Home to keep live');
      return;
    }
    for (const user of audience) this.schedule(user);
  }

  /** Publishes now when the person's window allows, else once when it ends. */
  private schedule(userId: string): void {
    if (this.stopped || this.waiting.has(userId)) return;
    if (this.publishing.has(userId)) {
      this.changedMeanwhile.add(userId);
      return;
    }
    const { clock, debounceMs } = this.options;
    const last = this.published.get(userId);
    const wait = last === undefined ? 0 : Math.max(0, last + debounceMs - clock());
    const timer = setTimeout(() => {
      this.waiting.delete(userId);
      this.options.track(() => this.publish(userId));
    }, wait);
    timer.unref();
    this.waiting.set(userId, timer);
  }

  private async publish(userId: string): Promise<void> {
    if (this.stopped) return;
    const { labs, clock, debounceMs, logger } = this.options;
    this.publishing.add(userId);
    try {
      const replica = labs.replica;
      // Another replica published this person's Home within the window: try again when it ends,
      // so the change this replica saw is shown too.
      const slot =
        replica === undefined || !labs.store.shared
          ? true
          : await labs.store.lead(`home:${userId}`, replica, debounceMs, clock()).catch(() => true);
      if (!slot) this.changedMeanwhile.add(userId);
      else await this.options.publish(userId);
    } catch (error) {
      logger.warn({ err: String(error), user: userId }, 'could not publish a Home again');
    } finally {
      // The window counts from when the view went to Slack: the reads before it take their time.
      this.published.set(userId, clock());
      this.publishing.delete(userId);
      if (this.changedMeanwhile.delete(userId)) this.schedule(userId);
    }
  }
}
