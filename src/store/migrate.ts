import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type BetterSqlite3 from 'better-sqlite3';
import type { PoolClient, QueryResultRow } from 'pg';
import { CONFIG_EXIT_CODE } from '../config.js';
import { formatError, LabopsError, toLabopsError } from '../errors.js';
import type { Locale } from '../i18n/locale.js';
import { renderText } from '../i18n/render.js';
import { list, type Message, msg, type Text, verbatim } from '../i18n/text.js';
import { lockDataDirectory, STORE_FILE } from './owner.js';
import { DB_NOW_MS } from './pg-leases.js';
import { ADVISORY_MIGRATE, applyPgMigrations, PG_MIGRATIONS, readPgSchemaVersion } from './pg-migrations.js';
import {
  createPgPool,
  type PgUrl,
  parsePgUrl,
  scrubSecrets,
  translatePgRuntimeError,
  translatePgStartupError,
} from './pg-open.js';
import { openDatabaseToRead } from './sqlite-open.js';

// `labops migrate --to postgres://…` (issue 14 §1): an SQLite data directory's store copied into
// an empty PostgreSQL database, in one transaction, while no bot runs on either.

/** What `migrateToPostgres` moves, and from where to where. */
export interface MigrateOptions {
  /** The SQLite data directory (LABOPS_DATA_DIR); its store is STORE_FILE in it. */
  dir: string;
  /** The PostgreSQL database to move into: `postgres://USER[:PASSWORD]@HOST/DATABASE[?…]`. */
  to: string;
  /** How long to wait for the server, in ms (default 10 000). */
  connectTimeoutMs?: number | undefined;
}

export interface MigrateResult {
  /** The data directory, absolute. */
  dir: string;
  /** The target URL without its password. */
  url: string;
  jobs: number;
  approvals: number;
  pendingApprovals: number;
  auditEvents: number;
  pinnedKeys: number;
  /** Rows copied, by table. */
  rows: Record<string, number>;
}

/**
 * SQLite tables that are not copied. `store_probe` is checkWritable's scratch; `leaders` names who
 * leads among live processes, and none runs now: a lead copied from the stopped SQLite bot would
 * only keep the replicas from leading until it ran out.
 */
const NOT_COPIED = new Set(['store_probe', 'leaders']);

/**
 * The order tables are copied in, so a row's foreign keys find their rows (steps and approvals
 * their job, decisions their approval); any other table follows, by name.
 */
const COPY_FIRST = ['jobs', 'steps', 'approvals', 'approval_decisions', 'audit', 'locks', 'host_keys'];

/** Job states that must end before a store moves: nothing would run or report them after it. */
const UNFINISHED = ['running', 'queued'] as const;

/** Rows sent in one INSERT (PostgreSQL takes up to 65 535 parameters in a statement). */
const BATCH_ROWS = 500;
const MAX_PARAMETERS = 60_000;
/** How long to wait for the SQLite file; nothing else writes it while the directory is ours. */
const SQLITE_BUSY_MS = 2_000;
/** The savepoint applyPgMigrations' own transaction becomes inside the move's (see asSavepointClient). */
const MIGRATIONS_SAVEPOINT = 'labops_schema_migrations';

/** Every table the PostgreSQL schema makes: the labops tables a database may already hold. */
const LABOPS_PG_TABLES = [
  ...new Set(
    PG_MIGRATIONS.flatMap((migration) => migration.sql)
      .map((sql) => /^\s*CREATE TABLE (?:IF NOT EXISTS )?(\w+)/i.exec(sql)?.[1])
      .filter((name): name is string => name !== undefined),
  ),
];

/**
 * Copies the SQLite store of `options.dir` into the empty PostgreSQL database `options.to`: every
 * table both schemas have, row for row and column for column (jobs with their steps, plans,
 * reviews and leases; approvals with their decisions and card refs; the audit trail with its
 * sequence numbers; locks; pinned host keys; the approval counter; the seen Slack retries), so that
 * pending cards keep working and approval ids continue. One transaction: a failure leaves the
 * database as it was. Refuses (CONFIG) while a bot owns the directory or runs on the database, a
 * database that is not empty, a store of a newer schema; and (CONFLICT) a store with a job that is
 * running or queued.
 */
export async function migrateToPostgres(options: MigrateOptions): Promise<MigrateResult> {
  const url = parsePgUrl(options.to);
  const dir = resolve(options.dir);
  const storePath = join(dir, STORE_FILE);
  // Checked before the lock, which would make the directory.
  if (!existsSync(storePath)) {
    throw new LabopsError('CONFIG', msg('jobs.migrate.noStore', { path: verbatim(storePath) }), {
      hint: msg('jobs.migrate.noStoreHint'),
    });
  }
  // As a bot takes it (issue 10 §4): refused, naming its pid, while one runs on the directory.
  const lock = lockDataDirectory(dir);
  try {
    const db = openDatabaseToRead(storePath, SQLITE_BUSY_MS);
    try {
      assertAllEnded(db, dir);
      const tables = readSqliteTables(db);
      const rows = await copyIntoPostgres(db, tables, url, options);
      return {
        dir,
        url: url.shown,
        jobs: rows.jobs ?? 0,
        approvals: rows.approvals ?? 0,
        pendingApprovals: countRows(db, "SELECT count(*) FROM approvals WHERE status = 'pending'"),
        auditEvents: rows.audit ?? 0,
        pinnedKeys: rows.host_keys ?? 0,
        rows,
      };
    } finally {
      db.close();
    }
  } finally {
    lock.release();
  }
}

// ---------------------------------------------------------------------------------------------
// The SQLite side

interface SqliteTable {
  name: string;
  columns: string[];
  rows: number;
}

function assertAllEnded(db: BetterSqlite3.Database, dir: string): void {
  const unfinished = db
    .prepare<[], { id: string; status: (typeof UNFINISHED)[number]; command: string }>(
      `SELECT id, status, command FROM jobs WHERE status IN (${UNFINISHED.map((s) => `'${s}'`).join(', ')})
       ORDER BY created_at, rowid`,
    )
    .all();
  if (unfinished.length === 0) return;
  throw new LabopsError(
    'CONFLICT',
    msg('jobs.migrate.unfinished', {
      dir: verbatim(dir),
      count: unfinished.length,
      jobs: list(
        unfinished.map((job) =>
          msg('jobs.migrate.unfinishedJob', {
            job: verbatim(job.id),
            status: msg(job.status === 'running' ? 'jobs.status.running' : 'jobs.status.queued'),
            command: verbatim(`/${job.command}`),
          }),
        ),
      ),
    }),
    { hint: msg('jobs.migrate.unfinishedHint') },
  );
}

function readSqliteTables(db: BetterSqlite3.Database): SqliteTable[] {
  const names = db
    .prepare<[], { name: string }>(
      "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'",
    )
    .all()
    .map((row) => row.name)
    .filter((name) => !NOT_COPIED.has(name));
  return names.map((name) => ({
    name,
    columns: (db.pragma(`table_info(${quoteName(name)})`) as { name: string }[]).map((c) => c.name),
    rows: countRows(db, `SELECT count(*) FROM ${quoteName(name)}`),
  }));
}

function countRows(db: BetterSqlite3.Database, sql: string): number {
  return db.prepare<[], number>(sql).pluck().get() ?? 0;
}

// ---------------------------------------------------------------------------------------------
// The PostgreSQL side

interface PgColumn {
  name: string;
  /** GENERATED … AS IDENTITY: a copied value needs OVERRIDING SYSTEM VALUE and the sequence moved on. */
  identity: boolean;
}

async function copyIntoPostgres(
  db: BetterSqlite3.Database,
  tables: readonly SqliteTable[],
  url: PgUrl,
  options: MigrateOptions,
): Promise<Record<string, number>> {
  const pool = createPgPool({
    url: options.to,
    readOnly: false,
    connectTimeoutMs: options.connectTimeoutMs ?? 10_000,
    maxConnections: 1,
  });
  try {
    let client: PoolClient;
    try {
      client = await pool.connect();
    } catch (error) {
      throw translatePgStartupError(url, error);
    }
    let broken: Error | undefined;
    const onError = (error: Error) => {
      broken = error;
    };
    client.on('error', onError);
    try {
      await client.query('BEGIN');
      try {
        // The lock a starting replica migrates under: one that starts now waits for this
        // transaction, then finds the moved store.
        await client.query('SELECT pg_advisory_xact_lock($1, 0)', [ADVISORY_MIGRATE]);
        await assertTargetFree(client, url);
        await applyPgMigrations(asSavepointClient(client), { path: url.shown });
        const rows = await copyTables(db, client, tables);
        await client.query('COMMIT');
        return rows;
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw error;
      }
    } catch (error) {
      throw describeFailure(url, error);
    } finally {
      client.off('error', onError);
      client.release(broken);
    }
  } finally {
    await pool.end().catch(() => undefined);
  }
}

/** A refusal stays as it is; any other failure says the move was undone, in PostgreSQL's words. */
function describeFailure(url: PgUrl, error: unknown): LabopsError {
  if (error instanceof LabopsError && error.code !== 'INTERNAL' && error.code !== 'STORE_UNAVAILABLE') {
    return error;
  }
  const reason = translatePgRuntimeError(url, error);
  return new LabopsError(
    reason.code,
    msg('jobs.migrate.failed', { url: verbatim(url.shown), reason: reason.text }),
    {
      cause: reason,
      hint: msg('jobs.migrate.failedHint'),
    },
  );
}

/**
 * Refuses a database a bot runs on or that holds anything of labops': a lead or a job lease whose
 * time has not run out (a live replica), a schema version, a labops table with rows.
 */
async function assertTargetFree(client: PoolClient, url: PgUrl): Promise<void> {
  const tables = await readPgTables(client);
  const live: Message[] = [];
  if (hasColumns(tables, 'leaders', ['name', 'replica', 'until'])) {
    const leads = await queryRows<{ name: string; replica: string; left_ms: number }>(
      client,
      `SELECT name, replica, (until - ${DB_NOW_MS})::float8 AS left_ms FROM leaders
       WHERE until > ${DB_NOW_MS} ORDER BY replica, name`,
    );
    for (const lead of leads) {
      live.push(
        msg('jobs.migrate.replicaLeads', {
          replica: verbatim(lead.replica),
          duty: verbatim(lead.name),
          seconds: Math.ceil(lead.left_ms / 1000),
        }),
      );
    }
  }
  if (hasColumns(tables, 'jobs', ['id', 'status', 'lease_replica', 'lease_until'])) {
    const leases = await queryRows<{ id: string; replica: string | null; left_ms: number }>(
      client,
      `SELECT id, lease_replica AS replica, (lease_until - ${DB_NOW_MS})::float8 AS left_ms FROM jobs
       WHERE status = 'running' AND lease_until > ${DB_NOW_MS} ORDER BY lease_replica, id`,
    );
    for (const lease of leases) {
      live.push(
        msg('jobs.migrate.replicaRuns', {
          replica: verbatim(lease.replica ?? '?'),
          job: verbatim(lease.id),
          seconds: Math.ceil(lease.left_ms / 1000),
        }),
      );
    }
  }
  if (live.length > 0) {
    throw new LabopsError(
      'CONFIG',
      msg('jobs.migrate.liveReplica', { url: verbatim(url.shown), replicas: list(live) }),
      {
        hint: msg('jobs.migrate.liveReplicaHint', { createdb: CREATEDB }),
      },
    );
  }

  const holds: Text[] = [];
  const version = await readPgSchemaVersion(client);
  if (version > 0) holds.push(msg('jobs.migrate.holdsSchema', { version }));
  for (const table of LABOPS_PG_TABLES) {
    if (!tables.has(table)) continue;
    // The counter row the schema itself makes counts only once it has given out an id.
    const where = table === 'counters' && hasColumns(tables, table, ['value']) ? ' WHERE value <> 0' : '';
    const [row] = await queryRows<{ n: number }>(
      client,
      `SELECT count(*)::float8 AS n FROM ${quoteName(table)}${where}`,
    );
    const count = row?.n ?? 0;
    if (count > 0) holds.push(msg('jobs.migrate.holdsRows', { count, table: verbatim(table) }));
  }
  if (holds.length > 0) {
    throw new LabopsError(
      'CONFIG',
      msg('jobs.migrate.notEmpty', { url: verbatim(url.shown), contents: list(holds) }),
      {
        hint: msg('jobs.migrate.notEmptyHint', { createdb: CREATEDB, drop: EMPTY_SCHEMA }),
      },
    );
  }
}

/** The tables of the connection's current schema, with their columns. */
async function readPgTables(client: PoolClient): Promise<Map<string, PgColumn[]>> {
  const rows = await queryRows<{ table_name: string; column_name: string; is_identity: string }>(
    client,
    `SELECT table_name, column_name, is_identity FROM information_schema.columns
     WHERE table_schema = current_schema() ORDER BY table_name, ordinal_position`,
  );
  const tables = new Map<string, PgColumn[]>();
  for (const row of rows) {
    const columns = tables.get(row.table_name) ?? [];
    columns.push({ name: row.column_name, identity: row.is_identity === 'YES' });
    tables.set(row.table_name, columns);
  }
  return tables;
}

function hasColumns(
  tables: ReadonlyMap<string, PgColumn[]>,
  table: string,
  names: readonly string[],
): boolean {
  const columns = tables.get(table);
  return columns !== undefined && names.every((name) => columns.some((column) => column.name === name));
}

async function queryRows<T extends QueryResultRow>(
  client: PoolClient,
  sql: string,
  values: unknown[] = [],
): Promise<T[]> {
  return (await client.query<T>(sql, values)).rows;
}

/**
 * `client` for applyPgMigrations inside the move's transaction: its BEGIN, COMMIT and ROLLBACK
 * become a savepoint, its release and a rollback to it, so the schema it makes commits or rolls
 * back with the copy. Any other transaction statement is refused rather than let through (a
 * COMMIT there would end the move's transaction half done).
 */
function asSavepointClient(client: PoolClient): PoolClient {
  const statements: Record<string, string> = {
    BEGIN: `SAVEPOINT ${MIGRATIONS_SAVEPOINT}`,
    COMMIT: `RELEASE SAVEPOINT ${MIGRATIONS_SAVEPOINT}`,
    ROLLBACK: `ROLLBACK TO SAVEPOINT ${MIGRATIONS_SAVEPOINT}`,
  };
  const query = (text: unknown, ...rest: unknown[]) => {
    let sql = text;
    if (typeof text === 'string') {
      const word = text.trim().toUpperCase();
      sql = statements[word] ?? text;
      if (sql === text && /^(BEGIN|COMMIT|ROLLBACK|START|END|ABORT|SAVEPOINT|RELEASE)\b/.test(word)) {
        throw new LabopsError(
          'INTERNAL',
          verbatim(`The schema migrations ran "${text}", which migrate.ts cannot nest.`),
        );
      }
    }
    return (client.query as (...args: unknown[]) => unknown)(sql, ...rest);
  };
  return new Proxy(client, {
    get: (target, property, receiver) =>
      property === 'query' ? query : Reflect.get(target, property, receiver),
  });
}

/** Copies every table both schemas have, in rowid order, and moves identity sequences past the copied values. */
async function copyTables(
  db: BetterSqlite3.Database,
  client: PoolClient,
  tables: readonly SqliteTable[],
): Promise<Record<string, number>> {
  const pgTables = await readPgTables(client);
  const ordered = [...tables].sort((a, b) => rankOf(a.name) - rankOf(b.name) || a.name.localeCompare(b.name));
  const copied: Record<string, number> = {};
  for (const table of ordered) {
    const pgColumns = pgTables.get(table.name);
    if (pgColumns === undefined) {
      // A table only SQLite has: nothing is lost while it is empty; rows would be.
      if (table.rows === 0) continue;
      throw new LabopsError(
        'INTERNAL',
        verbatim(
          `The SQLite table ${table.name} holds ${table.rows} rows, but the PostgreSQL schema has no such table: a PostgreSQL migration is missing.`,
        ),
      );
    }
    const missing = table.columns.filter((column) => !pgColumns.some((c) => c.name === column));
    if (missing.length > 0) {
      throw new LabopsError(
        'INTERNAL',
        verbatim(
          `The PostgreSQL table ${table.name} has no column ${missing.join(', ')} that SQLite's has: a PostgreSQL migration is missing.`,
        ),
      );
    }
    copied[table.name] = await copyTable(db, client, table, pgColumns);
  }
  return copied;
}

function rankOf(table: string): number {
  const index = COPY_FIRST.indexOf(table);
  return index < 0 ? COPY_FIRST.length : index;
}

async function copyTable(
  db: BetterSqlite3.Database,
  client: PoolClient,
  table: SqliteTable,
  pgColumns: readonly PgColumn[],
): Promise<number> {
  const columns = table.columns;
  const identities = pgColumns.filter((c) => c.identity && columns.includes(c.name)).map((c) => c.name);
  // A row the schema itself made (the approval counter) takes the copied values.
  const seeded = await queryRows<{ n: number }>(
    client,
    `SELECT count(*)::float8 AS n FROM ${quoteName(table.name)}`,
  );
  const conflict = (seeded[0]?.n ?? 0) > 0 ? await describeUpsert(client, table.name, columns) : '';
  const select = db
    .prepare<[number, number], unknown[]>(
      `SELECT rowid, ${columns.map(quoteName).join(', ')} FROM ${quoteName(table.name)}
       WHERE rowid > ? ORDER BY rowid LIMIT ?`,
    )
    .raw();
  const batch = Math.max(1, Math.min(BATCH_ROWS, Math.floor(MAX_PARAMETERS / columns.length)));
  const insertInto = `INSERT INTO ${quoteName(table.name)} (${columns.map(quoteName).join(', ')})${
    identities.length > 0 ? ' OVERRIDING SYSTEM VALUE' : ''
  } VALUES `;
  let after = Number.MIN_SAFE_INTEGER;
  let count = 0;
  for (;;) {
    const rows = select.all(after, batch);
    if (rows.length === 0) break;
    const values: unknown[] = [];
    const tuples = rows.map((row) => {
      const start = values.length;
      values.push(...row.slice(1));
      return `(${columns.map((_, i) => `$${start + i + 1}`).join(', ')})`;
    });
    await client.query(`${insertInto}${tuples.join(', ')}${conflict}`, values);
    count += rows.length;
    after = rows[rows.length - 1]![0] as number;
  }
  for (const column of identities) {
    // The next row written (an audit event) numbers on from the copied ones.
    await client.query(
      `SELECT setval(pg_get_serial_sequence($1, $2), max(${quoteName(column)})) FROM ${quoteName(table.name)}
       HAVING max(${quoteName(column)}) IS NOT NULL`,
      [quoteName(table.name), column],
    );
  }
  return count;
}

/** `ON CONFLICT (primary key) DO UPDATE` every other copied column. */
async function describeUpsert(
  client: PoolClient,
  table: string,
  columns: readonly string[],
): Promise<string> {
  const keys = (
    await queryRows<{ name: string }>(
      client,
      `SELECT a.attname AS name FROM pg_index i
       JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey)
       WHERE i.indrelid = $1::regclass AND i.indisprimary`,
      [quoteName(table)],
    )
  ).map((row) => row.name);
  const others = columns.filter((column) => !keys.includes(column));
  if (keys.length === 0) return '';
  return ` ON CONFLICT (${keys.map(quoteName).join(', ')}) ${
    others.length === 0
      ? 'DO NOTHING'
      : `DO UPDATE SET ${others.map((c) => `${quoteName(c)} = EXCLUDED.${quoteName(c)}`).join(', ')}`
  }`;
}

/** A table or column name as SQL, quoted; both schemas use plain lower-case names only. */
function quoteName(name: string): string {
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) {
    throw new LabopsError(
      'INTERNAL',
      verbatim(`The store has a table or column named ${JSON.stringify(name)}.`),
    );
  }
  return `"${name}"`;
}

// ---------------------------------------------------------------------------------------------
// The command

export interface MigrateCommandOptions {
  /** The words after `migrate`: `--to URL` or `--to=URL`. */
  args: readonly string[];
  /** The SQLite data directory (LABOPS_DATA_DIR, default ./data). */
  dir: string;
  locale: Locale;
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown };
}

/** `npm start -- migrate --to URL`: moves the store and prints what it copied; answers the exit code. */
export async function runMigrateCommand(options: MigrateCommandOptions): Promise<number> {
  let secrets: readonly string[] = [];
  try {
    const to = parseMigrateArgs(options.args);
    secrets = parsePgUrl(to).secrets;
    const result = await migrateToPostgres({ dir: options.dir, to });
    for (const line of describeMigration(result)) {
      options.stdout.write(`${scrubSecrets(renderText(options.locale, line), secrets)}\n`);
    }
    return 0;
  } catch (error) {
    const failure = toLabopsError(error);
    options.stderr.write(`${scrubSecrets(formatError(failure, options.locale), secrets)}\n`);
    return failure.code === 'CONFIG' || failure.code === 'USAGE' ? CONFIG_EXIT_CODE : 1;
  }
}

/** The target URL of `migrate --to URL` (or `--to=URL`); USAGE for anything else. */
export function parseMigrateArgs(args: readonly string[]): string {
  let to: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '--to' && i + 1 < args.length && !args[i + 1]!.startsWith('--')) to = args[++i];
    else if (arg.startsWith('--to=') && arg.length > '--to='.length) to = arg.slice('--to='.length);
    else if (arg === '--to' || arg === '--to=') to = undefined;
    // --lang is the process's own (readShellLocale), not the command's.
    else if (arg === '--lang') i++;
    else if (!arg.startsWith('--lang=')) {
      throw new LabopsError(
        'USAGE',
        msg('jobs.migrate.unknownArg', { arg: verbatim(arg), usage: MIGRATE_USAGE }),
        {
          hint: msg('jobs.migrate.usageHint', { createdb: CREATEDB }),
        },
      );
    }
  }
  if (to === undefined) {
    throw new LabopsError('USAGE', msg('jobs.migrate.missingTo', { usage: MIGRATE_USAGE }), {
      hint: msg('jobs.migrate.usageHint', { createdb: CREATEDB }),
    });
  }
  return to;
}

const MIGRATE_USAGE = verbatim('npm start -- migrate --to postgres://USER@HOST/DATABASE');
/** How to make an empty database, and to empty one. */
const CREATEDB = verbatim('createdb labops');
const EMPTY_SCHEMA = verbatim('DROP SCHEMA public CASCADE; CREATE SCHEMA public');

/** What the move copied, where from and where to (never the password), then what to do next. */
export function describeMigration(result: MigrateResult): Text[] {
  return [
    msg('jobs.migrate.done', {
      jobs: result.jobs,
      approvals: result.approvals,
      pending: result.pendingApprovals,
      audit: result.auditEvents,
      keys: result.pinnedKeys,
      dir: verbatim(result.dir),
      url: verbatim(result.url),
    }),
    msg('jobs.migrate.next', { url: verbatim(result.url), dir: verbatim(result.dir) }),
  ];
}
