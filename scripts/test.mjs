#!/usr/bin/env node
// The whole test command: type-check, lint, then every vitest test. It ends with the plain
// "N passed, N failed" line (a failed type-check or lint counts as one failed check each) and
// prints how long it took.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const started = Date.now();
const bin = (name) => join('node_modules', '.bin', name);
const run = (label, cmd, args, env = process.env) => {
  console.log(`\n== ${label}: ${[cmd, ...args].join(' ')}`);
  const t0 = Date.now();
  const result = spawnSync(cmd, args, { stdio: 'inherit', env });
  const ok = result.status === 0;
  console.log(`== ${label}: ${ok ? 'ok' : 'FAILED'} in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  return ok;
};

const checks = [];
checks.push({ name: 'typecheck', ok: run('typecheck', bin('tsc'), ['--noEmit', '-p', '.']) });
checks.push({ name: 'lint', ok: run('lint', bin('biome'), ['check', '.']) });

const dir = mkdtempSync(join(tmpdir(), 'labops-test-'));
const report = join(dir, 'vitest.json');
const extra = process.argv.slice(2);
const testsOk = run(
  'tests',
  bin('vitest'),
  ['run', '--reporter=default', '--reporter=json', `--outputFile.json=${report}`, ...extra],
  { ...process.env, LABOPS_WHOLE_SUITE: extra.length === 0 ? '1' : '0' },
);

let passed = 0;
let failed = 0;
let skipped = 0;
try {
  const json = JSON.parse(readFileSync(report, 'utf8'));
  passed = json.numPassedTests;
  failed = json.numFailedTests;
  skipped = json.numPendingTests + json.numTodoTests;
  // A test file that failed to load has no tests in the counts; count it as a failure.
  failed += json.testResults.filter((r) => r.status === 'failed' && r.assertionResults.length === 0).length;
} catch {
  console.error('The test runner produced no report: counting the test run as failed.');
  failed += 1;
}
rmSync(dir, { recursive: true, force: true });
// A failure outside any test (a global setup or teardown check) fails the run too.
if (!testsOk && failed === 0) {
  console.log('the test runner failed outside the tests (see above): counted as one failed check');
  failed += 1;
}
for (const check of checks) {
  if (check.ok) passed += 1;
  else {
    failed += 1;
    console.log(`${check.name} failed (counted as one failed check)`);
  }
}
console.log(`\ntotal time: ${((Date.now() - started) / 1000).toFixed(1)} s`);
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exit(failed === 0 ? 0 : 1);
