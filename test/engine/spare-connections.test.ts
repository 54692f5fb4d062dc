import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SpareConnections } from '../../src/engine/spare-connections.js';
import { Pool } from '../../src/net/undici.js';
import { createCertificates, type SimCertificates } from '../../src/sim/ca.js';

let dir: string;
let certs: SimCertificates;
let server: Server;
let origin: string;
/** TLS connections the server accepted, and requests it answered. */
let handshakes = 0;
let answered = 0;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'labops-spares-'));
  certs = await createCertificates(dir);
  server = createServer({ key: certs.keyPem, cert: certs.certPem }, (_req, res) => {
    answered++;
    res.end('ok');
  });
  server.on('secureConnection', () => handshakes++);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve));
  await rm(dir, { recursive: true, force: true });
});

async function get(pool: Pool): Promise<void> {
  const answer = await pool.request({ method: 'GET', path: '/ovirt-engine/services/health' });
  await answer.body.text();
}

/** Settles once the server has accepted `count` connections in all. */
async function untilHandshakes(count: number): Promise<void> {
  while (handshakes < count) await new Promise((resolve) => setTimeout(resolve, 5));
}

describe('connections opened ahead of the requests (issue 14 §5)', () => {
  it('hands the pool the connections it opened, and opens none more for the requests', async () => {
    const spares = new SpareConnections(origin, { ca: certs.caPem, rejectUnauthorized: true });
    const pool = new Pool(origin, { connections: 4, connect: spares.connect });
    const before = handshakes;
    spares.open(2);
    expect(spares.count).toBe(2);
    await untilHandshakes(before + 2);
    const served = answered;
    await Promise.all([get(pool), get(pool)]);
    expect(answered - served).toBe(2);
    expect(handshakes - before).toBe(2);
    expect(spares.count).toBe(0);
    await pool.close();
    spares.close();
  });

  it('hands over a connection still opening: the request waits for it rather than opening another', async () => {
    const spares = new SpareConnections(origin, { ca: certs.caPem, rejectUnauthorized: true });
    const pool = new Pool(origin, { connections: 4, connect: spares.connect });
    const before = handshakes;
    spares.open(1);
    await get(pool);
    expect(handshakes - before).toBe(1);
    await pool.close();
    spares.close();
  });

  it('reserves its connections at once: requests made in the same turn take them, before any opens', async () => {
    // A SQLite store answers within the turn, so a click's engine reads can go out before the
    // handshakes start: counted then, they would open a second set (found in review).
    const spares = new SpareConnections(origin, { ca: certs.caPem, rejectUnauthorized: true });
    const pool = new Pool(origin, { connections: 4, connect: spares.connect });
    const before = handshakes;
    spares.open(2);
    expect(spares.count).toBe(2);
    const served = answered;
    await Promise.all([get(pool), get(pool)]);
    expect(answered - served).toBe(2);
    expect(handshakes - before).toBe(2);
    await pool.close();
    spares.close();
  });

  it('closed before its turn came, it opens nothing', async () => {
    const spares = new SpareConnections(origin, { ca: certs.caPem, rejectUnauthorized: true });
    const before = handshakes;
    spares.open(2);
    spares.close();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(handshakes - before).toBe(0);
  });

  it('opens a new connection when the spare one was closed meanwhile, and none after close()', async () => {
    const spares = new SpareConnections(origin, { ca: certs.caPem, rejectUnauthorized: true });
    const pool = new Pool(origin, { connections: 4, connect: spares.connect });
    const before = handshakes;
    spares.open(1);
    await untilHandshakes(before + 1);
    server.closeAllConnections();
    await new Promise((resolve) => setTimeout(resolve, 20));
    await get(pool);
    expect(handshakes - before).toBe(2);
    spares.close();
    spares.open(3);
    expect(spares.count).toBe(0);
    await pool.close();
  });

  it('closes a spare no request took once its time is over, each after its own time', async () => {
    // A click's spares wait 2 s; those opened for a card another replica posted, as long as that
    // replica keeps its own connections (issue 14 §5).
    const spares = new SpareConnections(origin, { ca: certs.caPem, rejectUnauthorized: true });
    const before = handshakes;
    spares.open(1, 100);
    spares.open(1);
    await untilHandshakes(before + 2);
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(spares.count).toBe(1);
    spares.close();
    expect(spares.count).toBe(0);
  });

  it('refuses a server whose certificate the CA did not sign, as the pool itself would', async () => {
    const other = await createCertificates(await mkdtemp(join(dir, 'other-')));
    const spares = new SpareConnections(origin, { ca: other.caPem, rejectUnauthorized: true });
    const pool = new Pool(origin, { connections: 4, connect: spares.connect });
    spares.open(1);
    await expect(get(pool)).rejects.toThrow(/certificate/i);
    await pool.close();
    spares.close();
  });
});
