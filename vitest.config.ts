import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    environment: 'node',
    testTimeout: 20_000,
    hookTimeout: 30_000,
    // Each file gets its own process: simulators, databases and sshd labs never leak between files.
    pool: 'forks',
    // Two files at once on this 2-core machine (vitest's default leaves one core idle): the suite's
    // time goes mostly to waiting on simulators, sshd and PostgreSQL, not to the CPU.
    maxWorkers: 2,
    // Every text a test renders for a reader is checked for text outside the message catalog (issue 16).
    setupFiles: ['test/support/i18n-watch.ts'],
    // One lab of real sshd hosts serves the whole run (ssh-harness.md), and one PostgreSQL server
    // (test/support/postgres.ts). Teardowns run in reverse: the servers stop before the manifest's
    // scope check can fail the run.
    globalSetup: [
      'test/support/slack-methods-global-setup.ts',
      'test/support/ssh-global-setup.ts',
      'test/support/postgres-global-setup.ts',
    ],
  },
});
