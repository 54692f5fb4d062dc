import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Caller } from '../../src/command.js';
import { renderEnglish } from '../../src/i18n/render.js';
import type { LabEvent } from '../../src/jobs/events.js';
import { createLabs, type LabSet } from '../../src/lab.js';
import { createSimulatedPolicy } from '../../src/lab-info.js';
import type { ScheduleRecord } from '../../src/schedules/schedule.js';
import { EXPORTS_WITH_SPARE } from '../support/core.js';
import { expectCard, expectError } from '../support/dispatch.js';
import { addActiveSpareDomain, type SimLab, startSimLab } from '../support/engine.js';

type Notice = Extract<LabEvent, { type: 'schedule:notice' }>;

const clock = { now: Date.parse('2026-11-28T10:00:00Z') };
let sims: SimLab[];
let set: LabSet;
let dir: string;
const notices: Notice[] = [];

const prof: Caller = { principal: 'slack:UPROF', channel: 'C9', groups: [] };
const student: Caller = { principal: 'slack:USTUDENT1', channel: 'C1', groups: [] };

beforeAll(async () => {
  sims = await Promise.all([startSimLab(), startSimLab({ seed: { exports: EXPORTS_WITH_SPARE } })]);
  dir = mkdtempSync(join(tmpdir(), 'labops-schedule-across-'));
  set = await createLabs({
    labs: [
      {
        kind: 'simulated',
        simulator: sims[0]!.sim,
        name: 'lab1',
        channels: ['C1'],
        policy: { ...createSimulatedPolicy(), askers: ['slack:USTUDENT1'], approvers: ['slack:UTA1'] },
        info: { timeZone: 'Asia/Seoul' },
      },
      {
        kind: 'simulated',
        simulator: sims[1]!.sim,
        name: 'lab2',
        channels: ['C2'],
        policy: { ...createSimulatedPolicy(), askers: ['slack:USTUDENT2'], approvers: ['slack:UTA2'] },
        info: { timeZone: 'Europe/Berlin' },
      },
    ],
    store: { path: join(dir, 'labops.db') },
    instructorPrincipals: ['slack:UPROF', 'slack:UPROF2', 'slack:UPROF3'],
    clock: () => clock.now,
  });
  set.labs.bus.subscribe((event) => {
    if (event.type === 'schedule:notice') notices.push(event);
  });
});
afterAll(async () => {
  await set?.close();
  for (const sim of sims ?? []) await sim.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('/lab reset --all --at', () => {
  it('is one card two instructors approve, scheduling each lab at 23:00 on its own clock; a lab that grew asks again alone', async () => {
    const refused = expectError(
      await set.labs.dispatch({ command: '/lab', text: 'reset --all --at 23:00', caller: student }),
    );
    expect(refused.code).toBe('FORBIDDEN');

    const card = expectCard(
      await set.labs.dispatch({ command: '/lab', text: 'reset --all --at 23:00', caller: prof }),
    );
    expect(card.plan.locks).toEqual([]);
    expect(card.approval.required).toBe(2);
    expect(card.plan.impact).toEqual([
      expect.stringMatching(/^lab1: .*, at 2026-11-28 23:00 Asia\/Seoul$/),
      expect.stringMatching(/^lab2: .*, at 2026-11-28 23:00 Europe\/Berlin$/),
    ]);
    const home = set.labs.get(card.job.lab)!;
    await set.labs.click(card.approval.id, { ...prof, principal: 'slack:UPROF2' }, 'approve');
    const click = await set.labs.click(card.approval.id, { ...prof, principal: 'slack:UPROF3' }, 'approve');
    expect(click.outcome, click.message).toBe('approved');
    const armed = await home.executor.whenFinished(card.job.id);
    expect(armed?.status, armed?.error).toBe('succeeded');
    const entries = (await set.store.listState('schedule:')).map((e) => e.value as ScheduleRecord);
    expect(entries.map((s) => [s.lab, new Date(s.next).toISOString()]).sort()).toEqual([
      ['lab1', '2026-11-28T14:00:00.000Z'],
      ['lab2', '2026-11-28T22:00:00.000Z'],
    ]);
    // Each lab lists its own part.
    expect((await set.labs.get('lab2')!.jobs.schedules()).map((s) => s.command)).toEqual(['/lab reset']);

    // Seoul's 23:00 comes first; meanwhile lab1's hyper2 merely went into maintenance: it runs.
    const hyper2 = await sims[0]!.client.findHost('hyper2');
    await sims[0]!.client.deactivateHost(hyper2.id);
    await sims[0]!.client.waitForHostStatus(hyper2.id, ['maintenance']);
    clock.now = Date.parse('2026-11-28T14:00:00Z');
    await Promise.all(['lab1', 'lab2'].map((lab) => set.labs.get(lab)!.schedules.tick()));
    expect(notices.map((n) => [n.lab, renderEnglish(n.text)])).toEqual([
      ['lab1', expect.stringMatching(/\/lab reset runs now as job job-\w+\.$/)],
    ]);
    const jobId = /as job (job-\w+)/.exec(renderEnglish(notices[0]!.text))![1]!;
    expect((await set.labs.whenFinished(jobId))?.status).toBe('succeeded');
    expect((await sims[0]!.client.findHost('hyper2')).status).toBe('up');

    // Berlin's: lab2 has a domain to remove that the card did not show, so lab2 alone asks again.
    notices.length = 0;
    await addActiveSpareDomain(sims[1]!.client);
    clock.now = Date.parse('2026-11-28T22:00:00Z');
    await set.labs.get('lab2')!.schedules.tick();
    expect(notices).toHaveLength(1);
    expect(notices[0]!.lab).toBe('lab2');
    expect(renderEnglish(notices[0]!.text)).toMatch(/did not run, because/);
    expect(notices[0]!.card?.job.lab).toBe('lab2');
    expect(await set.store.listState('schedule:')).toEqual([]);
  });
});
