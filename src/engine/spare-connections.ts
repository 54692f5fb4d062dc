import { isIP, type Socket } from 'node:net';
import { buildConnector } from '../net/undici.js';

/** How long an opened connection waits for a request before it is closed unused, by default. */
const SPARE_MS = 2000;

interface Spare {
  socket: Promise<Socket>;
  timer: NodeJS.Timeout;
}

/**
 * The engine pool's connector, able to open connections ahead of the requests that will use them.
 * A click on a card reads the store for several milliseconds before the plan's re-check reads the
 * engine; a replica that has not spoken to that engine for a few seconds must open a TLS
 * connection first (issue 14 §5: the replica that did not post the card). `open(count)` starts
 * those handshakes at once, and the pool's next connections take them, still opening or ready.
 */
export class SpareConnections {
  private readonly base: buildConnector.connector;
  private readonly target: buildConnector.Options;
  private readonly spares: Spare[] = [];
  private closed = false;

  constructor(origin: string, tls: buildConnector.BuildOptions) {
    this.base = buildConnector(tls);
    const url = new URL(origin);
    const port = url.port || (url.protocol === 'https:' ? '443' : '80');
    this.target = {
      hostname: url.hostname,
      host: url.host,
      protocol: url.protocol,
      port,
      // As undici's client: SNI carries a name, never an address.
      ...(isIP(url.hostname.replace(/^\[|\]$/g, '')) === 0 ? { servername: url.hostname } : {}),
    };
  }

  /** The connector the pool is built with: a spare connection when one is open, else a new one. */
  readonly connect: buildConnector.connector = (options, callback) => {
    const spare = this.spares.shift();
    if (!spare) {
      this.base(options, callback);
      return;
    }
    clearTimeout(spare.timer);
    spare.socket.then(
      (socket) => {
        if (socket.destroyed) this.base(options, callback);
        else {
          socket.removeListener('error', ignore);
          callback(null, socket);
        }
      },
      () => this.base(options, callback),
    );
  };

  /** Spare connections not yet taken. */
  get count(): number {
    return this.spares.length;
  }

  /**
   * Reserves `count` connections now and starts opening them on the next turn of the event loop:
   * the caller's first store query goes out before their handshakes' CPU (~1 ms each), which then
   * runs while its answer travels; a request that comes first takes a reserved one all the same.
   * Each is closed if no request takes it within `holdMs` (default 2 s).
   */
  open(count: number, holdMs = SPARE_MS): void {
    for (let i = 0; i < count && !this.closed; i++) {
      const socket = new Promise<Socket>((resolve, reject) => {
        setImmediate(() => {
          if (this.closed) {
            reject(new Error('closed before it opened'));
            return;
          }
          this.base(this.target, (error, opened) => {
            if (error || !opened) reject(error ?? new Error('no socket'));
            else {
              opened.on('error', ignore);
              resolve(opened);
            }
          });
        });
      });
      socket.catch(ignore);
      const spare: Spare = {
        socket,
        timer: setTimeout(() => this.discard(spare), holdMs).unref(),
      };
      this.spares.push(spare);
    }
  }

  /** Closes every spare connection; none is opened after. */
  close(): void {
    this.closed = true;
    for (const spare of this.spares.splice(0)) this.discard(spare);
  }

  private discard(spare: Spare): void {
    clearTimeout(spare.timer);
    const at = this.spares.indexOf(spare);
    if (at >= 0) this.spares.splice(at, 1);
    spare.socket.then((socket) => socket.destroy(), ignore);
  }
}

function ignore(): void {}
