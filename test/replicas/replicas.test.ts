import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ACTION } from '../../src/slack/render-card.js';
import { openPgStore } from '../../src/store/pg-store.js';
import type { JobRecord, Store } from '../../src/store/types.js';
import { type SimLab, startSimLab } from '../support/engine.js';
import { writeSimulatedLabsFile } from '../support/lab-files.js';
import { resetPgDatabase, usePgDatabase } from '../support/postgres.js';
import { cleanEnv, holdsConnection, MAIN, spawnTs } from '../support/processes.js';
import { SlackApiStandIn } from '../support/slack-api.js';
import {
  APP_TOKEN,
  BOT_TOKEN,
  clickPayload,
  commandBody,
  postSigned,
  SIGNING_SECRET,
} from '../support/slack-harness.js';
import { SocketModeStandIn } from '../support/slack-socket.js';

/*
 * Two replicas of labops on one PostgreSQL (issue 14 §4): real processes (src/main.ts, as
 * `npm run dev` runs it), the Slack Web API stand-in they both call, and a Socket Mode stand-in
 * that spreads events over their two connections as Slack does. Two labs, each its own simulated
 * engine on its own loopback address, bound to channels C1 and C2.
 */

const database = usePgDatabase();
const LEASE_MS = 1500;
const START_MS = 60_000;
const OPERATOR = 'U0OPER';
/** The channels lab1 and lab2 are bound to. */
const C1 = 'C0LABONE1';
const C2 = 'C0LABTWO2';
const APPROVERS = ['U0ALICE', 'U0BOB', 'U0CAROL', 'U0DAVE', 'U0ERIN'];

interface Replica {
  child: ChildProcess;
  id: () => string | undefined;
  logs: () => { msg?: string; replica?: string; [key: string]: unknown }[];
  stderr: () => string;
}

let dir: string;
let sims: SimLab[] = [];
let api: SlackApiStandIn;
let socket: SocketModeStandIn;
let store: Store;
const replicas: Replica[] = [];

/** Two simulated labs, the Slack stand-ins and an empty database; each describe's own. */
async function setUp(): Promise<void> {
  dir = mkdtempSync(join(tmpdir(), 'labops-replicas-'));
  sims = await Promise.all([
    startSimLab({ timeScale: 0.002 }),
    startSimLab({ timeScale: 0.002, host: '127.0.0.2' }),
  ]);
  api = await SlackApiStandIn.start({ botToken: BOT_TOKEN });
  api.addChannel(C1, [OPERATOR, ...APPROVERS]);
  api.addChannel(C2, [OPERATOR, ...APPROVERS]);
  socket = await SocketModeStandIn.start();
  api.setSocketUrl(() => socket.url());
  await resetPgDatabase(database());
  store = await openPgStore({ url: database() });
  writeLabFile();
}

async function tearDown(): Promise<void> {
  for (const replica of replicas.splice(0)) {
    if (replica.child.exitCode === null && replica.child.signalCode === null) {
      // Not a test of a graceful stop (test/service covers it): a stop would wait for the card
      // lane's budget to deliver the last edits.
      replica.child.kill('SIGKILL');
      await new Promise((resolve) => replica.child.once('exit', resolve));
    }
  }
  await store?.close();
  await socket?.close();
  await api?.close();
  for (const sim of sims) await sim.close();
  rmSync(dir, { recursive: true, force: true });
}

/** lab1 and lab2 on the two simulators, their machines named apart, every address loopback. */
function writeLabFile(): void {
  writeSimulatedLabsFile(dir, [
    { engine: sims[0]!.sim, approvers: APPROVERS, channel: C1 },
    { engine: sims[1]!.sim, approvers: APPROVERS, channel: C2 },
  ]);
}

function startReplica(mode: 'socket' | 'http', port?: number): Replica {
  const child = spawnTs(MAIN, [], {
    cwd: dir,
    env: cleanEnv({
      LABOPS_MODE: mode,
      SLACK_BOT_TOKEN: BOT_TOKEN,
      ...(mode === 'socket' ? { SLACK_APP_TOKEN: APP_TOKEN } : { PORT: String(port) }),
      SLACK_SIGNING_SECRET: SIGNING_SECRET,
      SLACK_API_URL: api.apiUrl,
      DATABASE_URL: database(),
      LAB_CONFIG: join(dir, 'lab.yml'),
      LAB1_ENGINE_PASSWORD: sims[0]!.sim.password,
      LAB2_ENGINE_PASSWORD: sims[1]!.sim.password,
      LAB1_SSH_PASSWORD: 'unused-1',
      LAB2_SSH_PASSWORD: 'unused-2',
      LABOPS_LEASE_MS: String(LEASE_MS),
      HEALTH_PORT: 'off',
      LOG_LEVEL: 'info',
    }),
  });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  const logs = () =>
    stderr
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as { msg?: string; replica?: string });
  const replica: Replica = {
    child,
    logs,
    stderr: () => stderr,
    id: () => logs().find((l) => l.msg === 'replica started')?.replica,
  };
  replicas.push(replica);
  return replica;
}

async function waitFor<T>(what: () => Promise<T | undefined> | T | undefined, timeout = 20_000): Promise<T> {
  let found: T | undefined;
  await vi.waitFor(
    async () => {
      for (const r of replicas) {
        if (r.child.exitCode !== null && r.child.signalCode === null)
          throw new Error(`a replica exited: ${r.stderr()}`);
      }
      found = await what();
      if (found === undefined) throw new Error('not yet');
    },
    { timeout, interval: 50 },
  );
  return found as T;
}

/** Once `count` replicas have their Socket Mode connection open (a replica that exits fails it). */
function connected(count: number): Promise<boolean> {
  return waitFor(() => (socket.openConnections >= count ? true : undefined), START_MS / 2);
}

/** The job a command made, once its card is in the store. */
async function jobOf(text: string): Promise<JobRecord> {
  return waitFor(async () => (await store.listJobs()).find((j) => j.text === text));
}

async function ended(jobId: string): Promise<JobRecord> {
  return waitFor(async () => {
    const job = await store.getJob(jobId);
    return job && ['succeeded', 'failed', 'cancelled', 'interrupted', 'void'].includes(job.status)
      ? job
      : undefined;
  }, 30_000);
}

/** The replicas' connections listening for each other's cards (src/store/pg-listen.ts). */
async function listeningReplicas(): Promise<number> {
  const client = new pg.Client({ connectionString: database() });
  await client.connect();
  try {
    const { rows } = await client.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM pg_stat_activity
        WHERE application_name = 'labops-listen' AND datname = current_database()
          AND query IN ('LISTEN labops_proposals', 'SELECT 1')`,
    );
    return rows[0]?.n ?? 0;
  } finally {
    await client.end();
  }
}

async function startedCount(jobId: string): Promise<number> {
  return (await store.listAudit(10_000)).filter((e) => e.jobId === jobId && e.type === 'job:started').length;
}

describe('two replicas on one PostgreSQL, in Socket Mode (issue 14 §4)', () => {
  // One pair of replicas for both tests: A connects first (connection 1), then B (connection 2).
  let a: Replica;
  let b: Replica;
  beforeAll(async () => {
    await setUp();
    a = startReplica('socket');
    await connected(1);
    b = startReplica('socket');
    await connected(2);
    await waitFor(() => a.id() && b.id());
  }, START_MS);
  afterAll(tearDown, START_MS);

  it(
    'runs a card posted through one replica and approved through the other exactly once; five clicks over both run once',
    async () => {
      const [first, second] = [1, 2];
      // B has no connection to lab1's engine (any from its start closed once idle)...
      const lab1Engine = sims[0]!.sim.baseUrl;
      const holdsLab1 = () => holdsConnection(b.child.pid!, lab1Engine);
      await waitFor(() => (holdsLab1() ? undefined : true), 30_000);
      // Both replicas listen for each other's cards.
      await waitFor(async () => ((await listeningReplicas()) === 2 ? true : undefined));

      // Asked on replica A's connection: A posts the card.
      await socket.send(
        'slash_commands',
        commandBody(OPERATOR, '/host', 'maintenance hyper1', api.responseUrl(), { channel: C1 }),
        {},
        { connection: first },
      );
      const job = await jobOf('maintenance hyper1');
      expect(job.lab).toBe('lab1');
      // ...and opens its connections for the click once A proposed the card, before any click
      // (issue 14 §5): told through PostgreSQL. It holds them 4 s.
      await waitFor(() => (holdsLab1() ? true : undefined), 3_000);
      const card = await waitFor(() => api.messages(C1).find((m) => !m.threadTs));
      const approval = (await store.getApprovalForJob(job.id))!;
      // Approved on replica B's connection: B runs it, and edits A's card.
      await socket.send(
        'interactive',
        clickPayload('U0ALICE', ACTION.approve, approval.id, { channel: C1, ts: card.ts }, api.responseUrl()),
        {},
        { connection: second },
      );
      const done = await ended(job.id);
      expect(done.status).toBe('succeeded');
      expect(done.lease?.replica).toBe(b.id());
      expect(await startedCount(job.id)).toBe(1);
      expect((await sims[0]!.client.findHost('hyper1')).status).toBe('maintenance');
      expect((await sims[1]!.client.findHost('hyper1')).status).toBe('up');
      await waitFor(() =>
        JSON.stringify(api.message(C1, card.ts)?.blocks).includes('SUCCEEDED') ? true : undefined,
      );
      // B reported the job in the thread of the card A posted: its progress message, edited in
      // place, reaches the step's end (issue 17 §1: the card's final edit goes first).
      const thread = await waitFor(() => {
        const replies = api.thread(C1, card.ts).map((m) => JSON.stringify(m.blocks));
        return replies.some((r) => r.includes('Put hyper1 into maintenance') && r.includes('changed'))
          ? replies
          : undefined;
      });
      expect(thread.join('\n')).toContain('changed');

      // Five approvers click the next card at the same moment, spread over both connections.
      await socket.send(
        'slash_commands',
        commandBody(OPERATOR, '/host', 'maintenance hyper1', api.responseUrl(), { channel: C2 }),
        {},
        { connection: second },
      );
      const job2 = await waitFor(async () => (await store.listJobs({ lab: 'lab2' }))[0]);
      const card2 = await waitFor(() => api.messages(C2).find((m) => !m.threadTs));
      const approval2 = (await store.getApprovalForJob(job2.id))!;
      await Promise.all(
        APPROVERS.map((user, i) =>
          socket.send(
            'interactive',
            clickPayload(
              user,
              ACTION.approve,
              approval2.id,
              { channel: C2, ts: card2.ts },
              api.responseUrl(),
            ),
            {},
            { connection: i % 2 === 0 ? first : second },
          ),
        ),
      );
      expect((await ended(job2.id)).status).toBe('succeeded');
      expect(await startedCount(job2.id)).toBe(1);
      const decided = (await store.getApproval(approval2.id))!;
      expect(decided.status).toBe('approved');
      expect(decided.decisions).toHaveLength(1);
      expect((await sims[1]!.client.findHost('hyper1')).status).toBe('maintenance');
    },
    START_MS,
  );

  it(
    'after kill -9 of the replica running a job, the other marks it interrupted once its lease ran out; a pending card still works',
    async () => {
      // Both hyper1 are in maintenance since the test before: each team brings its own back up.
      // lab1's engine slows down: its job is still running when its replica dies.
      sims[0]!.sim.knobs.setLatency(700);
      await socket.send(
        'slash_commands',
        commandBody(OPERATOR, '/host', 'activate hyper1', api.responseUrl(), { channel: C1 }),
        {},
        { connection: 1 },
      );
      await socket.send(
        'slash_commands',
        commandBody(OPERATOR, '/host', 'activate hyper1', api.responseUrl(), { channel: C2 }),
        {},
        { connection: 2 },
      );
      const slow = await waitFor(
        async () => (await store.listJobs({ lab: 'lab1', statuses: ['awaiting_approval'] }))[0],
      );
      const pending = await waitFor(
        async () => (await store.listJobs({ lab: 'lab2', statuses: ['awaiting_approval'] }))[0],
      );
      const card1 = await waitFor(() =>
        api
          .messages(C1)
          .filter((m) => !m.threadTs)
          .at(-1),
      );
      const slowApproval = (await store.getApprovalForJob(slow.id))!;
      // A change: its requester confirms it, on replica A's connection.
      await socket.send(
        'interactive',
        clickPayload(
          OPERATOR,
          ACTION.approve,
          slowApproval.id,
          { channel: C1, ts: card1.ts },
          api.responseUrl(),
        ),
        {},
        { connection: 1 },
      );
      const running = await waitFor(async () => {
        const job = await store.getJob(slow.id);
        return job?.status === 'running' ? job : undefined;
      });
      expect(running.lease?.replica).toBe(a.id());

      a.child.kill('SIGKILL');
      await new Promise((resolve) => a.child.once('exit', resolve));
      const interrupted = await ended(slow.id);
      expect(interrupted.status).toBe('interrupted');
      expect(interrupted.error).toContain('stopped renewing its lease');
      // Reviewed by replica B: its targets re-read, the card told.
      await waitFor(async () => ((await store.getJob(slow.id))?.review?.reviewedAt ? true : undefined));
      sims[0]!.sim.knobs.setLatency(0);

      // The card waiting in lab2 since before the kill is approved through replica B and runs.
      const card2 = await waitFor(() =>
        api
          .messages(C2)
          .filter((m) => !m.threadTs)
          .at(-1),
      );
      const approval2 = (await store.getApprovalForJob(pending.id))!;
      expect(socket.openConnections).toBe(1);
      void socket.send(
        'interactive',
        clickPayload(
          OPERATOR,
          ACTION.approve,
          approval2.id,
          { channel: C2, ts: card2.ts },
          api.responseUrl(),
        ),
      );
      const done = await ended(pending.id);
      expect(done.status).toBe('succeeded');
      expect(done.lease?.replica).toBe(b.id());
    },
    START_MS,
  );
});

/** A port nothing listens on now, on loopback. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('two replicas on one PostgreSQL, in HTTP mode (issue 14 §4)', () => {
  beforeAll(setUp, START_MS);
  afterAll(tearDown, START_MS);

  it(
    'runs a card asked of one replica and approved through the other once; Slack’s retry to the first is dropped',
    async () => {
      const [portA, portB] = [await freePort(), await freePort()];
      const a = startReplica('http', portA);
      const b = startReplica('http', portB);
      const url = (port: number) => `http://127.0.0.1:${port}/slack/events`;
      // Each answers once it listens.
      for (const port of [portA, portB]) {
        await waitFor(async () => {
          const answer = await fetch(url(port), { method: 'POST', body: '' }).catch(() => undefined);
          return answer ? true : undefined;
        }, START_MS / 2);
      }
      await waitFor(() => a.id() && b.id());

      const body = new URLSearchParams(
        commandBody(OPERATOR, '/host', 'maintenance hyper1', api.responseUrl(), { channel: C1 }),
      ).toString();
      expect((await postSigned(url(portA), body)).status).toBe(200);
      const job = await jobOf('maintenance hyper1');
      const card = await waitFor(() => api.messages(C1).find((m) => !m.threadTs));
      const approval = (await store.getApprovalForJob(job.id))!;
      const click = `payload=${encodeURIComponent(
        JSON.stringify(
          clickPayload(
            'U0CAROL',
            ACTION.approve,
            approval.id,
            { channel: C1, ts: card.ts },
            api.responseUrl(),
            {
              triggerId: 'trig-click-1',
            },
          ),
        ),
      )}`;
      expect((await postSigned(url(portB), click)).status).toBe(200);
      const done = await ended(job.id);
      expect(done.status).toBe('succeeded');
      expect(done.lease?.replica).toBe(b.id());
      // Slack retries the click on the other replica (its ack was lost): it was seen, and nothing
      // more happens — no second decision, not even a refused one.
      const retry = await postSigned(url(portA), click, {
        headers: { 'x-slack-retry-num': '1', 'x-slack-retry-reason': 'http_timeout' },
      });
      expect(retry.status).toBe(200);
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(await startedCount(job.id)).toBe(1);
      const refused = (await store.listAudit(1000)).filter(
        (e) => e.type === 'click:refused' && e.jobId === job.id,
      );
      expect(refused).toEqual([]);
      expect((await sims[0]!.client.findHost('hyper1')).status).toBe('maintenance');
    },
    START_MS,
  );
});
