/**
 * A real PostgreSQL 15 for the tests (issue 14 §4), from Debian's package: initdb into a fresh
 * temporary directory as the `postgres` user (initdb and postgres refuse root), trust on the local
 * socket only, and a server listening on a Unix socket in that directory and nowhere else
 * (`listen_addresses=''`: no port to race for). One server serves the whole run
 * (postgres-global-setup.ts); each test file makes its own database on it.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, rmSync } from 'node:fs';
import { chown, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, inject } from 'vitest';

export const PG_BIN = '/usr/lib/postgresql/15/bin';
const TMP = '/tmp';
const DIR_PREFIX = 'labops-pg-';
const READY_LINE = 'database system is ready to accept connections';
const START_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 10_000;

export interface PostgresInfo {
  /** The directory holding the server's socket (`.s.PGSQL.5432`): a URL's `?host=`. */
  socketDir: string;
}

declare module 'vitest' {
  export interface ProvidedContext {
    postgres: PostgresInfo | { error: string } | undefined;
  }
}

export interface PostgresServer {
  info: PostgresInfo;
  /** How long initdb and the start took, in ms. */
  startMs: number;
  /** Shuts the server down (fast shutdown) and removes its directory. */
  stop: () => Promise<void>;
}

/** The URL of `database` on the server, as the postgres user over the socket (trusted, no password). */
export function postgresUrl(info: PostgresInfo, database: string): string {
  return `postgresql://postgres@/${database}?host=${encodeURIComponent(info.socketDir)}`;
}

/** Starts a server (about half a second). Fails, never skips, when the machine cannot run one. */
export async function startPostgres(): Promise<PostgresServer> {
  const started = Date.now();
  for (const binary of ['initdb', 'postgres']) {
    if (!existsSync(join(PG_BIN, binary))) {
      throw new Error(
        `PostgreSQL 15 is not installed (${join(PG_BIN, binary)} is missing): run, as root, apt-get install -y postgresql-15 (npm test does it).`,
      );
    }
  }
  await sweepStalePostgres();
  const ids = await postgresIds();
  const dir = await mkdtemp(join(TMP, DIR_PREFIX));
  let server: ChildProcess | undefined;
  const removeNow = () => {
    server?.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  };
  // A run that exits without its teardown (an uncaught failure) still leaves nothing behind.
  process.once('exit', removeNow);
  try {
    await writeFile(join(dir, 'owner.json'), JSON.stringify(await describeOwner(process.pid)));
    if (ids) await chown(dir, ids.uid, ids.gid);
    const data = join(dir, 'data');
    await runAs(ids, dir, join(PG_BIN, 'initdb'), [
      '-D',
      data,
      '-U',
      'postgres',
      '--auth-local=trust',
      '--auth-host=reject',
      '-E',
      'UTF8',
      '--locale=C',
      '--no-sync',
      '--no-instructions',
    ]);
    server = spawn(
      join(PG_BIN, 'postgres'),
      [
        '-D',
        data,
        '-k',
        dir,
        '-c',
        'listen_addresses=',
        // A throwaway cluster: durability buys nothing here, and the run is faster without it.
        '-c',
        'fsync=off',
        '-c',
        'synchronous_commit=off',
        '-c',
        'full_page_writes=off',
        '-c',
        'max_connections=200',
      ],
      { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'], env: pgEnv(), ...(ids ?? {}) },
    );
    await waitForReady(server);
    const running = server;
    return {
      info: { socketDir: dir },
      startMs: Date.now() - started,
      stop: async () => {
        process.removeListener('exit', removeNow);
        await stopServer(running);
        await rm(dir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    process.removeListener('exit', removeNow);
    if (server) await stopServer(server);
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
}

/** The postgres user's ids when running as root (initdb and postgres refuse root), else none. */
async function postgresIds(): Promise<{ uid: number; gid: number } | undefined> {
  if (process.getuid?.() !== 0) return undefined;
  const line = (await readFile('/etc/passwd', 'utf8')).split('\n').find((l) => l.startsWith('postgres:'));
  const [, , uid, gid] = line?.split(':') ?? [];
  if (uid === undefined || gid === undefined) {
    throw new Error('There is no postgres user: apt-get install -y postgresql-15 creates it.');
  }
  return { uid: Number(uid), gid: Number(gid) };
}

function pgEnv(): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH ?? '/usr/bin:/bin', LC_ALL: 'C', LANG: 'C' };
}

function runAs(
  ids: { uid: number; gid: number } | undefined,
  cwd: string,
  command: string,
  args: string[],
): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: pgEnv(),
      ...(ids ?? {}),
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolve();
      else reject(new Error(`${command} failed (${code}): ${output.trim()}`));
    });
  });
}

/** Resolves when the server logs that it accepts connections; rejects if it exits or takes too long. */
function waitForReady(server: ChildProcess): Promise<void> {
  return new Promise((resolve, reject) => {
    let log = '';
    const timer = setTimeout(() => {
      finish(new Error(`PostgreSQL did not start within ${START_TIMEOUT_MS} ms: ${log.trim()}`));
    }, START_TIMEOUT_MS);
    const onData = (chunk: Buffer) => {
      log += chunk.toString();
      if (log.includes(READY_LINE)) finish();
    };
    const onExit = (code: number | null) => {
      finish(new Error(`PostgreSQL exited (${code}) before it accepted connections: ${log.trim()}`));
    };
    const finish = (error?: Error) => {
      clearTimeout(timer);
      server.stderr?.off('data', onData);
      server.off('exit', onExit);
      // Keep reading its log, so that a full pipe never blocks the server.
      server.stderr?.resume();
      if (error) reject(error);
      else resolve();
    };
    server.stderr?.on('data', onData);
    server.once('exit', onExit);
    server.once('error', (error) => finish(error));
  });
}

/** Fast shutdown (SIGINT: open sessions are ended), then SIGKILL if it lingers. */
function stopServer(server: ChildProcess): Promise<void> {
  if (server.exitCode !== null || server.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => server.kill('SIGKILL'), STOP_TIMEOUT_MS);
    server.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    server.kill('SIGINT');
  });
}

// ---------------------------------------------------------------------------------------------
// Servers of killed runs

interface Owner {
  pid: number;
  /** Its start time (/proc/PID/stat), so a reused pid is not taken for the owner. */
  start: string;
}

async function describeOwner(pid: number): Promise<Owner> {
  return { pid, start: await readStartTime(pid) };
}

async function readStartTime(pid: number): Promise<string> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command (which may hold spaces) start after its closing parenthesis.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? '';
  } catch {
    return '';
  }
}

/** Stops and removes the servers of earlier runs whose owning process died (a killed run). */
export async function sweepStalePostgres(): Promise<string[]> {
  const swept: string[] = [];
  for (const name of await readdir(TMP)) {
    if (!name.startsWith(DIR_PREFIX)) continue;
    const dir = join(TMP, name);
    let owner: Owner;
    try {
      owner = JSON.parse(await readFile(join(dir, 'owner.json'), 'utf8')) as Owner;
    } catch {
      continue;
    }
    if (owner.start !== '' && (await readStartTime(owner.pid)) === owner.start) continue;
    const postmaster = Number(
      (await readFile(join(dir, 'data', 'postmaster.pid'), 'utf8').catch(() => '')).split('\n')[0],
    );
    if (postmaster > 0) {
      const cmdline = await readFile(`/proc/${postmaster}/cmdline`, 'utf8').catch(() => '');
      // Only the server of that directory, never a process that reused its pid.
      if (cmdline.includes(join(dir, 'data'))) process.kill(postmaster, 'SIGKILL');
    }
    await rm(dir, { recursive: true, force: true });
    swept.push(dir);
  }
  return swept;
}

// ---------------------------------------------------------------------------------------------
// For tests

/**
 * The server of this test run: the one the global setup started, else one started for this file.
 * Call at the top of a test file.
 */
export function usePostgres(): () => PostgresInfo {
  let info: PostgresInfo | undefined;
  let own: PostgresServer | undefined;
  beforeAll(async () => {
    const provided = inject('postgres');
    if (provided && 'error' in provided) throw new Error(provided.error);
    if (provided) info = provided;
    else {
      own = await startPostgres();
      info = own.info;
    }
  }, START_TIMEOUT_MS);
  afterAll(async () => {
    await own?.stop();
  });
  return () => {
    if (!info) throw new Error('PostgreSQL is not running.');
    return info;
  };
}

/** Runs `sql` statements on `database` (the maintenance database `postgres` by default). */
export async function runSql(info: PostgresInfo, statements: readonly string[], database = 'postgres') {
  const client = new pg.Client({ connectionString: postgresUrl(info, database) });
  await client.connect();
  try {
    for (const statement of statements) await client.query(statement);
  } finally {
    await client.end();
  }
}

/**
 * A database of this test file's own on the run's server, made before its tests and dropped after
 * them, so that test files run side by side. Answers its URL.
 */
export function usePgDatabase(): () => string {
  const server = usePostgres();
  const name = `labops_${randomBytes(6).toString('hex')}`;
  let url: string | undefined;
  beforeAll(async () => {
    await runSql(server(), [`CREATE DATABASE ${name}`]);
    url = postgresUrl(server(), name);
  });
  afterAll(async () => {
    if (url !== undefined) await runSql(server(), [`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`]);
  });
  return () => {
    if (url === undefined) throw new Error('The test database was not made.');
    return url;
  };
}

/** Empties a test database whole (its tables, types and the schema version): a store opened next migrates it anew. */
export async function resetPgDatabase(url: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query('DROP SCHEMA public CASCADE; CREATE SCHEMA public');
  } finally {
    await client.end();
  }
}
