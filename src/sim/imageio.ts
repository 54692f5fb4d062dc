import { createHash, type Hash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer, type Server } from 'node:https';
import { closeListener, listenOnFreePort } from './listener.js';

/**
 * The imageio daemon (ovirt-api.md §5.3, §8.18, §8.19): tickets the engine adds when a transfer
 * reaches `transferring`, and the HTTP protocol clients use to send bytes. It listens on its own
 * HTTPS port (the transfer_url) and also serves the engine's proxy path (the proxy_url), through
 * `handle()`.
 *
 * Uploaded bytes are not kept: a ticket counts them, tracks the highest offset written, keeps the
 * first 64 KiB (enough to see the ISO 9660 `CD001` signature at byte 32769) and hashes the image
 * while it is written in order, so a 1 GiB upload runs at loopback speed with no memory to speak of.
 */

/** What imageio knows about one ticket's upload; the engine reads it for `active` and `transferred`. */
export interface UploadRecord {
  ticketId: string;
  transferId: string;
  diskId: string;
  /** The ticket's size: the disk's provisioned size. */
  size: number;
  writable: boolean;
  /** Bytes received by PUT. */
  bytesWritten: number;
  /** The highest offset written (PUT or zero) — the uploaded image's size. */
  highWater: number;
  /** The first HEAD_BYTES of the image as written. */
  head: Buffer;
  /** Requests in progress; the transfer is `active` while there is one. */
  activeRequests: number;
  flushes: number;
  /** sha256 of bytes 0 to `hashed`, while every write continued where the last one ended. */
  readonly sha256: string | undefined;
  hashState: { hash: Hash; hashed: number; inOrder: boolean };
}

export const HEAD_BYTES = 64 * 1024;

const OPTIONS_BODY = JSON.stringify({
  unix_socket: '\u0000/org/ovirt/imageio',
  features: ['extents', 'zero', 'flush'],
  max_readers: 8,
  max_writers: 8,
});
const READ_ONLY_OPTIONS_BODY = JSON.stringify({
  unix_socket: '\u0000/org/ovirt/imageio',
  features: ['extents'],
  max_readers: 8,
  max_writers: 0,
});
const ZEROS = Buffer.alloc(1024 * 1024);

export interface NewTicket {
  ticketId: string;
  transferId: string;
  diskId: string;
  size: number;
  writable: boolean;
}

export class ImageioDaemon {
  private readonly tickets = new Map<string, UploadRecord>();
  /** Every ticket ever added, kept after the ticket ends, for upload assertions. */
  readonly uploads = new Map<string, UploadRecord>();
  private server: Server | undefined;

  addTicket(ticket: NewTicket): UploadRecord {
    const record: UploadRecord = {
      ...ticket,
      bytesWritten: 0,
      highWater: 0,
      head: Buffer.alloc(HEAD_BYTES),
      activeRequests: 0,
      flushes: 0,
      hashState: { hash: createHash('sha256'), hashed: 0, inOrder: true },
      get sha256() {
        const state = this.hashState;
        return state.inOrder && state.hashed === this.highWater ? state.hash.copy().digest('hex') : undefined;
      },
    };
    this.tickets.set(ticket.ticketId, record);
    this.uploads.set(ticket.ticketId, record);
    return record;
  }

  removeTicket(ticketId: string): void {
    this.tickets.delete(ticketId);
  }

  /** Starts the daemon's own listener; resolves to its port. */
  async listen(host: string, tls: { key: string; cert: string }): Promise<number> {
    const server = createServer({ key: tls.key, cert: tls.cert, requestTimeout: 0 }, (req, res) => {
      const path = (req.url ?? '/').split('?')[0] ?? '/';
      if (path.startsWith('/images/')) this.handle(req, res);
      else sendText(res, 404, 'Not Found');
    });
    this.server = server;
    return listenOnFreePort(server, host);
  }

  close(): Promise<void> {
    return closeListener(this.server);
  }

  /** Serves `/images/{ticket}[/extents]` and `/images/*` (also for the engine's proxy). */
  handle(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', 'https://imageio');
    const [, , ticketId = '', sub] = url.pathname.split('/');
    const method = req.method ?? 'GET';
    if (method === 'OPTIONS' && ticketId === '*') {
      sendOptions(res, true);
      return;
    }
    const ticket = this.tickets.get(ticketId);
    if (!ticket) {
      // ovirt-api.md §5.3: unknown, expired or cancelled tickets are 403, never retried.
      drain(req);
      sendText(res, 403, `You are not allowed to access this resource: No such ticket ${ticketId}`);
      return;
    }
    if (sub === 'extents' && method === 'GET') {
      sendJson(res, 200, JSON.stringify([{ start: 0, length: ticket.size, zero: false, hole: false }]));
      return;
    }
    switch (method) {
      case 'OPTIONS':
        sendOptions(res, ticket.writable);
        return;
      case 'PUT':
        this.handlePut(req, res, ticket, url);
        return;
      case 'PATCH':
        this.handlePatch(req, res, ticket);
        return;
      case 'GET':
        handleGet(req, res, ticket);
        return;
      default:
        drain(req);
        sendText(res, 405, `Method not allowed: ${method}`);
    }
  }

  private handlePut(req: IncomingMessage, res: ServerResponse, ticket: UploadRecord, url: URL): void {
    if (!ticket.writable) {
      drain(req);
      sendText(
        res,
        403,
        `You are not allowed to access this resource: Ticket ${ticket.ticketId} forbids write`,
      );
      return;
    }
    const lengthHeader = req.headers['content-length'];
    if (lengthHeader === undefined) {
      drain(req);
      sendText(res, 400, 'Missing required header: Content-Length');
      return;
    }
    const length = Number(lengthHeader);
    let start = 0;
    const range = req.headers['content-range'];
    if (range !== undefined) {
      // Only START is used; the length comes from Content-Length (ovirt-api.md §5.3).
      const match = /^bytes (\d+)-(\d+|\*)\/(\d+|\*)$/.exec(range.trim());
      if (!match) {
        drain(req);
        sendText(res, 400, `Invalid Content-Range header: ${range}`);
        return;
      }
      start = Number(match[1]);
    }
    if (start + length > ticket.size) {
      drain(req);
      sendOutOfRange(res, ticket);
      return;
    }
    let offset = start;
    ticket.activeRequests++;
    let settled = false;
    const settle = (): void => {
      if (settled) return;
      settled = true;
      ticket.activeRequests--;
      if (offset > ticket.highWater) ticket.highWater = offset;
    };
    req.on('data', (chunk: Buffer) => {
      if (offset < HEAD_BYTES)
        chunk.copy(ticket.head, offset, 0, Math.min(chunk.length, HEAD_BYTES - offset));
      hashWrite(ticket, offset, chunk);
      offset += chunk.length;
      ticket.bytesWritten += chunk.length;
    });
    req.on('end', () => {
      settle();
      if (url.searchParams.get('flush') !== 'n') ticket.flushes++;
      res.writeHead(200, { 'Content-Length': '0' });
      res.end();
    });
    req.on('close', settle);
  }

  private handlePatch(req: IncomingMessage, res: ServerResponse, ticket: UploadRecord): void {
    const parts: Buffer[] = [];
    req.on('data', (chunk: Buffer) => parts.push(chunk));
    req.on('end', () => {
      let body: { op?: unknown; offset?: unknown; size?: unknown };
      try {
        body = JSON.parse(Buffer.concat(parts).toString('utf8')) as typeof body;
      } catch {
        sendText(res, 400, 'Invalid JSON message');
        return;
      }
      if (body.op === 'flush') {
        ticket.flushes++;
        res.writeHead(200, { 'Content-Length': '0' });
        res.end();
        return;
      }
      if (body.op === 'zero') {
        if (body.size === undefined) {
          sendText(res, 400, "Missing required value for 'size'");
          return;
        }
        const offset = Number(body.offset ?? 0);
        const end = offset + Number(body.size);
        if (end > ticket.size) {
          sendOutOfRange(res, ticket);
          return;
        }
        if (offset < HEAD_BYTES) ticket.head.fill(0, offset, Math.min(end, HEAD_BYTES));
        for (let at = offset; at < end; at += ZEROS.length) {
          hashWrite(ticket, at, ZEROS.subarray(0, Math.min(ZEROS.length, end - at)));
        }
        if (end > ticket.highWater) ticket.highWater = end;
        res.writeHead(200, { 'Content-Length': '0' });
        res.end();
        return;
      }
      sendText(res, 400, `Unsupported operation: ${String(body.op)}`);
    });
  }
}

/** Feeds a write to the ticket's hash while writes continue where the last one ended. */
function hashWrite(ticket: UploadRecord, offset: number, bytes: Buffer): void {
  const state = ticket.hashState;
  if (!state.inOrder || bytes.length === 0) return;
  if (offset !== state.hashed) {
    state.inOrder = false;
    return;
  }
  state.hash.update(bytes);
  state.hashed += bytes.length;
}

/** GET with an optional single `Range`; bytes past the kept head read as zeros (the sim keeps no data). */
function handleGet(req: IncomingMessage, res: ServerResponse, ticket: UploadRecord): void {
  let start = 0;
  let end = ticket.size - 1;
  let status = 200;
  const range = req.headers.range;
  if (range !== undefined) {
    const match = /^bytes=(\d+)-(\d*)$/.exec(range.trim());
    if (!match) {
      sendOutOfRange(res, ticket);
      return;
    }
    start = Number(match[1]);
    end = match[2] ? Number(match[2]) : ticket.size - 1;
    if (end >= ticket.size || start > end) {
      sendOutOfRange(res, ticket);
      return;
    }
    status = 206;
  }
  const headers: Record<string, string> = {
    'Content-Type': 'application/octet-stream',
    'Content-Length': String(end - start + 1),
  };
  if (status === 206) headers['Content-Range'] = `bytes ${start}-${end}/*`;
  res.writeHead(status, headers);
  let position = start;
  const pump = (): void => {
    while (position <= end) {
      const n = Math.min(end - position + 1, ZEROS.length);
      const piece =
        position < HEAD_BYTES
          ? ticket.head.subarray(position, Math.min(position + n, HEAD_BYTES))
          : ZEROS.subarray(0, n);
      position += piece.length;
      if (!res.write(piece)) {
        res.once('drain', pump);
        return;
      }
    }
    res.end();
  };
  pump();
}

function sendOutOfRange(res: ServerResponse, ticket: UploadRecord): void {
  sendText(res, 416, 'Requested range out of allowed range', { 'Content-Range': `bytes */${ticket.size}` });
}

function sendOptions(res: ServerResponse, writable: boolean): void {
  const body = writable ? OPTIONS_BODY : READ_ONLY_OPTIONS_BODY;
  res.writeHead(200, {
    Allow: writable ? 'GET,PUT,PATCH,OPTIONS' : 'GET,OPTIONS',
    'Content-Type': 'application/json',
    'Content-Length': String(Buffer.byteLength(body)),
  });
  res.end(body);
}

function sendJson(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, {
    'Content-Type': 'application/json',
    'Content-Length': String(Buffer.byteLength(body)),
  });
  res.end(body);
}

/** imageio's errors: text/plain, one line ending in a newline (ovirt-api.md §5.3). */
function sendText(
  res: ServerResponse,
  status: number,
  message: string,
  headers: Record<string, string> = {},
): void {
  const body = `${message}\n`;
  res.writeHead(status, {
    ...headers,
    'Content-Type': 'text/plain; charset=UTF-8',
    'Content-Length': String(Buffer.byteLength(body)),
  });
  res.end(body);
}

/** Reads and discards a request body we refuse, so the connection can serve the next request. */
function drain(req: IncomingMessage): void {
  req.resume();
}
