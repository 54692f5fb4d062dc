import { LabopsError } from '../errors.js';
import { msg, verbatim } from '../i18n/text.js';
import { getDisk } from './disks.js';
import {
  type CallOptions,
  type EngineContext,
  runWait,
  seg,
  signalOf,
  toRequestOptions,
  type WaitCallOptions,
} from './engine-context.js';
import { ImageTransferSchema, toImageTransfer } from './schemas.js';
import type { ImageTransfer, TransferOutcome } from './types.js';
import { hasMember } from './versions.js';

/** Transfer phases the engine will not leave by itself: the upload failed (§5.2). */
const TRANSFER_FAILED = (phase: string): boolean =>
  phase === 'finished_failure' || phase.startsWith('cancelled') || phase.startsWith('paused');

/** Opens an upload to a disk (§5.2 step 2). The transfer owns the disk from now on. */
export async function createImageTransfer(
  context: EngineContext,
  diskId: string,
  options: CallOptions = {},
): Promise<ImageTransfer> {
  const level = await context.transport.getApiLevel(signalOf(context, options));
  // §5.2 version gate: a 4.3 engine refuses `timeout_policy` (from 4.4.5) with a 400, and on
  // 4.3.5+ a transfer `format: raw` moves the host to its NBD path, which 4.3 hosts may lack —
  // the 4.3 SDK's upload sends neither. From 4.4 NBD is the normal path; `cancel` makes the
  // engine remove the disk of an abandoned upload instead of pausing it.
  const body: Record<string, unknown> = {
    disk: { id: diskId },
    direction: 'upload',
    inactivity_timeout: '120',
  };
  if (level.model.line !== '4.3' && hasMember(level, 'ImageTransfer', 'format')) body.format = 'raw';
  if (hasMember(level, 'ImageTransfer', 'timeout_policy')) body.timeout_policy = 'cancel';
  const transfer = await context.transport.request({
    method: 'POST',
    path: '/imagetransfers',
    body,
    schema: ImageTransferSchema,
    ...toRequestOptions(context, options),
  });
  if (!transfer)
    throw new LabopsError('ENGINE_UNAVAILABLE', msg('engine.answer.addWithout', { kind: 'transfer' }));
  return toImageTransfer(transfer);
}

/** The transfer, or `undefined` once the engine removed it (404 after finishing, §5.2). */
export async function getImageTransfer(
  context: EngineContext,
  id: string,
  options: CallOptions = {},
): Promise<ImageTransfer | undefined> {
  const transfer = await context.transport.request({
    method: 'GET',
    path: `/imagetransfers/${seg(id)}`,
    schema: ImageTransferSchema,
    allowNotFound: true,
    ...toRequestOptions(context, options),
  });
  return transfer ? toImageTransfer(transfer) : undefined;
}

/** Waits for `transferring`, which brings the URLs; `paused_system` and failures end it (§5.2 step 3). */
export async function waitForTransferReady(
  context: EngineContext,
  id: string,
  options: WaitCallOptions = {},
): Promise<ImageTransfer> {
  const ready = await runWait(
    context,
    {
      description: msg('engine.wait.transferReady', { transfer: id }),
      read: (signal) => getImageTransfer(context, id, { signal }),
      isDone: (t) => t?.phase === 'transferring',
      failure: (t) =>
        t === undefined
          ? msg('engine.wait.transferRemoved')
          : t.phase === 'initializing'
            ? undefined
            : msg('engine.wait.transferIs', { phase: verbatim(t.phase) }),
      show: (t) => (t === undefined ? msg('engine.wait.removed') : verbatim(t.phase)),
    },
    options,
    context.waits.short,
  );
  return ready as ImageTransfer;
}

export async function finalizeImageTransfer(
  context: EngineContext,
  id: string,
  options: CallOptions = {},
): Promise<void> {
  await context.transport.action(
    `/imagetransfers/${seg(id)}/finalize`,
    {},
    toRequestOptions(context, options),
  );
}

/** Aborts the transfer; the engine removes the partial disk. */
export async function cancelImageTransfer(
  context: EngineContext,
  id: string,
  options: CallOptions = {},
): Promise<void> {
  await context.transport.action(`/imagetransfers/${seg(id)}/cancel`, {}, toRequestOptions(context, options));
}

/**
 * Waits for the transfer's outcome after finalize (§5.2 step 5) and answers it. A 404 means an
 * older engine already dropped the entity: the disk then tells — `ok` is success. A
 * `finalizing_failure` is not the end: the engine goes on to `finished_failure` and removes the
 * disk, so the wait goes on until the transfer finished or the disk is gone (issue 9 §5), and the
 * outcome says whether the disk was removed or left.
 */
export async function waitForTransferOutcome(
  context: EngineContext,
  id: string,
  diskId: string,
  options: WaitCallOptions = {},
): Promise<TransferOutcome> {
  const seen = await runWait(
    context,
    {
      description: msg('engine.wait.transferFinish', { transfer: id }),
      read: async (signal) => {
        const transfer = await getImageTransfer(context, id, { signal });
        const phase = transfer?.phase ?? 'gone';
        const readsDisk = phase === 'gone' || phase === 'finalizing_failure' || TRANSFER_FAILED(phase);
        return { phase, disk: readsDisk ? await getDisk(context, diskId, { signal }) : undefined };
      },
      isDone: (o) => {
        if (o.phase === 'finished_success' || TRANSFER_FAILED(o.phase)) return true;
        if (o.phase === 'finalizing_failure') return o.disk === undefined;
        if (o.phase === 'gone') return o.disk?.status !== 'locked';
        return false;
      },
      show: (o) =>
        o.phase === 'gone' || o.phase === 'finalizing_failure'
          ? msg('engine.wait.transferAndDisk', {
              transfer: o.phase === 'gone' ? msg('engine.wait.transferGone') : verbatim(o.phase),
              disk: o.disk?.status === undefined ? msg('engine.wait.removed') : verbatim(o.disk.status),
            })
          : verbatim(o.phase),
    },
    options,
    context.waits.short,
  );
  if (seen.phase === 'finished_success' || (seen.phase === 'gone' && seen.disk?.status === 'ok')) {
    const disk = seen.disk ?? (await getDisk(context, diskId, options));
    if (disk) return { status: 'succeeded', disk };
    return {
      status: 'failed',
      phase: seen.phase,
      reason: msg('engine.transfer.diskGone'),
      disk: undefined,
    };
  }
  const reason =
    seen.phase === 'gone'
      ? msg('engine.transfer.dropped')
      : seen.phase === 'paused_system'
        ? msg('engine.transfer.pausedSystem')
        : msg('engine.transfer.reports', { phase: verbatim(seen.phase) });
  return { status: 'failed', phase: seen.phase, reason, disk: seen.disk };
}
