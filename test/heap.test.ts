import { afterEach, describe, expect, it, vi } from 'vitest';
import { trimYoungGenerationWhenQuiet } from '../src/heap.js';

const global = globalThis as { gc?: unknown };
const before = global.gc;
afterEach(() => {
  vi.useRealTimers();
  global.gc = before;
});

describe('the young generation given back when quiet', () => {
  it('asks V8 for a young collection every interval, and stops when told', () => {
    vi.useFakeTimers();
    const calls: unknown[] = [];
    global.gc = (options: unknown) => calls.push(options);
    const stop = trimYoungGenerationWhenQuiet(5000);
    vi.advanceTimersByTime(15_000);
    expect(calls).toEqual([{ type: 'minor' }, { type: 'minor' }, { type: 'minor' }]);
    stop();
    vi.advanceTimersByTime(15_000);
    expect(calls).toHaveLength(3);
  });

  it('does nothing where node was started without --expose-gc', () => {
    vi.useFakeTimers();
    global.gc = undefined;
    const stop = trimYoungGenerationWhenQuiet(5000);
    expect(vi.getTimerCount()).toBe(0);
    stop();
  });
});
