import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { renderText } from '../../src/i18n/render.js';
import type { DispatchResult } from '../../src/labops.js';
import type { PlanTimers } from '../../src/plan-limits.js';
import { type CoreHarness, shellCaller, startCore } from '../support/core.js';
import { expectCard } from '../support/dispatch.js';
import { type HttpSource, startHttpSource } from '../support/http-source.js';

const MiB = 1024 * 1024;

/** Deadlines that pass only when the test says so: order and outcomes, never seconds. */
function manualTimers(): PlanTimers & { expireAll(): void; count(): number } {
  const controllers: AbortController[] = [];
  return {
    deadline: () => {
      const controller = new AbortController();
      controllers.push(controller);
      return controller.signal;
    },
    expireAll: () => {
      for (const c of controllers) c.abort(new Error('deadline'));
    },
    count: () => controllers.length,
  };
}

let source: HttpSource;
beforeAll(async () => {
  source = await startHttpSource({
    // A mirror that sends its headers and one byte, then nothing, holding the connection open.
    '/stalled.iso': { sizeBytes: 700 * MiB, stallAfterBytes: 1 },
  });
});
afterAll(async () => {
  await source.close();
});

let core: CoreHarness | undefined;
afterEach(async () => {
  await core?.close();
  core = undefined;
});

const as = (name: string) => shellCaller(name);
const upload = (name: string) =>
  core!.labops.dispatch({ command: '/iso', text: `upload ${source.url('/stalled.iso')}`, caller: as(name) });

/** Resolves when `count` plans are in flight (each has asked for its deadline). */
async function untilPlans(timers: ReturnType<typeof manualTimers>, count: number): Promise<void> {
  for (let i = 0; i < 1000 && timers.count() < count; i++) await new Promise((r) => setTimeout(r, 2));
  expect(timers.count()).toBe(count);
}

function errorOf(result: DispatchResult) {
  if (result.kind !== 'error') throw new Error(`expected an error, got ${result.kind}`);
  return result.error;
}

describe('a plan', () => {
  it('past its deadline says what it was waiting for, and nothing is asked or locked', async () => {
    const timers = manualTimers();
    core = await startCore({ plans: { planTimers: timers, limits: { planMs: 20_000 } } });
    const pending = upload('operator');
    await untilPlans(timers, 1);
    timers.expireAll();
    const error = errorOf(await pending);
    expect(error.code).toBe('TIMEOUT');
    expect(error.message).toMatch(
      /^The plan of \/iso upload did not finish within 20 s: it was waiting for the download source 127\.0\.0\.1:\d+\/stalled\.iso \(probe\)/,
    );
    expect(error.hint).toContain('Nothing was asked, locked or changed');
    expect(renderText('ko', error.text)).toMatch(
      // The calls it waited for, joined as Korean joins them.
      /^\/iso upload의 계획이 20초 안에 끝나지 않았습니다: 다운로드 소스 127\.0\.0\.1:\d+\/stalled\.iso\(probe\)( 및 엔진\(\w+\))?의 응답을 기다리고 있었습니다\.$/,
    );
    expect(renderText('ko', error.hintText!)).toBe(
      '요청, 잠금, 변경 모두 하지 않았습니다. 기다리던 대상이 응답하는지 확인한 뒤 다시 요청하십시오(제한 시간은 lab.yml의 limits.plan_seconds).',
    );
    expect(await core.store.listJobs()).toEqual([]);
    expect(await core.store.listLocks()).toEqual([]);
  });

  it('after every other plan has ended still says what it was waiting for', async () => {
    // With no plan running, the plans' AsyncLocalStorage is disabled (src/plan-limits.ts): the
    // next plan must enable it again, or its calls go unnoted.
    const timers = manualTimers();
    core = await startCore({ plans: { planTimers: timers } });
    const missing = errorOf(
      await core.labops.dispatch({
        command: '/iso',
        text: `upload ${source.url('/missing.iso')}`,
        caller: as('operator'),
      }),
    );
    expect(missing.code).toBe('CONFLICT');
    const pending = upload('operator');
    await untilPlans(timers, 2);
    timers.expireAll();
    const error = errorOf(await pending);
    expect(error.code).toBe('TIMEOUT');
    expect(error.message).toMatch(/it was waiting for the download source 127\.0\.0\.1:\d+\/stalled\.iso/);
  });

  it('is refused as a third one in flight from the same person; others may still ask', async () => {
    const timers = manualTimers();
    core = await startCore({ plans: { planTimers: timers } });
    const first = upload('operator');
    const second = upload('operator');
    await untilPlans(timers, 2);
    const third = errorOf(await upload('operator'));
    expect(third.code).toBe('BUSY');
    expect(third.message).toContain('at most 2 at once from one person');
    expect(renderText('ko', third.text)).toBe(
      '이미 준비 중인 계획이 2개 있습니다. labops는 한 사람당 한 번에 2개까지만 받습니다.',
    );
    const other = upload('alice');
    await untilPlans(timers, 3);
    timers.expireAll();
    for (const result of await Promise.all([first, second, other]))
      expect(errorOf(result).code).toBe('TIMEOUT');
    // Their slots are free again.
    const again = upload('operator');
    await untilPlans(timers, 4);
    timers.expireAll();
    expect(errorOf(await again).code).toBe('TIMEOUT');
  });
});

describe('six sources that never finish', () => {
  it('leave reads, clicks and stop unaffected: all happen before any of the six plans ends', async () => {
    const timers = manualTimers();
    core = await startCore({ plans: { planTimers: timers } });
    const { labops, store } = core;
    // A card that waits for its approval, planned before the sources stall.
    const waiting = expectCard(
      await labops.dispatch({ command: '/host', text: 'maintenance hyper2', caller: as('operator') }),
    );

    const ended: string[] = [];
    const stalled = ['u1', 'u1', 'u2', 'u2', 'u3', 'u3'].map((user, i) =>
      upload(user).then((result) => {
        ended.push(`plan ${i}`);
        return result;
      }),
    );
    await untilPlans(timers, 7);

    const status = await labops.dispatch({ command: '/lab', text: 'status', caller: as('carol') });
    expect(status.kind).toBe('view');
    ended.push('status answered');
    const click = await labops.click(waiting.approval.id, as('alice'), 'approve');
    expect(click.outcome).toBe('approved');
    const job = await labops.executor.whenFinished(waiting.job.id);
    expect(job?.status).toBe('succeeded');
    ended.push('job ran');

    ended.push('stop begins');
    await labops.stop(1000);
    const results = await Promise.all(stalled);
    // The plans end only because the stop cancelled them.
    expect(ended.slice(0, 3)).toEqual(['status answered', 'job ran', 'stop begins']);
    expect(ended.slice(3).sort()).toEqual(stalled.map((_, i) => `plan ${i}`).sort());
    for (const result of results) {
      const error = errorOf(result);
      expect(error.code).toBe('CANCELLED');
      expect(error.message).toBe('labops is stopping: the plan of /iso upload was cancelled.');
    }
    expect((await store.listAudit(5)).map((e) => e.type)).toContain('plans:cancelled');
    expect((await store.listJobs()).map((j) => j.id)).toEqual([waiting.job.id]);
    // A stopped labops takes no new plan.
    expect(errorOf(await upload('dave')).code).toBe('CANCELLED');
  });
});
