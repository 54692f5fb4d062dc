import { getApprovers, isApprover, type Policy } from '../../approvals/policy.js';
import { LabopsError } from '../errors.js';
import { msg, type Text, verbatim } from '../i18n/text.js';
import type { EventBus } from '../jobs/events.js';
import type { Store } from '../store/types.js';
import type { Clock } from '../time.js';
import {
  describeCommand,
  isRunning,
  isScheduleRecord,
  type ScheduleRecord,
  scheduleKey,
  schedulePrefix,
} from './schedule.js';

/** A lab's schedules, the next to run first (`/lab jobs`). */
export async function listSchedules(store: Store, lab: string): Promise<ScheduleRecord[]> {
  const entries = await store.listState(schedulePrefix(lab));
  // A malformed entry (the scheduler logs it) is no schedule to list.
  return entries
    .map((e) => e.value)
    .filter(isScheduleRecord)
    .sort((a, b) => a.next - b.next);
}

/**
 * `/lab cancel sch-1a2b`: removes the schedule, as cancel does a job — only its requester or an
 * approver of its command may. Answers undefined when the lab has no schedule by that id (it may
 * be a job's).
 *
 * @throws LabopsError `FORBIDDEN` for anyone else; `CONFLICT` when its one-off run is under way.
 */
export async function cancelSchedule(
  options: { store: Store; lab: string; policy: Policy; bus: EventBus; clock: Clock },
  id: string,
  by: string,
  groups: readonly string[],
): Promise<Text | undefined> {
  const { store, lab, policy, bus } = options;
  const key = scheduleKey(lab, id);
  let entry = await store.readState(key);
  if (!entry || !isScheduleRecord(entry.value)) return undefined;
  const schedule = entry.value;
  const command = describeCommand(schedule);
  if (schedule.requester !== by && !isApprover(getApprovers(policy, schedule.command), by, groups)) {
    throw new LabopsError(
      'FORBIDDEN',
      msg('schedule.cancel.forbidden', {
        by,
        id,
        requester: schedule.requester,
        command: verbatim(`/${schedule.command}`),
      }),
    );
  }
  // At the version read, again until it is gone: a repeat moved on by its run, or its findings
  // kept, is read again and removed then. A one-off's run under way is not undone.
  for (;;) {
    if (isScheduleRecord(entry.value) && isRunning(entry.value, options.clock())) {
      throw new LabopsError('CONFLICT', msg('schedule.cancel.running', { id, command }), {
        hint: msg('schedule.cancel.runningHint'),
      });
    }
    if (await store.deleteState(key, entry.version)) break;
    const again = await store.readState(key);
    // Its last run finished meanwhile: there is no schedule left by that id.
    if (!again) return undefined;
    entry = again;
  }
  await store.appendAudit({
    at: options.clock(),
    type: 'schedule:cancelled',
    actor: by,
    lab,
    jobId: undefined,
    approvalId: schedule.approvalId,
    detail: { schedule: id, command: schedule.command, text: schedule.text },
  });
  bus.emit({
    type: 'schedule:notice',
    lab,
    channel: schedule.channel,
    scheduleId: id,
    requester: schedule.requester,
    text: msg('schedule.notice.cancelled', { id, command, by }),
    lines: [],
  });
  return msg('schedule.cancel.done', { id, command });
}
