/**
 * A labops process for the restart test: it takes the data directory named on the command line as
 * a bot does (issue 10 §4: the lock before the store), opens its database, leaves
 * an approval pending, then runs a job whose step stops at a barrier and says so on stdout. The
 * test kills it there with SIGKILL — no clean shutdown of any kind.
 */
import { z } from 'zod';
import { verbatim } from '../../src/i18n/text.js';
import { defineStep } from '../../src/jobs/steps.js';
import { lockDataDirectory } from '../../src/store/owner.js';
import { shellCaller, startCore } from './core.js';
import { queueTestJob } from './jobs.js';

const dbDir = process.argv[2];
if (!dbDir) throw new Error('usage: barrier-child DIR');
// Held until the process dies: only the kernel releases it.
lockDataDirectory(dbDir);

const barrier = defineStep({
  kind: 'test.barrier',
  params: z.object({}),
  run: async (ctx) => {
    ctx.output('holding at the barrier');
    process.stdout.write('at-barrier\n');
    await new Promise(() => undefined);
    return { status: 'changed' };
  },
});

// The simulator's files go in the test's directory: a SIGKILL leaves nothing behind in /tmp.
const core = await startCore({ extraSteps: [barrier], dbDir, realClock: true, sim: { dir: dbDir } });
const card = await core.labops.dispatch({
  command: '/host',
  text: 'maintenance hyper2',
  caller: shellCaller('operator'),
});
if (card.kind !== 'card') throw new Error('expected a card');
process.stdout.write(`pending ${card.card.approval.id} ${card.card.job.id}\n`);
const barrierSteps = [
  { kind: 'test.barrier', title: verbatim('Wait at the barrier'), params: {} },
  { kind: 'test.barrier', title: verbatim('Never reached'), params: {} },
];
await queueTestJob(core.store, { id: 'job-barr', steps: barrierSteps, locks: ['host:hyper1'] });
await core.labops.executor.run('job-barr');
