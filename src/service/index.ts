import type { HealthSettings } from '../config.js';
import type { Lab } from '../lab.js';
import type { Logger } from '../log.js';
import type { SlackAdapter } from '../slack/adapter.js';
import type { Clock } from '../time.js';
import { type HealthServer, startHealthServer } from './health-server.js';
import { createMetrics, type LabopsMetrics } from './metrics.js';
import { createReadiness, type Readiness } from './readiness.js';

export { type HealthServer, startHealthServer } from './health-server.js';
export { createMetrics, type LabopsMetrics } from './metrics.js';
export { createReadiness, type Readiness, type ReadinessReport } from './readiness.js';

export interface HealthServiceOptions {
  settings: HealthSettings;
  logger: Logger;
  clock: Clock;
  /** How long /readyz waits for the engine (the lab file's `engine.timeout_ms`). */
  engineTimeoutMs?: number | undefined;
  /** How long an engine's answer stands in /readyz; default 10 s. */
  cacheMs?: number | undefined;
}

/** The health port with its readiness and metrics, and what main hands it as the parts start. */
export interface HealthService {
  readonly server: HealthServer;
  readonly metrics: LabopsMetrics;
  readonly readiness: Readiness;
  /** A lab's store and engine in /readyz, its events in /metrics; answers the undoing. */
  watchLab(lab: Pick<Lab, 'labops' | 'store' | 'engine'>, name?: string): () => void;
  /** The Slack connection in /readyz, the outbox's calls and depth in /metrics. */
  watchSlack(adapter: Pick<SlackAdapter, 'getConnection' | 'outbox'>): () => void;
  close(): Promise<void>;
}

/**
 * Starts serving /healthz, /readyz and /metrics before the lab opens, so that a supervisor sees the
 * process alive and not yet ready while it starts (issue 12 §3). Loaded by main only when the port
 * is on: the shell starts without prom-client.
 */
export async function startHealthService(options: HealthServiceOptions): Promise<HealthService> {
  const metrics = createMetrics();
  const readiness = createReadiness({
    clock: options.clock,
    cacheMs: options.cacheMs,
    engineTimeoutMs: options.engineTimeoutMs,
  });
  const server = await startHealthServer({
    host: options.settings.host,
    port: options.settings.port,
    readiness,
    metrics,
    logger: options.logger,
  });
  return {
    server,
    metrics,
    readiness,
    watchLab(lab, name = 'default') {
      const removeLab = readiness.addLab({ name, store: lab.store, engine: lab.engine });
      const stopEvents = metrics.watchEvents(lab.labops.bus);
      return () => {
        removeLab();
        stopEvents();
      };
    },
    watchSlack(adapter) {
      readiness.setSlack(() => adapter.getConnection());
      const stopOutbox = metrics.watchOutbox(adapter.outbox);
      return () => {
        readiness.setSlack(undefined);
        stopOutbox();
      };
    },
    close: () => server.close(),
  };
}
