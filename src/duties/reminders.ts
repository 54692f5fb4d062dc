import { getApproversToRemind, getReminderDelayMs, type Policy } from '../../approvals/policy.js';
import type { EventBus } from '../jobs/events.js';
import type { Logger } from '../log.js';
import type { ApprovalRecord, Store } from '../store/types.js';
import type { Clock } from '../time.js';
import { findQuietEnd } from './quiet-hours.js';

/** One lab as the reminders read it, at each tick: its policy now, its time zone and quiet hours. */
export interface ReminderLab {
  name: string;
  policy: Policy;
  timeZone?: string | undefined;
  /** lab.yml `events.quiet_hours`: a reminder due meanwhile waits for their end. */
  quietHours?: string | undefined;
}

export interface RemindersOptions {
  store: Store;
  bus: EventBus;
  clock: Clock;
  logger: Logger;
  /** The bot's labs. */
  labs: () => readonly ReminderLab[];
  /** Whether this process leads the replicas now (src/labs.ts `leading`): only the leader reminds. */
  leading: () => boolean;
  /** How often `start`'s timer looks for due reminders (default 30 s). */
  tickMs?: number | undefined;
}

/** What the store keeps under `remind:<approvalId>`: the last stage sent, when, and to whom. */
interface ReminderState {
  stage: 1 | 2;
  at: number;
  approvers: string[];
}

/** A reminder this tick sent (emitted on the bus). */
export interface ReminderSent {
  approvalId: string;
  stage: 1 | 2;
  approvers: string[];
}

const DEFAULT_TICK_MS = 30_000;

function stateKey(approvalId: string): string {
  return `remind:${approvalId}`;
}

function readReminderState(value: unknown): ReminderState | undefined {
  const state = value as Partial<ReminderState> | undefined;
  return state && (state.stage === 1 || state.stage === 2) && typeof state.at === 'number'
    ? { stage: state.stage, at: state.at, approvers: Array.isArray(state.approvers) ? state.approvers : [] }
    : undefined;
}

/**
 * Reminders to silent approvers (issue 15 §2). With `policy.remind_after_minutes: N`, a card that
 * has waited N minutes with no decision reminds, once, the approvers who have not decided (stage 1,
 * by direct message); N minutes after that, it is named in its channel (stage 2). Each stage is
 * recorded in the store (`remind:<approvalId>`, compare-and-set) before it is announced, so a
 * restart or another replica never sends it again; only the leader reminds. A reminder due in the
 * lab's quiet hours waits for their end. Expiry is the approval flow's, unchanged: an expired card
 * is never reminded.
 */
export class Reminders {
  private readonly options: RemindersOptions;
  private timer: NodeJS.Timeout | undefined;
  private ticking: Promise<ReminderSent[]> | undefined;

  constructor(options: RemindersOptions) {
    this.options = options;
  }

  /** Looks for due reminders every `tickMs` (unref'd) until `stop`. */
  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.tick(), this.options.tickMs ?? DEFAULT_TICK_MS);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /**
   * Sends the reminders due at `now`, each at most once. Never throws (it runs from a timer): a
   * lab whose cards cannot be read now is tried again at the next tick. A tick that finds the
   * previous one still running waits for it instead of running beside it.
   */
  async tick(now: number = this.options.clock()): Promise<ReminderSent[]> {
    if (this.ticking) return this.ticking;
    this.ticking = this.runTick(now).finally(() => {
      this.ticking = undefined;
    });
    return this.ticking;
  }

  private async runTick(now: number): Promise<ReminderSent[]> {
    if (!this.options.leading()) return [];
    const sent: ReminderSent[] = [];
    const pendingIds = new Set<string>();
    let listedAll = true;
    for (const lab of this.options.labs()) {
      const delayMs = getReminderDelayMs(lab.policy);
      if (delayMs === undefined) continue;
      try {
        const pending = await this.options.store.listApprovals({ lab: lab.name, statuses: ['pending'] });
        for (const approval of pending) pendingIds.add(approval.id);
        if (findQuietEnd(lab.quietHours, lab.timeZone, now) !== undefined) continue;
        for (const approval of pending) {
          const reminder = await this.remindIfDue(approval, delayMs, now);
          if (reminder) sent.push(reminder);
        }
      } catch (error) {
        listedAll = false;
        this.options.logger.warn({ err: error, lab: lab.name }, 'could not look for cards to remind');
      }
    }
    if (listedAll) await this.forgetDecided(pendingIds);
    return sent;
  }

  /** The stage due for `approval` now, recorded then announced; undefined when none is due. */
  private async remindIfDue(
    approval: ApprovalRecord,
    delayMs: number,
    now: number,
  ): Promise<ReminderSent | undefined> {
    const { store, bus, logger } = this.options;
    // Expiry is the flow's: a card past its time is left to the sweep, never reminded.
    if (approval.expiresAt <= now || now - approval.createdAt < delayMs) return undefined;
    const approvers = getApproversToRemind(approval);
    // A change only its requester confirms has nobody else to remind.
    if (approvers.length === 0) return undefined;
    const entry = await store.readState(stateKey(approval.id));
    const done = readReminderState(entry?.value);
    let stage: 1 | 2;
    if (!done) stage = 1;
    else if (done.stage === 1 && now >= Math.max(approval.createdAt + 2 * delayMs, done.at + delayMs))
      stage = 2;
    else return undefined;
    const state: ReminderState = { stage, at: now, approvers };
    // Recorded first: whoever writes it (this process or another replica) is the one that announces.
    if (!(await store.writeState(stateKey(approval.id), state, now, entry?.version ?? 0))) return undefined;
    const [fresh, job] = await Promise.all([store.getApproval(approval.id), store.getJob(approval.jobId)]);
    // Decided between the list and the write: nothing to remind of.
    if (fresh?.status !== 'pending' || !job) return undefined;
    logger.info({ approvalId: approval.id, jobId: job.id, stage, approvers }, 'reminded a card’s approvers');
    bus.emit({
      type: 'approval:reminded',
      approval: fresh,
      job,
      stage,
      approvers: getApproversToRemind(fresh),
      waitedMs: now - fresh.createdAt,
    });
    return { approvalId: approval.id, stage, approvers };
  }

  /** Drops the records of cards no longer pending: they are never reminded again. */
  private async forgetDecided(pendingIds: ReadonlySet<string>): Promise<void> {
    const { store, logger } = this.options;
    try {
      for (const entry of await store.listState('remind:')) {
        const id = entry.key.slice('remind:'.length);
        if (pendingIds.has(id)) continue;
        const approval = await store.getApproval(id);
        if (approval?.status === 'pending') continue;
        await store.deleteState(entry.key, entry.version);
      }
    } catch (error) {
      logger.warn({ err: error }, 'could not forget the reminders of decided cards');
    }
  }
}
