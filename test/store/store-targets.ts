/**
 * The stores the contract suites run on (issue 14 §1): each target makes a fresh, empty store for a
 * test, and says how to open the same data again (a restart, another process, another replica)
 * and how to reach under the store (one SQL statement) for what no operation writes.
 */
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { openPgStore } from '../../src/store/pg-store.js';
import { openStore } from '../../src/store/sqlite-store.js';
import type { Store } from '../../src/store/types.js';
import { resetPgDatabase, usePgDatabase } from '../support/postgres.js';
import { makeTempDir } from './store-fixtures.js';

export interface FreshStore {
  store: Store;
  /** Where another process opens the same store: the SQLite file's path or the database's URL. */
  location: string;
  /** Opens another store on the same data: a restart, or a second process or replica. */
  open: () => Promise<Store>;
  /** Runs one SQL statement on the data under the store, with `?` for each parameter. */
  exec: (sql: string, params?: readonly unknown[]) => Promise<void>;
  /** Removes the data; its stores are closed first. */
  remove: () => Promise<void>;
}

/** Makes a fresh store for one test. */
export type OpenFresh = () => Promise<FreshStore>;

export interface StoreTarget {
  name: string;
  openFresh: OpenFresh;
}

/** A SQLite store in a file of its own temporary data directory. */
export function sqliteTarget(): StoreTarget {
  return {
    name: 'SQLite',
    openFresh: async () => {
      const { dir, remove } = await makeTempDir();
      const path = join(dir, 'data', 'labops.db');
      return {
        store: openStore({ path }),
        location: path,
        open: async () => openStore({ path }),
        exec: async (sql, params = []) => {
          const db = new Database(path);
          try {
            db.prepare(sql).run(...params);
          } finally {
            db.close();
          }
        },
        remove,
      };
    },
  };
}

/**
 * A PostgreSQL store in this test file's own database on the run's server, emptied before each
 * test. Call at the top level of a test file: it registers the hooks that make the database.
 */
export function pgTarget(): StoreTarget {
  const database = usePgDatabase();
  return {
    name: 'PostgreSQL',
    openFresh: async () => {
      const url = database();
      await resetPgDatabase(url);
      return {
        store: await openPgStore({ url }),
        location: url,
        open: () => openPgStore({ url }),
        exec: async (sql, params = []) => {
          let n = 0;
          const client = new pg.Client({ connectionString: url });
          await client.connect();
          try {
            await client.query(
              sql.replace(/\?/g, () => `$${++n}`),
              [...params],
            );
          } finally {
            await client.end();
          }
        },
        remove: async () => {},
      };
    },
  };
}
