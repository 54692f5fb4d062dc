import type { PoolClient } from 'pg';
import { LabopsError } from '../errors.js';
import { msg, verbatim } from '../i18n/text.js';

/**
 * One step of the PostgreSQL schema's history, its own (the SQLite store's versions are not these).
 * Versions start at 1 and follow each other without gaps; a released migration never changes, a
 * new one is appended instead. Each runs inside the one transaction that `applyPgMigrations` holds.
 */
export interface PgMigration {
  version: number;
  /** What it does, in a few words (shown when it fails). */
  name: string;
  /** The statements, run in order. */
  sql: readonly string[];
}

/**
 * The schema's history, oldest first. Version 1 is the SQLite store's schema 6 with PostgreSQL's
 * types: epoch milliseconds are BIGINT, JSON stays TEXT (the row mappers of store-rows.ts parse it,
 * and a copy from SQLite keeps every byte), and an identity column `n` keeps the insertion order
 * that SQLite's rowid gives ties.
 */
export const PG_MIGRATIONS: readonly PgMigration[] = [
  {
    version: 1,
    name: 'jobs, steps, approvals, audit, locks, host keys',
    sql: [
      `CREATE TABLE jobs (
        id          TEXT PRIMARY KEY,
        lab         TEXT NOT NULL,
        command     TEXT NOT NULL,
        text        TEXT NOT NULL,
        args        TEXT NOT NULL,
        requester   TEXT NOT NULL,
        channel     TEXT NOT NULL,
        risk        TEXT NOT NULL,
        plan        TEXT NOT NULL,
        status      TEXT NOT NULL,
        created_at  BIGINT NOT NULL,
        started_at  BIGINT,
        finished_at BIGINT,
        error       TEXT,
        error_text  TEXT,
        message_ref TEXT,
        review      TEXT,
        n           BIGINT GENERATED ALWAYS AS IDENTITY
      )`,
      'CREATE INDEX jobs_by_status ON jobs (status)',
      'CREATE INDEX jobs_by_created ON jobs (created_at, n)',
      'CREATE INDEX jobs_by_lab ON jobs (lab, created_at)',
      `CREATE TABLE steps (
        job_id         TEXT NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
        idx            INTEGER NOT NULL,
        kind           TEXT NOT NULL,
        title          TEXT NOT NULL,
        title_text     TEXT,
        params         TEXT NOT NULL,
        shows          TEXT,
        timeout_ms     BIGINT,
        status         TEXT NOT NULL DEFAULT 'pending',
        started_at     BIGINT,
        finished_at    BIGINT,
        duration_ms    BIGINT,
        tail           TEXT NOT NULL DEFAULT '',
        detail         TEXT,
        detail_text    TEXT,
        end_state      TEXT,
        end_state_text TEXT,
        PRIMARY KEY (job_id, idx)
      )`,
      `CREATE TABLE approvals (
        id                TEXT PRIMARY KEY,
        job_id            TEXT NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
        risk              TEXT NOT NULL,
        required          INTEGER NOT NULL,
        eligible          TEXT NOT NULL,
        requester         TEXT NOT NULL,
        created_at        BIGINT NOT NULL,
        expires_at        BIGINT NOT NULL,
        fingerprint       TEXT NOT NULL,
        fingerprint_state TEXT NOT NULL,
        status            TEXT NOT NULL,
        card_refs         TEXT NOT NULL DEFAULT '[]',
        closed_at         BIGINT,
        n                 BIGINT GENERATED ALWAYS AS IDENTITY
      )`,
      'CREATE INDEX approvals_by_job ON approvals (job_id)',
      'CREATE INDEX approvals_by_status ON approvals (status)',
      // One row per principal: the primary key makes a second decision impossible, on any replica.
      `CREATE TABLE approval_decisions (
        approval_id TEXT NOT NULL REFERENCES approvals (id) ON DELETE CASCADE,
        principal   TEXT NOT NULL,
        decision    TEXT NOT NULL,
        at          BIGINT NOT NULL,
        n           BIGINT GENERATED ALWAYS AS IDENTITY,
        PRIMARY KEY (approval_id, principal)
      )`,
      `CREATE TABLE audit (
        seq         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        at          BIGINT NOT NULL,
        lab         TEXT,
        type        TEXT NOT NULL,
        actor       TEXT NOT NULL,
        job_id      TEXT,
        approval_id TEXT,
        detail      TEXT NOT NULL
      )`,
      'CREATE INDEX audit_by_job ON audit (job_id)',
      'CREATE INDEX audit_by_lab ON audit (lab, seq)',
      // No foreign key to jobs: a lock may be taken before its job row exists.
      `CREATE TABLE locks (
        lab      TEXT NOT NULL,
        key      TEXT NOT NULL,
        job_id   TEXT NOT NULL,
        holder   TEXT NOT NULL,
        taken_at BIGINT NOT NULL,
        PRIMARY KEY (lab, key)
      )`,
      'CREATE INDEX locks_by_job ON locks (job_id)',
      `CREATE TABLE host_keys (
        lab         TEXT NOT NULL,
        machine     TEXT NOT NULL,
        fingerprint TEXT NOT NULL,
        pinned_by   TEXT NOT NULL,
        pinned_at   BIGINT NOT NULL,
        PRIMARY KEY (lab, machine)
      )`,
      'CREATE TABLE counters (name TEXT PRIMARY KEY, value BIGINT NOT NULL)',
      "INSERT INTO counters (name, value) VALUES ('approval', 0)",
      // checkWritable's probe: a row written and deleted in one transaction (issue 10 §5).
      'CREATE TABLE store_probe (id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY, pad TEXT NOT NULL)',
    ],
  },
  {
    version: 2,
    name: 'job leases',
    sql: [
      // Issue 14 §2: the replica running a job, its claim's epoch and its lease's end (epoch ms of
      // the database's clock). Every fenced write checks the first two; the sweep reads the last.
      `ALTER TABLE jobs
         ADD COLUMN lease_replica TEXT,
         ADD COLUMN lease_epoch   INTEGER NOT NULL DEFAULT 0,
         ADD COLUMN lease_until   BIGINT`,
      "CREATE INDEX jobs_running_by_lease ON jobs (lease_until) WHERE status = 'running'",
    ],
  },
  {
    version: 3,
    name: 'the replicas’ leader and the requests they saw',
    sql: [
      // Issue 14 §2: who leads the replicas for a duty and until when, and the keys of Slack's
      // retries seen until they are forgotten; both on the database's clock (epoch ms).
      `CREATE TABLE leaders (
         name    TEXT PRIMARY KEY,
         replica TEXT NOT NULL,
         until   BIGINT NOT NULL
       )`,
      `CREATE TABLE seen (
         key   TEXT PRIMARY KEY,
         until BIGINT NOT NULL
       )`,
      'CREATE INDEX seen_by_until ON seen (until)',
      // Issue 14 §3: the Slack budget the replicas share, a token bucket per method (and channel).
      `CREATE TABLE slack_budget (
         bucket     TEXT PRIMARY KEY,
         tokens     DOUBLE PRECISION NOT NULL,
         updated_at BIGINT NOT NULL
       )`,
    ],
  },
  {
    version: 4,
    name: 'the state of the bot’s own duties',
    sql: [
      // Issue 15: what the watcher, reminders and schedules keep across restarts, by key, each
      // entry versioned so two replicas writing from one version cannot both win.
      `CREATE TABLE duty_state (
         key        TEXT PRIMARY KEY,
         value      JSONB NOT NULL,
         version    INTEGER NOT NULL,
         updated_at BIGINT NOT NULL
       )`,
    ],
  },
];

/** The schema version this labops writes in PostgreSQL. */
export const PG_SCHEMA_VERSION = PG_MIGRATIONS.length;

/** The table that records each migration that ran: its version, name and when. */
export const PG_VERSION_TABLE = 'labops_schema';

/**
 * Advisory lock keys (pg_advisory_xact_lock's two-int form): the first says what is locked, so
 * labops' locks never meet another application's.
 */
export const ADVISORY_MIGRATE = 0x1ab0_0001;
export const ADVISORY_LAB = 0x1ab0_0002;

export interface PgMigrationResult {
  from: number;
  to: number;
  applied: number[];
}

/** The newest version recorded, 0 when none is (or the version table does not exist). */
export async function readPgSchemaVersion(client: PoolClient): Promise<number> {
  const exists = await client.query<{ found: boolean }>('SELECT to_regclass($1) IS NOT NULL AS found', [
    PG_VERSION_TABLE,
  ]);
  if (!exists.rows[0]?.found) return 0;
  const row = await client.query<{ version: number | null }>(
    `SELECT max(version) AS version FROM ${PG_VERSION_TABLE}`,
  );
  return row.rows[0]?.version ?? 0;
}

/**
 * Brings the schema up to the newest version in one transaction under an advisory lock, so that
 * replicas starting together migrate once and a failure leaves the database as it was. A database
 * newer than `migrations` is refused with CONFIG, as the SQLite store refuses one (migrations.ts).
 */
export async function applyPgMigrations(
  client: PoolClient,
  options: { path: string; migrations?: readonly PgMigration[] | undefined },
): Promise<PgMigrationResult> {
  const migrations = options.migrations ?? PG_MIGRATIONS;
  validatePgMigrations(migrations);
  await client.query('BEGIN');
  try {
    await client.query('SELECT pg_advisory_xact_lock($1, 0)', [ADVISORY_MIGRATE]);
    await client.query(
      `CREATE TABLE IF NOT EXISTS ${PG_VERSION_TABLE} (
         version    INTEGER PRIMARY KEY,
         name       TEXT NOT NULL,
         applied_at TIMESTAMPTZ NOT NULL DEFAULT now()
       )`,
    );
    const from = await readPgSchemaVersion(client);
    assertKnownPgVersion(from, migrations.length, options.path);
    const applied: number[] = [];
    for (const migration of migrations.slice(from)) {
      try {
        for (const statement of migration.sql) await client.query(statement);
      } catch (error) {
        throw new LabopsError(
          'CONFIG',
          msg('jobs.store.upgradeFailed', {
            path: verbatim(options.path),
            version: migration.version,
            name: verbatim(migration.name),
            // PostgreSQL's own words.
            reason: verbatim(error instanceof Error ? error.message : String(error)),
          }),
          { cause: error, hint: msg('jobs.pg.upgradeFailedHint') },
        );
      }
      await client.query(`INSERT INTO ${PG_VERSION_TABLE} (version, name) VALUES ($1, $2)`, [
        migration.version,
        migration.name,
      ]);
      applied.push(migration.version);
    }
    await client.query('COMMIT');
    return { from, to: from + applied.length, applied };
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}

/** A store opened to read must be one this labops can read as it is: present and current. */
export async function checkReadablePgSchema(client: PoolClient, path: string): Promise<void> {
  const version = await readPgSchemaVersion(client);
  if (version === 0) {
    throw new LabopsError('CONFIG', msg('jobs.store.missing', { path: verbatim(path) }), {
      hint: msg('jobs.pg.missingHint'),
    });
  }
  assertKnownPgVersion(version, PG_SCHEMA_VERSION, path);
  if (version < PG_SCHEMA_VERSION) {
    throw new LabopsError(
      'CONFIG',
      msg('jobs.store.oldSchema', { path: verbatim(path), version, current: PG_SCHEMA_VERSION }),
      { hint: msg('jobs.pg.oldSchemaHint') },
    );
  }
}

/** Refuses a schema written by a newer labops: reading it could misread, writing it could break it. */
export function assertKnownPgVersion(version: number, latest: number, path: string): void {
  if (version <= latest) return;
  throw new LabopsError('CONFIG', msg('jobs.store.newerSchema', { path: verbatim(path), version, latest }), {
    hint: msg('jobs.pg.newerSchemaHint'),
  });
}

function validatePgMigrations(migrations: readonly PgMigration[]): void {
  migrations.forEach((migration, index) => {
    if (migration.version !== index + 1) {
      // A developer's mistake, for them: as written.
      throw new LabopsError(
        'INTERNAL',
        verbatim(
          `Migration "${migration.name}" has version ${migration.version} at position ${index + 1}; versions must run 1, 2, 3, … without gaps.`,
        ),
      );
    }
  });
}
