import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/sqlite-store.js';
import { cleanEnv, MAIN, spawnTs, waitForLine } from '../support/processes.js';

describe('SIGTERM to the shell', () => {
  let dir: string | undefined;
  afterEach(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  // Found by `npm run chaos` (process mode): the shell died at once and left its job "running".
  it('stops a running job and records how it ended, then exits with 143', async () => {
    dir = mkdtempSync(join(tmpdir(), 'labops-sigterm-'));
    const child = spawnTs(MAIN, [], { cwd: dir, env: cleanEnv({ LABOPS_DATA_DIR: dir }) });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    // The input stays open: only the signal ends the conversation.
    child.stdin?.write('/host maintenance hyper1\nas alice\napprove\n');
    await waitForLine(child, /approved by shell:alice; job job-[0-9a-f]{4} runs/);
    child.kill('SIGTERM');
    expect(await exited).toBe(143);

    const store = openStore({ path: join(dir, 'labops.db'), readOnly: true });
    try {
      const [job] = await store.listJobs();
      expect(job?.command).toBe('host maintenance');
      // Cancelled by the stop, or finished just before it: never left running for the next start.
      expect(['cancelled', 'succeeded']).toContain(job?.status);
      expect(
        (await store.listAudit(50)).some((e) => e.type === `job:${job?.status}` && e.jobId === job?.id),
      ).toBe(true);
      expect(await store.listLocks()).toEqual([]);
    } finally {
      await store.close();
    }
  });
});
