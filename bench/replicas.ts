/**
 * Issue 14 §5: two replicas of the built bot (dist/main.js, as the service runs it) in Socket Mode
 * on one PostgreSQL 15 (test/support/postgres.ts), three simulated labs (each a process on its own
 * loopback address, a channel each), the Slack Web API stand-in at Slack's real limits in a
 * process of its own, and the Socket Mode stand-in here, with both replicas connected.
 * - `replicas_slack_429s`: the 429s the Web API stand-in answered while CONCURRENT_JOBS jobs ran,
 *   three at a time (one per lab), each card asked through one replica and approved through the
 *   other, until the replicas fell quiet; `replicas_slack_calls`: their Web API calls;
 *   `replicas_chat_update_peak_60s`: the most chat.update calls in any 60 s of them (Slack: 50).
 * - `cross_replica_click_ratio`: click → job start when the click lands on the replica that did
 *   NOT post the card, over the same when it lands on the one that did: CLICKS of each after
 *   WARMUPS, alternating, medians (`replicas_click_{same,cross}_ms`). The start is the
 *   store's `startedAt` (the runner's clock), the click the moment this process sent it. The
 *   same after a pause (`…_paused`) tells where the time goes (measureClicks).
 */
import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { ACTION } from '../src/slack/render-card.js';
import { openPgStore } from '../src/store/pg-store.js';
import type { ApprovalRecord, JobRecord, Store } from '../src/store/types.js';
import { writeSimulatedLabsFile } from '../test/support/lab-files.js';
import { postgresUrl, runSql, startPostgres } from '../test/support/postgres.js';
import { holdsConnection } from '../test/support/processes.js';
import { SlackApiStandIn } from '../test/support/slack-api.js';
import { clickPayload, commandBody } from '../test/support/slack-harness.js';
import { SocketModeStandIn } from '../test/support/slack-socket.js';
import { buildBot, cleanBotEnv, spawnBot } from './bot.js';
import { median, round, type SimInfo, startProcess } from './support.js';

const SELF = fileURLToPath(import.meta.url);
const BOT_TOKEN = 'xoxb-bench-replicas';
const APP_TOKEN = 'xapp-bench-replicas';
const OPERATOR = 'U0OPER';
const APPROVERS = ['U0ALICE', 'U0BOB'];
/** The channels of lab1, lab2 and lab3. */
const CHANNELS = ['C0LABONE1', 'C0LABTWO2', 'C0LABTHR3'] as const;
/** Measured clicks of each kind (same replica, other replica). */
const CLICKS = 24;
/** Clicks before them, not counted: each lab's host into maintenance and back. */
const WARMUPS = 6;
/** Clicks of each kind after a pause, and the pause: longer than the engine's keep-alive. */
const PAUSED_CLICKS = 12;
const PAUSE_MS = 6_000;
/** Jobs run three at a time for the 429s. */
const CONCURRENT_JOBS = 18;
const IN_FLIGHT = 3;
/** The simulators' pace: a maintenance takes about 1.5 s. */
const SIM_TIME_SCALE = '0.005';
/**
 * No Web API call for this long: the replicas' outboxes are empty. Longer than the outbox's
 * slowest pace, the card lane's one edit per window/5 = 12 s (src/slack/outbox.ts).
 */
const QUIET_MS = 15_000;
const WAIT_MS = 60_000;
const DRAIN_MS = 600_000;

// ---------------------------------------------------------------------------------------------
// This file as the Web API stand-in's process (`--slack-api`): what test/support/slack-api-process.ts
// runs, with `apps.connections.open` answering the Socket Mode stand-in of the bench's process.

if (process.argv[1] === SELF && process.argv.includes('--slack-api')) {
  const socketUrl = process.argv[process.argv.indexOf('--socket-url') + 1] ?? '';
  const standIn = await SlackApiStandIn.start({
    botToken: BOT_TOKEN,
    socketUrl: () => `${socketUrl}?ticket=${randomUUID()}`,
  });
  for (const channel of CHANNELS) standIn.addChannel(channel, [OPERATOR, ...APPROVERS]);
  process.stdout.write(`${JSON.stringify({ apiUrl: standIn.apiUrl, base: standIn.base })}\n`);
  process.stdin.resume();
  process.stdin.on('end', () => {
    void standIn.close().then(() => process.exit(0));
  });
}

// ---------------------------------------------------------------------------------------------

interface Replica {
  readonly name: 'A' | 'B';
  readonly child: ChildProcess;
  /** Its Socket Mode connection's number at the stand-in. */
  connection: number;
  stderr(): string;
  /** Its engine requests as it logged them (`engine request`, at the default level, info). */
  readonly engineRequests: EngineRequestLine[];
}

/** One `engine request` log line: when it was logged (the answer came) and how long it took. */
interface EngineRequestLine {
  time: number;
  ms: number;
}

interface Target {
  lab: string;
  channel: string;
  /** Its engine's URL. */
  engine: string;
  /** The next command moves the host to the other state. */
  inMaintenance: boolean;
  busy: boolean;
}

/** A card posted and waiting for its click. */
interface Card {
  job: JobRecord;
  approval: ApprovalRecord;
  target: Target;
  ts: string;
}

/** One click and what followed, each time in ms after it was sent. */
interface Click {
  job: JobRecord;
  ackMs: number;
  grantedMs: number | undefined;
  startMs: number;
  /** PostgreSQL connections opened between the click and the job's start (pg_stat_activity). */
  newConnections: number;
  /** Whether the clicked replica had a connection open to the lab's engine as the click went. */
  engineWarm: boolean;
  /** The engine requests the clicked replica made from the click to the decision (the plan checked again). */
  engineRequests: number;
  /** From the click to the first of those requests' start, and to the last one's answer. */
  engineStartMs: number | undefined;
  engineDoneMs: number | undefined;
}

interface Rig {
  socket: SocketModeStandIn;
  apiBase: string;
  store: Store;
  /** A connection of the bench's own, to read pg_stat_activity. */
  stats: pg.Pool;
  a: Replica;
  b: Replica;
  replicas: Replica[];
  targets: Target[];
  seen: Set<string>;
}

type Cleanups = (() => Promise<void> | void)[];

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `probe` until it answers; fails when a replica exits or WAIT_MS pass. */
async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  replicas: readonly Replica[],
  intervalMs = 10,
): Promise<T> {
  const deadline = performance.now() + WAIT_MS;
  for (;;) {
    for (const r of replicas) {
      if (r.child.exitCode !== null || r.child.signalCode !== null) {
        throw new Error(
          `replica ${r.name} exited (${r.child.exitCode ?? r.child.signalCode}): ${r.stderr()}`,
        );
      }
    }
    const found = await probe();
    if (found !== undefined) return found;
    if (performance.now() > deadline) {
      const logs = replicas.map((r) => `replica ${r.name}: ${r.stderr().slice(-2000)}`).join('\n');
      throw new Error(`${what}: not within ${WAIT_MS} ms\n${logs}`);
    }
    await sleep(intervalMs);
  }
}

/** A lab on each simulator, bound to its channel; the machines are never reached over SSH. */
function writeLabFile(dir: string, sims: readonly SimInfo[]): string {
  return writeSimulatedLabsFile(
    dir,
    sims.map((engine, i) => ({ engine, approvers: APPROVERS, channel: CHANNELS[i] ?? '' })),
  );
}

interface CallRecord {
  method: string;
  at: number;
  status: number;
}

async function fetchCalls(base: string): Promise<{ rateLimited: number; calls: CallRecord[] }> {
  const answer = await fetch(`${base}_calls`);
  return (await answer.json()) as { rateLimited: number; calls: CallRecord[] };
}

/** Once the stand-in heard no call for QUIET_MS; answers when the last call came. */
async function waitForQuiet(base: string): Promise<number> {
  const deadline = performance.now() + DRAIN_MS;
  for (;;) {
    const { calls } = await fetchCalls(base);
    const last = calls.at(-1)?.at ?? 0;
    if (Date.now() - last >= QUIET_MS) return last;
    if (performance.now() > deadline) throw new Error(`the replicas still call Slack after ${DRAIN_MS} ms`);
    await sleep(500);
  }
}

export async function runReplicasBench(): Promise<Record<string, number>> {
  await buildBot();
  const cleanups: Cleanups = [];
  try {
    const rig = await startRig(cleanups);
    const slack = await runConcurrentJobs(rig);
    const clicks = await measureClicks(rig);
    if (rig.socket.connections !== 2) {
      throw new Error(`a replica reconnected (${rig.socket.connections} connections): clicks went astray`);
    }
    return { ...clicks, ...slack };
  } finally {
    for (const cleanup of cleanups.reverse()) {
      try {
        await cleanup();
      } catch (error) {
        process.stdout.write(`  replicas: a cleanup failed: ${(error as Error).message}\n`);
      }
    }
  }
}

async function startRig(cleanups: Cleanups): Promise<Rig> {
  const postgres = await startPostgres();
  cleanups.push(() => postgres.stop());
  await runSql(postgres.info, ['CREATE DATABASE labops_bench']);
  const databaseUrl = postgresUrl(postgres.info, 'labops_bench');
  // Each lab's engine on its own loopback address, as one bot needs them (issue 13 §1).
  const sims = await Promise.all(
    CHANNELS.map((_, i) =>
      startProcess<SimInfo>('./sim-process.ts', [
        '--time-scale',
        SIM_TIME_SCALE,
        '--address',
        `127.0.0.${i + 1}`,
      ]),
    ),
  );
  for (const sim of sims) cleanups.push(() => sim.stop());
  const socket = await SocketModeStandIn.start();
  cleanups.push(() => socket.close());
  const api = await startProcess<{ apiUrl: string; base: string }>('./replicas.ts', [
    '--slack-api',
    '--socket-url',
    `ws://127.0.0.1:${socket.port}/link/`,
  ]);
  cleanups.push(() => api.stop());
  const dir = mkdtempSync(join(tmpdir(), 'labops-bench-replicas-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  const labFile = writeLabFile(
    dir,
    sims.map((s) => s.info),
  );
  const replicas: Replica[] = [];

  const startReplica = async (name: 'A' | 'B'): Promise<Replica> => {
    const opened = socket.connections;
    const child = spawnBot([], {
      cwd: dir,
      env: cleanBotEnv({
        LABOPS_MODE: 'socket',
        SLACK_BOT_TOKEN: BOT_TOKEN,
        SLACK_APP_TOKEN: APP_TOKEN,
        SLACK_API_URL: api.info.apiUrl,
        DATABASE_URL: databaseUrl,
        LAB_CONFIG: labFile,
        ...Object.fromEntries(
          sims.flatMap((sim, i) => [
            [`LAB${i + 1}_ENGINE_PASSWORD`, sim.info.password],
            [`LAB${i + 1}_SSH_PASSWORD`, `unused-${i + 1}`],
          ]),
        ),
        HEALTH_PORT: 'off',
      }),
    });
    let stderr = '';
    let partial = '';
    const engineRequests: EngineRequestLine[] = [];
    child.stderr?.on('data', (d: Buffer) => {
      stderr = (stderr + d.toString()).slice(-20_000);
      const lines = (partial + d.toString()).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) {
        if (!line.includes('"engine request"')) continue;
        const entry = JSON.parse(line) as { time: number; ms: number };
        engineRequests.push({ time: entry.time, ms: entry.ms });
      }
    });
    child.stdout?.resume();
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    cleanups.push(async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      // Its outbox may hold minutes of card edits: they are not waited for.
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    });
    const replica: Replica = { name, child, connection: 0, stderr: () => stderr, engineRequests };
    replicas.push(replica);
    await waitFor(
      `replica ${name}'s Socket Mode connection`,
      async () => (socket.connections > opened ? true : undefined),
      replicas,
    );
    replica.connection = socket.connections;
    return replica;
  };
  // One after the other: the first migrates the database, and each connection is known as its own.
  const a = await startReplica('A');
  const b = await startReplica('B');
  const store = await openPgStore({ url: databaseUrl, readOnly: true, maxConnections: 1 });
  cleanups.push(() => store.close());
  const stats = new pg.Pool({ connectionString: databaseUrl, max: 1 });
  cleanups.push(() => stats.end());
  return {
    socket,
    apiBase: api.info.base,
    store,
    stats,
    a,
    b,
    replicas,
    // hyper1 of each lab, into maintenance and back. One job at a time per lab: a maintenance's plan
    // counts the lab's hosts that are up, so another host's change voids its card.
    targets: CHANNELS.map((channel, i) => ({
      lab: `lab${i + 1}`,
      channel,
      engine: sims[i]!.info.baseUrl,
      inMaintenance: false,
      busy: false,
    })),
    seen: new Set(),
  };
}

const getOther = (rig: Rig, replica: Replica) => (replica === rig.a ? rig.b : rig.a);
const createResponseUrl = (rig: Rig) => `${rig.apiBase}respond/${randomUUID()}`;

/** `/host maintenance|activate` asked through `poster`; answers once its card is posted. */
async function askCard(rig: Rig, target: Target, poster: Replica): Promise<Card> {
  const { store, replicas } = rig;
  const text = `${target.inMaintenance ? 'activate' : 'maintenance'} hyper1`;
  await rig.socket.send(
    'slash_commands',
    commandBody(OPERATOR, '/host', text, createResponseUrl(rig), { channel: target.channel }),
    {},
    { connection: poster.connection },
  );
  const job = await waitFor(
    `the job of /host ${text} in ${target.lab}`,
    async () =>
      (await store.listJobs({ lab: target.lab, limit: 5 })).find(
        (j) => j.text === text && !rig.seen.has(j.id),
      ),
    replicas,
  );
  rig.seen.add(job.id);
  return waitFor(
    `the card of ${job.id}`,
    async () => {
      const current = await store.getJob(job.id);
      if (current && current.status !== 'awaiting_approval') {
        throw new Error(`/host ${text} in ${target.lab} did not wait for approval: ${current.status}`);
      }
      const approval = await store.getApprovalForJob(job.id);
      const ts = (current?.messageRef as { ts?: string } | undefined)?.ts;
      return approval?.status === 'pending' && ts ? { job, approval, target, ts } : undefined;
    },
    replicas,
  );
}

/** Approves `card` through `through`; answers once its job succeeded. */
async function approve(rig: Rig, card: Card, through: Replica, n: number): Promise<Click> {
  // A maintenance is destructive (an approver's click); an activate is a change its asker confirms.
  const user = card.job.command === 'host activate' ? OPERATOR : APPROVERS[n % APPROVERS.length]!;
  const payload = clickPayload(
    user,
    ACTION.approve,
    card.approval.id,
    { channel: card.target.channel, ts: card.ts },
    createResponseUrl(rig),
  );
  const engineWarm =
    through.child.pid !== undefined && holdsConnection(through.child.pid, card.target.engine);
  const sentAt = Date.now();
  let ackedAt = 0;
  const acked = rig.socket.send('interactive', payload, {}, { connection: through.connection }).then(() => {
    ackedAt = Date.now();
  });
  const ended = await waitFor(
    `the end of ${card.job.id}`,
    async () => {
      const job = await rig.store.getJob(card.job.id);
      return job && !['awaiting_approval', 'queued', 'running'].includes(job.status) ? job : undefined;
    },
    rig.replicas,
    50,
  );
  await acked;
  if (ended.status !== 'succeeded' || ended.startedAt === undefined) {
    throw new Error(`${ended.id} (${ended.command}) ended ${ended.status}: ${ended.error ?? ''}`);
  }
  card.target.inMaintenance = !card.target.inMaintenance;
  const granted = (await rig.store.listAudit(100, { lab: card.target.lab })).find(
    (e) => e.jobId === ended.id && e.type === 'approval:granted',
  );
  const decidedAt = granted?.at ?? ended.startedAt;
  const replan = through.engineRequests.filter((r) => r.time >= sentAt && r.time <= decidedAt);
  const opened = await rig.stats.query<{ n: string }>(
    `SELECT count(*) AS n FROM pg_stat_activity
      WHERE backend_type = 'client backend' AND pid <> pg_backend_pid()
        AND backend_start BETWEEN to_timestamp($1 / 1000.0) AND to_timestamp($2 / 1000.0)`,
    [sentAt, ended.startedAt],
  );
  return {
    job: ended,
    ackMs: ackedAt - sentAt,
    grantedMs: granted ? granted.at - sentAt : undefined,
    startMs: ended.startedAt - sentAt,
    newConnections: Number(opened.rows[0]?.n ?? 0),
    engineWarm,
    engineRequests: replan.length,
    engineStartMs: replan.length ? Math.min(...replan.map((r) => r.time - r.ms)) - sentAt : undefined,
    engineDoneMs: replan.length ? Math.max(...replan.map((r) => r.time)) - sentAt : undefined,
  };
}

/**
 * CONCURRENT_JOBS jobs, IN_FLIGHT at a time (a new card as soon as one ends), each asked through
 * one replica and approved through the other; then the outboxes drain. Every Web API call of
 * the phase is counted, and the 429s among them.
 */
async function runConcurrentJobs(rig: Rig): Promise<Record<string, number>> {
  const before = await fetchCalls(rig.apiBase);
  const started = Date.now();
  const running = new Set<Promise<void>>();
  for (let n = 0; n < CONCURRENT_JOBS; n++) {
    while (running.size >= IN_FLIGHT) await Promise.race(running);
    const target = rig.targets.find((t) => !t.busy)!;
    target.busy = true;
    const poster = n % 2 === 0 ? rig.a : rig.b;
    const flow = (async () => {
      const card = await askCard(rig, target, poster);
      await approve(rig, card, getOther(rig, poster), n);
    })().finally(() => {
      target.busy = false;
      running.delete(flow);
    });
    running.add(flow);
  }
  await Promise.all(running);
  const jobsMs = Date.now() - started;
  const lastCall = await waitForQuiet(rig.apiBase);
  const after = await fetchCalls(rig.apiBase);
  const calls = after.calls.slice(before.calls.length);
  const byMethod = new Map<string, number>();
  for (const call of calls) byMethod.set(call.method, (byMethod.get(call.method) ?? 0) + 1);
  const rateLimited = after.rateLimited - before.rateLimited;
  const perMinute = (method: string) => {
    // The most calls of `method` in any 60 s, sliding: the stand-in allows 50 chat.update (design.md,
    // "The Slack stand-in's contract"), whichever replica sends them.
    const times = calls.filter((c) => c.method === method).map((c) => c.at);
    return Math.max(0, ...times.map((t, i) => times.slice(i).filter((u) => u < t + 60_000).length));
  };
  process.stdout.write(
    `  ${CONCURRENT_JOBS} jobs, ${IN_FLIGHT} at a time: ${(jobsMs / 1000).toFixed(1)} s; the last Web API call ${((lastCall - started) / 1000).toFixed(1)} s after the first command\n` +
      `  Web API calls: ${calls.length} (${[...byMethod].map(([m, k]) => `${m} ${k}`).join(', ')}); ` +
      `429s: ${rateLimited}\n`,
  );
  return {
    replicas_slack_calls: calls.length,
    replicas_slack_429s: rateLimited,
    replicas_chat_update_peak_60s: perMinute('chat.update'),
  };
}

interface ClickRun {
  /** Clicks of each kind counted, after `warmups` more. */
  clicks: number;
  warmups: number;
  /** Cards asked before they are clicked in turn: 1, or 3 (one in each lab). */
  batch: number;
  /** Between asking a batch's cards and the first click. */
  pauseMs: number;
}

/**
 * Clicks, each job's end awaited before the next click. Click j goes to lab j mod 3, its card
 * posted by A for two clicks then B for two; the kinds alternate and swap order every 6 clicks,
 * so that over each 12 each kind clicks each lab's maintenance and activate once and each replica
 * posts half of each kind's cards.
 */
async function runClicks(rig: Rig, run: ClickRun): Promise<{ same: Click[]; cross: Click[] }> {
  const kinds = { same: [] as Click[], cross: [] as Click[] };
  const total = run.warmups + 2 * run.clicks;
  for (let first = 0; first < total; first += run.batch) {
    const turns = [];
    for (let i = first; i < Math.min(total, first + run.batch); i++) {
      const j = i < run.warmups ? i : i - run.warmups;
      const poster = Math.floor(j / 2) % 2 === 0 ? rig.a : rig.b;
      const cross = (j + Math.floor(j / 6)) % 2 === 1;
      const card = await askCard(rig, rig.targets[j % rig.targets.length]!, poster);
      turns.push({ i, card, cross, through: cross ? getOther(rig, poster) : poster });
    }
    if (run.pauseMs) await sleep(run.pauseMs);
    for (const turn of turns) {
      const click = await approve(rig, turn.card, turn.through, turn.i);
      if (turn.i >= run.warmups) kinds[turn.cross ? 'cross' : 'same'].push(click);
    }
  }
  return kinds;
}

function describeClicks(title: string, kinds: { same: Click[]; cross: Click[] }): void {
  const medianOf = (clicks: Click[], pick: (c: Click) => number | undefined) =>
    round(median(clicks.map(pick).filter((v): v is number => v !== undefined)), 1);
  const lines = [`  ${title}`];
  for (const [kind, clicks] of Object.entries(kinds)) {
    const warm = clicks.filter((c) => c.engineWarm);
    lines.push(
      `    ${kind === 'same' ? 'on the replica that posted the card' : 'on the other replica'}, click → job start (ms): ${clicks.map((c) => c.startMs).join(' ')}`,
      `      medians (ms after the click): ack ${medianOf(clicks, (c) => c.ackMs)}, the plan's engine reads (${medianOf(clicks, (c) => c.engineRequests)}) ` +
        `sent ${medianOf(clicks, (c) => c.engineStartMs)} and answered ${medianOf(clicks, (c) => c.engineDoneMs)}, approval:granted ${medianOf(clicks, (c) => c.grantedMs)}, job start ${medianOf(clicks, (c) => c.startMs)}`,
      `      the clicked replica had a connection to the lab's engine open for ${warm.length} of ${clicks.length} clicks; ` +
        `PostgreSQL connections opened from click to start: ${clicks.reduce((sum, c) => sum + c.newConnections, 0)}`,
    );
  }
  process.stdout.write(`${lines.join('\n')}\n`);
}

/**
 * The goal's figure: each card clicked as soon as it is posted. Then, to tell where the time goes,
 * the same after a pause longer than the engine's keep-alive (node's 5 s; undici closes at 4 s),
 * so that neither replica still holds a connection to the lab's engine (`…_paused`).
 */
async function measureClicks(rig: Rig): Promise<Record<string, number>> {
  const ratioOf = (kinds: { same: Click[]; cross: Click[] }) => {
    const same = median(kinds.same.map((c) => c.startMs));
    const cross = median(kinds.cross.map((c) => c.startMs));
    return { same: round(same, 1), cross: round(cross, 1), ratio: round(cross / Math.max(same, 1), 2) };
  };
  const now = await runClicks(rig, { clicks: CLICKS, warmups: WARMUPS, batch: 1, pauseMs: 0 });
  describeClicks('each card clicked as soon as it was posted:', now);
  const paused = await runClicks(rig, { clicks: PAUSED_CLICKS, warmups: 0, batch: 3, pauseMs: PAUSE_MS });
  describeClicks(`each card clicked ${PAUSE_MS / 1000} s or more after it was posted:`, paused);
  const [first, second] = [ratioOf(now), ratioOf(paused)];
  return {
    replicas_click_same_ms: first.same,
    replicas_click_cross_ms: first.cross,
    cross_replica_click_ratio: first.ratio,
    replicas_click_same_paused_ms: second.same,
    replicas_click_cross_paused_ms: second.cross,
    cross_replica_click_ratio_paused: second.ratio,
  };
}
