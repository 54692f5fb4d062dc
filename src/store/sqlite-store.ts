import { accessSync, closeSync, constants, mkdirSync, openSync, readSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { LabopsError, toLabopsError } from '../errors.js';
import { createPlan, type Plan } from '../plan.js';
import type { Risk } from '../risk.js';
import { boundTail, TAIL_BYTES } from '../tail.js';
import { type Clock, systemClock } from '../time.js';
import { applyMigrations, assertKnownVersion, readSchemaVersion, SCHEMA_VERSION } from './migrations.js';
import {
  type ApprovalDecision,
  type ApprovalRecord,
  type ApprovalStatus,
  type AuditEvent,
  type DecisionResult,
  FINAL_JOB_STATUSES,
  INTERRUPTED_JOB_ERROR,
  isStoreUnavailable,
  type JobRecord,
  type JobReview,
  type JobStatus,
  type LockRecord,
  type NewApproval,
  type NewAuditEvent,
  type NewJob,
  type PinnedHostKey,
  type RecoveryReport,
  STRANDED_JOB_ERROR,
  type StepRecord,
  type StepSpec,
  type StepStatus,
  type Store,
  type TakeLocksResult,
} from './types.js';

type Db = Database.Database;

/** How to open the store; see `openStore`. */
export interface StoreOptions {
  /** The database file, created with its directory when missing; `:memory:` for a throwaway store. */
  path: string;
  /** The time `transitionJob` records when the caller names none. */
  now?: Clock | undefined;
  /** How long a write waits for another process holding the database, in ms (default 5000). */
  busyTimeoutMs?: number | undefined;
  /**
   * Open for reading only (an audit export while the bot runs): the file must exist, nothing is
   * migrated or converted, and every write — `recover` first of all — is refused.
   */
  readOnly?: boolean | undefined;
}

/** `updateStep` keeps at most this many bytes of a step's tail, its end. */
export const STEP_TAIL_MAX_BYTES = TAIL_BYTES;

/** The detail of a step that `recover` found running. */
export const UNKNOWN_STEP_DETAIL = 'labops stopped while this step was running; its outcome is unknown.';

const SQLITE_MAGIC = Buffer.from('SQLite format 3\0', 'latin1');
const SQLITE_HEADER_BYTES = 100;

/**
 * Opens (creating when missing) the state store at `options.path` and brings its schema up to
 * date. Anything that would risk the user's data stops start-up with CONFIG naming the path and
 * how to fix it — a file that is not SQLite, a corrupt or read-only database, an unwritable
 * directory, a schema from a newer labops; the file is never deleted, replaced or repaired.
 *
 * The store keeps one invariant beyond the interface: whenever it moves a job to a final status
 * (a transition, a denial, an expiry, a void, recovery) it releases that job's locks in the same
 * transaction, so a finished job never blocks a target.
 */
export function openStore(options: StoreOptions): Store {
  const path = options.path === ':memory:' ? options.path : resolve(options.path);
  const busyTimeoutMs = options.busyTimeoutMs ?? 5000;
  if (options.readOnly) {
    return new SqliteStore(openDatabaseToRead(path, busyTimeoutMs), path, options.now ?? systemClock, true);
  }
  const db = openDatabase(path, busyTimeoutMs);
  return new SqliteStore(db, path, options.now ?? systemClock, false);
}

/**
 * For tests and fault drills: caps the database at its current size, so that a write needing a
 * new page fails as on a full disk (SQLITE_FULL); `undefined` lifts the cap. Only this store's
 * connection is capped.
 */
export function setStoreSizeLimit(store: Store, limit: 'current' | undefined): void {
  if (!(store instanceof SqliteStore)) throw new LabopsError('INTERNAL', 'Not a SQLite store.');
  store.setSizeLimit(limit);
}

// ---------------------------------------------------------------------------------------------
// Start-up

function openDatabase(path: string, busyTimeoutMs: number): Db {
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

function openDatabaseToRead(path: string, busyTimeoutMs: number): Db {
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
// Rows

interface JobRow {
  id: string;
  command: string;
  text: string;
  args: string;
  requester: string;
  channel: string;
  risk: string;
  plan: string;
  status: string;
  created_at: number;
  started_at: number | null;
  finished_at: number | null;
  error: string | null;
  message_ref: string | null;
  review: string | null;
}

interface StepRow {
  job_id: string;
  idx: number;
  kind: string;
  title: string;
  params: string;
  shows: string | null;
  timeout_ms: number | null;
  status: string;
  started_at: number | null;
  finished_at: number | null;
  duration_ms: number | null;
  tail: string;
  detail: string | null;
  end_state: string | null;
}

interface ApprovalRow {
  id: string;
  job_id: string;
  risk: string;
  required: number;
  eligible: string;
  requester: string;
  created_at: number;
  expires_at: number;
  fingerprint: string;
  fingerprint_state: string;
  status: string;
  card_refs: string;
}

interface DecisionRow {
  principal: string;
  decision: string;
  at: number;
}

interface AuditRow {
  seq: number;
  at: number;
  type: string;
  actor: string;
  job_id: string | null;
  approval_id: string | null;
  detail: string;
}

interface LockRow {
  key: string;
  job_id: string;
  holder: string;
  taken_at: number;
}

function optional<T>(value: T | null): T | undefined {
  return value === null ? undefined : value;
}

function parseJson<T>(text: string): T {
  return JSON.parse(text) as T;
}

function toStepSpec(row: StepRow): StepSpec {
  const spec: StepSpec = { kind: row.kind, title: row.title, params: parseJson(row.params) };
  if (row.shows !== null) spec.shows = parseJson(row.shows);
  if (row.timeout_ms !== null) spec.timeoutMs = row.timeout_ms;
  return spec;
}

function toStepRecord(row: StepRow): StepRecord {
  return {
    jobId: row.job_id,
    index: row.idx,
    kind: row.kind,
    title: row.title,
    status: row.status as StepStatus,
    startedAt: optional(row.started_at),
    finishedAt: optional(row.finished_at),
    durationMs: optional(row.duration_ms),
    tail: row.tail,
    detail: optional(row.detail),
    endState: optional(row.end_state),
  };
}

/**
 * The job's plan as stored: a plan written before a field existed gets that field empty, its
 * summary and risk from the job.
 */
function toPlan(row: JobRow, steps: readonly StepSpec[]): Plan {
  const stored = parseJson<Partial<Plan>>(row.plan);
  return createPlan({
    ...stored,
    summary: typeof stored.summary === 'string' ? stored.summary : row.command,
    risk: stored.risk ?? (row.risk as Risk),
    steps: stored.steps ?? [...steps],
  });
}

function toJobRecord(row: JobRow, stepRows: readonly StepRow[]): JobRecord {
  const steps = stepRows.map(toStepSpec);
  return {
    id: row.id,
    command: row.command,
    text: row.text,
    args: parseJson(row.args),
    requester: row.requester,
    channel: row.channel,
    risk: row.risk as Risk,
    plan: toPlan(row, steps),
    steps,
    status: row.status as JobStatus,
    createdAt: row.created_at,
    startedAt: optional(row.started_at),
    finishedAt: optional(row.finished_at),
    error: optional(row.error),
    messageRef: row.message_ref === null ? undefined : parseJson(row.message_ref),
    review: row.review === null ? undefined : (parseJson(row.review) as JobReview),
  };
}

function toApprovalRecord(row: ApprovalRow, decisions: readonly DecisionRow[]): ApprovalRecord {
  return {
    id: row.id,
    jobId: row.job_id,
    risk: row.risk as Risk,
    required: row.required,
    eligible: parseJson(row.eligible),
    requester: row.requester,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    fingerprint: row.fingerprint,
    fingerprintState: parseJson(row.fingerprint_state),
    status: row.status as ApprovalStatus,
    decisions: decisions.map(
      (d): ApprovalDecision => ({
        principal: d.principal,
        decision: d.decision as ApprovalDecision['decision'],
        at: d.at,
      }),
    ),
    cardRefs: parseJson(row.card_refs),
  };
}

function toAuditEvent(row: AuditRow): AuditEvent {
  return {
    seq: row.seq,
    at: row.at,
    type: row.type,
    actor: row.actor,
    jobId: optional(row.job_id),
    approvalId: optional(row.approval_id),
    detail: parseJson(row.detail),
  };
}

interface HostKeyRow {
  machine: string;
  fingerprint: string;
  pinned_by: string;
  pinned_at: number;
}

function toPinnedHostKey(row: HostKeyRow): PinnedHostKey {
  return { machine: row.machine, fingerprint: row.fingerprint, by: row.pinned_by, at: row.pinned_at };
}

function toLockRecord(row: LockRow): LockRecord {
  return { key: row.key, jobId: row.job_id, holder: row.holder, takenAt: row.taken_at };
}

// ---------------------------------------------------------------------------------------------
// Statements

// Status lists travel as one JSON array parameter expanded by json_each, so each query is
// prepared once whatever the list's length.
function prepareStatements(db: Db) {
  return {
    insertJob: db.prepare(
      `INSERT INTO jobs (id, command, text, args, requester, channel, risk, plan, status, created_at)
       VALUES (@id, @command, @text, @args, @requester, @channel, @risk, @plan, @status, @createdAt)`,
    ),
    insertStep: db.prepare(
      `INSERT INTO steps (job_id, idx, kind, title, params, shows, timeout_ms)
       VALUES (@jobId, @index, @kind, @title, @params, @shows, @timeoutMs)`,
    ),
    getJob: db.prepare<[string], JobRow>('SELECT * FROM jobs WHERE id = ?'),
    listJobs: db.prepare<{ statuses: string | null; limit: number }, JobRow>(
      `SELECT * FROM jobs
       WHERE @statuses IS NULL OR status IN (SELECT value FROM json_each(@statuses))
       ORDER BY created_at DESC, rowid DESC LIMIT @limit`,
    ),
    moveJob: db.prepare<{
      id: string;
      from: string;
      to: string;
      at: number;
      isRunning: number;
      isFinal: number;
      error: string | null;
    }>(
      `UPDATE jobs SET status = @to,
         started_at = CASE WHEN @isRunning THEN @at ELSE started_at END,
         finished_at = CASE WHEN @isFinal THEN @at ELSE finished_at END,
         error = COALESCE(@error, error)
       WHERE id = @id AND status IN (SELECT value FROM json_each(@from))`,
    ),
    setMessageRef: db.prepare<{ id: string; ref: string }>(
      'UPDATE jobs SET message_ref = @ref WHERE id = @id',
    ),
    setReview: db.prepare<{ id: string; review: string; error: string | null }>(
      'UPDATE jobs SET review = @review, error = COALESCE(@error, error) WHERE id = @id',
    ),
    listSteps: db.prepare<[string], StepRow>('SELECT * FROM steps WHERE job_id = ? ORDER BY idx'),
    updateStep: db.prepare<{
      jobId: string;
      index: number;
      status: string | null;
      startedAt: number | null;
      finishedAt: number | null;
      durationMs: number | null;
      tail: string | null;
      detail: string | null;
      endState: string | null;
    }>(
      `UPDATE steps SET
         status = COALESCE(@status, status),
         started_at = COALESCE(@startedAt, started_at),
         finished_at = COALESCE(@finishedAt, finished_at),
         duration_ms = COALESCE(@durationMs, duration_ms),
         tail = COALESCE(@tail, tail),
         detail = COALESCE(@detail, detail),
         end_state = COALESCE(@endState, end_state)
       WHERE job_id = @jobId AND idx = @index`,
    ),
    markRunningStepsUnknown: db.prepare<{ jobId: string; detail: string }>(
      `UPDATE steps SET status = 'unknown', detail = COALESCE(detail, @detail)
       WHERE job_id = @jobId AND status = 'running'`,
    ),
    insertApproval: db.prepare(
      `INSERT INTO approvals (id, job_id, risk, required, eligible, requester, created_at, expires_at,
         fingerprint, fingerprint_state, status)
       VALUES (@id, @jobId, @risk, @required, @eligible, @requester, @createdAt, @expiresAt,
         @fingerprint, @fingerprintState, 'pending')`,
    ),
    getApproval: db.prepare<[string], ApprovalRow>('SELECT * FROM approvals WHERE id = ?'),
    getApprovalForJob: db.prepare<[string], ApprovalRow>(
      'SELECT * FROM approvals WHERE job_id = ? ORDER BY created_at DESC, rowid DESC LIMIT 1',
    ),
    listApprovals: db.prepare<{ statuses: string | null; limit: number }, ApprovalRow>(
      `SELECT * FROM approvals
       WHERE @statuses IS NULL OR status IN (SELECT value FROM json_each(@statuses))
       ORDER BY created_at DESC, rowid DESC LIMIT @limit`,
    ),
    closeApproval: db.prepare<{ id: string; to: string; at: number }>(
      `UPDATE approvals SET status = @to, closed_at = @at WHERE id = @id AND status = 'pending'`,
    ),
    addCardRef: db.prepare<{ id: string; ref: string }>(
      `UPDATE approvals SET card_refs = json_insert(card_refs, '$[#]', json(@ref)) WHERE id = @id`,
    ),
    listDecisions: db.prepare<[string], DecisionRow>(
      'SELECT principal, decision, at FROM approval_decisions WHERE approval_id = ? ORDER BY at, rowid',
    ),
    insertDecision: db.prepare<{ approvalId: string; principal: string; decision: string; at: number }>(
      `INSERT INTO approval_decisions (approval_id, principal, decision, at)
       VALUES (@approvalId, @principal, @decision, @at)`,
    ),
    countApprovers: db
      .prepare<[string], number>(
        `SELECT count(DISTINCT principal) FROM approval_decisions WHERE approval_id = ? AND decision = 'approve'`,
      )
      .pluck(),
    nextApprovalNumber: db
      .prepare<[], number>(`UPDATE counters SET value = value + 1 WHERE name = 'approval' RETURNING value`)
      .pluck(),
    insertAudit: db.prepare<{
      at: number;
      type: string;
      actor: string;
      jobId: string | null;
      approvalId: string | null;
      detail: string;
    }>(
      `INSERT INTO audit (at, type, actor, job_id, approval_id, detail)
       VALUES (@at, @type, @actor, @jobId, @approvalId, @detail)`,
    ),
    listAudit: db.prepare<[number], AuditRow>('SELECT * FROM audit ORDER BY seq DESC LIMIT ?'),
    exportAudit: db.prepare<[], AuditRow>('SELECT * FROM audit ORDER BY seq'),
    getLock: db.prepare<[string], LockRow>('SELECT * FROM locks WHERE key = ?'),
    insertLock: db.prepare<{ key: string; jobId: string; holder: string; at: number }>(
      `INSERT INTO locks (key, job_id, holder, taken_at) VALUES (@key, @jobId, @holder, @at)
       ON CONFLICT (key) DO NOTHING`,
    ),
    releaseLocks: db.prepare<[string]>('DELETE FROM locks WHERE job_id = ?'),
    releaseStaleLocks: db.prepare<{ final: string }>(
      `DELETE FROM locks WHERE job_id NOT IN (
         SELECT id FROM jobs WHERE status NOT IN (SELECT value FROM json_each(@final)))`,
    ),
    listLocks: db.prepare<[], LockRow>('SELECT * FROM locks ORDER BY taken_at, key'),
    getHostKey: db.prepare<[string], HostKeyRow>('SELECT * FROM host_keys WHERE machine = ?'),
    pinHostKey: db.prepare<{ machine: string; fingerprint: string; by: string; at: number }>(
      `INSERT INTO host_keys (machine, fingerprint, pinned_by, pinned_at) VALUES (@machine, @fingerprint, @by, @at)
       ON CONFLICT (machine) DO UPDATE SET fingerprint = @fingerprint, pinned_by = @by, pinned_at = @at`,
    ),
  };
}

// ---------------------------------------------------------------------------------------------
// The store

class SqliteStore implements Store {
  readonly path: string;
  readonly readOnly: boolean;
  private readonly db: Db;
  private readonly now: Clock;
  private readonly sql: ReturnType<typeof prepareStatements>;
  /** The last write that failed for want of space or I/O, until a write succeeds again. */
  private writeFailure: LabopsError | undefined;
  /** `max_page_count` before `setSizeLimit` capped it. */
  private uncappedPages: number | undefined;

  constructor(db: Db, path: string, now: Clock, readOnly: boolean) {
    this.db = db;
    this.path = path;
    this.now = now;
    this.readOnly = readOnly;
    this.sql = prepareStatements(db);
  }

  checkWritable(): LabopsError | undefined {
    if (this.readOnly) return readOnlyStore(this.path);
    if (this.writeFailure === undefined) return undefined;
    try {
      // A page-sized row needs a new page unless one is free: the write a new request would make.
      this.write(() => {
        const pageSize = this.db.pragma('page_size', { simple: true }) as number;
        this.db.prepare('INSERT INTO store_probe (pad) VALUES (zeroblob(?))').run(pageSize);
        this.db.prepare('DELETE FROM store_probe').run();
      });
      return undefined;
    } catch (error) {
      return isStoreUnavailable(error) ? error : toLabopsError(error);
    }
  }

  interruptJob(id: string, reason: string, now: number): JobRecord | undefined {
    return this.write(() => {
      if (!this.moveJob(id, ['running'], 'interrupted', now, reason)) return undefined;
      this.sql.markRunningStepsUnknown.run({ jobId: id, detail: UNKNOWN_STEP_DETAIL });
      return this.readJob(id);
    });
  }

  setSizeLimit(limit: 'current' | undefined): void {
    if (limit === 'current') {
      this.uncappedPages ??= this.db.pragma('max_page_count', { simple: true }) as number;
      const pages = this.db.pragma('page_count', { simple: true }) as number;
      this.db.pragma(`max_page_count = ${pages}`);
    } else if (this.uncappedPages !== undefined) {
      this.db.pragma(`max_page_count = ${this.uncappedPages}`);
      this.uncappedPages = undefined;
    }
  }

  createJob(job: NewJob): JobRecord {
    return this.write(() => {
      if (this.sql.getJob.get(job.id)) {
        throw new LabopsError('CONFLICT', `Job ${job.id} already exists.`);
      }
      this.sql.insertJob.run({
        id: job.id,
        command: job.command,
        text: job.text,
        args: JSON.stringify(job.args),
        requester: job.requester,
        channel: job.channel,
        risk: job.risk,
        plan: JSON.stringify(job.plan),
        status: job.status,
        createdAt: job.createdAt,
      });
      job.steps.forEach((step, index) => {
        this.sql.insertStep.run({
          jobId: job.id,
          index,
          kind: step.kind,
          title: step.title,
          params: JSON.stringify(step.params),
          shows: step.shows === undefined ? null : JSON.stringify(step.shows),
          timeoutMs: step.timeoutMs ?? null,
        });
      });
      return this.readJob(job.id)!;
    });
  }

  getJob(id: string): JobRecord | undefined {
    return this.read(() => this.readJob(id));
  }

  listJobs(filter: { statuses?: readonly JobStatus[]; limit?: number } = {}): JobRecord[] {
    return this.read(() =>
      this.sql.listJobs
        .all({ statuses: statusList(filter.statuses), limit: filter.limit ?? -1 })
        .map((row) => toJobRecord(row, this.sql.listSteps.all(row.id))),
    );
  }

  transitionJob(
    id: string,
    from: readonly JobStatus[],
    to: JobStatus,
    patch: { at?: number; error?: string } = {},
  ): boolean {
    return this.write(() => this.moveJob(id, from, to, patch.at ?? this.now(), patch.error));
  }

  setJobMessageRef(id: string, ref: Record<string, unknown>): void {
    this.write(() => {
      if (this.sql.setMessageRef.run({ id, ref: JSON.stringify(ref) }).changes === 0) throw jobNotFound(id);
    });
  }

  setJobReview(id: string, review: JobReview, error?: string): void {
    this.write(() => {
      const changed = this.sql.setReview.run({ id, review: JSON.stringify(review), error: error ?? null });
      if (changed.changes === 0) throw jobNotFound(id);
    });
  }

  listSteps(jobId: string): StepRecord[] {
    return this.read(() => this.sql.listSteps.all(jobId).map(toStepRecord));
  }

  /** Fields left out or `undefined` keep their value; `tail` is cut to its last STEP_TAIL_MAX_BYTES. */
  updateStep(
    jobId: string,
    index: number,
    patch: Partial<Omit<StepRecord, 'jobId' | 'index' | 'kind' | 'title'>>,
  ): void {
    this.write(() => {
      const result = this.sql.updateStep.run({
        jobId,
        index,
        status: patch.status ?? null,
        startedAt: patch.startedAt ?? null,
        finishedAt: patch.finishedAt ?? null,
        durationMs: patch.durationMs ?? null,
        tail: patch.tail === undefined ? null : boundTail(patch.tail, STEP_TAIL_MAX_BYTES),
        detail: patch.detail ?? null,
        endState: patch.endState ?? null,
      });
      if (result.changes === 0) {
        throw new LabopsError('NOT_FOUND', `Job ${jobId} has no step ${index}.`);
      }
    });
  }

  createApproval(approval: NewApproval): ApprovalRecord {
    return this.write(() => {
      if (!this.sql.getJob.get(approval.jobId)) throw jobNotFound(approval.jobId);
      if (this.sql.getApproval.get(approval.id)) {
        throw new LabopsError('CONFLICT', `Approval ${approval.id} already exists.`);
      }
      this.sql.insertApproval.run({
        id: approval.id,
        jobId: approval.jobId,
        risk: approval.risk,
        required: approval.required,
        eligible: JSON.stringify(approval.eligible),
        requester: approval.requester,
        createdAt: approval.createdAt,
        expiresAt: approval.expiresAt,
        fingerprint: approval.fingerprint,
        fingerprintState: JSON.stringify(approval.fingerprintState),
      });
      return this.readApproval(approval.id)!;
    });
  }

  getApproval(id: string): ApprovalRecord | undefined {
    return this.read(() => this.readApproval(id));
  }

  getApprovalForJob(jobId: string): ApprovalRecord | undefined {
    return this.read(() => {
      const row = this.sql.getApprovalForJob.get(jobId);
      return row && toApprovalRecord(row, this.sql.listDecisions.all(row.id));
    });
  }

  listApprovals(filter: { statuses?: readonly ApprovalStatus[]; limit?: number } = {}): ApprovalRecord[] {
    return this.read(() =>
      this.sql.listApprovals
        .all({ statuses: statusList(filter.statuses), limit: filter.limit ?? -1 })
        .map((row) => toApprovalRecord(row, this.sql.listDecisions.all(row.id))),
    );
  }

  decideApproval(id: string, principal: string, decision: 'approve' | 'deny', now: number): DecisionResult {
    return this.write((): DecisionResult => {
      const approval = this.readApproval(id);
      if (approval === undefined) return refuse('not-found', undefined);
      if (approval.status === 'pending' && now >= approval.expiresAt) {
        this.closeApprovalAndJob(approval, 'expired', now);
        return refuse('expired', this.readApproval(id));
      }
      if (approval.status !== 'pending') return refuse('not-pending', approval);
      if (approval.decisions.some((d) => d.principal === principal)) return refuse('repeated', approval);

      const isRequester = principal === approval.requester;
      const isEligible = approval.eligible.includes(principal);
      if (decision === 'deny') {
        // The requester may always withdraw their own request.
        if (!isEligible && !isRequester) return refuse('not-eligible', approval);
        this.sql.insertDecision.run({ approvalId: id, principal, decision, at: now });
        this.sql.closeApproval.run({ id, to: 'denied', at: now });
        this.moveJob(approval.jobId, ['awaiting_approval'], 'denied', now);
        return { outcome: 'recorded', approval: this.readApproval(id)!, becameFinal: true };
      }
      if (isRequester && approval.risk !== 'change') return refuse('self-approval', approval);
      if (!isEligible) return refuse('not-eligible', approval);

      this.sql.insertDecision.run({ approvalId: id, principal, decision, at: now });
      const approvers = this.sql.countApprovers.get(id) ?? 0;
      const isApproved = approvers >= approval.required;
      if (isApproved) {
        this.sql.closeApproval.run({ id, to: 'approved', at: now });
        this.moveJob(approval.jobId, ['awaiting_approval'], 'queued', now);
      }
      return { outcome: 'recorded', approval: this.readApproval(id)!, becameFinal: isApproved };
    });
  }

  /** Also moves the approval's job, when it still awaits approval, to the same status (`expired` or `void`). */
  closeApproval(id: string, to: 'expired' | 'void', now: number): boolean {
    return this.write(() => {
      const approval = this.readApproval(id);
      if (approval === undefined || approval.status !== 'pending') return false;
      this.closeApprovalAndJob(approval, to, now);
      return true;
    });
  }

  addApprovalCardRef(id: string, ref: Record<string, unknown>): void {
    this.write(() => {
      if (this.sql.addCardRef.run({ id, ref: JSON.stringify(ref) }).changes === 0) {
        throw new LabopsError('NOT_FOUND', `Approval ${id} does not exist.`);
      }
    });
  }

  nextApprovalId(): string {
    return this.write(() => {
      // Skips numbers already used by an approval created with a hand-picked id.
      for (;;) {
        const id = `a${this.sql.nextApprovalNumber.get()}`;
        if (!this.sql.getApproval.get(id)) return id;
      }
    });
  }

  appendAudit(event: NewAuditEvent): AuditEvent {
    return this.write(() => {
      const result = this.sql.insertAudit.run({
        at: event.at,
        type: event.type,
        actor: event.actor,
        jobId: event.jobId ?? null,
        approvalId: event.approvalId ?? null,
        detail: JSON.stringify(event.detail ?? {}),
      });
      return { ...event, seq: Number(result.lastInsertRowid) };
    });
  }

  listAudit(limit: number): AuditEvent[] {
    return this.read(() => this.sql.listAudit.all(limit).map(toAuditEvent));
  }

  /**
   * Lines without their newline. The rows are streamed from SQLite: until the iteration ends, this
   * connection cannot run another statement, so finish (or `return()`) it before using the store.
   */
  exportAudit(): IterableIterator<string> {
    const rows = this.read(() => this.sql.exportAudit.iterate());
    const path = this.path;
    return (function* () {
      try {
        for (const row of rows) yield JSON.stringify(toAuditEvent(row));
      } catch (error) {
        throw translateRuntimeError(path, error);
      }
    })();
  }

  takeLocks(keys: readonly string[], jobId: string, holder: string, now: number): TakeLocksResult {
    return this.write((): TakeLocksResult => {
      const wanted = [...new Set(keys)];
      for (const key of wanted) {
        const row = this.sql.getLock.get(key);
        if (row && row.job_id !== jobId) return { ok: false, heldBy: toLockRecord(row) };
      }
      for (const key of wanted) this.sql.insertLock.run({ key, jobId, holder, at: now });
      return { ok: true };
    });
  }

  releaseLocks(jobId: string): void {
    this.write(() => {
      this.sql.releaseLocks.run(jobId);
    });
  }

  listLocks(): LockRecord[] {
    return this.read(() => this.sql.listLocks.all().map(toLockRecord));
  }

  getPinnedHostKey(machine: string): PinnedHostKey | undefined {
    return this.read(() => {
      const row = this.sql.getHostKey.get(machine);
      return row && toPinnedHostKey(row);
    });
  }

  pinHostKey(machine: string, fingerprint: string, by: string, at: number): PinnedHostKey {
    if (!/^SHA256:[A-Za-z0-9+/]{43}$/.test(fingerprint)) {
      throw new LabopsError(
        'USAGE',
        `${JSON.stringify(fingerprint)} is not an SSH key fingerprint (SHA256:…).`,
      );
    }
    return this.write(() => {
      this.sql.pinHostKey.run({ machine, fingerprint, by, at });
      return toPinnedHostKey(this.sql.getHostKey.get(machine)!);
    });
  }

  /** Also releases locks whose job does not exist: nothing can still be creating it after a restart. */
  recover(now: number): RecoveryReport {
    return this.write((): RecoveryReport => {
      const stale = this.sql.listJobs.all({ statuses: statusList(['running', 'queued']), limit: -1 });
      for (const job of stale) {
        this.moveJob(job.id, ['running', 'queued'], 'interrupted', now, INTERRUPTED_JOB_ERROR);
        this.sql.markRunningStepsUnknown.run({ jobId: job.id, detail: UNKNOWN_STEP_DETAIL });
      }
      const pending: ApprovalRecord[] = [];
      const expired: ApprovalRecord[] = [];
      const open = this.sql.listApprovals.all({ statuses: statusList(['pending']), limit: -1 });
      for (const row of open.reverse()) {
        if (now >= row.expires_at) {
          this.closeApprovalAndJob({ id: row.id, jobId: row.job_id }, 'expired', now);
          expired.push(this.readApproval(row.id)!);
        } else {
          pending.push(this.readApproval(row.id)!);
        }
      }
      this.sql.releaseStaleLocks.run({ final: JSON.stringify(FINAL_JOB_STATUSES) });
      return { interrupted: stale.map((job) => this.readJob(job.id)!), pending, expired };
    });
  }

  close(): void {
    if (this.db.open) this.db.close();
  }

  private readJob(id: string): JobRecord | undefined {
    const row = this.sql.getJob.get(id);
    return row && toJobRecord(row, this.sql.listSteps.all(id));
  }

  private readApproval(id: string): ApprovalRecord | undefined {
    const row = this.sql.getApproval.get(id);
    return row && toApprovalRecord(row, this.sql.listDecisions.all(id));
  }

  /** The compare-and-set behind every job move; call inside a transaction. */
  private moveJob(
    id: string,
    from: readonly JobStatus[],
    to: JobStatus,
    at: number,
    error?: string,
  ): boolean {
    const isFinal = FINAL_JOB_STATUSES.includes(to);
    const moved =
      this.sql.moveJob.run({
        id,
        from: JSON.stringify(from),
        to,
        at,
        isRunning: to === 'running' ? 1 : 0,
        isFinal: isFinal ? 1 : 0,
        error: error ?? null,
      }).changes === 1;
    if (moved && isFinal) this.sql.releaseLocks.run(id);
    return moved;
  }

  private closeApprovalAndJob(
    approval: { id: string; jobId: string },
    to: 'expired' | 'void',
    now: number,
  ): void {
    this.sql.closeApproval.run({ id: approval.id, to, at: now });
    this.moveJob(approval.jobId, ['awaiting_approval'], to, now);
  }

  atomically<T>(fn: () => T): T {
    // Store calls inside `fn` nest as savepoints of this one transaction (better-sqlite3).
    return this.write(fn);
  }

  private read<T>(fn: () => T): T {
    try {
      return fn();
    } catch (error) {
      throw translateRuntimeError(this.path, error);
    }
  }

  /**
   * Runs `fn` in an IMMEDIATE transaction: the write lock is taken before the first read. A write
   * that fails for want of space or I/O leaves the store marked unwritable until one succeeds.
   */
  private write<T>(fn: () => T): T {
    if (this.readOnly) throw readOnlyStore(this.path);
    try {
      const result = this.read(() => this.db.transaction(fn).immediate());
      this.writeFailure = undefined;
      return result;
    } catch (error) {
      if (isStoreUnavailable(error)) this.writeFailure = error;
      throw error;
    }
  }
}

function refuse(
  reason: Extract<DecisionResult, { outcome: 'refused' }>['reason'],
  approval: ApprovalRecord | undefined,
): DecisionResult {
  return { outcome: 'refused', reason, approval };
}

function statusList(statuses: readonly string[] | undefined): string | null {
  return statuses === undefined ? null : JSON.stringify(statuses);
}

function jobNotFound(id: string): LabopsError {
  return new LabopsError('NOT_FOUND', `Job ${id} does not exist.`);
}

function readOnlyStore(path: string): LabopsError {
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

function translateRuntimeError(path: string, error: unknown): LabopsError {
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

export { INTERRUPTED_JOB_ERROR, STRANDED_JOB_ERROR };
