/** Scheduled work's messages in English (issue 15 §4): `--at`, `--every`, runs, `/lab jobs`. */
export const schedule = {
  'schedule.atFlag':
    'Run it later: a time of day in the lab’s time zone (HH:MM), or a day and time (YYYY-MM-DDTHH:MM)',
  'schedule.everyFlag': 'Run it again and again, this often: 15m at least (m, h or d: 30m, 1h, 1d)',
  // Usage errors.
  'schedule.at.form': '"{typed}" is not a time labops reads.',
  'schedule.at.formHint':
    'Give the time of day as HH:MM in the lab’s time zone ({zone}), e.g. {example}, or a day and a time, e.g. {dayExample}.',
  'schedule.at.past': '{when} has already passed in {zone}: a scheduled time must be still to come.',
  'schedule.at.pastHint': 'Give a later time; for another day give the day too, e.g. {example}.',
  'schedule.every.form': '"{typed}" is not an interval labops reads.',
  'schedule.every.formHint':
    'Give a number and a unit — m (minutes), h (hours) or d (days) — e.g. {example}.',
  'schedule.every.floor': 'Every {typed} is too often: scheduled work runs at most every {minimum}.',
  'schedule.every.ceiling': 'Every {typed} is too seldom: scheduled work runs at least every {maximum}.',
  'schedule.every.limitHint': 'Give an interval from {minimum} to {maximum}, e.g. {example}.',
  'schedule.dryRun': 'A dry run only shows the plan now: it cannot be scheduled.',
  'schedule.dryRunHint':
    'Leave out --dry-run to schedule it ({example}), or --at and --every to see the plan now.',
  // The card that schedules.
  'schedule.plan.summary': '{command} at {when}',
  'schedule.plan.summaryEvery': '{command} every {every}, first at {when}',
  'schedule.plan.when': 'Runs at {when}: the lab’s locks are taken then, not while it waits.',
  'schedule.plan.whenEvery': 'Runs every {every} from {when}: the lab’s locks are taken at each run.',
  'schedule.plan.replanned':
    'When it runs, the plan is made again from the lab as it is then: if it would destroy more than this card shows, or an approver no longer counts under the lab’s policy, a new card asks again instead of running.',
  'schedule.plan.readsOnly':
    'Each run reads the lab and posts only what changed since the run before; nothing when nothing changed.',
  'schedule.plan.blockerNow': 'Now: {blocker}',
  'schedule.step.arm': 'Schedule {command} for {when}',
  'schedule.step.armEvery': 'Schedule {command} every {every}, first at {when}',
  'schedule.step.armed': 'Scheduled as {id}: it runs at {when}.',
  'schedule.step.passed':
    '{when} passed before the card was approved, more than {minutes, plural, one {# minute} other {# minutes}} ago: nothing was scheduled.',
  'schedule.step.passedHint': 'Schedule it again with a later time.',
  'schedule.step.idTaken': 'Another schedule of {lab} is already {id}: nothing was scheduled.',
  'schedule.step.idTakenHint': 'Ask again: the new card gets a new schedule id.',
  // A reset of several labs scheduled at once (`--all`, `--lab a,b`).
  'schedule.across.summary':
    '{command} in {count, plural, one {# lab} other {# labs}} at {at}, in each lab’s time zone',
  'schedule.across.summaryEvery':
    '{command} in {count, plural, one {# lab} other {# labs}} every {every}, first at {at}, in each lab’s time zone',
  'schedule.across.lab': '{lab}: {summary}, at {when}',
  'schedule.across.labOut': '{lab} is left out: {reason}',
  'schedule.across.step': 'Schedule {command} in {labs}',
  'schedule.across.parts':
    'Each lab’s run is its own: planned again, checked against what this card shows and that lab’s policy, and run, or asked again, on its own.',
  'schedule.step.armedAcross':
    'Scheduled as {id} in {count, plural, one {# lab} other {# labs}}: the first run at {when}.',
  // What happens when the time comes.
  'schedule.notice.running': 'Schedule {id}: {command} runs now as job {job}.',
  'schedule.notice.askAgain':
    'Schedule {id}: {command} did not run, because {reasons}. A new card asks again.',
  'schedule.notice.lateSkipped':
    'Schedule {id}: {command} was due at {when} while labops was down; {minutes, plural, one {# minute} other {# minutes}} late is too late, so that run was skipped.',
  'schedule.notice.lateRuns':
    'Schedule {id}: {command} was due at {when} while labops was down; it runs now, {minutes, plural, one {# minute} other {# minutes}} late.',
  'schedule.notice.next': 'Next run at {when}.',
  'schedule.notice.notStarted': 'Schedule {id}: {command} could not start: {reason}',
  'schedule.notice.doctorFirst':
    'Schedule {id}: /lab doctor’s first run found {count, plural, =0 {no problem} one {# problem} other {# problems}}.',
  'schedule.notice.doctorChanged':
    'Schedule {id}: /lab doctor found changes since {since}: {added, plural, one {# new problem} other {# new problems}}, {gone, plural, one {# gone} other {# gone}}.',
  'schedule.notice.added': 'New: {finding}',
  'schedule.notice.gone': 'Gone: {finding}',
  'schedule.notice.cancelled': 'Schedule {id} ({command}) was cancelled by {by}.',
  // Why a run asks again.
  'schedule.reason.newStep': 'the plan now has a destructive step the card did not show ({step})',
  'schedule.reason.moreLocks': 'the plan now locks {target}, which was not approved',
  'schedule.reason.risk': 'its risk rose to {risk}',
  'schedule.reason.requesterGone': '{requester} may no longer ask for {command} under the lab’s policy',
  'schedule.reason.approverGone': '{principal} no longer approves {command} under the lab’s policy',
  'schedule.reason.tooFew':
    'it needs {required, plural, one {# approval} other {# approvals}} under the lab’s policy and {count, plural, =0 {none} one {# still counts} other {# still count}}',
  // `/lab jobs` and `/lab cancel`.
  'schedule.list.heading': 'Scheduled',
  'schedule.list.line': '{id} {command} — at {when} · {approved}',
  'schedule.list.lineEvery': '{id} {command} — every {every}, next {when} · {approved}',
  'schedule.list.approvedBy': 'approved by {who}',
  'schedule.list.confirmedBy': 'confirmed by {who}',
  'schedule.cancel.done': 'Schedule {id} cancelled: {command} will not run again.',
  'schedule.cancel.running': 'Schedule {id} ({command}) is running now: it can no longer be cancelled.',
  'schedule.cancel.runningHint':
    'Once its job is queued, /lab jobs lists it, and /lab cancel with that job’s id stops it.',
  'schedule.cancel.forbidden':
    '{by} may not cancel schedule {id}: only its requester ({requester}) or an approver of {command} may.',
} as const;
