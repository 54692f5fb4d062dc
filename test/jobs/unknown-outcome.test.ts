import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { LabopsError } from '../../src/errors.js';
import { verbatim } from '../../src/i18n/text.js';
import { defineStep } from '../../src/jobs/steps.js';
import type { StepSpec } from '../../src/plan.js';
import { type CoreHarness, startCore } from '../support/core.js';
import { queueTestJob } from '../support/jobs.js';

let core: CoreHarness;
afterEach(async () => {
  await core?.close();
});

describe('a step whose outcome is unknown', () => {
  it('records a step whose outcome is unknown as unknown, also when its timeout stopped it', async () => {
    core = await startCore({
      extraSteps: [
        defineStep({
          kind: 'test.lost',
          params: z.object({}),
          run: async () => {
            throw new LabopsError(
              'OUTCOME_UNKNOWN',
              verbatim('The connection was lost; the command may still run.'),
            );
          },
        }),
        defineStep({
          kind: 'test.stuck',
          params: z.object({}),
          // The command would not stop after TERM: the runner gives its outcome up as unknown.
          run: (ctx) =>
            new Promise((_, reject) =>
              ctx.signal.addEventListener('abort', () =>
                reject(new LabopsError('OUTCOME_UNKNOWN', verbatim('It did not stop after TERM.'))),
              ),
            ),
        }),
        defineStep({ kind: 'test.ok', params: z.object({}), run: async () => ({ status: 'ok' }) }),
      ],
    });
    const { store, labops } = core;
    const queue = (id: string, steps: StepSpec[]) =>
      queueTestJob(store, { id, steps, createdAt: core.clock.now });
    await queue('job-lost', [
      { kind: 'test.lost', title: verbatim('Lose it'), params: {} },
      { kind: 'test.ok', title: verbatim('After'), params: {} },
    ]);
    const lost = await labops.executor.run('job-lost');
    expect(lost.status).toBe('failed');
    expect(lost.error).toContain('Step 1 (Lose it) has an unknown outcome');
    expect((await store.listSteps('job-lost')).map((s) => s.status)).toEqual(['unknown', 'skipped']);

    await queue('job-stuck', [{ kind: 'test.stuck', title: verbatim('Hang'), params: {}, timeoutMs: 20 }]);
    const stuck = await labops.executor.run('job-stuck');
    expect(stuck.error).toContain('Step 1 (Hang) has an unknown outcome');
    expect((await store.listSteps('job-stuck'))[0]).toMatchObject({ status: 'unknown' });
  });
});
