import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readdir, readFile, stat, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isLabopsError, type LabopsError } from '../../src/errors.js';
import { renderText } from '../../src/i18n/render.js';
import { applyMigrations, MIGRATIONS, type Migration, SCHEMA_VERSION } from '../../src/store/migrations.js';
import { openStore } from '../../src/store/sqlite-store.js';
import { findLeaks } from '../support/i18n-leaks.js';
import { makeTempDir, propose, startStoreChild, T0 } from './store-fixtures.js';

let dir: string;
let remove: () => Promise<void>;

beforeEach(async () => {
  ({ dir, remove } = await makeTempDir());
});

afterEach(async () => {
  await remove();
});

/** What store-child.ts prints for `open`. */
interface OpenOutcome {
  ok: boolean;
  code?: string | undefined;
  message?: string | undefined;
  hint?: string | undefined;
}

async function openError(path: string): Promise<LabopsError> {
  try {
    await openStore({ path }).close();
  } catch (error) {
    if (isLabopsError(error)) return error;
    throw error;
  }
  throw new Error(`expected opening ${path} to fail`);
}

function userVersion(path: string): number {
  const db = new Database(path, { readonly: true });
  try {
    return db.pragma('user_version', { simple: true }) as number;
  } finally {
    db.close();
  }
}

/** A store file with some content, closed. */
async function makeStoreFile(path: string, events = 0): Promise<void> {
  const store = openStore({ path });
  await propose(store);
  for (let i = 0; i < events; i++) {
    await store.appendAudit({
      at: T0 + i,
      type: 'step:ran',
      actor: 'system',
      jobId: 'j1',
      approvalId: undefined,
      detail: { pad: 'x'.repeat(200) },
    });
  }
  await store.close();
}

describe('schema migrations', () => {
  it('creates the directory and the schema, recording the version', async () => {
    const path = join(dir, 'nested', 'data', 'labops.db');
    await makeStoreFile(path);
    expect(userVersion(path)).toBe(SCHEMA_VERSION);
    expect(SCHEMA_VERSION).toBe(MIGRATIONS.length);
  });

  it('opens an existing store without migrating it again, keeping its data', async () => {
    const path = join(dir, 'labops.db');
    await makeStoreFile(path);
    const store = openStore({ path });
    try {
      expect((await store.getJob('j1'))?.command).toBe('host maintenance');
      expect(store.path).toBe(path);
    } finally {
      await store.close();
    }
    expect(userVersion(path)).toBe(SCHEMA_VERSION);
  });

  it('runs only the migrations a database has not had, in order', () => {
    const ran: number[] = [];
    const migration = (version: number): Migration => ({
      version,
      name: `step ${version}`,
      up: (db) => {
        ran.push(version);
        db.exec(`CREATE TABLE t${version} (x)`);
      },
    });
    const db = new Database(join(dir, 'm.db'));
    try {
      const path = join(dir, 'm.db');
      expect(applyMigrations(db, { path, migrations: [migration(1), migration(2)] })).toEqual({
        from: 0,
        to: 2,
        applied: [1, 2],
      });
      expect(applyMigrations(db, { path, migrations: [migration(1), migration(2)] }).applied).toEqual([]);
      expect(applyMigrations(db, { path, migrations: [migration(1), migration(2), migration(3)] })).toEqual({
        from: 2,
        to: 3,
        applied: [3],
      });
      expect(ran).toEqual([1, 2, 3]);
    } finally {
      db.close();
    }
  });

  it('leaves the database as it was when a migration fails', () => {
    const path = join(dir, 'm.db');
    const db = new Database(path);
    try {
      const broken: Migration = {
        version: 2,
        name: 'broken',
        up: (d) => d.exec('CREATE TABLE nope (x); SELECT * FROM missing_table'),
      };
      let error: unknown;
      try {
        applyMigrations(db, { path, migrations: [...MIGRATIONS.slice(0, 1), broken] });
      } catch (caught) {
        error = caught;
      }
      expect(isLabopsError(error) && error.code).toBe('CONFIG');
      expect((error as Error).message).toContain('broken');
      expect(db.pragma('user_version', { simple: true })).toBe(0);
      expect(db.prepare("SELECT count(*) AS n FROM sqlite_master WHERE type = 'table'").get()).toEqual({
        n: 0,
      });
    } finally {
      db.close();
    }
  });

  it('refuses a database from a newer labops, leaving it untouched', async () => {
    const path = join(dir, 'labops.db');
    await makeStoreFile(path);
    const raw = new Database(path);
    raw.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
    raw.close();
    const bytes = await readFile(path);

    const error = await openError(path);
    expect(error.code).toBe('CONFIG');
    expect(error.message).toContain(path);
    expect(error.message).toContain(`schema version ${SCHEMA_VERSION + 1}`);
    expect(error.message).toContain('newer labops');
    expect(error.hint).toContain('LABOPS_DATA_DIR');
    expect((await readFile(path)).equals(bytes)).toBe(true);
    expect(userVersion(path)).toBe(SCHEMA_VERSION + 1);
  });
});

describe('start-up refusals', () => {
  it('refuses a file that is not a database and leaves it byte for byte', async () => {
    const path = join(dir, 'labops.db');
    const garbage = randomBytes(8192);
    await writeFile(path, garbage);

    const error = await openError(path);
    expect(error.code).toBe('CONFIG');
    expect(error.message).toContain(path);
    expect(error.message).toContain('not a SQLite database');
    expect(error.hint).toContain('mv');
    // In Korean, with the command to type as it is (issue 16).
    expect(renderText('ko', error.text)).toBe(
      `상태 저장소 파일 ${path}은(는) SQLite 데이터베이스가 아닙니다(잘렸거나 다른 파일일 수 있습니다). labops는 파일을 건드리지 않았습니다.`,
    );
    expect(renderText('ko', error.hintText!)).toBe(
      `파일을 옮겨 두면(mv '${path}' '${path}.broken') labops가 그 자리에 빈 저장소를 만듭니다. 백업에서 복원하거나 LABOPS_DATA_DIR을 다른 디렉터리로 지정해도 됩니다.`,
    );
    expect([error.text, error.hintText!].flatMap((text) => findLeaks(text))).toEqual([]);
    expect((await readFile(path)).equals(garbage)).toBe(true);
    expect(await readdir(dir)).toEqual(['labops.db']);
  });

  it('refuses a text file with too few bytes to be a database', async () => {
    const path = join(dir, 'labops.db');
    await writeFile(path, 'hello\n');
    expect((await openError(path)).message).toContain('not a SQLite database');
    expect(await readFile(path, 'utf8')).toBe('hello\n');
  });

  it('refuses a truncated database and leaves what remains of it', async () => {
    const path = join(dir, 'labops.db');
    await makeStoreFile(path, 500);
    const { size } = await stat(path);
    await truncate(path, Math.floor(size / 2));
    const bytes = await readFile(path);

    const error = await openError(path);
    expect(error.code).toBe('CONFIG');
    expect(error.message).toMatch(/corrupt|not a SQLite database/);
    expect(error.message).toContain(path);
    expect(error.hint).toBeTruthy();
    expect((await readFile(path)).equals(bytes)).toBe(true);
  });

  it('refuses a database whose pages are damaged', async () => {
    const path = join(dir, 'labops.db');
    await makeStoreFile(path, 500);
    const bytes = await readFile(path);
    const pageSize = bytes.readUInt16BE(16);
    // Page 1 (the header and schema) stays whole, so the damage is only found by reading on.
    randomBytes(pageSize * 4).copy(bytes, pageSize * 3);
    await writeFile(path, bytes);

    const error = await openError(path);
    expect(error.code).toBe('CONFIG');
    expect(error.message).toContain('corrupt');
    expect(error.hint).toContain('backup');
    expect((await readFile(path)).equals(bytes)).toBe(true);
  });

  it('starts a new store in an empty file', async () => {
    const path = join(dir, 'labops.db');
    await writeFile(path, '');
    await makeStoreFile(path);
    expect(userVersion(path)).toBe(SCHEMA_VERSION);
  });

  it('refuses a data directory that cannot be created because part of it is a file', async () => {
    const blocker = join(dir, 'not-a-dir');
    await writeFile(blocker, 'keep me');
    const error = await openError(join(blocker, 'data', 'labops.db'));
    expect(error.code).toBe('CONFIG');
    expect(error.message).toContain(join(blocker, 'data'));
    expect(error.message).toContain('is a file, not a directory');
    expect(error.hint).toContain('LABOPS_DATA_DIR');
    expect(await readFile(blocker, 'utf8')).toBe('keep me');
  });

  it('refuses a database path that is a directory', async () => {
    const path = join(dir, 'labops.db');
    await mkdir(path);
    const error = await openError(path);
    expect(error.code).toBe('CONFIG');
    expect(error.message).toContain('not a regular file');
  });

  describe('permissions, checked as an unprivileged user', () => {
    // Root writes through any mode bits, so as root the check runs in a child as "nobody".
    const isRoot = process.getuid?.() === 0;

    async function openAsUser(path: string): Promise<OpenOutcome> {
      if (!isRoot) {
        try {
          await openStore({ path }).close();
          return { ok: true };
        } catch (error) {
          if (!isLabopsError(error)) throw error;
          return { ok: false, code: error.code, message: error.message, hint: error.hint };
        }
      }
      const child = startStoreChild(['open', path], { uid: 65534, gid: 65534 });
      const line = await child.nextLine();
      await child.exited;
      return JSON.parse(line);
    }

    beforeEach(async () => {
      await chmod(dir, 0o755);
    });

    it('can open a store it may write, so the refusals below are about permissions', async () => {
      const data = join(dir, 'writable');
      await mkdir(data, { mode: 0o777 });
      await chmod(data, 0o777);
      expect(await openAsUser(join(data, 'labops.db'))).toEqual({ ok: true });
    });

    it('refuses a read-only database file', async () => {
      const data = join(dir, 'data');
      await mkdir(data);
      await chmod(data, 0o777);
      const path = join(data, 'labops.db');
      await makeStoreFile(path);
      await chmod(path, 0o444);
      const bytes = await readFile(path);

      const result = await openAsUser(path);
      expect(result).toMatchObject({ ok: false, code: 'CONFIG' });
      expect(result.message).toContain(path);
      expect(result.hint).toMatch(/access|permission/);
      expect((await readFile(path)).equals(bytes)).toBe(true);
    });

    it('refuses a directory it cannot write', async () => {
      const data = join(dir, 'locked');
      await mkdir(data);
      await chmod(data, 0o555);
      const result = await openAsUser(join(data, 'labops.db'));
      expect(result).toMatchObject({ ok: false, code: 'CONFIG' });
      expect(result.message).toContain(data);
      expect(result.message).toContain('not writable');
      expect(result.hint).toContain('LABOPS_DATA_DIR');
    });
  });
});
