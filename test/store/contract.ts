/**
 * The state store's contract (src/store/types.ts), one suite for every store (issue 14 §1): the
 * SQLite store (sqlite-store.test.ts) and the PostgreSQL store (pg-store.test.ts) must answer
 * exactly the same — the same records, refusals, audit events and errors.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isLabopsError } from '../../src/errors.js';
import { verbatim } from '../../src/i18n/text.js';
import { createPlan } from '../../src/plan.js';
import { STEP_TAIL_MAX_BYTES } from '../../src/store/sqlite-store.js';
import type { DecisionResult, Store } from '../../src/store/types.js';
import {
  MINUTE,
  newProposal,
  type ProposalOverrides,
  propose,
  proposeQueued,
  proposeRunning,
  snapshotStore,
  T0,
} from './store-fixtures.js';
import type { FreshStore, StoreTarget } from './store-targets.js';

/** Registers the contract's tests on `target`'s stores, each test on a fresh one. */
export function describeStoreContract(target: StoreTarget): void {
  describe(`the store contract on ${target.name}`, () => {
    let fresh: FreshStore;
    let store: Store;

    beforeEach(async () => {
      fresh = await target.openFresh();
      store = fresh.store;
    });

    afterEach(async () => {
      await store.close();
      await fresh.store.close();
      await fresh.remove();
    });

    async function caught(promise: Promise<unknown>): Promise<unknown> {
      try {
        await promise;
      } catch (error) {
        return error;
      }
      throw new Error('expected a failure');
    }

    function refusal(result: DecisionResult): string | undefined {
      return result.outcome === 'refused' ? result.reason : undefined;
    }

    /** The newest audit event's type, actor and ids. */
    async function lastAudit() {
      const [event] = await store.listAudit(1);
      return event;
    }

    /** How many audit events the store holds. */
    async function auditCount(): Promise<number> {
      return (await store.listAudit(1_000_000)).length;
    }

    /** Proposes a job with the given id, locking only `locks`, requested by `requester`. */
    function proposeWith(
      id: string,
      locks: readonly string[],
      requester = 'U_REQ',
      more: ProposalOverrides = {},
    ) {
      return store.proposeJob(newProposal({ ...more, job: { id, requester, ...more.job }, locks }));
    }

    describe('proposing a job', () => {
      it('gives back a job with its JSON fields and steps intact', async () => {
        const proposal = newProposal();
        const result = await store.proposeJob(proposal);
        const expected = {
          ...proposal.job,
          status: 'awaiting_approval',
          startedAt: undefined,
          finishedAt: undefined,
          error: undefined,
          messageRef: undefined,
        };
        expect(result.ok && result.job).toEqual(expected);
        expect(await store.getJob('j1')).toEqual(expected);
        expect((await store.getJob('j1'))?.steps[1]).toStrictEqual(proposal.job.steps[1]);
        expect(await store.getJob('nope')).toBeUndefined();
      });

      it('gives back the plan a job was proposed with, typed, with no field lost', async () => {
        const proposal = newProposal();
        await store.proposeJob(proposal);
        const plan = (await store.getJob('j1'))?.plan;
        expect(plan).toEqual(proposal.job.plan);
        expect(plan?.locks).toEqual(['host:hyper1']);
        expect(plan?.steps.map((s) => s.title)).toEqual([
          verbatim('Deactivate hyper1'),
          verbatim('Note the reason'),
        ]);
      });

      it('reads a plan stored without some of its fields with those fields empty, its plain English shown as is', async () => {
        const { job } = await propose(store);
        await fresh.exec('UPDATE jobs SET plan = ? WHERE id = ?', [
          JSON.stringify({ impact: ['one'] }),
          'j1',
        ]);
        // Written before texts were kept: the summary is the command, the plain English comes back verbatim.
        expect((await store.getJob('j1'))?.plan).toEqual(
          createPlan({
            summary: verbatim('host maintenance'),
            risk: 'destructive',
            impact: [verbatim('one')],
            steps: job.steps,
          }),
        );
      });

      it('creates one pending step row per planned step', async () => {
        await propose(store);
        expect(await store.listSteps('j1')).toEqual([
          {
            jobId: 'j1',
            index: 0,
            kind: 'engine.deactivate',
            title: 'Deactivate hyper1',
            titleText: verbatim('Deactivate hyper1'),
            status: 'pending',
            startedAt: undefined,
            finishedAt: undefined,
            durationMs: undefined,
            tail: '',
            detail: undefined,
            detailText: undefined,
            endState: undefined,
            endStateText: undefined,
          },
          expect.objectContaining({ index: 1, kind: 'ssh.ensure-line', status: 'pending' }),
        ]);
      });

      it('records the job, its pending card, its locks and approval:requested together', async () => {
        const result = await store.proposeJob(newProposal({ audit: { command: 'host maintenance', n: 1 } }));
        const expected = {
          id: 'a1',
          jobId: 'j1',
          risk: 'destructive',
          required: 1,
          eligible: ['U_ADA', 'U_BOB', 'U_CYD'],
          requester: 'U_REQ',
          createdAt: T0,
          expiresAt: T0 + 15 * MINUTE,
          fingerprint: 'sha256:abc',
          fingerprintState: { host: 'hyper1 is up', vms: 'vm1, vm2 on hyper1' },
          status: 'pending',
          decisions: [],
          cardRefs: [],
        };
        expect(result.ok && result.approval).toEqual(expected);
        expect(await store.getApproval('a1')).toEqual(expected);
        expect(await store.getApprovalForJob('j1')).toEqual(expected);
        expect(await store.listLocks()).toEqual([
          { lab: 'default', key: 'host:hyper1', jobId: 'j1', holder: 'U_REQ', takenAt: T0 },
        ]);
        expect(await store.listAudit(10)).toEqual([
          {
            seq: 1,
            at: T0,
            lab: 'default',
            type: 'approval:requested',
            actor: 'U_REQ',
            jobId: 'j1',
            approvalId: 'a1',
            detail: { command: 'host maintenance', n: 1 },
          },
        ]);
      });

      it('refuses a job re-proposed with the same id with CONFLICT, changing nothing', async () => {
        await propose(store);
        const before = await snapshotStore(store);
        for (const proposal of [
          newProposal({ job: { command: 'other' } }),
          newProposal({ job: { command: 'other' }, locks: ['host:hyper9'] }),
        ]) {
          const error = await caught(store.proposeJob(proposal));
          expect(isLabopsError(error) && error.code).toBe('CONFLICT');
        }
        expect(await snapshotStore(store)).toEqual(before);
        expect((await store.getJob('j1'))?.command).toBe('host maintenance');
      });

      it('refuses a card id that exists with CONFLICT, recording neither the job nor its locks', async () => {
        await propose(store, { approval: { id: 'a-fixed' } });
        const before = await snapshotStore(store);
        const error = await caught(
          proposeWith('j2', ['host:hyper2'], 'U_REQ', { approval: { id: 'a-fixed' } }),
        );
        expect(isLabopsError(error) && error.code).toBe('CONFLICT');
        expect(await snapshotStore(store)).toEqual(before);
        expect(await store.getJob('j2')).toBeUndefined();
      });

      it('records nothing when a step cannot be stored', async () => {
        const steps = [
          { kind: 'k', title: verbatim('t'), params: { n: 1n } as unknown as Record<string, unknown> },
        ];
        await expect(store.proposeJob(newProposal({ job: { steps } }))).rejects.toThrow();
        expect(await snapshotStore(store)).toEqual({ jobs: [], approvals: [], locks: [], audit: [] });
      });

      it('hands out short approval ids that keep counting across a restart, skipping a hand-picked one', async () => {
        expect((await propose(store, { job: { id: 'j1' }, locks: [] })).approval.id).toBe('a1');
        expect((await propose(store, { job: { id: 'j2' }, locks: [] })).approval.id).toBe('a2');
        await propose(store, { job: { id: 'j3' }, approval: { id: 'a3' }, locks: [] });
        await store.close();
        store = await fresh.open();
        expect((await propose(store, { job: { id: 'j4' }, locks: [] })).approval.id).toBe('a4');
      });

      it('gives a refused proposal no approval id', async () => {
        await propose(store);
        expect((await proposeWith('j2', ['host:hyper1'])).ok).toBe(false);
        expect((await propose(store, { job: { id: 'j3' }, locks: ['host:hyper3'] })).approval.id).toBe('a2');
      });

      it('lists jobs newest first, filtered by status and limited', async () => {
        await proposeQueued(store, { job: { id: 'old', createdAt: T0 }, locks: [] });
        await propose(store, { job: { id: 'mid', createdAt: T0 + 10 }, locks: [] });
        await proposeQueued(store, { job: { id: 'new', createdAt: T0 + 20 }, locks: [] });
        await propose(store, { job: { id: 'tie', createdAt: T0 + 20 }, locks: [] });
        expect((await store.listJobs()).map((j) => j.id)).toEqual(['tie', 'new', 'mid', 'old']);
        expect((await store.listJobs({ statuses: ['queued'] })).map((j) => j.id)).toEqual(['new', 'old']);
        expect((await store.listJobs({ limit: 2 })).map((j) => j.id)).toEqual(['tie', 'new']);
        expect(await store.listJobs({ statuses: [] })).toEqual([]);
        expect((await store.listJobs())[0]?.steps).toHaveLength(2);
      });
    });

    describe('steps and references', () => {
      beforeEach(async () => {
        await propose(store);
      });

      it('records step progress, keeping fields a patch leaves out', async () => {
        await store.updateStep('j1', 0, { status: 'running', startedAt: T0 + 1, tail: 'one\n' });
        await store.updateStep('j1', 0, {
          status: 'changed',
          finishedAt: T0 + 9,
          durationMs: 8,
          detail: verbatim('hyper1 deactivated'),
          endState: verbatim('host hyper1 is in maintenance'),
        });
        expect((await store.listSteps('j1'))[0]).toMatchObject({
          status: 'changed',
          startedAt: T0 + 1,
          finishedAt: T0 + 9,
          durationMs: 8,
          tail: 'one\n',
          detail: 'hyper1 deactivated',
          endState: 'host hyper1 is in maintenance',
        });
        expect((await store.listSteps('j1'))[1]?.status).toBe('pending');
      });

      it('keeps the last 4 KiB of a step tail, whole characters only', async () => {
        const text = `${'a'.repeat(5000)}${'é'.repeat(3000)}THE END`;
        await store.updateStep('j1', 0, { tail: text });
        const tail = (await store.listSteps('j1'))[0]?.tail ?? '';
        expect(Buffer.byteLength(tail)).toBeLessThanOrEqual(STEP_TAIL_MAX_BYTES);
        expect(Buffer.byteLength(tail)).toBeGreaterThan(STEP_TAIL_MAX_BYTES - 4);
        expect(tail.endsWith('éTHE END')).toBe(true);
        expect(text.endsWith(tail)).toBe(true);
      });

      it('refuses to update a step that does not exist', async () => {
        const error = await caught(store.updateStep('j1', 7, { status: 'ok' }));
        expect(isLabopsError(error) && error.code).toBe('NOT_FOUND');
      });

      it('keeps the message reference of a job as JSON', async () => {
        await store.setJobMessageRef('j1', { channel: 'C_LAB', ts: '1700000000.000100' });
        expect((await store.getJob('j1'))?.messageRef).toEqual({ channel: 'C_LAB', ts: '1700000000.000100' });
        const error = await caught(store.setJobMessageRef('nope', {}));
        expect(isLabopsError(error) && error.code).toBe('NOT_FOUND');
      });

      it('keeps the cards an approval is shown on, in order', async () => {
        await store.addApprovalCardRef('a1', { channel: 'C_LAB', ts: '1.1' });
        await store.addApprovalCardRef('a1', { channel: 'D_ADA', ts: '2.2' });
        expect((await store.getApproval('a1'))?.cardRefs).toEqual([
          { channel: 'C_LAB', ts: '1.1' },
          { channel: 'D_ADA', ts: '2.2' },
        ]);
        const error = await caught(store.addApprovalCardRef('a404', {}));
        expect(isLabopsError(error) && error.code).toBe('NOT_FOUND');
      });

      it('sets a review, replacing the error when given, and audits it when asked', async () => {
        const review = {
          changes: [{ target: 'host hyper1', outcome: 'changed' as const, from: 'up', to: 'down' }],
        };
        const job = await store.setJobReview('j1', review, { error: verbatim('it broke'), auditAt: T0 + 7 });
        expect(job).toMatchObject({ id: 'j1', review, error: 'it broke' });
        expect(await lastAudit()).toMatchObject({
          at: T0 + 7,
          type: 'job:reviewed',
          actor: 'labops',
          jobId: 'j1',
          detail: { changes: review.changes },
        });
        const count = await auditCount();
        expect(await store.setJobReview('j1', { reviewedAt: T0 + 8 })).toMatchObject({
          review: { reviewedAt: T0 + 8 },
          error: 'it broke',
        });
        expect(await auditCount()).toBe(count);
        const error = await caught(store.setJobReview('nope', {}));
        expect(isLabopsError(error) && error.code).toBe('NOT_FOUND');
      });
    });

    describe('starting and ending a job', () => {
      it('moves only from the named statuses and stamps start and finish', async () => {
        await propose(store);
        expect(await store.startJob('j1', T0 + 1)).toBeUndefined();
        expect((await store.getJob('j1'))?.status).toBe('awaiting_approval');

        await store.decideApproval('a1', 'U_ADA', 'approve', T0 + 2);
        expect(await store.endJob('j1', { from: ['running'], to: 'failed', at: T0 + 3 })).toBeUndefined();
        expect((await store.getJob('j1'))?.status).toBe('queued');

        expect(await store.startJob('j1', T0 + 5)).toMatchObject({
          status: 'running',
          startedAt: T0 + 5,
          finishedAt: undefined,
        });
        expect(await store.startJob('j1', T0 + 6)).toBeUndefined();

        const ended = await store.endJob('j1', {
          from: ['running'],
          to: 'failed',
          error: verbatim('engine said no'),
          at: T0 + 9,
        });
        expect(ended).toMatchObject({
          status: 'failed',
          startedAt: T0 + 5,
          finishedAt: T0 + 9,
          error: 'engine said no',
        });
        expect(await store.getJob('j1')).toEqual(ended);
        expect(await store.endJob('j1', { from: ['running'], to: 'succeeded', at: T0 + 10 })).toBeUndefined();
        expect(await store.startJob('missing', T0)).toBeUndefined();
        expect(await store.endJob('missing', { from: ['running'], to: 'failed', at: T0 })).toBeUndefined();
      });

      it('records job:started by labops when a job starts', async () => {
        await proposeQueued(store);
        await store.startJob('j1', T0 + 5);
        expect(await lastAudit()).toMatchObject({
          at: T0 + 5,
          type: 'job:started',
          actor: 'labops',
          jobId: 'j1',
          detail: {},
        });
      });

      it('lets exactly one of two racing callers start a queued job', async () => {
        await proposeQueued(store);
        const other = await fresh.open();
        try {
          const wins = await Promise.all([store, other, store, other].map((s) => s.startJob('j1', T0 + 1)));
          expect(wins.filter(Boolean)).toHaveLength(1);
          expect((await other.getJob('j1'))?.status).toBe('running');
          expect((await store.listAudit(10)).filter((e) => e.type === 'job:started')).toHaveLength(1);
        } finally {
          await other.close();
        }
      });

      it('releases the locks of a job that ends and records job:<status> with its error', async () => {
        await proposeRunning(store, { locks: ['host:hyper1', 'domain:nfs-data'] });
        expect(await store.listLocks()).toHaveLength(2);
        await store.endJob('j1', {
          from: ['running'],
          to: 'failed',
          error: verbatim('engine said no'),
          at: T0 + 9,
        });
        expect(await store.listLocks()).toEqual([]);
        expect(await lastAudit()).toMatchObject({
          at: T0 + 9,
          type: 'job:failed',
          actor: 'labops',
          jobId: 'j1',
          detail: { error: 'engine said no' },
        });

        await proposeRunning(store, { job: { id: 'j2' } });
        await store.endJob('j2', { from: ['running'], to: 'succeeded', at: T0 + 10 });
        expect(await lastAudit()).toMatchObject({ type: 'job:succeeded', jobId: 'j2', detail: {} });
        expect(await store.listLocks()).toEqual([]);
      });

      it('ends a queued job whose start was refused, from queued', async () => {
        await proposeQueued(store);
        const ended = await store.endJob('j1', {
          from: ['queued', 'running'],
          to: 'cancelled',
          error: verbatim('the plan no longer holds'),
          at: T0 + 3,
        });
        expect(ended).toMatchObject({ status: 'cancelled', startedAt: undefined, finishedAt: T0 + 3 });
        expect(await store.listLocks()).toEqual([]);
        expect(await lastAudit()).toMatchObject({
          type: 'job:cancelled',
          detail: { error: 'the plan no longer holds' },
        });
      });
    });

    describe('approvals', () => {
      async function setUp(overrides: ProposalOverrides = {}): Promise<void> {
        await propose(store, overrides);
      }

      it('refuses a click on an approval that does not exist', async () => {
        expect(await store.decideApproval('a404', 'U_ADA', 'approve', T0)).toEqual({
          outcome: 'refused',
          reason: 'not-found',
          approval: undefined,
        });
      });

      it('lists approvals newest first, filtered by status', async () => {
        await propose(store, { job: { id: 'j1', createdAt: T0 } });
        await propose(store, { job: { id: 'j2', createdAt: T0 + 1 }, locks: ['host:hyper2'] });
        await store.voidApproval('a1', {
          reason: verbatim('changed'),
          changes: [],
          actor: 'labops',
          at: T0 + 2,
        });
        expect((await store.listApprovals()).map((a) => a.id)).toEqual(['a2', 'a1']);
        expect((await store.listApprovals({ statuses: ['pending'] })).map((a) => a.id)).toEqual(['a2']);
        expect((await store.listApprovals({ limit: 1 })).map((a) => a.id)).toEqual(['a2']);
      });

      it('approves a destructive request with one approver, queues the job and records approval:granted', async () => {
        await setUp();
        const result = await store.decideApproval('a1', 'U_ADA', 'approve', T0 + MINUTE);
        expect(result).toMatchObject({ outcome: 'recorded', becameFinal: true, job: { status: 'queued' } });
        expect(result.approval).toMatchObject({
          status: 'approved',
          decisions: [{ principal: 'U_ADA', decision: 'approve', at: T0 + MINUTE }],
        });
        expect((await store.getJob('j1'))?.status).toBe('queued');
        // A queued job keeps its locks until it ends.
        expect((await store.listLocks()).map((l) => l.key)).toEqual(['host:hyper1']);
        expect(await lastAudit()).toMatchObject({
          at: T0 + MINUTE,
          type: 'approval:granted',
          actor: 'U_ADA',
          jobId: 'j1',
          approvalId: 'a1',
          detail: { risk: 'destructive', approvals: 1, required: 1 },
        });
      });

      it('refuses a self-approval of a destructive or critical request', async () => {
        for (const risk of ['destructive', 'critical'] as const) {
          const { approval } = await propose(store, {
            job: { id: `j-${risk}`, risk },
            approval: { id: `a-${risk}`, eligible: ['U_REQ', 'U_ADA', 'U_BOB'] },
            locks: [],
          });
          expect(approval.risk).toBe(risk);
          const count = await auditCount();
          const result = await store.decideApproval(`a-${risk}`, 'U_REQ', 'approve', T0);
          expect(refusal(result)).toBe('self-approval');
          expect(await store.getApproval(`a-${risk}`)).toMatchObject({ status: 'pending', decisions: [] });
          expect(await auditCount()).toBe(count);
        }
      });

      it('lets the requester confirm a change', async () => {
        await setUp({ job: { risk: 'change' }, approval: { eligible: ['U_REQ'] } });
        const result = await store.decideApproval('a1', 'U_REQ', 'approve', T0);
        expect(result).toMatchObject({
          outcome: 'recorded',
          becameFinal: true,
          approval: { status: 'approved', risk: 'change' },
        });
        expect((await store.getJob('j1'))?.status).toBe('queued');
      });

      it('refuses an approval from someone not eligible, recording nothing', async () => {
        await setUp();
        const before = await snapshotStore(store);
        expect(refusal(await store.decideApproval('a1', 'U_EVE', 'approve', T0))).toBe('not-eligible');
        expect(refusal(await store.decideApproval('a1', 'U_EVE', 'deny', T0))).toBe('not-eligible');
        expect(await store.getApproval('a1')).toMatchObject({ status: 'pending', decisions: [] });
        expect((await store.getJob('j1'))?.status).toBe('awaiting_approval');
        expect(await snapshotStore(store)).toEqual(before);
      });

      it('needs two distinct approvers for a critical request', async () => {
        await setUp({ job: { risk: 'critical' }, approval: { required: 2 } });
        const first = await store.decideApproval('a1', 'U_ADA', 'approve', T0 + 1);
        expect(first).toMatchObject({
          outcome: 'recorded',
          becameFinal: false,
          approval: { status: 'pending' },
        });
        expect((await store.getJob('j1'))?.status).toBe('awaiting_approval');
        expect(await lastAudit()).toMatchObject({
          type: 'approval:granted',
          actor: 'U_ADA',
          detail: { risk: 'critical', approvals: 1, required: 2 },
        });

        expect(refusal(await store.decideApproval('a1', 'U_ADA', 'approve', T0 + 2))).toBe('repeated');
        expect((await store.getApproval('a1'))?.decisions).toHaveLength(1);

        const second = await store.decideApproval('a1', 'U_BOB', 'approve', T0 + 3);
        expect(second).toMatchObject({
          outcome: 'recorded',
          becameFinal: true,
          approval: { status: 'approved' },
        });
        expect(second.approval?.decisions.map((d) => d.principal)).toEqual(['U_ADA', 'U_BOB']);
        expect((await store.getJob('j1'))?.status).toBe('queued');
        expect(await lastAudit()).toMatchObject({ actor: 'U_BOB', detail: { approvals: 2, required: 2 } });
      });

      it('refuses a second decision by the same principal, even the opposite one', async () => {
        await setUp({ job: { risk: 'critical' }, approval: { required: 2 } });
        await store.decideApproval('a1', 'U_ADA', 'approve', T0);
        expect(refusal(await store.decideApproval('a1', 'U_ADA', 'deny', T0 + 1))).toBe('repeated');
        expect((await store.getApproval('a1'))?.status).toBe('pending');
      });

      it('denies on the first deny by an approver, even after an approval, and records approval:denied', async () => {
        await setUp({ job: { risk: 'critical' }, approval: { required: 2 } });
        await store.decideApproval('a1', 'U_ADA', 'approve', T0 + 1);
        const result = await store.decideApproval('a1', 'U_BOB', 'deny', T0 + 2);
        expect(result).toMatchObject({
          outcome: 'recorded',
          becameFinal: true,
          approval: { status: 'denied' },
        });
        expect(await store.getJob('j1')).toMatchObject({ status: 'denied', finishedAt: T0 + 2 });
        expect(await store.listLocks()).toEqual([]);
        expect(await lastAudit()).toMatchObject({
          at: T0 + 2,
          type: 'approval:denied',
          actor: 'U_BOB',
          jobId: 'j1',
          approvalId: 'a1',
          detail: { risk: 'critical', approvals: 1, required: 2 },
        });
      });

      it('lets the requester withdraw a destructive request by denying it', async () => {
        await setUp();
        const result = await store.decideApproval('a1', 'U_REQ', 'deny', T0 + 1);
        expect(result).toMatchObject({
          outcome: 'recorded',
          becameFinal: true,
          approval: { status: 'denied' },
        });
        expect((await store.getJob('j1'))?.status).toBe('denied');
        expect(await store.listLocks()).toEqual([]);
      });

      it('refuses every click once the approval is final', async () => {
        await setUp();
        await store.decideApproval('a1', 'U_ADA', 'approve', T0);
        const before = await snapshotStore(store);
        for (const [principal, decision] of [
          ['U_BOB', 'approve'],
          ['U_BOB', 'deny'],
          ['U_REQ', 'deny'],
        ] as const) {
          expect(refusal(await store.decideApproval('a1', principal, decision, T0 + 1))).toBe('not-pending');
        }
        expect((await store.getApproval('a1'))?.decisions).toHaveLength(1);
        expect((await store.getJob('j1'))?.status).toBe('queued');
        expect(await snapshotStore(store)).toEqual(before);
      });

      it('refuses clicks on a denied, voided or expired approval', async () => {
        await propose(store, { job: { id: 'j1' }, locks: [] });
        await propose(store, { job: { id: 'j2' }, locks: [] });
        await propose(store, { job: { id: 'j3' }, locks: [] });
        await store.decideApproval('a1', 'U_ADA', 'deny', T0);
        expect(
          await store.voidApproval('a2', {
            reason: verbatim('changed'),
            changes: [],
            actor: 'labops',
            at: T0,
          }),
        ).toBeDefined();
        expect(await store.expireApproval('a2', T0 + 15 * MINUTE)).toBeUndefined();
        expect(await store.expireApproval('a3', T0 + 15 * MINUTE)).toBeDefined();
        for (const id of ['a1', 'a2', 'a3']) {
          expect(refusal(await store.decideApproval(id, 'U_BOB', 'approve', T0 + 1))).toBe('not-pending');
        }
      });

      it('expires an approval clicked at or after its deadline, its job and locks with it, and records approval:expired', async () => {
        await setUp();
        const result = await store.decideApproval('a1', 'U_ADA', 'approve', T0 + 15 * MINUTE);
        expect(result).toMatchObject({
          outcome: 'refused',
          reason: 'expired',
          approval: { status: 'expired' },
          job: { id: 'j1', status: 'expired', finishedAt: T0 + 15 * MINUTE },
        });
        expect(result.approval?.decisions).toEqual([]);
        expect(await store.getJob('j1')).toMatchObject({ status: 'expired', finishedAt: T0 + 15 * MINUTE });
        expect(await store.listLocks()).toEqual([]);
        expect(await lastAudit()).toMatchObject({
          at: T0 + 15 * MINUTE,
          type: 'approval:expired',
          actor: 'labops',
          jobId: 'j1',
          approvalId: 'a1',
        });
        const count = await auditCount();
        expect(refusal(await store.decideApproval('a1', 'U_BOB', 'approve', T0 + 16 * MINUTE))).toBe(
          'not-pending',
        );
        expect(await auditCount()).toBe(count);
      });

      it('accepts a click one millisecond before the deadline', async () => {
        await setUp();
        const result = await store.decideApproval('a1', 'U_ADA', 'approve', T0 + 15 * MINUTE - 1);
        expect(result).toMatchObject({ outcome: 'recorded', becameFinal: true });
      });

      it('approves exactly once when many approvers click at the same moment', async () => {
        await setUp({ approval: { eligible: ['U_A', 'U_B', 'U_C', 'U_D', 'U_E', 'U_F'] } });
        const other = await fresh.open();
        try {
          const results = await Promise.all(
            ['U_A', 'U_B', 'U_C', 'U_D', 'U_E', 'U_F'].map((principal, i) =>
              (i % 2 === 0 ? store : other).decideApproval('a1', principal, 'approve', T0 + 1),
            ),
          );
          const finals = results.filter((r) => r.outcome === 'recorded' && r.becameFinal);
          expect(finals).toHaveLength(1);
          expect(results.filter((r) => r.outcome === 'refused').map(refusal)).toEqual(
            Array(5).fill('not-pending'),
          );
          expect((await store.getApproval('a1'))?.decisions).toHaveLength(1);
          expect((await store.getJob('j1'))?.status).toBe('queued');
          expect(await store.startJob('j1', T0 + 2)).toBeDefined();
          expect(await other.startJob('j1', T0 + 2)).toBeUndefined();
        } finally {
          await other.close();
        }
      });
    });

    describe('voiding an approval', () => {
      const VOID = {
        reason: verbatim('hyper1 went down after the card was posted.'),
        actor: 'labops',
        at: T0 + 5,
      };

      it('voids the card and its waiting job, keeping the reason on the job, releasing its locks', async () => {
        await propose(store, { locks: ['host:hyper1', 'domain:nfs-data'] });
        const result = await store.voidApproval('a1', {
          ...VOID,
          changes: [verbatim('host hyper1: up → down')],
        });
        expect(result?.approval).toMatchObject({ id: 'a1', status: 'void' });
        expect(result?.job).toMatchObject({
          id: 'j1',
          status: 'void',
          error: VOID.reason.verbatim,
          errorText: VOID.reason,
          finishedAt: T0 + 5,
        });
        expect(await store.getApproval('a1')).toEqual(result?.approval);
        expect(await store.getJob('j1')).toEqual(result?.job);
        expect(await store.listLocks()).toEqual([]);
        expect(await store.listAudit(10)).toEqual([
          {
            seq: 2,
            at: T0 + 5,
            lab: 'default',
            type: 'approval:voided',
            actor: 'labops',
            jobId: 'j1',
            approvalId: 'a1',
            detail: { changes: ['host hyper1: up → down'] },
          },
          expect.objectContaining({ type: 'approval:requested' }),
        ]);
      });

      it('answers undefined and changes nothing for an approval that is not pending', async () => {
        await proposeQueued(store, { job: { id: 'j1' }, locks: ['host:hyper1'] });
        await propose(store, { job: { id: 'j2' }, locks: ['host:hyper2'] });
        await store.voidApproval('a2', { ...VOID, changes: [] });
        const before = await snapshotStore(store);
        for (const id of ['a1', 'a2', 'a404']) {
          expect(
            await store.voidApproval(id, {
              ...VOID,
              reason: verbatim('again'),
              changes: [verbatim('x')],
              at: T0 + 6,
            }),
          ).toBeUndefined();
        }
        expect(await snapshotStore(store)).toEqual(before);
        expect((await store.getJob('j2'))?.error).toBe(VOID.reason.verbatim);
      });
    });

    describe('expiring an approval', () => {
      it('refuses before its deadline, then expires the card, its job and locks with approval:expired', async () => {
        await propose(store);
        const before = await snapshotStore(store);
        expect(await store.expireApproval('a1', T0 + 15 * MINUTE - 1)).toBeUndefined();
        expect(await snapshotStore(store)).toEqual(before);

        const result = await store.expireApproval('a1', T0 + 15 * MINUTE, { sweep: true });
        expect(result?.approval).toMatchObject({ status: 'expired', decisions: [] });
        expect(result?.job).toMatchObject({ status: 'expired', finishedAt: T0 + 15 * MINUTE });
        expect(await store.listLocks()).toEqual([]);
        expect(await lastAudit()).toEqual({
          seq: 2,
          at: T0 + 15 * MINUTE,
          lab: 'default',
          type: 'approval:expired',
          actor: 'labops',
          jobId: 'j1',
          approvalId: 'a1',
          detail: { sweep: true },
        });
      });

      it('answers undefined and changes nothing for an approval that is not pending', async () => {
        await proposeQueued(store);
        const before = await snapshotStore(store);
        expect(await store.expireApproval('a1', T0 + 60 * MINUTE)).toBeUndefined();
        expect(await store.expireApproval('a404', T0 + 60 * MINUTE)).toBeUndefined();
        expect(await snapshotStore(store)).toEqual(before);
      });
    });

    describe('cancelling a waiting job', () => {
      it('cancels a job awaiting approval, voids its card, releases its locks and records job:cancelled', async () => {
        await propose(store);
        const result = await store.cancelWaitingJob('j1', 'U_ADA', T0 + 3);
        expect(result?.job).toMatchObject({
          status: 'cancelled',
          error: 'Cancelled by U_ADA.',
          finishedAt: T0 + 3,
        });
        expect(result?.approval).toMatchObject({ id: 'a1', status: 'void' });
        expect(await store.getApproval('a1')).toEqual(result?.approval);
        expect(await store.listLocks()).toEqual([]);
        expect(await lastAudit()).toEqual({
          seq: 2,
          at: T0 + 3,
          lab: 'default',
          type: 'job:cancelled',
          actor: 'U_ADA',
          jobId: 'j1',
          approvalId: 'a1',
          detail: {},
        });
        expect(refusal(await store.decideApproval('a1', 'U_BOB', 'approve', T0 + 4))).toBe('not-pending');
      });

      it('cancels a queued job, whose card stays approved', async () => {
        await proposeQueued(store);
        const result = await store.cancelWaitingJob('j1', 'U_REQ', T0 + 3);
        expect(result?.job).toMatchObject({ status: 'cancelled', error: 'Cancelled by U_REQ.' });
        expect(result?.approval).toMatchObject({ id: 'a1', status: 'approved' });
        expect(await store.listLocks()).toEqual([]);
        expect(await lastAudit()).toMatchObject({ type: 'job:cancelled', actor: 'U_REQ', approvalId: 'a1' });
        expect(await store.startJob('j1', T0 + 4)).toBeUndefined();
      });

      it('does nothing for a running, ended or missing job', async () => {
        await proposeRunning(store, { job: { id: 'j-run' } });
        await proposeRunning(store, { job: { id: 'j-done' }, locks: ['host:hyper2'] });
        await store.endJob('j-done', { from: ['running'], to: 'succeeded', at: T0 + 2 });
        const before = await snapshotStore(store);
        for (const id of ['j-run', 'j-done', 'nope']) {
          expect(await store.cancelWaitingJob(id, 'U_ADA', T0 + 3)).toBeUndefined();
        }
        expect(await snapshotStore(store)).toEqual(before);
        expect((await store.getJob('j-run'))?.status).toBe('running');
      });
    });

    describe('locks and the lab-lock rule', () => {
      it('refuses a job a held key blocks, recording nothing, naming the first conflict', async () => {
        await propose(store, {
          job: { id: 'j1', requester: 'U_ADA' },
          locks: ['host:hyper1', 'domain:nfs-data'],
        });
        const before = await snapshotStore(store);
        const result = await proposeWith('j2', ['host:hyper2', 'domain:nfs-data', 'host:hyper1'], 'U_BOB');
        expect(result).toEqual({
          ok: false,
          heldBy: { lab: 'default', key: 'domain:nfs-data', jobId: 'j1', holder: 'U_ADA', takenAt: T0 },
        });
        expect(await snapshotStore(store)).toEqual(before);
        expect(await store.getJob('j2')).toBeUndefined();
        expect((await store.listLocks()).map((l) => l.key)).toEqual(['domain:nfs-data', 'host:hyper1']);
      });

      it('refuses every job while the lab lock is held, even one that locks nothing', async () => {
        await propose(store, { job: { id: 'j-lab', requester: 'U_ADA' }, locks: ['lab'] });
        const before = await snapshotStore(store);
        for (const [id, locks] of [
          ['j2', ['host:hyper2']],
          ['j3', []],
          ['j4', ['lab']],
        ] as const) {
          expect(await proposeWith(id, locks)).toEqual({
            ok: false,
            heldBy: { lab: 'default', key: 'lab', jobId: 'j-lab', holder: 'U_ADA', takenAt: T0 },
          });
        }
        expect(await snapshotStore(store)).toEqual(before);
      });

      it('refuses a job that wants the lab lock while any lock is held', async () => {
        await propose(store, { job: { id: 'j1', requester: 'U_ADA' }, locks: ['domain:iso'] });
        const before = await snapshotStore(store);
        expect(await proposeWith('j-lab', ['lab', 'host:hyper9'])).toEqual({
          ok: false,
          heldBy: { lab: 'default', key: 'domain:iso', jobId: 'j1', holder: 'U_ADA', takenAt: T0 },
        });
        expect(await snapshotStore(store)).toEqual(before);
      });

      it('lets jobs on different keys wait side by side, and a repeated key is held once', async () => {
        expect((await proposeWith('j1', ['host:hyper1', 'host:hyper1'], 'U_ADA')).ok).toBe(true);
        expect((await proposeWith('j2', ['host:hyper2'], 'U_BOB', { job: { createdAt: T0 + 5 } })).ok).toBe(
          true,
        );
        expect(await store.listLocks()).toEqual([
          { lab: 'default', key: 'host:hyper1', jobId: 'j1', holder: 'U_ADA', takenAt: T0 },
          { lab: 'default', key: 'host:hyper2', jobId: 'j2', holder: 'U_BOB', takenAt: T0 + 5 },
        ]);
      });

      it('frees the keys of a job that ends, however it ends, for another', async () => {
        const ends: [string, (id: string) => Promise<unknown>][] = [
          ['denied', async () => store.decideApproval('a1', 'U_ADA', 'deny', T0 + 1)],
          [
            'void',
            async () =>
              store.voidApproval('a2', { reason: verbatim('r'), changes: [], actor: 'labops', at: T0 + 1 }),
          ],
          ['expired', async () => store.expireApproval('a3', T0 + 15 * MINUTE)],
          ['cancelled', async (id) => store.cancelWaitingJob(id, 'U_REQ', T0 + 1)],
        ];
        for (const [n, [status, end]] of ends.entries()) {
          const id = `j${n + 1}`;
          await propose(store, { job: { id }, locks: ['lab'] });
          expect((await proposeWith(`${id}-next`, ['host:hyper1'])).ok).toBe(false);
          await end(id);
          expect((await store.getJob(id))?.status).toBe(status);
          expect(await store.listLocks()).toEqual([]);
        }
        await proposeRunning(store, { job: { id: 'j-run' }, locks: ['lab'] });
        await store.endJob('j-run', { from: ['running'], to: 'succeeded', at: T0 + 2 });
        expect((await proposeWith('j-after', ['host:hyper1'])).ok).toBe(true);
      });
    });

    describe('the audit row of each lifecycle operation', () => {
      it('writes exactly one row of the right type per operation', async () => {
        const steps: [
          string,
          () => Promise<unknown>,
          Partial<{ type: string; actor: string; jobId: string }>,
        ][] = [
          ['propose', () => propose(store, { job: { id: 'j1' }, locks: [] }), { type: 'approval:requested' }],
          [
            'approve',
            () => store.decideApproval('a1', 'U_ADA', 'approve', T0 + 1),
            { type: 'approval:granted', actor: 'U_ADA' },
          ],
          ['start', () => store.startJob('j1', T0 + 2), { type: 'job:started', actor: 'labops' }],
          [
            'end',
            () => store.endJob('j1', { from: ['running'], to: 'succeeded', at: T0 + 3 }),
            { type: 'job:succeeded' },
          ],
          [
            'propose 2',
            () => propose(store, { job: { id: 'j2' }, locks: [] }),
            { type: 'approval:requested' },
          ],
          ['deny', () => store.decideApproval('a2', 'U_BOB', 'deny', T0 + 4), { type: 'approval:denied' }],
          [
            'propose 3',
            () => propose(store, { job: { id: 'j3' }, locks: [] }),
            { type: 'approval:requested' },
          ],
          [
            'void',
            () =>
              store.voidApproval('a3', { reason: verbatim('r'), changes: [], actor: 'labops', at: T0 + 5 }),
            { type: 'approval:voided', jobId: 'j3' },
          ],
          [
            'propose 4',
            () => propose(store, { job: { id: 'j4' }, locks: [] }),
            { type: 'approval:requested' },
          ],
          [
            'expire',
            () => store.expireApproval('a4', T0 + 15 * MINUTE),
            { type: 'approval:expired', jobId: 'j4' },
          ],
          [
            'propose 5',
            () => propose(store, { job: { id: 'j5' }, locks: [] }),
            { type: 'approval:requested' },
          ],
          [
            'cancel',
            () => store.cancelWaitingJob('j5', 'U_REQ', T0 + 6),
            { type: 'job:cancelled', jobId: 'j5' },
          ],
          [
            'propose 6',
            () => proposeQueued(store, { job: { id: 'j6' }, locks: [] }),
            { type: 'approval:granted' },
          ],
          ['start 6', () => store.startJob('j6', T0 + 7), { type: 'job:started', jobId: 'j6' }],
          [
            'interrupt',
            () => store.interruptJob('j6', verbatim('stopped'), T0 + 8),
            { type: 'job:interrupted', jobId: 'j6', actor: 'labops' },
          ],
          [
            'propose 7',
            () => proposeRunning(store, { job: { id: 'j7' }, locks: [] }),
            { type: 'job:started' },
          ],
          ['recover', () => store.recover(T0 + 9), { type: 'job:interrupted', jobId: 'j7' }],
        ];
        for (const [name, run, expected] of steps) {
          const count = await auditCount();
          await run();
          // proposeQueued and proposeRunning are two and three operations: one row each.
          const rows = name === 'propose 6' ? 2 : name === 'propose 7' ? 3 : 1;
          expect(await auditCount(), name).toBe(count + rows);
          expect(await lastAudit(), name).toMatchObject(expected);
        }
      });
    });

    describe('audit', () => {
      it('appends events, lists the newest first and exports JSON lines oldest first', async () => {
        const first = await store.appendAudit({
          at: T0,
          type: 'job:requested',
          actor: 'U_REQ',
          jobId: 'j1',
          approvalId: undefined,
          detail: { command: 'host maintenance', args: { host: 'hyper1' } },
        });
        const second = await store.appendAudit({
          at: T0 + 1,
          type: 'approval:granted',
          actor: 'U_ADA',
          jobId: 'j1',
          approvalId: 'a1',
          detail: {},
        });
        const third = await store.appendAudit({
          at: T0 + 2,
          type: 'lab:reset',
          actor: 'system',
          jobId: undefined,
          approvalId: undefined,
          detail: { note: 'ünïcode ✓\nline two' },
        });
        expect([first.seq, second.seq, third.seq]).toEqual([1, 2, 3]);
        expect(await store.listAudit(2)).toEqual([third, second]);
        expect(await store.listAudit(10)).toEqual([third, second, first]);

        const lines = await exportAll(store);
        expect(lines).toHaveLength(3);
        expect(lines.every((line) => !line.includes('\n'))).toBe(true);
        expect(lines.map((line) => JSON.parse(line))).toEqual([
          // No job j1 in the store, no lab given: the whole bot's (null).
          {
            seq: 1,
            at: T0,
            lab: null,
            type: 'job:requested',
            actor: 'U_REQ',
            jobId: 'j1',
            detail: first.detail,
          },
          {
            seq: 2,
            at: T0 + 1,
            lab: null,
            type: 'approval:granted',
            actor: 'U_ADA',
            jobId: 'j1',
            approvalId: 'a1',
            detail: {},
          },
          {
            seq: 3,
            at: T0 + 2,
            lab: null,
            type: 'lab:reset',
            actor: 'system',
            detail: { note: 'ünïcode ✓\nline two' },
          },
        ]);
      });

      it('streams a trail longer than a page, and leaves the store usable after an early stop', async () => {
        // 500 rows a page: two full pages and part of a third.
        const total = 1200;
        for (let i = 0; i < total; i++) {
          await store.appendAudit({
            at: T0 + i,
            type: 'step:ran',
            actor: 'system',
            jobId: undefined,
            approvalId: undefined,
            detail: { i },
          });
        }
        let count = 0;
        for await (const line of store.exportAudit()) {
          expect(JSON.parse(line).detail.i).toBe(count);
          count++;
          if (count === 10) break;
        }
        expect(count).toBe(10);
        expect((await store.listAudit(1))[0]?.seq).toBe(total);
        await propose(store);
        const lines = await exportAll(store);
        expect(lines).toHaveLength(total + 1);
        expect(lines.slice(0, total).map((line) => JSON.parse(line).detail.i)).toEqual([
          ...Array(total).keys(),
        ]);
        expect(JSON.parse(lines[total]!).type).toBe('approval:requested');
      });

      it('exports a trail of exactly one page whole', async () => {
        for (let i = 0; i < 500; i++) {
          await store.appendAudit({
            at: T0 + i,
            type: 'step:ran',
            actor: 'system',
            jobId: undefined,
            approvalId: undefined,
            detail: { i },
          });
        }
        expect((await exportAll(store)).map((line) => JSON.parse(line).seq)).toEqual(
          [...Array(500).keys()].map((i) => i + 1),
        );
      });
    });
  });
}

async function exportAll(from: Store): Promise<string[]> {
  const lines: string[] = [];
  for await (const line of from.exportAudit()) lines.push(line);
  return lines;
}
