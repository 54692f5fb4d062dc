import { createHash, randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

type EnvelopeType = 'slash_commands' | 'interactive' | 'events_api';

/** An envelope sent and not yet acknowledged: Slack sends it again on a later connection. */
interface Pending {
  envelope_id: string;
  type: EnvelopeType;
  payload: unknown;
  extra: Record<string, unknown>;
  attempt: number;
  /** The connection it was last sent on; none while no connection was open (Slack holds it). */
  connection: Connection | undefined;
  resolve: (payload: unknown) => void;
}

/** One WebSocket connection of the app, as Slack keeps up to 10 of them (slack-platform.md §6). */
class Connection {
  private buffer = Buffer.alloc(0);
  private fragments: Buffer[] = [];
  /** Envelopes delivered on this connection, in order (their ids). */
  readonly delivered: string[] = [];

  constructor(
    readonly id: number,
    readonly socket: Socket,
    private readonly onMessage: (connection: Connection, message: Record<string, unknown>) => void,
  ) {
    socket.setNoDelay(true);
    socket.on('data', (data: Buffer) => this.onData(data));
    socket.on('error', () => undefined);
    // The HTTP server keeps upgraded sockets half-open: the app's end (a process killed) ends it.
    socket.on('end', () => socket.end());
  }

  get open(): boolean {
    return !this.socket.destroyed;
  }

  sendJson(message: unknown): void {
    this.writeFrame(0x1, Buffer.from(JSON.stringify(message)));
  }

  /** A clean close (1000), as Slack ends a connection after its `disconnect` warning. */
  close(): void {
    if (!this.open) return;
    this.writeFrame(0x8, Buffer.from([0x03, 0xe8]));
    this.socket.end();
  }

  /** Gone with no close frame: a network drop. */
  drop(): void {
    this.socket.destroy();
  }

  private writeFrame(opcode: number, payload: Buffer): void {
    if (!this.open) return;
    const length = payload.length;
    let head: Buffer;
    if (length < 126) {
      head = Buffer.from([0x80 | opcode, length]);
    } else if (length < 65536) {
      head = Buffer.alloc(4);
      head[0] = 0x80 | opcode;
      head[1] = 126;
      head.writeUInt16BE(length, 2);
    } else {
      head = Buffer.alloc(10);
      head[0] = 0x80 | opcode;
      head[1] = 127;
      head.writeBigUInt64BE(BigInt(length), 2);
    }
    this.socket.write(Buffer.concat([head, payload]));
  }

  private onData(data: Buffer): void {
    this.buffer = Buffer.concat([this.buffer, data]);
    for (;;) {
      if (this.buffer.length < 2) return;
      const b0 = this.buffer[0] ?? 0;
      const b1 = this.buffer[1] ?? 0;
      let length = b1 & 0x7f;
      let offset = 2;
      if (length === 126) {
        if (this.buffer.length < 4) return;
        length = this.buffer.readUInt16BE(2);
        offset = 4;
      } else if (length === 127) {
        if (this.buffer.length < 10) return;
        length = Number(this.buffer.readBigUInt64BE(2));
        offset = 10;
      }
      const masked = (b1 & 0x80) !== 0;
      const need = offset + (masked ? 4 : 0) + length;
      if (this.buffer.length < need) return;
      const mask = masked ? this.buffer.subarray(offset, offset + 4) : undefined;
      const payload = Buffer.from(this.buffer.subarray(need - length, need));
      if (mask) for (let i = 0; i < payload.length; i++) payload[i] = (payload[i] ?? 0) ^ (mask[i % 4] ?? 0);
      this.buffer = this.buffer.subarray(need);
      this.onFrame(b0 & 0x0f, (b0 & 0x80) !== 0, payload);
    }
  }

  private onFrame(opcode: number, fin: boolean, payload: Buffer): void {
    if (opcode === 0x9) {
      this.writeFrame(0xa, payload);
      return;
    }
    if (opcode === 0x8) {
      this.writeFrame(0x8, payload.subarray(0, 2));
      this.socket.end();
      return;
    }
    if (opcode === 0x1 || opcode === 0x0) {
      this.fragments.push(payload);
      if (!fin) return;
      const text = Buffer.concat(this.fragments).toString();
      this.fragments = [];
      this.onMessage(this, JSON.parse(text) as Record<string, unknown>);
    }
  }
}

/**
 * The Socket Mode stand-in: the WebSocket `apps.connections.open` points to (slack-platform.md §6),
 * as Slack behaves with several connections (one per replica, or the SDK's own reconnect): each
 * new connection gets `hello`; envelopes are spread over the open connections in turn and each
 * resolves with its ack (by envelope_id); one never acknowledged is sent again, on whichever
 * connection opens next, with `retry_attempt` and `retry_reason` — as Slack re-delivers. It can
 * ask a connection to go (`disconnect` with `refresh_requested`, `warning` or `link_disabled`) and
 * drop one without a close frame. `ws` is not installed (the SDK's v3 client uses undici), so this
 * speaks RFC 6455 itself: text frames, ping → pong, close.
 */
export class SocketModeStandIn {
  private readonly server: Server;
  private readonly open: Connection[] = [];
  private next = 0;
  private readonly pending = new Map<string, Pending>();
  private connectedWaiters: { count: number; resolve: () => void }[] = [];
  /** Every ack received, in order. */
  readonly received: { envelope_id: string; payload?: unknown; connection: number }[] = [];
  /** How many connections were ever opened. */
  connections = 0;
  port = 0;
  /**
   * Re-send an unacknowledged envelope when its connection goes: on another open connection, or
   * on the next one to open (Slack's re-delivery).
   */
  redeliver = true;
  /** Close each new connection before `hello`, as Slack does when it will not take the app now. */
  closeBeforeHello = false;

  private constructor() {
    this.server = createServer((_req, res) => res.writeHead(426).end());
    this.server.on('upgrade', (req, socket: Socket) => {
      const key = req.headers['sec-websocket-key'];
      if (typeof key !== 'string') {
        socket.end('HTTP/1.1 400 Bad Request\r\n\r\n');
        return;
      }
      const accept = createHash('sha1').update(`${key}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest('base64');
      socket.write(
        `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`,
      );
      this.connections++;
      const connection = new Connection(this.connections, socket, (c, m) => this.onMessage(c, m));
      if (this.closeBeforeHello) {
        connection.close();
        return;
      }
      this.open.push(connection);
      socket.on('close', () => {
        const index = this.open.indexOf(connection);
        if (index >= 0) this.open.splice(index, 1);
        // What it never acknowledged goes to another connection, as Slack retries an event.
        const other = this.open.find((c) => c.open);
        if (this.redeliver && other) this.redeliverTo(other);
      });
      connection.sendJson({
        type: 'hello',
        num_connections: this.open.length,
        connection_info: { app_id: 'A1' },
        debug_info: { host: 'applink-standin', approximate_connection_time: 18060 },
      });
      this.notifyConnected();
      if (this.redeliver) this.redeliverTo(connection);
    });
  }

  static async start(): Promise<SocketModeStandIn> {
    const standIn = new SocketModeStandIn();
    await new Promise<void>((resolve) => standIn.server.listen(0, '127.0.0.1', resolve));
    standIn.port = (standIn.server.address() as AddressInfo).port;
    return standIn;
  }

  /** A fresh connection URL, as `apps.connections.open` answers. */
  url(): string {
    return `ws://127.0.0.1:${this.port}/link/?ticket=${randomUUID()}`;
  }

  /** How many connections are open now. */
  get openConnections(): number {
    return this.open.length;
  }

  /** Settles once at least `count` connections are open. */
  connected(count = 1): Promise<void> {
    if (this.open.length >= count) return Promise.resolve();
    return new Promise((resolve) => this.connectedWaiters.push({ count, resolve }));
  }

  /**
   * Sends one envelope — on `options.connection` (its number, 1 for the first ever opened), else on
   * the open connections in turn — and resolves with the ack's payload (undefined for an empty
   * ack), whichever delivery the app acknowledges.
   */
  send(
    type: EnvelopeType,
    payload: unknown,
    extra: Record<string, unknown> = {},
    options: { connection?: number } = {},
  ): Promise<unknown> {
    const envelope_id = randomUUID();
    return new Promise<unknown>((resolve) => {
      // With no connection open, Slack holds the event for the next one (sent as a retry).
      const connection =
        options.connection === undefined && !this.open.some((c) => c.open)
          ? undefined
          : this.pick(options.connection);
      const pending: Pending = { envelope_id, type, payload, extra, attempt: 0, connection, resolve };
      this.pending.set(envelope_id, pending);
      if (connection) this.deliver(pending, connection);
    });
  }

  /** The envelopes sent and not acknowledged yet (ids). */
  unacknowledged(): string[] {
    return [...this.pending.keys()];
  }

  /**
   * Asks a connection to go, as Slack does before it closes one: `refresh_requested` (about every
   * few hours), `warning` (it will close soon) or `link_disabled` (the app's Socket Mode was turned
   * off: the app should not reconnect). `close`: then close it, as Slack does a few seconds later.
   */
  disconnect(
    reason: 'refresh_requested' | 'warning' | 'link_disabled',
    options: { connection?: number; close?: boolean } = {},
  ): void {
    const connection = this.pick(options.connection);
    connection.sendJson({ type: 'disconnect', reason, debug_info: { host: 'applink-standin' } });
    if (options.close) connection.close();
  }

  /** Drops a connection (the first open one by default) with no close frame, as a network failure. */
  drop(options: { connection?: number } = {}): void {
    this.pick(options.connection).drop();
  }

  async close(): Promise<void> {
    for (const connection of [...this.open]) connection.close();
    for (const connection of [...this.open]) connection.drop();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private pick(number: number | undefined): Connection {
    if (number !== undefined) {
      const chosen = this.open.find((c) => c.id === number);
      if (!chosen) throw new Error(`no open Socket Mode connection ${number}`);
      return chosen;
    }
    const open = this.open.filter((c) => c.open);
    if (open.length === 0) throw new Error('no Socket Mode connection is open');
    const chosen = open[this.next % open.length]!;
    this.next++;
    return chosen;
  }

  private deliver(pending: Pending, connection: Connection): void {
    pending.connection = connection;
    connection.delivered.push(pending.envelope_id);
    connection.sendJson({
      envelope_id: pending.envelope_id,
      type: pending.type,
      payload: pending.payload,
      accepts_response_payload: pending.type !== 'events_api',
      ...pending.extra,
      ...(pending.attempt > 0 ? { retry_attempt: pending.attempt, retry_reason: 'timeout' } : {}),
    });
  }

  /** Every unacknowledged envelope whose connection is gone, sent again on `connection`. */
  private redeliverTo(connection: Connection): void {
    for (const pending of this.pending.values()) {
      if (pending.connection?.open) continue;
      pending.attempt++;
      this.deliver(pending, connection);
    }
  }

  private onMessage(connection: Connection, message: Record<string, unknown>): void {
    const id = message.envelope_id;
    if (typeof id !== 'string') return;
    this.received.push({ envelope_id: id, payload: message.payload, connection: connection.id });
    const pending = this.pending.get(id);
    this.pending.delete(id);
    pending?.resolve(message.payload);
  }

  private notifyConnected(): void {
    const ready = this.connectedWaiters.filter((w) => this.open.length >= w.count);
    this.connectedWaiters = this.connectedWaiters.filter((w) => this.open.length < w.count);
    for (const waiter of ready) waiter.resolve();
  }
}
