import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { renderText } from '../../src/i18n/render.js';
import { verbatim } from '../../src/i18n/text.js';
import { defineStep } from '../../src/jobs/steps.js';
import type { Store } from '../../src/store/types.js';
import { type CoreHarness, SIM_POLICY, shellCaller, startCore } from '../support/core.js';
import { expectCard, expectError, expectView } from '../support/dispatch.js';
import { queueTestJob } from '../support/jobs.js';

/** The audit rows of one type about one job: each lifecycle operation writes exactly one. */
async function listJobAudit(store: Store, type: string, jobId: string) {
  return (await store.listAudit(1000)).filter((e) => e.type === type && e.jobId === jobId);
}

let core: CoreHarness;
afterEach(async () => {
  await core?.close();
});

describe('the dispatch pipeline', () => {
  beforeEach(async () => {
    core = await startCore();
  });

  it('answers a read command at once, without a job', async () => {
    const result = await core.labops.dispatch({
      command: '/lab',
      text: 'status',
      caller: shellCaller('operator'),
    });
    expect(expectView(result).title).toContain('SIMULATED LAB');
    expect(await core.store.listJobs()).toEqual([]);
  });

  it('plans maintenance with the VMs that migrate, the SPM and the locks', async () => {
    const card = expectCard(
      await core.labops.dispatch({
        command: '/host',
        text: 'maintenance hyper1',
        caller: shellCaller('operator'),
      }),
    );
    expect(card.plan.impact).toEqual([
      'db1 → hyper2 (live migration)',
      'web1 → hyper2 (live migration)',
      'hyper1 is the SPM: the role moves to another host and the data center is briefly not up.',
    ]);
    expect(card.approval).toMatchObject({ risk: 'destructive', required: 1, status: 'pending' });
    expect(card.job.status).toBe('awaiting_approval');
    expect((await core.store.listLocks()).map((l) => l.key)).toEqual(['host:hyper1']);
    expect((await core.store.listAudit(1))[0]?.type).toBe('approval:requested');
    // The job, its card, its locks and this row were recorded by one operation: one row, not two.
    const requested = await listJobAudit(core.store, 'approval:requested', card.job.id);
    expect(requested).toHaveLength(1);
    expect(requested[0]).toMatchObject({ actor: 'shell:operator', approvalId: card.approval.id });
  });

  it('raises the risk to critical for the last active host, and for pinned VMs, saying why', async () => {
    core.lab.sim.knobs.pinVm('web1');
    const pinned = expectCard(
      await core.labops.dispatch({
        command: '/host',
        text: 'maintenance hyper1',
        caller: shellCaller('operator'),
      }),
    );
    expect(pinned.approval.risk).toBe('critical');
    expect(pinned.approval.required).toBe(2);
    expect(pinned.plan.blockers.join(' ')).toContain('web1 is pinned to hyper1');

    const lastUp = await startCore();
    try {
      const hyper2 = await lastUp.lab.client.findHost('hyper2');
      await lastUp.lab.client.deactivateHost(hyper2.id);
      await lastUp.lab.client.waitForHostStatus(hyper2.id, ['maintenance']);
      const card = expectCard(
        await lastUp.labops.dispatch({
          command: '/host',
          text: 'maintenance hyper1',
          caller: shellCaller('operator'),
        }),
      );
      expect(card.approval.risk).toBe('critical');
      expect(card.plan.riskReasons).toContain('hyper1 is the last active host of its cluster.');
    } finally {
      await lastUp.close();
    }
  });

  it('gives every argument problem at once, with usage and examples', async () => {
    const error = expectError(
      await core.labops.dispatch({
        command: '/host',
        text: 'maintenance --reasn --bogus',
        caller: shellCaller('operator'),
      }),
    );
    expect(error.code).toBe('USAGE');
    expect(error.details.length).toBeGreaterThanOrEqual(3);
    expect(error.details.join('\n')).toMatch(/--reason/);
    expect(error.hint).toContain('Usage: /host maintenance HOST');
    expect(error.hint).toContain('Examples:');
  });

  it('suggests the nearest sub-command', async () => {
    const error = expectError(
      await core.labops.dispatch({
        command: '/host',
        text: 'maintenence hyper1',
        caller: shellCaller('operator'),
      }),
    );
    expect(error.message).toContain('Did you mean maintenance?');
  });

  it('reads what phones and Slack do to the text: an em dash, entities, smart quotes', async () => {
    const card = expectCard(
      await core.labops.dispatch({
        command: '/host',
        text: 'maintenance hyper2 —reason “kernel &amp; firmware”',
        caller: shellCaller('operator'),
      }),
    );
    expect(card.plan.summary).toBe('Put hyper2 into maintenance (kernel & firmware)');
  });

  it('refuses a target another job holds, naming the job and the person', async () => {
    const first = expectCard(
      await core.labops.dispatch({
        command: '/host',
        text: 'maintenance hyper1',
        caller: shellCaller('operator'),
      }),
    );
    const error = expectError(
      await core.labops.dispatch({
        command: '/host',
        text: 'maintenance hyper1',
        caller: shellCaller('dave'),
      }),
    );
    expect(error.code).toBe('LOCKED');
    expect(error.message).toContain(first.job.id);
    expect(error.message).toContain('shell:operator');
    // A denial releases the lock.
    await core.labops.click(first.approval.id, shellCaller('alice'), 'deny');
    expect(await core.store.listLocks()).toEqual([]);
    expectCard(
      await core.labops.dispatch({
        command: '/host',
        text: 'maintenance hyper1',
        caller: shellCaller('dave'),
      }),
    );
  });

  it('lists in help only what the caller may run', async () => {
    const policy = {
      ...SIM_POLICY,
      commands: { 'host maintenance': { askers: ['shell:alice'] } },
    };
    const restricted = await startCore({ policy });
    try {
      const help = await restricted.labops.dispatch({
        command: '/lab',
        text: 'help',
        caller: shellCaller('operator'),
      });
      const text = help.kind === 'view' ? JSON.stringify(help.view) : '';
      expect(text).toContain('/host status');
      expect(text).not.toContain('/host maintenance');
      const refused = expectError(
        await restricted.labops.dispatch({
          command: '/host',
          text: 'maintenance hyper1',
          caller: shellCaller('operator'),
        }),
      );
      expect(refused.code).toBe('FORBIDDEN');
      const aliceHelp = await restricted.labops.dispatch({
        command: '/lab',
        text: 'help',
        caller: shellCaller('alice'),
      });
      expect(aliceHelp.kind === 'view' ? JSON.stringify(aliceHelp.view) : '').toContain('/host maintenance');
    } finally {
      await restricted.close();
    }
  });

  it('refuses a command from a channel the policy does not allow, saying where', async () => {
    const channelled = await startCore({ policy: { ...SIM_POLICY, channels: ['C0LABOPS01'] } });
    try {
      const error = expectError(
        await channelled.labops.dispatch({
          command: '/lab',
          text: 'status',
          caller: shellCaller('operator', 'C0OTHER01'),
        }),
      );
      expect(error.code).toBe('FORBIDDEN');
      expect(error.message).toContain('C0LABOPS01');
    } finally {
      await channelled.close();
    }
  });

  it('never crashes on hostile text: every input parses or gets a usage error', async () => {
    let seed = 0x5eed;
    const random = () => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed / 0x7fffffff;
    };
    const atoms = [
      'maintenance',
      'status',
      'activate',
      'hyper1',
      '--reason',
      '—reason',
      '"',
      "'",
      '“',
      '&amp;',
      '&lt;',
      '<@U1|x>',
      '$(id)',
      '`x`',
      ';',
      '\u0000',
      '\n',
      '🙂',
      '--',
      '=',
      '-',
      '\u202e',
      'x'.repeat(300),
    ];
    for (let i = 0; i < 200; i++) {
      const parts = Array.from(
        { length: 1 + Math.floor(random() * 6) },
        () => atoms[Math.floor(random() * atoms.length)],
      );
      const text = parts.join(random() < 0.5 ? ' ' : '');
      const result = await core.labops.dispatch({ command: '/host', text, caller: shellCaller('operator') });
      if (result.kind === 'error') {
        expect(
          ['USAGE', 'NOT_FOUND', 'CONFLICT', 'LOCKED'],
          `${JSON.stringify(text)}: ${result.error.message}`,
        ).toContain(result.error.code);
      }
      if (result.kind === 'card')
        await core.labops.click(result.card.approval.id, shellCaller('alice'), 'deny');
    }
  });
});

describe('approvals', () => {
  beforeEach(async () => {
    core = await startCore();
  });

  it('runs the job exactly once when two approvers click at the same moment', async () => {
    const card = expectCard(
      await core.labops.dispatch({
        command: '/host',
        text: 'maintenance hyper2',
        caller: shellCaller('operator'),
      }),
    );
    const clicks = await Promise.all([
      core.labops.click(card.approval.id, shellCaller('alice'), 'approve'),
      core.labops.click(card.approval.id, shellCaller('bob'), 'approve'),
      core.labops.click(card.approval.id, shellCaller('carol'), 'approve'),
    ]);
    expect(clicks.filter((c) => c.outcome === 'approved')).toHaveLength(1);
    expect(clicks.filter((c) => c.outcome === 'refused')).toHaveLength(2);
    const job = await core.labops.executor.whenFinished(card.job.id);
    expect(job?.status).toBe('succeeded');
    const started = (await core.store.listAudit(100)).filter(
      (e) => e.type === 'job:started' && e.jobId === card.job.id,
    );
    expect(started).toHaveLength(1);
    const deactivations = core.lab.sim.requests.filter(
      (r) => r.method === 'POST' && r.url.endsWith('/deactivate'),
    );
    expect(deactivations).toHaveLength(1);
  });

  it('needs two distinct approvers for critical work', async () => {
    core.lab.sim.knobs.pinVm('app1');
    const card = expectCard(
      await core.labops.dispatch({
        command: '/host',
        text: 'maintenance hyper2',
        caller: shellCaller('operator'),
      }),
    );
    const first = await core.labops.click(card.approval.id, shellCaller('alice'), 'approve');
    expect(first.outcome).toBe('recorded');
    expect(first.message).toContain('1 of 2');
    const again = await core.labops.click(card.approval.id, shellCaller('alice'), 'approve');
    expect(again.outcome).toBe('refused');
    expect(again.message).toContain('already decided');
    const deny = await core.labops.click(card.approval.id, shellCaller('bob'), 'deny');
    expect(deny.outcome).toBe('denied');
    expect((await core.store.getJob(card.job.id))?.status).toBe('denied');
    const late = await core.labops.click(card.approval.id, shellCaller('carol'), 'approve');
    expect(late.message).toContain('already denied');
  });

  it('lets the requester confirm their own change, and nobody else', async () => {
    const hyper2 = await core.lab.client.findHost('hyper2');
    await core.lab.client.deactivateHost(hyper2.id);
    await core.lab.client.waitForHostStatus(hyper2.id, ['maintenance']);
    const card = expectCard(
      await core.labops.dispatch({
        command: '/host',
        text: 'activate hyper2',
        caller: shellCaller('operator'),
      }),
    );
    expect(card.approval.risk).toBe('change');
    const other = await core.labops.click(card.approval.id, shellCaller('alice'), 'approve');
    expect(other.outcome).toBe('refused');
    const own = await core.labops.click(card.approval.id, shellCaller('operator'), 'approve');
    expect(own.outcome).toBe('approved');
    expect((await core.labops.executor.whenFinished(card.job.id))?.status).toBe('succeeded');
    expect((await core.lab.client.getHost(hyper2.id)).status).toBe('up');
  });

  it('expires a card with the injected clock: the click changes nothing and the lock goes', async () => {
    const card = expectCard(
      await core.labops.dispatch({
        command: '/host',
        text: 'maintenance hyper2',
        caller: shellCaller('operator'),
      }),
    );
    core.clock.now += 14 * 60_000;
    expect(await core.labops.flow.expireDue()).toEqual([]);
    core.clock.now += 2 * 60_000;
    const expired = await core.labops.flow.expireDue();
    expect(expired.map((a) => a.id)).toEqual([card.approval.id]);
    const click = await core.labops.click(card.approval.id, shellCaller('alice'), 'approve');
    expect(click.outcome).toBe('refused');
    expect(click.message).toMatch(/expired/);
    expect((await core.store.getJob(card.job.id))?.status).toBe('expired');
    expect(await core.store.listLocks()).toEqual([]);
    expect((await core.store.listAudit(10)).map((e) => e.type)).toContain('approval:expired');
    // The sweep expired it once; the later click is refused without expiring it again.
    expect(await listJobAudit(core.store, 'approval:expired', card.job.id)).toHaveLength(1);
    expect(await core.labops.flow.expireDue()).toEqual([]);
    expect(await listJobAudit(core.store, 'approval:expired', card.job.id)).toHaveLength(1);
  });

  it('refuses a click after expiry even before the sweep ran', async () => {
    const card = expectCard(
      await core.labops.dispatch({
        command: '/host',
        text: 'maintenance hyper2',
        caller: shellCaller('operator'),
      }),
    );
    core.clock.now += 16 * 60_000;
    const click = await core.labops.click(card.approval.id, shellCaller('alice'), 'approve');
    expect(click.outcome).toBe('refused');
    expect(click.message).toMatch(/expired/);
    // The click expired the card, its job and its locks, with one audit row; the sweep finds nothing left.
    expect((await core.store.getJob(card.job.id))?.status).toBe('expired');
    expect(await core.store.listLocks()).toEqual([]);
    expect(await listJobAudit(core.store, 'approval:expired', card.job.id)).toHaveLength(1);
    expect(await core.labops.flow.expireDue()).toEqual([]);
    expect(await listJobAudit(core.store, 'approval:expired', card.job.id)).toHaveLength(1);
    expect(core.lab.sim.requests.some((r) => r.url.endsWith('/deactivate'))).toBe(false);
  });

  it('voids a card whose target changed, showing what changed, and runs nothing', async () => {
    const card = expectCard(
      await core.labops.dispatch({
        command: '/host',
        text: 'maintenance hyper2',
        caller: shellCaller('operator'),
      }),
    );
    core.lab.sim.knobs.pinVm('app1');
    const click = await core.labops.click(card.approval.id, shellCaller('alice'), 'approve');
    expect(click.outcome).toBe('void');
    if (click.outcome !== 'void') return;
    expect(click.changes.join('\n')).toContain('VM app1: up on hyper2, migratable → up on hyper2, pinned');
    const job = await core.store.getJob(card.job.id);
    expect(job?.status).toBe('void');
    // The reason is kept on the job (issue 11 §1: it was lost, the job already being void).
    expect(job?.error?.startsWith('The lab changed after the plan was made')).toBe(true);
    expect(job?.error).toContain(
      'The lab changed after the plan was made: VM app1: up on hyper2, migratable → up on hyper2, pinned',
    );
    expect((await core.store.getApproval(card.approval.id))?.status).toBe('void');
    expect(await core.store.listLocks()).toEqual([]);
    const voided = await listJobAudit(core.store, 'approval:voided', card.job.id);
    expect(voided).toHaveLength(1);
    expect(voided[0]).toMatchObject({ actor: 'shell:alice', approvalId: card.approval.id });
    expect(voided[0]?.detail.changes).toEqual(click.changes);
    expect(core.lab.sim.requests.some((r) => r.url.endsWith('/deactivate'))).toBe(false);
  });

  it('keeps a card pending when the engine cannot answer at the final approval, and approves later', async () => {
    const card = expectCard(
      await core.labops.dispatch({
        command: '/host',
        text: 'maintenance hyper2',
        caller: shellCaller('operator'),
      }),
    );
    core.lab.sim.knobs.injectFault({
      kind: 'server-error',
      status: 503,
      method: 'GET',
      path: '/hosts',
      count: 10,
    });
    await expect(core.labops.click(card.approval.id, shellCaller('alice'), 'approve')).rejects.toThrow(
      /Could not check the plan again/,
    );
    expect((await core.store.getApproval(card.approval.id))?.status).toBe('pending');
    core.lab.sim.knobs.clearFaults();
    expect((await core.labops.click(card.approval.id, shellCaller('alice'), 'approve')).outcome).toBe(
      'approved',
    );
    expect((await core.labops.executor.whenFinished(card.job.id))?.status).toBe('succeeded');
  });

  it('records every request, decision, step and result in the audit trail and exports it', async () => {
    const card = expectCard(
      await core.labops.dispatch({
        command: '/host',
        text: 'maintenance hyper2',
        caller: shellCaller('operator'),
      }),
    );
    await core.labops.click(card.approval.id, shellCaller('operator'), 'approve');
    await core.labops.click(card.approval.id, shellCaller('bob'), 'approve');
    await core.labops.executor.whenFinished(card.job.id);
    const types = (await core.store.listAudit(20)).map((e) => e.type).reverse();
    expect(types).toEqual([
      'approval:requested',
      'click:refused',
      'approval:granted',
      'job:started',
      'step:finished',
      'job:succeeded',
    ]);
    const lines: { type: string }[] = [];
    for await (const line of core.store.exportAudit()) lines.push(JSON.parse(line) as { type: string });
    expect(lines.map((l) => l.type)).toEqual(types);
  });
});

describe('who may do what outside the cards', () => {
  it("lets only a job's requester or an approver cancel it", async () => {
    core = await startCore();
    const card = expectCard(
      await core.labops.dispatch({
        command: '/host',
        text: 'maintenance hyper1',
        caller: shellCaller('operator'),
      }),
    );
    const refused = expectError(
      await core.labops.dispatch({
        command: '/lab',
        text: `cancel ${card.job.id}`,
        caller: shellCaller('dave'),
      }),
    );
    expect(refused.code).toBe('FORBIDDEN');
    expect(refused.message).toContain('only shell:operator, who asked, or an approver may');
    const byApprover = await core.labops.dispatch({
      command: '/lab',
      text: `cancel ${card.job.id}`,
      caller: shellCaller('bob'),
    });
    expect(byApprover.kind).toBe('view');
    expect((await core.store.getJob(card.job.id))?.status).toBe('cancelled');
    expect(await listJobAudit(core.store, 'job:cancelled', card.job.id)).toMatchObject([
      { actor: 'shell:bob' },
    ]);
  });

  it('refuses a read or direct command whose risk the policy raises, since it has no card', async () => {
    const raised = await startCore({
      policy: { ...SIM_POLICY, commands: { 'lab audit': { risk: 'critical' } } },
    });
    try {
      const error = expectError(
        await raised.labops.dispatch({ command: '/lab', text: 'audit', caller: shellCaller('operator') }),
      );
      expect(error.code).toBe('FORBIDDEN');
      expect(error.message).toContain('raises /lab audit to critical');
    } finally {
      await raised.close();
    }
  });
});

describe('jobs', () => {
  it('cancels a waiting job and a running one, between steps, with what was changed', async () => {
    core = await startCore();
    const waiting = expectCard(
      await core.labops.dispatch({
        command: '/host',
        text: 'maintenance hyper1',
        caller: shellCaller('operator'),
      }),
    );
    const cancelled = await core.labops.dispatch({
      command: '/lab',
      text: `cancel ${waiting.job.id}`,
      caller: shellCaller('operator'),
    });
    expect(cancelled.kind).toBe('view');
    const cancelledJob = await core.store.getJob(waiting.job.id);
    expect(cancelledJob?.status).toBe('cancelled');
    expect(cancelledJob?.error).toBe('Cancelled by shell:operator.');
    expect((await core.store.getApproval(waiting.approval.id))?.status).toBe('void');
    expect(await core.store.listLocks()).toEqual([]);
    // One operation, one row: the card's void is part of the cancel, not an audit event of its own.
    expect(await listJobAudit(core.store, 'job:cancelled', waiting.job.id)).toMatchObject([
      { actor: 'shell:operator', approvalId: waiting.approval.id },
    ]);
    expect(await listJobAudit(core.store, 'approval:voided', waiting.job.id)).toEqual([]);
    // Cancelling it again is refused and records nothing.
    await expect(core.labops.jobs.cancel(waiting.job.id, 'shell:operator')).rejects.toThrow(
      /is cancelled; there is nothing to cancel/,
    );
    expect(await listJobAudit(core.store, 'job:cancelled', waiting.job.id)).toHaveLength(1);

    // A pinned VM keeps the host in preparing_for_maintenance: the step waits until cancelled.
    core.lab.sim.knobs.pinVm('web1');
    const card = expectCard(
      await core.labops.dispatch({
        command: '/host',
        text: 'maintenance hyper1',
        caller: shellCaller('operator'),
      }),
    );
    const started = new Promise<void>((resolve) => {
      const off = core.labops.bus.subscribe((e) => {
        if (e.type === 'step:output' && e.jobId === card.job.id) {
          off();
          resolve();
        }
      });
    });
    await core.labops.click(card.approval.id, shellCaller('alice'), 'approve');
    await core.labops.click(card.approval.id, shellCaller('bob'), 'approve');
    await started;
    expect(renderText('en', await core.labops.jobs.cancel(card.job.id, 'shell:operator'))).toContain(
      'Cancelling',
    );
    const job = await core.labops.executor.whenFinished(card.job.id);
    expect(job?.status).toBe('cancelled');
    const steps = await core.store.listSteps(card.job.id);
    expect(await listJobAudit(core.store, 'job:cancelled', card.job.id)).toHaveLength(1);
    expect(steps.map((s) => s.status)).toEqual(['cancelled', 'cancelled']);
  });

  it('stops at a failed step and says which, why, and what was already changed', async () => {
    core = await startCore({
      extraSteps: [
        defineStep({
          kind: 'test.change',
          params: z.object({}),
          run: async () => ({ status: 'changed' }),
          verify: async () => verbatim('the change holds'),
        }),
        defineStep({
          kind: 'test.fail',
          params: z.object({}),
          run: async (ctx) => {
            ctx.output('doing the thing');
            throw new Error('disk on fire');
          },
        }),
      ],
    });
    const { store, labops } = core;
    const planned = [
      { kind: 'test.change', title: verbatim('Change one thing'), params: {} },
      { kind: 'test.fail', title: verbatim('Break'), params: {} },
      { kind: 'test.change', title: verbatim('Never reached'), params: {} },
    ];
    await queueTestJob(store, { id: 'job-test', steps: planned, createdAt: core.clock.now });
    const job = await labops.executor.run('job-test');
    expect(job.status).toBe('failed');
    expect(job.error).toContain('Step 2 (Break) failed');
    expect(job.error).toContain('Already changed: "Change one thing"');
    const steps = await store.listSteps('job-test');
    expect(steps.map((s) => s.status)).toEqual(['changed', 'failed', 'skipped']);
    expect(steps[0]?.endState).toBe('the change holds');
    expect(steps[1]?.tail).toContain('doing the thing');
    // Running it again does nothing: a job never runs twice.
    const again = await labops.executor.run('job-test');
    expect(again.status).toBe('failed');
    expect((await store.listAudit(50)).filter((e) => e.type === 'job:started')).toHaveLength(1);
  });
});
