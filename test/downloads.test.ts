import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  createHttpDownloads,
  type HttpDownloadsOptions,
  type ResolvedAddress,
  requireSha256,
} from '../src/downloads.js';
import { isLabopsError, type LabopsError } from '../src/errors.js';
import { REFUSED_HINT, REFUSED_MESSAGE } from '../src/net/address-fence.js';

const SIZE = 40_000;
const ISO = Buffer.alloc(SIZE, 3);
ISO.write('CD001', 32769, 'latin1');

/**
 * A source on one loopback address that counts TCP connections, so a test can prove that a
 * refused download never connected. `routes` answer redirects by path.
 */
interface Source {
  host: string;
  port: number;
  connections: number;
  requests: string[];
  url(path: string, host?: string): string;
  close(): Promise<void>;
}

async function startSource(host: string, routes: Record<string, string> = {}): Promise<Source> {
  const source = { connections: 0, requests: [] as string[] } as Source;
  const server: Server = createServer((req, res) => {
    source.requests.push(req.url ?? '');
    const location = routes[req.url ?? ''];
    if (location !== undefined) {
      res.writeHead(302, { location }).end('moved');
      return;
    }
    if (req.url !== '/alma9.iso') {
      res.writeHead(404).end('nothing here');
      return;
    }
    const range = /^bytes=(\d+)-(\d+)$/.exec(req.headers.range ?? '');
    if (range) {
      const [start, end] = [Number(range[1]), Number(range[2])];
      res
        .writeHead(206, { 'content-range': `bytes ${start}-${end}/${SIZE}` })
        .end(ISO.subarray(start, end + 1));
    } else res.writeHead(200, { 'content-length': SIZE }).end(ISO);
  });
  server.on('connection', () => {
    source.connections++;
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  source.host = host;
  source.port = (server.address() as AddressInfo).port;
  source.url = (path, name = host) =>
    `http://${name.includes(':') ? `[${name}]` : name}:${source.port}${path}`;
  source.close = () =>
    new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return source;
}

/** A resolver the test controls: each name answers the addresses it is given, and calls are counted. */
function createResolver(table: Record<string, string[]>) {
  const calls: string[] = [];
  return {
    calls,
    table,
    resolve: async (name: string): Promise<ResolvedAddress[]> => {
      calls.push(name);
      const found = table[name];
      if (!found) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${name}`), { code: 'ENOTFOUND' });
      return found.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
    },
  };
}

async function rejection(promise: Promise<unknown>): Promise<LabopsError> {
  try {
    await promise;
  } catch (error) {
    if (isLabopsError(error)) return error;
    throw error;
  }
  throw new Error('expected a rejection');
}

let one: Source;
let two: Source;
beforeAll(async () => {
  one = await startSource('127.0.0.1', {
    '/r1': '/r2',
    '/r2': '/r3',
    '/r3': '/alma9.iso',
    '/r0': '/r1',
    '/to-two': 'PLACEHOLDER',
    '/to-ftp': 'ftp://127.0.0.1/alma9.iso',
    '/to-credentials': 'PLACEHOLDER',
    '/to-private-name': 'PLACEHOLDER',
  });
  two = await startSource('127.0.0.2');
});
afterAll(async () => {
  await Promise.all([one?.close(), two?.close()]);
});

const opened: { close(): Promise<void> }[] = [];
function downloads(options: HttpDownloadsOptions = {}) {
  const created = createHttpDownloads(options);
  opened.push(created);
  return created;
}
afterEach(async () => {
  await Promise.all(opened.splice(0).map((d) => d.close()));
});

/** Asserts the one refusal: the same message and hint whatever the address, and no connection. */
async function expectRefused(promise: Promise<unknown>, ...sources: Source[]) {
  const before = sources.map((s) => s.connections);
  const error = await rejection(promise);
  expect(error.code).toBe('FORBIDDEN');
  expect(error.message).toBe(REFUSED_MESSAGE);
  expect(error.hint).toBe(REFUSED_HINT);
  expect(sources.map((s) => s.connections)).toEqual(before);
  return error;
}

describe('download sources are fenced (issue 10 §2)', () => {
  it('refuses loopback by default in every URL form, before any connection', async () => {
    const port = one.port;
    const fenced = downloads();
    for (const url of [
      one.url('/alma9.iso'),
      `http://2130706433:${port}/alma9.iso`,
      `http://0x7f.0.0.1:${port}/alma9.iso`,
      `http://0177.0.0.1:${port}/alma9.iso`,
      `http://127.1:${port}/alma9.iso`,
      `http://[::ffff:127.0.0.1]:${port}/alma9.iso`,
      `http://localhost:${port}/alma9.iso`,
    ]) {
      await expectRefused(fenced.probe(url), one);
      await expectRefused(fenced.open(url), one);
    }
    expect(one.requests).toEqual([]);
  });

  it('refuses a name whose address is refused inside the lookup, so nothing connects; one message for every kind', async () => {
    // Only loopback answers, even refused ones: a broken fence must connect nowhere outside it
    // (the private and link-local classes are checked without a network in address-fence.test.ts).
    const resolver = createResolver({
      'mirror.example': ['127.0.0.3'],
      'metadata.example': ['::ffff:127.0.0.4'],
      'local.example': ['127.0.0.1'],
      'mapped.example': ['::ffff:127.0.0.1'],
    });
    const fenced = downloads({ resolve: resolver.resolve });
    const messages = new Set<string>();
    for (const name of ['mirror.example', 'metadata.example', 'local.example', 'mapped.example']) {
      const error = await expectRefused(fenced.probe(one.url('/alma9.iso', name)), one);
      messages.add(`${error.message} ${error.hint}`);
    }
    expect(messages.size).toBe(1);
    // Each name was resolved once, in the connector's lookup: no second resolution to connect.
    expect(resolver.calls).toEqual(['mirror.example', 'metadata.example', 'local.example', 'mapped.example']);
  });

  it('lets a lab open loopback by naming it; a wildcard does not', async () => {
    await expectRefused(
      downloads({ allowedNetworks: ['0.0.0.0/0', '::/0'] }).probe(one.url('/alma9.iso')),
      one,
    );
    const probe = await downloads({ allowedNetworks: ['127.0.0.0/8'] }).probe(one.url('/alma9.iso'));
    expect(probe).toEqual({
      url: one.url('/alma9.iso'),
      address: '127.0.0.1',
      sizeBytes: SIZE,
      isIso9660: true,
      fileName: 'alma9.iso',
    });
  });

  it('checks the address a name resolves to and records it; the host name stays in the URL', async () => {
    const resolver = createResolver({ 'mirror.lab.test': ['127.0.0.1'] });
    const fenced = downloads({ allowedNetworks: ['127.0.0.1/32'], resolve: resolver.resolve });
    const probe = await fenced.probe(one.url('/alma9.iso', 'mirror.lab.test'));
    expect(probe.url).toBe(one.url('/alma9.iso', 'mirror.lab.test'));
    expect(probe.address).toBe('127.0.0.1');
    expect(resolver.calls).toEqual(['mirror.lab.test']);
    // A name answering a refused and an allowed address: only the allowed one is connected to.
    resolver.table['both.lab.test'] = ['127.0.0.2', '127.0.0.1'];
    const before = two.connections;
    expect((await fenced.probe(one.url('/alma9.iso', 'both.lab.test'))).address).toBe('127.0.0.1');
    expect(two.connections).toBe(before);
  });

  it('follows at most 3 redirects, each target checked; the probe records the final URL and address', async () => {
    const fenced = downloads({ allowedNetworks: ['127.0.0.1/32'] });
    const probe = await fenced.probe(one.url('/r1'));
    expect(probe).toMatchObject({ url: one.url('/alma9.iso'), address: '127.0.0.1', isIso9660: true });
    const tooMany = await rejection(fenced.probe(one.url('/r0')));
    expect(tooMany.message).toBe(`127.0.0.1:${one.port} redirects more than 3 times.`);
    expect((await rejection(fenced.probe(one.url('/to-ftp')))).message).toMatch(/does not follow/);
  });

  it('refuses a redirect to a refused address with the same message, before connecting there', async () => {
    // 127.0.0.9 is outside the allowed 127.0.0.1/32: refused like a private address, yet loopback.
    const resolver = createResolver({ 'private.example': ['127.0.0.9'] });
    const routes = {
      '/to-two': two.url('/alma9.iso'),
      '/to-credentials': `http://user:secret@127.0.0.1:${one.port}/alma9.iso`,
      '/to-private-name': `http://private.example:${one.port}/alma9.iso`,
    };
    const source = await startSource('127.0.0.1', routes);
    try {
      const fenced = downloads({ allowedNetworks: ['127.0.0.1/32'], resolve: resolver.resolve });
      await expectRefused(fenced.probe(source.url('/to-two')), two);
      await expectRefused(fenced.probe(source.url('/to-private-name')), two);
      const credentials = await rejection(fenced.probe(source.url('/to-credentials')));
      expect(credentials.message).toMatch(/does not follow \(only http and https, without credentials\)/);
      expect(credentials.message).not.toContain('secret');
      expect(two.requests).toEqual([]);
    } finally {
      await source.close();
    }
  });

  it('downloads pinned to the checked address, and fails clearly when the name now resolves elsewhere', async () => {
    const resolver = createResolver({ 'mirror.lab.test': ['127.0.0.1'] });
    const fenced = downloads({ allowedNetworks: ['127.0.0.0/8'], resolve: resolver.resolve });
    const probe = await fenced.probe(one.url('/alma9.iso', 'mirror.lab.test'));
    // Rebinding: the name now answers another address first; the job still connects only to the checked one.
    resolver.table['mirror.lab.test'] = ['127.0.0.2', '127.0.0.1'];
    const before = two.connections;
    const source = await fenced.open(probe.url, { address: probe.address });
    const hash = createHash('sha256');
    for await (const chunk of source.chunks) hash.update(chunk);
    expect(hash.digest('hex')).toBe(createHash('sha256').update(ISO).digest('hex'));
    expect(two.connections).toBe(before);
    // It no longer has the checked address at all: the job fails, naming it, and connects nowhere.
    resolver.table['mirror.lab.test'] = ['127.0.0.2'];
    const moved = await rejection(fenced.open(probe.url, { address: probe.address }));
    expect(moved.message).toBe(
      'mirror.lab.test no longer resolves to 127.0.0.1, the address the plan checked.',
    );
    expect(two.connections).toBe(before);
    // A pinned address the fence refuses (the lab file changed) is refused like any other.
    await expectRefused(downloads().open(one.url('/alma9.iso'), { address: '127.0.0.1' }), one);
  });
});

describe('the sha256 given with --sha256 (issue 10 §3)', () => {
  async function collect(chunks: AsyncIterable<Uint8Array>): Promise<Buffer[]> {
    const out: Buffer[] = [];
    for await (const chunk of chunks) out.push(Buffer.from(chunk));
    return out;
  }
  async function* parts(...texts: string[]) {
    for (const text of texts) yield Buffer.from(text);
  }
  const sha = (text: string) => createHash('sha256').update(text).digest('hex');

  it('passes every chunk when the bytes have it', async () => {
    expect((await collect(requireSha256(parts('ab', 'cd', 'ef'), sha('abcdef')))).join('')).toBe('abcdef');
  });

  it('holds back the last chunk and fails when they do not, naming both sums', async () => {
    const seen: string[] = [];
    const error = await rejection(
      (async () => {
        for await (const chunk of requireSha256(parts('ab', 'cd', 'ef'), sha('other'))) {
          seen.push(Buffer.from(chunk).toString());
        }
      })(),
    );
    expect(seen).toEqual(['ab', 'cd']);
    expect(error.message).toBe(
      `The source's sha256 is ${sha('abcdef')}, not the ${sha('other')} given with --sha256; its last bytes were not sent.`,
    );
  });
});

describe('the probe of a source that trickles', () => {
  it('ends at its total deadline, however often a byte arrives', async () => {
    const { startHttpSource, LOOPBACK_SOURCES } = await import('./support/http-source.js');
    const source = await startHttpSource({
      '/stalled.iso': { sizeBytes: 700 * 1024 * 1024, stallAfterBytes: 1 },
    });
    const deadline = new AbortController();
    const downloads = createHttpDownloads({
      ...LOOPBACK_SOURCES,
      probeDeadline: () => deadline.signal,
    });
    try {
      const probe = downloads.probe(source.url('/stalled.iso')).catch((error: unknown) => error);
      for (let i = 0; i < 500 && source.requests.length === 0; i++)
        await new Promise((r) => setTimeout(r, 2));
      expect(source.requests).toHaveLength(1);
      deadline.abort(new Error('deadline'));
      const error = (await probe) as LabopsError;
      expect(error.code).toBe('TIMEOUT');
      expect(error.message).toMatch(
        /^127\.0\.0\.1:\d+ did not send the start of stalled\.iso within 15 s\.$/,
      );
    } finally {
      await downloads.close();
      await source.close();
    }
  });
});

describe('the download of a job streams (issue 12 §6)', () => {
  const BODY = Buffer.alloc(4 * 1024 * 1024);
  for (let i = 0; i < BODY.length; i++) BODY[i] = i % 251;

  /** Sends BODY in 64 KiB writes, or `cutAt` bytes of it before dropping the connection. */
  async function startBulkSource(cutAt?: number) {
    const closed: string[] = [];
    const server = createServer((req, res) => {
      res.once('close', () => closed.push(req.url ?? ''));
      res.writeHead(200, { 'content-length': BODY.length });
      let sent = 0;
      const pump = () => {
        while (sent < (cutAt ?? BODY.length)) {
          const part = BODY.subarray(sent, Math.min(sent + 65_536, cutAt ?? BODY.length));
          sent += part.length;
          if (!res.write(part)) return void res.once('drain', pump);
        }
        if (cutAt === undefined) res.end();
        else res.destroy();
      };
      pump();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    return {
      url: (path: string) => `http://127.0.0.1:${port}${path}`,
      closed,
      close: () =>
        new Promise<void>((resolve) => {
          server.closeAllConnections();
          server.close(() => resolve());
        }),
    };
  }

  const turns = (n: number) => Promise.all(Array.from({ length: n }, () => new Promise(setImmediate)));

  it('hands over each chunk as it arrived, never several joined into a new buffer, for a slow consumer too', async () => {
    const source = await startBulkSource();
    try {
      const opened = await downloads({ allowedNetworks: ['127.0.0.0/8'] }).open(source.url('/bulk.iso'));
      const hash = createHash('sha256');
      let largest = 0;
      let total = 0;
      for await (const chunk of opened.chunks) {
        hash.update(chunk);
        total += chunk.byteLength;
        largest = Math.max(largest, chunk.byteLength);
        // A consumer slower than the socket: the chunks wait, and must not be joined while they do.
        await turns(20);
      }
      expect(total).toBe(BODY.length);
      expect(hash.digest('hex')).toBe(createHash('sha256').update(BODY).digest('hex'));
      // One socket read is at most 64 KiB; a Readable's own iterator joins what waits into more.
      expect(largest).toBeLessThanOrEqual(65_536);
    } finally {
      await source.close();
    }
  });

  it('closes the connection when the consumer stops early, or destroys the source unread', async () => {
    const source = await startBulkSource();
    try {
      const fenced = downloads({ allowedNetworks: ['127.0.0.0/8'] });
      const first = await fenced.open(source.url('/stopped.iso'));
      for await (const _chunk of first.chunks) break;
      const second = await fenced.open(source.url('/unread.iso'));
      (second.chunks as unknown as { destroy(): void }).destroy();
      for (let i = 0; i < 200 && source.closed.length < 2; i++) await turns(5);
      expect(source.closed.sort()).toEqual(['/stopped.iso', '/unread.iso']);
    } finally {
      await source.close();
    }
  });

  it('fails when the source drops the connection before its end', async () => {
    const source = await startBulkSource(1024 * 1024);
    try {
      const opened = await downloads({ allowedNetworks: ['127.0.0.0/8'] }).open(source.url('/cut.iso'));
      let received = 0;
      const read = async () => {
        for await (const chunk of opened.chunks) received += chunk.byteLength;
      };
      await expect(read()).rejects.toThrow();
      expect(received).toBeLessThanOrEqual(1024 * 1024);
    } finally {
      await source.close();
    }
  });
});
