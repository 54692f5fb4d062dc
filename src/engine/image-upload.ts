import { createHash, type Hash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { LabopsError } from '../errors.js';
import { isText, msg, type Text, verbatim } from '../i18n/text.js';
import { Agent, request } from '../net/undici.js';
import { type Clock, cancelledBy } from '../time.js';
import { renderDiskMark } from './disk-mark.js';
import type { CreateDiskSpec } from './disks.js';
import type { CallOptions, EngineWaits, WaitCallOptions } from './engine-context.js';
import { translateNetworkError } from './faults.js';
import type { Disk, ImageTransfer, TransferOutcome } from './types.js';
import type { WaitTiming } from './wait.js';

/**
 * The engine operations an upload and its cleanup run (disks.ts, image-transfers.ts). EngineClient
 * has them all; declared here so that the client depends on this module and not the other way.
 */
export interface UploadEngine {
  readonly waitTimings: EngineWaits;
  createDisk(spec: CreateDiskSpec, options?: CallOptions): Promise<Disk>;
  getDisk(id: string, options?: CallOptions): Promise<Disk | undefined>;
  removeDisk(id: string, options?: CallOptions): Promise<void>;
  updateDiskDescription(id: string, description: string, options?: CallOptions): Promise<boolean>;
  waitForDisk(
    id: string,
    description: Text,
    isDone: (disk: Disk | undefined) => boolean,
    options?: WaitCallOptions,
  ): Promise<Disk | undefined>;
  waitForDiskStatus(id: string, target: readonly string[], options?: WaitCallOptions): Promise<Disk>;
  createImageTransfer(diskId: string, options?: CallOptions): Promise<ImageTransfer>;
  getImageTransfer(id: string, options?: CallOptions): Promise<ImageTransfer | undefined>;
  waitForTransferReady(id: string, options?: WaitCallOptions): Promise<ImageTransfer>;
  finalizeImageTransfer(id: string, options?: CallOptions): Promise<void>;
  cancelImageTransfer(id: string, options?: CallOptions): Promise<void>;
  waitForTransferOutcome(id: string, diskId: string, options?: WaitCallOptions): Promise<TransferOutcome>;
}

/** Bytes to send: a stream of chunks whose total length is known in advance (imageio needs Content-Length). */
export interface ImageSource {
  sizeBytes: number;
  chunks: AsyncIterable<Uint8Array>;
}

export interface UploadProgress {
  sentBytes: number;
  totalBytes: number;
}

export interface PutImageOptions {
  tls: { ca?: string; rejectUnauthorized: boolean };
  onProgress?: ((progress: UploadProgress) => void) | undefined;
  signal?: AbortSignal | undefined;
}

/** What a PUT sent: the byte count and the sha256 of exactly those bytes (hex). */
export interface SentImage {
  sentBytes: number;
  sha256: string;
}

/**
 * Streams the source into an imageio ticket with one PUT (ovirt-api.md §5.3): `transfer_url` first,
 * `proxy_url` when the daemon cannot be reached (the ansible module's order, §5.2). Nothing is held
 * in memory beyond the chunk in flight; the sha256 is computed on the way, with no second read.
 */
export async function putImageData(
  transfer: ImageTransfer,
  source: ImageSource,
  options: PutImageOptions,
): Promise<SentImage> {
  const urls = [transfer.transferUrl, transfer.proxyUrl].filter((u): u is string => typeof u === 'string');
  if (urls.length === 0) {
    throw new LabopsError(
      'ENGINE_REJECTED',
      msg('engine.upload.noUrl', { transfer: transfer.id, phase: verbatim(transfer.phase) }),
    );
  }
  const agent = new Agent({ connect: options.tls });
  let sent = 0;
  let hash: Hash = createHash('sha256');
  const counted = async function* () {
    hash = createHash('sha256');
    for await (const chunk of source.chunks) {
      sent += chunk.byteLength;
      if (sent > source.sizeBytes) {
        throw new LabopsError('CONFLICT', msg('engine.upload.sourceTooLong', { size: source.sizeBytes }));
      }
      hash.update(chunk);
      options.onProgress?.({ sentBytes: sent, totalBytes: source.sizeBytes });
      yield chunk;
    }
  };
  try {
    for (const [i, url] of urls.entries()) {
      try {
        const res = await request(url, {
          method: 'PUT',
          dispatcher: agent,
          headers: { 'content-length': String(source.sizeBytes), 'content-type': 'application/octet-stream' },
          // The chunks as an iterable body, written by undici as they come: no stream between
          // them and the socket (bot CPU per GiB uploaded 2.57 → 2.47 s, issue 12 §6). undici's
          // docs list AsyncIterable among `body`'s types; its type declarations do not.
          body: counted() as AsyncIterable<Uint8Array> as unknown as Readable,
          signal: options.signal,
        });
        const text = await res.body.text();
        if (res.statusCode !== 200) throw imageioFailure(res.statusCode, text, url);
        if (sent !== source.sizeBytes) {
          throw new LabopsError(
            'CONFLICT',
            msg('engine.upload.sourceShort', { sent, size: source.sizeBytes }),
          );
        }
        return { sentBytes: sent, sha256: hash.digest('hex') };
      } catch (error) {
        if (options.signal?.aborted) throw cancelledBy(options.signal);
        if (error instanceof LabopsError) throw error;
        // Fall back to the proxy only if the daemon was unreachable before a byte left.
        const isLast = i === urls.length - 1;
        if (isLast || sent > 0)
          throw translateNetworkError(error, 'PUT', 'the imageio ticket', new URL(url).origin);
      }
    }
    throw new LabopsError('INTERNAL', msg('engine.upload.noOutcome'));
  } finally {
    await agent.close();
  }
}

function imageioFailure(status: number, text: string, url: string): LabopsError {
  const detail = verbatim(text.trim().split('\n')[0]?.slice(0, 300) ?? '');
  const host = new URL(url).host;
  if (status === 403) {
    return new LabopsError('ENGINE_REJECTED', msg('engine.upload.ticketRefused', { host, detail }), {
      status,
      hint: msg('engine.upload.ticketRefusedHint'),
    });
  }
  if (status === 416) {
    return new LabopsError('ENGINE_REJECTED', msg('engine.upload.pastDiskSize', { host, detail }), {
      status,
      hint: msg('engine.upload.pastDiskSizeHint'),
    });
  }
  return new LabopsError('ENGINE_UNAVAILABLE', msg('engine.upload.imageioStatus', { host, status, detail }), {
    status,
  });
}

/**
 * Rate and time left of an upload, counted from the first byte sent (issue 9 §8) — not from the
 * step's start, which includes the disk's creation and the transfer's set-up.
 */
export function createUploadMeter(clock: Clock): (progress: UploadProgress) => {
  bytesPerSecond: number | undefined;
  leftMs: number | undefined;
} {
  let first: { at: number; bytes: number } | undefined;
  return (progress) => {
    const now = clock();
    first ??= { at: now, bytes: progress.sentBytes };
    const elapsed = now - first.at;
    if (elapsed <= 0) return { bytesPerSecond: undefined, leftMs: undefined };
    const bytesPerSecond = ((progress.sentBytes - first.bytes) / elapsed) * 1000;
    const leftMs =
      bytesPerSecond > 0 ? ((progress.totalBytes - progress.sentBytes) / bytesPerSecond) * 1000 : undefined;
    return { bytesPerSecond, leftMs };
  };
}

const GiB = 1024 ** 3;

/**
 * The disk-ready wait of an upload. A raw, preallocated disk (`sparse=false`, §5.2) on NFS stays
 * `locked` while the host writes it out in full, so the short wait (3 min, §7) — and ovirt-img's
 * 120 s, which suits sparse disks — is too short for a DVD image: the deadline grows with the
 * size, 3 min + 2 min per GiB at the short wait's pace (≈ 8.5 MB/s worst case).
 */
export function diskReadyTiming(short: WaitTiming, sizeBytes: number): WaitTiming {
  return { ...short, deadlineMs: Math.round(short.deadlineMs * (1 + ((2 / 3) * sizeBytes) / GiB)) };
}

export interface UploadImageSpec {
  name: string;
  storageDomainId: string;
  source: ImageSource;
  /** The labops job uploading: its id goes into the disk's mark (disk-mark.ts). */
  jobId?: string | undefined;
  onProgress?: ((progress: UploadProgress) => void) | undefined;
  /** Called with each phase: creating-disk, waiting-transfer, sending, finalizing, verifying. */
  onPhase?: ((phase: string) => void) | undefined;
  signal?: AbortSignal | undefined;
  /** The transfer's waits. */
  wait?: WaitCallOptions | undefined;
  /** The disk-ready wait; default `diskReadyTiming` of the client's short wait. */
  diskReadyTiming?: WaitTiming | undefined;
  /** The bounded waits of a cleanup; default the disk-ready timing (unlock) and the short wait. */
  cleanupTiming?: WaitTiming | undefined;
}

export interface UploadedImage extends Disk {
  /** The sha256 of the bytes sent (hex). */
  sha256: string;
  /** The disk's mark says complete; false where the engine cannot update it (4.3, disk-mark.ts). */
  markedComplete: boolean;
}

/**
 * The whole upload of an ISO to a data domain (§5.2): a disk marked "incomplete" → transfer →
 * bytes (hashed on the way) → finalize → outcome → checked (disk `ok`, size equal to the bytes
 * sent) → marked complete with the size and sha256. On any failure or cancel the transfer is
 * cancelled, which makes the engine remove the disk; a disk left otherwise is removed once it
 * unlocks, and the error says which disk was left when it cannot be.
 */
export async function uploadImage(
  client: UploadEngine,
  tls: PutImageOptions['tls'],
  spec: UploadImageSpec,
): Promise<UploadedImage> {
  const waitOptions = { ...spec.wait, signal: spec.signal };
  const sizedTiming = diskReadyTiming(client.waitTimings.short, spec.source.sizeBytes);
  const readyTiming = spec.diskReadyTiming ?? sizedTiming;
  spec.onPhase?.('creating-disk');
  const disk = await client.createDisk(
    {
      name: spec.name,
      sizeBytes: spec.source.sizeBytes,
      storageDomainId: spec.storageDomainId,
      contentType: 'iso',
      description: renderDiskMark({
        state: 'incomplete',
        sizeBytes: spec.source.sizeBytes,
        jobId: spec.jobId,
      }),
    },
    { signal: spec.signal },
  );
  let transfer: ImageTransfer | undefined;
  try {
    await client.waitForDiskStatus(disk.id, ['ok'], { ...waitOptions, timing: readyTiming });
    spec.onPhase?.('waiting-transfer');
    transfer = await client.createImageTransfer(disk.id, { signal: spec.signal });
    const ready = await client.waitForTransferReady(transfer.id, waitOptions);
    spec.onPhase?.('sending');
    const sent = await putImageData(ready, spec.source, {
      tls,
      onProgress: spec.onProgress,
      signal: spec.signal,
    });
    spec.onPhase?.('finalizing');
    await client.finalizeImageTransfer(transfer.id, { signal: spec.signal });
    const outcome = await client.waitForTransferOutcome(transfer.id, disk.id, waitOptions);
    if (outcome.status === 'failed') {
      throw new LabopsError(
        'ENGINE_REJECTED',
        msg('engine.upload.failed', { name: spec.name, reason: outcome.reason }),
        {
          hint: msg('engine.upload.failedHint'),
        },
      );
    }
    spec.onPhase?.('verifying');
    const done = outcome.disk;
    if (
      done.status !== 'ok' ||
      (done.provisionedBytes !== undefined && done.provisionedBytes !== sent.sentBytes)
    ) {
      throw new LabopsError(
        'ENGINE_REJECTED',
        msg('engine.upload.diskMismatch', {
          name: spec.name,
          status: verbatim(String(done.status)),
          size: String(done.provisionedBytes),
          sent: sent.sentBytes,
        }),
        { hint: msg('engine.upload.diskMismatchHint') },
      );
    }
    const complete = renderDiskMark({
      state: 'complete',
      sizeBytes: sent.sentBytes,
      sha256: sent.sha256,
      jobId: spec.jobId,
    });
    if (!(await client.updateDiskDescription(disk.id, complete, { signal: spec.signal }))) {
      return { ...done, sha256: sent.sha256, markedComplete: false };
    }
    // §DiskService.update: the engine applies it asynchronously; read until the disk shows it.
    const marked = await client.waitForDisk(
      disk.id,
      msg('engine.wait.diskMarked', { name: spec.name }),
      (d) => d === undefined || (d.description === complete && d.status === 'ok'),
      waitOptions,
    );
    if (!marked) throw new LabopsError('ENGINE_REJECTED', msg('engine.upload.diskGone', { name: spec.name }));
    return { ...marked, sha256: sent.sha256, markedComplete: true };
  } catch (error) {
    const cleanup = await cleanUpFailedUpload(client, {
      diskId: disk.id,
      transferId: transfer?.id,
      unlockTiming: spec.cleanupTiming ?? sizedTiming,
      timing: spec.cleanupTiming ?? client.waitTimings.short,
    });
    throw reportCleanup(error, spec.name, disk.id, cleanup);
  }
}

/** What became of the disk of a failed upload. */
export type CleanupResult =
  | { state: 'removed-by-engine' }
  | { state: 'removed' }
  | { state: 'left'; status: string; reason: Text };

/**
 * Removes the disk of a failed upload, waiting (bounded) as long as it is `locked`; answers what
 * became of it. Never throws. Runs after a cancel too, so it does not use the job's signal.
 */
export async function cleanUpFailedUpload(
  client: UploadEngine,
  target: { diskId: string; transferId?: string | undefined; unlockTiming: WaitTiming; timing: WaitTiming },
): Promise<CleanupResult> {
  const { diskId } = target;
  if (target.transferId) {
    const transfer = await client.getImageTransfer(target.transferId).catch(() => undefined);
    if (transfer && !transfer.phase.startsWith('finished') && !transfer.phase.startsWith('cancelled')) {
      // §5.2: cancelling makes the engine remove the transfer's disk.
      const cancelled = await client.cancelImageTransfer(target.transferId).then(
        () => true,
        () => false,
      );
      if (cancelled) {
        const after = await waitQuietly(
          client,
          diskId,
          msg('engine.wait.diskToBeRemoved', { disk: diskId }),
          (d) => d === undefined,
          target.timing,
        );
        if (after === 'gone') return { state: 'removed-by-engine' };
      }
    }
  }
  return removeDiskWhenUnlocked(client, diskId, target);
}

/**
 * Removes a disk once it leaves `locked` (a bounded wait), then waits until it is gone. Answers
 * `removed-by-engine` when it went away by itself, `left` with the reason when it stays.
 */
export async function removeDiskWhenUnlocked(
  client: UploadEngine,
  diskId: string,
  timings: { unlockTiming: WaitTiming; timing: WaitTiming },
  signal?: AbortSignal,
): Promise<CleanupResult> {
  const unlocked = await waitQuietly(
    client,
    diskId,
    msg('engine.wait.diskToLeaveLocked', { disk: diskId }),
    (d) => d === undefined || d.status !== 'locked',
    timings.unlockTiming,
    signal,
  );
  if (unlocked === 'gone') return { state: 'removed-by-engine' };
  if (isText(unlocked)) return { state: 'left', status: 'locked', reason: unlocked };
  if (unlocked.status === 'locked') {
    return { state: 'left', status: 'locked', reason: msg('engine.upload.stayedLocked') };
  }
  try {
    await client.removeDisk(diskId, { signal });
  } catch (error) {
    const gone = await client.getDisk(diskId).catch(() => unlocked);
    if (gone === undefined) return { state: 'removed-by-engine' };
    const why = error instanceof LabopsError ? error.text : verbatim(String(error));
    return {
      state: 'left',
      status: unlocked.status ?? 'unknown',
      reason: msg('engine.upload.removalRefused', { reason: why }),
    };
  }
  const after = await waitQuietly(
    client,
    diskId,
    msg('engine.wait.diskToBeRemoved', { disk: diskId }),
    (d) => d === undefined,
    timings.timing,
    signal,
  );
  if (after === 'gone') return { state: 'removed' };
  return {
    state: 'left',
    status: isText(after) ? 'unknown' : (after.status ?? 'unknown'),
    reason: isText(after) ? after : msg('engine.upload.stillThere'),
  };
}

/** A disk wait that answers instead of throwing: `gone`, the disk as last seen, or why it failed. */
async function waitQuietly(
  client: UploadEngine,
  diskId: string,
  what: Text,
  isDone: (disk: Disk | undefined) => boolean,
  timing: WaitTiming,
  signal?: AbortSignal,
): Promise<Disk | 'gone' | Text> {
  try {
    const disk = await client.waitForDisk(diskId, what, isDone, { timing, signal });
    return disk ?? 'gone';
  } catch (error) {
    if (signal?.aborted) throw cancelledBy(signal);
    const last = await client.getDisk(diskId).catch(() => null);
    if (last === undefined) return 'gone';
    if (last && error instanceof LabopsError && error.code === 'TIMEOUT') return last;
    return error instanceof LabopsError ? (error.text as Text) : verbatim(String(error));
  }
}

/** The failure, with what became of the disk said after it (issue 9 §5: never claim less). */
function reportCleanup(error: unknown, name: string, diskId: string, cleanup: CleanupResult): unknown {
  if (!(error instanceof LabopsError)) return error;
  const said =
    cleanup.state === 'removed-by-engine'
      ? msg('engine.upload.engineRemovedDisk', { name })
      : cleanup.state === 'removed'
        ? msg('engine.upload.labopsRemovedDisk', { name })
        : msg('engine.upload.diskLeft', {
            name,
            disk: diskId,
            status: verbatim(cleanup.status),
            reason: cleanup.reason,
          });
  const Kind = error.constructor as typeof LabopsError;
  return new Kind(error.code, msg('engine.upload.failureThen', { failure: error.text, cleanup: said }), {
    cause: error,
    status: error.status,
    details: error.detailTexts,
    hint:
      cleanup.state === 'left'
        ? cleanup.status === 'locked'
          ? msg('engine.upload.removeOnceUnlockedHint', { command: verbatim(`/iso remove ${name}`) })
          : msg('engine.upload.removeHint', { command: verbatim(`/iso remove ${name}`) })
        : error.hintText,
    actions:
      cleanup.state === 'left'
        ? [{ label: msg('engine.upload.removeAction', { name }), command: '/iso', text: `remove ${name}` }]
        : error.actions,
  });
}
