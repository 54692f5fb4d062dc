import type { Plan } from '../command.js';
import { LabopsError } from '../errors.js';
import { getMachineTimeZone, renderEnglish } from '../i18n/render.js';
import { list, msg, type Text, verbatim } from '../i18n/text.js';
import type { EventBus } from '../jobs/events.js';
import type { DispatchResult, Labops } from '../labops.js';
import {
  type AcrossRequest,
  checkInstructor,
  planEachLab,
  proposeAcrossCard,
  readAcrossApprovers,
} from '../labs-across.js';
import type { Store } from '../store/types.js';
import type { Clock } from '../time.js';
import {
  type ArmParams,
  newScheduleId,
  readScheduleWords,
  resolveWhen,
  SCHEDULE_STEP,
  stripScheduleFlags,
} from './schedule.js';
import { describeScope } from './scope.js';
import { describeEvery, describeWhen } from './when.js';

/** What scheduling a reset of several labs needs of the bot (src/labs.ts). */
export interface AcrossScheduleHub {
  get(name: string): Labops | undefined;
  readonly instructors: readonly string[];
  readonly store: Store;
  readonly bus: EventBus;
  readonly clock: Clock;
  readonly labsInParallel: number;
}

/** Whether a change across labs (`/lab reset --all …`) is to be scheduled rather than asked for now. */
export function isScheduledAcross(request: AcrossRequest): boolean {
  return readScheduleWords(request.text) !== undefined;
}

/**
 * `/lab reset --all --at 18:00` (issue 15 §4, with issue 13 §3): one card, approved by two
 * instructors as a reset across labs is, that schedules each lab's reset in that lab's own time
 * zone — `18:00` is 18:00 on each lab's clock. Each lab's part becomes a schedule of its own
 * (`schedule:<lab>:<id>`, one id for all), planned again when due, checked against its own scope as
 * this card showed it and that lab's policy, and run or asked again on its own: a lab that grew
 * asks again without holding the others back.
 */
export async function proposeScheduleAcross(
  hub: AcrossScheduleHub,
  request: AcrossRequest,
): Promise<DispatchResult> {
  const { caller, home } = request;
  const { store, clock, instructors } = hub;
  const key = `${request.command} ${request.sub}`;
  checkInstructor(instructors, request, `/${key} --lab ${request.labs[0] ?? 'lab1'} --at 18:00`);
  const flags = readScheduleWords(request.text)!;
  const text = stripScheduleFlags(request.text);
  if (/(^|\s)--dry-run(\s|$)/.test(text)) {
    throw new LabopsError('USAGE', msg('schedule.dryRun'), {
      hint: msg('schedule.dryRunHint', { example: verbatim(`/${key} --all --at 18:00`) }),
    });
  }
  const now = clock();
  // Each lab's time, on its own clock; a time past in any of them is refused as in one lab.
  const times = request.labs.map((lab) => {
    const timeZone = hub.get(lab)!.lab.timeZone ?? getMachineTimeZone();
    return { lab, timeZone, ...resolveWhen(flags, now, timeZone) };
  });
  const everyMs = times[0]?.everyMs;
  const { plans, failed } = await planEachLab(hub, request, text);
  const eligible = await readAcrossApprovers(home, instructors, caller);
  // One id for every lab's part: none of them may have it already.
  const id = await newScheduleId(store, [...new Set([home.lab.name, ...request.labs])]);
  const command = verbatim(`/${request.command} ${request.typed.trim()}`.replace(/\s+/g, ' '));
  const first = times.find((t) => t.lab === plans[0]!.lab)!;
  const at = flags.at !== undefined ? verbatim(flags.at) : describeWhen(first.first, first.timeZone);
  const parts = plans.map(({ lab, plan }) => {
    const time = times.find((t) => t.lab === lab)!;
    return { lab, scope: describeScope(plan), first: time.first, timeZone: time.timeZone };
  });
  const params: ArmParams = {
    id,
    command: key,
    text,
    read: false,
    first: first.first,
    ...(everyMs === undefined ? {} : { everyMs }),
    timeZone: first.timeZone,
    parts,
  };
  const dependsOn: Record<string, string> = {};
  for (const { lab, plan } of plans) {
    for (const [object, state] of Object.entries(plan.dependsOn)) dependsOn[`${lab}: ${object}`] = state;
  }
  const labs = list(plans.map((p) => verbatim(p.lab)));
  const plan: Plan = {
    summary:
      everyMs === undefined
        ? msg('schedule.across.summary', { command, count: plans.length, at })
        : msg('schedule.across.summaryEvery', {
            command,
            count: plans.length,
            every: describeEvery(everyMs),
            at,
          }),
    risk: 'critical',
    riskReasons: [
      ...new Map(plans.flatMap((p) => p.plan.riskReasons).map((r) => [renderEnglish(r), r])).values(),
    ],
    impact: [
      ...plans.map(({ lab, plan: labPlan }) =>
        msg('schedule.across.lab', {
          lab,
          summary: labPlan.summary,
          when: describeWhen(
            times.find((t) => t.lab === lab)!.first,
            times.find((t) => t.lab === lab)!.timeZone,
          ),
        }),
      ),
      ...failed.map((f) => msg('schedule.across.labOut', { lab: f.lab, reason: f.error.text })),
    ],
    warnings: [msg('schedule.across.parts'), msg('schedule.plan.replanned')],
    blockers: [],
    locks: [],
    dependsOn,
    steps: [
      {
        kind: SCHEDULE_STEP,
        title: msg('schedule.across.step', { command, labs }),
        params,
        shows: plans.flatMap(({ lab, plan: labPlan }) =>
          labPlan.steps.map((s): Text => msg('lab.across.heading', { lab, state: s.title })),
        ),
      },
    ],
  };
  // Nothing while the card waits, nor once approved: each lab's run takes its locks.
  return proposeAcrossCard(
    hub,
    request,
    plan,
    plans.map((p) => p.lab),
    eligible,
  );
}
