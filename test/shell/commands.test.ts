import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type HttpSource, startHttpSource } from '../support/http-source.js';
import { cleanEnv, MAIN, runToEnd, spawnTs } from '../support/processes.js';

let dir: string;
let source: HttpSource;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'labops-commands-'));
  source = await startHttpSource({ '/alma9.iso': { sizeBytes: 3 * 1024 * 1024 } });
});
afterAll(async () => {
  await source?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** A change the requester confirms, or destructive work alice approves; back to operator after. */
const confirm = ['approve'];
const byAlice = ['as alice', 'approve', 'as operator'];
const byAliceAndBob = ['as alice', 'approve', 'as bob', 'approve', 'as operator'];

describe('every command in one shell session against the simulated lab', () => {
  it('runs the whole transcript, every job succeeding', async () => {
    const lines = [
      '/lab help',
      '/lab status',
      '/lab doctor',
      '/host status',
      '/host status hyper1',
      '/host trust hyper1',
      ...confirm,
      '/host prepare hyper1',
      ...confirm,
      '/host maintenance hyper2 --reason "kernel update"',
      ...byAlice,
      '/host activate hyper2',
      ...confirm,
      '/host remove hyper2',
      ...byAlice,
      '/host add hyper2 hyper2.abc.local',
      ...confirm,
      '/storage status',
      '/storage prepare',
      ...confirm,
      '/storage detach nfs-iso',
      ...byAlice,
      '/storage remove nfs-iso',
      ...byAlice,
      '/storage clean iso',
      ...byAlice,
      '/storage attach nfs-iso --type iso --path ovirt.abc.local:/export/iso',
      ...confirm,
      '/storage fix-permissions',
      ...confirm,
      '/iso list',
      `/iso upload ${source.url('/alma9.iso')}`,
      ...confirm,
      `/iso upload ${source.url('/alma9.iso')} --domain nfs-iso --name CentOS-7.iso`,
      ...confirm,
      '/iso attach web1 alma9.iso',
      ...confirm,
      '/lab reset --dry-run',
      '/lab reset',
      ...byAliceAndBob,
      '/host maintenance hyper1',
    ];
    const env = cleanEnv({ LABOPS_DATA_DIR: join(dir, 'data') });
    const first = await runToEnd(spawnTs(MAIN, [], { cwd: dir, env }), `${lines.join('\n')}\n`);
    expect(first.stderr).toBe('');
    expect(first.code, first.stdout).toBe(0);
    const out = first.stdout;
    const expectations = [
      '/host maintenance HOST [--reason TEXT]',
      'Lab status — SIMULATED LAB',
      'Lab doctor — SIMULATED LAB',
      'hyper1  up · SPM  2 VMs',
      "hyper1's key SHA256:",
      "The engine's SSH key in /root/.ssh/authorized_keys",
      'hyper2 is in maintenance with no VMs',
      'hyper2 is up',
      'hyper2 is gone from the engine',
      'nfs-data  active  data master',
      'nfs-server enabled and running',
      'nfs-iso is unattached',
      'nfs-iso is gone from the engine',
      'Remove 1 entr',
      'nfs-iso is active',
      'Everything in /export/data owned 36:36',
      'alma9.iso is in nfs-data: status ok',
      'CentOS-7.iso is listed in nfs-iso',
      'Insert alma9.iso into web1',
      'Dry run: Reset the lab to its baseline',
      'Make sure nfs-iso is attached and active',
    ];
    for (const text of expectations) expect(out, `missing: ${text}`).toContain(text);
    const succeeded = out.match(/✔ job-[0-9a-f]{4} succeeded/g) ?? [];
    expect(succeeded.length).toBe(16);
    expect(out).not.toMatch(/✘ job-/);
    const waiting = /┌ a\d+ · \/host maintenance hyper1\n(?:.*\n){2}.*job (job-[0-9a-f]{4})/.exec(out)?.[1];
    expect(waiting).toBeDefined();

    // The same database after a restart: the waiting card is still there, and can be cancelled.
    const second = await runToEnd(
      spawnTs(MAIN, [], { cwd: dir, env }),
      ['/lab jobs', `/lab cancel ${waiting}`, '/lab audit 5', ''].join('\n'),
    );
    expect(second.code, second.stdout).toBe(0);
    expect(second.stdout).toContain(`${waiting}  /host maintenance hyper1 — awaiting approval`);
    expect(second.stdout).toContain(`${waiting} was waiting; it is cancelled and will not run.`);
    expect(second.stdout).toMatch(/job:cancelled shell:operator job-/);
  });
});
