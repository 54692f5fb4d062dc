import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from './support/processes.js';

/**
 * Biome's rules are per folder, so the probes need the project's folder layout. They get it in a
 * temporary copy — the project's own biome.json and the folders named — never in the tree: a run
 * killed midway leaves nothing for `npm run lint` to trip on.
 */
let root: string;
beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'labops-lint-'));
  copyFileSync(join(REPO_ROOT, 'biome.json'), join(root, 'biome.json'));
  for (const folder of ['commands', 'approvals', 'src']) mkdirSync(join(root, folder));
});
afterAll(() => {
  if (root) rmSync(root, { recursive: true, force: true });
});

function lintProbe(folder: string, source: string): { status: number | null; output: string } {
  const path = join(folder, 'probe.ts');
  writeFileSync(join(root, path), source);
  const result = spawnSync(join(REPO_ROOT, 'node_modules', '.bin', 'biome'), ['lint', path], {
    cwd: root,
    encoding: 'utf8',
  });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

describe('the house rule: commands and approvals reach the world only through their context', () => {
  const probe = [
    "import { App } from '@slack/bolt';",
    "import { request } from 'undici';",
    "import { Client } from 'ssh2';",
    'export const all = [App, request, Client];',
    '',
  ].join('\n');

  it('probes outside the repository', () => {
    expect(relative(REPO_ROOT, root).startsWith('..')).toBe(true);
  });

  it.each(['commands', 'approvals'])('refuses Bolt, undici and ssh2 in %s/', (folder) => {
    const { status, output } = lintProbe(folder, probe);
    expect(status).toBe(1);
    expect(output.match(/lint\/style\/noRestrictedImports/g)).toHaveLength(3);
    expect(output).toContain('only through their context');
  });

  it('allows them in the adapters', () => {
    const { status, output } = lintProbe('src', probe);
    // Linted, not skipped: the copied configuration covers the probe.
    expect(output).toContain('Checked 1 file');
    expect(output).not.toContain('noRestrictedImports');
    expect(status).toBe(0);
  });
});
