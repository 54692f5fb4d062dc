import type BetterSqlite3 from 'better-sqlite3';
import { LabopsError } from '../errors.js';
import { msg, verbatim } from '../i18n/text.js';

type Database = BetterSqlite3.Database;

/**
 * One step of the schema's history. `version` is what `PRAGMA user_version` reads once it has
 * run; versions start at 1 and follow each other without gaps. A migration, once released, never
 * changes: a new one is appended instead.
 */
export interface Migration {
  version: number;
  /** What it does, in a few words (shown when it fails). */
  name: string;
  up: (db: Database) => void;
}

/** The schema's history, oldest first. */
export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'jobs, steps, approvals, audit, locks',
    up: (db) => {
      // No IF NOT EXISTS: a migration that ran twice must fail loudly rather than pass unnoticed.
      db.exec(`
        CREATE TABLE jobs (
          id          TEXT PRIMARY KEY,
          command     TEXT NOT NULL,
          text        TEXT NOT NULL,
          args        TEXT NOT NULL,
          requester   TEXT NOT NULL,
          channel     TEXT NOT NULL,
          risk        TEXT NOT NULL,
          plan        TEXT NOT NULL,
          status      TEXT NOT NULL,
          created_at  INTEGER NOT NULL,
          started_at  INTEGER,
          finished_at INTEGER,
          error       TEXT,
          message_ref TEXT
        );
        CREATE INDEX jobs_by_status ON jobs (status);
        CREATE INDEX jobs_by_created ON jobs (created_at);

        CREATE TABLE steps (
          job_id      TEXT NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
          idx         INTEGER NOT NULL,
          kind        TEXT NOT NULL,
          title       TEXT NOT NULL,
          params      TEXT NOT NULL,
          shows       TEXT,
          timeout_ms  INTEGER,
          status      TEXT NOT NULL DEFAULT 'pending',
          started_at  INTEGER,
          finished_at INTEGER,
          duration_ms INTEGER,
          tail        TEXT NOT NULL DEFAULT '',
          detail      TEXT,
          end_state   TEXT,
          PRIMARY KEY (job_id, idx)
        );

        CREATE TABLE approvals (
          id                TEXT PRIMARY KEY,
          job_id            TEXT NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
          risk              TEXT NOT NULL,
          required          INTEGER NOT NULL,
          eligible          TEXT NOT NULL,
          requester         TEXT NOT NULL,
          created_at        INTEGER NOT NULL,
          expires_at        INTEGER NOT NULL,
          fingerprint       TEXT NOT NULL,
          fingerprint_state TEXT NOT NULL,
          status            TEXT NOT NULL,
          card_refs         TEXT NOT NULL DEFAULT '[]',
          closed_at         INTEGER
        );
        CREATE INDEX approvals_by_job ON approvals (job_id);
        CREATE INDEX approvals_by_status ON approvals (status);

        -- One row per principal: the primary key makes a second decision impossible, not just refused.
        CREATE TABLE approval_decisions (
          approval_id TEXT NOT NULL REFERENCES approvals (id) ON DELETE CASCADE,
          principal   TEXT NOT NULL,
          decision    TEXT NOT NULL,
          at          INTEGER NOT NULL,
          PRIMARY KEY (approval_id, principal)
        );

        CREATE TABLE audit (
          seq         INTEGER PRIMARY KEY AUTOINCREMENT,
          at          INTEGER NOT NULL,
          type        TEXT NOT NULL,
          actor       TEXT NOT NULL,
          job_id      TEXT,
          approval_id TEXT,
          detail      TEXT NOT NULL
        );
        CREATE INDEX audit_by_job ON audit (job_id);

        -- No foreign key to jobs: a lock may be taken before its job row exists.
        CREATE TABLE locks (
          key      TEXT PRIMARY KEY,
          job_id   TEXT NOT NULL,
          holder   TEXT NOT NULL,
          taken_at INTEGER NOT NULL
        );
        CREATE INDEX locks_by_job ON locks (job_id);

        CREATE TABLE counters (
          name  TEXT PRIMARY KEY,
          value INTEGER NOT NULL
        );
        INSERT INTO counters (name, value) VALUES ('approval', 0);
      `);
    },
  },
  {
    version: 2,
    name: 'pinned SSH host keys',
    up: (db) => {
      // One pin per machine: `/host trust` replaces it, and who approved it and when are kept.
      db.exec(`
        CREATE TABLE host_keys (
          machine     TEXT PRIMARY KEY,
          fingerprint TEXT NOT NULL,
          pinned_by   TEXT NOT NULL,
          pinned_at   INTEGER NOT NULL
        );
      `);
    },
  },
  {
    version: 3,
    name: "a job's review of its targets",
    up: (db) => {
      // What the job's targets were before it ran, whether a write went out, and after a failure,
      // cancel or interruption what each target reads now (JSON; issue 9 §5).
      db.exec('ALTER TABLE jobs ADD COLUMN review TEXT');
    },
  },
  {
    version: 4,
    name: 'a scratch table to check the store can be written',
    up: (db) => {
      // After a write failed (disk full), labops writes a page-sized row here and deletes it in
      // one transaction, to learn whether the store takes new work again (issue 10 §5).
      db.exec('CREATE TABLE store_probe (id INTEGER PRIMARY KEY, pad BLOB NOT NULL)');
    },
  },
  {
    version: 5,
    name: 'texts in the message catalog beside their English',
    up: (db) => {
      // The English columns stay for operators and tools; these hold the catalog message (JSON) a
      // reader sees in their own language (issue 16). NULL: the English text is all there is.
      db.exec(`
        ALTER TABLE jobs ADD COLUMN error_text TEXT;
        ALTER TABLE steps ADD COLUMN title_text TEXT;
        ALTER TABLE steps ADD COLUMN detail_text TEXT;
        ALTER TABLE steps ADD COLUMN end_state_text TEXT;
      `);
    },
  },
  {
    version: 6,
    name: 'every key includes its lab',
    up: (db) => {
      // One bot serves several labs (issue 13 §2): jobs, audit rows, locks and pinned host keys
      // name their lab. Rows from before are the one lab's, named 'default' (config's
      // DEFAULT_LAB_NAME; written out here, since a released migration never changes). An audit
      // row's lab stays NULL only for an event of the whole bot, written from now on.
      // Locks and pins are keyed by (lab, …): their tables are made again with the new keys. The
      // rows wait in TEMP tables (outside the file) while the old tables are dropped, so the new
      // ones take the freed pages again and a new store has no free page (a capped store then
      // fails as a full disk does; test/store/unwritable.test.ts).
      db.exec(`
        ALTER TABLE jobs ADD COLUMN lab TEXT NOT NULL DEFAULT 'default';
        CREATE INDEX jobs_by_lab ON jobs (lab, created_at);

        ALTER TABLE audit ADD COLUMN lab TEXT;
        UPDATE audit SET lab = 'default';
        CREATE INDEX audit_by_lab ON audit (lab, seq);

        CREATE TEMP TABLE locks_v5 AS SELECT * FROM locks;
        DROP TABLE locks;
        CREATE TABLE locks (
          lab      TEXT NOT NULL,
          key      TEXT NOT NULL,
          job_id   TEXT NOT NULL,
          holder   TEXT NOT NULL,
          taken_at INTEGER NOT NULL,
          PRIMARY KEY (lab, key)
        );
        CREATE INDEX locks_by_job ON locks (job_id);
        INSERT INTO locks (lab, key, job_id, holder, taken_at)
          SELECT 'default', key, job_id, holder, taken_at FROM temp.locks_v5;
        DROP TABLE temp.locks_v5;

        CREATE TEMP TABLE host_keys_v5 AS SELECT * FROM host_keys;
        DROP TABLE host_keys;
        CREATE TABLE host_keys (
          lab         TEXT NOT NULL,
          machine     TEXT NOT NULL,
          fingerprint TEXT NOT NULL,
          pinned_by   TEXT NOT NULL,
          pinned_at   INTEGER NOT NULL,
          PRIMARY KEY (lab, machine)
        );
        INSERT INTO host_keys (lab, machine, fingerprint, pinned_by, pinned_at)
          SELECT 'default', machine, fingerprint, pinned_by, pinned_at FROM temp.host_keys_v5;
        DROP TABLE temp.host_keys_v5;
      `);
    },
  },
  {
    version: 7,
    name: 'a replica’s lease on the job it runs',
    up: (db) => {
      // Who runs a job, which claim of it this is and until when the claim holds (issue 14 §2).
      // One process owns a SQLite store, so its leases only ever hold; the columns keep the
      // contract the stores share.
      db.exec(`
        ALTER TABLE jobs ADD COLUMN lease_replica TEXT;
        ALTER TABLE jobs ADD COLUMN lease_epoch INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE jobs ADD COLUMN lease_until INTEGER;
      `);
    },
  },
  {
    version: 8,
    name: 'the replicas’ leader and the requests they saw',
    up: (db) => {
      // Who leads the replicas for a duty, until when (issue 14 §2), the keys of Slack's retries
      // seen, until when they are forgotten, and the Slack budget they share (§3). One process owns a SQLite store: it always
      // leads, and sees what it saw; the tables keep the contract the stores share.
      db.exec(`
        CREATE TABLE leaders (
          name    TEXT PRIMARY KEY,
          replica TEXT NOT NULL,
          until   INTEGER NOT NULL
        );
        CREATE TABLE seen (
          key   TEXT PRIMARY KEY,
          until INTEGER NOT NULL
        );
        CREATE INDEX seen_by_until ON seen (until);
        CREATE TABLE slack_budget (
          bucket     TEXT PRIMARY KEY,
          tokens     REAL NOT NULL,
          updated_at INTEGER NOT NULL
        );
      `);
    },
  },
  {
    version: 9,
    name: 'the state of the bot’s own duties',
    up: (db) => {
      // Issue 15: what the watcher, reminders and schedules keep across restarts, by key, each
      // entry versioned so two writers from one version cannot both win.
      db.exec(`
        CREATE TABLE duty_state (
          key        TEXT PRIMARY KEY,
          value      TEXT NOT NULL,
          version    INTEGER NOT NULL,
          updated_at INTEGER NOT NULL
        );
      `);
    },
  },
];

/** The schema version this labops writes. */
export const SCHEMA_VERSION = MIGRATIONS.length;

export interface MigrationResult {
  /** `user_version` before. */
  from: number;
  /** `user_version` after. */
  to: number;
  /** The migrations that ran now, in order (empty when the schema was current). */
  applied: number[];
}

/** Reads `PRAGMA user_version`. */
export function readSchemaVersion(db: Database): number {
  return db.pragma('user_version', { simple: true }) as number;
}

/**
 * Brings the schema up to the newest version in one IMMEDIATE transaction, recording each step in
 * `user_version`, so a failure leaves the database as it was and two processes starting together
 * cannot both migrate. A database newer than `migrations` is refused with CONFIG.
 */
export function applyMigrations(
  db: Database,
  options: { path: string; migrations?: readonly Migration[] | undefined },
): MigrationResult {
  const migrations = options.migrations ?? MIGRATIONS;
  validateMigrations(migrations);
  const latest = migrations.length;
  const migrate = db.transaction((): MigrationResult => {
    const from = readSchemaVersion(db);
    assertKnownVersion(from, latest, options.path);
    const applied: number[] = [];
    for (const migration of migrations.slice(from)) {
      try {
        migration.up(db);
      } catch (error) {
        throw new LabopsError(
          'CONFIG',
          msg('jobs.store.upgradeFailed', {
            path: verbatim(options.path),
            version: migration.version,
            name: verbatim(migration.name),
            // SQLite's own words.
            reason: verbatim(error instanceof Error ? error.message : String(error)),
          }),
          { cause: error, hint: msg('jobs.store.upgradeFailedHint') },
        );
      }
      db.pragma(`user_version = ${migration.version}`);
      applied.push(migration.version);
    }
    return { from, to: readSchemaVersion(db), applied };
  });
  return migrate.immediate();
}

/** Refuses a schema written by a newer labops: reading it could misread, writing it could break it. */
export function assertKnownVersion(version: number, latest: number, path: string): void {
  if (version <= latest) return;
  throw new LabopsError('CONFIG', msg('jobs.store.newerSchema', { path: verbatim(path), version, latest }), {
    hint: msg('jobs.store.newerSchemaHint'),
  });
}

function validateMigrations(migrations: readonly Migration[]): void {
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
