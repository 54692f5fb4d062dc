import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { LabopsError } from '../errors.js';
import { msg, verbatim } from '../i18n/text.js';
import { openStore, prepareDataDirectory } from './sqlite-store.js';
import type { Store } from './types.js';

/** The file whose lock says "a labops owns this data directory"; it stays empty. */
export const LOCK_FILE = 'labops.lock';
/** The owner's pid, for the message a second labops prints; it never decides anything. */
export const PID_FILE = 'labops.pid';
/** The state store's file in a data directory. */
export const STORE_FILE = 'labops.db';

/**
 * The lock connections of this process. better-sqlite3 closes a connection it collects, which
 * would drop the lock unseen: held here, one lives until `release` whoever keeps its handle.
 */
const held = new Set<Database.Database>();

/** A data directory this process owns until `release`. */
export interface DataDirectoryLock {
  readonly dir: string;
  release(): void;
}

/** The store of a data directory this process owns, and the lock that makes it the owner. */
export interface OwnedStore {
  readonly store: Store;
  readonly lock: DataDirectoryLock;
  /** Closes the store, then gives the directory up. */
  close(): Promise<void>;
}

/**
 * Makes this process the one owner of `dir` (issue 10 §4): takes an exclusive lock that the
 * kernel holds for the process and drops when it dies, however it dies — SIGKILL included — so a
 * stale lock cannot exist. The lock is SQLite's own (POSIX `fcntl` locks on `labops.lock`, an empty
 * database held in an exclusive transaction), so no native addon is needed. A second labops on the
 * same directory is refused with CONFIG naming the owner's pid from `labops.pid`; that file is
 * only read for the message, so a stale one never blocks a start.
 */
export function lockDataDirectory(dir: string): DataDirectoryLock {
  const path = resolve(dir);
  prepareDataDirectory(path);
  const lockPath = join(path, LOCK_FILE);
  const pidPath = join(path, PID_FILE);
  let db: Database.Database;
  try {
    db = new Database(lockPath, { timeout: 0 });
  } catch (error) {
    throw lockFileError(lockPath, error);
  }
  try {
    db.pragma('locking_mode = EXCLUSIVE');
    // No journal file beside the lock: nothing is ever written to it.
    db.pragma('journal_mode = MEMORY');
    db.exec('BEGIN EXCLUSIVE');
  } catch (error) {
    db.close();
    if (error instanceof Database.SqliteError && error.code.startsWith('SQLITE_BUSY')) {
      throw alreadyRunning(path, readOwnerPid(pidPath));
    }
    throw lockFileError(lockPath, error);
  }
  try {
    writeFileSync(pidPath, `${process.pid}\n`);
  } catch (error) {
    db.close();
    throw new LabopsError(
      'CONFIG',
      msg('jobs.owner.pidUnwritable', {
        path: verbatim(pidPath),
        reason: verbatim((error as Error).message),
      }),
      { cause: error, hint: msg('jobs.owner.pidUnwritableHint', { dir: verbatim(path) }) },
    );
  }
  held.add(db);
  return {
    dir: path,
    release() {
      if (!held.delete(db)) return;
      // The pid file goes first: once the lock is free, a new owner may write its own.
      rmSync(pidPath, { force: true });
      db.close();
    },
  };
}

/**
 * How a bot opens its state: the data directory locked first, then the store, so that nothing —
 * recovery above all — runs on a store another live labops owns. A store that cannot be opened
 * gives the directory up again.
 */
export function openOwnedStore(options: { dir: string }): OwnedStore {
  const lock = lockDataDirectory(options.dir);
  let store: Store;
  try {
    store = openStore({ path: join(lock.dir, STORE_FILE) });
  } catch (error) {
    lock.release();
    throw error;
  }
  return {
    store,
    lock,
    async close() {
      try {
        await store.close();
      } finally {
        lock.release();
      }
    },
  };
}

function readOwnerPid(pidPath: string): number | undefined {
  try {
    const pid = Number.parseInt(readFileSync(pidPath, 'utf8').trim(), 10);
    return Number.isSafeInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** How to read the audit trail of a running labops. */
const EXPORT_AUDIT = verbatim('npm start -- --export-audit');

function alreadyRunning(dir: string, pid: number | undefined): LabopsError {
  return pid === undefined
    ? new LabopsError('CONFIG', msg('jobs.owner.runningUnknown', { dir: verbatim(dir) }), {
        hint: msg('jobs.owner.runningUnknownHint', { export: EXPORT_AUDIT }),
      })
    : new LabopsError('CONFIG', msg('jobs.owner.running', { pid, dir: verbatim(dir) }), {
        hint: msg('jobs.owner.runningHint', { kill: verbatim(`kill ${pid}`), export: EXPORT_AUDIT }),
      });
}

function lockFileError(lockPath: string, error: unknown): LabopsError {
  // The system's own words.
  const reason = verbatim(error instanceof Error ? error.message : String(error));
  return new LabopsError('CONFIG', msg('jobs.owner.lockFile', { path: verbatim(lockPath), reason }), {
    cause: error,
    hint: msg('jobs.owner.lockFileHint', { path: verbatim(lockPath) }),
  });
}
