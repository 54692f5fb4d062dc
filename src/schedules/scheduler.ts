import {
  createPolicyRequest,
  evaluatePolicy,
  getApprovers,
  groupsInPolicy,
  isApprover,
  type Policy,
} from '../../approvals/policy.js';
import type { Card, DispatchResult } from '../cards.js';
import type { Caller, LabInfo, Plan } from '../command.js';
import { toLabopsError } from '../errors.js';
import { renderEnglish } from '../i18n/render.js';
import { isMessage, list, msg, type Text, verbatim } from '../i18n/text.js';
import type { EventBus } from '../jobs/events.js';
import type { Logger } from '../log.js';
import type { StateEntry, Store } from '../store/types.js';
import type { Clock } from '../time.js';
import type { View } from '../view.js';
import {
  describeCommand,
  type Finding,
  isRunning,
  isScheduleRecord,
  LATE_MS,
  type ScheduleRecord,
  scheduleKey,
  schedulePrefix,
} from './schedule.js';
import { describeScope, findScopeGrowth, isScope } from './scope.js';
import { describeWhen, nextAfter } from './when.js';

/** A command a scheduled run dispatches, as its requester (Labops.dispatch's input). */
export interface ScheduleInput {
  command: string;
  text: string;
  caller: Caller;
  signal?: AbortSignal | undefined;
}

/** What the scheduler needs of its lab's labops (src/labops.ts). */
export interface ScheduledLab {
  readonly lab: LabInfo;
  readonly policy: Policy;
  readonly executor: { run(jobId: string): Promise<unknown> };
  dispatch(input: ScheduleInput): Promise<DispatchResult>;
  planOnly(input: ScheduleInput, options: { approved?: boolean }): Promise<Plan>;
  newJobId(): Promise<string>;
  expandPrincipals(principals: readonly string[]): Promise<string[]>;
}

export interface SchedulerOptions {
  labops: ScheduledLab;
  store: Store;
  bus: EventBus;
  clock: Clock;
  logger: Logger;
  /** Whether this process leads the replicas now: only the leader runs due work (issue 14 §2). */
  leads: () => boolean;
  /** How often `start`'s timer looks for due work (default 15 s). */
  tickMs?: number | undefined;
}

const DEFAULT_TICK_MS = 15_000;
/** A run this late was missed rather than merely picked up by the next tick: its message says so. */
const MISSED_AFTER_MS = 60_000;

/**
 * Runs a lab's scheduled work when it is due (issue 15 §4). Each tick — every `tickMs`, and once at
 * start so that runs missed while the bot was down are looked at — reads the lab's schedules from
 * the store; only the leader acts, and it claims each due run with compare-and-set (a one-off is
 * marked running, and removed once its job is queued; a repeated one moved to its next time), so
 * no two replicas run the same run. A one-off whose process died while it ran is claimed again
 * once its claim is stale (`CLAIM_STALE_MS`), unless its job was queued already.
 *
 * A change is planned again and runs as a job of its own under the card's approval, its locks taken
 * now — unless its destructive scope grew or its approvals no longer hold under the current policy:
 * then a new card asks again. A read (`/lab doctor`) posts what changed since its last run.
 */
export class Scheduler {
  private timer: NodeJS.Timeout | undefined;
  private ticking: Promise<void> | undefined;
  private stopped = false;
  /** Malformed entries already logged: told once, not at every tick. */
  private readonly malformed = new Set<string>();

  constructor(private readonly options: SchedulerOptions) {}

  /** Looks at once (missed runs), then every `tickMs`. */
  start(): void {
    if (this.timer || this.stopped) return;
    const tick = () => {
      this.tick().catch((error: unknown) =>
        this.options.logger.error({ err: error }, 'a schedule tick failed'),
      );
    };
    tick();
    this.timer = setInterval(tick, this.options.tickMs ?? DEFAULT_TICK_MS);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.ticking;
  }

  /**
   * Runs what is due now, when this process leads. Never throws: a schedule that fails is logged
   * and told in its channel. Ticks do not overlap: a tick asked for while one runs waits for it.
   */
  tick(): Promise<void> {
    if (!this.options.leads()) return Promise.resolve();
    this.ticking ??= this.tickOnce().finally(() => {
      this.ticking = undefined;
    });
    return this.ticking;
  }

  private async tickOnce(): Promise<void> {
    const { store, clock, logger, labops } = this.options;
    const entries: { entry: StateEntry; schedule: ScheduleRecord }[] = [];
    try {
      for (const entry of await store.listState(schedulePrefix(labops.lab.name))) {
        if (isScheduleRecord(entry.value)) {
          entries.push({ entry, schedule: entry.value });
        } else if (!this.malformed.has(entry.key)) {
          this.malformed.add(entry.key);
          logger.warn(
            { key: entry.key },
            'a malformed schedule entry was skipped; /lab cancel cannot remove it',
          );
        }
      }
      // The earliest first: a run missed longer ago is told before one missed less.
      entries.sort((a, b) => a.schedule.next - b.schedule.next);
    } catch (error) {
      logger.warn({ err: error }, 'could not read the schedules');
      return;
    }
    for (const { entry, schedule } of entries) {
      // A stop (SIGTERM) lets the run under way finish, and starts no other.
      if (this.stopped) break;
      const now = clock();
      if (schedule.next > now || isRunning(schedule, now)) continue;
      try {
        await this.runDue(entry, schedule, now);
      } catch (error) {
        logger.error({ err: error, schedule: schedule.id }, 'a scheduled run failed');
        this.notify(
          schedule,
          msg('schedule.notice.notStarted', {
            id: schedule.id,
            command: describeCommand(schedule),
            reason: toLabopsError(error).text,
          }),
        );
      }
    }
  }

  private async runDue(entry: StateEntry, schedule: ScheduleRecord, now: number): Promise<void> {
    const { store, logger, labops } = this.options;
    const key = scheduleKey(schedule.lab, schedule.id);
    if (schedule.everyMs !== undefined) {
      const following = nextAfter(schedule.next, schedule.everyMs, now);
      // The claim: whoever moves the entry from the version read runs this run; a replica that
      // read the same version, or a cancel in between, makes it fail here.
      if (!(await store.writeState(key, { ...schedule, next: following }, now, entry.version))) return;
      // Missed several times (the bot was down): judged by the latest time missed, not the oldest.
      await this.runClaimed(schedule, following - schedule.everyMs, following, entry.version + 1, now);
      return;
    }
    // A one-off whose run was claimed by a process that died: its job queued already, it ran.
    if (schedule.claim !== undefined && (await store.getJob(schedule.claim.jobId))) {
      logger.warn({ schedule: schedule.id, jobId: schedule.claim.jobId }, 'a one-off ran before a crash');
      await store.deleteState(key, entry.version);
      return;
    }
    // A one-off stays, marked running, until its run is done: a crash meanwhile does not lose it.
    const claim = { at: now, jobId: await labops.newJobId() };
    if (!(await store.writeState(key, { ...schedule, claim }, now, entry.version))) return;
    try {
      await this.runClaimed(schedule, schedule.next, undefined, undefined, now, claim.jobId);
    } finally {
      await store.deleteState(key, entry.version + 1);
    }
  }

  /**
   * A run claimed: skipped when missed by too much, else run. `due`: the time it was due; `following`:
   * a repeat's next run; `version`: a repeat's entry once claimed (a read's findings are kept there).
   */
  private async runClaimed(
    schedule: ScheduleRecord,
    due: number,
    following: number | undefined,
    version: number | undefined,
    now: number,
    jobId?: string,
  ): Promise<void> {
    const { store, logger } = this.options;
    const late = now - due;
    const next =
      following === undefined
        ? []
        : [msg('schedule.notice.next', { when: describeWhen(following, schedule.timeZone) })];
    const params = {
      id: schedule.id,
      command: describeCommand(schedule),
      when: describeWhen(due, schedule.timeZone),
      minutes: Math.round(late / 60_000),
    };
    if (late > LATE_MS) {
      logger.warn({ schedule: schedule.id, lateMs: late }, 'a scheduled run missed by too much was skipped');
      await store.appendAudit({
        at: now,
        type: 'schedule:skipped',
        actor: 'labops',
        lab: schedule.lab,
        jobId: undefined,
        approvalId: schedule.approvalId,
        detail: { schedule: schedule.id, command: schedule.command, text: schedule.text, lateMs: late },
      });
      this.notify(schedule, msg('schedule.notice.lateSkipped', params), next);
      return;
    }
    if (late > MISSED_AFTER_MS) this.notify(schedule, msg('schedule.notice.lateRuns', params));
    const input = await this.toInput(schedule);
    if (schedule.read) await this.runRead(schedule, input, version, now);
    else await this.runChange(schedule, input, now, jobId ?? (await this.options.labops.newJobId()));
  }

  /**
   * What the run dispatches, as its requester — with the groups they belong to now among those
   * the policy names, so that one who may ask through a group (`askers: [slack:S…]`) still may.
   */
  private async toInput(schedule: ScheduleRecord): Promise<ScheduleInput> {
    const { labops } = this.options;
    const groups: string[] = [];
    for (const group of groupsInPolicy(labops.policy)) {
      if ((await labops.expandPrincipals([group])).includes(schedule.requester)) groups.push(group);
    }
    return {
      command: `/${schedule.command.split(' ')[0]}`,
      text: schedule.text,
      caller: { principal: schedule.requester, channel: schedule.channel, groups },
    };
  }

  /** A change: planned again, checked against what was approved, then run as job `jobId`. */
  private async runChange(
    schedule: ScheduleRecord,
    input: ScheduleInput,
    now: number,
    jobId: string,
  ): Promise<void> {
    const { labops, store, logger } = this.options;
    const command = describeCommand(schedule);
    const plan = await labops.planOnly(input, { approved: true });
    const reasons = [
      ...(isScope(schedule.scope) ? findScopeGrowth(schedule.scope, describeScope(plan)) : []),
      ...(await this.checkApprovals(schedule, input, plan)),
    ];
    if (reasons.length > 0) {
      logger.info(
        { schedule: schedule.id, reasons: reasons.map((r) => renderEnglish(r)) },
        'a scheduled run asks again',
      );
      const result = await labops.dispatch(input);
      if (result.kind === 'card') {
        this.notify(
          schedule,
          msg('schedule.notice.askAgain', { id: schedule.id, command, reasons: list(reasons) }),
          [],
          result.card,
        );
        return;
      }
      const reason = result.kind === 'error' ? result.error.text : msg('lab.across.notPlanned', { command });
      this.notify(schedule, msg('schedule.notice.notStarted', { id: schedule.id, command, reason }));
      return;
    }
    const queued = await store.queueJob({
      job: {
        id: jobId,
        lab: schedule.lab,
        command: schedule.command,
        text: schedule.text,
        args: { schedule: schedule.id, approval: schedule.approvalId },
        requester: schedule.requester,
        channel: schedule.channel,
        risk: plan.risk,
        plan,
        steps: plan.steps,
        createdAt: now,
      },
      approvalId: schedule.approvalId,
      locks: plan.locks,
      audit: { command: schedule.command, text: schedule.text, schedule: schedule.id },
    });
    if (!queued.ok) {
      const { heldBy } = queued;
      const reason = msg('pipeline.lock.held', {
        target: verbatim(heldBy.key),
        job: heldBy.jobId,
        holder: heldBy.holder,
      });
      this.notify(schedule, msg('schedule.notice.notStarted', { id: schedule.id, command, reason }));
      return;
    }
    // The run reports where the card that scheduled it is: the card becomes its parent message.
    // One lab's part of several labs' reset does not: their runs would all edit the one card.
    const card = schedule.across ? undefined : await store.getJob(schedule.jobId);
    if (card?.messageRef) await store.setJobMessageRef(queued.job.id, card.messageRef);
    this.notify(schedule, msg('schedule.notice.running', { id: schedule.id, command, job: queued.job.id }));
    labops.executor.run(queued.job.id).catch((error: unknown) => {
      logger.error({ err: error, jobId: queued.job.id }, 'a scheduled job crashed');
    });
  }

  /**
   * Why the card's approvals no longer let the work run under the lab's policy now, if they do
   * not: the requester may no longer ask, or too few of its approvers still approve this command
   * (an approver removed from lab.yml no longer counts).
   */
  private async checkApprovals(schedule: ScheduleRecord, input: ScheduleInput, plan: Plan): Promise<Text[]> {
    const { labops } = this.options;
    const command = verbatim(`/${schedule.command}`);
    const decision = evaluatePolicy(
      labops.policy,
      createPolicyRequest(schedule.command, plan.risk, input.caller),
    );
    if (!decision.allowed) {
      return [msg('schedule.reason.requesterGone', { requester: schedule.requester, command })];
    }
    if (decision.requesterConfirms) return [];
    const eligible = new Set(await labops.expandPrincipals(decision.approvers));
    const configured = getApprovers(labops.policy, schedule.command);
    const others = schedule.approvers.filter((p) => p !== schedule.requester);
    const counting = others.filter((p) => eligible.has(p) || isApprover(configured, p, []));
    if (counting.length >= decision.required) return [];
    return [
      ...others
        .filter((p) => !counting.includes(p))
        .map((principal) => msg('schedule.reason.approverGone', { principal, command })),
      msg('schedule.reason.tooFew', { required: decision.required, count: counting.length }),
    ];
  }

  /** A read: run as its requester; what changed since the last run is posted, nothing when nothing did. */
  private async runRead(
    schedule: ScheduleRecord,
    input: ScheduleInput,
    version: number | undefined,
    now: number,
  ): Promise<void> {
    const { labops, store, logger } = this.options;
    const result = await labops.dispatch(input);
    if (result.kind !== 'view') {
      const reason = result.kind === 'error' ? result.error.text : verbatim(result.card.job.id);
      const command = describeCommand(schedule);
      this.notify(schedule, msg('schedule.notice.notStarted', { id: schedule.id, command, reason }));
      return;
    }
    const found = listFindings(result.view);
    const before = schedule.findings;
    if (before === undefined) {
      this.notify(
        schedule,
        msg('schedule.notice.doctorFirst', { id: schedule.id, count: found.length }),
        found.map((f) => describeFinding(f, 'added')),
      );
    } else {
      const known = new Set(before.map((f) => f.key));
      const seen = new Set(found.map((f) => f.key));
      const added = found.filter((f) => !known.has(f.key));
      const gone = before.filter((f) => !seen.has(f.key));
      if (added.length === 0 && gone.length === 0) {
        logger.info({ schedule: schedule.id, findings: found.length }, 'scheduled doctor: nothing changed');
      } else {
        this.notify(
          schedule,
          msg('schedule.notice.doctorChanged', {
            id: schedule.id,
            since: describeWhen(schedule.findingsAt ?? schedule.createdAt, schedule.timeZone),
            added: added.length,
            gone: gone.length,
          }),
          [...added.map((f) => describeFinding(f, 'added')), ...gone.map((f) => describeFinding(f, 'gone'))],
        );
      }
    }
    // A one-off has no next run to remember them for; a cancel meanwhile wins (the write fails).
    if (version === undefined) return;
    const current = await store.readState(scheduleKey(schedule.lab, schedule.id));
    if (current?.version !== version) return;
    await store.writeState(
      scheduleKey(schedule.lab, schedule.id),
      { ...(current.value as ScheduleRecord), findings: found, findingsAt: now },
      now,
      version,
    );
  }

  private notify(schedule: ScheduleRecord, text: Text, lines: Text[] = [], card?: Card): void {
    this.options.bus.emit({
      type: 'schedule:notice',
      lab: schedule.lab,
      channel: schedule.channel,
      scheduleId: schedule.id,
      requester: schedule.requester,
      text,
      lines,
      ...(card ? { card } : {}),
    });
  }
}

function describeFinding(finding: Finding, how: 'added' | 'gone'): Text {
  return how === 'added'
    ? msg('schedule.notice.added', { finding: finding.title })
    : msg('schedule.notice.gone', { finding: finding.title });
}

/**
 * The findings of a doctor's view: each section headed `1. <title>`, and in a view across labs
 * each such heading among a lab's lines, named with its lab. Compared by their English.
 */
export function listFindings(view: View): Finding[] {
  const found: Finding[] = [];
  const add = (title: Text, lab: string | undefined) => {
    const key = `${lab === undefined ? '' : `${lab}: `}${renderEnglish(title)}`;
    if (found.some((f) => f.key === key)) return;
    found.push({
      key,
      ...(lab === undefined ? {} : { lab }),
      title: lab === undefined ? title : inLab(lab, title),
    });
  };
  for (const section of view.sections) {
    const heading = section.heading;
    if (isMessage(heading) && heading.key === 'doctor.finding.heading') {
      add(heading.params?.title as Text, undefined);
      continue;
    }
    if (!isMessage(heading) || heading.key !== 'lab.across.heading') continue;
    const lab = String(heading.params?.lab ?? '?');
    for (const line of section.lines) {
      if (!isMessage(line) || line.key !== 'lab.across.part') continue;
      const inner = line.params?.heading;
      if (isMessage(inner as Text) && (inner as { key: string }).key === 'doctor.finding.heading') {
        add((inner as { params?: { title?: Text } }).params?.title as Text, lab);
      }
    }
  }
  return found;
}

function inLab(lab: string, title: Text): Text {
  return msg('lab.across.heading', { lab, state: title });
}
