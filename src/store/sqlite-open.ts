import { accessSync, closeSync, constants, mkdirSync, openSync, readSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import Database from 'better-sqlite3';
import { LabopsError, toLabopsError } from '../errors.js';
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
        `The state store ${path} cannot use write-ahead logging (SQLite answered journal mode "${String(mode)}").`,
        { hint: 'Put the data directory on a local file system (not NFS or SMB); set LABOPS_DATA_DIR.' },
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
  if (path === ':memory:') throw new LabopsError('INTERNAL', 'A store in memory cannot be opened read-only.');
  if (!statSync(path, { throwIfNoEntry: false })) {
    throw new LabopsError('CONFIG', `There is no state store at ${path}.`, {
      hint: 'Set LABOPS_DATA_DIR to the data directory of the labops whose state you want to read.',
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
        `The state store ${path} has schema version ${version}; this labops reads version ${SCHEMA_VERSION}.`,
        { hint: 'Start labops once on this data directory (it upgrades the store), then read it again.' },
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
      `The state store directory ${dir} cannot be created: ${describeFsError(error)}.`,
      {
        cause: error,
        hint: `Create ${dir} as a writable directory, or set LABOPS_DATA_DIR to one.`,
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
      `The state store directory ${dir} is not writable: ${describeFsError(error)}.`,
      {
        cause: error,
        hint: `Give the user running labops write access to ${dir}, or set LABOPS_DATA_DIR to a writable directory.`,
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
      throw new LabopsError('CONFIG', `The state store path ${path} is not a regular file.`, {
        hint: 'Point LABOPS_DATA_DIR at a directory where labops can keep its database file.',
      });
    }
    size = stat.size;
    accessSync(path, access);
  } catch (error) {
    if (error instanceof LabopsError) throw error;
    throw new LabopsError(
      'CONFIG',
      `The state store file ${path} cannot be read and written: ${describeFsError(error)}.`,
      {
        cause: error,
        hint: `Give the user running labops read and write access to ${path}, or set LABOPS_DATA_DIR to another directory.`,
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
  return new LabopsError(
    'CONFIG',
    `The state store file ${path} is not a SQLite database (it may be truncated or another file); labops left it untouched.`,
    {
      cause,
      hint: `Move it aside (mv '${path}' '${path}.broken') to let labops start an empty store there, restore it from a backup, or set LABOPS_DATA_DIR to another directory.`,
    },
  );
}

function corruptDatabase(path: string, problems: readonly string[], cause?: unknown): LabopsError {
  return new LabopsError('CONFIG', `The state store file ${path} is corrupt; labops left it untouched.`, {
    cause,
    details: problems.slice(0, 10),
    hint: `Restore it from a backup, or move it aside (mv '${path}' '${path}.corrupt') to let labops start an empty store; sqlite3 '.recover' may save its contents.`,
  });
}

function translateStartupError(path: string, error: unknown): LabopsError {
  if (error instanceof LabopsError) return error;
  const dir = dirname(path);
  const code = sqliteCode(error);
  const reason = error instanceof Error ? error.message : String(error);
  if (code === 'SQLITE_NOTADB') return notADatabase(path, error);
  if (code.startsWith('SQLITE_CORRUPT')) return corruptDatabase(path, [reason], error);
  if (code.startsWith('SQLITE_READONLY')) {
    return new LabopsError('CONFIG', `The state store ${path} is read-only to labops (${reason}).`, {
      cause: error,
      hint: `Give the user running labops write access to ${path} and to ${dir} (SQLite keeps its -wal and -shm files there), or set LABOPS_DATA_DIR to a writable directory.`,
    });
  }
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) {
    return new LabopsError('CONFIG', `The state store ${path} is locked by another process.`, {
      cause: error,
      hint: 'Is another labops running on the same data directory? Stop it, or set LABOPS_DATA_DIR to another one.',
    });
  }
  if (code === 'SQLITE_FULL') {
    return new LabopsError('CONFIG', `The state store ${path} cannot be written: the disk is full.`, {
      cause: error,
      hint: `Free space on the file system holding ${dir}.`,
    });
  }
  return new LabopsError('CONFIG', `The state store ${path} cannot be opened: ${reason}.`, {
    cause: error,
    hint: `Check that ${dir} is a local, writable directory and ${path} a labops database, or set LABOPS_DATA_DIR to another directory.`,
  });
}

function sqliteCode(error: unknown): string {
  return error instanceof Database.SqliteError ? error.code : '';
}

function describeFsError(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  switch (code) {
    case 'ENOTDIR':
      return 'a part of the path is a file, not a directory';
    case 'EEXIST':
      return 'it exists and is not a directory';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EROFS':
      return 'the file system is read-only';
    case 'ENOSPC':
      return 'the disk is full';
    default:
      return error instanceof Error ? error.message : String(error);
  }
}

// ---------------------------------------------------------------------------------------------
// Errors at run time

export function readOnlyStore(path: string): LabopsError {
  return new LabopsError(
    'INTERNAL',
    `The state store ${path} was opened read-only; labops does not write it.`,
  );
}

/** Why SQLite could not write, in words, for the codes that mean the disk or the file system. */
function describeStorageFailure(code: string): string | undefined {
  if (code === 'SQLITE_FULL') return 'the disk is full';
  if (code.startsWith('SQLITE_IOERR')) return `the disk reported an I/O error (${code})`;
  if (code.startsWith('SQLITE_READONLY')) return `it became read-only (${code})`;
  if (code.startsWith('SQLITE_CANTOPEN')) return `its files cannot be opened (${code})`;
  return undefined;
}

export function translateRuntimeError(path: string, error: unknown): LabopsError {
  if (error instanceof LabopsError) return error;
  const code = sqliteCode(error);
  const reason = error instanceof Error ? error.message : String(error);
  const storage = describeStorageFailure(code);
  if (storage !== undefined) {
    return new LabopsError('STORE_UNAVAILABLE', `labops cannot write its state store ${path}: ${storage}.`, {
      cause: error,
      hint: `Free disk space under ${dirname(path)} (the data directory) or fix its permissions. labops keeps trying to record the jobs it runs, and takes new requests once the store can be written.`,
    });
  }
  if (code.startsWith('SQLITE_BUSY')) {
    return new LabopsError('TIMEOUT', `The state store ${path} stayed locked by another process.`, {
      cause: error,
      hint: 'Is another labops using the same data directory? Only one may run per store.',
    });
  }
  if (code.startsWith('SQLITE_CONSTRAINT')) {
    return new LabopsError('CONFLICT', `The state store refused a write: ${reason}.`, { cause: error });
  }
  if (code !== '') {
    return new LabopsError('INTERNAL', `The state store ${path} failed: ${reason}.`, {
      cause: error,
      hint: 'Check the disk holding the data directory (space, permissions, errors in the system log).',
    });
  }
  return toLabopsError(error);
}
