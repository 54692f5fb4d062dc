import Bottleneck from 'bottleneck';
import type { Logger } from '../log.js';
import type { MessageContent } from './blocks.js';
import type { SlackLimits } from './limits.js';
import { getPlatformError, getRetryAfter, type WebClient } from './web.js';

/** Where a message lives: the channel id (a `D…` id for a DM) and its `ts`, kept as a string. */
export interface MessageRef {
  channel: string;
  ts: string;
}

/**
 * The lane decides the budget: `card` is the approval card / job parent — reserved updates, so a
 * progress backlog never delays it; `progress` is everything in threads and the DM'd copies.
 */
export type Lane = 'card' | 'progress';

export interface OutboxOptions {
  client: WebClient;
  limits: SlackLimits;
  logger: Logger;
  /** The least time between two in-progress edits of one message (a step's live tail). */
  liveUpdateMs: number;
  /** The least time between two publishes of one person's Home (issue 17 §3: 5 s). Default 0. */
  homeIntervalMs?: number | undefined;
  /** How often a call answered 429 is tried again before it is given up (logged). */
  maxRateLimitRetries?: number | undefined;
  /** Waits; tests may inject a faster one. */
  sleep?: ((ms: number) => Promise<void>) | undefined;
  /**
   * The Slack budget replicas share (issue 14 §3, the store's `takeSlackToken`): one call taken
   * from a bucket before each call, so that together the replicas stay within Slack's limits.
   * Answers 0, or how long to wait before asking again. Alone, a process needs none.
   */
  budget?: ((bucket: string, capacity: number, intervalMs: number) => Promise<number>) | undefined;
  /**
   * Holds a message's edits across replicas (issue 14 §2): taken before an edit whose content can
   * be drawn again (`set`'s `render`), which is drawn under it, and released once Slack answered —
   * so an older edit never lands after a newer one, whichever replica sends it. Answers the
   * release, or undefined when it could not be taken (the edit goes as drawn).
   */
  editLock?: ((key: string) => Promise<(() => Promise<void>) | undefined>) | undefined;
}

export interface MessageInit {
  channel: string;
  lane: Lane;
  /** Bottleneck priority, 0 (first) to 9. */
  priority: number;
  threadTs?: string | undefined;
  /** A message already posted (after a restart): only edits follow. */
  ref?: MessageRef | undefined;
  /** A Home tab (views.publish for the user in `channel`) rather than a message. */
  home?: boolean | undefined;
  /** The thread's parent: the reply waits until the parent is posted, then uses its `ts`. */
  parent?: LiveMessage | undefined;
  /** A thread reply also shown in the channel (`reply_broadcast`): a card named there (issue 15 §2). */
  broadcast?: boolean | undefined;
  /**
   * The copies of one card (the channel's, approvers' and the requester's DMs), and its job's
   * progress message: their card-lane edits set in one turn go together, in one turn of the card
   * lane that takes a call of its budget for each (issue 17 §1, §2).
   */
  group?: string | undefined;
}

/** One Web API call the outbox made, as an observer hears of it (metrics, issue 12 §4). */
export interface OutboxCall {
  method: string;
  /** `rate_limited`: Slack answered 429 (the call is tried again after Retry-After). */
  outcome: 'ok' | 'error' | 'rate_limited';
}

interface Desired {
  content: MessageContent;
  version: number;
  final: boolean;
  /** Draws the content again from the store just before an edit is sent under `editLock`. */
  render?: (() => Promise<MessageContent | undefined>) | undefined;
  /** The lane of this edit when it is not the message's own (a job's last progress edit). */
  lane?: Lane | undefined;
}

/**
 * One Slack message as labops wants it to look. Setting content never sends by itself: the
 * outbox delivers the newest content when the message's lane has budget, so a burst of edits
 * becomes one call (coalescing), and the last content set is always the one delivered.
 */
export class LiveMessage {
  ref: MessageRef | undefined;
  failure: unknown;
  readonly init: MessageInit;
  desired: Desired | undefined;
  delivered = 0;
  lastSentAt = 0;
  scheduled = false;
  /** An edit sent in the card's lane while an older one still waits in the progress lane. */
  expedited = false;
  /** The delivery being sent: the next waits for it, so one message's calls never overlap. */
  inFlight: Promise<void> | undefined;
  timer: NodeJS.Timeout | undefined;
  /** The Home view to publish, for a Home tab. */
  homeView: object | undefined;
  private readonly waiters: { resolve: (ref: MessageRef) => void; reject: (error: unknown) => void }[] = [];
  private readonly deliveryWaiters: (() => void)[] = [];
  private readonly outbox: Outbox;

  constructor(outbox: Outbox, init: MessageInit) {
    this.outbox = outbox;
    this.init = init;
    this.ref = init.ref;
  }

  /**
   * The content to show; `final` skips the live-edit pacing (a job's end). `render` draws it
   * again from the store when the edit is sent, for a message replicas share (a card). `lane` sends
   * this edit in another lane: a job's last progress edit goes beside its card's (issue 17 §1).
   */
  set(
    content: MessageContent,
    options: {
      final?: boolean;
      render?: (() => Promise<MessageContent | undefined>) | undefined;
      lane?: Lane | undefined;
    } = {},
  ): void {
    if (this.failure !== undefined) return;
    this.desired = {
      content,
      version: (this.desired?.version ?? 0) + 1,
      final: options.final ?? false,
      render: options.render,
      lane: options.lane,
    };
    this.outbox.schedule(this);
  }

  /** Resolves with where the message is once it was posted; rejects when posting failed. */
  posted(): Promise<MessageRef> {
    if (this.ref) return Promise.resolve(this.ref);
    if (this.failure !== undefined) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => this.waiters.push({ resolve, reject }));
  }

  /**
   * Resolves once the content set last was delivered, or given up (the message failed, the outbox
   * closed): a post that must come after this message's state (a job's summary after its card).
   */
  whenDelivered(): Promise<void> {
    if (this.isDelivered()) return Promise.resolve();
    return new Promise((resolve) => this.deliveryWaiters.push(resolve));
  }

  /** Tells the waiters of `whenDelivered` when nothing is left to send (`always`: the outbox closed). */
  checkDelivered(always = false): void {
    if (always || this.isDelivered()) for (const w of this.deliveryWaiters.splice(0)) w();
  }

  private isDelivered(): boolean {
    return this.failure !== undefined || !this.desired || this.desired.version <= this.delivered;
  }

  settle(ref: MessageRef | undefined, error?: unknown): void {
    for (const w of this.waiters.splice(0)) {
      if (ref) w.resolve(ref);
      else w.reject(error);
    }
  }
}

/**
 * Everything labops sends to Slack goes through here (issue 4, "Rate limits"): bottleneck limiters
 * per method matching the stand-in's contract with a margin, per-message coalescing, priorities,
 * and `Retry-After` honoured per lane.
 *
 * - `chat.update`, card lane: a token bucket of 10 refilled every window/15 (≤ 25 per window): the
 *   cards, all their copies at once (a group takes a call for each), a job's last progress edit;
 * - `chat.update`, progress lane: one per window/21 (≤ 21 per window) — together under 50. A job's
 *   thread is one message edited in place (issue 17 §1), so the progress lane needs far fewer;
 * - `chat.postMessage`: per channel, a bucket one smaller than Slack's burst, refilled at its rate;
 * - `views.publish`: at 90 % of its rate, coalesced per user;
 * - everything else: four at a time.
 */
export class Outbox {
  private readonly options: OutboxOptions;
  private readonly messages = new Map<string, LiveMessage>();
  /** The copies of each card (`MessageInit.group`). */
  private readonly groups = new Map<string, Set<LiveMessage>>();
  /** Groups whose edits go at the end of this turn. */
  private readonly pendingGroups = new Set<string>();
  /** The card lane's bucket: the most calls one group may take at once. */
  private readonly cardReserve: number;
  private readonly cardUpdates: Bottleneck;
  private readonly progressUpdates: Bottleneck;
  private readonly posts: Bottleneck.Group;
  private readonly publishes: Bottleneck;
  private readonly other: Bottleneck;
  private readonly sleep: (ms: number) => Promise<void>;
  private busy = 0;
  private idleWaiters: (() => void)[] = [];
  private closed = false;
  /** 429s seen (they should not happen; logged and counted for the benchmark). */
  rateLimited = 0;
  private readonly callObservers = new Set<(call: OutboxCall) => void>();

  constructor(options: OutboxOptions) {
    this.options = options;
    const { limits } = options;
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    const reserve = 10;
    const refills = 15;
    this.cardReserve = reserve;
    // As many at once as the bucket holds: a group of copies is one job of that weight.
    this.cardUpdates = new Bottleneck({
      maxConcurrent: reserve,
      reservoir: reserve,
      reservoirIncreaseInterval: Math.ceil(limits.updateWindowMs / refills),
      reservoirIncreaseAmount: 1,
      reservoirIncreaseMaximum: reserve,
    });
    const progressPerWindow = Math.max(1, limits.updatesPerWindow - reserve - refills - 4);
    this.progressUpdates = new Bottleneck({
      maxConcurrent: 1,
      minTime: Math.ceil(limits.updateWindowMs / progressPerWindow),
    });
    const burst = Math.max(1, limits.postBurst - 1);
    this.posts = new Bottleneck.Group({
      maxConcurrent: 1,
      reservoir: burst,
      reservoirIncreaseInterval: Math.ceil(limits.postIntervalMs),
      reservoirIncreaseAmount: 1,
      reservoirIncreaseMaximum: burst,
    });
    this.publishes = new Bottleneck({
      maxConcurrent: 1,
      minTime: Math.ceil(limits.publishWindowMs / Math.max(1, Math.floor(limits.publishesPerWindow * 0.9))),
    });
    this.other = new Bottleneck({ maxConcurrent: 4 });
  }

  /** The message for `key`, created on first use with `init`. */
  message(key: string, init: MessageInit): LiveMessage {
    let found = this.messages.get(key);
    if (!found) {
      found = new LiveMessage(this, init);
      this.messages.set(key, found);
      if (init.group !== undefined) {
        const members = this.groups.get(init.group) ?? new Set<LiveMessage>();
        members.add(found);
        this.groups.set(init.group, members);
      }
    } else if (!found.ref && init.ref) {
      found.ref = init.ref;
    }
    return found;
  }

  find(key: string): LiveMessage | undefined {
    return this.messages.get(key);
  }

  /** Forgets a message whose final state was delivered (the job ended). */
  forget(key: string): void {
    const m = this.messages.get(key);
    if (m && ((!m.scheduled && m.timer === undefined) || m.failure !== undefined)) {
      this.messages.delete(key);
      const group = m.init.group !== undefined ? this.groups.get(m.init.group) : undefined;
      group?.delete(m);
      if (group?.size === 0 && m.init.group !== undefined) this.groups.delete(m.init.group);
    }
  }

  /** Publishes a Home tab for one user; a newer view replaces one still waiting. */
  publishHome(userId: string, view: object): void {
    const key = `home:${userId}`;
    const message = this.message(key, { channel: userId, lane: 'progress', priority: 3, home: true });
    message.homeView = view;
    message.set({ text: '', blocks: [] }, { final: true });
  }

  /** Any other Web API call, with 429s waited out. */
  call<T = Record<string, unknown>>(method: string, args: Record<string, unknown>): Promise<T> {
    return this.track(this.other.schedule(() => this.send<T>(method, args)));
  }

  /** Hears of every Web API call sent from here, each attempt once; answers the unsubscribe. */
  observeCalls(listener: (call: OutboxCall) => void): () => void {
    this.callObservers.add(listener);
    return () => this.callObservers.delete(listener);
  }

  /** Calls waiting for their limiter's budget or being sent now: the queue's depth. */
  getDepth(): number {
    const limiters = [
      this.cardUpdates,
      this.progressUpdates,
      this.publishes,
      this.other,
      ...this.posts.limiters().map((l) => l.limiter),
    ];
    let depth = 0;
    for (const limiter of limiters) {
      const counts = limiter.counts();
      depth += counts.RECEIVED + counts.QUEUED + counts.RUNNING + counts.EXECUTING;
    }
    return depth;
  }

  /** Resolves when nothing waits to be sent (tests, shutdown). */
  idle(): Promise<void> {
    if (this.busy === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Sends what is waiting, then stops the limiters. */
  async close(): Promise<void> {
    for (const m of this.messages.values()) {
      if (m.timer) {
        clearTimeout(m.timer);
        m.timer = undefined;
        this.done();
        this.enqueue(m);
      }
    }
    await this.idle();
    this.closed = true;
    for (const m of this.messages.values()) m.checkDelivered(true);
    await Promise.all([
      this.cardUpdates.stop({ dropWaitingJobs: true }),
      this.progressUpdates.stop({ dropWaitingJobs: true }),
      this.publishes.stop({ dropWaitingJobs: true }),
      this.other.stop({ dropWaitingJobs: true }),
      ...this.posts.limiters().map((l) => l.limiter.stop({ dropWaitingJobs: true })),
    ]).catch(() => undefined);
  }

  /** Called by a message whose content changed. */
  schedule(message: LiveMessage): void {
    if (this.closed) return;
    if (message.scheduled) {
      // Waiting in the progress lane, now wanted beside its card: sent there too, at once; the
      // delivery still waiting finds nothing newer to send.
      if (message.desired?.lane === 'card' && message.init.lane !== 'card' && message.ref)
        this.expedite(message);
      return;
    }
    const now = Date.now();
    const wait = message.init.home
      ? message.lastSentAt + (this.options.homeIntervalMs ?? 0) - now
      : message.desired?.final || !message.ref
        ? 0
        : message.lastSentAt + this.options.liveUpdateMs - now;
    if (message.timer) {
      if (wait > 0) return;
      clearTimeout(message.timer);
      message.timer = undefined;
      this.done();
    }
    if (wait > 0) {
      this.busy++;
      message.timer = setTimeout(() => {
        message.timer = undefined;
        this.done();
        this.enqueue(message);
      }, wait);
      return;
    }
    this.enqueue(message);
  }

  private enqueue(message: LiveMessage): void {
    if (message.scheduled || this.closed) return;
    const { init } = message;
    const lane = message.desired?.lane ?? init.lane;
    if (init.group !== undefined && message.ref && lane === 'card' && !init.home) {
      this.requestGroup(init.group);
      return;
    }
    message.scheduled = true;
    const limiter = init.home
      ? this.publishes
      : !message.ref
        ? this.posts.key(init.channel)
        : lane === 'card'
          ? this.cardUpdates
          : this.progressUpdates;
    void this.track(
      limiter
        .schedule({ priority: init.priority }, () => this.deliver(message))
        .catch((error: unknown) =>
          this.options.logger.warn({ err: String(error) }, 'a Slack message could not be delivered'),
        )
        .finally(() => {
          message.scheduled = false;
          if (
            message.desired &&
            message.desired.version > message.delivered &&
            message.failure === undefined
          ) {
            this.schedule(message);
          }
        }),
    );
  }

  private expedite(message: LiveMessage): void {
    if (message.expedited) return;
    if (message.init.group !== undefined) {
      this.requestGroup(message.init.group);
      return;
    }
    message.expedited = true;
    void this.track(
      this.cardUpdates
        .schedule({ priority: message.init.priority }, () => this.deliver(message))
        .catch((error: unknown) =>
          this.options.logger.warn({ err: String(error) }, 'a Slack message could not be delivered'),
        )
        .finally(() => {
          message.expedited = false;
        }),
    );
  }

  /** The group's edits go once every edit set in this same turn is known (a card and its copies). */
  private requestGroup(group: string): void {
    if (this.pendingGroups.has(group) || this.closed) return;
    this.pendingGroups.add(group);
    this.busy++;
    queueMicrotask(() => {
      this.pendingGroups.delete(group);
      this.enqueueGroup(group);
      this.done();
    });
  }

  /**
   * Every message of a group with an edit waiting for the card lane — the card's copies, and the
   * job's last progress edit set with the card's (issue 17 §1) — in one job of the card lane
   * weighing a call for each (at most the bucket: a larger group goes in turns). The copies are
   * sent at once, the thread's message right after them: the last lands within a round trip or two
   * of the first (issue 17 §2), whatever budget the lane had left.
   */
  private enqueueGroup(group: string): void {
    if (this.closed) return;
    const waiting = [...(this.groups.get(group) ?? [])].filter(
      (m) =>
        m.failure === undefined &&
        m.desired !== undefined &&
        m.desired.version > m.delivered &&
        (m.desired.lane ?? m.init.lane) === 'card' &&
        // A card's copy waits for its turn here; a thread's message may also wait in its own
        // lane, or be still on its way (its post), which the edit then waits for.
        (m.init.lane === 'card' ? m.ref !== undefined && !m.scheduled : !m.expedited),
    );
    const due = waiting.slice(0, this.cardReserve);
    if (!due.length) return;
    for (const m of due) {
      if (m.init.lane === 'card') m.scheduled = true;
      else m.expedited = true;
      if (m.timer) {
        clearTimeout(m.timer);
        m.timer = undefined;
        this.done();
      }
    }
    const cards = due.filter((m) => m.init.lane === 'card');
    const rest = due.filter((m) => m.init.lane !== 'card');
    const priority = Math.min(...due.map((m) => m.init.priority));
    void this.track(
      this.cardUpdates
        .schedule({ priority, weight: due.length }, async () => {
          await Promise.all(cards.map((m) => this.deliver(m)));
          await Promise.all(
            rest.map(async (m) => {
              if (!m.ref && !(await m.posted().then(Boolean, () => false))) return;
              await this.deliver(m);
            }),
          );
        })
        .catch((error: unknown) =>
          this.options.logger.warn({ err: String(error) }, 'a Slack message could not be delivered'),
        )
        .finally(() => {
          for (const m of cards) m.scheduled = false;
          for (const m of rest) m.expedited = false;
          for (const m of due) {
            if (m.desired && m.desired.version > m.delivered && m.failure === undefined && !m.scheduled)
              this.schedule(m);
          }
        }),
    );
    // The rest of a group larger than the bucket goes in the next turn, its own job of the lane.
    if (waiting.length > due.length) this.requestGroup(group);
  }

  private async deliver(message: LiveMessage): Promise<void> {
    while (message.inFlight) await message.inFlight;
    const sending = this.deliverNow(message);
    message.inFlight = sending;
    try {
      await sending;
    } finally {
      if (message.inFlight === sending) message.inFlight = undefined;
      message.checkDelivered();
    }
  }

  private async deliverNow(message: LiveMessage): Promise<void> {
    const desired = message.desired;
    if (!desired || desired.version <= message.delivered) return;
    const { content } = desired;
    const home = message.init.home ? message.homeView : undefined;
    try {
      if (home) {
        await this.send('views.publish', { user_id: message.init.channel, view: home });
      } else if (!message.ref) {
        const threadTs = message.init.parent
          ? (await message.init.parent.posted()).ts
          : message.init.threadTs;
        const answer = await this.send<{ channel?: string; ts?: string }>('chat.postMessage', {
          channel: message.init.channel,
          text: content.text,
          blocks: content.blocks,
          ...(threadTs ? { thread_ts: threadTs } : {}),
          ...(threadTs && message.init.broadcast ? { reply_broadcast: true } : {}),
          unfurl_links: false,
          unfurl_media: false,
        });
        message.ref = { channel: answer.channel ?? message.init.channel, ts: String(answer.ts) };
        message.settle(message.ref);
      } else {
        const ref = message.ref;
        const release = desired.render
          ? await this.options.editLock?.(`${ref.channel}:${ref.ts}`)
          : undefined;
        try {
          // Under the lock, the content as the store has it now: no older state can follow it.
          const fresh = release ? ((await desired.render?.()) ?? content) : content;
          // The full blocks every time: chat.update keeps the old blocks when they are left out
          // (slack-platform.md §2, "Updating the original message").
          await this.send('chat.update', {
            channel: ref.channel,
            ts: ref.ts,
            text: fresh.text,
            blocks: fresh.blocks,
          });
        } finally {
          await release?.();
        }
      }
      message.delivered = desired.version;
      message.lastSentAt = Date.now();
    } catch (error) {
      if (!message.ref && !home) {
        message.failure = error;
        message.settle(undefined, error);
      } else {
        // An edit that Slack refuses (the message was deleted) is not retried forever.
        message.delivered = desired.version;
        this.options.logger.warn(
          { err: getPlatformError(error) ?? String(error), channel: message.ref?.channel },
          'Slack refused an edit',
        );
      }
    }
  }

  /**
   * Waits for a call of the budget the replicas share: Slack's limits, a little under, counted
   * across every replica. A budget that cannot be asked (the database is out of reach) lets the
   * call go: this process's own limiters still pace it.
   */
  private async takeShared(method: string, args: Record<string, unknown>): Promise<void> {
    const { budget, limits } = this.options;
    if (!budget) return;
    const bucket =
      method === 'chat.update'
        ? {
            name: method,
            capacity: 5,
            intervalMs: limits.updateWindowMs / Math.max(1, limits.updatesPerWindow - 5),
          }
        : method === 'chat.postMessage'
          ? {
              name: `${method}:${String(args.channel)}`,
              capacity: Math.max(1, limits.postBurst - 1),
              intervalMs: limits.postIntervalMs,
            }
          : method === 'views.publish'
            ? {
                name: method,
                capacity: 5,
                intervalMs: limits.publishWindowMs / Math.max(1, Math.floor(limits.publishesPerWindow * 0.9)),
              }
            : undefined;
    if (!bucket) return;
    for (;;) {
      let wait: number;
      try {
        wait = await budget(bucket.name, bucket.capacity, bucket.intervalMs);
      } catch (error) {
        this.options.logger.warn({ err: String(error), method }, 'could not ask the shared Slack budget');
        return;
      }
      if (wait <= 0) return;
      await this.sleep(wait);
    }
  }

  private async send<T>(method: string, args: Record<string, unknown>): Promise<T> {
    const retries = this.options.maxRateLimitRetries ?? 5;
    for (let attempt = 0; ; attempt++) {
      await this.takeShared(method, args);
      try {
        const answer = (await this.options.client.apiCall(method, args)) as T;
        this.tell({ method, outcome: 'ok' });
        return answer;
      } catch (error) {
        const retryAfter = getRetryAfter(error);
        this.tell({ method, outcome: retryAfter === undefined ? 'error' : 'rate_limited' });
        if (retryAfter === undefined || attempt >= retries) throw error;
        this.rateLimited++;
        this.options.logger.warn({ method, retryAfter }, 'Slack rate-limited a call; waiting as asked');
        // Waiting inside the limiter's slot pauses this lane only (maxConcurrent 1).
        await this.sleep(Math.max(1, retryAfter) * 1000);
      }
    }
  }

  private tell(call: OutboxCall): void {
    for (const listener of this.callObservers) {
      try {
        listener(call);
      } catch (error) {
        this.options.logger.warn({ err: String(error) }, 'an outbox observer failed');
      }
    }
  }

  private track<T>(promise: Promise<T>): Promise<T> {
    this.busy++;
    return promise.finally(() => this.done());
  }

  private done(): void {
    this.busy--;
    if (this.busy === 0) for (const w of this.idleWaiters.splice(0)) w();
  }
}
