import type Database from 'better-sqlite3';
import type { Db } from './sqlite-open.js';
import type {
  ApprovalRow,
  AuditRow,
  DecisionRow,
  HostKeyRow,
  JobRow,
  LockRow,
  StateRow,
  StepRow,
  StepUpdate,
} from './store-rows.js';

// The SQLite store's prepared statements; the SQL of every query it runs.

// In writes, status lists travel as one JSON array parameter expanded by json_each, so each is
// prepared once whatever the list's length; the lists read at every /lab status bind each status
// (prepareListQuery).
export function prepareStatements(db: Db) {
  return {
    insertJob: db.prepare(
      `INSERT INTO jobs (id, lab, command, text, args, requester, channel, risk, plan, status, created_at)
       VALUES (@id, @lab, @command, @text, @args, @requester, @channel, @risk, @plan, @status, @createdAt)`,
    ),
    insertStep: db.prepare(
      `INSERT INTO steps (job_id, idx, kind, title, title_text, params, shows, timeout_ms)
       VALUES (@jobId, @index, @kind, @title, @titleText, @params, @shows, @timeoutMs)`,
    ),
    getJob: db.prepare<[string], JobRow>('SELECT * FROM jobs WHERE id = ?'),
    lead: db.prepare<{ name: string; replica: string; at: number; until: number }>(
      `INSERT INTO leaders (name, replica, until) VALUES (@name, @replica, @until)
       ON CONFLICT (name) DO UPDATE SET replica = excluded.replica, until = excluded.until
       WHERE leaders.replica = excluded.replica OR leaders.until <= @at`,
    ),
    resign: db.prepare<{ name: string; replica: string }>(
      'DELETE FROM leaders WHERE name = @name AND replica = @replica',
    ),
    readBudget: db.prepare<[string], { tokens: number; updated_at: number }>(
      'SELECT tokens, updated_at FROM slack_budget WHERE bucket = ?',
    ),
    writeBudget: db.prepare<{ bucket: string; tokens: number; at: number }>(
      `INSERT INTO slack_budget (bucket, tokens, updated_at) VALUES (@bucket, @tokens, @at)
       ON CONFLICT (bucket) DO UPDATE SET tokens = excluded.tokens, updated_at = excluded.updated_at`,
    ),
    readState: db.prepare<[string], StateRow>('SELECT * FROM duty_state WHERE key = ?'),
    // `prefix` is matched literally: substr, not LIKE, whose % and _ a key may hold.
    listState: db.prepare<{ prefix: string }, StateRow>(
      'SELECT * FROM duty_state WHERE substr(key, 1, length(@prefix)) = @prefix ORDER BY key',
    ),
    putState: db.prepare<{ key: string; value: string; at: number }>(
      `INSERT INTO duty_state (key, value, version, updated_at) VALUES (@key, @value, 1, @at)
       ON CONFLICT (key) DO UPDATE SET value = excluded.value, version = duty_state.version + 1,
         updated_at = excluded.updated_at`,
    ),
    insertState: db.prepare<{ key: string; value: string; at: number }>(
      `INSERT INTO duty_state (key, value, version, updated_at) VALUES (@key, @value, 1, @at)
       ON CONFLICT (key) DO NOTHING`,
    ),
    replaceState: db.prepare<{ key: string; value: string; at: number; expect: number }>(
      `UPDATE duty_state SET value = @value, version = version + 1, updated_at = @at
       WHERE key = @key AND version = @expect`,
    ),
    deleteState: db.prepare<{ key: string; expect: number | null }>(
      'DELETE FROM duty_state WHERE key = @key AND (@expect IS NULL OR version = @expect)',
    ),
    forgetSeen: db.prepare<{ at: number }>('DELETE FROM seen WHERE until <= @at'),
    see: db.prepare<{ key: string; at: number; until: number }>(
      `INSERT INTO seen (key, until) VALUES (@key, @until)
       ON CONFLICT (key) DO UPDATE SET until = excluded.until WHERE seen.until <= @at`,
    ),
    claimJob: db.prepare<{ id: string; replica: string; until: number }>(
      `UPDATE jobs SET lease_replica = @replica, lease_epoch = lease_epoch + 1, lease_until = @until
       WHERE id = @id`,
    ),
    renewLease: db.prepare<{ id: string; replica: string; until: number }>(
      `UPDATE jobs SET lease_until = @until
       WHERE id = @id AND lease_replica = @replica AND status = 'running'`,
    ),
    holdsLease: db.prepare<{ id: string; replica: string; epoch: number }, { id: string }>(
      `SELECT id FROM jobs
       WHERE id = @id AND lease_replica = @replica AND lease_epoch = @epoch AND status = 'running'`,
    ),
    expiredLeases: db.prepare<{ at: number }, { id: string }>(
      `SELECT id FROM jobs WHERE status = 'running' AND lease_until IS NOT NULL AND lease_until < @at
       ORDER BY created_at`,
    ),
    listJobs: prepareListQuery<JobRow>(db, listJobsSql),
    moveJob: db.prepare<{
      id: string;
      from: string;
      to: string;
      at: number;
      isRunning: number;
      isFinal: number;
      error: string | null;
      errorText: string | null;
    }>(
      `UPDATE jobs SET status = @to,
         started_at = CASE WHEN @isRunning THEN @at ELSE started_at END,
         finished_at = CASE WHEN @isFinal THEN @at ELSE finished_at END,
         error_text = CASE WHEN @error IS NULL THEN error_text ELSE @errorText END,
         error = COALESCE(@error, error)
       WHERE id = @id AND status IN (SELECT value FROM json_each(@from))`,
    ),
    setMessageRef: db.prepare<{ id: string; ref: string }>(
      'UPDATE jobs SET message_ref = @ref WHERE id = @id',
    ),
    setReview: db.prepare<{ id: string; review: string; error: string | null; errorText: string | null }>(
      `UPDATE jobs SET review = @review,
         error_text = CASE WHEN @error IS NULL THEN error_text ELSE @errorText END,
         error = COALESCE(@error, error)
       WHERE id = @id`,
    ),
    listSteps: db.prepare<[string], StepRow>('SELECT * FROM steps WHERE job_id = ? ORDER BY idx'),
    updateStep: db.prepare<StepUpdate>(
      `UPDATE steps SET
         status = COALESCE(@status, status),
         started_at = COALESCE(@startedAt, started_at),
         finished_at = COALESCE(@finishedAt, finished_at),
         duration_ms = COALESCE(@durationMs, duration_ms),
         tail = COALESCE(@tail, tail),
         detail_text = CASE WHEN @detail IS NULL THEN detail_text ELSE @detailText END,
         detail = COALESCE(@detail, detail),
         end_state_text = CASE WHEN @endState IS NULL THEN end_state_text ELSE @endStateText END,
         end_state = COALESCE(@endState, end_state)
       WHERE job_id = @jobId AND idx = @index`,
    ),
    markRunningStepsUnknown: db.prepare<{ jobId: string; detail: string; detailText: string }>(
      `UPDATE steps SET status = 'unknown', detail = COALESCE(detail, @detail),
         detail_text = CASE WHEN detail IS NULL THEN @detailText ELSE detail_text END
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
    // An approval's lab is its job's.
    listApprovals: prepareListQuery<ApprovalRow>(db, listApprovalsSql),
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
    // Without a lab, an event of a job is its job's lab's.
    insertAudit: db.prepare<
      {
        at: number;
        lab: string | null;
        type: string;
        actor: string;
        jobId: string | null;
        approvalId: string | null;
        detail: string;
      },
      { seq: number; lab: string | null }
    >(
      `INSERT INTO audit (at, lab, type, actor, job_id, approval_id, detail)
       VALUES (@at, COALESCE(@lab, (SELECT lab FROM jobs WHERE id = @jobId)), @type, @actor, @jobId,
         @approvalId, @detail)
       RETURNING seq, lab`,
    ),
    listAudit: db.prepare<{ lab: string | null; limit: number }, AuditRow>(
      `SELECT * FROM audit WHERE @lab IS NULL OR lab = @lab ORDER BY seq DESC LIMIT @limit`,
    ),
    exportAuditPage: db.prepare<{ after: number; limit: number }, AuditRow>(
      'SELECT * FROM audit WHERE seq > @after ORDER BY seq LIMIT @limit',
    ),
    insertLock: db.prepare<{ lab: string; key: string; jobId: string; holder: string; at: number }>(
      `INSERT INTO locks (lab, key, job_id, holder, taken_at) VALUES (@lab, @key, @jobId, @holder, @at)
       ON CONFLICT (lab, key) DO NOTHING`,
    ),
    releaseLocks: db.prepare<[string]>('DELETE FROM locks WHERE job_id = ?'),
    releaseStaleLocks: db.prepare<{ final: string }>(
      `DELETE FROM locks WHERE job_id NOT IN (
         SELECT id FROM jobs WHERE status NOT IN (SELECT value FROM json_each(@final)))`,
    ),
    listLocks: db.prepare<{ lab: string | null }, LockRow>(
      'SELECT * FROM locks WHERE @lab IS NULL OR lab = @lab ORDER BY taken_at, lab, key',
    ),
    getHostKey: db.prepare<{ lab: string; machine: string }, HostKeyRow>(
      'SELECT * FROM host_keys WHERE lab = @lab AND machine = @machine',
    ),
    pinHostKey: db.prepare<{ lab: string; machine: string; fingerprint: string; by: string; at: number }>(
      `INSERT INTO host_keys (lab, machine, fingerprint, pinned_by, pinned_at)
       VALUES (@lab, @machine, @fingerprint, @by, @at)
       ON CONFLICT (lab, machine) DO UPDATE SET fingerprint = @fingerprint, pinned_by = @by, pinned_at = @at`,
    ),
  };
}

export type Statements = ReturnType<typeof prepareStatements>;

/** A list's filters: a lab, statuses, a count of rows; null for none. */
interface ListFilter {
  lab: string | null;
  statuses: readonly string[] | null;
  limit: number | null;
}

/** The parts of a list query's SQL: with a lab or not, `statuses` named statuses, a limit or not. */
export interface ListShape {
  lab: boolean;
  statuses: number;
  limit: boolean;
}

/**
 * A list query prepared once for each shape of filters it is given, each leaving out of its SQL the
 * filters not given. Written once as `(@lab IS NULL OR lab = @lab)`, the query kept SQLite from
 * its indexes: every `/lab status` scanned every job and every approval ever recorded.
 *
 * Each status is a parameter of its own (`IN (@s0, @s1)`): expanded from one JSON array by
 * json_each, the same query took 20–40 µs more each time. The limit is cast: better-sqlite3 builds
 * SQLite with STAT4, under which a bare `LIMIT @limit` marks the statement for preparing again at
 * every binding (another 12–20 µs each, measured on the bench's data file).
 */
function prepareListQuery<Row>(db: Db, sql: (shape: ListShape) => string) {
  const prepared = new Map<string, Database.Statement>();
  return {
    all(filter: ListFilter): Row[] {
      // No status asked for: no row has one of them.
      if (filter.statuses?.length === 0) return [];
      const shape: ListShape = {
        lab: filter.lab !== null,
        statuses: filter.statuses?.length ?? 0,
        limit: filter.limit !== null && filter.limit >= 0,
      };
      const key = `${shape.lab}/${shape.statuses}/${shape.limit}`;
      let statement = prepared.get(key);
      if (!statement) {
        statement = db.prepare(sql(shape));
        prepared.set(key, statement);
      }
      const params: Record<string, unknown> = {};
      if (shape.limit) params.limit = filter.limit;
      if (shape.lab) params.lab = filter.lab;
      filter.statuses?.forEach((status, i) => {
        params[`s${i}`] = status;
      });
      return statement.all(params) as Row[];
    },
  };
}

/** `IN (@s0, @s1, …)` for `count` statuses. */
function statusesIn(column: string, count: number): string {
  return `${column} IN (${Array.from({ length: count }, (_, i) => `@s${i}`).join(', ')})`;
}

/** `listJobs`'s SQL for a shape of filters. */
export function listJobsSql({ lab, statuses, limit }: ListShape): string {
  const where = [
    // With statuses, their index finds the few jobs still active among a lab's whole history (the
    // unary + keeps SQLite from walking the lab's index instead).
    lab && (statuses ? '+lab = @lab' : 'lab = @lab'),
    statuses && statusesIn('status', statuses),
  ].filter(Boolean);
  return `SELECT * FROM jobs WHERE ${where.join(' AND ') || '1'}
          ORDER BY created_at DESC, rowid DESC${limit ? ' LIMIT CAST(@limit AS INTEGER)' : ''}`;
}

/** `listApprovals`'s SQL for a shape of filters. */
export function listApprovalsSql({ lab, statuses, limit }: ListShape): string {
  const where = [
    lab && 'a.job_id IN (SELECT id FROM jobs WHERE lab = @lab)',
    statuses && statusesIn('a.status', statuses),
  ].filter(Boolean);
  return `SELECT a.* FROM approvals a WHERE ${where.join(' AND ') || '1'}
          ORDER BY a.created_at DESC, a.rowid DESC${limit ? ' LIMIT CAST(@limit AS INTEGER)' : ''}`;
}
