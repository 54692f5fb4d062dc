import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { renderText } from '../../src/i18n/render.js';
import { openStore } from '../../src/store/sqlite-store.js';
import { cleanEnv, MAIN, runToEnd, spawnTs, waitForLine } from '../support/processes.js';

const CHILD = fileURLToPath(new URL('../support/barrier-child.ts', import.meta.url));

describe('a restart after labops was killed in the middle of a job', () => {
  let dir: string | undefined;
  afterEach(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('refuses a second bot while the first lives, then marks its running job interrupted and reports it, keeps the pending approval working, runs nothing twice', async () => {
    dir = mkdtempSync(join(tmpdir(), 'labops-restart-'));
    const child = spawnTs(CHILD, [dir], { cwd: dir, env: cleanEnv() });
    const lines = await waitForLine(child, /^at-barrier$/);
    const pending = lines.find((l) => l.startsWith('pending '))?.split(' ');
    expect(pending).toHaveLength(3);
    const [, approvalId, pendingJob] = pending as [string, string, string];

    // A second bot on the same data directory stops at once, touching nothing (issue 10 §4).
    const second = await runToEnd(
      spawnTs(MAIN, [], { cwd: dir, env: cleanEnv({ LABOPS_DATA_DIR: dir }) }),
      '/lab jobs\nquit\n',
    );
    expect(second.code).toBe(2);
    expect(second.stderr).toContain(
      `labops is already running with this data directory (pid ${child.pid}): ${dir}.`,
    );
    expect(second.stderr).toMatch(/^Hint: .*Stop the other one/m);
    expect(second.stderr).not.toMatch(/\n\s+at /);
    expect(second.stdout).toBe('');
    // Reading beside it still works, and read nothing but the truth: the job is still running.
    const audit = await runToEnd(
      spawnTs(MAIN, ['--export-audit'], { cwd: dir, env: cleanEnv({ LABOPS_DATA_DIR: dir }) }),
      '',
    );
    expect(audit.stderr).toBe('');
    expect(audit.code).toBe(0);
    expect(audit.stdout).toContain('"type":"job:started"');
    expect(audit.stdout).not.toContain('job:interrupted');
    const seen = openStore({ path: join(dir, 'labops.db'), readOnly: true });
    try {
      expect((await seen.getJob('job-barr'))?.status).toBe('running');
      expect((await seen.listSteps('job-barr')).map((s) => s.status)).toEqual(['running', 'pending']);
      expect((await seen.listLocks()).map((l) => [l.key, l.jobId])).toContainEqual([
        'host:hyper1',
        'job-barr',
      ]);
    } finally {
      await seen.close();
    }

    const exited = new Promise((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
    child.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');

    // The same database, a new process: the real `npm start` entry point. The killed owner's
    // lock went with it; its pid file, left behind, does not block the start.
    const script = ['as alice', `approve ${approvalId}`, '/lab jobs', 'quit'].join('\n');
    const result = await runToEnd(
      spawnTs(MAIN, [], { cwd: dir, env: cleanEnv({ LABOPS_DATA_DIR: dir }) }),
      `${script}\n`,
    );
    expect(result.stderr).toBe('');
    expect(result.stdout).toMatch(/job-barr \/lab test was interrupted/);
    // Its target re-read at the start: the barrier sent no write, so hyper1 is as it was.
    expect(result.stdout).toContain(
      'job-barr was interrupted. Re-read after the restart: Nothing was changed.',
    );
    expect(result.stdout).toContain(`Pending approvals: ${approvalId}`);
    expect(result.stdout).toContain(`${approvalId} approved by shell:alice; job ${pendingJob} runs.`);
    expect(result.stdout).toContain(`✔ ${pendingJob} succeeded`);
    expect(result.code).toBe(0);

    const store = openStore({ path: join(dir, 'labops.db') });
    try {
      const interrupted = await store.getJob('job-barr');
      expect(interrupted?.status).toBe('interrupted');
      // Its error and the re-read after the restart, as a Korean reader sees them (issue 16).
      expect(renderText('ko', interrupted!.errorText!)).toBe(
        '이 작업이 실행되는 동안 labops가 멈췄습니다. 작업을 다시 이어 하지 않았습니다. 다시 시작한 뒤 다시 읽음: 바뀐 것은 없습니다.',
      );
      expect(interrupted?.error).toBe(
        'labops stopped while this job was running; it was not resumed. Re-read after the restart: Nothing was changed.',
      );
      expect((await store.listSteps('job-barr')).map((s) => s.status)).toEqual(['unknown', 'pending']);
      expect((await store.getJob(pendingJob))?.status).toBe('succeeded');
      const starts = (await store.listAudit(100)).filter((e) => e.type === 'job:started');
      expect(starts.map((e) => e.jobId).sort()).toEqual(['job-barr', pendingJob].sort());
      expect(await store.listLocks()).toEqual([]);
    } finally {
      await store.close();
    }
  }, 60_000);
});
