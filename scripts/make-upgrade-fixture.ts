/**
 * Writes test/fixtures/upgrade-v4/labops.db with the code of the PREVIOUS schema version (issue 12
 * §7): run it against a worktree of the release before migration 5, through that release's own
 * test harness, so the file is what that labops really wrote.
 *
 *   git worktree add --detach /tmp/prev 0bb9135
 *   ln -s "$PWD/node_modules" /tmp/prev/node_modules
 *   npx tsx scripts/make-upgrade-fixture.ts /tmp/prev test/fixtures/upgrade-v4/labops.db
 *
 * It drives the simulated lab as a user would: `/host maintenance hyper1` left pending for an
 * approver, `/host maintenance hyper2` approved by alice and succeeded, `/host activate hyper2`
 * confirmed and failed on the engine's 500s, every step and audit row as that labops wrote them.
 * Only the old code is imported (by path, from the worktree), so nothing here depends on today's.
 */
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

interface Caller {
  principal: string;
  channel: string;
  groups: string[];
}
interface Card {
  job: { id: string };
  approval: { id: string; risk: string };
}
type Dispatched = { kind: 'card'; card: Card } | { kind: string };
interface OldCore {
  labops: {
    dispatch(request: { command: string; text: string; caller: Caller }): Promise<Dispatched>;
    click(approvalId: string, by: Caller, decision: 'approve' | 'deny'): Promise<{ outcome: string }>;
    executor: { whenFinished(jobId: string): Promise<{ status: string; error?: string } | undefined> };
  };
  lab: { sim: { knobs: { injectFault(spec: object): void; clearFaults(): void } } };
  clock: { now: number };
  dbPath: string;
  close(): Promise<void>;
}

const [rootArg, outArg] = process.argv.slice(2);
if (!rootArg || !outArg) {
  process.stderr.write('usage: npx tsx scripts/make-upgrade-fixture.ts OLD_WORKTREE OUT_FILE\n');
  process.exit(2);
}
const root = resolve(rootArg);
const out = resolve(outArg);
if (existsSync(out)) {
  process.stderr.write(`${out} exists; remove it first.\n`);
  process.exit(2);
}

async function importOld<T>(path: string): Promise<T> {
  return (await import(pathToFileURL(join(root, path)).href)) as T;
}

const { startCore, shellCaller } = await importOld<{
  startCore(options: { dbDir: string }): Promise<OldCore>;
  shellCaller(name: string): Caller;
}>('test/support/core.ts');
const { SCHEMA_VERSION } = await importOld<{ SCHEMA_VERSION: number }>('src/store/migrations.ts');
const Database = (
  await importOld<{ default: typeof import('better-sqlite3') }>('node_modules/better-sqlite3/lib/index.js')
).default;

function expectCard(result: Dispatched, what: string): Card {
  if (result.kind !== 'card' || !('card' in result))
    throw new Error(`${what}: expected a card, got ${result.kind}`);
  return result.card;
}

const dir = mkdtempSync(join(tmpdir(), 'labops-upgrade-fixture-'));
try {
  const core = await startCore({ dbDir: dir });
  const operator = shellCaller('operator');
  const alice = shellCaller('alice');
  try {
    // Proposed first, against the seed lab, so a fresh simulator still matches its fingerprint.
    const pending = expectCard(
      await core.labops.dispatch({ command: '/host', text: 'maintenance hyper1', caller: operator }),
      'maintenance hyper1',
    );

    core.clock.now += 60_000;
    const done = expectCard(
      await core.labops.dispatch({ command: '/host', text: 'maintenance hyper2', caller: operator }),
      'maintenance hyper2',
    );
    const approved = await core.labops.click(done.approval.id, alice, 'approve');
    if (approved.outcome !== 'approved') throw new Error(`approve: ${approved.outcome}`);
    const succeeded = await core.labops.executor.whenFinished(done.job.id);
    if (succeeded?.status !== 'succeeded') throw new Error(`maintenance hyper2: ${succeeded?.status}`);

    core.clock.now += 60_000;
    const broken = expectCard(
      await core.labops.dispatch({ command: '/host', text: 'activate hyper2', caller: operator }),
      'activate hyper2',
    );
    core.lab.sim.knobs.injectFault({
      kind: 'server-error',
      status: 500,
      method: 'POST',
      path: /\/hosts\/[^/]+\/activate$/,
      count: Number.POSITIVE_INFINITY,
    });
    const confirmed = await core.labops.click(broken.approval.id, operator, 'approve');
    if (confirmed.outcome !== 'approved') throw new Error(`confirm: ${confirmed.outcome}`);
    const failed = await core.labops.executor.whenFinished(broken.job.id);
    if (failed?.status !== 'failed') throw new Error(`activate hyper2: ${failed?.status}`);
    core.lab.sim.knobs.clearFaults();

    process.stdout.write(
      `${JSON.stringify({
        schemaVersion: SCHEMA_VERSION,
        pending: { approval: pending.approval.id, job: pending.job.id },
        succeeded: done.job.id,
        failed: broken.job.id,
        lastClock: core.clock.now,
        failedError: failed.error,
      })}\n`,
    );
  } finally {
    await core.close();
  }
  // The file as that labops left it after a clean stop: its WAL checkpointed into it on close.
  if (existsSync(join(dir, 'labops.db-wal'))) throw new Error('the WAL was not checkpointed');
  const db = new Database(join(dir, 'labops.db'), { readonly: true });
  const version = db.pragma('user_version', { simple: true });
  db.close();
  if (version !== SCHEMA_VERSION)
    throw new Error(`the store reads version ${version}, not ${SCHEMA_VERSION}`);
  mkdirSync(dirname(out), { recursive: true });
  copyFileSync(join(dir, 'labops.db'), out);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
