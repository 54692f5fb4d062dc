import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LabopsError } from '../../src/errors.js';
import { verbatim } from '../../src/i18n/text.js';
import { type SimLab, startSimLab } from '../support/engine.js';

async function caught(fn: () => Promise<unknown>): Promise<LabopsError> {
  try {
    await fn();
  } catch (error) {
    if (error instanceof LabopsError) return error;
    throw error;
  }
  throw new Error('expected a LabopsError, nothing was thrown');
}

function makeIso(sizeBytes: number): Buffer {
  const iso = Buffer.alloc(sizeBytes);
  iso.write('\u0001CD001', 32768, 'latin1');
  return iso;
}

async function* chunksOf(buffer: Buffer, size = 64 * 1024): AsyncIterable<Uint8Array> {
  for (let i = 0; i < buffer.length; i += size) yield buffer.subarray(i, i + size);
}

const cancelled = () => new LabopsError('CANCELLED', verbatim('The test cancelled it.'));

describe('an engine client bound to a signal (withSignal)', () => {
  let lab: SimLab;
  beforeAll(async () => {
    lab = await startSimLab();
  });
  afterAll(async () => {
    await lab?.close();
  });

  it('runs every call that passes no signal under the bound one: reads, waits, and the version', async () => {
    const controller = new AbortController();
    const bound = lab.client.withSignal(controller.signal);
    const hyper1 = await bound.findHost('hyper1');
    controller.abort(cancelled());
    expect((await caught(() => bound.listHosts())).message).toBe('The test cancelled it.');
    expect((await caught(() => bound.waitForHostStatus(hyper1.id, ['maintenance']))).code).toBe('CANCELLED');
    expect((await caught(() => bound.getEngineSshPublicKey())).code).toBe('CANCELLED');
    // The client it was made from is bound to nothing.
    expect((await lab.client.listHosts()).map((h) => h.name).sort()).toEqual(['hyper1', 'hyper2']);
  });

  it('lets a call pass its own signal instead', async () => {
    const aborted = AbortSignal.abort(cancelled());
    const bound = lab.client.withSignal(aborted);
    expect(await bound.findHost('hyper2', { signal: new AbortController().signal })).toMatchObject({
      name: 'hyper2',
    });
    const live = lab.client.withSignal(new AbortController().signal);
    expect((await caught(() => live.listHosts({ signal: aborted }))).code).toBe('CANCELLED');
  });

  it('keeps its correlation id when bound, and its signal when tagged', async () => {
    const controller = new AbortController();
    const tagged = lab.client.withCorrelationId('corr-bound').withSignal(controller.signal);
    expect(tagged.correlationId).toBe('corr-bound');
    await tagged.listVms();
    const sent = lab.sim.requests.filter((r) => r.correlationId === 'corr-bound');
    expect(sent.map((r) => r.url.split('?')[0])).toEqual(['/ovirt-engine/api/vms']);
    const boundFirst = lab.client.withSignal(AbortSignal.abort(cancelled())).withCorrelationId('corr-late');
    expect((await caught(() => boundFirst.listVms())).code).toBe('CANCELLED');
    expect(lab.sim.requests.some((r) => r.correlationId === 'corr-late')).toBe(false);
  });

  it('reads a data center id once for a client and every client made from it; a missing one every time', async () => {
    const client = lab.connect();
    const reads = () =>
      lab.sim.requests.filter((r) => r.method === 'GET' && r.url.startsWith('/ovirt-engine/api/datacenters?'))
        .length;
    const before = reads();
    const [dc] = await client.listDataCenters();
    const first = await client.withSignal(new AbortController().signal).findDataCenterId('Default');
    expect(first).toBe(dc?.id);
    expect(await client.withCorrelationId('corr-dc').findDataCenterId('Default')).toBe(first);
    expect(await client.findDataCenterId('Default')).toBe(first);
    expect(reads() - before).toBe(1);
    expect((await caught(() => client.findDataCenterId('Elsewhere'))).code).toBe('NOT_FOUND');
    expect((await caught(() => client.findDataCenterId('Elsewhere'))).code).toBe('NOT_FOUND');
    expect(reads() - before).toBe(3);
  });

  it('cancels an upload at the bound signal and still removes its disk (the cleanup is not bound)', async () => {
    const controller = new AbortController();
    const bound = lab.client.withSignal(controller.signal);
    const data = await bound.findStorageDomain('nfs-data');
    const iso = makeIso(2 * 1024 * 1024);
    const error = await caught(() =>
      bound.uploadIso({
        name: 'bound.iso',
        storageDomainId: data.id,
        source: { sizeBytes: iso.length, chunks: chunksOf(iso) },
        onPhase: (phase) => {
          if (phase === 'sending') controller.abort(cancelled());
        },
      }),
    );
    expect(error.code).toBe('CANCELLED');
    expect(error.message).toMatch(
      /^The test cancelled it\. (The engine|labops) removed the disk bound\.iso\.$/,
    );
    expect((await lab.client.listIsoDisks()).map((d) => d.name)).not.toContain('bound.iso');
  });
});
