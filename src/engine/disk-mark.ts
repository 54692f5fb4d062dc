import { msg, type Text, verbatim } from '../i18n/text.js';
import type { Disk } from './types.js';

/**
 * The mark labops writes in the `description` of every disk it creates for an upload (issue 9 §7),
 * so that a disk left by a failed or timed-out upload is never taken later as the uploaded ISO:
 *
 *   labops upload: incomplete; size=6291579; job=job-1a2b
 *   labops upload: complete; size=6291579; sha256=<64 hex>; job=job-1a2b
 *
 * The disk is created with the first; the second replaces it once the transfer finished and the
 * disk checked out, with the size and sha256 of the bytes sent. A 4.3 engine cannot change a
 * floating disk's description (its `PUT /disks/{id}` takes `qcow_version` only and answers 409
 * otherwise; ovirt-engine 4.3.11 BackendDiskResource.update), so there the mark stays
 * `incomplete` and the job it names tells: an upload job that succeeded verified its disk.
 */
export interface DiskMark {
  state: 'incomplete' | 'complete';
  /** The source's size in bytes. */
  sizeBytes: number;
  /** The sha256 of the bytes sent (hex); only in a complete mark. */
  sha256?: string | undefined;
  /** The labops job that made the disk. */
  jobId?: string | undefined;
}

const PREFIX = 'labops upload: ';
const SHA256 = /^[0-9a-f]{64}$/;
const JOB_ID = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;

export function renderDiskMark(mark: DiskMark): string {
  if (!Number.isSafeInteger(mark.sizeBytes) || mark.sizeBytes < 0) {
    throw new Error(`A disk mark needs a size in bytes, not ${mark.sizeBytes}.`);
  }
  const fields = [`size=${mark.sizeBytes}`];
  if (mark.state === 'complete') {
    if (!mark.sha256 || !SHA256.test(mark.sha256)) throw new Error('A complete disk mark needs a sha256.');
    fields.push(`sha256=${mark.sha256}`);
  }
  if (mark.jobId !== undefined) {
    if (!JOB_ID.test(mark.jobId))
      throw new Error(`${JSON.stringify(mark.jobId)} cannot be a job id in a disk mark.`);
    fields.push(`job=${mark.jobId}`);
  }
  return `${PREFIX}${mark.state}; ${fields.join('; ')}`;
}

/** The mark of a description, or `undefined` when it holds none (a disk labops did not make). */
export function parseDiskMark(description: string | undefined): DiskMark | undefined {
  if (!description?.startsWith(PREFIX)) return undefined;
  const [state, ...rest] = description.slice(PREFIX.length).split('; ');
  if (state !== 'incomplete' && state !== 'complete') return undefined;
  const fields = new Map<string, string>();
  for (const part of rest) {
    const eq = part.indexOf('=');
    if (eq <= 0 || fields.has(part.slice(0, eq))) return undefined;
    fields.set(part.slice(0, eq), part.slice(eq + 1));
  }
  const size = fields.get('size');
  if (size === undefined || !/^\d{1,16}$/.test(size)) return undefined;
  const sha256 = fields.get('sha256');
  if (sha256 !== undefined && !SHA256.test(sha256)) return undefined;
  if (state === 'complete' && sha256 === undefined) return undefined;
  const jobId = fields.get('job');
  if (jobId !== undefined && !JOB_ID.test(jobId)) return undefined;
  return { state, sizeBytes: Number(size), sha256, jobId };
}

/** What an ISO disk of a data domain is, as far as an upload is concerned. */
export type DiskOrigin =
  /** A labops upload that completed: its disk is the ISO. */
  | { kind: 'complete'; mark: DiskMark }
  /** A labops upload that is running now (its job is). */
  | { kind: 'uploading'; mark: DiskMark }
  /** Left by a labops upload that did not complete: never the ISO; an upload may replace it. */
  | { kind: 'incomplete'; mark: DiskMark; why: Text }
  /** Not made by labops (or its mark is unreadable): never taken, never replaced. */
  | { kind: 'foreign' };

/** A labops job's status, when labops knows the job. */
export type JobStatusLookup = (jobId: string) => string | undefined;

const RUNNING_JOB = new Set(['awaiting_approval', 'queued', 'running']);

/**
 * Classifies a disk by its mark. A complete mark counts only on an `ok` disk of the marked size;
 * an incomplete one counts as complete only when `jobStatus` says its job succeeded (4.3, see
 * above) and the disk is `ok` with the marked size.
 */
export function classifyDisk(disk: Disk, jobStatus?: JobStatusLookup): DiskOrigin {
  const mark = parseDiskMark(disk.description);
  if (!mark) return { kind: 'foreign' };
  const intact = disk.status === 'ok' && disk.provisionedBytes === mark.sizeBytes;
  if (mark.state === 'complete') {
    return intact
      ? { kind: 'complete', mark }
      : {
          kind: 'incomplete',
          mark,
          why: msg('engine.diskMark.changed', {
            status: disk.status === undefined ? msg('engine.diskMark.unknownStatus') : verbatim(disk.status),
            size: disk.provisionedBytes ?? '?',
          }),
        };
  }
  const status = mark.jobId === undefined ? undefined : jobStatus?.(mark.jobId);
  if (status === 'succeeded' && intact) return { kind: 'complete', mark };
  if (status !== undefined && RUNNING_JOB.has(status)) return { kind: 'uploading', mark };
  return {
    kind: 'incomplete',
    mark,
    why:
      mark.jobId === undefined
        ? msg('engine.diskMark.neverCompleted')
        : status === undefined
          ? msg('engine.diskMark.unknownJob', { job: mark.jobId })
          : status === 'succeeded'
            ? msg('engine.diskMark.changedSinceJob', { job: mark.jobId })
            : msg('engine.diskMark.jobEnded', { job: mark.jobId, status: verbatim(status) }),
  };
}

/**
 * Whether an existing disk may be taken as the upload of a source: only a complete labops upload
 * of the same size, and of the same sha256 when the caller knows it (issue 9 §7).
 */
export function isSameUpload(
  disk: Disk,
  source: { sizeBytes: number; sha256?: string | undefined },
  jobStatus?: JobStatusLookup,
): boolean {
  const origin = classifyDisk(disk, jobStatus);
  if (origin.kind !== 'complete' || origin.mark.sizeBytes !== source.sizeBytes) return false;
  return source.sha256 === undefined || origin.mark.sha256 === source.sha256;
}
