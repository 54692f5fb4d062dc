// A second process for the store tests, run under tsx by store-fixtures.ts. PATH is a SQLite file,
// or a postgres:// URL for the PostgreSQL store:
//   crash PATH                    leaves a running job, a pending approval and locks, prints
//                                 "ready", then waits to be killed
//   decide PATH ID PRINCIPAL      opens the store, prints "ready", waits for "go" on stdin, decides
//                                 (approve) and prints the result as JSON
//   open PATH                     opens the store and prints {"ok":true} or the LabopsError as JSON
import { createInterface } from 'node:readline';
import { isLabopsError } from '../../src/errors.js';
import { openPgStore } from '../../src/store/pg-store.js';
import { openStore } from '../../src/store/sqlite-store.js';
import type { Store } from '../../src/store/types.js';
import { MINUTE, propose, proposeRunning, T0 } from './store-fixtures.js';

const [mode, path, ...rest] = process.argv.slice(2);
if (mode === undefined || path === undefined) throw new Error('usage: store-child MODE PATH [ARGS]');

async function open(location: string): Promise<Store> {
  return location.startsWith('postgres') ? openPgStore({ url: location }) : openStore({ path: location });
}

if (mode === 'open') {
  try {
    await (await open(path)).close();
    console.log(JSON.stringify({ ok: true }));
  } catch (error) {
    if (!isLabopsError(error)) throw error;
    console.log(JSON.stringify({ ok: false, code: error.code, message: error.message, hint: error.hint }));
  }
} else if (mode === 'crash') {
  const store = await open(path);
  // The running job's card has its own id, so the waiting one's is the first the store gives out (a1).
  await proposeRunning(store, { job: { id: 'j-run' }, approval: { id: 'a-run' } }, T0 + 1);
  await store.updateStep('j-run', 0, { status: 'running', startedAt: T0 + 2, tail: 'deactivating…' });
  await propose(store, {
    job: { id: 'j-wait', args: { host: 'hyper2' } },
    approval: { expiresAt: T0 + 15 * MINUTE },
    locks: ['host:hyper2'],
  });
  // No close(): the process is killed with everything as it stands.
  console.log('ready');
  setInterval(() => {}, 60_000);
} else if (mode === 'decide') {
  const [id, principal] = rest;
  if (id === undefined || principal === undefined)
    throw new Error('usage: store-child decide PATH ID PRINCIPAL');
  const store = await open(path);
  const input = createInterface({ input: process.stdin });
  input.once('line', async () => {
    const result = await store.decideApproval(id, principal, 'approve', T0 + MINUTE);
    console.log(
      JSON.stringify({
        outcome: result.outcome,
        becameFinal: result.outcome === 'recorded' ? result.becameFinal : false,
        reason: result.outcome === 'refused' ? result.reason : undefined,
      }),
    );
    await store.close();
    // stdout is a pipe, written synchronously on Linux, so exiting here loses nothing.
    process.exit(0);
  });
  console.log('ready');
} else {
  throw new Error(`unknown mode ${mode}`);
}
