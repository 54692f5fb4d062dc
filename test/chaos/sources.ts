import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/**
 * ISO sources on loopback for the chaos run, each path a behaviour: `fast`, `trickle` (a slow
 * mirror), `stall` (sends a little, then never finishes its answer), `drop` (the connection goes
 * away mid-body), `slowhead` (the headers come late, so the plan's probe waits too) and `page` (an
 * HTML page, not an ISO). Bytes are generated, never stored: byte i is i % 251, with the ISO 9660
 * signature CD001 at 32769.
 */
export type SourceKind = 'fast' | 'trickle' | 'stall' | 'drop' | 'slowhead' | 'page';

export const SOURCE_KINDS: readonly SourceKind[] = ['fast', 'trickle', 'stall', 'drop', 'slowhead', 'page'];

const CHUNK = 64 * 1024;
const SIGNATURE_OFFSET = 32769;

interface Behaviour {
  sizeBytes: number;
  iso: boolean;
  chunkDelayMs?: number;
  /** Stop sending after this many bytes of a full answer and keep the connection open. */
  stallAfterBytes?: number;
  /** Destroy the connection after this many bytes of a full answer. */
  dropAfterBytes?: number;
  headerDelayMs?: number;
}

const BEHAVIOURS: Record<SourceKind, Behaviour> = {
  fast: { sizeBytes: 512 * 1024, iso: true },
  trickle: { sizeBytes: 1024 * 1024, iso: true, chunkDelayMs: 40 },
  stall: { sizeBytes: 1024 * 1024, iso: true, stallAfterBytes: 2 * CHUNK },
  drop: { sizeBytes: 1024 * 1024, iso: true, dropAfterBytes: 3 * CHUNK },
  slowhead: { sizeBytes: 256 * 1024, iso: true, headerDelayMs: 300 },
  page: { sizeBytes: 40 * 1024, iso: false },
};

function fill(buffer: Buffer, offset: number, iso: boolean): void {
  for (let i = 0; i < buffer.length; i++) buffer[i] = (offset + i) % 251;
  if (iso && offset <= SIGNATURE_OFFSET + 4 && offset + buffer.length > SIGNATURE_OFFSET) {
    Buffer.from('CD001', 'latin1').copy(
      buffer,
      Math.max(0, SIGNATURE_OFFSET - offset),
      Math.max(0, offset - SIGNATURE_OFFSET),
    );
  }
}

/** The size and sha256 of what a complete download of `kind` gives. */
export function sourceContent(kind: SourceKind): { sizeBytes: number; sha256: string } {
  const { sizeBytes, iso } = BEHAVIOURS[kind];
  const hash = createHash('sha256');
  for (let offset = 0; offset < sizeBytes; offset += CHUNK) {
    const chunk = Buffer.allocUnsafe(Math.min(CHUNK, sizeBytes - offset));
    fill(chunk, offset, iso);
    hash.update(chunk);
  }
  return { sizeBytes, sha256: hash.digest('hex') };
}

export interface ChaosSources {
  /** `http://127.0.0.1:PORT/KIND/NAME`. */
  url(kind: SourceKind, name: string): string;
  close(): Promise<void>;
}

export async function startChaosSources(): Promise<ChaosSources> {
  const sockets = new Set<Socket>();
  const timers = new Set<NodeJS.Timeout>();
  const later = (ms: number, fn: () => void) => {
    const timer = setTimeout(() => {
      timers.delete(timer);
      fn();
    }, ms);
    timers.add(timer);
  };
  const serve = (req: IncomingMessage, res: ServerResponse) => {
    const kind = (req.url ?? '/').split('/')[1] as SourceKind;
    const behaviour = BEHAVIOURS[kind];
    if (!behaviour) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      return;
    }
    const answer = () => {
      if (!behaviour.iso) {
        const page = `<html><body>${'mirror '.repeat(behaviour.sizeBytes / 7)}</body></html>`;
        res.writeHead(200, { 'content-type': 'text/html', 'content-length': Buffer.byteLength(page) });
        res.end(page);
        return;
      }
      const range = /^bytes=(\d+)-(\d+)?$/.exec(req.headers.range ?? '');
      let start = 0;
      let end = behaviour.sizeBytes - 1;
      if (range) {
        start = Number(range[1]);
        end = Math.min(end, range[2] ? Number(range[2]) : end);
        res.writeHead(206, {
          'content-length': end - start + 1,
          'content-range': `bytes ${start}-${end}/${behaviour.sizeBytes}`,
          'content-type': 'application/octet-stream',
        });
      } else {
        res.writeHead(200, {
          'content-length': behaviour.sizeBytes,
          'content-type': 'application/octet-stream',
        });
      }
      // A probe's small Range answer always completes; the misbehaviour is in the full body.
      const full = !range;
      let offset = start;
      const send = () => {
        while (offset <= end) {
          if (res.destroyed) return;
          if (full && behaviour.stallAfterBytes !== undefined && offset >= behaviour.stallAfterBytes) return;
          if (full && behaviour.dropAfterBytes !== undefined && offset >= behaviour.dropAfterBytes) {
            res.destroy();
            return;
          }
          const chunk = Buffer.allocUnsafe(Math.min(CHUNK, end - offset + 1));
          fill(chunk, offset, true);
          offset += chunk.length;
          const more = res.write(chunk);
          if (full && behaviour.chunkDelayMs) {
            later(behaviour.chunkDelayMs, send);
            return;
          }
          if (!more) {
            res.once('drain', send);
            return;
          }
        }
        res.end();
      };
      send();
    };
    if (behaviour.headerDelayMs) later(behaviour.headerDelayMs, answer);
    else answer();
  };
  const server = createServer(serve);
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: (kind, name) => `http://127.0.0.1:${port}/${kind}/${name}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const timer of timers) clearTimeout(timer);
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
