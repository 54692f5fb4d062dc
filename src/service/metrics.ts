import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { EngineObserver } from '../engine/transport.js';
import type { EventBus, LabEvent } from '../jobs/events.js';
import type { Outbox } from '../slack/outbox.js';
import type { SshObserver } from '../ssh/connections.js';

/**
 * labops's Prometheus metrics (issue 12 §4), in a registry of their own: each process (each test)
 * counts from zero, and nothing reaches prom-client's global registry. Served only on HEALTH_PORT
 * (health-server.ts), never on Bolt's public receiver.
 *
 * - `labops_jobs_total{command,outcome}`: jobs ended — succeeded, failed or cancelled after they
 *   ran, or denied, expired or void at their card;
 * - `labops_approvals_total{decision}`: each approver's approve or deny, and cards that expired or
 *   were voided;
 * - `labops_job_duration_seconds{command,outcome}`, `labops_step_duration_seconds{kind,status}`;
 * - `labops_engine_requests_total{method,status}`, `labops_engine_request_duration_seconds{method}`:
 *   every HTTP exchange with the engine, status the HTTP code or `timeout`, `cancelled`, `network`;
 * - `labops_slack_api_calls_total{method,outcome}` (`ok`, `error`, `rate_limited`) and
 *   `labops_slack_rate_limited_total{method}` (the 429s), `labops_slack_outbox_depth`;
 * - `labops_ssh_connections_opened_total{machine}`, `labops_ssh_connections_failed_total{machine}`,
 *   `labops_ssh_connections_open{machine}`;
 * - Node's own (`process_*`, `nodejs_*`: memory, CPU, event loop lag).
 */
export interface LabopsMetrics {
  readonly registry: Registry;
  /** For `EngineTransportOptions.observe` (createLab's `engine` option). */
  readonly observeEngine: EngineObserver;
  /** For `SshConnectionOptions.observe` (createLab's `sshObserver`). */
  readonly observeSsh: SshObserver;
  /** Counts the jobs, steps and approvals of one labops from its events; answers the unsubscribe. */
  watchEvents(bus: EventBus): () => void;
  /** Counts the Slack adapter's Web API calls and reads its queue's depth; answers the unsubscribe. */
  watchOutbox(outbox: Outbox): () => void;
  /** The text format Prometheus scrapes, and its content type. */
  render(): Promise<{ contentType: string; body: string }>;
}

const JOB_SECONDS = [1, 5, 15, 30, 60, 120, 300, 600, 1200, 1800, 3600];
const STEP_SECONDS = [0.1, 0.5, 1, 5, 15, 30, 60, 120, 300, 600, 1800];
const REQUEST_SECONDS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

export function createMetrics(options: { defaultMetrics?: boolean } = {}): LabopsMetrics {
  const registry = new Registry();
  if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: registry });
  const registers = [registry];

  const jobs = new Counter({
    name: 'labops_jobs_total',
    help: 'Jobs that ended, by command and outcome (succeeded, failed, cancelled, denied, expired, void).',
    labelNames: ['command', 'outcome'] as const,
    registers,
  });
  const approvals = new Counter({
    name: 'labops_approvals_total',
    help: "Decisions on approval cards: each approver's approve or deny, and cards that expired or were voided.",
    labelNames: ['decision'] as const,
    registers,
  });
  const jobSeconds = new Histogram({
    name: 'labops_job_duration_seconds',
    help: 'How long jobs ran, from their start to their end.',
    labelNames: ['command', 'outcome'] as const,
    buckets: JOB_SECONDS,
    registers,
  });
  const stepSeconds = new Histogram({
    name: 'labops_step_duration_seconds',
    help: 'How long job steps ran, by step kind and status.',
    labelNames: ['kind', 'status'] as const,
    buckets: STEP_SECONDS,
    registers,
  });
  const engineRequests = new Counter({
    name: 'labops_engine_requests_total',
    help: 'HTTP exchanges with the oVirt engine, by method and status (an HTTP code, or timeout, cancelled, network).',
    labelNames: ['method', 'status'] as const,
    registers,
  });
  const engineSeconds = new Histogram({
    name: 'labops_engine_request_duration_seconds',
    help: 'Latency of HTTP exchanges with the oVirt engine, answer body included.',
    labelNames: ['method'] as const,
    buckets: REQUEST_SECONDS,
    registers,
  });
  const slackCalls = new Counter({
    name: 'labops_slack_api_calls_total',
    help: 'Slack Web API calls (each attempt), by method and outcome (ok, error, rate_limited).',
    labelNames: ['method', 'outcome'] as const,
    registers,
  });
  const slackLimited = new Counter({
    name: 'labops_slack_rate_limited_total',
    help: 'Slack Web API calls answered 429 (waited out as Retry-After asks), by method.',
    labelNames: ['method'] as const,
    registers,
  });
  const outboxes = new Set<Outbox>();
  new Gauge({
    name: 'labops_slack_outbox_depth',
    help: "Slack calls waiting for their rate limit's budget or being sent now.",
    registers,
    collect() {
      let depth = 0;
      for (const outbox of outboxes) depth += outbox.getDepth();
      this.set(depth);
    },
  });
  const sshOpened = new Counter({
    name: 'labops_ssh_connections_opened_total',
    help: 'SSH connections to lab machines that opened (logged in).',
    labelNames: ['machine'] as const,
    registers,
  });
  const sshFailed = new Counter({
    name: 'labops_ssh_connections_failed_total',
    help: 'SSH connections to lab machines that failed to open (unreachable, host key, login).',
    labelNames: ['machine'] as const,
    registers,
  });
  const sshOpen = new Gauge({
    name: 'labops_ssh_connections_open',
    help: 'SSH connections to lab machines open now.',
    labelNames: ['machine'] as const,
    registers,
  });

  const countEvent = (event: LabEvent): void => {
    switch (event.type) {
      case 'job:finished': {
        const { job } = event;
        jobs.inc({ command: job.command, outcome: job.status });
        if (job.startedAt !== undefined && job.finishedAt !== undefined) {
          jobSeconds.observe(
            { command: job.command, outcome: job.status },
            Math.max(0, job.finishedAt - job.startedAt) / 1000,
          );
        }
        return;
      }
      case 'step:finished':
        if (event.step.durationMs !== undefined) {
          stepSeconds.observe(
            { kind: event.step.kind, status: event.step.status },
            event.step.durationMs / 1000,
          );
        }
        return;
      case 'approval:decided':
        approvals.inc({ decision: event.decision });
        // A deny ends the job at its card; an approval's job is counted when it ends.
        if (event.job.status === 'denied') jobs.inc({ command: event.job.command, outcome: 'denied' });
        return;
      case 'approval:expired':
        approvals.inc({ decision: 'expired' });
        jobs.inc({ command: event.job.command, outcome: 'expired' });
        return;
      case 'approval:voided':
        approvals.inc({ decision: 'void' });
        jobs.inc({ command: event.job.command, outcome: 'void' });
        return;
      default:
        return;
    }
  };

  return {
    registry,
    observeEngine(exchange) {
      engineRequests.inc({ method: exchange.method, status: String(exchange.status) });
      engineSeconds.observe({ method: exchange.method }, exchange.durationMs / 1000);
    },
    observeSsh({ machine, type }) {
      if (type === 'opened') {
        sshOpened.inc({ machine });
        sshOpen.inc({ machine });
      } else if (type === 'closed') {
        sshOpen.dec({ machine });
      } else {
        sshFailed.inc({ machine });
      }
    },
    watchEvents(bus) {
      return bus.subscribe(countEvent);
    },
    watchOutbox(outbox) {
      outboxes.add(outbox);
      const stop = outbox.observeCalls(({ method, outcome }) => {
        slackCalls.inc({ method, outcome });
        if (outcome === 'rate_limited') slackLimited.inc({ method });
      });
      return () => {
        stop();
        outboxes.delete(outbox);
      };
    },
    async render() {
      return { contentType: registry.contentType, body: await registry.metrics() };
    },
  };
}
