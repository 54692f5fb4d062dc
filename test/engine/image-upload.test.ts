import { createHash } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { parseDiskMark, renderDiskMark } from '../../src/engine/disk-mark.js';
import { putImageData, uploadImage } from '../../src/engine/image-upload.js';
import type { WaitTiming } from '../../src/engine/wait.js';
import { LabopsError } from '../../src/errors.js';
import type { SimulatorOptions } from '../../src/sim/types.js';
import { type SimLab, startSimLab } from '../support/engine.js';

/** A small ISO 9660 image: `CD001` at byte 32769, a pattern elsewhere. */
function makeIso(sizeBytes: number): Buffer {
  const iso = Buffer.alloc(sizeBytes);
  for (let i = 0; i < sizeBytes; i++) iso[i] = i % 251;
  iso.write('\u0001CD001', 32768, 'latin1');
  return iso;
}

async function* chunksOf(buffer: Buffer, size = 64 * 1024): AsyncIterable<Uint8Array> {
  for (let i = 0; i < buffer.length; i += size) yield buffer.subarray(i, i + size);
}

async function caught(fn: () => Promise<unknown>): Promise<LabopsError> {
  try {
    await fn();
  } catch (error) {
    if (error instanceof LabopsError) return error;
    throw error;
  }
  throw new Error('expected a LabopsError, nothing was thrown');
}

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

let lab: SimLab | undefined;
async function start(options: SimulatorOptions = {}): Promise<SimLab> {
  lab = await startSimLab(options);
  return lab;
}
afterEach(async () => {
  await lab?.close();
  lab = undefined;
});

/** A disk-ready wait that gives up at its first look: the disk is still `locked`. */
const IMPATIENT: WaitTiming = { intervalMs: 1, backoff: 1, maxIntervalMs: 1, deadlineMs: 0 };

describe('an ISO upload into a data domain', () => {
  it('hashes the bytes it sends and marks the disk complete with their size and sha256 (4.4.10)', async () => {
    const { client, sim } = await start({ engineVersion: '4.4.10' });
    const data = await client.findStorageDomain('nfs-data');
    const iso = makeIso(3 * 1024 * 1024 + 17);
    const uploaded = await uploadImage(
      client,
      { ca: sim.caPem, rejectUnauthorized: true },
      {
        name: 'alma9.iso',
        storageDomainId: data.id,
        jobId: 'job-beef',
        source: { sizeBytes: iso.length, chunks: chunksOf(iso) },
      },
    );
    expect(uploaded.sha256).toBe(sha256(iso));
    expect(uploaded.markedComplete).toBe(true);
    const received = [...sim.uploads.values()].find((u) => u.diskId === uploaded.id);
    expect(received?.sha256).toBe(sha256(iso));
    const disk = await client.getDisk(uploaded.id);
    expect(parseDiskMark(disk?.description)).toEqual({
      state: 'complete',
      sizeBytes: iso.length,
      sha256: sha256(iso),
      jobId: 'job-beef',
    });
  });

  it('at 4.3 keeps the incomplete mark: the engine cannot change a floating disk, so nothing is sent', async () => {
    const { client, sim } = await start({ engineVersion: '4.3.11' });
    const data = await client.findStorageDomain('nfs-data');
    const iso = makeIso(1024 * 1024);
    const uploaded = await uploadImage(
      client,
      { ca: sim.caPem, rejectUnauthorized: true },
      {
        name: 'alma9.iso',
        storageDomainId: data.id,
        jobId: 'job-beef',
        source: { sizeBytes: iso.length, chunks: chunksOf(iso) },
      },
    );
    expect(uploaded).toMatchObject({ status: 'ok', sha256: sha256(iso), markedComplete: false });
    expect(parseDiskMark(uploaded.description)).toMatchObject({ state: 'incomplete', jobId: 'job-beef' });
    expect(sim.requests.filter((r) => r.method === 'PUT' && r.url.includes('/disks/'))).toEqual([]);
  });

  it('says the engine removed the disk when the source fails midway', async () => {
    const { client, sim } = await start();
    const data = await client.findStorageDomain('nfs-data');
    const failing = async function* () {
      yield Buffer.alloc(256 * 1024);
      throw new Error('mirror went away');
    };
    const error = await caught(() =>
      uploadImage(
        client,
        { ca: sim.caPem, rejectUnauthorized: true },
        {
          name: 'broken.iso',
          storageDomainId: data.id,
          source: { sizeBytes: 1024 * 1024, chunks: failing() },
        },
      ),
    );
    expect(error.message).toMatch(/The engine removed the disk broken\.iso\.$/);
    expect((await client.listIsoDisks()).map((d) => d.name)).not.toContain('broken.iso');
  });
});

describe('a disk that stays locked past the disk-ready wait', () => {
  it('is removed once it unlocks, and the error says so', async () => {
    const { client, sim } = await start({ timeScale: 0.05 });
    const data = await client.findStorageDomain('nfs-data');
    const iso = makeIso(1024 * 1024);
    const error = await caught(() =>
      uploadImage(
        client,
        { ca: sim.caPem, rejectUnauthorized: true },
        {
          name: 'slowdisk.iso',
          storageDomainId: data.id,
          source: { sizeBytes: iso.length, chunks: chunksOf(iso) },
          diskReadyTiming: IMPATIENT,
        },
      ),
    );
    expect(error.code).toBe('TIMEOUT');
    expect(error.message).toContain('labops removed the disk slowdisk.iso.');
    expect((await client.listIsoDisks()).map((d) => d.name)).not.toContain('slowdisk.iso');
    // Removed after it unlocked: the engine refuses to remove a locked disk.
    expect(
      sim.requests.filter((r) => r.method === 'DELETE' && r.url.includes('/disks/')).map((r) => r.status),
    ).toEqual([200]);
  });

  it('names the disk left when the engine refuses its removal, and /iso remove as the way out', async () => {
    const { client, sim } = await start({ timeScale: 0.05 });
    const data = await client.findStorageDomain('nfs-data');
    sim.knobs.injectFault({
      kind: 'locked',
      method: 'DELETE',
      path: /^\/disks\/[^/]+$/,
      count: Number.POSITIVE_INFINITY,
    });
    const iso = makeIso(1024 * 1024);
    const error = await caught(() =>
      uploadImage(
        client,
        { ca: sim.caPem, rejectUnauthorized: true },
        {
          name: 'stuck.iso',
          storageDomainId: data.id,
          jobId: 'job-f00d',
          source: { sizeBytes: iso.length, chunks: chunksOf(iso) },
          diskReadyTiming: IMPATIENT,
        },
      ),
    );
    const [left] = (await client.listIsoDisks()).filter((d) => d.name === 'stuck.iso');
    expect(left).toBeDefined();
    expect(error.message).toContain(
      `The disk stuck.iso (id ${left?.id}, ok) was left: the engine refused to remove it`,
    );
    expect(error.hint).toBe('/iso remove stuck.iso removes it; then upload again.');
    expect(error.actions).toEqual([{ label: 'Remove stuck.iso', command: '/iso', text: 'remove stuck.iso' }]);
    // The leftover carries the incomplete mark: it is never taken as the upload.
    expect(parseDiskMark(left?.description)).toMatchObject({ state: 'incomplete', jobId: 'job-f00d' });
  });
});

describe('the outcome of a finalize', () => {
  it('waits past finalizing_failure until finished_failure and the disk is gone, then reports', async () => {
    const { client, sim } = await start({ timeScale: 0.05 });
    const data = await client.findStorageDomain('nfs-data');
    const iso = makeIso(1024 * 1024);
    // One byte short of the disk: the engine fails the finalize of an ISO (§5.2).
    const disk = await client.createDisk({
      name: 'short.iso',
      sizeBytes: iso.length + 1,
      storageDomainId: data.id,
      contentType: 'iso',
      description: renderDiskMark({ state: 'incomplete', sizeBytes: iso.length + 1 }),
    });
    await client.waitForDiskStatus(disk.id, ['ok']);
    const transfer = await client.createImageTransfer(disk.id);
    const ready = await client.waitForTransferReady(transfer.id);
    await putImageData(
      ready,
      { sizeBytes: iso.length, chunks: chunksOf(iso) },
      { tls: { ca: sim.caPem, rejectUnauthorized: true } },
    );
    await client.finalizeImageTransfer(transfer.id);
    const seen: string[] = [];
    const outcome = await client.waitForTransferOutcome(transfer.id, disk.id, {
      onPoll: (s) => seen.push(s),
    });
    expect(seen[0]).toBe('finalizing_failure, disk locked');
    expect(outcome).toEqual({
      status: 'failed',
      phase: 'finished_failure',
      reason: 'the engine reports finished_failure',
      disk: undefined,
    });
    expect(await client.getDisk(disk.id)).toBeUndefined();
  });
});
