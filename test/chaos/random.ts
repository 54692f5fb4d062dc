/**
 * The chaos run's only source of randomness: mulberry32, a small seeded PRNG. The same seed gives
 * the same sequence of operations on every machine, so a failing run is replayed with
 * `CHAOS_SEED=<seed>`.
 */
export class Random {
  private state: number;

  constructor(readonly seed: number) {
    this.state = seed >>> 0;
  }

  /** A float in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** An integer in [min, max]. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('pick from an empty list');
    return items[Math.floor(this.next() * items.length)] as T;
  }

  /** One of the keys, each as likely as its weight. */
  weighted<K extends string>(weights: Readonly<Record<K, number>>): K {
    const entries = Object.entries(weights) as [K, number][];
    const total = entries.reduce((sum, [, w]) => sum + w, 0);
    let roll = this.next() * total;
    for (const [key, weight] of entries) {
      roll -= weight;
      if (roll < 0) return key;
    }
    return entries[entries.length - 1]![0];
  }
}

/** A seed from `CHAOS_SEED` (decimal or 0x hex), else a fresh one. */
export function seedFromEnv(env: NodeJS.ProcessEnv = process.env, fallback?: number): number {
  const text = env.CHAOS_SEED?.trim();
  if (text) {
    const value = Number(text);
    if (!Number.isInteger(value) || value < 0 || value > 0xffffffff) {
      throw new Error(`CHAOS_SEED must be an integer from 0 to 4294967295, not ${JSON.stringify(text)}.`);
    }
    return value;
  }
  return fallback ?? Math.floor(Math.random() * 0x100000000);
}
