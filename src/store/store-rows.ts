import { renderEnglish } from '../i18n/render.js';
import { isText, type Text, verbatim } from '../i18n/text.js';
import { createPlan, type Plan } from '../plan.js';
import type { Risk } from '../risk.js';
import { boundTail, TAIL_BYTES } from '../tail.js';
import type {
  ApprovalDecision,
  ApprovalRecord,
  ApprovalStatus,
  AuditEvent,
  JobRecord,
  JobReview,
  JobStatus,
  LockRecord,
  PinnedHostKey,
  StateEntry,
  StepPatch,
  StepRecord,
  StepSpec,
  StepStatus,
} from './types.js';

// The store's rows as better-sqlite3 and node-postgres return them (the same columns in both; the
// PostgreSQL store reads BIGINT as numbers), and their mapping to the store's records.

export interface JobRow {
  id: string;
  lab: string;
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
  error_text: string | null;
  message_ref: string | null;
  review: string | null;
  /** The replica running the job, its claim's epoch (0: never claimed) and lease end (issue 14 §2). */
  lease_replica: string | null;
  lease_epoch: number;
  lease_until: number | null;
}

export interface StepRow {
  job_id: string;
  idx: number;
  kind: string;
  title: string;
  title_text: string | null;
  params: string;
  shows: string | null;
  timeout_ms: number | null;
  status: string;
  started_at: number | null;
  finished_at: number | null;
  duration_ms: number | null;
  tail: string;
  detail: string | null;
  detail_text: string | null;
  end_state: string | null;
  end_state_text: string | null;
}

export interface ApprovalRow {
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

export interface DecisionRow {
  principal: string;
  decision: string;
  at: number;
}

export interface AuditRow {
  seq: number;
  at: number;
  lab: string | null;
  type: string;
  actor: string;
  job_id: string | null;
  approval_id: string | null;
  detail: string;
}

export interface LockRow {
  lab: string;
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

/**
 * A text as the store keeps it (issue 16): its English in one column for operators and tools,
 * and the catalog message (JSON) in its `_text` column (NULL in rows written before texts were kept).
 */
export function toTextColumns(text: Text | undefined): {
  english: string | null;
  json: string | null;
} {
  if (text === undefined) return { english: null, json: null };
  return { english: renderEnglish(text), json: JSON.stringify(text) };
}

/** The text a reader sees: the catalog message when one was kept, else the English. */
function fromTextColumns(english: string, json: string | null): Text {
  if (json === null) return verbatim(english);
  const parsed = parseJson<unknown>(json);
  return isText(parsed) ? parsed : verbatim(english);
}

function fromOptionalTextColumns(english: string | null, json: string | null): Text | undefined {
  return english === null ? undefined : fromTextColumns(english, json);
}

/** A text inside stored JSON (a plan): written before texts were kept, it is the English, shown as is. */
function fromStoredText(value: unknown): Text {
  return isText(value) ? value : verbatim(typeof value === 'string' ? value : '');
}

function fromStoredTexts(values: unknown): Text[] {
  return Array.isArray(values) ? values.map(fromStoredText) : [];
}

/** A stored step's texts, whichever version wrote them. */
function fromStoredStep(step: StepSpec<unknown>): StepSpec {
  const { shows, ...rest } = step;
  return {
    ...rest,
    title: fromStoredText(step.title),
    ...(shows === undefined ? {} : { shows: fromStoredTexts(shows) }),
  };
}

function toStepSpec(row: StepRow): StepSpec {
  const spec: StepSpec = {
    kind: row.kind,
    title: fromTextColumns(row.title, row.title_text),
    params: parseJson(row.params),
  };
  if (row.shows !== null) spec.shows = fromStoredTexts(parseJson(row.shows));
  if (row.timeout_ms !== null) spec.timeoutMs = row.timeout_ms;
  return spec;
}

export function toStepRecord(row: StepRow): StepRecord {
  return {
    jobId: row.job_id,
    index: row.idx,
    kind: row.kind,
    title: row.title,
    titleText: fromTextColumns(row.title, row.title_text),
    status: row.status as StepStatus,
    startedAt: optional(row.started_at),
    finishedAt: optional(row.finished_at),
    durationMs: optional(row.duration_ms),
    tail: row.tail,
    detail: optional(row.detail),
    detailText: fromOptionalTextColumns(row.detail, row.detail_text),
    endState: optional(row.end_state),
    endStateText: fromOptionalTextColumns(row.end_state, row.end_state_text),
  };
}

/**
 * The job's plan as stored: a plan written before a field existed gets that field empty, its
 * summary and risk from the job.
 */
function toPlan(row: JobRow, steps: readonly StepSpec[]): Plan {
  const stored = parseJson<Partial<Plan<unknown>>>(row.plan);
  return createPlan({
    ...stored,
    summary: stored.summary === undefined ? verbatim(row.command) : fromStoredText(stored.summary),
    risk: stored.risk ?? (row.risk as Risk),
    riskReasons: fromStoredTexts(stored.riskReasons),
    impact: fromStoredTexts(stored.impact),
    warnings: fromStoredTexts(stored.warnings),
    blockers: fromStoredTexts(stored.blockers),
    steps: stored.steps?.map(fromStoredStep) ?? [...steps],
  });
}

export function toJobRecord(row: JobRow, stepRows: readonly StepRow[]): JobRecord {
  const steps = stepRows.map(toStepSpec);
  return {
    id: row.id,
    lab: row.lab,
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
    errorText: fromOptionalTextColumns(row.error, row.error_text),
    messageRef: row.message_ref === null ? undefined : parseJson(row.message_ref),
    review: row.review === null ? undefined : (parseJson(row.review) as JobReview),
    ...(row.lease_replica === null || row.lease_until === null
      ? {}
      : { lease: { replica: row.lease_replica, epoch: row.lease_epoch, until: row.lease_until } }),
  };
}

export function toApprovalRecord(row: ApprovalRow, decisions: readonly DecisionRow[]): ApprovalRecord {
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

export function toAuditEvent(row: AuditRow): AuditEvent {
  return {
    seq: row.seq,
    at: row.at,
    lab: optional(row.lab),
    type: row.type,
    actor: row.actor,
    jobId: optional(row.job_id),
    approvalId: optional(row.approval_id),
    detail: parseJson(row.detail),
  };
}

export interface HostKeyRow {
  lab: string;
  machine: string;
  fingerprint: string;
  pinned_by: string;
  pinned_at: number;
}

export function toPinnedHostKey(row: HostKeyRow): PinnedHostKey {
  return {
    lab: row.lab,
    machine: row.machine,
    fingerprint: row.fingerprint,
    by: row.pinned_by,
    at: row.pinned_at,
  };
}

export function toLockRecord(row: LockRow): LockRecord {
  return { lab: row.lab, key: row.key, jobId: row.job_id, holder: row.holder, takenAt: row.taken_at };
}

export interface StateRow {
  key: string;
  /** JSON text (the PostgreSQL store reads its JSONB column as text). */
  value: string;
  version: number;
  updated_at: number;
}

export function toStateEntry(row: StateRow): StateEntry {
  return { key: row.key, value: JSON.parse(row.value), version: row.version, updatedAt: row.updated_at };
}

/** A step's row as an update writes it: null keeps the column's value (COALESCE in both stores). */
export interface StepUpdate {
  jobId: string;
  index: number;
  status: string | null;
  startedAt: number | null;
  finishedAt: number | null;
  durationMs: number | null;
  tail: string | null;
  detail: string | null;
  detailText: string | null;
  endState: string | null;
  endStateText: string | null;
}

/** A step's patch as both stores write it: fields left out stay; the tail cut to its last TAIL_BYTES. */
export function toStepUpdate(jobId: string, index: number, patch: StepPatch): StepUpdate {
  const detail = toTextColumns(patch.detail);
  const endState = toTextColumns(patch.endState);
  return {
    jobId,
    index,
    status: patch.status ?? null,
    startedAt: patch.startedAt ?? null,
    finishedAt: patch.finishedAt ?? null,
    durationMs: patch.durationMs ?? null,
    tail: patch.tail === undefined ? null : boundTail(patch.tail, TAIL_BYTES),
    detail: detail.english,
    detailText: detail.json,
    endState: endState.english,
    endStateText: endState.json,
  };
}
