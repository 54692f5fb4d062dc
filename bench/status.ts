import { allSteps, createRegistry } from '../commands/index.js';
import type { LabInfo } from '../src/command.js';
import { createHttpDownloads } from '../src/downloads.js';
import { EngineClient } from '../src/engine/engine-client.js';
import { labInfoFromSeed } from '../src/lab-info.js';
import { Labops } from '../src/labops.js';
import { createSilentLogger } from '../src/log.js';
import { createUnreachableMachines } from '../src/runbooks/types.js';
import { openStore } from '../src/store/sqlite-store.js';
import { median, round, type SimInfo, startProcess } from './support.js';

const INJECTED_LATENCY_MS = 50;

/** The simulator's default seed (the simulator runs in another process). */
const BENCH_LAB: LabInfo = labInfoFromSeed();
const RUNS = 21;

/** `status_latency_ratio`: `/lab status` latency ÷ one engine round trip, 50 ms injected (design.md). */
export async function runStatusBench(): Promise<Record<string, number>> {
  const sim = await startProcess<SimInfo>('./sim-process.ts', ['--latency-ms', String(INJECTED_LATENCY_MS)]);
  const engine = EngineClient.create({
    url: sim.info.baseUrl,
    user: sim.info.user,
    password: sim.info.password,
    ca: sim.info.caPem,
  });
  const store = openStore({ path: ':memory:' });
  // The bench's sources are on loopback (source-process.ts): it opts in (issue 10 §2).
  const downloads = createHttpDownloads({ allowedNetworks: ['127.0.0.0/8'] });
  const labops = new Labops({
    registry: createRegistry(),
    steps: allSteps,
    store,
    engine,
    downloads,
    machines: createUnreachableMachines('not needed for status'),
    lab: BENCH_LAB,
    policy: {
      askers: 'anyone',
      channels: 'anywhere',
      approvers: ['shell:alice'],
      expiryMinutes: 15,
      commands: {},
    },
    clock: () => Date.now(),
    logger: createSilentLogger(),
  });
  const caller = { principal: 'shell:bench', channel: 'shell', groups: [] };
  try {
    // Warm up: the token, the pool's connections, the data center id.
    for (let i = 0; i < 3; i++) {
      await engine.getApiInfo();
      await labops.dispatch({ command: '/lab', text: 'status', caller });
    }
    const roundTrips: number[] = [];
    const statuses: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      let t = performance.now();
      await engine.getApiInfo();
      roundTrips.push(performance.now() - t);
      t = performance.now();
      const result = await labops.dispatch({ command: '/lab', text: 'status', caller });
      statuses.push(performance.now() - t);
      if (result.kind !== 'view') throw new Error(`/lab status failed: ${JSON.stringify(result)}`);
    }
    const status = median(statuses);
    const roundTrip = median(roundTrips);
    return {
      status_latency_ms: round(status, 1),
      engine_round_trip_ms: round(roundTrip, 1),
      status_latency_ratio: round(status / roundTrip),
    };
  } finally {
    store.close();
    await downloads.close();
    await engine.close();
    await sim.stop();
  }
}
