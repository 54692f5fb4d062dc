import { Readable } from 'node:stream';
import { Agent, request } from 'undici';
import { LabopsError } from '../errors.js';
import { cancelledBy } from '../time.js';
import type { EngineClient, WaitCallOptions } from './engine-client.js';
import { translateNetworkError } from './transport.js';
import type { Disk, ImageTransfer } from './types.js';

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

/**
 * Streams the source into an imageio ticket with one PUT (ovirt-api.md §5.3): `transfer_url` first,
 * `proxy_url` when the daemon cannot be reached (the ansible module's order, §5.2). Nothing is held
 * in memory beyond the chunk in flight. Answers the bytes sent.
 */
export async function putImageData(
  transfer: ImageTransfer,
  source: ImageSource,
  options: PutImageOptions,
): Promise<number> {
  const urls = [transfer.transferUrl, transfer.proxyUrl].filter((u): u is string => typeof u === 'string');
  if (urls.length === 0) {
    throw new LabopsError(
      'ENGINE_REJECTED',
      `Image transfer ${transfer.id} has no URL to upload to (phase ${transfer.phase}).`,
    );
  }
  const agent = new Agent({ connect: options.tls });
  let sent = 0;
  const counted = async function* () {
    for await (const chunk of source.chunks) {
      sent += chunk.byteLength;
      if (sent > source.sizeBytes) {
        throw new LabopsError(
          'CONFLICT',
          `The source sent more than the announced ${source.sizeBytes} bytes.`,
        );
      }
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
          body: Readable.from(counted(), { objectMode: false }),
          signal: options.signal,
        });
        const text = await res.body.text();
        if (res.statusCode !== 200) throw imageioFailure(res.statusCode, text, url);
        if (sent !== source.sizeBytes) {
          throw new LabopsError(
            'CONFLICT',
            `The source ended after ${sent} of ${source.sizeBytes} bytes; the upload is incomplete.`,
          );
        }
        return sent;
      } catch (error) {
        if (options.signal?.aborted) throw cancelledBy(options.signal);
        if (error instanceof LabopsError) throw error;
        // Fall back to the proxy only if the daemon was unreachable before a byte left.
        const isLast = i === urls.length - 1;
        if (isLast || sent > 0)
          throw translateNetworkError(error, 'PUT', 'the imageio ticket', new URL(url).origin);
      }
    }
    throw new LabopsError('INTERNAL', 'Upload ended without an outcome.');
  } finally {
    await agent.close();
  }
}

function imageioFailure(status: number, text: string, url: string): LabopsError {
  const detail = text.trim().split('\n')[0]?.slice(0, 300) ?? '';
  const host = new URL(url).host;
  if (status === 403) {
    return new LabopsError('ENGINE_REJECTED', `imageio at ${host} refused the ticket: ${detail}`, {
      status,
      hint: 'The transfer expired or was cancelled; start the upload again.',
    });
  }
  if (status === 416) {
    return new LabopsError(
      'ENGINE_REJECTED',
      `imageio at ${host} refused a write past the disk size: ${detail}`,
      {
        status,
        hint: 'The disk was created smaller than the image; the file size changed during the upload?',
      },
    );
  }
  return new LabopsError('ENGINE_UNAVAILABLE', `imageio at ${host} answered ${status}: ${detail}`, {
    status,
  });
}

export interface UploadImageSpec {
  name: string;
  storageDomainId: string;
  source: ImageSource;
  onProgress?: ((progress: UploadProgress) => void) | undefined;
  /** Called with each phase: creating-disk, waiting-transfer, sending, finalizing, verifying. */
  onPhase?: ((phase: string) => void) | undefined;
  signal?: AbortSignal | undefined;
  wait?: WaitCallOptions | undefined;
}

/**
 * The whole upload of an ISO to a data domain (§5.2): disk → transfer → bytes → finalize → outcome,
 * then verified (disk `ok`, size equal to the bytes sent). On any failure or cancel the transfer is
 * cancelled, which removes the partial disk; a disk made before the transfer existed is removed.
 */
export async function uploadImage(
  client: EngineClient,
  tls: PutImageOptions['tls'],
  spec: UploadImageSpec,
): Promise<Disk> {
  const waitOptions = { ...spec.wait, signal: spec.signal };
  spec.onPhase?.('creating-disk');
  const disk = await client.createDisk(
    {
      name: spec.name,
      sizeBytes: spec.source.sizeBytes,
      storageDomainId: spec.storageDomainId,
      contentType: 'iso',
    },
    { signal: spec.signal },
  );
  let transfer: ImageTransfer | undefined;
  try {
    await client.waitForDiskStatus(disk.id, ['ok'], waitOptions);
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
    const done = await client.waitForTransferOutcome(transfer.id, disk.id, waitOptions);
    spec.onPhase?.('verifying');
    if (done.status !== 'ok' || (done.provisionedBytes !== undefined && done.provisionedBytes !== sent)) {
      throw new LabopsError(
        'ENGINE_REJECTED',
        `The uploaded disk ${spec.name} is ${done.status} with ${done.provisionedBytes} bytes; ${sent} were sent.`,
      );
    }
    return done;
  } catch (error) {
    await cleanUpFailedUpload(client, disk.id, transfer?.id);
    throw error;
  }
}

async function cleanUpFailedUpload(
  client: EngineClient,
  diskId: string,
  transferId: string | undefined,
): Promise<void> {
  // Cleanup runs after a cancel too, so it must not use the job's (aborted) signal.
  if (transferId) {
    const transfer = await client.getImageTransfer(transferId).catch(() => undefined);
    if (transfer && !transfer.phase.startsWith('finished') && !transfer.phase.startsWith('cancelled')) {
      await client.cancelImageTransfer(transferId).catch(() => undefined);
      return;
    }
  }
  const disk = await client.getDisk(diskId).catch(() => undefined);
  if (disk) await client.removeDisk(diskId).catch(() => undefined);
}
