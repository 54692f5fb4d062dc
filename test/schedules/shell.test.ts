import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLabs, type LabSet } from '../../src/lab.js';
import { runShell } from '../../src/shell/shell.js';
import { getTestEngineOptions, type SimLab, startSimLab } from '../support/engine.js';

let sim: SimLab;
let set: LabSet;
let dir: string;
const clock = { now: Date.parse('2026-11-28T10:00:00Z') };

beforeAll(async () => {
  sim = await startSimLab();
  dir = mkdtempSync(join(tmpdir(), 'labops-schedule-shell-'));
  set = await createLabs({
    labs: [{ kind: 'simulated', simulator: sim.sim, info: { timeZone: 'Asia/Seoul' } }],
    store: { path: join(dir, 'labops.db') },
    engine: getTestEngineOptions(sim.sim),
    clock: () => clock.now,
  });
  await set.labs.start();
});
afterAll(async () => {
  await set?.close();
  await sim?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** A shell fed line by line: each line's output is waited for before the next is chosen. */
function openShell() {
  const input = new PassThrough();
  const output = new PassThrough();
  let text = '';
  output.on('data', (chunk: Buffer) => {
    text += chunk.toString('utf8');
  });
  const done = runShell({ labs: set.labs, input, output, interactive: false, clock: () => clock.now });
  return {
    get text() {
      return text;
    },
    /** Sends a line and waits until the output shows `until`. */
    async send(line: string, until: RegExp): Promise<RegExpMatchArray> {
      const from = text.length;
      input.write(`${line}\n`);
      for (let i = 0; i < 400; i++) {
        const found = until.exec(text.slice(from));
        if (found) return found;
        await new Promise((resolve) => setImmediate(resolve));
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      throw new Error(`no ${until} after ${line}:\n${text.slice(from)}`);
    },
    async end(): Promise<number> {
      input.end();
      return done;
    },
  };
}

describe('scheduled work in the shell', () => {
  it('confirms `/lab doctor --every 1h`, lists it in /lab jobs, and cancels it with /lab cancel', async () => {
    const shell = openShell();
    const card = await shell.send('/lab doctor --every 1h', /Confirm: shell:operator/);
    expect(card.input).toContain('/lab doctor every 1h, first at 2026-11-28 20:00 Asia/Seoul');
    const armed = await shell.send('approve', /Scheduled as (sch-[0-9a-f]{4}): it runs at ([^.]+)\./);
    const id = armed[1]!;
    expect(armed[2]).toBe('2026-11-28 20:00 Asia/Seoul');

    const listed = await shell.send('/lab jobs', /Scheduled[\s\S]*?(sch-[0-9a-f]{4}) ([^\n]+)/);
    expect(listed[1]).toBe(id);
    expect(listed[2]).toBe(
      '/lab doctor — every 1h, next 2026-11-28 20:00 Asia/Seoul · confirmed by shell:operator',
    );

    // Carol is neither its requester nor an approver in the simulated lab's policy.
    await shell.send('as carol', /shell:carol/);
    const refused = await shell.send(`/lab cancel ${id}`, /may not cancel schedule [^\n]+/);
    expect(refused[0]).toContain('only its requester (shell:operator)');
    await shell.send('as operator', /shell:operator/);
    const cancelled = await shell.send(
      `/lab cancel ${id}`,
      /Schedule (sch-\w+) cancelled: \/lab doctor will not run again/,
    );
    expect(cancelled[1]).toBe(id);
    expect((await set.store.listAudit(5)).map((e) => [e.type, e.actor])).toContainEqual([
      'schedule:cancelled',
      'shell:operator',
    ]);
    const after = await shell.send('/lab jobs', /Recent[\s\S]*$/);
    expect(after.input).not.toContain(id);

    // Its time comes: nothing runs, nothing is said.
    clock.now += 60 * 60_000;
    const before = shell.text.length;
    await set.labs.first.schedules.tick();
    expect(shell.text.slice(before)).toBe('');
    expect(await set.store.listState('schedule:')).toEqual([]);
    // A refused cancel is an answer, not a failure: the session ends well.
    expect(await shell.end()).toBe(0);
  });
});
