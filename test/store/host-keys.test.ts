import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isLabopsError } from '../../src/errors.js';
import { applyMigrations, MIGRATIONS } from '../../src/store/migrations.js';
import { openStore } from '../../src/store/sqlite-store.js';
import type { Store } from '../../src/store/types.js';
import { makeTempDir, T0 } from './store-fixtures.js';
import { type FreshStore, pgTarget, sqliteTarget } from './store-targets.js';

const KEY_A = 'SHA256:ypeBEsobvcr6wjGzmiPcTaeG7/gUfE5yuYB3ha/uSLs';
const KEY_B = 'SHA256:hOGirLkK4A5xsS224enSbnqiDq0E37REdz2U8RLh3kA';
const LAB = 'default';

let store: Store;

// The contract's part about pins, on both stores (issue 14 §1).
for (const target of [sqliteTarget(), pgTarget()]) {
  describe(`pinned host keys on ${target.name}`, () => {
    let fresh: FreshStore;

    beforeEach(async () => {
      fresh = await target.openFresh();
      store = fresh.store;
    });

    afterEach(async () => {
      await store.close();
      await fresh.remove();
    });

    it('has no pin for a machine nobody trusted', async () => {
      expect(await store.getPinnedHostKey(LAB, 'hyper1')).toBeUndefined();
    });

    it('keeps a pin with who approved it and when, across a reopen', async () => {
      expect(await store.pinHostKey(LAB, 'hyper1', KEY_A, 'slack:U0ALICE01', T0)).toEqual({
        lab: LAB,
        machine: 'hyper1',
        fingerprint: KEY_A,
        by: 'slack:U0ALICE01',
        at: T0,
      });
      await store.close();
      store = await fresh.open();
      expect((await store.getPinnedHostKey(LAB, 'hyper1'))?.fingerprint).toBe(KEY_A);
      expect(await store.getPinnedHostKey(LAB, 'hyper2')).toBeUndefined();
    });

    it('replaces the pin when the host is trusted again', async () => {
      await store.pinHostKey(LAB, 'hyper1', KEY_A, 'shell:alice', T0);
      await store.pinHostKey(LAB, 'hyper1', KEY_B, 'shell:bob', T0 + 1000);
      expect(await store.getPinnedHostKey(LAB, 'hyper1')).toEqual({
        lab: LAB,
        machine: 'hyper1',
        fingerprint: KEY_B,
        by: 'shell:bob',
        at: T0 + 1000,
      });
    });

    it('refuses something that is not a fingerprint', async () => {
      for (const bad of ['', 'SHA256:short', `MD5:${KEY_A.slice(7)}`, `${KEY_A}\n`]) {
        let error: unknown;
        try {
          await store.pinHostKey(LAB, 'hyper1', bad, 'shell:alice', T0);
        } catch (thrown) {
          error = thrown;
        }
        expect(isLabopsError(error) && error.code === 'USAGE').toBe(true);
      }
      expect(await store.getPinnedHostKey(LAB, 'hyper1')).toBeUndefined();
    });

    it('keeps hyper1 of lab1 apart from hyper1 of lab2', async () => {
      await store.pinHostKey('lab1', 'hyper1', KEY_A, 'shell:alice', T0);
      expect(await store.getPinnedHostKey('lab2', 'hyper1')).toBeUndefined();
      await store.pinHostKey('lab2', 'hyper1', KEY_B, 'shell:bob', T0 + 1000);
      expect(await store.getPinnedHostKey('lab1', 'hyper1')).toEqual({
        lab: 'lab1',
        machine: 'hyper1',
        fingerprint: KEY_A,
        by: 'shell:alice',
        at: T0,
      });
      expect((await store.getPinnedHostKey('lab2', 'hyper1'))?.fingerprint).toBe(KEY_B);
      // Trusting lab2's hyper1 again leaves lab1's pin as it was.
      await store.pinHostKey('lab2', 'hyper1', KEY_A, 'shell:bob', T0 + 2000);
      expect((await store.getPinnedHostKey('lab1', 'hyper1'))?.at).toBe(T0);
      expect(await store.getPinnedHostKey(LAB, 'hyper1')).toBeUndefined();
    });
  });
}

// SQLite's own: stores written before pins and before labs.
describe('pinned host keys in an upgraded SQLite store', () => {
  let dir: string;
  let remove: () => Promise<void>;

  beforeEach(async () => {
    ({ dir, remove } = await makeTempDir());
    store = openStore({ path: join(dir, 'labops.db') });
  });

  afterEach(async () => {
    await store.close();
    await remove();
  });

  it('upgrades a version 1 store, keeping its jobs, and adds the pins table', async () => {
    await store.close();
    const path = join(dir, 'old.db');
    const db = new Database(path);
    applyMigrations(db, { path, migrations: MIGRATIONS.slice(0, 1) });
    db.exec(
      `INSERT INTO jobs (id, command, text, args, requester, channel, risk, plan, status, created_at)
       VALUES ('j1', 'lab status', '', '{}', 'shell:a', 'shell', 'read', '{}', 'succeeded', 1)`,
    );
    db.close();
    store = openStore({ path });
    expect((await store.getJob('j1'))?.status).toBe('succeeded');
    await store.pinHostKey(LAB, 'storage', KEY_A, 'shell:alice', T0);
    expect((await store.getPinnedHostKey(LAB, 'storage'))?.by).toBe('shell:alice');
  });

  it("keeps a pin from before labs (schema 5) as the default lab's", async () => {
    await store.close();
    const path = join(dir, 'v5.db');
    const db = new Database(path);
    applyMigrations(db, { path, migrations: MIGRATIONS.slice(0, 5) });
    db.prepare('INSERT INTO host_keys (machine, fingerprint, pinned_by, pinned_at) VALUES (?, ?, ?, ?)').run(
      'hyper1',
      KEY_A,
      'shell:alice',
      T0,
    );
    db.close();
    store = openStore({ path });
    expect(await store.getPinnedHostKey(LAB, 'hyper1')).toEqual({
      lab: LAB,
      machine: 'hyper1',
      fingerprint: KEY_A,
      by: 'shell:alice',
      at: T0,
    });
    expect(await store.getPinnedHostKey('lab1', 'hyper1')).toBeUndefined();
  });
});
