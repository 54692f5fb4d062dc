import { setTimeout as delay } from 'node:timers/promises';
import { LabopsError } from './errors.js';
import { msg } from './i18n/text.js';

/** Waits `ms`, or rejects with CANCELLED when the signal aborts. Injected wherever labops waits. */
export type Sleep = (ms: number, signal?: AbortSignal) => Promise<void>;

/** Milliseconds since the epoch. Injected wherever labops reads the time. */
export type Clock = () => number;

export const systemClock: Clock = () => Date.now();

export const realSleep: Sleep = async (ms, signal) => {
  try {
    await delay(ms, undefined, signal ? { signal } : undefined);
  } catch (error) {
    if (signal?.aborted) throw cancelledBy(signal);
    throw error;
  }
};

/** The error to raise when a signal aborted: its reason when it is ours, else CANCELLED. */
export function cancelledBy(signal: AbortSignal): LabopsError {
  const reason: unknown = signal.reason;
  if (reason instanceof LabopsError) return reason;
  return new LabopsError('CANCELLED', msg('common.cancelled'), { cause: reason });
}
