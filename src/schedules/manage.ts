import { getApprovers, isApprover, type Policy } from '../../approvals/policy.js';
import { LabopsError } from '../errors.js';
import { msg, type Text, verbatim } from '../i18n/text.js';
import type { EventBus } from '../jobs/events.js';
import type { Store } from '../store/types.js';
import type { Clock } from '../time.js';
import { describeCommand, type ScheduleRecord, scheduleKey, schedulePrefix } from './schedule.js';

/** A lab's schedules, the next to run first (`/lab jobs`). */
export async function listSchedules(store: Store, lab: string): Promise<ScheduleRecord[]> {
  const entries = await store.listState(schedulePrefix(lab));
  return entries.map((e) => e.value as ScheduleRecord).sort((a, b) => a.next - b.next);
}

/**
 * `/lab cancel sch-1a2b`: removes the schedule, as cancel does a job — only its requester or an
 * approver of its command may. Answers undefined when the lab has no schedule by that id (it may
 * be a job's).
 *
 * @throws LabopsError `FORBIDDEN` for anyone else; `CONFLICT` when it ran or changed meanwhile.
 */
export async function cancelSchedule(
  options: { store: Store; lab: string; policy: Policy; bus: EventBus; clock: Clock },
  id: string,
  by: string,
  groups: readonly string[],
): Promise<Text | undefined> {
  const { store, lab, policy, bus } = options;
  const key = scheduleKey(lab, id);
  const entry = await store.readState(key);
  if (!entry) return undefined;
  const schedule = entry.value as ScheduleRecord;
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
  // At the version read: a run claimed meanwhile (a one-off gone, a repeat moved on) is not undone.
  if (!(await store.deleteState(key, entry.version))) {
    const now = await store.readState(key);
    if (!now) return undefined;
    await store.deleteState(key, now.version);
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
