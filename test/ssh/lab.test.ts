import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { cleanEnv, spawnTs, waitForLine } from '../support/processes.js';
import { listHostProcesses, sweepStaleLabs, useSshLab, waitUntil } from '../support/ssh-lab.js';

const CHILD = fileURLToPath(new URL('../support/ssh-lab-child.ts', import.meta.url));
const lab = useSshLab();

/** Alive: present and not a zombie (this machine's init may be slow to reap orphans). */
function isAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

async function listNetns(): Promise<string[]> {
  const { stdout } = await promisify(execFile)('ip', ['netns', 'list']);
  return stdout.split('\n').map((line) => line.split(' ')[0] ?? '');
}

describe('the SSH lab', () => {
  it('isolates each host: its own hostname, root and processes; the machine’s files untouched', async () => {
    const names = lab().hosts.map((h) => h.name);
    expect(names).toEqual(['hyper1', 'hyper2', 'storage']);
    for (const host of lab().hosts) {
      expect((await listHostProcesses(lab(), host.name)).some((p) => p.startsWith('sshd:'))).toBe(true);
    }
    expect(lab().prefix).toMatch(/^lops[0-9a-z]{3}$/);
    expect(existsSync('/export/data/.__DIRECT_IO_TEST__')).toBe(false);
  });

  it('sweeps the namespaces and servers of a run that was killed', async () => {
    const child = spawnTs(CHILD, [], { cwd: process.cwd(), env: cleanEnv() });
    const [line = ''] = (await waitForLine(child, /^\{"prefix"/)).slice(-1);
    const stale = JSON.parse(line) as { prefix: string; pids: number[] };
    child.kill('SIGKILL');
    await new Promise((resolve) => child.on('exit', resolve));
    expect((await listNetns()).filter((ns) => ns.startsWith(`${stale.prefix}-`))).toHaveLength(3);

    const swept = await sweepStaleLabs();
    expect(swept).toContain(stale.prefix);
    expect((await listNetns()).filter((ns) => ns.startsWith(`${stale.prefix}-`))).toEqual([]);
    await waitUntil(() => stale.pids.every((pid) => !isAlive(pid)), 2000, 'the stale servers to end');
    // The lab of this run is alive and kept.
    expect(swept).not.toContain(lab().prefix);
    expect((await listNetns()).filter((ns) => ns.startsWith(`${lab().prefix}-`))).toHaveLength(
      lab().mode === 'netns' ? 3 : 0,
    );
  }, 20_000);
});
