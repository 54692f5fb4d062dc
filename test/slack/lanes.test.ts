import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { PlanTimers } from '../../src/plan-limits.js';
import { ACTION } from '../../src/slack/render-card.js';
import { type HttpSource, startHttpSource } from '../support/http-source.js';
import {
  CHANNEL,
  type Mode,
  type SlackHarness,
  startSlackHarness,
  U,
  until,
} from '../support/slack-harness.js';

/** Deadlines that never pass unless the test says so. */
function manualTimers(): PlanTimers & { count(): number } {
  let count = 0;
  return {
    deadline: () => {
      count++;
      return new AbortController().signal;
    },
    count: () => count,
  };
}

let source: HttpSource;
beforeAll(async () => {
  source = await startHttpSource({ '/stalled.iso': { sizeBytes: 700 * 1024 * 1024, stallAfterBytes: 1 } });
});
afterAll(async () => {
  await source.close();
});

let h: SlackHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe.each<Mode>(['http', 'socket'])('six sources that never finish, over %s', (mode) => {
  it('hold up no status, no click and no stop: each comes before any of the six plans ends', async () => {
    const timers = manualTimers();
    h = await startSlackHarness({ mode, plans: { planTimers: timers } });
    const harness = h;
    await harness.command(U.operator, '/host', 'maintenance hyper2');
    await harness.adapter.idle();
    const [card] = harness.api.messages(CHANNEL);
    const waiting = (await harness.store.listJobs())[0]!;
    const plansBefore = timers.count();

    const users = [U.operator, U.operator, U.alice, U.alice, U.mallory, U.mallory];
    for (const user of users) await harness.command(user, '/iso', `upload ${source.url('/stalled.iso')}`);
    // Four plans run (the lane's slots) and two wait for one: every slot of the plans is stuck.
    await until(() => timers.count() === plansBefore + 4, 'four plans running');
    const repliesBefore = harness.api.responses.length;
    const answered = () => harness.api.responses.slice(repliesBefore).map((r) => JSON.stringify(r.body));

    await harness.command(U.carol, '/lab', 'status');
    await until(() => answered().some((r) => r.includes('Lab status')), 'the status is answered');
    await harness.click(U.alice, ACTION.approve, 'a1', { channel: CHANNEL, ts: card!.ts });
    const job = await (async () => {
      await until(() => harness.labops.executor.whenFinished(waiting.id) !== undefined, 'the job starts');
      return harness.labops.executor.whenFinished(waiting.id);
    })();
    expect(job?.status).toBe('succeeded');
    expect(answered().filter((r) => r.includes('/iso upload'))).toEqual([]);

    await harness.adapter.stop();
    // Stopped: the plans were cancelled, and every asker is told so.
    await until(
      () => answered().filter((r) => r.includes('was cancelled')).length === 6,
      'the plans are cancelled',
    );
    expect((await harness.store.listAudit(20)).map((e) => e.type)).toContain('plans:cancelled');
  });
});
