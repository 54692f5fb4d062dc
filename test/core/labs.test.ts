import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Policy } from '../../approvals/policy.js';
import type { Caller } from '../../src/command.js';
import { renderText } from '../../src/i18n/render.js';
import { verbatim } from '../../src/i18n/text.js';
import { createLabs, type LabSet, type SimulatedLabSpec } from '../../src/lab.js';
import { createSimulatedPolicy } from '../../src/lab-info.js';
import type { LabDispatchInput } from '../../src/labs.js';
import { shellCaller } from '../support/core.js';
import { expectCard, expectError, expectView, viewText } from '../support/dispatch.js';
import { type SimLab, startSimLab } from '../support/engine.js';
import { queueTestJob } from '../support/jobs.js';

/** Each lab's own spec besides its simulator and name. */
type LabExtras = Partial<Pick<SimulatedLabSpec, 'policy' | 'channels'>>;

interface Course {
  set: LabSet;
  sims: SimLab[];
  dbPath: string;
  run(text: string, caller: Caller, lab?: string, command?: string): ReturnType<LabSet['labs']['dispatch']>;
  close(): Promise<void>;
}

const courses: Course[] = [];
const simLabs: SimLab[] = [];
const dirs: string[] = [];
afterEach(async () => {
  for (const course of courses.splice(0)) await course.close();
  for (const sim of simLabs.splice(0)) await sim.close();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

async function startSims(count: number): Promise<SimLab[]> {
  const sims = await Promise.all(Array.from({ length: count }, () => startSimLab()));
  simLabs.push(...sims);
  return sims;
}

function makeDbPath(): string {
  const dir = mkdtempSync(join(tmpdir(), 'labops-labs-'));
  dirs.push(dir);
  return join(dir, 'labops.db');
}

/** The labs lab1…labN of one bot over the given simulators, sharing one store file. */
async function startCourse(
  sims: SimLab[],
  options: { extras?: LabExtras[]; instructors?: string[]; dbPath?: string } = {},
): Promise<Course> {
  const dbPath = options.dbPath ?? makeDbPath();
  const clock = { now: Date.parse('2026-11-28T10:00:00Z') };
  const set = await createLabs({
    labs: sims.map((lab, i) => ({
      kind: 'simulated' as const,
      simulator: lab.sim,
      name: `lab${i + 1}`,
      ...options.extras?.[i],
    })),
    store: { path: dbPath },
    clock: () => clock.now,
    instructorPrincipals: options.instructors,
    resolveGroup: async (group) => (group === 'slack:SPROFS' ? ['slack:UTA1', 'slack:UTA2'] : []),
  });
  const course: Course = {
    set,
    sims,
    dbPath,
    run: (text, caller, lab, command) => {
      const [first, ...rest] = text.split(' ');
      const input: LabDispatchInput = command
        ? { command, text, caller, lab }
        : { command: first!, text: rest.join(' '), caller, lab };
      return set.labs.dispatch(input);
    },
    close: () => set.close(),
  };
  courses.push(course);
  return course;
}

/** Puts a host of one simulator into maintenance through its own engine. */
async function putInMaintenance(lab: SimLab, host: string) {
  const found = await lab.client.findHost(host);
  await lab.client.deactivateHost(found.id);
  await lab.client.waitForHostStatus(found.id, ['maintenance']);
}

const operator = shellCaller('operator');
const alice = shellCaller('alice');

describe('each lab sees only its own (issue 13 §2)', () => {
  it('refuses cancelling another lab’s job as not found, lists jobs and audit per lab, runs a card in its own lab', async () => {
    const course = await startCourse(await startSims(2));
    const card = expectCard(await course.run('/host maintenance hyper1 --lab lab2', operator, 'lab1'));
    expect(card.job.lab).toBe('lab2');
    const jobId = card.job.id;

    // From lab1 (the shell's `use lab1`), lab2's job does not exist.
    const refused = expectError(await course.run(`/lab cancel ${jobId}`, operator, 'lab1'));
    expect(refused.code).toBe('NOT_FOUND');
    expect(refused.message).toBe(`There is no job ${jobId}.`);
    expect((await course.set.store.getJob(jobId))?.status).toBe('awaiting_approval');

    expect(viewText(await course.run('/lab jobs --all', operator, 'lab1'))).not.toContain(jobId);
    expect(viewText(await course.run('/lab jobs', operator, 'lab2'))).toContain(jobId);
    expect(viewText(await course.run('/lab audit 50', operator, 'lab1'))).not.toContain(jobId);
    expect(viewText(await course.run('/lab audit 50', operator, 'lab2'))).toContain(jobId);
    expect(viewText(await course.run('/lab status', operator, 'lab1'))).not.toContain(card.approval.id);
    expect(viewText(await course.run('/lab status', operator, 'lab2'))).toContain(card.approval.id);

    // A bare `approve` in the shell means the newest card of the lab it uses: lab1 has none.
    const bare = await course.set.labs.click(undefined, alice, 'approve', 'lab1');
    expect(bare.outcome).toBe('refused');
    expect((await course.set.store.getApproval(card.approval.id))?.status).toBe('pending');

    // lab1's own flow does not decide lab2's card (its plan needs lab2's engine): not found there.
    const wrongLab = await course.set.labs.get('lab1')!.click(card.approval.id, alice, 'approve');
    expect(wrongLab.outcome).toBe('refused');
    expect(wrongLab.message).toBe(`There is no approval ${card.approval.id}.`);
    expect((await course.set.store.getApproval(card.approval.id))?.status).toBe('pending');

    // The click names lab2's card while the shell uses lab1: the job runs in lab2.
    const click = await course.set.labs.click(card.approval.id, alice, 'approve', 'lab1');
    expect(click.outcome, click.message).toBe('approved');
    const done = await course.set.labs.whenFinished(jobId);
    expect(done?.status, done?.error).toBe('succeeded');
    const [lab1, lab2] = course.sims;
    expect((await lab2!.client.findHost('hyper1')).status).toBe('maintenance');
    expect((await lab1!.client.findHost('hyper1')).status).toBe('up');

    // Its lab's jobs port runs /lab cancel: a finished job is found there, and said to be over.
    const over = expectError(await course.run(`/lab cancel ${jobId}`, operator, 'lab2'));
    expect(over.code).toBe('CONFLICT');
    await expect(course.set.labs.get('lab1')!.jobs.get(jobId)).resolves.toBeUndefined();
    await expect(course.set.labs.get('lab2')!.jobs.get(jobId)).resolves.toMatchObject({ lab: 'lab2' });
  });

  it('holds a host’s maintenance in lab1 and in lab2 at once: a lock of one lab never blocks another', async () => {
    const course = await startCourse(await startSims(2));
    const first = expectCard(await course.run('/host maintenance hyper1', operator, 'lab1'));
    const second = expectCard(await course.run('/host maintenance hyper1', operator, 'lab2'));
    expect([first.approval.status, second.approval.status]).toEqual(['pending', 'pending']);
    const locks = await course.set.store.listLocks();
    expect(locks.map((l) => [l.lab, l.key, l.jobId]).sort()).toEqual(
      [
        ['lab1', 'host:hyper1', first.job.id],
        ['lab2', 'host:hyper1', second.job.id],
      ].sort(),
    );
    // Within one lab the lock still holds.
    const held = expectError(await course.run('/host maintenance hyper1', operator, 'lab2'));
    expect(held.code).toBe('LOCKED');
  });
});

/** Two teams: student1 asks in lab1 only, student2 in lab2 only; each lab its own approvers and channel. */
function teamPolicy(asker: string, approvers: string[]): Policy {
  return { ...createSimulatedPolicy(), askers: [asker], approvers, channels: 'anywhere' };
}

const TEAMS: LabExtras[] = [
  { policy: teamPolicy('slack:USTUDENT1', ['slack:UTEACH1', 'slack:UTEACH1B']), channels: ['C1'] },
  { policy: teamPolicy('slack:USTUDENT2', ['slack:UTEACH2', 'slack:UTEACH2B']), channels: ['C2'] },
];

function slackCaller(user: string, channel: string, groups: string[] = []): Caller {
  return { principal: `slack:${user}`, channel, groups };
}

describe('per-lab policy and the instructors (issue 13 §2)', () => {
  it('refuses a student in another team’s lab, in their language, and lets them act in their own', async () => {
    const course = await startCourse(await startSims(2), { extras: TEAMS, instructors: ['slack:UPROF'] });
    const student1 = slackCaller('USTUDENT1', 'C1');

    expect(expectView(await course.run('/lab status', student1)).title).toContain('SIMULATED LAB');
    const refused = expectError(await course.run('/lab status --lab lab2', student1));
    expect(refused.code).toBe('FORBIDDEN');
    expect(refused.message).toBe(
      'You (slack:USTUDENT1) may not run /lab status: only slack:USTUDENT2 or slack:UPROF may ask for it.',
    );
    expect(renderText('ko', refused.text)).toBe(
      'slack:USTUDENT1은(는) /lab status을(를) 실행할 수 없습니다. slack:USTUDENT2 또는 slack:UPROF만 요청할 수 있습니다.',
    );
    const change = expectError(await course.run('/host maintenance hyper1 --lab lab2', student1));
    expect(change.code).toBe('FORBIDDEN');
    expect(await course.set.store.listJobs()).toEqual([]);
    // Their own lab's card, asked from their channel.
    expect(expectCard(await course.run('/host maintenance hyper1', student1)).job.lab).toBe('lab1');
  });

  it('lets an instructor, in person or through a group, ask and approve in every lab', async () => {
    const course = await startCourse(await startSims(2), {
      extras: TEAMS,
      instructors: ['slack:UPROF', 'slack:SPROFS'],
    });
    // The professor asks in lab2 from lab1's channel; a TA (group slack:SPROFS) approves it.
    const card = expectCard(
      await course.run('/host maintenance hyper2 --lab lab2', slackCaller('UPROF', 'C1')),
    );
    expect(card.job.lab).toBe('lab2');
    expect(card.approval.eligible).toEqual(
      expect.arrayContaining(['slack:UTEACH2', 'slack:UTEACH2B', 'slack:UTA1', 'slack:UTA2']),
    );
    const ta = slackCaller('UTA1', 'C1', ['slack:SPROFS']);
    const click = await course.set.labs.click(card.approval.id, ta, 'approve');
    expect(click.outcome, click.message).toBe('approved');
    expect((await course.set.labs.whenFinished(card.job.id))?.status).toBe('succeeded');
    expect((await course.sims[1]!.client.findHost('hyper2')).status).toBe('maintenance');
    expect((await course.sims[0]!.client.findHost('hyper2')).status).toBe('up');

    // A TA asks in lab1 (whose askers name only student1); the professor approves it.
    const other = expectCard(await course.run('/host maintenance hyper1 --lab lab1', ta));
    const byProf = await course.set.labs.click(other.approval.id, slackCaller('UPROF', 'C2'), 'approve');
    expect(byProf.outcome, byProf.message).toBe('approved');
    expect(await course.set.labs.whenFinished(other.job.id)).toMatchObject({ status: 'succeeded' });
  });

  it('binds a lab to its channels among several labs: a lab2 asker may use --lab lab2 from lab1’s channel', async () => {
    const course = await startCourse(await startSims(2), { extras: TEAMS });
    const student2 = slackCaller('USTUDENT2', 'C1');
    // Without --lab, lab1's channel means lab1, where student2 may not ask.
    expect(expectError(await course.run('/lab status', student2)).code).toBe('FORBIDDEN');
    const view = await course.run('/lab status --lab lab2', student2);
    expect(expectView(view).title).toContain('SIMULATED LAB');
    expect(expectCard(await course.run('/host maintenance hyper1 --lab lab2', student2)).job.lab).toBe(
      'lab2',
    );
  });

  it('keeps a single lab’s channels restricting where it may be asked, instructors or not', async () => {
    const course = await startCourse(await startSims(1), {
      extras: [{ policy: { ...TEAMS[0]!.policy!, channels: ['C1'] } }],
      instructors: ['slack:UPROF'],
    });
    const elsewhere = expectError(await course.run('/lab status', slackCaller('USTUDENT1', 'C9')));
    expect(elsewhere.code).toBe('FORBIDDEN');
    expect(elsewhere.message).toBe('/lab status may only be run in C1, not in C9.');
    expect(expectError(await course.run('/lab status', slackCaller('UPROF', 'C9'))).code).toBe('FORBIDDEN');
    expect(expectView(await course.run('/lab status', slackCaller('UPROF', 'C1'))).title).toContain(
      'SIMULATED LAB',
    );
  });

  it('/lab list shows only the labs the caller may act on, and a lab whose engine is down with why', async () => {
    const sims = await startSims(3);
    const course = await startCourse(sims, {
      extras: [...TEAMS, { policy: teamPolicy('slack:USTUDENT3', ['slack:UTEACH3']), channels: ['C3'] }],
      instructors: ['slack:UPROF'],
    });
    await sims[0]!.sim.close();

    const mine = expectView(await course.run('/lab list', slackCaller('USTUDENT2', 'C9')));
    expect(mine.sections.flatMap((s) => s.lines)).toEqual([
      'lab2 · engine up · hosts 2/2 up · domains 2/2 active · no job running',
    ]);

    const all = expectView(await course.run('/lab list', slackCaller('UPROF', 'C9')));
    const lines = all.sections.flatMap((s) => s.lines);
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(/^lab1 · engine DOWN \(.+\) · no job running$/);
    expect(lines.slice(1)).toEqual([
      'lab2 · engine up · hosts 2/2 up · domains 2/2 active · no job running',
      'lab3 · engine up · hosts 2/2 up · domains 2/2 active · no job running',
    ]);
    expect(all.state?.text).toBe('3 labs: 2 healthy, 1 down');

    // Lists asked at the same moment share each lab's reads: lab2's engine is asked once.
    const mark = sims[1]!.sim.requests.length;
    const lists = await Promise.all(
      ['UPROF', 'USTUDENT2', 'UPROF'].map((user) => course.run('/lab list', slackCaller(user, 'C9'))),
    );
    expect(
      lists.map((l) =>
        expectView(l)
          .sections.flatMap((s) => s.lines)
          .at(-1),
      ),
    ).toEqual([
      'lab3 · engine up · hosts 2/2 up · domains 2/2 active · no job running',
      'lab2 · engine up · hosts 2/2 up · domains 2/2 active · no job running',
      'lab3 · engine up · hosts 2/2 up · domains 2/2 active · no job running',
    ]);
    const hostReads = sims[1]!.sim.requests.slice(mark).filter((r) => r.url?.endsWith('/hosts'));
    expect(hostReads).toHaveLength(1);
  });
});

describe('which lab a command is for (issue 13 §2)', () => {
  it('reads --lab anywhere in the text, as --lab=NAME, and before the shell’s use', async () => {
    const sims = await startSims(3);
    const course = await startCourse(sims);
    await putInMaintenance(sims[1]!, 'hyper1');
    const statusOf = async (text: string, lab?: string) =>
      JSON.stringify(expectView(await course.run(text, operator, lab)).state);

    expect(await statusOf('/host --lab lab2 status hyper1')).toContain('maintenance');
    expect(await statusOf('/host status --lab lab2 hyper1')).toContain('maintenance');
    expect(await statusOf('/host status hyper1 --lab=lab2')).toContain('maintenance');
    expect(await statusOf('/host status hyper1 --lab lab1', 'lab2')).not.toContain('maintenance');
    expect(await statusOf('/host status hyper1', 'lab2')).toContain('maintenance');
    expect(await statusOf('/host status hyper1 --lab=lab3', 'lab2')).not.toContain('maintenance');
    // The same lab twice is one lab.
    expect(await statusOf('/host status hyper1 --lab lab2 --lab=lab2')).toContain('maintenance');
    // A phone's dash is --lab too.
    expect(await statusOf('/host status hyper1 —lab lab2')).toContain('maintenance');

    // Inside quotes, --lab is the reason's words, not an option: the card is lab3's, its reason whole.
    const quoted = expectCard(
      await course.run(
        '/host maintenance hyper2 --reason "drain it, then --lab lab2 tests"',
        operator,
        'lab3',
      ),
    );
    expect(quoted.job.lab).toBe('lab3');
    expect(quoted.job.text).toBe('maintenance hyper2 --reason "drain it, then --lab lab2 tests"');
    const curly = expectCard(
      await course.run('/host maintenance hyper2 --reason “see --lab=lab1” --lab lab1', operator, 'lab3'),
    );
    expect(curly.job.lab).toBe('lab1');
    expect(curly.job.text).toBe('maintenance hyper2 --reason “see --lab=lab1”');
  });

  it('says what is wrong with --lab: no value, two labs, an unknown lab with the nearest, no lab bound', async () => {
    const course = await startCourse(await startSims(3));
    for (const text of ['/lab status --lab', '/lab jobs --lab --all', '/lab status --lab=']) {
      const error = expectError(await course.run(text, operator));
      expect(error.code, text).toBe('USAGE');
      expect(error.message, text).toBe('--lab needs a lab’s name.');
      expect(error.hint, text).toBe('Labs: lab1, lab2, and lab3. For example: --lab lab1');
    }
    const two = expectError(await course.run('/lab status --lab lab1 --lab lab2', operator));
    expect(two.message).toBe('One command acts on one lab, not lab1 and lab2.');

    const unknown = expectError(await course.run('/lab status --lab lab-2', operator));
    expect(unknown.message).toBe('There is no lab named lab-2. Did you mean lab2?');
    expect(expectError(await course.run('/lab status --lab zebra', operator)).message).toBe(
      'There is no lab named zebra.',
    );
    // `use` of an unknown lab is refused alike.
    expect(expectError(await course.run('/lab status', operator, 'lab9')).message).toBe(
      'There is no lab named lab9.',
    );

    const unbound = expectError(await course.run('/host status hyper1', slackCaller('UANY', 'C9')));
    expect(unbound.code).toBe('USAGE');
    expect(unbound.message).toBe('This channel belongs to no lab: say which one with --lab.');
    expect(unbound.hint).toBe('Labs: lab1, lab2, and lab3. For example: --lab lab1');
    expect(renderText('ko', unbound.text)).toBe(
      '이 채널에 연결된 실습 환경이 없습니다. --lab으로 실습 환경을 지정하십시오.',
    );
  });

  it('answers /lab list and help without a lab', async () => {
    const course = await startCourse(await startSims(2), { extras: TEAMS });
    const nowhere = slackCaller('USTUDENT2', 'C9');
    expect(expectView(await course.run('/lab list', nowhere)).sections.flatMap((s) => s.lines)).toEqual([
      'lab2 · engine up · hosts 2/2 up · domains 2/2 active · no job running',
    ]);
    // In lab1's channel too, where student2 may not ask: the list is the bot's, not lab1's.
    expect(expectView(await course.run('/lab list', slackCaller('USTUDENT2', 'C1'))).sections).toHaveLength(
      1,
    );
    for (const [command, text] of [
      ['/lab', ''],
      ['/lab', 'help'],
      ['/host', 'help'],
      ['/host', 'maintenance --help'],
    ] as const) {
      const help = await course.run(text, nowhere, undefined, command);
      expect(help.kind, `${command} ${text}`).toBe('view');
      // Help lists what the caller may ask for: lab2's commands, since student2 asks there.
      expect(viewText(help), `${command} ${text}`).toContain('maintenance');
    }
  });
});

describe('recovery of many labs (issue 13 §2)', () => {
  it('reviews each lab’s interrupted job on its own engine', async () => {
    const sims = await startSims(2);
    const dbPath = makeDbPath();
    const before = await startCourse(sims, { dbPath });
    const store = before.set.store;
    for (const lab of ['lab1', 'lab2']) {
      const job = await queueTestJob(store, {
        id: `job-${lab}`,
        lab,
        locks: ['host:hyper1'],
        steps: [{ kind: 'test.noop', title: verbatim('Nothing'), params: {} }],
        createdAt: Date.parse('2026-11-28T09:00:00Z'),
      });
      await store.startJob(job.id, Date.parse('2026-11-28T09:00:01Z'));
      await store.setJobReview(job.id, { before: { 'host hyper1': 'up' } });
    }
    await before.close();
    courses.splice(courses.indexOf(before), 1);
    // While the bot was away, lab2's hyper1 went into maintenance; lab1's stayed up.
    await putInMaintenance(sims[1]!, 'hyper1');

    const after = await startCourse(sims, { dbPath });
    const report = await after.set.labs.start();
    expect(report.interrupted.map((j) => [j.id, j.lab]).sort()).toEqual([
      ['job-lab1', 'lab1'],
      ['job-lab2', 'lab2'],
    ]);
    await after.set.labs.whenReviewed();
    const lab1 = await after.set.store.getJob('job-lab1');
    const lab2 = await after.set.store.getJob('job-lab2');
    expect(lab1?.review?.changes).toEqual([
      expect.objectContaining({ target: 'host hyper1', outcome: 'unchanged' }),
    ]);
    expect(lab2?.review?.changes).toEqual([
      expect.objectContaining({ target: 'host hyper1', outcome: 'changed', from: 'up', to: 'maintenance' }),
    ]);
    expect(viewText(await after.run('/lab jobs --all', operator, 'lab2'))).toContain('up → maintenance');
    expect(viewText(await after.run('/lab jobs --all', operator, 'lab1'))).not.toContain('job-lab2');
  });
});
