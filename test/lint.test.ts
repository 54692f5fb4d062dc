import { spawnSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from './support/processes.js';

/** Lints a file placed in the tree for the moment (Biome's rules are per folder), then removes it. */
function lintProbe(folder: string, source: string): string {
  const path = join(REPO_ROOT, folder, `zz-lint-probe-${process.pid}.ts`);
  writeFileSync(path, source);
  try {
    const result = spawnSync(join(REPO_ROOT, 'node_modules', '.bin', 'biome'), ['lint', path], {
      encoding: 'utf8',
    });
    return `${result.stdout}${result.stderr}`;
  } finally {
    rmSync(path, { force: true });
  }
}

describe('the house rule: commands and approvals reach the world only through their context', () => {
  const probe = [
    "import { App } from '@slack/bolt';",
    "import { request } from 'undici';",
    "import { Client } from 'ssh2';",
    'export const all = [App, request, Client];',
    '',
  ].join('\n');

  it.each(['commands', 'approvals'])('refuses Bolt, undici and ssh2 in %s/', (folder) => {
    const output = lintProbe(folder, probe);
    expect(output.match(/lint\/style\/noRestrictedImports/g)).toHaveLength(3);
    expect(output).toContain('only through their context');
  });

  it('allows them in the adapters', () => {
    expect(lintProbe('src', probe)).not.toContain('noRestrictedImports');
  });
});
