import type { TestProject } from 'vitest/node';
import { type PostgresServer, startPostgres } from './postgres.js';

/**
 * vitest global setup: one PostgreSQL server for the whole run (issue 14 §4; its start costs about
 * half a second), stopped and removed when the run ends, failed or not. Each test file makes its
 * own database on it (usePgDatabase). A server that cannot start is handed to the PostgreSQL tests
 * as an error they fail with — the other tests still run.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  let server: PostgresServer | undefined;
  try {
    server = await startPostgres();
    project.provide('postgres', server.info);
  } catch (error) {
    project.provide('postgres', { error: error instanceof Error ? error.message : String(error) });
  }
  return async () => {
    await server?.stop();
  };
}
