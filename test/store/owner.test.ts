import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isLabopsError, type LabopsError } from '../../src/errors.js';
import { renderText } from '../../src/i18n/render.js';
import { verbatim } from '../../src/i18n/text.js';
import {
  type DataDirectoryLock,
  LOCK_FILE,
  lockDataDirectory,
  openOwnedStore,
  PID_FILE,
  STORE_FILE,
} from '../../src/store/owner.js';
import { openStore } from '../../src/store/sqlite-store.js';
import { makeTempDir, proposeRunning, T0 } from './store-fixtures.js';

let dir: string;
let remove: () => Promise<void>;
const locks: DataDirectoryLock[] = [];

beforeEach(async () => {
  ({ dir, remove } = await makeTempDir());
});

afterEach(async () => {
  for (const lock of locks.splice(0)) lock.release();
  await remove();
});

function lock(path = dir): DataDirectoryLock {
  const taken = lockDataDirectory(path);
  locks.push(taken);
  return taken;
}

function lockError(path = dir): LabopsError {
  try {
    lock(path);
  } catch (error) {
    if (isLabopsError(error)) return error;
    throw error;
  }
  throw new Error(`expected locking ${path} to fail`);
}

/** Whether another process can take the lock now: it answers "free" or "held". */
async function probeFromAnotherProcess(path: string): Promise<string> {
  const script = `
    const Database = require('better-sqlite3');
    const db = new Database(${JSON.stringify(join(path, LOCK_FILE))}, { timeout: 0 });
    try { db.exec('BEGIN EXCLUSIVE'); console.log('free'); } catch (e) { console.log(e.code === 'SQLITE_BUSY' ? 'held' : e.code); }
  `;
  const child = spawn(process.execPath, ['-e', script], { cwd: process.cwd() });
  let out = '';
  child.stdout.on('data', (d: Buffer) => {
    out += d.toString();
  });
  await new Promise((resolve) => child.on('close', resolve));
  return out.trim();
}

describe('one owner of a data directory', () => {
  it('refuses a second owner, naming the pid of the first', () => {
    lock();
    const error = lockError();
    expect(error.code).toBe('CONFIG');
    expect(error.message).toBe(
      `labops is already running with this data directory (pid ${process.pid}): ${dir}.`,
    );
    expect(error.hint).toContain(`kill ${process.pid}`);
    expect(error.hint).toContain('--export-audit');
    expect(renderText('ko', error.text)).toBe(
      `이 데이터 디렉터리로 labops가 이미 실행 중입니다(pid ${process.pid}): ${dir}.`,
    );
    expect(renderText('ko', error.hintText!)).toBe(
      `데이터 디렉터리 하나는 labops 하나만 씁니다. 다른 labops를 멈추거나(kill ${process.pid}) LABOPS_DATA_DIR을 다른 디렉터리로 지정하십시오. 실행 중에도 감사 기록은 읽을 수 있습니다: npm start -- --export-audit.`,
    );
  });

  it('holds a lock another process sees, also after a refused attempt here, and gives it up on release', async () => {
    const held = lock();
    expect(readFileSync(join(dir, PID_FILE), 'utf8')).toBe(`${process.pid}\n`);
    expect(await probeFromAnotherProcess(dir)).toBe('held');
    // A refused second attempt in this process must not drop the first one's lock (POSIX locks
    // are the process's: closing any descriptor of the file would).
    lockError();
    expect(await probeFromAnotherProcess(dir)).toBe('held');
    held.release();
    expect(existsSync(join(dir, PID_FILE))).toBe(false);
    expect(await probeFromAnotherProcess(dir)).toBe('free');
    lock();
  });

  it('is not blocked by a stale pid file, and writes its own', () => {
    writeFileSync(join(dir, PID_FILE), '999999\n');
    lock();
    expect(readFileSync(join(dir, PID_FILE), 'utf8')).toBe(`${process.pid}\n`);
  });

  it('creates a missing data directory, and refuses one that cannot be, with CONFIG', () => {
    lock(join(dir, 'new', 'data'));
    expect(existsSync(join(dir, 'new', 'data', LOCK_FILE))).toBe(true);
    writeFileSync(join(dir, 'a-file'), 'keep me');
    const error = lockError(join(dir, 'a-file'));
    expect(error.code).toBe('CONFIG');
    expect(error.message).toContain(join(dir, 'a-file'));
    expect(readFileSync(join(dir, 'a-file'), 'utf8')).toBe('keep me');
  });

  it('gives the directory up when its store cannot be opened', async () => {
    writeFileSync(join(dir, STORE_FILE), 'not a database, but somebody’s file\n');
    let error: unknown;
    try {
      openOwnedStore({ dir });
    } catch (caught) {
      error = caught;
    }
    expect(isLabopsError(error) && error.code).toBe('CONFIG');
    expect(await probeFromAnotherProcess(dir)).toBe('free');
    expect(readFileSync(join(dir, STORE_FILE), 'utf8')).toBe('not a database, but somebody’s file\n');
  });
});

describe('a store opened read-only', () => {
  it('reads beside the owner, and never writes or recovers', async () => {
    const owned = openOwnedStore({ dir });
    try {
      await proposeRunning(owned.store, { job: { id: 'j-run' }, locks: ['host:hyper1'] }, T0);

      const reader = openStore({ path: join(dir, STORE_FILE), readOnly: true });
      try {
        expect(reader.readOnly).toBe(true);
        const types: string[] = [];
        for await (const line of reader.exportAudit()) types.push(JSON.parse(line).type);
        expect(types).toEqual(['approval:requested', 'approval:granted', 'job:started']);
        expect((await reader.getJob('j-run'))?.status).toBe('running');
        await expect(reader.recover(T0 + 1)).rejects.toThrow(/read-only/);
        await expect(reader.interruptJob('j-run', verbatim('stopped'), T0 + 1)).rejects.toThrow(/read-only/);
        await expect(reader.endJob('j-run', { from: ['running'], to: 'failed', at: T0 + 1 })).rejects.toThrow(
          /read-only/,
        );
        expect((await reader.checkWritable())?.message).toMatch(/read-only/);
      } finally {
        await reader.close();
      }
      expect((await owned.store.getJob('j-run'))?.status).toBe('running');
      expect((await owned.store.listLocks()).map((l) => l.key)).toEqual(['host:hyper1']);
    } finally {
      await owned.close();
    }
  });

  it('closes its store before giving the directory up', async () => {
    const owned = openOwnedStore({ dir });
    expect(await probeFromAnotherProcess(dir)).toBe('held');
    await owned.close();
    expect(await probeFromAnotherProcess(dir)).toBe('free');
    await expect(owned.store.getJob('j1')).rejects.toThrow();
    expect(existsSync(join(dir, PID_FILE))).toBe(false);
  });

  it('refuses a store that does not exist, creating nothing', () => {
    let error: unknown;
    try {
      openStore({ path: join(dir, 'none', STORE_FILE), readOnly: true });
    } catch (caught) {
      error = caught;
    }
    expect(isLabopsError(error) && error.code).toBe('CONFIG');
    expect((error as Error).message).toContain('There is no state store');
    expect(existsSync(join(dir, 'none'))).toBe(false);
  });
});
