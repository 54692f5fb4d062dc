import { randomUUID } from 'node:crypto';
import pg from 'pg';
import type { Queryable } from './pg-statements.js';

// Cards proposed in one replica, told to the others (issue 14 §5): PostgreSQL's NOTIFY on the
// shared database, so that no second server or port is needed. Only a hint: a notice lost while a
// listener reconnects costs the next click its two TLS handshakes, nothing more. LISTEN needs a
// session of its own: through PgBouncer it works only in session pooling mode.

/** The channel of the notices: one per database, every replica listens. */
export const PROPOSALS_CHANNEL = 'labops_proposals';
/** The listener's first wait before connecting again, doubled up to MAX_RETRY_MS. */
const FIRST_RETRY_MS = 500;
const MAX_RETRY_MS = 30_000;

interface ProposalNotice {
  lab: string;
  /** The store that proposed: its own notices are not for it. */
  from: string;
}

/** Announces and hears the cards proposed in the replicas of one database. */
export class PgProposals {
  /** This store among the replicas: notices it sent come back to it, and are skipped. */
  private readonly id = randomUUID();

  constructor(private readonly connection: pg.ClientConfig) {}

  /**
   * Tells the other replicas that `lab` has a new card. Sent after the proposal committed, and not
   * waited for: the card's post does not wait on it, and a failure only loses the hint.
   */
  announce(db: Queryable, lab: string): void {
    const notice: ProposalNotice = { lab, from: this.id };
    db.query('SELECT pg_notify($1, $2)', [PROPOSALS_CHANNEL, JSON.stringify(notice)]).catch(() => undefined);
  }

  /**
   * Calls `listener` with the lab of each card another replica proposes, from a connection of its
   * own (LISTEN holds one). A connection that fails, is closed by the server, or stops answering
   * the check sent every 30 s (a network that drops idle connections without a word) is opened
   * again, after 0.5 s doubling up to 30 s. `onState` says when it listens and when it lost the
   * connection (once, not at every attempt that fails after). Neither callback's failure stops
   * the listening. Answers how to stop.
   */
  listen(
    listener: (lab: string) => void,
    onState: (state: 'listening' | 'lost', error?: Error) => void = () => undefined,
  ): () => Promise<void> {
    let client: pg.Client | undefined;
    let stopped = false;
    let retryMs = FIRST_RETRY_MS;
    let timer: NodeJS.Timeout | undefined;
    let check: NodeJS.Timeout | undefined;
    let said: 'listening' | 'lost' | undefined;
    const tell = (state: 'listening' | 'lost', error?: Error) => {
      if (said === state) return;
      said = state;
      guarded(() => onState(state, error));
    };
    const onNotification = (message: pg.Notification) => {
      if (message.channel !== PROPOSALS_CHANNEL) return;
      const notice = parseNotice(message.payload);
      if (notice && notice.from !== this.id) guarded(() => listener(notice.lab));
    };
    const retry = (failed: pg.Client, error: Error) => {
      if (client !== failed) return;
      client = undefined;
      clearInterval(check);
      failed.removeAllListeners('notification');
      void closeClient(failed);
      if (stopped) return;
      tell('lost', error);
      timer = setTimeout(connect, retryMs);
      timer.unref();
      retryMs = Math.min(retryMs * 2, MAX_RETRY_MS);
    };
    const connect = () => {
      timer = undefined;
      if (stopped) return;
      const opened = new pg.Client({
        ...this.connection,
        application_name: 'labops-listen',
        keepAlive: true,
        keepAliveInitialDelayMillis: CHECK_MS,
        query_timeout: CHECK_TIMEOUT_MS,
      });
      client = opened;
      opened.on('error', (error) => retry(opened, error));
      opened.on('end', () => retry(opened, new Error('the server closed the connection')));
      opened.on('notification', onNotification);
      opened
        .connect()
        .then(() => opened.query(`LISTEN ${PROPOSALS_CHANNEL}`))
        .then(
          () => {
            if (client !== opened || stopped) return;
            retryMs = FIRST_RETRY_MS;
            check = setInterval(() => {
              opened.query('SELECT 1').catch((error: Error) => retry(opened, error));
            }, CHECK_MS);
            check.unref();
            tell('listening');
          },
          (error: Error) => retry(opened, error),
        );
    };
    connect();
    return async () => {
      stopped = true;
      clearTimeout(timer);
      clearInterval(check);
      const open = client;
      client = undefined;
      if (open) await closeClient(open);
    };
  }
}

/** How often the listening connection is checked, and how long the check may take. */
const CHECK_MS = 30_000;
const CHECK_TIMEOUT_MS = 10_000;
/** How long a polite close may take before the socket is simply destroyed. */
const CLOSE_MS = 2000;

/**
 * Ends `client`, and destroys its socket when the server does not answer within 2 s (a connection
 * a network dropped would otherwise hold the stop for the kernel's retransmission timeout).
 */
async function closeClient(client: pg.Client): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const ended = client.end().then(
    () => true,
    () => true,
  );
  const late = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), CLOSE_MS);
  });
  const done = await Promise.race([ended, late]);
  clearTimeout(timer);
  // node-postgres keeps its socket as `connection.stream`, which its types do not declare.
  if (!done)
    (client as unknown as { connection?: { stream?: { destroy(): void } } }).connection?.stream?.destroy();
}

/** Runs a callback of the caller's: its failure is no reason to stop listening, nor to crash. */
function guarded(callback: () => void): void {
  try {
    callback();
  } catch {
    // A hint only: the next notice is tried all the same.
  }
}

function parseNotice(payload: string | undefined): ProposalNotice | undefined {
  try {
    const value = JSON.parse(payload ?? '') as Partial<ProposalNotice>;
    return typeof value.lab === 'string' && typeof value.from === 'string'
      ? { lab: value.lab, from: value.from }
      : undefined;
  } catch {
    return undefined;
  }
}
