import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Caller } from '../src/command.js';
import type { EngineClient } from '../src/engine/engine-client.js';
import { createLabs, type LabSet } from '../src/lab.js';
import { type Simulator, startSimulator } from '../src/sim/index.js';
import { median, round } from './support.js';

/** Issue 13 §5: `/lab reset --all` of 30 labs, 10 at once. */
const LABS = 30;
const IN_PARALLEL = 10;
const INJECTED_LATENCY_MS = 50;
/** The simulators' pace: engine waits of seconds take milliseconds, as in the other benches. */
const TIME_SCALE = 0.002;

const shell = (name: string): Caller => ({ principal: `shell:${name}`, channel: 'shell', groups: [] });
const carol = shell('carol');
const alice = shell('alice');
const bob = shell('bob');

/**
 * `reset_all_ratio` (issue 13 §5): the wall time of `/lab reset --all` over 30 simulated labs at
 * `limits.labs_in_parallel` 10, over that of the slowest lab reset alone. The labs are the built-in
 * simulated ones — each its own simulator with its machines (a reset runs runbooks on the storage
 * server), in this process, each engine with 50 ms of latency injected — served by one bot's labs
 * (createLabs, as `LABOPS_SIM_LABS=30 npm start` makes them). Each lab starts with hyper2 in
 * maintenance, so every reset has a host to bring back. First each lab is reset alone, one after
 * the other (`/lab reset --lab labN`: carol asks, alice and bob approve); then every lab is broken
 * again and reset at once from one card. Each time runs from the last approval to the job's end.
 */
export async function runResetAllBench(): Promise<Record<string, number>> {
  const dir = mkdtempSync(join(tmpdir(), 'labops-bench-reset-all-'));
  const sims: Simulator[] = [];
  let set: LabSet | undefined;
  try {
    sims.push(
      ...(await Promise.all(Array.from({ length: LABS }, () => startSimulator({ timeScale: TIME_SCALE })))),
    );
    set = await createLabs({
      labs: sims.map((simulator, i) => ({ kind: 'simulated' as const, simulator, name: `lab${i + 1}` })),
      store: { dir: join(dir, 'data') },
      instructorPrincipals: ['shell:alice', 'shell:bob', 'shell:carol'],
      labsInParallel: IN_PARALLEL,
    });
    await set.labs.start();
    const engines = set.entries.map((entry) => entry.engine);
    for (const sim of sims) sim.knobs.setLatency(INJECTED_LATENCY_MS);

    await Promise.all(engines.map((engine) => putInMaintenance(engine, 'hyper2')));
    const singles: number[] = [];
    for (const name of set.labs.names) singles.push(await runReset(set, `reset --lab ${name}`, 1));
    await Promise.all(engines.map((engine) => putInMaintenance(engine, 'hyper2')));
    const all = await runReset(set, 'reset --all', LABS);
    const slowest = Math.max(...singles);
    process.stdout.write(
      `  ${LABS} labs, ${IN_PARALLEL} at once: one lab alone median ${median(singles).toFixed(0)} ms, slowest ${slowest.toFixed(0)} ms; all from one card ${all.toFixed(0)} ms\n`,
    );
    return {
      reset_single_median_ms: round(median(singles), 0),
      reset_single_max_ms: round(slowest, 0),
      reset_all_ms: round(all, 0),
      reset_all_ratio: round(all / slowest),
    };
  } finally {
    await set?.close();
    await Promise.all(sims.map((sim) => sim.close()));
    rmSync(dir, { recursive: true, force: true });
  }
}

async function putInMaintenance(engine: EngineClient, name: string): Promise<void> {
  const host = await engine.findHost(name);
  if (host.status === 'maintenance') return;
  await engine.deactivateHost(host.id);
  await engine.waitForHostStatus(host.id, ['maintenance']);
}

/** One reset asked by carol and approved by alice and bob: ms from bob's approval to its end. */
async function runReset(set: LabSet, text: string, labs: number): Promise<number> {
  const asked = await set.labs.dispatch({ command: '/lab', text, caller: carol });
  if (asked.kind !== 'card') {
    throw new Error(`/lab ${text}: ${asked.kind === 'error' ? asked.error.message : 'no card'}`);
  }
  const { approval, job } = asked.card;
  await set.labs.click(approval.id, alice, 'approve');
  const started = performance.now();
  const approved = await set.labs.click(approval.id, bob, 'approve');
  if (approved.outcome !== 'approved') throw new Error(`/lab ${text}: ${approved.message}`);
  const ended = await set.labs.whenFinished(job.id);
  const ms = performance.now() - started;
  if (ended?.status !== 'succeeded') throw new Error(`/lab ${text}: ${ended?.status}: ${ended?.error}`);
  const parts = (await set.store.listJobs({ limit: 1000 })).filter((j) => j.args.parent === job.id);
  if (labs > 1 && parts.length !== labs) throw new Error(`/lab ${text}: ${parts.length} of ${labs} labs ran`);
  return ms;
}
