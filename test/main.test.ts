import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanEnv, MAIN, runToEnd, spawnTs } from './support/processes.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'labops-main-'));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** `npm start -- ARGS` in a directory without a lab file, in the given locale environment. */
function start(args: string[], env: Record<string, string> = {}, input = '') {
  const child = spawnTs(MAIN, args, {
    cwd: dir,
    env: cleanEnv({ LC_ALL: '', LC_MESSAGES: '', LANG: 'C.UTF-8', ...env }),
  });
  return runToEnd(child, input);
}

const KO = { LANG: 'ko_KR.UTF-8' };
/** Each test starts labops as `npm start` does, up to three at once. */
const SPAWN_TIMEOUT_MS = 60_000;

describe('what main prints before any lab is chosen (issue 16 §2)', () => {
  it(
    'refuses a --lang it does not speak with exit 2, in English, naming ko and en',
    async () => {
      const { code, stdout, stderr } = await start(['--lang', 'xx'], KO);
      expect(code).toBe(2);
      expect(stdout).toBe('');
      expect(stderr).toBe('--lang xx is not a language labops speaks.\nHint: Use --lang en or --lang ko.\n');
    },
    SPAWN_TIMEOUT_MS,
  );

  it(
    'prints configuration problems in the shell’s language: LANG, or --lang over it',
    async () => {
      const [korean, english, french] = await Promise.all([
        start([], { ...KO, SLACK_BOT_TOKEN: 'xoxb-1-2-secret' }),
        start(['--lang=en'], { ...KO, SLACK_BOT_TOKEN: 'xoxb-1-2-secret' }),
        // A language labops does not speak leaves English.
        start([], { LANG: 'fr_FR.UTF-8', PORT: 'eighty' }),
      ]);
      expect(korean.code).toBe(2);
      expect(korean.stderr.split('\n')).toEqual([
        '설정에 문제가 1개 있습니다(환경 변수):',
        '  - SLACK_BOT_TOKEN: SLACK_APP_TOKEN이나 SLACK_SIGNING_SECRET 없이 설정되어 있습니다 — Socket Mode를 쓰려면 SLACK_APP_TOKEN을, HTTP를 쓰려면 SLACK_SIGNING_SECRET을 설정하고, 셸을 쓰려면 SLACK_BOT_TOKEN을 해제하십시오',
        '도움말: 나열된 문제를 모두 고친 뒤 다시 시작하십시오. 실습 환경 파일의 전체 예는 lab.example.yml에 있습니다.',
        '',
      ]);
      expect(korean.stderr).not.toContain('xoxb-1-2-secret');

      expect(english.code).toBe(2);
      expect(english.stderr.split('\n')[0]).toBe('Configuration has 1 problem in the environment:');

      expect(french.code).toBe(2);
      expect(french.stderr.split('\n').slice(0, 2)).toEqual([
        'Configuration has 1 problem in the environment:',
        '  - PORT: must be a port number (0 lets the system choose)',
      ]);
    },
    SPAWN_TIMEOUT_MS,
  );

  it(
    'names the approvals the last session left pending, in the shell’s language',
    async () => {
      const data = { LABOPS_DATA_DIR: join(dir, 'data') };
      const first = await start([], data, '/host maintenance hyper1\n');
      expect(first.code).toBe(0);
      expect(first.stdout).toContain('approve a1');
      // One after the other: one labops owns a data directory at a time (the second would be refused).
      const korean = await start(['--lang', 'ko'], data);
      const english = await start([], data);
      expect(korean.stdout.split('\n').slice(0, 2)).toEqual([
        '시뮬레이션 실습 환경 — 내장 시뮬레이터가 엔진과 호스트를 대신합니다.',
        '승인 대기: a1(아직 유효합니다).',
      ]);
      expect(english.stdout.split('\n').slice(0, 2)).toEqual([
        'SIMULATED LAB — a built-in simulator stands in for the engine and the hosts.',
        'Pending approvals: a1 (still valid).',
      ]);
    },
    SPAWN_TIMEOUT_MS,
  );

  it(
    'serves three simulated labs in one shell (issue 13, done when): a maintenance approved in lab2 leaves lab1 alone',
    async () => {
      const script = [
        '/host status hyper1',
        'use lab2',
        '/host maintenance hyper1',
        'as bob',
        'approve',
        '/lab list',
        '/host status hyper1 --lab lab1',
        '/host status hyper1',
        'use lab9',
        'quit',
      ].join('\n');
      const run = await start([], { LABOPS_SIM_LABS: '3' }, `${script}\n`);
      const out = run.stdout.split('\n');
      expect(out[0]).toBe(
        'SIMULATED LABS — lab1, lab2, and lab3: built-in simulators stand in for each lab’s engine and hosts. Choose one with: use NAME',
      );
      // A command before `use`, from no channel bound to a lab: which lab?
      expect(out).toContain('✘ This channel belongs to no lab: say which one with --lab.');
      expect(out).toContain('Commands now go to lab2.');
      // Among several labs, a card names its lab.
      expect(out.some((l) => /^┌ a\d+ · lab2 · \/host maintenance hyper1$/.test(l))).toBe(true);
      expect(run.stdout).toMatch(/✔ job-\w+ succeeded/);
      // /lab list: every lab in one line each; lab2's hyper1 is the one in maintenance.
      expect(out).toContain('  lab1 · engine up · hosts 2/2 up · domains 2/2 active · no job running');
      expect(out).toContain('  lab2 · engine up · hosts 1/2 up · domains 2/2 active · no job running');
      expect(out).toContain('  lab3 · engine up · hosts 2/2 up · domains 2/2 active · no job running');
      // hyper1 of lab1 is not hyper1 of lab2: lab1's (--lab) is up, lab2's (use) in maintenance.
      const status = out.filter((line) => /^ {2}hyper1 {2}/.test(line));
      expect(status).toHaveLength(2);
      expect(status[0]).toMatch(/^ {2}hyper1 {2}up/);
      expect(status[1]).toMatch(/^ {2}hyper1 {2}maintenance/);
      expect(out).toContain('✘ There is no lab named lab9.');
      // The unknown lab and the command before `use` are the script's two failures.
      expect(run.code).toBe(1);
    },
    SPAWN_TIMEOUT_MS,
  );

  it(
    'resets every simulated lab from one card in the shell: carol asks, alice and bob approve, a line per lab, the table',
    async () => {
      const script = [
        'use lab2',
        '/host maintenance hyper1',
        'as bob',
        'approve',
        'as carol',
        '/lab reset --all',
        'as alice',
        'approve',
        'as bob',
        'approve',
        '/lab list',
        'quit',
      ].join('\n');
      const run = await start([], { LABOPS_SIM_LABS: '3' }, `${script}\n`);
      expect(run.stderr).toBe('');
      const out = run.stdout.split('\n');
      expect(out).toContain('│ /lab reset in 3 labs: lab1, lab2, and lab3');
      expect(out.some((l) => /^│ {3}lab2 · .*hyper1/.test(l))).toBe(true);
      expect(run.stdout).toMatch(/a\d+ approved by shell:alice and shell:bob; job job-\w+ runs\./);
      expect(run.stdout).toMatch(
        /\[1\/4\] ok +Plan each lab again and lock it \(3 labs\) \(\d+ ms\) — 3 of 3 labs locked and ready\./,
      );
      // Each lab's progress, named by its lab.
      expect(run.stdout).toMatch(/ {6}lab2 \[2\/\d+\] changed Make sure hyper1 is up/);
      expect(run.stdout).toMatch(/ {6}lab2: plan unchanged, locked; runs as job-\w+ \(\d+ steps\)\./);
      expect(out).toContain('  Summary, 3 labs:');
      for (const lab of ['lab1', 'lab2', 'lab3']) {
        expect(run.stdout).toMatch(
          new RegExp(` {4}${lab} · (ok|changed) · .+ — job-\\w+: \\d+ steps, \\d+ changed\\.`),
        );
      }
      // lab2's hyper1 is back up; every lab is at its baseline.
      expect(out).toContain('  lab2 · engine up · hosts 2/2 up · domains 2/2 active · no job running');
      expect(run.code).toBe(0);
    },
    SPAWN_TIMEOUT_MS,
  );

  it(
    'greets the shell in Korean with --lang ko, and says --fetch-engine-ca needs a lab file',
    async () => {
      const [shell, fetch] = await Promise.all([start(['--lang', 'ko']), start(['--fetch-engine-ca'], KO)]);
      expect(shell.stderr).toBe('');
      expect(shell.code).toBe(0);
      expect(shell.stdout.split('\n')[0]).toBe(
        '시뮬레이션 실습 환경 — 내장 시뮬레이터가 엔진과 호스트를 대신합니다.',
      );
      expect(fetch.code).toBe(2);
      expect(fetch.stderr).toBe(
        [
          '--fetch-engine-ca를 쓰려면 CA를 저장할 위치를 engine.ca_file로 지정한 실습 환경 파일이 필요합니다.',
          '도움말: LAB_CONFIG를 설정하거나 ./lab.yml을 만들고, 그 파일에 engine.url과 engine.ca_file을 적으십시오.',
          '',
        ].join('\n'),
      );
    },
    SPAWN_TIMEOUT_MS,
  );
});
