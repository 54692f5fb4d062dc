import { describe, expect, it } from 'vitest';
import { getApproversToRemind, getReminderDelayMs } from '../../approvals/policy.js';
import { mapLabPolicy } from '../../src/config/lab-policy.js';
import { PolicySchema } from '../../src/config/lab-schema.js';
import { findQuietEnd } from '../../src/duties/quiet-hours.js';

describe('the reminders’ policy', () => {
  it('comes from lab.yml’s policy.remind_after_minutes, off when unset', () => {
    const on = mapLabPolicy(PolicySchema.parse({ approvers: ['slack:U0ALICE01'], remind_after_minutes: 10 }));
    expect(on.remindAfterMinutes).toBe(10);
    expect(getReminderDelayMs(on)).toBe(600_000);
    const off = mapLabPolicy(PolicySchema.parse({ approvers: ['slack:U0ALICE01'] }));
    expect('remindAfterMinutes' in off).toBe(false);
    expect(getReminderDelayMs(off)).toBeUndefined();
    expect(PolicySchema.safeParse({ remind_after_minutes: 0 }).success).toBe(false);
  });

  it.each([
    ['everyone but the requester', [], ['b', 'c']],
    ['not who approved', [{ principal: 'b' }], ['c']],
    ['nobody once all decided', [{ principal: 'b' }, { principal: 'c' }], []],
  ])('reminds %s', (_name, decisions, expected) => {
    expect(getApproversToRemind({ eligible: ['a', 'b', 'c'], requester: 'a', decisions })).toEqual(expected);
  });
});

describe('quiet hours', () => {
  const at = (iso: string) => Date.parse(iso);
  it.each([
    // A span past midnight, in Seoul (UTC+9): 22:30 and 06:59 are in it, 07:00 and 21:59 not.
    ['22:00-07:00', 'Asia/Seoul', '2026-11-28T13:30:00Z', '2026-11-28T22:00:00Z'],
    ['22:00-07:00', 'Asia/Seoul', '2026-11-28T21:59:30Z', '2026-11-28T22:00:00Z'],
    ['22:00-07:00', 'Asia/Seoul', '2026-11-28T22:00:00Z', undefined],
    ['22:00-07:00', 'Asia/Seoul', '2026-11-28T12:59:00Z', undefined],
    // A span within one day, in UTC.
    ['12:00-13:30', 'UTC', '2026-11-28T12:10:00Z', '2026-11-28T13:30:00Z'],
    ['12:00-13:30', 'UTC', '2026-11-28T13:30:00Z', undefined],
  ])('%s in %s at %s end at %s', (hours, zone, now, end) => {
    expect(findQuietEnd(hours, zone, at(now))).toBe(end === undefined ? undefined : at(end));
  });

  it('are none when unset', () => {
    expect(findQuietEnd(undefined, 'UTC', at('2026-11-28T23:00:00Z'))).toBeUndefined();
  });
});
