import { createHash, randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/**
 * The Socket Mode stand-in: the WebSocket `apps.connections.open` points to (slack-platform.md §6).
 * It says hello, sends envelopes and resolves each with the app's ack (by envelope_id). `ws` is not
 * installed (the SDK's v3 client uses undici), so this speaks RFC 6455 itself: text frames, ping →
 * pong, close.
 */
export class SocketModeStandIn {
  private readonly server: Server;
  private socket: Socket | undefined;
  private buffer = Buffer.alloc(0);
  private fragments: Buffer[] = [];
  private readonly acks = new Map<string, (payload: unknown) => void>();
  private connectedWaiters: (() => void)[] = [];
  /** Every ack received, in order. */
  readonly received: { envelope_id: string; payload?: unknown }[] = [];
  connections = 0;
  port = 0;

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
      this.socket?.destroy();
      this.socket = socket;
      this.buffer = Buffer.alloc(0);
      this.connections++;
      socket.setNoDelay(true);
      socket.on('data', (data: Buffer) => this.onData(data));
      socket.on('error', () => undefined);
      this.sendText(JSON.stringify({ type: 'hello', num_connections: 1, connection_info: { app_id: 'A1' } }));
      for (const w of this.connectedWaiters.splice(0)) w();
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

  connected(): Promise<void> {
    if (this.socket && !this.socket.destroyed) return Promise.resolve();
    return new Promise((resolve) => this.connectedWaiters.push(resolve));
  }

  /** Sends one envelope and resolves with the ack's payload (undefined for an empty ack). */
  send(
    type: 'slash_commands' | 'interactive' | 'events_api',
    payload: unknown,
    extra: Record<string, unknown> = {},
  ): Promise<unknown> {
    const envelope_id = randomUUID();
    const acked = new Promise<unknown>((resolve) => this.acks.set(envelope_id, resolve));
    this.sendText(
      JSON.stringify({
        envelope_id,
        type,
        payload,
        accepts_response_payload: type !== 'events_api',
        ...extra,
      }),
    );
    return acked;
  }

  async close(): Promise<void> {
    if (this.socket && !this.socket.destroyed) {
      this.writeFrame(0x8, Buffer.from([0x03, 0xe8]));
      this.socket.destroy();
    }
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private sendText(text: string): void {
    this.writeFrame(0x1, Buffer.from(text));
  }

  private writeFrame(opcode: number, payload: Buffer): void {
    if (!this.socket || this.socket.destroyed) return;
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
      this.socket?.end();
      return;
    }
    if (opcode === 0x1 || opcode === 0x0) {
      this.fragments.push(payload);
      if (!fin) return;
      const text = Buffer.concat(this.fragments).toString();
      this.fragments = [];
      const message = JSON.parse(text) as { envelope_id?: string; payload?: unknown };
      if (!message.envelope_id) return;
      this.received.push({ envelope_id: message.envelope_id, payload: message.payload });
      this.acks.get(message.envelope_id)?.(message.payload);
      this.acks.delete(message.envelope_id);
    }
  }
}
