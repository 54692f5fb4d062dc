import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderEnglish } from '../../src/i18n/render.js';
import { createLabs, type LabSet } from '../../src/lab.js';
import { runShell } from '../../src/shell/shell.js';
import { readHomeAlerts, renderHomeAlerts } from '../../src/slack/alert-home.js';
import { readAll } from '../slack/read-blocks.js';
import { getTestEngineOptions, type SimLab, startSimLab } from '../support/engine.js';

let sim: SimLab;
let set: LabSet;
let dir: string;

beforeAll(async () => {
  sim = await startSimLab();
  dir = mkdtempSync(join(tmpdir(), 'labops-watch-shell-'));
  set = await createLabs({
    labs: [{ kind: 'simulated', simulator: sim.sim, events: { notify: ['host_down', 'storage_down'] } }],
    store: { path: join(dir, 'labops.db') },
    engine: getTestEngineOptions(sim.sim),
  });
  await set.labs.start();
});
afterAll(async () => {
  await set?.close();
  await sim?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('lab events in the shell and on App Home (issue 15 §1)', () => {
  it('prints them as they come; a lab with no channel keeps them for App Home; kinds not listed are not told', async () => {
    const input = new PassThrough();
    const output = new PassThrough();
    let text = '';
    output.on('data', (chunk: Buffer) => {
      text += chunk.toString('utf8');
    });
    const done = runShell({ labs: set.labs, input, output, interactive: false, clock: () => Date.now() });
    const watcher = set.labs.watchers.get('default')!;
    expect(watcher.channel).toBeUndefined();
    expect(await watcher.tick()).toBe('started');
    sim.sim.knobs.makeHostNonResponsive('hyper2');
    // lab.yml's `events.notify` leaves migrations out.
    sim.sim.knobs.failMigration('web1');
    try {
      expect(await watcher.tick()).toBe('polled');
      input.end();
      expect(await done).toBe(0);
      const lines = text.split('\n');
      const at = lines.findIndex((l) => l.startsWith('lab event (default): '));
      expect(lines[at]).toMatch(
        /^lab event \(default\): \d\d:\d\d(:\d\d)? hyper2 is non_responsive: the engine cannot reach its vdsm$/,
      );
      expect(lines.slice(at + 1)).toContain(
        '    The engine: Host hyper2 is non responsive. (event 12, VDS_FAILURE)',
      );
      expect(lines.slice(at + 1)).toContain('    → Maintenance for hyper2: /host maintenance hyper2');
      expect(text).not.toContain('web1');

      const home = await readHomeAlerts(set.labs, 'default');
      expect(home.map((a) => renderEnglish(a.text))).toEqual([
        'hyper2 is non_responsive: the engine cannot reach its vdsm',
      ]);
      expect(readAll(renderHomeAlerts(home, { locale: 'ko' }))).toContain('최근 실습 환경 이벤트');
    } finally {
      sim.sim.knobs.reconnectHost('hyper2');
    }
  });
});
