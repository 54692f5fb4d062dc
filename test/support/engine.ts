import { EngineClient, type EngineClientOptions } from '../../src/engine/engine-client.js';
import type { WaitTiming } from '../../src/engine/wait.js';
import { startSimulator } from '../../src/sim/index.js';
import type { Simulator, SimulatorOptions } from '../../src/sim/types.js';

/** A simulator running fast, and a client wired to it with waits derived from its time scale. */
export interface SimLab {
  sim: Simulator;
  client: EngineClient;
  timing: WaitTiming;
  /** A further client against the same simulator (its own token and pool), closed with the lab. */
  connect(overrides?: Partial<EngineClientOptions>): EngineClient;
  close(): Promise<void>;
}

/** Every wait at the simulator's poll interval up to its long deadline. */
function getTestTiming(sim: Simulator): WaitTiming {
  return {
    intervalMs: sim.timing.pollIntervalMs,
    backoff: 1,
    maxIntervalMs: sim.timing.pollIntervalMs,
    deadlineMs: sim.timing.longDeadlineMs,
  };
}

/** The tests' engine client of a simulator: quick retries, every wait up to the long deadline. */
export function getTestEngineOptions(sim: Simulator): EngineClientOptions {
  const timing = getTestTiming(sim);
  return {
    url: sim.baseUrl,
    user: sim.user,
    password: sim.password,
    ca: sim.caPem,
    timeoutMs: 5000,
    retry: { baseDelayMs: 5, maxDelayMs: 20 },
    waits: { short: timing, long: timing },
  };
}

export async function startSimLab(options: SimulatorOptions = {}): Promise<SimLab> {
  const sim = await startSimulator({ timeScale: 0.002, ...options });
  const timing = getTestTiming(sim);
  const clients: EngineClient[] = [];
  const connect = (overrides: Partial<EngineClientOptions> = {}) => {
    const client = EngineClient.create({ ...getTestEngineOptions(sim), ...overrides });
    clients.push(client);
    return client;
  };
  const client = connect();
  return {
    sim,
    client,
    timing,
    connect,
    async close() {
      await Promise.all(clients.map((c) => c.close().catch(() => undefined)));
      await sim.close();
    },
  };
}

/**
 * An NFS data domain `spare` (/export/spare on the storage server) added, attached to the lab's
 * data center and active: a lab moved off its baseline, as a class leaves it.
 */
export async function addActiveSpareDomain(client: EngineClient): Promise<void> {
  const [dc] = await client.listDataCenters();
  const spare = await client.addNfsStorageDomain({
    name: 'spare',
    type: 'data',
    address: 'ovirt.abc.local',
    path: '/export/spare',
    hostName: 'hyper1',
  });
  await client.waitForStorageDomainCreated(spare.id);
  await client.attachStorageDomain(dc!.id, spare.id);
  await client.waitForStorageDomainStatus(dc!.id, spare.id, ['active']);
}
