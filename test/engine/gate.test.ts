import { describe, expect, it } from 'vitest';
import { ConcurrencyGate } from '../../src/engine/gate.js';
import { isLabopsError } from '../../src/errors.js';

/** A task that runs until `finish` is called, noting how many run at once. */
function makeTasks(gate: ConcurrencyGate) {
  let running = 0;
  let most = 0;
  const order: number[] = [];
  const finishers: (() => void)[] = [];
  const run = (n: number, signal?: AbortSignal) =>
    gate.schedule(async () => {
      running++;
      most = Math.max(most, running);
      order.push(n);
      await new Promise<void>((resolve) => finishers.push(resolve));
      running--;
      return n;
    }, signal);
  return { run, finishers, order, most: () => most };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('the engine client’s concurrency gate', () => {
  it('runs at most max at once, the others in the order they came, a slot handed straight on', async () => {
    const gate = new ConcurrencyGate(2);
    const tasks = makeTasks(gate);
    const results = [1, 2, 3, 4, 5].map((n) => tasks.run(n));
    await tick();
    expect(tasks.order).toEqual([1, 2]);
    tasks.finishers.shift()!();
    // A newcomer while 3 takes 1's slot does not slip ahead of 4 and 5.
    const late = tasks.run(6);
    await tick();
    expect(tasks.order).toEqual([1, 2, 3]);
    while (tasks.order.length < 6 || tasks.finishers.length) {
      tasks.finishers.shift()?.();
      await tick();
    }
    expect(await Promise.all([...results, late])).toEqual([1, 2, 3, 4, 5, 6]);
    expect(tasks.order).toEqual([1, 2, 3, 4, 5, 6]);
    expect(tasks.most()).toBe(2);
  });

  it('lets a waiting request whose signal aborts leave the line at once, as a cancel', async () => {
    const gate = new ConcurrencyGate(1);
    const tasks = makeTasks(gate);
    const first = tasks.run(1);
    const controller = new AbortController();
    const waiting = tasks.run(2, controller.signal);
    const third = tasks.run(3);
    controller.abort();
    const error = await waiting.catch((e: unknown) => e);
    expect(isLabopsError(error) && error.code).toBe('CANCELLED');
    tasks.finishers.shift()!();
    await tick();
    tasks.finishers.shift()!();
    expect(await first).toBe(1);
    expect(await third).toBe(3);
    expect(tasks.order).toEqual([1, 3]);
  });

  it('fails the waiting requests when stopped, and lets the running one finish', async () => {
    const gate = new ConcurrencyGate(1);
    const tasks = makeTasks(gate);
    const running = tasks.run(1);
    const waiting = tasks.run(2);
    gate.stop(new Error('closed'));
    await expect(waiting).rejects.toThrow('closed');
    await expect(tasks.run(3)).rejects.toThrow('closed');
    tasks.finishers.shift()!();
    expect(await running).toBe(1);
  });
});
