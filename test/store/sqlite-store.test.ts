import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isLabopsError } from '../../src/errors.js';
import { createPlan } from '../../src/plan.js';
import { openStore, STEP_TAIL_MAX_BYTES } from '../../src/store/sqlite-store.js';
import type { DecisionResult, NewApproval, Store } from '../../src/store/types.js';
import { MINUTE, makeTempDir, newApproval, newJob, T0 } from './store-fixtures.js';

let dir: string;
let remove: () => Promise<void>;
let store: Store;
let clock: number;

beforeEach(async () => {
  ({ dir, remove } = await makeTempDir());
  clock = T0;
  store = openStore({ path: join(dir, 'labops.db'), now: () => clock });
});

afterEach(async () => {
  store.close();
  await remove();
});

function caught(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected a failure');
}

describe('jobs and steps', () => {
  it('gives back a job with its JSON fields and steps intact', () => {
    const job = newJob();
    const created = store.createJob(job);
    const { status: _status, ...rest } = job;
    const expected = {
      ...rest,
      status: 'awaiting_approval',
      startedAt: undefined,
      finishedAt: undefined,
      error: undefined,
      messageRef: undefined,
    };
    expect(created).toEqual(expected);
    expect(store.getJob('j1')).toEqual(expected);
    expect(store.getJob('j1')?.steps[1]).toStrictEqual(job.steps[1]);
    expect(store.getJob('nope')).toBeUndefined();
  });

  it('gives back the plan a job was proposed with, typed, with no field lost', () => {
    const job = newJob();
    store.createJob(job);
    const plan = store.getJob('j1')?.plan;
    expect(plan).toEqual(job.plan);
    expect(plan?.locks).toEqual(['host:hyper1']);
    expect(plan?.steps.map((s) => s.title)).toEqual(['Deactivate hyper1', 'Note the reason']);
  });

  it('reads a plan stored without some of its fields with those fields empty', () => {
    const job = newJob();
    store.createJob(job);
    const db = new Database(join(dir, 'labops.db'));
    db.prepare('UPDATE jobs SET plan = ? WHERE id = ?').run(JSON.stringify({ impact: ['one'] }), 'j1');
    db.close();
    expect(store.getJob('j1')?.plan).toEqual(
      createPlan({ summary: 'host maintenance', risk: 'destructive', impact: ['one'], steps: job.steps }),
    );
  });

  it('creates one pending step row per planned step', () => {
    store.createJob(newJob());
    expect(store.listSteps('j1')).toEqual([
      {
        jobId: 'j1',
        index: 0,
        kind: 'engine.deactivate',
        title: 'Deactivate hyper1',
        status: 'pending',
        startedAt: undefined,
        finishedAt: undefined,
        durationMs: undefined,
        tail: '',
        detail: undefined,
        endState: undefined,
      },
      expect.objectContaining({ index: 1, kind: 'ssh.ensure-line', status: 'pending' }),
    ]);
  });

  it('refuses a second job with the same id and keeps the first', () => {
    store.createJob(newJob());
    const error = caught(() => store.createJob(newJob({ command: 'other' })));
    expect(isLabopsError(error) && error.code).toBe('CONFLICT');
    expect(store.getJob('j1')?.command).toBe('host maintenance');
  });

  it('creates nothing when a step cannot be stored', () => {
    const steps = [{ kind: 'k', title: 't', params: { n: 1n } as unknown as Record<string, unknown> }];
    expect(() => store.createJob(newJob({ steps }))).toThrow();
    expect(store.getJob('j1')).toBeUndefined();
  });

  it('lists jobs newest first, filtered by status and limited', () => {
    store.createJob(newJob({ id: 'old', createdAt: T0, status: 'queued' }));
    store.createJob(newJob({ id: 'mid', createdAt: T0 + 10 }));
    store.createJob(newJob({ id: 'new', createdAt: T0 + 20, status: 'queued' }));
    store.createJob(newJob({ id: 'tie', createdAt: T0 + 20 }));
    expect(store.listJobs().map((j) => j.id)).toEqual(['tie', 'new', 'mid', 'old']);
    expect(store.listJobs({ statuses: ['queued'] }).map((j) => j.id)).toEqual(['new', 'old']);
    expect(store.listJobs({ limit: 2 }).map((j) => j.id)).toEqual(['tie', 'new']);
    expect(store.listJobs({ statuses: [] })).toEqual([]);
    expect(store.listJobs()[0]?.steps).toHaveLength(2);
  });

  it('records step progress, keeping fields a patch leaves out', () => {
    store.createJob(newJob());
    store.updateStep('j1', 0, { status: 'running', startedAt: T0 + 1, tail: 'one\n' });
    store.updateStep('j1', 0, {
      status: 'changed',
      finishedAt: T0 + 9,
      durationMs: 8,
      detail: 'hyper1 deactivated',
      endState: 'host hyper1 is in maintenance',
    });
    expect(store.listSteps('j1')[0]).toMatchObject({
      status: 'changed',
      startedAt: T0 + 1,
      finishedAt: T0 + 9,
      durationMs: 8,
      tail: 'one\n',
      detail: 'hyper1 deactivated',
      endState: 'host hyper1 is in maintenance',
    });
    expect(store.listSteps('j1')[1]?.status).toBe('pending');
  });

  it('keeps the last 4 KiB of a step tail, whole characters only', () => {
    store.createJob(newJob());
    const text = `${'a'.repeat(5000)}${'é'.repeat(3000)}THE END`;
    store.updateStep('j1', 0, { tail: text });
    const tail = store.listSteps('j1')[0]?.tail ?? '';
    expect(Buffer.byteLength(tail)).toBeLessThanOrEqual(STEP_TAIL_MAX_BYTES);
    expect(Buffer.byteLength(tail)).toBeGreaterThan(STEP_TAIL_MAX_BYTES - 4);
    expect(tail.endsWith('éTHE END')).toBe(true);
    expect(text.endsWith(tail)).toBe(true);
  });

  it('refuses to update a step that does not exist', () => {
    store.createJob(newJob());
    const error = caught(() => store.updateStep('j1', 7, { status: 'ok' }));
    expect(isLabopsError(error) && error.code).toBe('NOT_FOUND');
  });

  it('keeps the message reference of a job as JSON', () => {
    store.createJob(newJob());
    store.setJobMessageRef('j1', { channel: 'C_LAB', ts: '1700000000.000100' });
    expect(store.getJob('j1')?.messageRef).toEqual({ channel: 'C_LAB', ts: '1700000000.000100' });
    const error = caught(() => store.setJobMessageRef('nope', {}));
    expect(isLabopsError(error) && error.code).toBe('NOT_FOUND');
  });
});

describe('job transitions', () => {
  it('moves only from the named statuses and stamps start and finish', () => {
    store.createJob(newJob({ status: 'queued' }));
    expect(store.transitionJob('j1', ['awaiting_approval'], 'running')).toBe(false);
    expect(store.getJob('j1')?.status).toBe('queued');

    clock = T0 + 5;
    expect(store.transitionJob('j1', ['queued'], 'running')).toBe(true);
    expect(store.getJob('j1')).toMatchObject({ status: 'running', startedAt: T0 + 5, finishedAt: undefined });

    expect(store.transitionJob('j1', ['running'], 'failed', { at: T0 + 9, error: 'engine said no' })).toBe(
      true,
    );
    expect(store.getJob('j1')).toMatchObject({
      status: 'failed',
      startedAt: T0 + 5,
      finishedAt: T0 + 9,
      error: 'engine said no',
    });
    expect(store.transitionJob('missing', ['queued'], 'running')).toBe(false);
  });

  it('lets exactly one of two racing callers start a queued job', async () => {
    store.createJob(newJob({ status: 'queued' }));
    const other = openStore({ path: store.path });
    try {
      const wins = await Promise.all(
        [store, other, store, other].map(async (s) => s.transitionJob('j1', ['queued'], 'running')),
      );
      expect(wins.filter(Boolean)).toHaveLength(1);
      expect(other.getJob('j1')?.status).toBe('running');
    } finally {
      other.close();
    }
  });

  it('releases the locks of a job that ends', () => {
    store.createJob(newJob({ status: 'queued' }));
    store.takeLocks(['host:hyper1'], 'j1', 'U_REQ', T0);
    store.transitionJob('j1', ['queued'], 'running');
    expect(store.listLocks()).toHaveLength(1);
    store.transitionJob('j1', ['running'], 'succeeded');
    expect(store.listLocks()).toEqual([]);
  });
});

describe('approvals', () => {
  function setUp(overrides: Partial<NewApproval> = {}): void {
    store.createJob(newJob({ risk: overrides.risk ?? 'destructive' }));
    store.createApproval(newApproval(overrides));
  }

  function refusal(result: DecisionResult): string | undefined {
    return result.outcome === 'refused' ? result.reason : undefined;
  }

  it('stores an approval and gives it back pending, by id and by job', () => {
    setUp();
    const expected = { ...newApproval(), status: 'pending', decisions: [], cardRefs: [] };
    expect(store.getApproval('a1')).toEqual(expected);
    expect(store.getApprovalForJob('j1')).toEqual(expected);
    expect(store.getApprovalForJob('nope')).toBeUndefined();
    store.addApprovalCardRef('a1', { channel: 'C_LAB', ts: '1.1' });
    store.addApprovalCardRef('a1', { channel: 'D_ADA', ts: '2.2' });
    expect(store.getApproval('a1')?.cardRefs).toEqual([
      { channel: 'C_LAB', ts: '1.1' },
      { channel: 'D_ADA', ts: '2.2' },
    ]);
  });

  it('refuses an approval for a job that does not exist', () => {
    const error = caught(() => store.createApproval(newApproval({ jobId: 'ghost' })));
    expect(isLabopsError(error) && error.code).toBe('NOT_FOUND');
  });

  it('lists approvals newest first, filtered by status', () => {
    store.createJob(newJob());
    store.createApproval(newApproval({ id: 'a1', createdAt: T0 }));
    store.createApproval(newApproval({ id: 'a2', createdAt: T0 + 1 }));
    store.closeApproval('a1', 'void', T0 + 2);
    expect(store.listApprovals().map((a) => a.id)).toEqual(['a2', 'a1']);
    expect(store.listApprovals({ statuses: ['pending'] }).map((a) => a.id)).toEqual(['a2']);
    expect(store.listApprovals({ limit: 1 }).map((a) => a.id)).toEqual(['a2']);
  });

  it('hands out short approval ids that keep counting across a restart', () => {
    expect([store.nextApprovalId(), store.nextApprovalId()]).toEqual(['a1', 'a2']);
    store.createJob(newJob());
    store.createApproval(newApproval({ id: 'a3' }));
    store.close();
    store = openStore({ path: join(dir, 'labops.db') });
    expect(store.nextApprovalId()).toBe('a4');
  });

  it('refuses a click on an approval that does not exist', () => {
    expect(store.decideApproval('a404', 'U_ADA', 'approve', T0)).toEqual({
      outcome: 'refused',
      reason: 'not-found',
      approval: undefined,
    });
  });

  it('approves a destructive request with one approver and queues the job', () => {
    setUp();
    const result = store.decideApproval('a1', 'U_ADA', 'approve', T0 + MINUTE);
    expect(result).toMatchObject({ outcome: 'recorded', becameFinal: true });
    expect(result.approval).toMatchObject({
      status: 'approved',
      decisions: [{ principal: 'U_ADA', decision: 'approve', at: T0 + MINUTE }],
    });
    expect(store.getJob('j1')?.status).toBe('queued');
  });

  it('refuses a self-approval of a destructive or critical request', () => {
    for (const risk of ['destructive', 'critical'] as const) {
      store.createJob(newJob({ id: `j-${risk}`, risk }));
      store.createApproval(
        newApproval({ id: `a-${risk}`, jobId: `j-${risk}`, risk, eligible: ['U_REQ', 'U_ADA', 'U_BOB'] }),
      );
      const result = store.decideApproval(`a-${risk}`, 'U_REQ', 'approve', T0);
      expect(refusal(result)).toBe('self-approval');
      expect(store.getApproval(`a-${risk}`)).toMatchObject({ status: 'pending', decisions: [] });
    }
  });

  it('lets the requester confirm a change', () => {
    setUp({ risk: 'change', eligible: ['U_REQ'] });
    const result = store.decideApproval('a1', 'U_REQ', 'approve', T0);
    expect(result).toMatchObject({
      outcome: 'recorded',
      becameFinal: true,
      approval: { status: 'approved' },
    });
    expect(store.getJob('j1')?.status).toBe('queued');
  });

  it('refuses an approval from someone not eligible', () => {
    setUp();
    expect(refusal(store.decideApproval('a1', 'U_EVE', 'approve', T0))).toBe('not-eligible');
    expect(refusal(store.decideApproval('a1', 'U_EVE', 'deny', T0))).toBe('not-eligible');
    expect(store.getApproval('a1')).toMatchObject({ status: 'pending', decisions: [] });
    expect(store.getJob('j1')?.status).toBe('awaiting_approval');
  });

  it('needs two distinct approvers for a critical request', () => {
    setUp({ risk: 'critical', required: 2 });
    const first = store.decideApproval('a1', 'U_ADA', 'approve', T0 + 1);
    expect(first).toMatchObject({ outcome: 'recorded', becameFinal: false, approval: { status: 'pending' } });
    expect(store.getJob('j1')?.status).toBe('awaiting_approval');

    expect(refusal(store.decideApproval('a1', 'U_ADA', 'approve', T0 + 2))).toBe('repeated');
    expect(store.getApproval('a1')?.decisions).toHaveLength(1);

    const second = store.decideApproval('a1', 'U_BOB', 'approve', T0 + 3);
    expect(second).toMatchObject({
      outcome: 'recorded',
      becameFinal: true,
      approval: { status: 'approved' },
    });
    expect(second.approval?.decisions.map((d) => d.principal)).toEqual(['U_ADA', 'U_BOB']);
    expect(store.getJob('j1')?.status).toBe('queued');
  });

  it('refuses a second decision by the same principal, even the opposite one', () => {
    setUp({ risk: 'critical', required: 2 });
    store.decideApproval('a1', 'U_ADA', 'approve', T0);
    expect(refusal(store.decideApproval('a1', 'U_ADA', 'deny', T0 + 1))).toBe('repeated');
    expect(store.getApproval('a1')?.status).toBe('pending');
  });

  it('denies on the first deny by an approver, even after an approval', () => {
    setUp({ risk: 'critical', required: 2 });
    store.decideApproval('a1', 'U_ADA', 'approve', T0 + 1);
    const result = store.decideApproval('a1', 'U_BOB', 'deny', T0 + 2);
    expect(result).toMatchObject({ outcome: 'recorded', becameFinal: true, approval: { status: 'denied' } });
    expect(store.getJob('j1')).toMatchObject({ status: 'denied', finishedAt: T0 + 2 });
  });

  it('lets the requester withdraw a destructive request by denying it', () => {
    setUp();
    store.takeLocks(['host:hyper1'], 'j1', 'U_REQ', T0);
    const result = store.decideApproval('a1', 'U_REQ', 'deny', T0 + 1);
    expect(result).toMatchObject({ outcome: 'recorded', becameFinal: true, approval: { status: 'denied' } });
    expect(store.getJob('j1')?.status).toBe('denied');
    expect(store.listLocks()).toEqual([]);
  });

  it('refuses every click once the approval is final', () => {
    setUp();
    store.decideApproval('a1', 'U_ADA', 'approve', T0);
    for (const [principal, decision] of [
      ['U_BOB', 'approve'],
      ['U_BOB', 'deny'],
      ['U_REQ', 'deny'],
    ] as const) {
      expect(refusal(store.decideApproval('a1', principal, decision, T0 + 1))).toBe('not-pending');
    }
    expect(store.getApproval('a1')?.decisions).toHaveLength(1);
    expect(store.getJob('j1')?.status).toBe('queued');
  });

  it('refuses clicks on a denied, voided or expired approval', () => {
    store.createJob(newJob());
    store.createApproval(newApproval({ id: 'a1' }));
    store.createApproval(newApproval({ id: 'a2' }));
    store.createApproval(newApproval({ id: 'a3' }));
    store.decideApproval('a1', 'U_ADA', 'deny', T0);
    expect(store.closeApproval('a2', 'void', T0)).toBe(true);
    expect(store.closeApproval('a2', 'expired', T0)).toBe(false);
    expect(store.closeApproval('a3', 'expired', T0)).toBe(true);
    for (const id of ['a1', 'a2', 'a3']) {
      expect(refusal(store.decideApproval(id, 'U_BOB', 'approve', T0 + 1))).toBe('not-pending');
    }
  });

  it('expires an approval clicked at or after its deadline, and its job with it', () => {
    setUp();
    store.takeLocks(['host:hyper1'], 'j1', 'U_REQ', T0);
    const result = store.decideApproval('a1', 'U_ADA', 'approve', T0 + 15 * MINUTE);
    expect(result).toMatchObject({ outcome: 'refused', reason: 'expired', approval: { status: 'expired' } });
    expect(result.approval?.decisions).toEqual([]);
    expect(store.getJob('j1')).toMatchObject({ status: 'expired', finishedAt: T0 + 15 * MINUTE });
    expect(store.listLocks()).toEqual([]);
    expect(refusal(store.decideApproval('a1', 'U_BOB', 'approve', T0 + 16 * MINUTE))).toBe('not-pending');
  });

  it('accepts a click one millisecond before the deadline', () => {
    setUp();
    const result = store.decideApproval('a1', 'U_ADA', 'approve', T0 + 15 * MINUTE - 1);
    expect(result).toMatchObject({ outcome: 'recorded', becameFinal: true });
  });

  it('voids a pending approval and its waiting job', () => {
    setUp();
    expect(store.closeApproval('a1', 'void', T0 + 1)).toBe(true);
    expect(store.getApproval('a1')?.status).toBe('void');
    expect(store.getJob('j1')?.status).toBe('void');
  });

  it('approves exactly once when many approvers click at the same moment', async () => {
    setUp({ eligible: ['U_A', 'U_B', 'U_C', 'U_D', 'U_E', 'U_F'] });
    const other = openStore({ path: store.path });
    try {
      const results = await Promise.all(
        ['U_A', 'U_B', 'U_C', 'U_D', 'U_E', 'U_F'].map(async (principal, i) =>
          (i % 2 === 0 ? store : other).decideApproval('a1', principal, 'approve', T0 + 1),
        ),
      );
      const finals = results.filter((r) => r.outcome === 'recorded' && r.becameFinal);
      expect(finals).toHaveLength(1);
      expect(results.filter((r) => r.outcome === 'refused').map(refusal)).toEqual(
        Array(5).fill('not-pending'),
      );
      expect(store.getApproval('a1')?.decisions).toHaveLength(1);
      expect(store.getJob('j1')?.status).toBe('queued');
      expect(store.transitionJob('j1', ['queued'], 'running')).toBe(true);
      expect(other.transitionJob('j1', ['queued'], 'running')).toBe(false);
    } finally {
      other.close();
    }
  });
});

describe('locks', () => {
  beforeEach(() => {
    store.createJob(newJob({ id: 'j1', requester: 'U_ADA' }));
    store.createJob(newJob({ id: 'j2', requester: 'U_BOB' }));
  });

  it('takes every key or none, naming the job and person holding the first conflict', () => {
    expect(store.takeLocks(['host:hyper1', 'domain:nfs-data'], 'j1', 'U_ADA', T0)).toEqual({ ok: true });
    const result = store.takeLocks(['host:hyper2', 'domain:nfs-data', 'host:hyper1'], 'j2', 'U_BOB', T0 + 1);
    expect(result).toEqual({
      ok: false,
      heldBy: { key: 'domain:nfs-data', jobId: 'j1', holder: 'U_ADA', takenAt: T0 },
    });
    expect(store.listLocks().map((l) => l.key)).toEqual(['domain:nfs-data', 'host:hyper1']);
  });

  it('lets a job re-take its own locks and add more', () => {
    store.takeLocks(['host:hyper1'], 'j1', 'U_ADA', T0);
    expect(store.takeLocks(['host:hyper1', 'lab', 'lab'], 'j1', 'U_ADA', T0 + 5)).toEqual({ ok: true });
    expect(store.listLocks()).toEqual([
      { key: 'host:hyper1', jobId: 'j1', holder: 'U_ADA', takenAt: T0 },
      { key: 'lab', jobId: 'j1', holder: 'U_ADA', takenAt: T0 + 5 },
    ]);
  });

  it('frees the keys of a released job for another', () => {
    store.takeLocks(['host:hyper1', 'lab'], 'j1', 'U_ADA', T0);
    store.takeLocks(['host:hyper2'], 'j2', 'U_BOB', T0);
    store.releaseLocks('j1');
    expect(store.listLocks().map((l) => l.jobId)).toEqual(['j2']);
    expect(store.takeLocks(['host:hyper1'], 'j2', 'U_BOB', T0 + 1)).toEqual({ ok: true });
  });
});

describe('audit', () => {
  it('appends events, lists the newest first and exports JSON lines oldest first', () => {
    const first = store.appendAudit({
      at: T0,
      type: 'job:requested',
      actor: 'U_REQ',
      jobId: 'j1',
      approvalId: undefined,
      detail: { command: 'host maintenance', args: { host: 'hyper1' } },
    });
    const second = store.appendAudit({
      at: T0 + 1,
      type: 'approval:granted',
      actor: 'U_ADA',
      jobId: 'j1',
      approvalId: 'a1',
      detail: {},
    });
    const third = store.appendAudit({
      at: T0 + 2,
      type: 'lab:reset',
      actor: 'system',
      jobId: undefined,
      approvalId: undefined,
      detail: { note: 'ünïcode ✓\nline two' },
    });
    expect([first.seq, second.seq, third.seq]).toEqual([1, 2, 3]);
    expect(store.listAudit(2)).toEqual([third, second]);
    expect(store.listAudit(10)).toEqual([third, second, first]);

    const lines = [...store.exportAudit()];
    expect(lines).toHaveLength(3);
    expect(lines.every((line) => !line.includes('\n'))).toBe(true);
    expect(lines.map((line) => JSON.parse(line))).toEqual([
      { seq: 1, at: T0, type: 'job:requested', actor: 'U_REQ', jobId: 'j1', detail: first.detail },
      {
        seq: 2,
        at: T0 + 1,
        type: 'approval:granted',
        actor: 'U_ADA',
        jobId: 'j1',
        approvalId: 'a1',
        detail: {},
      },
      { seq: 3, at: T0 + 2, type: 'lab:reset', actor: 'system', detail: { note: 'ünïcode ✓\nline two' } },
    ]);
  });

  it('streams a long trail and leaves the store usable after an early stop', () => {
    for (let i = 0; i < 2000; i++) {
      store.appendAudit({
        at: T0 + i,
        type: 'step:ran',
        actor: 'system',
        jobId: undefined,
        approvalId: undefined,
        detail: { i },
      });
    }
    let count = 0;
    for (const line of store.exportAudit()) {
      expect(JSON.parse(line).detail.i).toBe(count);
      count++;
      if (count === 10) break;
    }
    expect(count).toBe(10);
    expect(store.listAudit(1)[0]?.seq).toBe(2000);
    expect([...store.exportAudit()]).toHaveLength(2000);
  });
});

describe('an in-memory store', () => {
  it('works for throwaway use', () => {
    const memory = openStore({ path: ':memory:' });
    memory.createJob(newJob());
    expect(memory.getJob('j1')?.status).toBe('awaiting_approval');
    memory.close();
  });
});
