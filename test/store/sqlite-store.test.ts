import { describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/sqlite-store.js';
import { describeStoreContract } from './contract.js';
import { describeLeaseContract } from './contract-leases.js';
import { propose } from './store-fixtures.js';
import { sqliteTarget } from './store-targets.js';

describeStoreContract(sqliteTarget());
describeLeaseContract(sqliteTarget());

// SQLite's own: its files are covered by upgrade, unwritable, startup and owner tests.

describe('an in-memory store', () => {
  it('works for throwaway use', async () => {
    const memory = openStore({ path: ':memory:' });
    await propose(memory);
    expect((await memory.getJob('j1'))?.status).toBe('awaiting_approval');
    await memory.close();
  });
});
