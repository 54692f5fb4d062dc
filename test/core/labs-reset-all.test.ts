import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Policy } from '../../approvals/policy.js';
import type { Caller } from '../../src/command.js';
import { renderText } from '../../src/i18n/render.js';
import { summarizeAcross } from '../../src/jobs/across.js';
import type { LabEvent } from '../../src/jobs/events.js';
import { createLabs, type LabSet, type SimulatedLabSpec } from '../../src/lab.js';
import { createSimulatedPolicy } from '../../src/lab-info.js';
import type { LabDispatchInput } from '../../src/labs.js';
import { expectCard, expectError, expectView } from '../support/dispatch.js';
import { type SimLab, startSimLab } from '../support/engine.js';

type LabExtras = Partial<Pick<SimulatedLabSpec, 'policy' | 'channels'>>;

const sets: LabSet[] = [];
const simLabs: SimLab[] = [];
const dirs: string[] = [];
afterEach(async () => {
  for (const set of sets.splice(0)) await set.close();
  for (const sim of simLabs.splice(0)) await sim.close();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function teamPolicy(asker: string, approvers: string[]): Policy {
  return { ...createSimulatedPolicy(), askers: [asker], approvers, channels: 'anywhere' };
}

const TEAMS: LabExtras[] = [
  { policy: teamPolicy('slack:USTUDENT1', ['slack:UTA1']), channels: ['C1'] },
  { policy: teamPolicy('slack:USTUDENT2', ['slack:UTA2']), channels: ['C2'] },
  { policy: teamPolicy('slack:USTUDENT3', ['slack:UTA3']), channels: ['C3'] },
];
const INSTRUCTORS = ['slack:UPROF', 'slack:UPROF2', 'slack:UPROF3'];

function slackCaller(user: string, channel: string): Caller {
  return { principal: `slack:${user}`, channel, groups: [] };
}
const prof = slackCaller('UPROF', 'C9');

/** lab1…lab3, each with hyper2 in maintenance, so a reset has work in every lab. */
async function startCourse(options: { labsInParallel?: number; instructors?: string[] } = {}) {
  const sims = await Promise.all(TEAMS.map(() => startSimLab()));
  simLabs.push(...sims);
  await Promise.all(sims.map((lab) => putInMaintenance(lab, 'hyper2')));
  const dir = mkdtempSync(join(tmpdir(), 'labops-reset-all-'));
  dirs.push(dir);
  const set = await createLabs({
    labs: sims.map((lab, i) => ({
      kind: 'simulated' as const,
      simulator: lab.sim,
      name: `lab${i + 1}`,
      ...TEAMS[i],
    })),
    store: { path: join(dir, 'labops.db') },
    instructorPrincipals: options.instructors ?? INSTRUCTORS,
    labsInParallel: options.labsInParallel,
  });
  sets.push(set);
  await set.labs.start();
  const run = (line: string, caller: Caller) => {
    const [command, ...rest] = line.split(' ');
    const input: LabDispatchInput = { command: command!, text: rest.join(' '), caller };
    return set.labs.dispatch(input);
  };
  const events: LabEvent[] = [];
  set.labs.bus.subscribe((e) => events.push(e));
  return { sims, set, run, events };
}

async function putInMaintenance(lab: SimLab, host: string) {
  const found = await lab.client.findHost(host);
  await lab.client.deactivateHost(found.id);
  await lab.client.waitForHostStatus(found.id, ['maintenance']);
}

describe('/lab reset --all (issue 13 §3)', () => {
  it('is one card with each lab’s impact, asked by an instructor only, that locks nothing while it waits', async () => {
    const { run, set } = await startCourse();

    const refused = expectError(await run('/lab reset --all', slackCaller('USTUDENT1', 'C1')));
    expect(refused.code).toBe('FORBIDDEN');
    expect(refused.message).toBe(
      'Only instructors may run /lab reset on several labs at once, and slack:USTUDENT1 is not one.',
    );
    expect(refused.hint).toBe('Ask for your own lab alone: /lab reset --lab lab1');

    const card = expectCard(await run('/lab reset --all', prof));
    expect(card.plan.summary).toBe('/lab reset in 3 labs: lab1, lab2, and lab3');
    expect(card.approval.risk).toBe('critical');
    expect(card.approval.required).toBe(2);
    expect(card.approval.eligible.sort()).toEqual([...INSTRUCTORS].sort());
    // Each lab's impact under its name; lab2's reset brings hyper2 back.
    expect(card.plan.impact.filter((l) => l.startsWith('lab2 · ')).join('\n')).toContain('hyper2');
    expect(card.plan.steps.map((s) => s.title)).toEqual([
      'Plan each lab again and lock it (3 labs)',
      expect.stringMatching(/^lab1: Reset the lab to its baseline \(\d+ steps\)$/),
      expect.stringMatching(/^lab2: Reset the lab to its baseline \(\d+ steps\)$/),
      expect.stringMatching(/^lab3: Reset the lab to its baseline \(\d+ steps\)$/),
    ]);
    // The card waits with no lock: a team still works in its lab meanwhile.
    expect(await set.store.listLocks()).toEqual([]);
    expect(card.job.lab).toBe('lab1');

    // A list names some labs only; one lab, alone, is that lab's own reset.
    const two = expectCard(await run('/lab reset --lab lab3,lab1 --keep-vms', slackCaller('UPROF2', 'C2')));
    expect(two.plan.summary).toBe('/lab reset in 2 labs: lab1 and lab3');
    expect(two.job.lab).toBe('lab2');
    const one = expectCard(await run('/lab reset --lab lab3', prof));
    expect(one.job.lab).toBe('lab3');
    expect(one.plan.across).toBeUndefined();

    // In Korean too.
    if (card.result.kind !== 'card') throw new Error('a card');
    expect(renderText('ko', card.result.card.plan.summary)).toBe(
      '실습 환경 3개에서 /lab reset: lab1, lab2 및 lab3',
    );
  });

  it('previews with --dry-run and refuses what cannot be asked', async () => {
    const { run, set } = await startCourse({ instructors: ['slack:UPROF', 'slack:UPROF2'] });
    const preview = expectView(await run('/lab reset --all --dry-run', prof));
    expect(JSON.stringify(preview)).toContain('/lab reset in 3 labs');
    expect(await set.store.listJobs()).toEqual([]);
    // Two instructors besides the requester are needed: with one, no card could ever run.
    const few = expectError(await run('/lab reset --all', prof));
    expect(few.message).toBe('This needs 2 instructors’ approvals besides yours, and lab.yml names only 1.');
    expect(expectError(await run('/lab reset --all --lab lab1', prof)).message).toBe(
      'Use --all or a list of labs with --lab, not both.',
    );
    expect(expectError(await run('/lab reset --lab lab1,lab-3', prof)).message).toBe(
      'There is no lab named lab-3. Did you mean lab3?',
    );
  });

  it('runs once two instructors approve: each lab its own job, a line of progress each, a summary table', async () => {
    const { run, set, sims, events } = await startCourse({ labsInParallel: 2 });
    const card = expectCard(await run('/lab reset --all', prof));
    const self = await set.labs.click(card.approval.id, prof, 'approve');
    expect(self.outcome).toBe('refused');
    expect(self.message).toContain('cannot approve');
    expect((await set.labs.click(card.approval.id, slackCaller('UTA1', 'C1'), 'approve')).outcome).toBe(
      'refused',
    );
    expect((await set.labs.click(card.approval.id, slackCaller('UPROF2', 'C9'), 'approve')).outcome).toBe(
      'recorded',
    );
    const approved = await set.labs.click(card.approval.id, slackCaller('UPROF3', 'C9'), 'approve');
    expect(approved.outcome).toBe('approved');
    const job = await set.labs.whenFinished(card.job.id);
    expect(job?.status).toBe('succeeded');

    // Each lab's part is a job of that lab, approved through this card, and did the reset there.
    const parts = (await set.store.listJobs()).filter((j) => j.args.parent === card.job.id);
    expect(parts.map((p) => [p.lab, p.status, p.requester]).sort()).toEqual([
      ['lab1', 'succeeded', 'slack:UPROF'],
      ['lab2', 'succeeded', 'slack:UPROF'],
      ['lab3', 'succeeded', 'slack:UPROF'],
    ]);
    for (const lab of sims) expect((await lab.client.findHost('hyper2')).status).toBe('up');
    expect(await set.store.listLocks()).toEqual([]);

    // At most two labs ran at once.
    let running = 0;
    let most = 0;
    for (const e of events) {
      if (e.type === 'step:started' && e.job.id === card.job.id && e.step.index > 0)
        most = Math.max(most, ++running);
      if (e.type === 'step:finished' && e.job.id === card.job.id && e.step.index > 0) running--;
    }
    expect(most).toBe(2);
    // Each lab's line of progress follows its own job's steps.
    const progress = events.filter((e) => e.type === 'step:progress' && e.jobId === card.job.id);
    expect(progress.map((e) => (e.type === 'step:progress' ? e.text : '')).join('\n')).toMatch(
      /lab3: step 1\/\d+, /,
    );

    const steps = await set.store.listSteps(card.job.id);
    const rows = summarizeAcross(job!, steps)!.map((r) => renderText('en', r));
    expect(rows).toEqual([
      expect.stringMatching(/^lab1 · changed · .+ — job-[0-9a-f]{4}: \d+ steps, \d+ changed\.$/),
      expect.stringMatching(/^lab2 · changed · .+ — job-[0-9a-f]{4}: \d+ steps, \d+ changed\.$/),
      expect.stringMatching(/^lab3 · changed · .+ — job-[0-9a-f]{4}: \d+ steps, \d+ changed\.$/),
    ]);
    // The audit trail of each lab says its part ran on that card.
    const audit = await set.store.listAudit(200, { lab: 'lab2' });
    expect(audit.find((e) => e.type === 'job:queued')?.approvalId).toBe(card.approval.id);
  });

  it('leaves out a lab whose plan changed before approval, and a lab another job holds; the others go ahead', async () => {
    const { run, set, sims } = await startCourse();
    const card = expectCard(await run('/lab reset --all', prof));
    // After the card: lab2 changes, and a student's card in lab3 holds a host of lab3.
    const hyper2 = await sims[1]!.client.findHost('hyper2');
    await sims[1]!.client.activateHost(hyper2.id);
    await sims[1]!.client.waitForHostStatus(hyper2.id, ['up']);
    const student = expectCard(await run('/host activate hyper2', slackCaller('USTUDENT3', 'C3')));
    expect(student.job.lab).toBe('lab3');

    await set.labs.click(card.approval.id, slackCaller('UPROF2', 'C9'), 'approve');
    const approved = await set.labs.click(card.approval.id, slackCaller('UPROF3', 'C9'), 'approve');
    expect(approved.outcome).toBe('approved');
    const job = await set.labs.whenFinished(card.job.id);
    expect(job?.status).toBe('failed');
    expect(job?.error).toMatch(/^1 of 3 labs failed\. lab2: Left out: its plan changed since the card \(/);
    expect(job?.error).toContain('Ask again with /lab reset --lab lab2.');
    expect(job?.error).toContain(
      `lab3: host hyper2 is locked by ${student.job.id}, requested by slack:USTUDENT3.`,
    );
    expect(job?.error).toContain('Finished: lab1.');

    const steps = await set.store.listSteps(card.job.id);
    expect(steps.map((s) => s.status)).toEqual(['ok', 'changed', 'skipped', 'failed']);
    expect(steps[0]!.tail).toMatch(/lab2: changed since the card \(.*hyper2.*\), left out\./);
    // Only lab1 ran; lab3's card still waits with its lock, and lab3's hyper2 is still in maintenance.
    const parts = (await set.store.listJobs()).filter((j) => j.args.parent === card.job.id);
    expect(parts.map((p) => p.lab)).toEqual(['lab1']);
    expect((await sims[2]!.client.findHost('hyper2')).status).toBe('maintenance');
    expect((await set.store.listLocks()).map((l) => [l.lab, l.jobId])).toEqual([['lab3', student.job.id]]);
  });

  it('gives back the locks of the labs that never ran when the job is cancelled', async () => {
    const { run, set } = await startCourse({ labsInParallel: 1 });
    const card = expectCard(await run('/lab reset --all', prof));
    let cancelled = false;
    set.labs.bus.subscribe((e) => {
      // Once lab1's part starts, cancel the whole job: lab2 and lab3 never start.
      if (!cancelled && e.type === 'job:started' && e.job.args.parent === card.job.id) {
        cancelled = true;
        void set.labs.first.jobs.cancel(card.job.id, 'slack:UPROF');
      }
    });
    await set.labs.click(card.approval.id, slackCaller('UPROF2', 'C9'), 'approve');
    await set.labs.click(card.approval.id, slackCaller('UPROF3', 'C9'), 'approve');
    const job = await set.labs.whenFinished(card.job.id);
    expect(job?.status).toBe('cancelled');
    // Released once the job's end has been seen.
    await new Promise((resolve) => setTimeout(resolve, 50));
    const parts = (await set.store.listJobs()).filter((j) => j.args.parent === card.job.id);
    expect(parts.map((p) => [p.lab, p.status]).sort()).toEqual([
      ['lab1', 'cancelled'],
      ['lab2', 'cancelled'],
      ['lab3', 'cancelled'],
    ]);
    expect(await set.store.listLocks()).toEqual([]);
  });

  it('after a crash mid-run, names each lab’s part, re-read in its own lab', async () => {
    const { run, set, sims } = await startCourse();
    const card = expectCard(await run('/lab reset --all', prof));
    const started = new Set<string>();
    const allStarted = new Promise<void>((resolve) => {
      set.labs.bus.subscribe((e) => {
        // Once the labs are locked, their engines slow down: their parts are running at the crash.
        if (e.type === 'step:finished' && e.job.id === card.job.id && e.step.index === 0) {
          for (const lab of sims) lab.sim.knobs.setLatency(1500);
        }
        if (e.type === 'job:started' && e.job.args.parent === card.job.id) started.add(e.job.id);
        if (started.size === 3) resolve();
      });
    });
    await set.labs.click(card.approval.id, slackCaller('UPROF2', 'C9'), 'approve');
    await set.labs.click(card.approval.id, slackCaller('UPROF3', 'C9'), 'approve');
    await allStarted;

    // A second bot on the same store stands for the restart: it finds every one of them running.
    const after = await createLabs({
      labs: sims.map((lab, i) => ({
        kind: 'simulated' as const,
        simulator: lab.sim,
        name: `lab${i + 1}`,
        ...TEAMS[i],
      })),
      store: { store: set.store },
      instructorPrincipals: INSTRUCTORS,
    });
    const report = await after.labs.start();
    expect(report.interrupted.map((j) => j.id).sort()).toEqual([card.job.id, ...started].sort());
    for (const lab of sims) lab.sim.knobs.setLatency(0);
    await after.labs.whenReviewed();
    const parent = await set.store.getJob(card.job.id);
    expect(parent?.status).toBe('interrupted');
    const parts = (await set.store.listJobs()).filter((j) => j.args.parent === card.job.id);
    const named = parts.sort((a, b) => a.lab.localeCompare(b.lab)).map((p) => `${p.id} in ${p.lab}`);
    expect(parent?.error).toBe(
      `labops stopped while this job was running; it was not resumed. Each lab’s part is re-read in its own lab: ${named[0]}, ${named[1]}, and ${named[2]}.`,
    );
    await set.labs.stop(5000);
  });
});
