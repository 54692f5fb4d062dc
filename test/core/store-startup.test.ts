/**
 * Start-up of the real entry point (`npm start`) on a data directory it cannot use or does not
 * own: exit 2 with the message and a hint, no stack trace, and the database file exactly as it
 * was (issue 10 §4 and §7).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/sqlite-store.js';
import { cleanEnv, MAIN, runToEnd, spawnTs, waitForLine } from '../support/processes.js';

const TSX = import.meta.resolve('tsx');
// Root writes through any mode bits: the permission cases run the bot as "nobody" then.
const AS_UNPRIVILEGED = process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : {};

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'labops-startup-'));
  chmodSync(dir, 0o755);
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

function startBot(
  dataDir: string,
  args: string[] = [],
  ids: { uid?: number; gid?: number } = {},
): ChildProcess {
  return spawn(process.execPath, ['--import', TSX, MAIN, ...args], {
    cwd: dir,
    env: cleanEnv({ LABOPS_DATA_DIR: dataDir }),
    stdio: ['pipe', 'pipe', 'pipe'],
    ...ids,
  });
}

/** The bytes and modification time of a file, to show it was not touched. */
function fingerprint(path: string): { bytes: string; mtimeMs: number } {
  return { bytes: readFileSync(path).toString('base64'), mtimeMs: statSync(path).mtimeMs };
}

/** A store with some history, closed, as a stopped labops leaves it. */
async function makeStore(dataDir: string, events = 0): Promise<string> {
  const path = join(dataDir, 'labops.db');
  const store = openStore({ path });
  for (let i = 0; i < events; i++) {
    await store.appendAudit({
      at: i,
      type: 'command:ran',
      actor: 'shell:alice',
      jobId: undefined,
      approvalId: undefined,
      detail: { pad: 'x'.repeat(200) },
    });
  }
  await store.close();
  return path;
}

async function expectRefusal(child: ChildProcess, message: RegExp | string) {
  const result = await runToEnd(child, '/lab jobs\nquit\n');
  expect(result.code, result.stderr).toBe(2);
  if (typeof message === 'string') expect(result.stderr).toContain(message);
  else expect(result.stderr).toMatch(message);
  expect(result.stderr).toMatch(/^Hint: \S/m);
  // A message, not a stack trace.
  expect(result.stderr).not.toMatch(/^\s+at /m);
  expect(result.stderr).not.toContain('labops: ');
  expect(result.stdout).toBe('');
  return result;
}

describe('a second bot on the same data directory', () => {
  it('exits 2 naming the pid of the running one, which goes on undisturbed', async () => {
    const data = join(dir, 'data');
    const first = spawnTs(MAIN, [], { cwd: dir, env: cleanEnv({ LABOPS_DATA_DIR: data }) });
    try {
      await waitForLine(first, /SIMULATED LAB/);
      await expectRefusal(
        startBot(data),
        `labops is already running with this data directory (pid ${first.pid}): ${data}.`,
      );
      const exported = await runToEnd(startBot(data, ['--export-audit']), '');
      expect(exported.code, exported.stderr).toBe(0);
    } finally {
      const rest = runToEnd(first, '/host maintenance hyper2\nquit\n');
      const { code, stdout } = await rest;
      expect(stdout).toContain('approve a1 · deny a1');
      expect(code).toBe(0);
    }
    // Once it has stopped, the next one starts.
    const next = await runToEnd(startBot(data), '/lab jobs\nquit\n');
    expect(next.stderr).toBe('');
    expect(next.code).toBe(0);
  }, 60_000);
});

describe('a store the bot cannot use', () => {
  it('refuses a file that is not a database, leaving it as it was', async () => {
    const path = join(dir, 'labops.db');
    writeFileSync(path, randomBytes(8192));
    const before = fingerprint(path);
    await expectRefusal(startBot(dir), `The state store file ${path} is not a SQLite database`);
    expect(fingerprint(path)).toEqual(before);
  }, 40_000);

  it('refuses a corrupt database, leaving it as it was', async () => {
    const path = await makeStore(dir, 500);
    const bytes = readFileSync(path);
    const pageSize = bytes.readUInt16BE(16);
    randomBytes(pageSize * 4).copy(bytes, pageSize * 3);
    writeFileSync(path, bytes);
    const before = fingerprint(path);
    await expectRefusal(startBot(dir), `The state store file ${path} is corrupt`);
    expect(fingerprint(path)).toEqual(before);
  }, 40_000);

  it('refuses a database another process holds locked, leaving it as it was', async () => {
    const path = await makeStore(dir, 5);
    const before = fingerprint(path);
    const holder = new Database(path);
    try {
      holder.pragma('locking_mode = EXCLUSIVE');
      holder.exec('BEGIN EXCLUSIVE');
      await expectRefusal(startBot(dir), `The state store ${path} is locked by another process.`);
    } finally {
      holder.close();
    }
    expect(fingerprint(path)).toEqual(before);
  }, 40_000);

  it('refuses a data directory it cannot write, leaving the database as it was', async () => {
    const data = join(dir, 'data');
    mkdirSync(data);
    const path = await makeStore(data, 5);
    chmodSync(path, 0o666);
    chmodSync(data, 0o555);
    const before = fingerprint(path);
    await expectRefusal(
      startBot(data, [], AS_UNPRIVILEGED),
      `The state store directory ${data} is not writable: permission denied.`,
    );
    expect(fingerprint(path)).toEqual(before);
  }, 40_000);

  it('refuses a data directory that is a file, leaving the file as it was', async () => {
    const data = join(dir, 'data');
    writeFileSync(data, 'somebody else’s file\n');
    const before = fingerprint(data);
    await expectRefusal(startBot(data), `The state store directory ${data} cannot be created`);
    expect(fingerprint(data)).toEqual(before);
  }, 40_000);
});
