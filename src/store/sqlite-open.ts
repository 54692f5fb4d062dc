import { accessSync, closeSync, constants, mkdirSync, openSync, readSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import Database from 'better-sqlite3';
import { LabopsError, toLabopsError } from '../errors.js';
import { msg, type Text, verbatim } from '../i18n/text.js';
import { applyMigrations, assertKnownVersion, readSchemaVersion, SCHEMA_VERSION } from './migrations.js';

// Opening the state store: path checks, integrity, pragmas, migrations, read-only mode, and the
// translation of SQLite's errors into LabopsErrors that say how to fix them.

export type Db = Database.Database;

const SQLITE_MAGIC = Buffer.from('SQLite format 3\0', 'latin1');
const SQLITE_HEADER_BYTES = 100;

// ---------------------------------------------------------------------------------------------
// Start-up

export function openDatabase(path: string, busyTimeoutMs: number): Db {
  if (path === ':memory:') {
    const db = new Database(':memory:');
    db.pragma('foreign_keys = ON');
    applyMigrations(db, { path });
    return db;
  }
  ensureDirectory(path);
  checkExistingFile(path);
  let db: Db;
  try {
    db = new Database(path, { timeout: busyTimeoutMs });
  } catch (error) {
    throw translateStartupError(path, error);
  }
  try {
    // Checked before switching to WAL, so a database we refuse is left exactly as we found it.
    checkIntegrity(db, path);
    assertKnownVersion(readSchemaVersion(db), SCHEMA_VERSION, path);
    const mode = db.pragma('journal_mode = WAL', { simple: true });
    if (mode !== 'wal') {
      throw new LabopsError(
        'CONFIG',
        msg('jobs.store.noWal', { path: verbatim(path), mode: verbatim(String(mode)) }),
        {
          hint: msg('jobs.store.noWalHint'),
        },
      );
    }
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    db.pragma(`busy_timeout = ${Math.max(0, Math.floor(busyTimeoutMs))}`);
    applyMigrations(db, { path });
    return db;
  } catch (error) {
    db.close();
    throw translateStartupError(path, error);
  }
}

export function openDatabaseToRead(path: string, busyTimeoutMs: number): Db {
  if (path === ':memory:') throw new LabopsError('INTERNAL', msg('jobs.store.memoryReadOnly'));
  if (!statSync(path, { throwIfNoEntry: false })) {
    throw new LabopsError('CONFIG', msg('jobs.store.missing', { path: verbatim(path) }), {
      hint: msg('jobs.store.missingHint'),
    });
  }
  checkExistingFile(path, constants.R_OK);
  let db: Db;
  try {
    db = new Database(path, { readonly: true, fileMustExist: true, timeout: busyTimeoutMs });
  } catch (error) {
    throw translateStartupError(path, error);
  }
  try {
    checkIntegrity(db, path);
    const version = readSchemaVersion(db);
    assertKnownVersion(version, SCHEMA_VERSION, path);
    if (version < SCHEMA_VERSION) {
      // Reading cannot upgrade it, and this labops' queries need the current schema.
      throw new LabopsError(
        'CONFIG',
        msg('jobs.store.oldSchema', { path: verbatim(path), version, current: SCHEMA_VERSION }),
        { hint: msg('jobs.store.oldSchemaHint') },
      );
    }
    return db;
  } catch (error) {
    db.close();
    throw translateStartupError(path, error);
  }
}

/**
 * Creates the data directory when missing and checks that labops may write there; refuses with
 * CONFIG naming the directory and how to fix it.
 */
export function prepareDataDirectory(dir: string): void {
  ensureDirectory(join(dir, 'labops.db'));
}

function ensureDirectory(path: string): void {
  const dir = dirname(path);
  try {
    mkdirSync(dir, { recursive: true });
  } catch (error) {
    throw new LabopsError(
      'CONFIG',
      msg('jobs.store.dirCreate', { dir: verbatim(dir), reason: describeFsError(error) }),
      {
        cause: error,
        hint: msg('jobs.store.dirCreateHint', { dir: verbatim(dir) }),
      },
    );
  }
  try {
    // Write access to the directory matters even for an existing file: SQLite keeps its -wal and
    // -shm files beside it.
    accessSync(dir, constants.W_OK | constants.X_OK);
  } catch (error) {
    throw new LabopsError(
      'CONFIG',
      msg('jobs.store.dirNotWritable', { dir: verbatim(dir), reason: describeFsError(error) }),
      {
        cause: error,
        hint: msg('jobs.store.dirNotWritableHint', { dir: verbatim(dir) }),
      },
    );
  }
}

function checkExistingFile(path: string, access = constants.R_OK | constants.W_OK): void {
  let size: number;
  try {
    const stat = statSync(path, { throwIfNoEntry: false });
    if (stat === undefined) return;
    if (!stat.isFile()) {
      throw new LabopsError('CONFIG', msg('jobs.store.notFile', { path: verbatim(path) }), {
        hint: msg('jobs.store.notFileHint'),
      });
    }
    size = stat.size;
    accessSync(path, access);
  } catch (error) {
    if (error instanceof LabopsError) throw error;
    throw new LabopsError(
      'CONFIG',
      msg('jobs.store.fileAccess', { path: verbatim(path), reason: describeFsError(error) }),
      {
        cause: error,
        hint: msg('jobs.store.fileAccessHint', { path: verbatim(path) }),
      },
    );
  }
  // SQLite makes a new database of an empty file; there is nothing in it to lose.
  if (size === 0) return;
  const header = Buffer.alloc(SQLITE_HEADER_BYTES);
  const fd = openSync(path, 'r');
  let read: number;
  try {
    read = readSync(fd, header, 0, SQLITE_HEADER_BYTES, 0);
  } finally {
    closeSync(fd);
  }
  if (read < SQLITE_HEADER_BYTES || !header.subarray(0, SQLITE_MAGIC.length).equals(SQLITE_MAGIC)) {
    throw notADatabase(path);
  }
}

function checkIntegrity(db: Db, path: string): void {
  const rows = db.pragma('quick_check') as { quick_check: string }[];
  const problems = rows.map((row) => row.quick_check).filter((line) => line !== 'ok');
  if (problems.length > 0) throw corruptDatabase(path, problems);
}

function notADatabase(path: string, cause?: unknown): LabopsError {
  return new LabopsError('CONFIG', msg('jobs.store.notDatabase', { path: verbatim(path) }), {
    cause,
    hint: msg('jobs.store.notDatabaseHint', { command: verbatim(`mv '${path}' '${path}.broken'`) }),
  });
}

function corruptDatabase(path: string, problems: readonly string[], cause?: unknown): LabopsError {
  return new LabopsError('CONFIG', msg('jobs.store.corrupt', { path: verbatim(path) }), {
    cause,
    // SQLite's own words.
    details: problems.slice(0, 10).map((problem) => verbatim(problem)),
    hint: msg('jobs.store.corruptHint', {
      command: verbatim(`mv '${path}' '${path}.corrupt'`),
      recover: verbatim("sqlite3 '.recover'"),
    }),
  });
}

function translateStartupError(path: string, error: unknown): LabopsError {
  if (error instanceof LabopsError) return error;
  const dir = dirname(path);
  const code = sqliteCode(error);
  const message = error instanceof Error ? error.message : String(error);
  // SQLite's own words.
  const reason = verbatim(message);
  if (code === 'SQLITE_NOTADB') return notADatabase(path, error);
  if (code.startsWith('SQLITE_CORRUPT')) return corruptDatabase(path, [message], error);
  if (code.startsWith('SQLITE_READONLY')) {
    return new LabopsError('CONFIG', msg('jobs.store.readOnly', { path: verbatim(path), reason }), {
      cause: error,
      hint: msg('jobs.store.readOnlyHint', { path: verbatim(path), dir: verbatim(dir) }),
    });
  }
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) {
    return new LabopsError('CONFIG', msg('jobs.store.locked', { path: verbatim(path) }), {
      cause: error,
      hint: msg('jobs.store.lockedHint'),
    });
  }
  if (code === 'SQLITE_FULL') {
    return new LabopsError('CONFIG', msg('jobs.store.full', { path: verbatim(path) }), {
      cause: error,
      hint: msg('jobs.store.fullHint', { dir: verbatim(dir) }),
    });
  }
  return new LabopsError('CONFIG', msg('jobs.store.cannotOpen', { path: verbatim(path), reason }), {
    cause: error,
    hint: msg('jobs.store.cannotOpenHint', { path: verbatim(path), dir: verbatim(dir) }),
  });
}

function sqliteCode(error: unknown): string {
  return error instanceof Database.SqliteError ? error.code : '';
}

function describeFsError(error: unknown): Text {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  switch (code) {
    case 'ENOTDIR':
      return msg('jobs.fs.notDirectory');
    case 'EEXIST':
      return msg('jobs.fs.exists');
    case 'EACCES':
    case 'EPERM':
      return msg('jobs.fs.permission');
    case 'EROFS':
      return msg('jobs.fs.readOnly');
    case 'ENOSPC':
      return msg('jobs.fs.full');
    default:
      // The system's own words.
      return verbatim(error instanceof Error ? error.message : String(error));
  }
}

// ---------------------------------------------------------------------------------------------
// Errors at run time

export function readOnlyStore(path: string): LabopsError {
  return new LabopsError('INTERNAL', msg('jobs.store.openedReadOnly', { path: verbatim(path) }));
}

/** Why SQLite could not write, in words, for the codes that mean the disk or the file system. */
function describeStorageFailure(code: string): Text | undefined {
  if (code === 'SQLITE_FULL') return msg('jobs.fs.full');
  if (code.startsWith('SQLITE_IOERR')) return msg('jobs.fs.ioError', { code: verbatim(code) });
  if (code.startsWith('SQLITE_READONLY')) return msg('jobs.fs.becameReadOnly', { code: verbatim(code) });
  if (code.startsWith('SQLITE_CANTOPEN')) return msg('jobs.fs.cannotOpen', { code: verbatim(code) });
  return undefined;
}

export function translateRuntimeError(path: string, error: unknown): LabopsError {
  if (error instanceof LabopsError) return error;
  const code = sqliteCode(error);
  // SQLite's own words.
  const reason = verbatim(error instanceof Error ? error.message : String(error));
  const storage = describeStorageFailure(code);
  if (storage !== undefined) {
    return new LabopsError(
      'STORE_UNAVAILABLE',
      msg('jobs.store.unwritable', { path: verbatim(path), reason: storage }),
      {
        cause: error,
        hint: msg('jobs.store.unwritableHint', { dir: verbatim(dirname(path)) }),
      },
    );
  }
  if (code.startsWith('SQLITE_BUSY')) {
    return new LabopsError('TIMEOUT', msg('jobs.store.stayedLocked', { path: verbatim(path) }), {
      cause: error,
      hint: msg('jobs.store.stayedLockedHint'),
    });
  }
  if (code.startsWith('SQLITE_CONSTRAINT')) {
    return new LabopsError('CONFLICT', msg('jobs.store.refusedWrite', { reason }), { cause: error });
  }
  if (code !== '') {
    return new LabopsError('INTERNAL', msg('jobs.store.failed', { path: verbatim(path), reason }), {
      cause: error,
      hint: msg('jobs.store.failedHint'),
    });
  }
  return toLabopsError(error);
}
