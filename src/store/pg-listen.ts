import { randomUUID } from 'node:crypto';
import pg from 'pg';
import type { Queryable } from './pg-statements.js';

// Cards proposed in one replica, told to the others (issue 14 §5): PostgreSQL's NOTIFY on the
// shared database, so that no second server or port is needed. Only a hint: a notice lost while a
// listener reconnects costs the next click a TLS handshake, nothing more.

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
   * own (LISTEN holds one). A connection that fails or is closed by the server is opened again,
   * after 0.5 s doubling up to 30 s; `onState` says when it listens and when it lost the
   * connection (once, not at every attempt that fails after). Answers how to stop.
   */
  listen(
    listener: (lab: string) => void,
    onState: (state: 'listening' | 'lost', error?: Error) => void = () => undefined,
  ): () => Promise<void> {
    let client: pg.Client | undefined;
    let stopped = false;
    let retryMs = FIRST_RETRY_MS;
    let timer: NodeJS.Timeout | undefined;
    let said: 'listening' | 'lost' | undefined;
    const tell = (state: 'listening' | 'lost', error?: Error) => {
      if (said !== state) onState(state, error);
      said = state;
    };
    const onNotification = (message: pg.Notification) => {
      if (message.channel !== PROPOSALS_CHANNEL) return;
      const notice = parseNotice(message.payload);
      if (notice && notice.from !== this.id) listener(notice.lab);
    };
    const retry = (failed: pg.Client, error: Error) => {
      if (client !== failed) return;
      client = undefined;
      failed.removeAllListeners('notification');
      failed.end().catch(() => undefined);
      if (stopped) return;
      tell('lost', error);
      timer = setTimeout(connect, retryMs);
      timer.unref();
      retryMs = Math.min(retryMs * 2, MAX_RETRY_MS);
    };
    const connect = () => {
      timer = undefined;
      if (stopped) return;
      const opened = new pg.Client({ ...this.connection, application_name: 'labops-listen' });
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
            tell('listening');
          },
          (error: Error) => retry(opened, error),
        );
    };
    connect();
    return async () => {
      stopped = true;
      if (timer) clearTimeout(timer);
      const open = client;
      client = undefined;
      await open?.end().catch(() => undefined);
    };
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
