import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isLabopsError, type LabopsError } from '../../src/errors.js';
import { renderText } from '../../src/i18n/render.js';
import { verbatim } from '../../src/i18n/text.js';
import { migrateToPostgres, runMigrateCommand } from '../../src/store/migrate.js';
import { SCHEMA_VERSION } from '../../src/store/migrations.js';
import { lockDataDirectory, openOwnedStore, STORE_FILE } from '../../src/store/owner.js';
import { PG_SCHEMA_VERSION, PG_VERSION_TABLE } from '../../src/store/pg-migrations.js';
import { openPgStore } from '../../src/store/pg-store.js';
import { openStore } from '../../src/store/sqlite-store.js';
import type { Store } from '../../src/store/types.js';
import { resetPgDatabase, usePgDatabase } from '../support/postgres.js';
import { cleanEnv, MAIN, REPO_ROOT, runToEnd, spawnTs } from '../support/processes.js';
import { MINUTE, makeTempDir, propose, proposeQueued, proposeRunning, T0 } from './store-fixtures.js';

const database = usePgDatabase();
const PASSWORD = 'S3cr3t-pw';
const FINGERPRINT = `SHA256:${'a'.repeat(43)}`;

let dir: string;
let removeDir: () => Promise<void>;
let url: string;
const opened: Store[] = [];

beforeEach(async () => {
  ({ dir, remove: removeDir } = await makeTempDir());
  url = database();
  await resetPgDatabase(url);
});

afterEach(async () => {
  await Promise.all(opened.splice(0).map((store) => store.close()));
  await removeDir();
});

async function openPg(): Promise<Store> {
  const store = await openPgStore({ url });
  opened.push(store);
  return store;
}

async function thrown(promise: Promise<unknown>): Promise<LabopsError> {
  try {
    await promise;
  } catch (error) {
    if (isLabopsError(error)) return error;
    throw error;
  }
  throw new Error('expected a LabopsError');
}

async function query<T extends pg.QueryResultRow>(sql: string, values: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(sql, values)).rows;
  } finally {
    await client.end();
  }
}

/** The tables of the test database: none at all once a failed move was undone. */
async function listPgTables(): Promise<string[]> {
  const rows = await query<{ name: string }>(
    "SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY 1",
  );
  return rows.map((row) => row.name);
}

/** `url` with a password in it (the test server trusts its socket, so any password logs in). */
function withPassword(target: string): string {
  return target.replace('postgresql://postgres@', `postgresql://postgres:${PASSWORD}@`);
}

/**
 * A SQLite data directory with a history, as a bot leaves it when it stops: jobs that succeeded,
 * failed (with a review) and were interrupted, in two labs; a pending card with one of its two
 * approvals, its lock and its card refs; a pinned host key; an event of the whole bot; a Slack
 * retry key seen.
 */
async function writeHistory(): Promise<{ pendingId: string }> {
  const owned = openOwnedStore({ dir });
  const store = owned.store;
  try {
    await proposeRunning(store, { job: { id: 'j-ok' }, locks: ['host:hyper1'] }, T0 + 1);
    await store.setJobMessageRef('j-ok', { channel: 'C_LAB', ts: '1700000000.000100' });
    await store.updateStep('j-ok', 0, {
      status: 'changed',
      startedAt: T0 + 2,
      finishedAt: T0 + 3,
      durationMs: 1,
      tail: 'hyper1: Maintenance\n',
      endState: verbatim('hyper1 is in maintenance'),
    });
    await store.updateStep('j-ok', 1, { status: 'ok', startedAt: T0 + 3, finishedAt: T0 + 4, durationMs: 1 });
    await store.endJob('j-ok', { from: ['running'], to: 'succeeded', at: T0 + 5 });

    // Created at the same moment as j-ok: the order of ties must survive the move.
    await proposeRunning(store, { job: { id: 'j-fail', args: { host: 'hyper2' } }, locks: ['host:hyper2'] });
    await store.updateStep('j-fail', 0, {
      status: 'failed',
      startedAt: T0 + 6,
      finishedAt: T0 + 7,
      detail: verbatim('the engine refused: host has running VMs'),
    });
    await store.setJobReview(
      'j-fail',
      {
        before: { 'host hyper2': 'up' },
        changes: [{ target: 'host hyper2', outcome: 'unchanged', from: 'up', to: 'up' }],
        reviewedAt: T0 + 8,
      },
      { auditAt: T0 + 8 },
    );
    await store.endJob('j-fail', {
      from: ['running'],
      to: 'failed',
      error: verbatim('step 1 failed'),
      at: T0 + 9,
    });

    await proposeRunning(
      store,
      { job: { id: 'j-int', lab: 'lab2', createdAt: T0 + MINUTE }, locks: ['host:hyper1'] },
      T0 + MINUTE + 1,
    );
    await store.updateStep('j-int', 0, {
      status: 'running',
      startedAt: T0 + MINUTE + 2,
      tail: 'deactivating…',
    });
    await store.interruptJob('j-int', verbatim('labops stopped while it ran'), T0 + MINUTE + 3);

    const { approval } = await propose(store, {
      job: { id: 'j-wait', args: { host: 'hyper3' }, createdAt: T0 + 2 * MINUTE },
      approval: { required: 2, expiresAt: T0 + 60 * MINUTE },
      locks: ['host:hyper3'],
    });
    const first = await store.decideApproval(approval.id, 'U_ADA', 'approve', T0 + 2 * MINUTE + 1);
    expect(first).toMatchObject({ outcome: 'recorded', becameFinal: false });
    await store.addApprovalCardRef(approval.id, { channel: 'C_LAB', ts: '1700000120.000200' });
    await store.addApprovalCardRef(approval.id, { channel: 'D_BOB', ts: '1700000120.000300' });

    await store.pinHostKey('default', 'hyper1', FINGERPRINT, 'slack:U_ADA', T0 + 3 * MINUTE);
    await store.appendAudit({
      at: T0 + 3 * MINUTE,
      type: 'bot:stopped',
      actor: 'labops',
      jobId: undefined,
      approvalId: undefined,
      detail: { signal: 'SIGTERM' },
    });
    // Slack's retries are keyed on the wall clock: the key stays known for ten minutes from now.
    expect(await store.firstSeen('slack:Ev-retry', 10 * MINUTE, Date.now())).toBe(true);
    // The duties' state (issue 15): a schedule and a watcher's watermark, one written twice.
    await store.writeState('schedule:default:s1', { every: '1h', text: 'doctor ✓' }, T0 + 4 * MINUTE, 0);
    await store.writeState('watch:default', { index: 41 }, T0 + 4 * MINUTE);
    await store.writeState('watch:default', { index: 42 }, T0 + 5 * MINUTE, 1);
    return { pendingId: approval.id };
  } finally {
    await owned.close();
  }
}

/** Everything both stores answer, to compare them. */
async function readEverything(store: Store) {
  const jobs = await store.listJobs();
  return {
    jobs,
    steps: await Promise.all(jobs.map((job) => store.listSteps(job.id))),
    approvals: await store.listApprovals(),
    pending: await store.listApprovals({ statuses: ['pending'] }),
    lab2: await store.listJobs({ lab: 'lab2' }),
    audit: await store.listAudit(1_000_000),
    lab2Audit: await store.listAudit(1_000_000, { lab: 'lab2' }),
    locks: await store.listLocks(),
    pinned: await store.getPinnedHostKey('default', 'hyper1'),
  };
}

async function readSqlite() {
  const store = openStore({ path: join(dir, STORE_FILE), readOnly: true });
  try {
    const everything = await readEverything(store);
    const exported: string[] = [];
    for await (const line of store.exportAudit()) exported.push(line);
    return { everything, exported };
  } finally {
    await store.close();
  }
}

/** A child process holding the data directory's lock as a bot does, until it is killed. */
async function holdLockElsewhere(): Promise<ChildProcess> {
  const owner = join(REPO_ROOT, 'src/store/owner.ts');
  const script = `import { lockDataDirectory } from ${JSON.stringify(owner)};
    lockDataDirectory(${JSON.stringify(dir)});
    console.log('held');
    setInterval(() => {}, 60_000);`;
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => {
      if (d.toString().includes('held')) resolve();
    });
    child.on('exit', (code) => reject(new Error(`the lock holder exited (${code}): ${stderr}`)));
  });
  return child;
}

function capture() {
  let text = '';
  return {
    stream: {
      write: (chunk: string) => {
        text += chunk;
        return true;
      },
    },
    text: () => text,
  };
}

describe('labops migrate --to postgres://…', () => {
  it('copies the whole history and the pending card, which is then approved through PostgreSQL and runs', async () => {
    const { pendingId } = await writeHistory();
    const before = await readSqlite();

    const result = await migrateToPostgres({ dir, to: url });
    expect(result).toMatchObject({
      dir,
      jobs: 4,
      approvals: 4,
      pendingApprovals: 1,
      auditEvents: before.everything.audit.length,
      pinnedKeys: 1,
    });
    expect(result.rows).toMatchObject({
      steps: 8,
      approval_decisions: 4,
      locks: 1,
      counters: 1,
      seen: 1,
      duty_state: 2,
    });
    expect(result.rows).not.toHaveProperty('leaders');
    expect(result.rows).not.toHaveProperty('store_probe');

    const store = await openPg();
    const after = await readEverything(store);
    expect(after).toEqual(before.everything);
    // The tie between j-ok and j-fail (same created_at) keeps SQLite's order.
    expect(after.jobs.map((job) => job.id)).toEqual(['j-wait', 'j-int', 'j-fail', 'j-ok']);
    const exported: string[] = [];
    for await (const line of store.exportAudit()) exported.push(line);
    expect(exported).toEqual(before.exported);
    expect(after.pending[0]).toMatchObject({
      id: pendingId,
      decisions: [{ principal: 'U_ADA', decision: 'approve' }],
      cardRefs: [
        { channel: 'C_LAB', ts: '1700000120.000200' },
        { channel: 'D_BOB', ts: '1700000120.000300' },
      ],
    });
    expect(await query(`SELECT max(version) AS version FROM ${PG_VERSION_TABLE}`)).toEqual([
      { version: PG_SCHEMA_VERSION },
    ]);
    // Schedules and watermarks move with their versions: a compare-and-set goes on from them.
    expect(await store.listState('')).toEqual([
      {
        key: 'schedule:default:s1',
        value: { every: '1h', text: 'doctor ✓' },
        version: 1,
        updatedAt: T0 + 4 * MINUTE,
      },
      { key: 'watch:default', value: { index: 42 }, version: 2, updatedAt: T0 + 5 * MINUTE },
    ]);
    expect(await store.writeState('watch:default', { index: 43 }, T0 + 6 * MINUTE, 2)).toBe(true);
    // The retry seen by the SQLite bot is still known to the replicas.
    expect(await store.firstSeen('slack:Ev-retry', 10 * MINUTE, Date.now())).toBe(false);

    // The pending card keeps working: the second approval queues its job, which still holds its lock.
    const decided = await store.decideApproval(pendingId, 'U_BOB', 'approve', T0 + 3 * MINUTE);
    expect(decided).toMatchObject({ outcome: 'recorded', becameFinal: true, job: { status: 'queued' } });
    expect((await store.listLocks()).map((lock) => [lock.key, lock.jobId])).toEqual([
      ['host:hyper3', 'j-wait'],
    ]);
    expect(await store.startJob('j-wait', T0 + 3 * MINUTE + 1)).toMatchObject({ status: 'running' });
    const audit = await store.listAudit(2);
    expect(audit.map((event) => [event.type, event.seq])).toEqual([
      ['job:started', before.everything.audit[0]!.seq + 2],
      ['approval:granted', before.everything.audit[0]!.seq + 1],
    ]);

    // Approval ids continue where SQLite's counter stood.
    const next = await proposeQueued(store, {
      job: { id: 'j-next', createdAt: T0 + 4 * MINUTE },
      locks: ['host:hyper4'],
    });
    expect(next.approval.id).toBe(`a${Number(pendingId.slice(1)) + 1}`);

    // The SQLite directory was given up, and its store left as it was.
    lockDataDirectory(dir).release();
    expect(await readSqlite()).toEqual(before);
  });

  it('refuses a database that is not empty, naming what it holds, and changes nothing', async () => {
    await writeHistory();
    const other = await openPg();
    await propose(other, { job: { id: 'j-pg' } });

    const error = await thrown(migrateToPostgres({ dir, to: url }));
    expect(error.code).toBe('CONFIG');
    expect(error.message).toContain(
      `is not empty: it holds the labops schema (version ${PG_SCHEMA_VERSION}),`,
    );
    expect(error.message).toContain('1 row in jobs');
    expect(error.message).toContain('2 rows in steps');
    expect(error.message).toContain('1 row in counters');
    expect(error.hint).toContain('createdb labops');
    expect(renderText('ko', error.text)).toContain('비어 있지 않습니다');
    expect((await other.listJobs()).map((job) => job.id)).toEqual(['j-pg']);

    // A schema version alone (a bot started on it once) is enough to refuse.
    await resetPgDatabase(url);
    await (await openPgStore({ url })).close();
    const schemaOnly = await thrown(migrateToPostgres({ dir, to: url }));
    expect(schemaOnly.message).toMatch(/it holds the labops schema \(version \d+\)\.$/);
  });

  it('refuses a database a live replica runs on, naming it; a lead that ran out names no replica', async () => {
    await writeHistory();
    const replica = await openPg();
    expect(await replica.lead('sweep', 'r-1a2b3c4d', 10 * MINUTE, Date.now())).toBe(true);

    const error = await thrown(migrateToPostgres({ dir, to: url }));
    expect(error.code).toBe('CONFIG');
    expect(error.message).toMatch(
      /^labops is running on postgresql:\/\/postgres@\/\S+: replica r-1a2b3c4d leads sweep for (599|600) seconds more\.$/,
    );
    expect(error.hint).toContain('stop every replica');

    // Its term over (renewed for 1 ms, then run out), it is no replica any more; the database is still not empty.
    expect(await replica.lead('sweep', 'r-1a2b3c4d', 1, Date.now())).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 20));
    const stale = await thrown(migrateToPostgres({ dir, to: url }));
    expect(stale.message).toContain('is not empty');
    expect(stale.message).not.toContain('r-1a2b3c4d');
  });

  it('refuses a store with a job still running or queued, naming them, and leaves the database empty', async () => {
    const owned = openOwnedStore({ dir });
    await proposeRunning(owned.store, { job: { id: 'j-run' }, locks: ['host:hyper1'] });
    await proposeQueued(owned.store, { job: { id: 'j-queued' }, locks: ['host:hyper2'] });
    await owned.close();

    const error = await thrown(migrateToPostgres({ dir, to: url }));
    expect(error.code).toBe('CONFLICT');
    expect(error.message).toBe(
      `The SQLite store in ${dir} has 2 jobs that did not end: j-run (running, /host maintenance) and j-queued (queued, /host maintenance).`,
    );
    expect(error.hint).toContain('start labops once on this data directory');
    expect(await listPgTables()).toEqual([]);
  });

  it('refuses while a bot owns the data directory, naming its pid', async () => {
    await writeHistory();
    const holder = await holdLockElsewhere();
    try {
      const error = await thrown(migrateToPostgres({ dir, to: url }));
      expect(error.code).toBe('CONFIG');
      expect(error.message).toBe(
        `labops is already running with this data directory (pid ${holder.pid}): ${dir}.`,
      );
      expect(error.hint).toContain(`kill ${holder.pid}`);
    } finally {
      holder.kill('SIGKILL');
      await new Promise((resolve) => holder.once('close', resolve));
    }
    expect(await listPgTables()).toEqual([]);
    // Once the bot is gone, the move goes through.
    expect((await migrateToPostgres({ dir, to: url })).jobs).toBe(4);
  });

  it('undoes everything when a row cannot be copied: the database is left empty', async () => {
    await writeHistory();
    // A text PostgreSQL cannot hold (a NUL character), as a damaged row would be.
    const db = new Database(join(dir, STORE_FILE));
    db.prepare('UPDATE audit SET detail = ? WHERE seq = (SELECT max(seq) FROM audit)').run(
      '{"x":"a\u0000b"}',
    );
    db.close();

    const error = await thrown(migrateToPostgres({ dir, to: url }));
    expect(error.message).toMatch(
      /^Nothing was moved into postgresql:\/\/postgres@\/\S+; the move was undone: /,
    );
    expect(error.hint).toContain('Fix the cause, then run the same command again');
    expect(await listPgTables()).toEqual([]);
    lockDataDirectory(dir).release();
  });

  it('refuses a target that is not PostgreSQL, a store of a newer schema, a missing store and a server it cannot reach', async () => {
    const notPg = await thrown(migrateToPostgres({ dir, to: 'mysql://root@localhost/labops' }));
    expect(notPg.code).toBe('CONFIG');
    expect(notPg.message).toContain('is not a PostgreSQL URL');

    const missing = await thrown(migrateToPostgres({ dir, to: url }));
    expect(missing.message).toBe(`There is no SQLite store to move at ${join(dir, STORE_FILE)}.`);
    expect(missing.hint).toContain('LABOPS_DATA_DIR');

    await writeHistory();
    const unreachable = await thrown(
      migrateToPostgres({
        dir,
        to: `postgresql://postgres:${PASSWORD}@/labops?host=${encodeURIComponent(join(dir, 'no-server'))}`,
        connectTimeoutMs: 2_000,
      }),
    );
    expect(unreachable.code).toBe('CONFIG');
    expect(unreachable.message).toContain(
      'labops cannot connect to its state store postgresql://postgres@/labops',
    );
    expect(JSON.stringify([unreachable.message, unreachable.hint])).not.toContain(PASSWORD);

    const db = new Database(join(dir, STORE_FILE));
    db.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
    db.close();
    const newer = await thrown(migrateToPostgres({ dir, to: url }));
    expect(newer.code).toBe('CONFIG');
    expect(newer.message).toContain(`has schema version ${SCHEMA_VERSION + 1}`);
    expect(await listPgTables()).toEqual([]);
  });

  it('prints what it copied and never the password; refusals exit 2, other failures 1', async () => {
    await writeHistory();
    const target = withPassword(url);
    const out = capture();
    const err = capture();
    const run = (args: string[]) =>
      runMigrateCommand({ args, dir, locale: 'en', stdout: out.stream, stderr: err.stream });

    expect(await run([`--to=${target}`])).toBe(0);
    const [summary, next] = out.text().trimEnd().split('\n');
    expect(summary).toBe(
      `Copied 4 jobs, 4 approvals (1 pending), ${(await readSqlite()).everything.audit.length} audit events, 1 pinned key from ${dir} to ${url}.`,
    );
    expect(next).toContain(`DATABASE_URL=${url}`);

    expect(await run(['--to', target])).toBe(2);
    expect(err.text()).toContain(`${url} is not empty`);
    expect(await run([])).toBe(2);
    expect(err.text()).toContain('Say which PostgreSQL database to move the state into');
    expect(await run(['--from', 'x'])).toBe(2);
    expect(out.text() + err.text()).not.toContain(PASSWORD);

    const ko = capture();
    await resetPgDatabase(url);
    expect(
      await runMigrateCommand({
        args: ['--to', url],
        dir,
        locale: 'ko',
        stdout: ko.stream,
        stderr: err.stream,
      }),
    ).toBe(0);
    expect(ko.text()).toContain('작업 4개, 승인 4개(대기 중 1개)');

    // A row PostgreSQL cannot take: the move is undone and exits 1, still without the password.
    await resetPgDatabase(url);
    const db = new Database(join(dir, STORE_FILE));
    db.prepare('UPDATE audit SET detail = ? WHERE seq = 1').run('{"x":"a\u0000b"}');
    db.close();
    const failed = capture();
    expect(
      await runMigrateCommand({
        args: ['--to', target],
        dir,
        locale: 'en',
        stdout: out.stream,
        stderr: failed.stream,
      }),
    ).toBe(1);
    expect(failed.text()).toContain(`Nothing was moved into ${url}`);
    expect(failed.text()).not.toContain(PASSWORD);
    expect(await listPgTables()).toEqual([]);
  });

  it('runs as `npm start -- migrate --to URL`: the summary on stdout, exit 0, then 2 on a database no longer empty', async () => {
    await writeHistory();
    const { dir: cwd, remove } = await makeTempDir();
    try {
      const env = cleanEnv({ LABOPS_DATA_DIR: dir });
      const first = await runToEnd(spawnTs(MAIN, ['migrate', '--to', withPassword(url)], { cwd, env }), '');
      expect(first.stderr).toBe('');
      expect(first.code).toBe(0);
      expect(first.stdout).toMatch(
        new RegExp(
          `^Copied 4 jobs, 4 approvals \\(1 pending\\), \\d+ audit events, 1 pinned key from ${dir} to `,
        ),
      );
      expect(first.stdout).toContain(` to ${url}.`);

      const again = await runToEnd(spawnTs(MAIN, ['migrate', `--to=${withPassword(url)}`], { cwd, env }), '');
      expect(again.code).toBe(2);
      expect(again.stdout).toBe('');
      expect(again.stderr).toContain('is not empty');
      expect(first.stdout + first.stderr + again.stdout + again.stderr).not.toContain(PASSWORD);
    } finally {
      await remove();
    }
  });
});
