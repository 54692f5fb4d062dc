import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanEnv, MAIN, runToEnd, spawnTs } from '../support/processes.js';

/** `npm start` with no Slack token and no lab file: the shell against the simulated lab. */
async function runShellScript(lines: string[]) {
  return runToEnd(spawnTs(MAIN, [], { cwd: dir, env: cleanEnv() }), `${lines.join('\n')}\n`);
}

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'labops-shell-'));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('the transcript of the core issue, piped into the shell', () => {
  it('runs as described, every refusal saying why', async () => {
    const { code, stdout, stderr } = await runShellScript([
      '/host maintenance hyper1',
      'approve',
      'as alice',
      '/host maintenance hyper2',
      'approve',
      'as bob',
      'approve',
      '/host status hyper2',
    ]);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const out = stdout.split('\n');
    const at = (text: string) => {
      const index = out.findIndex((l) => l.includes(text));
      expect(index, `missing: ${text}\n${stdout}`).toBeGreaterThanOrEqual(0);
      return index;
    };
    expect(stdout).toContain('SIMULATED LAB');
    // 1. the card for operator's request
    const card1 = at('┌ a1 · /host maintenance hyper1');
    expect(at('asked by shell:operator')).toBeGreaterThan(card1);
    // 2. refused: operator is not an approver
    const refusal1 = at('✘ refused: shell:operator is not an approver of a1');
    // 3–4. alice's card
    const card2 = at('┌ a2 · /host maintenance hyper2');
    expect(card2).toBeGreaterThan(refusal1);
    expect(at('asked by shell:alice')).toBeGreaterThan(card2);
    expect(at('app1 → hyper1 (live migration)')).toBeGreaterThan(card2);
    // 5. refused: alice asked, she cannot approve it
    const refusal2 = at('✘ refused: shell:alice asked for a2 and cannot approve it');
    // 7. bob approves: it runs, hyper2's VMs migrate, the steps print
    const approved = at('✔ a2 approved by shell:bob');
    expect(approved).toBeGreaterThan(refusal2);
    expect(at('[1/1] Put hyper2 into maintenance …')).toBeGreaterThan(approved);
    expect(at('VM(s) migrating')).toBeGreaterThan(approved);
    const stepDone = at('[1/1] changed Put hyper2 into maintenance');
    expect(out[stepDone]).toContain('hyper2 is in maintenance with no VMs');
    const succeeded = at('succeeded in');
    // 8. /host status hyper2: maintenance
    const status = at('Host hyper2');
    expect(status).toBeGreaterThan(succeeded);
    expect(out[status + 1]).toBe('maintenance');
  });

  it('exits non-zero when a line is not understood, and says so', async () => {
    const { code, stdout } = await runShellScript(['/lab status', 'frobnicate', '/lab jobs']);
    expect(code).toBe(1);
    expect(stdout).toContain('Not understood: "frobnicate"');
    expect(stdout).toContain('Jobs');
  });

  it('treats a refused click as an answer, not a failure', async () => {
    const { code, stdout } = await runShellScript(['/host maintenance hyper2', 'approve', 'deny a9']);
    expect(stdout).toContain('✘ refused: shell:operator is not an approver of a1');
    expect(stdout).toContain('There is no approval a9.');
    expect(code).toBe(0);
  });

  it('stops with exit 2 and every problem listed when the configuration is wrong, contacting nothing', async () => {
    const result = await runToEnd(
      spawnTs(MAIN, [], {
        cwd: dir,
        env: cleanEnv({ LAB_CONFIG: join(dir, 'missing.yml'), SLACK_BOT_TOKEN: 'xoxb-1' }),
      }),
      '',
    );
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('missing.yml');
    expect(result.stderr).toMatch(/SLACK_APP_TOKEN|SLACK_SIGNING_SECRET/);
  });
});

describe('the audit trail of a session', () => {
  it('exports as JSON lines with every request, decision, step and result', async () => {
    const data = join(dir, 'audit-data');
    const env = cleanEnv({ LABOPS_DATA_DIR: data });
    const session = await runToEnd(
      spawnTs(MAIN, [], { cwd: dir, env }),
      ['/host maintenance hyper2', 'approve', 'as bob', 'approve', '/lab audit 3'].join('\n'),
    );
    expect(session.code).toBe(0);
    expect(session.stdout).toContain('Audit trail');
    const exported = await runToEnd(spawnTs(MAIN, ['--export-audit'], { cwd: dir, env }), '');
    expect(exported.code).toBe(0);
    const events = exported.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { type: string; actor: string });
    expect(events.map((e) => e.type)).toEqual([
      'approval:requested',
      'click:refused',
      'approval:granted',
      'job:started',
      'step:finished',
      'job:succeeded',
    ]);
    expect(events[2]?.actor).toBe('shell:bob');
  });
});
