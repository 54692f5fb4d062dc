import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Policy } from '../../approvals/policy.js';
import type { Caller } from '../../src/command.js';
import { renderText } from '../../src/i18n/render.js';
import { createLabs, type LabSet, type SimulatedLabSpec } from '../../src/lab.js';
import { createSimulatedPolicy } from '../../src/lab-info.js';
import type { LabDispatchInput } from '../../src/labs.js';
import { localizeView } from '../../src/view.js';
import { shellCaller } from '../support/core.js';
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

async function startSims(count: number): Promise<SimLab[]> {
  const sims = await Promise.all(Array.from({ length: count }, () => startSimLab()));
  simLabs.push(...sims);
  return sims;
}

/** lab1…labN of one bot over the simulators: `run('/lab status --all', caller)`. */
async function startCourse(
  sims: SimLab[],
  options: { extras?: LabExtras[]; instructors?: string[]; labsInParallel?: number } = {},
) {
  const dir = mkdtempSync(join(tmpdir(), 'labops-labs-all-'));
  dirs.push(dir);
  const set = await createLabs({
    labs: sims.map((lab, i) => ({
      kind: 'simulated' as const,
      simulator: lab.sim,
      name: `lab${i + 1}`,
      ...options.extras?.[i],
    })),
    store: { path: join(dir, 'labops.db') },
    clock: () => Date.parse('2026-11-28T10:00:00Z'),
    instructorPrincipals: options.instructors,
    labsInParallel: options.labsInParallel,
  });
  sets.push(set);
  const run = (line: string, caller: Caller, lab?: string) => {
    const [command, ...rest] = line.split(' ');
    const input: LabDispatchInput = { command: command!, text: rest.join(' '), caller, lab };
    return set.labs.dispatch(input);
  };
  return { set, run };
}

async function putInMaintenance(lab: SimLab, host: string) {
  const found = await lab.client.findHost(host);
  await lab.client.deactivateHost(found.id);
  await lab.client.waitForHostStatus(found.id, ['maintenance']);
}

function teamPolicy(asker: string, approvers: string[]): Policy {
  return { ...createSimulatedPolicy(), askers: [asker], approvers, channels: 'anywhere' };
}

const TEAMS: LabExtras[] = [
  { policy: teamPolicy('slack:USTUDENT1', ['slack:UTEACH1']), channels: ['C1'] },
  { policy: teamPolicy('slack:USTUDENT2', ['slack:UTEACH2']), channels: ['C2'] },
  { policy: teamPolicy('slack:USTUDENT3', ['slack:UTEACH3']), channels: ['C3'] },
];

function slackCaller(user: string, channel: string): Caller {
  return { principal: `slack:${user}`, channel, groups: [] };
}

const prof = slackCaller('UPROF', 'C9');
const operator = shellCaller('operator');

describe('/lab status --all and /lab doctor --all (issue 13 §3)', () => {
  it('reads every lab for an instructor: the count first, a section per lab, a lab whose engine is down with its error', async () => {
    const sims = await startSims(3);
    const { run } = await startCourse(sims, { extras: TEAMS, instructors: ['slack:UPROF'] });
    await putInMaintenance(sims[1]!, 'hyper1');
    await sims[2]!.sim.close();

    // From a channel bound to no lab: --all needs none, and is no lab's name.
    const result = await run('/lab status --all', prof);
    const view = expectView(result);
    expect(view.title).toBe('Labs — status — SIMULATED');
    expect(view.state).toEqual({ text: '3 labs: 1 healthy, 1 with problems, 1 not answering', tone: 'bad' });
    expect(view.sections.map((s) => s.heading)).toEqual([
      'lab1 · Default up · hosts 2/2 up · storage 2/2 active',
      'lab2 · Default up · hosts 1/2 up · storage 2/2 active',
      'lab3 · not answering',
    ]);
    expect(view.sections[1]!.lines).toContain('Hosts:');
    expect(view.sections[1]!.lines.join('\n')).toContain('hyper1  maintenance  0 VMs');
    expect(view.sections[0]!.lines.join('\n')).toMatch(/hyper1 {2}up/);
    // The engine's failure, with how to fix it, in lab3's own section.
    expect(view.sections[2]!.lines).toEqual([
      expect.stringMatching(/^Cannot reach the engine at https:\/\/127\.0\.0\.1:\d+ \(ECONNREFUSED\)\.$/),
      'Check engine.url in lab.yml and that the engine machine is up.',
    ]);

    // In Korean, the count and the headings are Korean sentences with the same figures.
    if (result.kind !== 'view') throw new Error('a view');
    const ko = localizeView(result.view, 'ko');
    expect(ko.state?.text).toBe('실습 환경 3개: 정상 1개, 문제 있음 1개, 응답 없음 1개');
    expect(ko.title).toBe('실습 환경 — 상태 — 시뮬레이션');
    expect(ko.sections[2]!.heading).toBe('lab3 · 응답 없음');
    expect(ko.sections[0]!.lines).toContain('호스트:');
  });

  it('reads the labs a --lab list names, in the lab file’s order, and says what is wrong with a list', async () => {
    const sims = await startSims(3);
    const { run } = await startCourse(sims);
    const view = expectView(await run('/lab status --lab lab3,lab1', operator, 'lab2'));
    expect(view.state?.text).toBe('2 labs: 2 healthy, 0 with problems');
    expect(view.sections.map((s) => s.heading?.split(' · ')[0])).toEqual(['lab1', 'lab3']);
    expect(expectView(await run('/lab status --lab=lab2,lab2', operator)).sections).toHaveLength(1);

    const unknown = expectError(await run('/lab status --lab lab1,lab-2', operator));
    expect([unknown.code, unknown.message]).toEqual([
      'USAGE',
      'There is no lab named lab-2. Did you mean lab2?',
    ]);
    const empty = expectError(await run('/lab doctor --lab lab1,', operator));
    expect([empty.code, empty.message]).toEqual(['USAGE', 'The list of labs lab1, has an empty name.']);
    const both = expectError(await run('/lab status --all --lab lab1', operator));
    expect(both.message).toBe('Use --all or a list of labs with --lab, not both.');
    // --all is never taken for a lab, and `--lab --all` still asks for the lab's name.
    expect(expectError(await run('/lab status --lab --all', operator)).message).toBe(
      '--lab needs a lab’s name.',
    );
    // One named lab is that lab's own status, as before.
    expect(expectView(await run('/lab status --lab lab2', operator)).title).toBe(
      'Lab status — SIMULATED LAB',
    );
    // /lab jobs --all keeps meaning this lab's last 50 jobs.
    expect(expectView(await run('/lab jobs --all', operator, 'lab1')).title).toBe('Jobs');
  });

  it('shows a student only their lab, and refuses a list naming another team’s lab', async () => {
    const sims = await startSims(3);
    const { run, set } = await startCourse(sims, { extras: TEAMS, instructors: ['slack:UPROF'] });
    const student2 = slackCaller('USTUDENT2', 'C2');
    const mine = expectView(await run('/lab status --all', student2));
    expect(mine.state?.text).toBe('1 lab: 1 healthy, 0 with problems');
    expect(mine.sections.map((s) => s.heading?.split(' · ')[0])).toEqual(['lab2']);
    // From lab1's channel too: the labs are the ones student2 may act on.
    expect(
      expectView(await run('/lab doctor --all', slackCaller('USTUDENT2', 'C1'))).sections.map(
        (s) => s.heading?.split(' · ')[0],
      ),
    ).toEqual(['lab2']);

    const refused = expectError(await run('/lab status --lab lab2,lab3', student2));
    expect(refused.code).toBe('FORBIDDEN');
    expect(refused.message).toBe(
      'You (slack:USTUDENT2) may not act on lab3: that lab’s policy does not let you ask.',
    );
    expect(renderText('ko', refused.text)).toBe(
      'slack:USTUDENT2은(는) lab3을(를) 다룰 수 없습니다. 그 실습 환경의 정책이 요청을 허용하지 않습니다.',
    );
    expect(await set.store.listJobs()).toEqual([]);
  });

  it('doctors each lab on its own machines: a fix button names its lab, and a click acts there', async () => {
    const sims = await startSims(3);
    const { run } = await startCourse(sims, { extras: TEAMS, instructors: ['slack:UPROF'] });
    sims[1]!.sim.knobs.breakOwnership('/export/data');

    const view = expectView(await run('/lab doctor --all', slackCaller('UPROF', 'C1')));
    expect(view.title).toBe('Labs — doctor — SIMULATED');
    expect(view.state).toEqual({ text: '3 labs: 2 healthy, 1 with problems', tone: 'warn' });
    expect(view.sections.map((s) => s.heading)).toEqual([
      'lab1 · all clear',
      'lab2 · 1 problem',
      'lab3 · all clear',
    ]);
    expect(view.sections[1]!.lines[0]).toBe('1. /export/data is not owned by vdsm:');
    expect(view.actions).toEqual([
      {
        label: 'lab2: Fix permissions of data',
        command: '/storage',
        text: 'fix-permissions data --lab lab2',
      },
    ]);

    // The button, clicked in lab1's channel, plans the clean in lab2.
    const action = view.actions![0]!;
    const card = expectCard(await run(`${action.command} ${action.text}`, slackCaller('UPROF', 'C1')));
    expect(card.job.lab).toBe('lab2');
  });

  it('works on labs_in_parallel labs at once: with 1, one lab’s engine calls end before the next lab’s begin', async () => {
    const order = async (labsInParallel: number) => {
      const sims = await startSims(3);
      const { run } = await startCourse(sims, { labsInParallel });
      const seen: number[] = [];
      sims.forEach((lab, index) => {
        lab.sim.knobs.setLatency(5);
        const requests = lab.sim.requests;
        const push = requests.push.bind(requests);
        requests.push = (...records) => {
          seen.push(index + 1);
          return push(...records);
        };
      });
      expect(expectView(await run('/lab status --all', operator)).sections).toHaveLength(3);
      return seen;
    };
    const one = await order(1);
    // Each lab's calls in one run, the labs one after the other.
    const runs = one.filter((lab, i) => i === 0 || one[i - 1] !== lab);
    expect(runs).toEqual([1, 2, 3]);

    const three = await order(3);
    expect(new Set(three)).toEqual(new Set([1, 2, 3]));
    expect(three.filter((lab, i) => i === 0 || three[i - 1] !== lab).length).toBeGreaterThan(3);
  });
});
