import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { request } from 'undici';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Simulator, startSimulator } from '../../src/sim/index.js';
import { SimClient } from './sim-client.js';

const MiB = 1024 * 1024;

/** A fake ISO of `size` bytes: zeros with the ISO 9660 signature at byte 32769. */
function fakeIso(size: number): Buffer {
  const bytes = Buffer.alloc(size);
  bytes.write('CD001', 32769, 'ascii');
  return bytes;
}

describe('ISO upload through image transfers and imageio', () => {
  let sim: Simulator;
  let client: SimClient;

  beforeEach(async () => {
    sim = await startSimulator({ timeScale: 0.002 });
    client = new SimClient(sim);
  });

  afterEach(async () => {
    await client.close();
    await sim.close();
  });

  /** Creates an ISO disk and a transfer, and waits until the transfer is ready for bytes. */
  async function openTransfer(size: number, format = 'raw') {
    const disk = await client.api('POST', '/disks', {
      body: {
        name: 'alma9.iso',
        content_type: 'iso',
        format,
        sparse: 'false',
        provisioned_size: size,
        storage_domains: { storage_domain: [{ name: 'nfs-data' }] },
      },
    });
    expect(disk.status).toBe(202);
    await client.waitForStatus(`/disks/${disk.json.id}`, 'ok');
    const created = await client.api('POST', '/imagetransfers', {
      body: { disk: { id: disk.json.id }, direction: 'upload', format: 'raw', inactivity_timeout: '120' },
    });
    expect(created.status).toBe(201);
    const transfer = await client.waitFor('transferring', async () => {
      const t = await client.get(`/imagetransfers/${created.json.id}`);
      return t.phase === 'transferring' ? t : undefined;
    });
    return { diskId: disk.json.id as string, transfer };
  }

  const put = (url: string, body: Buffer, headers: Record<string, string> = {}) =>
    client.raw('PUT', url, { headers, body });

  it('uploads an ISO through transfer_url, finalizes it and lists it as an ISO disk', async () => {
    const size = 2 * MiB;
    const { diskId, transfer } = await openTransfer(size);
    const port = Number(new URL(sim.baseUrl).port);
    expect(new URL(transfer.transfer_url).port).not.toBe(String(port));
    expect(new URL(transfer.proxy_url).port).toBe(String(port));
    expect(transfer.transfer_url).toMatch(/\/images\/[0-9a-f-]{36}$/);

    const iso = fakeIso(size);
    expect((await put(`${transfer.transfer_url}?flush=n`, iso.subarray(0, MiB))).status).toBe(200);
    expect(
      (
        await put(`${transfer.transfer_url}?flush=n`, iso.subarray(MiB), {
          'content-range': `bytes ${MiB}-${size - 1}/*`,
        })
      ).status,
    ).toBe(200);
    const flush = await client.raw('PATCH', transfer.transfer_url, {
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ op: 'flush' }),
    });
    expect(flush.status).toBe(200);
    expect((await client.get(`/imagetransfers/${transfer.id}`)).transferred).toBe(size);

    const ranged = await client.raw('GET', transfer.transfer_url, {
      headers: { range: 'bytes=32769-32773' },
    });
    expect(ranged.status).toBe(206);
    expect(ranged.text).toBe('CD001');

    const upload = [...sim.uploads.values()][0];
    expect(upload?.highWater).toBe(size);
    expect(upload?.head.subarray(32769, 32774).toString('ascii')).toBe('CD001');

    expect((await client.api('POST', `/imagetransfers/${transfer.id}/finalize`, { body: {} })).status).toBe(
      200,
    );
    await client.waitFor('finished_success', async () => {
      const t = await client.api('GET', `/imagetransfers/${transfer.id}`);
      return t.status === 404 || t.json.phase === 'finished_success';
    });
    expect((await client.get(`/disks/${diskId}`)).status).toBe('ok');
    const isos = await client.get(
      `/disks?search=${encodeURIComponent('disk_type=image and disk_content_type=iso')}`,
    );
    expect(isos.disk.map((d: { id: string }) => d.id)).toEqual([diskId]);

    // The ticket is gone after finalize, and the transfer itself 404s after a while (older engines).
    expect((await put(transfer.transfer_url, Buffer.alloc(1))).status).toBe(403);
    await client.waitFor('the transfer to be forgotten', async () => {
      return (await client.api('GET', `/imagetransfers/${transfer.id}`)).status === 404;
    });
  });

  it('also takes the bytes through the engine proxy_url', async () => {
    const { transfer } = await openTransfer(MiB);
    expect((await put(transfer.proxy_url, fakeIso(MiB))).status).toBe(200);
    expect((await client.get(`/imagetransfers/${transfer.id}`)).transferred).toBe(MiB);
  });

  it('hashes the image as written in order, zeroed ranges included; out of order it has no hash', async () => {
    const { transfer } = await openTransfer(2 * MiB);
    const iso = fakeIso(MiB);
    expect((await put(transfer.transfer_url, iso)).status).toBe(200);
    const zero = await client.raw('PATCH', transfer.transfer_url, {
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ op: 'zero', offset: MiB, size: MiB }),
    });
    expect(zero.status).toBe(200);
    const inOrder = [...sim.uploads.values()].find((u) => u.transferId === transfer.id);
    const whole = Buffer.concat([iso, Buffer.alloc(MiB)]);
    expect(inOrder?.sha256).toBe(createHash('sha256').update(whole).digest('hex'));

    const second = await openTransfer(2 * MiB);
    await put(second.transfer.transfer_url, iso, { 'content-range': `bytes ${MiB}-${2 * MiB - 1}/*` });
    await put(second.transfer.transfer_url, iso);
    const outOfOrder = [...sim.uploads.values()].find((u) => u.transferId === second.transfer.id);
    expect(outOfOrder?.highWater).toBe(2 * MiB);
    expect(outOfOrder?.sha256).toBeUndefined();
  });

  it('fails to finalize an ISO whose size is not the disk size, and removes the disk', async () => {
    const { diskId, transfer } = await openTransfer(2 * MiB);
    await put(transfer.transfer_url, fakeIso(MiB));
    await client.api('POST', `/imagetransfers/${transfer.id}/finalize`, { body: {} });
    const finished = await client.waitFor('finished_failure', async () => {
      const t = await client.get(`/imagetransfers/${transfer.id}`);
      return t.phase.startsWith('finished') ? t : undefined;
    });
    expect(finished.phase).toBe('finished_failure');
    expect((await client.api('GET', `/disks/${diskId}`)).status).toBe(404);
  });

  it('fails to finalize an ISO uploaded into a cow disk', async () => {
    const { diskId, transfer } = await openTransfer(MiB, 'cow');
    await put(transfer.transfer_url, fakeIso(MiB));
    await client.api('POST', `/imagetransfers/${transfer.id}/finalize`, { body: {} });
    expect(
      (
        await client.waitFor('finalizing', async () => {
          const t = await client.get(`/imagetransfers/${transfer.id}`);
          return t.phase.startsWith('finished') ? t : undefined;
        })
      ).phase,
    ).toBe('finished_failure');
    expect((await client.api('GET', `/disks/${diskId}`)).status).toBe(404);
  });

  it('cancels a transfer: cancelled_user, the disk removed, the ticket gone', async () => {
    const { diskId, transfer } = await openTransfer(MiB);
    expect((await client.api('POST', `/imagetransfers/${transfer.id}/cancel`, { body: {} })).status).toBe(
      200,
    );
    expect((await client.get(`/imagetransfers/${transfer.id}`)).phase).toBe('cancelled_user');
    expect((await client.api('GET', `/disks/${diskId}`)).status).toBe(404);
    const refused = await put(transfer.transfer_url, Buffer.alloc(10));
    expect(refused.status).toBe(403);
    expect(refused.text).toMatch(
      /^You are not allowed to access this resource: No such ticket [0-9a-f-]+\n$/,
    );
  });

  it('answers imageio errors: missing Content-Length, past the end, zero without size', async () => {
    const { transfer } = await openTransfer(MiB);
    const chunked = await request(transfer.transfer_url, {
      method: 'PUT',
      dispatcher: client.dispatcher,
      body: Readable.from([Buffer.alloc(10)]),
    });
    expect(chunked.statusCode).toBe(400);
    expect(chunked.headers['content-type']).toBe('text/plain; charset=UTF-8');
    await chunked.body.text();

    const past = await put(transfer.transfer_url, Buffer.alloc(MiB + 1));
    expect(past.status).toBe(416);
    expect(past.headers['content-range']).toBe(`bytes */${MiB}`);

    const zero = (body: unknown) =>
      client.raw('PATCH', transfer.transfer_url, {
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    expect((await zero({ op: 'zero', offset: 0 })).status).toBe(400);
    expect((await zero({ op: 'zero', offset: MiB - 10, size: 20 })).status).toBe(416);
    expect((await zero({ op: 'zero', offset: 0, size: MiB })).status).toBe(200);
  });

  it('streams a large upload without keeping it', async () => {
    const size = 256 * MiB;
    const { transfer } = await openTransfer(size);
    const chunk = Buffer.alloc(4 * MiB);
    async function* body() {
      for (let sent = 0; sent < size; sent += chunk.length) yield chunk;
    }
    const res = await request(transfer.transfer_url, {
      method: 'PUT',
      dispatcher: client.dispatcher,
      headers: { 'content-length': String(size) },
      body: Readable.from(body()),
    });
    await res.body.text();
    expect(res.statusCode).toBe(200);
    expect((await client.get(`/imagetransfers/${transfer.id}`)).transferred).toBe(size);
  });
});
