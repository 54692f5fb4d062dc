import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Dedupe } from '../../src/slack/dedupe.js';
import { openStore } from '../../src/store/sqlite-store.js';
import type { Store } from '../../src/store/types.js';

let dir: string;
let store: Store;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'labops-dedupe-'));
  store = openStore({ path: join(dir, 'labops.db') });
});
afterEach(async () => {
  await store.close();
  await rm(dir, { recursive: true, force: true });
});

/** The store seen as one that replicas share (its `firstSeen` keeps the contract PostgreSQL keeps). */
const shared = (inner: Store): Store =>
  new Proxy(inner, {
    get: (target, key, receiver) => {
      if (key === 'shared') return true;
      const value = Reflect.get(target, key, receiver);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });

describe('the dedupe of Slack’s retries (issue 14 §2)', () => {
  it('knows a retry another replica handled, through the store they share', async () => {
    const clock = () => Date.now();
    const a = new Dedupe(60_000, clock, shared(store));
    const b = new Dedupe(60_000, clock, shared(store));
    expect(await a.first('action:trigger-1')).toBe(true);
    // Slack sends the retry to the other connection: replica B.
    expect(await b.first('action:trigger-1')).toBe(false);
    expect(await a.first('action:trigger-1')).toBe(false);
    expect(await b.first('action:trigger-2')).toBe(true);
  });

  it('keeps to itself with a store of its own, and answers from memory when the store fails', async () => {
    const a = new Dedupe(60_000, () => Date.now(), store);
    const b = new Dedupe(60_000, () => Date.now(), store);
    expect(await a.first('k')).toBe(true);
    expect(await b.first('k')).toBe(true);
    const broken = shared(store);
    await store.close();
    const c = new Dedupe(60_000, () => Date.now(), broken);
    expect(await c.first('k')).toBe(true);
    expect(await c.first('k')).toBe(false);
    store = openStore({ path: join(dir, 'labops.db') });
  });

  it('holds more than 5000 keys within its time without reading them all at every request', async () => {
    let now = 0;
    const dedupe = new Dedupe(60_000, () => now);
    for (let i = 0; i < 6000; i++) expect(await dedupe.first(`k${i}`)).toBe(true);
    // Each sweep walks the whole map: count the walks over the next hundred requests.
    const iterate = Map.prototype[Symbol.iterator];
    let walks = 0;
    Map.prototype[Symbol.iterator] = function (this: Map<unknown, unknown>) {
      walks += 1;
      return iterate.call(this);
    };
    try {
      for (let i = 6000; i < 6100; i++) expect(await dedupe.first(`k${i}`)).toBe(true);
    } finally {
      Map.prototype[Symbol.iterator] = iterate;
    }
    expect(walks).toBeLessThanOrEqual(1);
    // Every key is still a repeat within its time, and forgotten after it.
    expect(await dedupe.first('k0')).toBe(false);
    expect(await dedupe.first('k6099')).toBe(false);
    now = 60_000;
    for (let i = 0; i < 12_200; i++) await dedupe.first(`late${i}`);
    expect(await dedupe.first('k0')).toBe(true);
  });
});
