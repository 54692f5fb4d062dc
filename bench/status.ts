import { createLab } from '../src/lab.js';
import { median, round, type SimInfo, startProcess } from './support.js';

const INJECTED_LATENCY_MS = 50;
const RUNS = 21;

/** `status_latency_ratio`: `/lab status` latency ÷ one engine round trip, 50 ms injected (design.md). */
export async function runStatusBench(): Promise<Record<string, number>> {
  const sim = await startProcess<SimInfo>('./sim-process.ts', ['--latency-ms', String(INJECTED_LATENCY_MS)]);
  // The simulator runs in another process: the lab is its default seed, its machines out of reach.
  const lab = await createLab({
    lab: { kind: 'simulated', remote: sim.info },
    // The bench's sources are on loopback (source-process.ts): it opts in (issue 10 §2).
    downloads: { allowedNetworks: ['127.0.0.0/8'] },
  });
  const { engine, labops } = lab;
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
    await lab.close();
    await sim.stop();
  }
}
