import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { LabopsError } from '../errors.js';
import { msg, type Text, verbatim } from '../i18n/text.js';
import { defineStep, type StepDefinition } from '../jobs/steps.js';
import type { Plan, StepSpec } from '../plan.js';
import type { Risk } from '../risk.js';
import type { Store } from '../store/types.js';
import type { Clock } from '../time.js';
import { decodeSlackText, tokenize } from '../tokenize.js';
import { describeScope, type Scope } from './scope.js';
import { describeEvery, describeWhen, nextAfter, parseAt, parseEvery } from './when.js';

/**
 * Scheduled work as the store keeps it (issue 15 §4): one state entry per schedule, keyed
 * `schedule:<lab>:<id>`, written by the card's job once approved and claimed with compare-and-set
 * at each run, so two replicas never both run it.
 */
export interface ScheduleRecord {
  /** `sch-1a2b`: what `/lab jobs` shows and `/lab cancel` takes. */
  id: string;
  lab: string;
  /** `lab reset`: the policy's key. */
  command: string;
  /** What runs, as typed after the slash command, without `--at` and `--every`: `reset --keep-vms`. */
  text: string;
  requester: string;
  channel: string;
  /** The card that scheduled it: its job (whose message the runs report in) and its approval. */
  jobId: string;
  approvalId: string;
  /** Who approved it — the requester alone for a confirmed read. */
  approvers: string[];
  /** A read (`/lab doctor`): it posts what changed; a change runs as a job. */
  read: boolean;
  risk: Risk;
  /** The destructive scope approved, for a change (src/schedules/scope.ts). */
  scope?: Scope | undefined;
  /** The next run. */
  next: number;
  /** `--every`, in ms; a one-off without. */
  everyMs?: number | undefined;
  timeZone: string;
  createdAt: number;
  /** A read's findings at its last run, and when: the next run posts only what changed. */
  findings?: Finding[] | undefined;
  findingsAt?: number | undefined;
  /** One lab's part of a reset of several labs: its runs report in the channel, not the card's thread. */
  across?: boolean | undefined;
  /**
   * A one-off's run under way: claimed at `at` by compare-and-set, its job to be `jobId`. The entry
   * is removed once the run is done; a claim older than `CLAIM_STALE_MS` was lost with its process.
   */
  claim?: { at: number; jobId: string } | undefined;
}

/** A claimed one-off's run older than this was lost with its process (a crash while planning). */
export const CLAIM_STALE_MS = 10 * 60_000;

/** Whether a one-off's run is under way now (claimed, and not so long ago that it was lost). */
export function isRunning(schedule: ScheduleRecord, now: number): boolean {
  return schedule.claim !== undefined && now - schedule.claim.at < CLAIM_STALE_MS;
}

/**
 * Whether a stored value is a schedule the scheduler can run: an entry written by hand, or by
 * another version of labops, is skipped rather than crash the tick.
 */
export function isScheduleRecord(value: unknown): value is ScheduleRecord {
  const v = value as Partial<ScheduleRecord> | null | undefined;
  return (
    typeof v === 'object' &&
    v !== null &&
    ['id', 'lab', 'command', 'text', 'requester', 'channel', 'jobId', 'approvalId', 'timeZone'].every(
      (field) => typeof (v as Record<string, unknown>)[field] === 'string',
    ) &&
    Number.isFinite(v.next) &&
    Number.isFinite(v.createdAt) &&
    typeof v.read === 'boolean' &&
    Array.isArray(v.approvers) &&
    (v.everyMs === undefined || (Number.isFinite(v.everyMs) && v.everyMs > 0))
  );
}

/** One doctor finding as a scheduled run remembers it: compared by `key` (its English title). */
export interface Finding {
  key: string;
  /** The lab it was found in, for a read across labs. */
  lab?: string | undefined;
  title: Text;
}

/** A run up to this late (the bot was down) still runs at start-up; later ones are skipped with a message. */
export const LATE_MS = 15 * 60_000;

/** The kind of the one step of a card that schedules work. */
export const SCHEDULE_STEP = 'schedule.arm';

export function scheduleKey(lab: string, id: string): string {
  return `schedule:${lab}:${id}`;
}

export function schedulePrefix(lab: string): string {
  return `schedule:${lab}:`;
}

/** Whether a job is a card that schedules work (its one step arms the schedule). */
export function isScheduleJob(job: { plan: Pick<Plan, 'steps'> }): boolean {
  return job.plan.steps.length === 1 && job.plan.steps[0]?.kind === SCHEDULE_STEP;
}

/** `--at` and `--every` as parsed (`at`, `every`), when the command was given either. */
export interface ScheduleFlags {
  at?: string | undefined;
  every?: string | undefined;
}

/** The schedule flags in a command's text (`--at 18:00`, `--every=1h`), or undefined when it has none. */
export function readScheduleWords(text: string): ScheduleFlags | undefined {
  const words = tokenize(decodeSlackText(text));
  const flags: ScheduleFlags = {};
  for (let i = 0; i < words.length; i++) {
    const found = SCHEDULE_WORD.exec(words[i]!);
    if (!found) continue;
    const value = found[2] === undefined ? words[++i] : found[2].slice(1);
    flags[found[1] as 'at' | 'every'] = value ?? '';
  }
  return flags.at === undefined && flags.every === undefined ? undefined : flags;
}

/** The schedule flags of a command's parsed arguments, or undefined when it runs now. */
export function readScheduleFlags(args: unknown): ScheduleFlags | undefined {
  const value = (args ?? {}) as Record<string, unknown>;
  const at = typeof value.at === 'string' ? value.at : undefined;
  const every = typeof value.every === 'string' ? value.every : undefined;
  return at === undefined && every === undefined ? undefined : { at, every };
}

/** The arguments without `--at` and `--every`: what the run plans with. */
export function withoutScheduleFlags<T>(args: T): T {
  const { at: _at, every: _every, ...rest } = args as Record<string, unknown>;
  return rest as T;
}

const SCHEDULE_WORD = /^(?:--|[\u2014\u2013])(at|every)(=.*)?$/;

/**
 * The command's text without `--at X` and `--every Y`: what each run dispatches (`reset
 * --keep-vms`). Words with spaces are quoted again.
 */
export function stripScheduleFlags(text: string): string {
  const words = tokenize(decodeSlackText(text));
  const kept: string[] = [];
  for (let i = 0; i < words.length; i++) {
    const found = SCHEDULE_WORD.exec(words[i]!);
    if (found) {
      if (found[2] === undefined) i++;
      continue;
    }
    kept.push(words[i]!);
  }
  return kept.map((w) => (/[\s"']/.test(w) ? `"${w.replace(/"/g, '')}"` : w)).join(' ');
}

/** When the schedule runs first, and how often: `--at` or one interval from now; `--every`. */
export function resolveWhen(
  flags: ScheduleFlags,
  now: number,
  timeZone: string,
): { first: number; everyMs: number | undefined } {
  const everyMs = flags.every === undefined ? undefined : parseEvery(flags.every);
  const first = flags.at !== undefined ? parseAt(flags.at, now, timeZone) : now + (everyMs ?? 0);
  return { first, everyMs };
}

/** A new schedule id no schedule of these labs has (`sch-1a2b`): one id names each lab's part. */
export async function newScheduleId(store: Store, lab: string | readonly string[]): Promise<string> {
  const labs = typeof lab === 'string' ? [lab] : lab;
  for (;;) {
    const id = `sch-${randomBytes(3).toString('hex').slice(0, 4)}`;
    const taken = await Promise.all(labs.map((lab) => store.readState(scheduleKey(lab, id))));
    if (taken.every((entry) => entry === undefined)) return id;
  }
}

/** The arm step's parameters: what the schedule will be once its card is approved. */
const ArmParams = z.object({
  id: z.string(),
  command: z.string(),
  text: z.string(),
  read: z.boolean(),
  scope: z.unknown().optional(),
  first: z.number(),
  everyMs: z.number().optional(),
  timeZone: z.string(),
  /** A reset of several labs (`--all`): a schedule per lab, each in its own time zone. */
  parts: z
    .array(z.object({ lab: z.string(), scope: z.unknown(), first: z.number(), timeZone: z.string() }))
    .optional(),
});
/** What the arm step takes: built by createSchedulePlan, or for several labs by src/schedules/across.ts. */
export type ArmParams = z.infer<typeof ArmParams>;
export type ArmPart = NonNullable<ArmParams['parts']>[number];

export interface SchedulePlanInput {
  id: string;
  /** `lab reset` */
  command: string;
  /** `reset --keep-vms`: the text each run dispatches. */
  text: string;
  /** The plan of the work as it would run now; undefined for a read. */
  work: Plan | undefined;
  first: number;
  everyMs: number | undefined;
  timeZone: string;
}

/**
 * The card that schedules work: it shows the work's plan as made now (its impact, warnings, and
 * its steps under the one step that arms the schedule), when it runs, and that it is planned again
 * then. It locks nothing: the run takes the locks.
 */
export function createSchedulePlan(input: SchedulePlanInput): Plan {
  const { work, everyMs, timeZone } = input;
  const command = verbatim(`/${input.command.split(' ')[0]} ${input.text}`);
  const when = describeWhen(input.first, timeZone);
  const every = everyMs === undefined ? undefined : describeEvery(everyMs);
  const params: ArmParams = {
    id: input.id,
    command: input.command,
    text: input.text,
    read: work === undefined,
    ...(work ? { scope: describeScope(work) } : {}),
    first: input.first,
    ...(everyMs === undefined ? {} : { everyMs }),
    timeZone,
  };
  const step: StepSpec = {
    kind: SCHEDULE_STEP,
    title: every
      ? msg('schedule.step.armEvery', { command, every, when })
      : msg('schedule.step.arm', { command, when }),
    params,
    shows: work ? work.steps.map((s) => s.title) : [],
  };
  return {
    summary: every
      ? msg('schedule.plan.summaryEvery', { command: work?.summary ?? command, every, when })
      : msg('schedule.plan.summary', { command: work?.summary ?? command, when }),
    risk: work?.risk ?? 'change',
    riskReasons: work?.riskReasons ?? [],
    impact: [
      every ? msg('schedule.plan.whenEvery', { every, when }) : msg('schedule.plan.when', { when }),
      ...(work?.impact ?? []),
    ],
    warnings: [
      work ? msg('schedule.plan.replanned') : msg('schedule.plan.readsOnly'),
      ...(work?.warnings ?? []),
      // What would stop the work now may be gone by then: shown, but it does not stop the card.
      ...(work?.blockers ?? []).map((blocker) => msg('schedule.plan.blockerNow', { blocker })),
    ],
    blockers: [],
    locks: [],
    dependsOn: work?.dependsOn ?? {},
    steps: [step],
  };
}

/**
 * The step of a card that schedules work: once the card is approved it writes the schedule (its
 * approvers from the card) for the scheduler to run. A one-off whose time passed more than
 * `LATE_MS` before the approval is refused; a run less late is run by the next tick.
 */
export function createScheduleStep(options: { store: Store; clock: Clock }): StepDefinition {
  const { store, clock } = options;
  return defineStep({
    kind: SCHEDULE_STEP,
    params: ArmParams,
    async run(ctx, params) {
      const now = clock();
      const parts: ArmPart[] = params.parts ?? [
        { lab: '', scope: params.scope, first: params.first, timeZone: params.timeZone },
      ];
      const earliest = parts.reduce((a, b) => (b.first < a.first ? b : a));
      const when = describeWhen(earliest.first, earliest.timeZone);
      if (params.everyMs === undefined && earliest.first < now - LATE_MS) {
        throw new LabopsError(
          'CONFLICT',
          msg('schedule.step.passed', { when, minutes: Math.round(LATE_MS / 60_000) }),
          { hint: msg('schedule.step.passedHint') },
        );
      }
      const [job, approval] = await Promise.all([
        store.getJob(ctx.jobId),
        store.getApprovalForJob(ctx.jobId),
      ]);
      if (!job || !approval) {
        throw new LabopsError('INTERNAL', msg('approvals.bug.noJob', { id: ctx.jobId, job: ctx.jobId }));
      }
      let written = false;
      let soonest: { next: number; timeZone: string } | undefined;
      const armed: string[] = [];
      for (const part of parts) {
        const lab = part.lab || job.lab;
        const next =
          params.everyMs === undefined || part.first >= now - LATE_MS
            ? part.first
            : nextAfter(part.first, params.everyMs, now);
        if (!soonest || next < soonest.next) soonest = { next, timeZone: part.timeZone };
        const record: ScheduleRecord = {
          id: params.id,
          lab,
          command: params.command,
          text: params.text,
          requester: job.requester,
          channel: job.channel,
          jobId: job.id,
          approvalId: approval.id,
          approvers: approval.decisions.filter((d) => d.decision === 'approve').map((d) => d.principal),
          read: params.read,
          risk: job.risk,
          ...(part.scope === undefined ? {} : { scope: part.scope as Scope }),
          next,
          ...(params.everyMs === undefined ? {} : { everyMs: params.everyMs }),
          timeZone: part.timeZone,
          createdAt: now,
          ...(params.parts ? { across: true } : {}),
        };
        const key = scheduleKey(lab, params.id);
        if (await store.writeState(key, record, now, 0)) {
          written = true;
          armed.push(key);
          continue;
        }
        // Written once: a step run again (a store retry) finds its own schedule there. Another's
        // under the same id is not this card's to overwrite: nothing of this card stays armed.
        const there = await store.readState(key);
        if ((there?.value as Partial<ScheduleRecord> | undefined)?.jobId === job.id) continue;
        for (const done of armed) await store.deleteState(done, 1);
        throw new LabopsError('CONFLICT', msg('schedule.step.idTaken', { id: params.id, lab }), {
          hint: msg('schedule.step.idTakenHint'),
        });
      }
      const first = describeWhen(soonest!.next, soonest!.timeZone);
      const detail = params.parts
        ? msg('schedule.step.armedAcross', { id: params.id, count: parts.length, when: first })
        : msg('schedule.step.armed', { id: params.id, when: first });
      return { status: written ? 'changed' : 'ok', detail };
    },
  });
}

/** `/lab reset --keep-vms`: the scheduled command as typed, without its schedule. */
export function describeCommand(schedule: Pick<ScheduleRecord, 'command' | 'text'>): Text {
  return verbatim(`/${schedule.command.split(' ')[0]} ${schedule.text}`.trim());
}
