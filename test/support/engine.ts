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

export async function startSimLab(options: SimulatorOptions = {}): Promise<SimLab> {
  const sim = await startSimulator({ timeScale: 0.002, ...options });
  const timing: WaitTiming = {
    intervalMs: sim.timing.pollIntervalMs,
    backoff: 1,
    maxIntervalMs: sim.timing.pollIntervalMs,
    deadlineMs: sim.timing.longDeadlineMs,
  };
  const clients: EngineClient[] = [];
  const connect = (overrides: Partial<EngineClientOptions> = {}) => {
    const client = EngineClient.create({
      url: sim.baseUrl,
      user: sim.user,
      password: sim.password,
      ca: sim.caPem,
      timeoutMs: 5000,
      retry: { baseDelayMs: 5, maxDelayMs: 20 },
      waits: { short: timing, long: timing },
      ...overrides,
    });
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
