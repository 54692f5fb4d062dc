import { createHash } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { parseDiskMark, renderDiskMark } from '../../src/engine/disk-mark.js';
import { EngineClient } from '../../src/engine/engine-client.js';
import { putImageData, uploadImage } from '../../src/engine/image-upload.js';
import type { EngineTransport, RequestSpec } from '../../src/engine/transport.js';
import type { WaitTiming } from '../../src/engine/wait.js';
import { LabopsError } from '../../src/errors.js';
import { renderText } from '../../src/i18n/render.js';
import { msg, verbatim } from '../../src/i18n/text.js';
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
    expect(error.actions.map((a) => ({ ...a, label: renderText('en', a.label) }))).toEqual([
      { label: 'Remove stuck.iso', command: '/iso', text: 'remove stuck.iso' },
    ]);
    // In Korean: the cleanup said after the failure, the engine's own refusal as it said it.
    const ko = renderText('ko', error.text);
    expect(ko).toContain(
      `디스크 stuck.iso(id ${left?.id}, ok)이(가) 남아 있습니다: 엔진이 제거를 거부했습니다: `,
    );
    expect(renderText('ko', error.hintText ?? verbatim(''))).toBe(
      '/iso remove stuck.iso로 제거한 뒤 다시 업로드하세요.',
    );
    expect(renderText('ko', error.actions[0]?.label ?? verbatim(''))).toBe('stuck.iso 제거');
    // The leftover carries the incomplete mark: it is never taken as the upload.
    expect(parseDiskMark(left?.description)).toMatchObject({ state: 'incomplete', jobId: 'job-f00d' });
  });
});

describe('the outcome of a finalize', () => {
  it('reports a failed finalize once the transfer finished and the disk is gone, as the engine logged it', async () => {
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
    const since = await client.getLastEventIndex();
    await client.finalizeImageTransfer(transfer.id);
    const outcome = await client.waitForTransferOutcome(transfer.id, disk.id);
    expect(outcome).toEqual({
      status: 'failed',
      phase: 'finished_failure',
      reason: msg('engine.transfer.reports', { phase: verbatim('finished_failure') }),
      disk: undefined,
    });
    expect(await client.getDisk(disk.id)).toBeUndefined();
    // The engine's log, not a poll that may come too late for finalizing_failure on a loaded machine.
    const events = await client.listEvents({ from: since });
    // TRANSFER_IMAGE_FAILED (1034), never TRANSFER_IMAGE_SUCCEEDED (1032): AuditLogType, ovirt-engine-4.3.
    expect(events.filter((e) => e.code === 1034).map((e) => e.description)).toEqual([
      'Image Upload with disk short.iso failed.',
    ]);
    expect(events.map((e) => e.code)).not.toContain(1032);
  });

  // The step between, read in a fixed order: no timing decides whether finalizing_failure is seen.
  it('does not stop at finalizing_failure while the disk is still there', async () => {
    const phases = ['finalizing_failure', 'finalizing_failure', 'finished_failure'];
    const disks = ['locked', 'locked', undefined];
    let reads = 0;
    const transport = {
      origin: 'https://engine.test',
      tls: { rejectUnauthorized: true },
      async request(spec: RequestSpec<z.ZodType | undefined>) {
        let body: unknown;
        if (spec.path === '/imagetransfers/t-1') {
          body = { id: 't-1', phase: phases[Math.min(reads, phases.length - 1)] };
          reads++;
        } else if (spec.path === '/disks/d-1') {
          const status = disks[Math.min(reads - 1, disks.length - 1)];
          if (status === undefined) return undefined;
          body = { id: 'd-1', name: 'short.iso', status };
        } else {
          throw new LabopsError('NOT_FOUND', verbatim(`no ${spec.path} in this scripted engine`), {
            status: 404,
          });
        }
        return spec.schema ? spec.schema.parse(body) : body;
      },
    };
    let now = 0;
    const timing: WaitTiming = { intervalMs: 3000, backoff: 1, maxIntervalMs: 3000, deadlineMs: 30_000 };
    const client = new EngineClient(transport as unknown as EngineTransport, {
      waits: { short: timing, long: timing },
      sleep: async (ms) => {
        now += ms;
      },
      now: () => now,
    });
    const seen: string[] = [];
    const outcome = await client.waitForTransferOutcome('t-1', 'd-1', { onPoll: (s) => seen.push(s) });
    expect(seen).toEqual([
      'finalizing_failure, disk locked',
      'finalizing_failure, disk locked',
      'finished_failure',
    ]);
    expect(outcome).toEqual({
      status: 'failed',
      phase: 'finished_failure',
      reason: msg('engine.transfer.reports', { phase: verbatim('finished_failure') }),
      disk: undefined,
    });
  });
});
