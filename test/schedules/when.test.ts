import { describe, expect, it } from 'vitest';
import { LabopsError } from '../../src/errors.js';
import { renderEnglish } from '../../src/i18n/render.js';
import { verbatim } from '../../src/i18n/text.js';
import { createPlan } from '../../src/plan.js';
import { stripScheduleFlags } from '../../src/schedules/schedule.js';
import { describeScope, findScopeGrowth } from '../../src/schedules/scope.js';
import { describeWhen, nextAfter, parseAt, parseEvery } from '../../src/schedules/when.js';

const HOUR = 3_600_000;

function usage(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(LabopsError);
    expect((error as LabopsError).code).toBe('USAGE');
    return (error as LabopsError).message;
  }
  throw new Error('no error');
}

describe('--at in the lab’s time zone', () => {
  it('reads HH:MM as today in the lab’s zone, and a day and time for another day', () => {
    // 10:00 UTC is 19:00 in Seoul: 18:00 there has passed, 20:00 is still to come.
    const now = Date.parse('2026-11-28T10:00:00Z');
    expect(new Date(parseAt('20:00', now, 'Asia/Seoul')).toISOString()).toBe('2026-11-28T11:00:00.000Z');
    expect(new Date(parseAt('18:00', now, 'UTC')).toISOString()).toBe('2026-11-28T18:00:00.000Z');
    expect(new Date(parseAt('2026-11-29T08:30', now, 'Asia/Seoul')).toISOString()).toBe(
      '2026-11-28T23:30:00.000Z',
    );
    expect(
      renderEnglish(describeWhen(parseAt('9:05', now - 10 * HOUR, 'Europe/Berlin'), 'Europe/Berlin')),
    ).toBe('2026-11-28 09:05 Europe/Berlin');
  });

  it('refuses a time already past in the lab’s zone rather than moving it to tomorrow', () => {
    const now = Date.parse('2026-11-28T10:00:00Z');
    expect(usage(() => parseAt('18:00', now, 'Asia/Seoul'))).toBe(
      '2026-11-28 18:00 Asia/Seoul has already passed in Asia/Seoul: a scheduled time must be still to come.',
    );
    expect(usage(() => parseAt('25:00', now, 'UTC'))).toBe('"25:00" is not a time labops reads.');
    expect(usage(() => parseAt('2026-02-30T10:00', now, 'UTC'))).toBe(
      '"2026-02-30T10:00" is not a time labops reads.',
    );
  });

  it('keeps the wall clock across a change of summer time', () => {
    // Berlin leaves summer time on 2026-10-25 at 03:00: 18:00 the day after is UTC+1, not +2.
    const now = Date.parse('2026-10-25T00:00:00Z');
    expect(new Date(parseAt('2026-10-26T18:00', now, 'Europe/Berlin')).toISOString()).toBe(
      '2026-10-26T17:00:00.000Z',
    );
    expect(new Date(parseAt('2026-10-24T18:00', now - 2 * 24 * HOUR, 'Europe/Berlin')).toISOString()).toBe(
      '2026-10-24T16:00:00.000Z',
    );
  });
});

describe('--every', () => {
  it('reads minutes, hours and days from 15 minutes to 30 days', () => {
    expect(parseEvery('15m')).toBe(15 * 60_000);
    expect(parseEvery('1h')).toBe(HOUR);
    expect(parseEvery('2d')).toBe(48 * HOUR);
    expect(usage(() => parseEvery('10m'))).toBe(
      'Every 10m is too often: scheduled work runs at most every 15m.',
    );
    expect(usage(() => parseEvery('31d'))).toBe(
      'Every 31d is too seldom: scheduled work runs at least every 30d.',
    );
    expect(usage(() => parseEvery('hourly'))).toBe('"hourly" is not an interval labops reads.');
  });

  it('moves a repeated run past the runs it missed', () => {
    expect(nextAfter(1000, 100, 500)).toBe(1000);
    expect(nextAfter(1000, 100, 1000)).toBe(1100);
    expect(nextAfter(1000, 100, 1350)).toBe(1400);
  });
});

describe('the text each run dispatches', () => {
  it('is the command without --at and --every', () => {
    expect(stripScheduleFlags('reset --at 18:00 --keep-vms')).toBe('reset --keep-vms');
    expect(stripScheduleFlags('doctor --every=1h --all')).toBe('doctor --all');
    expect(stripScheduleFlags('doctor --lab lab1,lab2 --every 2h --at 2026-12-01T08:00')).toBe(
      'doctor --lab lab1,lab2',
    );
  });
});

describe('the destructive scope of a plan', () => {
  const step = (kind: string, params: Record<string, unknown>) => ({ kind, title: verbatim(kind), params });
  const approved = describeScope(
    createPlan({
      summary: verbatim('reset'),
      risk: 'critical',
      locks: ['lab'],
      steps: [
        step('host.activate', { hostName: 'hyper2' }),
        step('vm.remove', { vm: 'scratch1', keep: false }),
        step('runbook.apply', { machine: 'storage', step: { type: 'empty-dir', path: '/export/spare' } }),
      ],
    }),
  );

  it('has not grown when only steps that bring the lab back, or the same removals, are planned', () => {
    const drifted = createPlan({
      summary: verbatim('reset'),
      risk: 'critical',
      locks: ['lab'],
      steps: [
        step('host.activate', { hostName: 'hyper1' }),
        step('storage.ensure-active', { domain: 'nfs-iso' }),
        step('vm.remove', { vm: 'scratch1', keep: false }),
        step('runbook.apply', {
          machine: 'storage',
          step: { type: 'empty-dir', path: '/export/spare', entries: ['a', 'b'] },
        }),
      ],
    });
    expect(findScopeGrowth(approved, describeScope(drifted))).toEqual([]);
  });

  it('has grown with a new destructive step, a new target, or a higher risk', () => {
    const grown = createPlan({
      summary: verbatim('reset'),
      risk: 'critical',
      locks: ['lab'],
      steps: [
        step('vm.remove', { vm: 'scratch1', keep: false }),
        step('vm.remove', { vm: 'scratch2', keep: false }),
        step('storage.remove', { domain: 'spare' }),
      ],
    });
    expect(findScopeGrowth(approved, describeScope(grown)).map((t) => renderEnglish(t))).toEqual([
      'the plan now has a destructive step the card did not show (vm.remove)',
      'the plan now has a destructive step the card did not show (storage.remove)',
    ]);
    const destructive = describeScope(
      createPlan({ summary: verbatim('x'), risk: 'destructive', locks: ['host:hyper1'] }),
    );
    const critical = describeScope(
      createPlan({ summary: verbatim('x'), risk: 'critical', locks: ['host:hyper1', 'host:hyper2'] }),
    );
    expect(findScopeGrowth(destructive, critical).map((t) => renderEnglish(t))).toEqual([
      'its risk rose to critical',
      'the plan now locks host hyper2, which was not approved',
    ]);
  });
});
