import { mkdtemp, rm } from 'node:fs/promises';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isLabopsError, type LabopsError } from '../../src/errors.js';
import { verbatim } from '../../src/i18n/text.js';
import {
  applyPgMigrations,
  PG_MIGRATIONS,
  PG_SCHEMA_VERSION,
  PG_VERSION_TABLE,
} from '../../src/store/pg-migrations.js';
import { parsePgUrl, translatePgRuntimeError } from '../../src/store/pg-open.js';
import { openPgStore } from '../../src/store/pg-store.js';
import type { DecisionResult, JobLease, JobRecord, Store } from '../../src/store/types.js';
import { postgresUrl, resetPgDatabase, usePostgres } from '../support/postgres.js';
import { describeStoreContract } from './contract.js';
import { describeLeaseContract } from './contract-leases.js';
import { MINUTE, newProposal, propose, proposeQueued, snapshotStore, T0 } from './store-fixtures.js';
import { pgTarget } from './store-targets.js';

const target = pgTarget();
describeStoreContract(target);
describeLeaseContract(target);

const server = usePostgres();

async function thrown(promise: Promise<unknown>): Promise<LabopsError> {
  try {
    await promise;
  } catch (error) {
    if (isLabopsError(error)) return error;
    throw error;
  }
  throw new Error('expected a LabopsError');
}

/** Every text of an error a person or a log could see. */
function shownTexts(error: LabopsError): string {
  return [error.message, error.hint ?? '', String(error.cause ?? ''), JSON.stringify(error)].join('\n');
}

async function query<T extends pg.QueryResultRow>(url: string, sql: string, values: unknown[] = []) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(sql, values)).rows;
  } finally {
    await client.end();
  }
}

describe('the PostgreSQL store', () => {
  let url: string;
  const opened: Store[] = [];

  /** A store on this test's database, closed after the test. */
  async function open(options: { readOnly?: boolean } = {}): Promise<Store> {
    const store = await openPgStore({ url, ...options });
    opened.push(store);
    return store;
  }

  beforeEach(async () => {
    const fresh = await target.openFresh();
    url = fresh.location;
    await fresh.store.close();
  });

  afterEach(async () => {
    await Promise.all(opened.splice(0).map((store) => store.close()));
  });

  describe('its schema', () => {
    it('records each migration in its version table, and migrates once when replicas start together', async () => {
      await resetPgDatabase(url);
      const stores = await Promise.all([open(), open(), open()]);
      expect(await query(url, `SELECT version, name FROM ${PG_VERSION_TABLE} ORDER BY version`)).toEqual([
        { version: 1, name: 'jobs, steps, approvals, audit, locks, host keys' },
        { version: 2, name: 'job leases' },
        { version: 3, name: 'the replicas’ leader and the requests they saw' },
        { version: 4, name: 'the state of the bot’s own duties' },
      ]);
      expect(PG_SCHEMA_VERSION).toBe(4);
      await propose(stores[0]!);
      expect((await stores[2]!.getJob('j1'))?.status).toBe('awaiting_approval');
    });

    it('refuses a database whose schema is newer, leaving it untouched', async () => {
      const store = await open();
      await propose(store);
      await store.close();
      await query(url, `INSERT INTO ${PG_VERSION_TABLE} (version, name) VALUES ($1, 'from the future')`, [
        PG_SCHEMA_VERSION + 1,
      ]);
      const before = await query(url, 'SELECT id, status FROM jobs');
      for (const readOnly of [false, true]) {
        const error = await thrown(openPgStore({ url, readOnly }));
        expect(error.code).toBe('CONFIG');
        expect(error.message).toContain(
          `schema version ${PG_SCHEMA_VERSION + 1}, but this labops knows versions up to ${PG_SCHEMA_VERSION}: it was written by a newer labops`,
        );
        expect(error.message).toContain(parsePgUrl(url).shown);
        expect(error.hint).toContain('DATABASE_URL');
      }
      expect(await query(url, 'SELECT id, status FROM jobs')).toEqual(before);
      expect(await query(url, `SELECT max(version) AS v FROM ${PG_VERSION_TABLE}`)).toEqual([
        { v: PG_SCHEMA_VERSION + 1 },
      ]);
    });

    it('keeps epoch milliseconds past 2^31 as numbers', async () => {
      const store = await open();
      const at = 4_102_444_800_000; // 2100-01-01
      await propose(store, { job: { createdAt: at }, approval: { expiresAt: at + 1 } });
      const job = await store.getJob('j1');
      expect(job?.createdAt).toBe(at);
      expect((await store.getApproval('a1'))?.expiresAt).toBe(at + 1);
      expect(typeof (await store.listAudit(1))[0]?.seq).toBe('number');
    });
  });

  describe('opened to read', () => {
    it('reads, and refuses every write as the SQLite store does', async () => {
      const writer = await open();
      await propose(writer);
      const reader = await open({ readOnly: true });
      expect(reader.readOnly).toBe(true);
      expect((await reader.getJob('j1'))?.status).toBe('awaiting_approval');
      const before = await snapshotStore(reader);
      for (const write of [
        () => reader.proposeJob(newProposal({ job: { id: 'j2' }, locks: [] })),
        () => reader.decideApproval('a1', 'U_ADA', 'approve', T0 + 1),
        () => reader.recover(T0 + 1),
        () =>
          reader.appendAudit({
            at: T0,
            type: 'x:y',
            actor: 'a',
            jobId: undefined,
            approvalId: undefined,
            detail: {},
          }),
      ]) {
        const error = await thrown(write());
        expect(error.code).toBe('INTERNAL');
        expect(error.message).toBe(
          `The state store ${reader.path} was opened read-only; labops does not write it.`,
        );
      }
      expect((await reader.checkWritable())?.code).toBe('INTERNAL');
      expect(await snapshotStore(writer)).toEqual(before);
    });

    it('refuses a database labops never wrote', async () => {
      await resetPgDatabase(url);
      const error = await thrown(openPgStore({ url, readOnly: true }));
      expect(error.code).toBe('CONFIG');
      expect(error.message).toBe(`There is no state store at ${parsePgUrl(url).shown}.`);
      expect(await query(url, "SELECT to_regclass('jobs') AS t")).toEqual([{ t: null }]);
    });
  });

  describe('two replicas on one database', () => {
    it('decide five clicks spread over both once: final once, the job queued and started once', async () => {
      const [a, b] = [await open(), await open()];
      const approvers = ['U_A', 'U_B', 'U_C', 'U_D', 'U_E'];
      for (let round = 0; round < 10; round++) {
        const { approval } = await propose(a, {
          job: { id: `j${round}` },
          approval: { eligible: approvers },
          locks: [`host:hyper${round}`],
        });
        const results = await Promise.all(
          approvers.map((principal, i) =>
            (i % 2 === 0 ? a : b).decideApproval(approval.id, principal, 'approve', T0 + 1),
          ),
        );
        expect(results.filter((r) => r.outcome === 'recorded' && r.becameFinal)).toHaveLength(1);
        expect(results.filter((r) => r.outcome === 'refused').map(refusal)).toEqual(
          Array(4).fill('not-pending'),
        );
        expect((await b.getApproval(approval.id))?.decisions).toHaveLength(1);
        const started = await Promise.all([a, b, a, b].map((s) => s.startJob(`j${round}`, T0 + 2)));
        expect(started.filter(Boolean)).toHaveLength(1);
      }
      const audit = await a.listAudit(1000);
      expect(audit.filter((e) => e.type === 'approval:granted')).toHaveLength(10);
      expect(audit.filter((e) => e.type === 'job:started')).toHaveLength(10);
    });

    it('gather the two approvals a critical card needs from five clicks, and queue its job once', async () => {
      const [a, b] = [await open(), await open()];
      const approvers = ['U_A', 'U_B', 'U_C', 'U_D', 'U_E'];
      for (let round = 0; round < 10; round++) {
        const { approval } = await propose(b, {
          job: { id: `j${round}`, risk: 'critical' },
          approval: { eligible: approvers, required: 2 },
          locks: [],
        });
        const results = await Promise.all(
          approvers.map((principal, i) =>
            (i % 2 === 1 ? a : b).decideApproval(approval.id, principal, 'approve', T0 + 1),
          ),
        );
        const recorded = results.filter((r) => r.outcome === 'recorded');
        expect(recorded).toHaveLength(2);
        expect(recorded.filter((r) => r.becameFinal)).toHaveLength(1);
        expect(results.filter((r) => r.outcome === 'refused').map(refusal)).toEqual(
          Array(3).fill('not-pending'),
        );
        expect(await a.getApproval(approval.id)).toMatchObject({ status: 'approved' });
        expect((await a.getApproval(approval.id))?.decisions).toHaveLength(2);
        expect((await a.getJob(`j${round}`))?.status).toBe('queued');
      }
      const granted = (await b.listAudit(1000)).filter((e) => e.type === 'approval:granted');
      expect(granted).toHaveLength(20);
    });

    it('let one of two starts of a queued job win', async () => {
      const [a, b] = [await open(), await open()];
      for (let round = 0; round < 10; round++) {
        await proposeQueued(a, { job: { id: `j${round}` }, locks: [] });
        const [fromA, fromB] = await Promise.all([
          a.startJob(`j${round}`, T0 + 1),
          b.startJob(`j${round}`, T0 + 1),
        ]);
        expect([fromA, fromB].filter(Boolean)).toHaveLength(1);
        expect((fromA ?? fromB)?.status).toBe('running');
      }
      expect((await a.listAudit(1000)).filter((e) => e.type === 'job:started')).toHaveLength(10);
    });

    it("let one of two proposals take a lab's locks at once, whatever keys each wants", async () => {
      const [a, b] = [await open(), await open()];
      // The lab lock against another key: only the lab's advisory lock keeps both from checking
      // before either has written its locks.
      for (let round = 0; round < 20; round++) {
        const lab = `lab${round}`;
        const results = await Promise.all([
          a.proposeJob(newProposal({ job: { id: `${lab}-whole`, lab }, locks: ['lab'] })),
          b.proposeJob(newProposal({ job: { id: `${lab}-host`, lab }, locks: ['host:hyper1'] })),
        ]);
        expect(
          results.filter((r) => r.ok),
          lab,
        ).toHaveLength(1);
        expect(await a.listLocks({ lab })).toHaveLength(1);
        expect(await a.listJobs({ lab })).toHaveLength(1);
      }
      // Both on the same key.
      const same = await Promise.all([
        a.proposeJob(newProposal({ job: { id: 'same-a', lab: 'shared' }, locks: ['host:hyper1'] })),
        b.proposeJob(newProposal({ job: { id: 'same-b', lab: 'shared' }, locks: ['host:hyper1'] })),
      ]);
      expect(same.filter((r) => r.ok)).toHaveLength(1);
      // Approval ids come from one counter: no two cards share one.
      const ids = (await a.listApprovals()).map((approval) => approval.id);
      expect(new Set(ids).size).toBe(ids.length);
    });
  });

  describe("news of each other's cards (issue 14 §5)", () => {
    /** A store's listener: the labs it heard of, and its states in order. */
    function watch(store: Store) {
      const heard: string[] = [];
      const states: string[] = [];
      const stop = store.watchProposals!(
        (lab) => heard.push(lab),
        (state) => states.push(state),
      );
      return { heard, states, stop };
    }

    async function until(what: string, check: () => boolean): Promise<void> {
      for (let waited = 0; !check(); waited += 10) {
        if (waited > 10_000) throw new Error(`still waiting for ${what}`);
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    }

    const listeners = (where: string) =>
      query<{ n: number }>(
        where,
        `SELECT count(*)::int AS n FROM pg_stat_activity
          WHERE application_name = 'labops-listen' AND datname = current_database()`,
      );

    it('tell each replica of the cards the other proposed, not of its own nor of a refused one', async () => {
      const [a, b] = [await open(), await open()];
      const [atA, atB] = [watch(a), watch(b)];
      await until(
        'both listening',
        () => atA.states.includes('listening') && atB.states.includes('listening'),
      );
      await propose(a, { job: { id: 'j-a', lab: 'lab1' }, locks: ['host:hyper1'] });
      await until('B to hear of lab1', () => atB.heard.length === 1);
      // Refused: the key is held. Nothing recorded, nothing told.
      const refused = await b.proposeJob(
        newProposal({ job: { id: 'j-refused', lab: 'lab1' }, locks: ['host:hyper1'] }),
      );
      expect(refused.ok).toBe(false);
      await propose(b, { job: { id: 'j-b', lab: 'lab2' }, locks: ['host:hyper2'] });
      await until('A to hear of lab2', () => atA.heard.length === 1);
      // Notices arrive in commit order: had A heard its own lab1, it would have come before B's
      // lab2. B's own lab2 would be heard by the time B hears lab4, below.
      expect(atA.heard).toEqual(['lab2']);
      expect(atB.heard).toEqual(['lab1']);
      await atA.stop();
      await propose(b, { job: { id: 'j-b2', lab: 'lab3' }, locks: ['host:hyper3'] });
      await propose(a, { job: { id: 'j-a2', lab: 'lab4' }, locks: ['host:hyper4'] });
      await until('B to hear of lab4', () => atB.heard.length === 2);
      expect(atA.heard).toEqual(['lab2']);
      expect(atB.heard).toEqual(['lab1', 'lab4']);
    });

    it("keep listening when the caller's listener throws", async () => {
      const [a, b] = [await open(), await open()];
      const heard: string[] = [];
      const states: string[] = [];
      b.watchProposals!(
        (lab) => {
          heard.push(lab);
          throw new Error(`no engine for ${lab}`);
        },
        (state) => states.push(state),
      );
      await until('B listening', () => states.includes('listening'));
      await propose(a, { job: { id: 'j1', lab: 'lab1' }, locks: ['host:hyper1'] });
      await propose(a, { job: { id: 'j2', lab: 'lab2' }, locks: ['host:hyper2'] });
      await until('B to hear both', () => heard.length === 2);
      expect(heard).toEqual(['lab1', 'lab2']);
      expect(states).toEqual(['listening']);
    });

    it('listen again after the server closed the connection, and hold none once the store is closed', async () => {
      const [a, b] = [await open(), await open()];
      const atB = watch(b);
      await until('B listening', () => atB.states.includes('listening'));
      const [killed] = await query<{ ok: boolean }>(
        url,
        `SELECT pg_terminate_backend(pid) AS ok FROM pg_stat_activity
          WHERE application_name = 'labops-listen' AND datname = current_database()`,
      );
      expect(killed?.ok).toBe(true);
      await until('B to listen again', () => atB.states.join(' ') === 'listening lost listening');
      await propose(a, { job: { id: 'j-after', lab: 'lab1' } });
      await until('B to hear of lab1', () => atB.heard.length === 1);
      expect(atB.heard).toEqual(['lab1']);
      expect(await listeners(url)).toEqual([{ n: 1 }]);
      await b.close();
      expect(await listeners(url)).toEqual([{ n: 0 }]);
    });
  });

  describe('job leases across replicas (issue 14 §2)', () => {
    const LEASE_MS = 60_000;
    const reason = verbatim('its replica stopped renewing its lease');

    /** A queued job claimed by `replica` as it starts, on `store`. */
    async function claim(store: Store, id: string, replica: string): Promise<JobLease> {
      await proposeQueued(store, { job: { id }, locks: [`host:${id}`] });
      const started = await store.startJob(id, T0 + 1, { replica, leaseMs: LEASE_MS });
      if (!started?.lease) throw new Error(`${id} was not claimed`);
      return { replica: started.lease.replica, epoch: started.lease.epoch };
    }

    /** The database's clock moving past `replica`'s leases: the replica stopped renewing them. */
    async function expireLeases(replica: string): Promise<void> {
      await query(url, 'UPDATE jobs SET lease_until = lease_until - $2::bigint WHERE lease_replica = $1', [
        replica,
        2 * LEASE_MS,
      ]);
    }

    /** The job's ends in the audit trail. */
    async function endsOf(store: Store, jobId: string): Promise<string[]> {
      const ends = ['job:succeeded', 'job:interrupted'];
      return (await store.listAudit(10_000))
        .filter((e) => e.jobId === jobId && ends.includes(e.type))
        .map((e) => e.type);
    }

    async function outcome<T>(promise: Promise<T>): Promise<T | 'lease-lost'> {
      try {
        return await promise;
      } catch (error) {
        if (isLabopsError(error) && error.code === 'LEASE_LOST') return 'lease-lost';
        throw error;
      }
    }

    it("time the lease by the database's clock, whatever the caller's `at`", async () => {
      const store = await open();
      const before = Date.now();
      await claim(store, 'j1', 'r-a');
      const job = await store.getJob('j1');
      // `at` (T0, 2023) is the start's time; the lease is the database's now + LEASE_MS.
      expect(job?.startedAt).toBe(T0 + 1);
      expect((await store.listAudit(1))[0]).toMatchObject({
        type: 'job:started',
        detail: { replica: 'r-a' },
      });
      expect(job?.lease?.until).toBeGreaterThanOrEqual(before + LEASE_MS - 5000);
      expect(job?.lease?.until).toBeLessThanOrEqual(Date.now() + LEASE_MS + 5000);
      const [row] = await query<{ ahead: number }>(
        url,
        "SELECT lease_until - (extract(epoch from clock_timestamp()) * 1000)::bigint AS ahead FROM jobs WHERE id = 'j1'",
      );
      expect(Number(row?.ahead)).toBeGreaterThan(LEASE_MS - 5000);
      expect(Number(row?.ahead)).toBeLessThanOrEqual(LEASE_MS);
    });

    it('interrupt each expired job once when both sweep at the same moment', async () => {
      const [a, b, c] = [await open(), await open(), await open()];
      for (let round = 0; round < 5; round++) {
        const dead = Array.from({ length: 8 }, (_, i) => `r${round}-dead${i}`);
        for (const id of dead) await claim(a, id, `r-dead${round}`);
        await claim(b, `r${round}-live`, 'r-live');
        await expireLeases(`r-dead${round}`);
        const swept = await Promise.all([a, b, c].map((s) => s.interruptExpired(reason, T0 + 2)));
        const ids = swept.flat().map((j) => j.id);
        expect(ids.sort()).toEqual([...dead].sort());
        for (const id of dead) {
          expect(await endsOf(a, id), id).toEqual(['job:interrupted']);
          expect((await b.getJob(id))?.status).toBe('interrupted');
        }
        expect((await c.getJob(`r${round}-live`))?.status).toBe('running');
        expect((await a.listLocks()).map((l) => l.jobId)).toEqual(
          Array.from({ length: round + 1 }, (_, i) => `r${i}-live`),
        );
      }
    });

    it('let exactly one of a fenced end and a sweep of its expired lease win', async () => {
      const [runner, sweeper] = [await open(), await open()];
      const winners = { end: 0, sweep: 0 };
      for (let round = 0; round < 20; round++) {
        const id = `j${round}`;
        const fence = await claim(runner, id, 'r-slow');
        await expireLeases('r-slow');
        const [ended, swept] = await Promise.all([
          outcome(runner.endJob(id, { from: ['running'], to: 'succeeded', at: T0 + 3, fence })),
          sweeper.interruptExpired(reason, T0 + 3),
        ]);
        const status = (await sweeper.getJob(id))?.status;
        if (ended === 'lease-lost') {
          winners.sweep++;
          expect(swept.map((j) => j.id)).toEqual([id]);
          expect(status).toBe('interrupted');
          expect(await endsOf(runner, id)).toEqual(['job:interrupted']);
        } else {
          winners.end++;
          expect(ended?.status).toBe('succeeded');
          expect(swept).toEqual([]);
          expect(status).toBe('succeeded');
          expect(await endsOf(runner, id)).toEqual(['job:succeeded']);
        }
        expect(await runner.listLocks({ lab: 'default' })).toEqual([]);
      }
      expect(winners.end + winners.sweep).toBe(20);
    });

    it('never land a fenced step or renewal after the sweep interrupted the job', async () => {
      const [runner, sweeper] = [await open(), await open()];
      for (let round = 0; round < 20; round++) {
        const id = `j${round}`;
        const fence = await claim(runner, id, 'r-slow');
        await expireLeases('r-slow');
        const [written, swept] = await Promise.all([
          outcome(runner.updateStep(id, 0, { status: 'running', tail: 'deactivating…' }, fence)),
          sweeper.interruptExpired(reason, T0 + 3),
        ]);
        const [step] = await sweeper.listSteps(id);
        const job = await sweeper.getJob(id);
        if (written === 'lease-lost') {
          // The sweep came first: the write changed nothing.
          expect(swept.map((j) => j.id)).toEqual([id]);
          expect(step).toMatchObject({ status: 'pending', tail: '' });
        } else if (swept.length === 1) {
          // The write came first, the sweep after: it found the step running and made it unknown.
          expect(step).toMatchObject({ status: 'unknown', tail: 'deactivating…' });
        } else {
          // The sweep skipped the row the write held: the job runs on until the next sweep.
          expect(job?.status).toBe('running');
          expect(step).toMatchObject({ status: 'running', tail: 'deactivating…' });
          await sweeper.interruptExpired(reason, T0 + 4);
        }
        expect((await sweeper.getJob(id))?.status).toBe('interrupted');
      }

      for (let round = 0; round < 20; round++) {
        const id = `k${round}`;
        // A replica per round: a lease renewed in an earlier round must stay out of this one's.
        await claim(runner, id, `r-late${round}`);
        await expireLeases(`r-late${round}`);
        const [renewed, swept] = await Promise.all([
          runner.renewLeases(`r-late${round}`, [id], LEASE_MS, T0 + 5),
          sweeper.interruptExpired(reason, T0 + 5),
        ]);
        // Renewed and running, or interrupted and no longer the replica's: never both.
        expect([renewed, swept.map((j: JobRecord) => j.id)]).toContainEqual([id]);
        expect(renewed.length + swept.length).toBe(1);
        expect((await sweeper.getJob(id))?.status).toBe(renewed.length === 1 ? 'running' : 'interrupted');
      }
    });

    it('leave to the live replicas the jobs queued under a minute ago when one recovers', async () => {
      const store = await open();
      const now = T0 + 10 * MINUTE;
      await proposeQueued(store, { job: { id: 'j-fresh', createdAt: now - 30_000 }, locks: ['host:a'] });
      await proposeQueued(store, { job: { id: 'j-old', createdAt: now - 2 * MINUTE }, locks: ['host:b'] });
      // Queued through another job's card, with no card of its own: queued when it was created.
      const part = (id: string, createdAt: number) =>
        store.queueJob({
          job: newProposal({ job: { id, createdAt } }).job,
          approvalId: 'a1',
          locks: [`host:${id}`],
          audit: {},
        });
      await part('p-fresh', now - 10_000);
      await part('p-old', now - 5 * MINUTE);
      const report = await store.recover(now);
      expect(report.interrupted.map((j) => j.id).sort()).toEqual(['j-old', 'p-old']);
      expect((await store.getJob('j-fresh'))?.status).toBe('queued');
      expect((await store.getJob('p-fresh'))?.status).toBe('queued');
      expect((await store.listLocks()).map((l) => l.jobId).sort()).toEqual(['j-fresh', 'p-fresh']);
    });

    it('migrates a database of schema 1: its jobs have no lease, and recovery interrupts a running one', async () => {
      await resetPgDatabase(url);
      const pool = new pg.Pool({ connectionString: url });
      try {
        const client = await pool.connect();
        try {
          await applyPgMigrations(client, { path: 'test', migrations: PG_MIGRATIONS.slice(0, 1) });
        } finally {
          client.release();
        }
      } finally {
        await pool.end();
      }
      await query(
        url,
        `INSERT INTO jobs (id, lab, command, text, args, requester, channel, risk, plan, status, created_at, started_at)
         VALUES ('j-old', 'default', 'host maintenance', 'maintenance hyper1', '{}', 'U_REQ', 'C1', 'destructive',
           '{}', 'running', $1, $1)`,
        [T0],
      );
      const store = await open();
      const job = await store.getJob('j-old');
      expect(job?.status).toBe('running');
      expect(job?.lease).toBeUndefined();
      expect(await query(url, "SELECT lease_epoch FROM jobs WHERE id = 'j-old'")).toEqual([
        { lease_epoch: 0 },
      ]);
      expect(await store.renewLeases('r-a', ['j-old'], LEASE_MS, T0)).toEqual([]);
      expect(await store.interruptExpired(reason, T0 + 1)).toEqual([]);
      expect((await store.recover(T0 + MINUTE)).interrupted.map((j) => j.id)).toEqual(['j-old']);
    });
  });

  describe('its URL and its secrets', () => {
    it('never shows the password: not in path, not in an error', async () => {
      const { socketDir } = server();
      const database = url.slice(url.lastIndexOf('/') + 1, url.indexOf('?'));
      const secret = 'Sup3r-s3cret';
      // Trust on the socket lets any password in: the store opens, and its path has none.
      const withPassword = `postgresql://postgres:${secret}@/${database}?host=${encodeURIComponent(socketDir)}`;
      const store = await openPgStore({ url: withPassword });
      opened.push(store);
      expect(store.path).toBe(`postgresql://postgres@/${database}?host=${encodeURIComponent(socketDir)}`);
      const inQuery = await openPgStore({
        url: `postgresql://postgres@/${database}?password=${secret}&host=${encodeURIComponent(socketDir)}`,
      });
      opened.push(inQuery);
      expect(inQuery.path).not.toContain(secret);
      expect(inQuery.path).toContain('host=');

      for (const bad of [
        `postgresql://postgres:${secret}@/no_such_database?host=${encodeURIComponent(socketDir)}`,
        `postgresql://nobody:${secret}@/${database}?host=${encodeURIComponent(socketDir)}`,
        `postgresql://postgres:${secret}@/${database}?host=/nonexistent-socket-dir`,
        `postgresql://postgres:${encodeURIComponent(`${secret}@/?`)}@/no_such_database?host=${encodeURIComponent(socketDir)}`,
      ]) {
        const error = await thrown(openPgStore({ url: bad, connectTimeoutMs: 2000 }));
        expect(error.code).toBe('CONFIG');
        expect(error.message).toContain('labops cannot connect to its state store postgresql://');
        expect(shownTexts(error)).not.toContain(secret);
      }
      const notAUrl = await thrown(openPgStore({ url: `mysql://root:${secret}@db/x` }));
      expect(notAUrl.code).toBe('CONFIG');
      expect(shownTexts(notAUrl)).not.toContain(secret);
    });

    it('shows the rest of the URL as written', () => {
      expect(parsePgUrl('postgres://labops:pw@db.lab:5433/labops?sslmode=require').shown).toBe(
        'postgres://labops@db.lab:5433/labops?sslmode=require',
      );
      expect(parsePgUrl('postgres://db.lab/labops').shown).toBe('postgres://db.lab/labops');
      expect(parsePgUrl('postgresql://u:p%40ss@h/d?password=x&application_name=a').secrets).toEqual([
        'p%40ss',
        'p@ss',
        'x',
      ]);
    });
  });

  describe('when the server cannot be reached', () => {
    /** A Unix socket that forwards to the server's, and can be cut like a failed network. */
    async function startProxy(): Promise<{
      url: string;
      cut: () => Promise<void>;
      mend: () => Promise<void>;
      remove: () => Promise<void>;
    }> {
      const dir = await mkdtemp(join(tmpdir(), 'labops-pg-proxy-'));
      const upstream = join(server().socketDir, '.s.PGSQL.5432');
      const sockets = new Set<Socket>();
      let listening: Server | undefined;
      const listen = () =>
        new Promise<void>((resolve) => {
          listening = createServer((client) => {
            const remote = createConnection(upstream);
            for (const socket of [client, remote]) {
              sockets.add(socket);
              socket.on('close', () => sockets.delete(socket));
              socket.on('error', () => {
                client.destroy();
                remote.destroy();
              });
            }
            client.pipe(remote).pipe(client);
          }).listen(join(dir, '.s.PGSQL.5432'), resolve);
        });
      const cut = async () => {
        const closed = new Promise<void>((resolve) => listening?.close(() => resolve()));
        for (const socket of sockets) socket.destroy();
        await closed;
      };
      await listen();
      const database = url.slice(url.lastIndexOf('/') + 1, url.indexOf('?'));
      return {
        url: postgresUrl({ socketDir: dir }, database),
        cut,
        mend: listen,
        remove: async () => {
          await cut();
          await rm(dir, { recursive: true, force: true });
        },
      };
    }

    it('answers STORE_UNAVAILABLE, saying how to fix it, until the server is back', async () => {
      const proxy = await startProxy();
      try {
        const store = await openPgStore({ url: proxy.url, connectTimeoutMs: 2000 });
        opened.push(store);
        await propose(store, { locks: [] });
        expect(await store.checkWritable()).toBeUndefined();

        await proxy.cut();
        const failed = await thrown(store.proposeJob(newProposal({ job: { id: 'j2' }, locks: [] })));
        expect(failed.code).toBe('STORE_UNAVAILABLE');
        expect(failed.message).toMatch(
          /^labops cannot write its state store postgresql:\/\/postgres@\/labops_\w+\?host=.*: the PostgreSQL server cannot be reached \(\w+\)\.$/,
        );
        expect(failed.hint).toContain('Check that the PostgreSQL server of');
        expect((await thrown(store.getJob('j1'))).code).toBe('STORE_UNAVAILABLE');
        expect((await store.checkWritable())?.code).toBe('STORE_UNAVAILABLE');

        await proxy.mend();
        expect(await store.checkWritable()).toBeUndefined();
        expect((await store.proposeJob(newProposal({ job: { id: 'j2' }, locks: [] }))).ok).toBe(true);
        expect((await store.listJobs()).map((job) => job.id)).toEqual(['j2', 'j1']);
      } finally {
        await proxy.remove();
      }
    });

    it("says once that it lost the other replicas' news of cards, and hears them again once the server is back", async () => {
      const proxy = await startProxy();
      try {
        const direct = await open();
        const store = await openPgStore({ url: proxy.url, connectTimeoutMs: 2000 });
        opened.push(store);
        const heard: string[] = [];
        const states: string[] = [];
        store.watchProposals!(
          (lab) => heard.push(lab),
          (state, error) => states.push(error ? `${state}: ${error.message}` : state),
        );
        const until = async (check: () => boolean) => {
          for (let waited = 0; !check(); waited += 10) {
            if (waited > 10_000) throw new Error(`still waiting; states: ${states.join(' | ')}`);
            await new Promise((resolve) => setTimeout(resolve, 10));
          }
        };
        await until(() => states.length === 1);
        await proxy.cut();
        // Tries again after 0.5 s, and again 1 s later: each fails while the server cannot be reached.
        await new Promise((resolve) => setTimeout(resolve, 1800));
        await proxy.mend();
        await until(() => states.length === 3);
        expect(states[0]).toBe('listening');
        expect(states[1]).toMatch(/^lost: /);
        expect(states[2]).toBe('listening');
        await propose(direct, { job: { id: 'j-back', lab: 'lab1' } });
        await until(() => heard.length === 1);
        expect(heard).toEqual(['lab1']);
      } finally {
        await proxy.remove();
      }
    });

    it('takes a full disk for STORE_UNAVAILABLE too, and a broken constraint for CONFLICT', () => {
      const parsed = parsePgUrl(url);
      const full = Object.assign(new pg.DatabaseError('could not extend file', 0, 'error'), {
        code: '53100',
      });
      const unavailable = translatePgRuntimeError(parsed, full);
      expect(unavailable.code).toBe('STORE_UNAVAILABLE');
      expect(unavailable.message).toBe(
        `labops cannot write its state store ${parsed.shown}: the disk is full.`,
      );
      const duplicate = Object.assign(new pg.DatabaseError('duplicate key value', 0, 'error'), {
        code: '23505',
      });
      expect(translatePgRuntimeError(parsed, duplicate).code).toBe('CONFLICT');
      const deadlock = Object.assign(new pg.DatabaseError('deadlock detected', 0, 'error'), {
        code: '40P01',
      });
      expect(translatePgRuntimeError(parsed, deadlock).code).toBe('TIMEOUT');
    });
  });
});

function refusal(result: DecisionResult): string | undefined {
  return result.outcome === 'refused' ? result.reason : undefined;
}
