/**
 * Upgrades keep state (issue 12 §7): test/fixtures/upgrade-v4/labops.db was written by the release
 * before migration 5 (scripts/make-upgrade-fixture.ts, run against commit 0bb9135). This labops
 * opens a copy of it — never the committed file — upgrades it (migrations 5 and 6: its rows become
 * the 'default' lab's, issue 13 §2), keeps its history and lets its pending card be decided.
 */
import { createHash } from 'node:crypto';
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { isLabopsError } from '../../src/errors.js';
import { renderText } from '../../src/i18n/render.js';
import { SCHEMA_VERSION } from '../../src/store/migrations.js';
import { openStore } from '../../src/store/sqlite-store.js';
import { type CoreHarness, shellCaller, startCore } from '../support/core.js';
import { viewText } from '../support/dispatch.js';
import { cleanEnv, MAIN, runToEnd, spawnTs } from '../support/processes.js';

const FIXTURE = fileURLToPath(new URL('../fixtures/upgrade-v4/labops.db', import.meta.url));
/** When the fixture's last row was written (its injected clock): its pending card is still due then. */
const FIXTURE_LAST_AT = Date.parse('2026-11-28T10:02:00Z');
/** The schema version that wrote the fixture. */
const FIXTURE_VERSION = 4;

function hashFixture(): string {
  return createHash('sha256').update(readFileSync(FIXTURE)).digest('hex');
}

function readUserVersion(path: string): number {
  const db = new Database(path, { readonly: true, fileMustExist: true });
  try {
    return db.pragma('user_version', { simple: true }) as number;
  } finally {
    db.close();
  }
}

let fixtureHash: string;
let dir: string;
let dbPath: string;
let core: CoreHarness | undefined;

beforeAll(() => {
  fixtureHash = hashFixture();
});

afterAll(() => {
  // Every test worked on a copy: the committed file is as it was.
  expect(hashFixture()).toBe(fixtureHash);
});

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'labops-upgrade-'));
  dbPath = join(dir, 'labops.db');
  copyFileSync(FIXTURE, dbPath);
});

afterEach(async () => {
  await core?.close();
  core = undefined;
  rmSync(dir, { recursive: true, force: true });
});

describe('a store written by an older schema version', () => {
  it('is that version, and reading it without upgrading says how to upgrade', async () => {
    expect(readUserVersion(dbPath)).toBe(FIXTURE_VERSION);
    let error: unknown;
    try {
      await openStore({ path: dbPath, readOnly: true }).close();
    } catch (caught) {
      error = caught;
    }
    expect(isLabopsError(error) && error.code).toBe('CONFIG');
    expect((error as Error).message).toBe(
      `The state store ${dbPath} has schema version ${FIXTURE_VERSION}; this labops reads version ${SCHEMA_VERSION}.`,
    );
    expect(isLabopsError(error) && error.hint).toContain('Start labops once on this data directory');
    expect(readUserVersion(dbPath)).toBe(FIXTURE_VERSION);
  });

  it('opens upgraded with its jobs, steps, approvals and audit, and its pending card still decides', async () => {
    core = await startCore({ dbDir: dir });
    expect(readUserVersion(dbPath)).toBe(SCHEMA_VERSION);
    const { store, labops } = core;

    // Job history, as the previous labops recorded it.
    const jobs = await store.listJobs();
    expect(jobs.map((j) => [j.text, j.status])).toEqual([
      ['activate hyper2', 'failed'],
      ['maintenance hyper2', 'succeeded'],
      ['maintenance hyper1', 'awaiting_approval'],
    ]);
    const [failed, succeeded, waiting] = jobs as [(typeof jobs)[0], (typeof jobs)[0], (typeof jobs)[0]];
    // Before labs had names, every row was the one lab's: 'default' (migration 6).
    expect(jobs.map((j) => j.lab)).toEqual(['default', 'default', 'default']);
    expect(await store.listJobs({ lab: 'lab1' })).toEqual([]);
    expect(failed.error).toMatch(
      /^Step 1 \(Activate hyper2\) failed: The engine failed with 500 on POST \/hosts\/[^/]+\/activate: .*Unchanged: host hyper2\.$/,
    );
    // No catalog message was stored then: the English is all there is, in either language.
    expect(renderText('en', failed.errorText!)).toBe(failed.error);
    expect(renderText('ko', failed.errorText!)).toBe(failed.error);
    expect(failed.plan.locks).toEqual(['host:hyper2']);
    const doneSteps = await store.listSteps(succeeded.id);
    expect(doneSteps.map((s) => [s.kind, s.title, s.status])).toEqual([
      ['host.deactivate', 'Put hyper2 into maintenance', 'changed'],
    ]);
    expect(renderText('ko', doneSteps[0]!.titleText)).toBe('Put hyper2 into maintenance');
    expect(doneSteps[0]?.tail.length).toBeGreaterThan(0);
    expect((await store.listSteps(failed.id)).map((s) => s.status)).toEqual(['failed']);
    const granted = await store.getApprovalForJob(succeeded.id);
    expect(granted?.status).toBe('approved');
    expect(granted?.decisions.map((d) => [d.principal, d.decision])).toEqual([['shell:alice', 'approve']]);

    // The pending card: still pending after the start-up's recovery, its lock still held.
    const card = await store.getApprovalForJob(waiting.id);
    expect(card?.status).toBe('pending');
    expect(card?.eligible).toEqual(['shell:alice', 'shell:bob', 'shell:carol']);
    expect((await store.listLocks()).map((l) => [l.lab, l.key, l.jobId])).toEqual([
      ['default', 'host:hyper1', waiting.id],
    ]);
    // `/lab jobs` shows them to a reader.
    const listed = viewText(
      await labops.dispatch({ command: '/lab', text: 'jobs', caller: shellCaller('operator') }),
    );
    expect(listed).toContain(`${waiting.id}  /host maintenance hyper1 — awaiting approval, shell:operator`);
    expect(listed).toContain(`${failed.id}  /host activate hyper2 — failed, shell:operator`);
    expect(listed).toContain(`${succeeded.id}  /host maintenance hyper2 — succeeded, shell:operator`);

    // alice approves it through the same flow a button or the shell's `approve` takes; it runs.
    core.clock.now = FIXTURE_LAST_AT + 60_000;
    const click = await labops.click(card!.id, shellCaller('alice'), 'approve');
    expect(click.outcome, click.message).toBe('approved');
    const ran = await labops.executor.whenFinished(waiting.id);
    expect(ran?.status, ran?.error).toBe('succeeded');
    expect((await store.listSteps(waiting.id)).map((s) => [s.kind, s.status])).toEqual([
      ['host.deactivate', 'changed'],
      ['datacenter.wait-up', 'ok'],
    ]);
    expect((await core.lab.client.findHost('hyper1')).status).toBe('maintenance');
    expect(await store.listLocks()).toEqual([]);

    // The audit trail: the old rows first, unchanged in order, the new ones after them.
    const audit: { seq: number; type: string; jobId?: string; lab: string | null }[] = [];
    for await (const line of store.exportAudit()) audit.push(JSON.parse(line));
    expect(audit.map((e) => e.seq)).toEqual(audit.map((_, i) => i + 1));
    // The old rows and the new ones alike are the default lab's.
    expect(new Set(audit.map((e) => e.lab))).toEqual(new Set(['default']));
    expect(audit.slice(0, 11).map((e) => [e.type, e.jobId])).toEqual([
      ['approval:requested', waiting.id],
      ['approval:requested', succeeded.id],
      ['approval:granted', succeeded.id],
      ['job:started', succeeded.id],
      ['step:finished', succeeded.id],
      ['job:succeeded', succeeded.id],
      ['approval:requested', failed.id],
      ['approval:granted', failed.id],
      ['job:started', failed.id],
      ['step:finished', failed.id],
      ['job:failed', failed.id],
    ]);
    expect(audit.slice(11).map((e) => [e.type, e.jobId])).toEqual([
      ['approval:granted', waiting.id],
      ['job:started', waiting.id],
      ['step:finished', waiting.id],
      ['step:finished', waiting.id],
      ['job:succeeded', waiting.id],
    ]);
    await core.close();
    core = undefined;

    // `npm start -- --export-audit` reads the upgraded store beside no bot: every row, oldest first.
    const exported = await runToEnd(
      spawnTs(MAIN, ['--export-audit'], { cwd: dir, env: cleanEnv({ LABOPS_DATA_DIR: dir }) }),
      '',
    );
    expect(exported.stderr).toBe('');
    expect(exported.code).toBe(0);
    const lines = exported.stdout
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line) as { type: string });
    expect(lines.map((e) => e.type)).toEqual(audit.map((e) => e.type));
  }, 30_000);

  it('is refused, untouched, by a labops older than the store (a newer schema)', async () => {
    // As a rollback meets a store the newer release upgraded: one version past what this one knows.
    const raw = new Database(dbPath);
    raw.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
    raw.close();
    const before = readFileSync(dbPath);
    const result = await runToEnd(
      spawnTs(MAIN, [], { cwd: dir, env: cleanEnv({ LABOPS_DATA_DIR: dir }) }),
      '/lab jobs\nquit\n',
    );
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain(
      `The state store ${dbPath} has schema version ${SCHEMA_VERSION + 1}, but this labops knows versions up to ${SCHEMA_VERSION}: it was written by a newer labops.`,
    );
    expect(result.stderr).toMatch(/^Hint: Run the newer labops again, or set LABOPS_DATA_DIR/m);
    expect(readFileSync(dbPath).equals(before)).toBe(true);
  }, 30_000);
});
