import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSilentLogger } from '../../src/log.js';
import { type HealthService, startHealthService } from '../../src/service/index.js';
import { createMetrics } from '../../src/service/metrics.js';
import { SLACK_LIMITS, scaleLimits } from '../../src/slack/limits.js';
import { Outbox } from '../../src/slack/outbox.js';
import { ACTION } from '../../src/slack/render-card.js';
import { createWebClient } from '../../src/slack/web.js';
import { approveAndRun, type CoreHarness, shellCaller, startCore } from '../support/core.js';
import { expectCard } from '../support/dispatch.js';
import { CONTRACT_LIMITS, SlackApiStandIn } from '../support/slack-api.js';
import { CHANNEL, type SlackHarness, startSlackHarness, U } from '../support/slack-harness.js';

/** One sample of Prometheus's text format: `name{a="x",b="y"} 3`. */
interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

function parseMetrics(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match) throw new Error(`not a sample line: ${line}`);
    const labels: Record<string, string> = {};
    for (const pair of (match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[pair[1]!] = pair[2]!;
    samples.push({ name: match[1]!, labels, value: Number(match[3]) });
  }
  return samples;
}

/** The value of the one sample with `name` and these labels (0 when there is none). */
function sampleValue(samples: Sample[], name: string, labels: Record<string, string> = {}): number {
  const found = samples.filter(
    (s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v),
  );
  return found.reduce((sum, s) => sum + s.value, 0);
}

async function scrape(health: HealthService): Promise<Sample[]> {
  const response = await fetch(`${health.server.url}/metrics`);
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  return parseMetrics(await response.text());
}

describe('/metrics after jobs on the simulated lab (issue 12 §4)', () => {
  let core: CoreHarness;
  let health: HealthService;

  beforeAll(async () => {
    health = await startHealthService({
      settings: { host: '127.0.0.1', port: 0 },
      logger: createSilentLogger(),
      clock: () => Date.now(),
    });
    core = await startCore({ engine: { observe: health.metrics.observeEngine } });
    health.watchLab(core.composed);
  });
  afterAll(async () => {
    await health?.close();
    await core?.close();
  });

  it('counts jobs, approvals, step and job durations, and every engine request by method and status', async () => {
    const operator = shellCaller('operator');
    const ran = await approveAndRun(
      core,
      await core.labops.dispatch({ command: '/host', text: 'maintenance hyper2', caller: operator }),
    );
    const denied = expectCard(
      await core.labops.dispatch({ command: '/host', text: 'maintenance hyper1', caller: operator }),
    );
    expect((await core.labops.click(denied.approval.id, shellCaller('alice'), 'deny')).outcome).toBe(
      'denied',
    );
    const approvers = ran.card.approval.required;

    const samples = await scrape(health);
    const command = 'host maintenance';
    expect(sampleValue(samples, 'labops_jobs_total', { command, outcome: 'succeeded' })).toBe(1);
    expect(sampleValue(samples, 'labops_jobs_total', { command, outcome: 'denied' })).toBe(1);
    expect(sampleValue(samples, 'labops_jobs_total')).toBe(2);
    expect(sampleValue(samples, 'labops_approvals_total', { decision: 'approve' })).toBe(approvers);
    expect(sampleValue(samples, 'labops_approvals_total', { decision: 'deny' })).toBe(1);
    expect(sampleValue(samples, 'labops_job_duration_seconds_count', { command, outcome: 'succeeded' })).toBe(
      1,
    );
    // Every step of the job ended, each observed once under its kind and status.
    expect(sampleValue(samples, 'labops_step_duration_seconds_count')).toBe(ran.steps.length);
    for (const step of ran.steps) {
      expect(
        sampleValue(samples, 'labops_step_duration_seconds_count', { kind: step.kind, status: step.status }),
      ).toBeGreaterThan(0);
    }

    // The engine's own record of what it answered, against what labops counted.
    const answered = new Map<string, number>();
    for (const request of core.lab.sim.requests) {
      const key = `${request.method} ${request.status}`;
      answered.set(key, (answered.get(key) ?? 0) + 1);
    }
    const counted = new Map(
      samples
        .filter((s) => s.name === 'labops_engine_requests_total')
        .map((s) => [`${s.labels.method} ${s.labels.status}`, s.value]),
    );
    expect(counted).toEqual(answered);
    expect(answered.get('POST 200')).toBeGreaterThan(0);
    expect(sampleValue(samples, 'labops_engine_request_duration_seconds_count', { method: 'GET' })).toBe(
      answered.get('GET 200'),
    );

    // Nothing of Slack or SSH in a simulated shell lab, yet their metrics are there to be read.
    expect(sampleValue(samples, 'labops_slack_outbox_depth')).toBe(0);
    expect(samples.some((s) => s.name === 'labops_ssh_connections_opened_total')).toBe(false);
    expect(samples.some((s) => s.name === 'process_resident_memory_bytes')).toBe(true);
  });

  it('counts from zero in each registry: nothing is shared between processes or tests', async () => {
    const fresh = parseMetrics(await createMetrics().registry.metrics());
    expect(sampleValue(fresh, 'labops_jobs_total')).toBe(0);
    expect(sampleValue(fresh, 'labops_engine_requests_total')).toBe(0);
  });
});

describe('/metrics in Slack HTTP mode', () => {
  let slack: SlackHarness;
  let health: HealthService;

  beforeAll(async () => {
    slack = await startSlackHarness({ mode: 'http' });
    health = await startHealthService({
      settings: { host: '127.0.0.1', port: 0 },
      logger: createSilentLogger(),
      clock: () => Date.now(),
    });
    health.watchLab({ labops: slack.labops, store: slack.store, engine: slack.lab.client });
    health.watchSlack(slack.adapter);
  });
  afterAll(async () => {
    await health?.close();
    await slack?.close();
  });

  it('is absent from the public receiver: /metrics there answers 404', async () => {
    const origin = new URL(slack.eventsUrl!).origin;
    const answer = await fetch(`${origin}/metrics`);
    expect(answer.status).toBe(404);
    expect(await answer.text()).not.toContain('labops_');
  });

  it('counts each Web API call of a job by method, as the Slack stand-in received them', async () => {
    const mark = slack.api.calls.length;
    await slack.command(U.alice, '/host', 'maintenance hyper1');
    await slack.adapter.idle();
    const [card] = slack.api.messages(CHANNEL);
    await slack.click(U.bob, ACTION.approve, 'a1', { channel: CHANNEL, ts: card!.ts });
    await slack.settle();
    expect((await slack.store.listJobs())[0]?.status).toBe('succeeded');

    const received = new Map<string, number>();
    for (const call of slack.api.calls.slice(mark)) {
      const key = `${call.method} ${call.status === 429 ? 'rate_limited' : call.ok ? 'ok' : 'error'}`;
      received.set(key, (received.get(key) ?? 0) + 1);
    }
    const samples = await scrape(health);
    const counted = new Map(
      samples
        .filter((s) => s.name === 'labops_slack_api_calls_total')
        .map((s) => [`${s.labels.method} ${s.labels.outcome}`, s.value]),
    );
    expect(counted).toEqual(received);
    expect(received.get('chat.postMessage ok')).toBeGreaterThan(1);
    expect(
      sampleValue(samples, 'labops_jobs_total', { command: 'host maintenance', outcome: 'succeeded' }),
    ).toBe(1);
    expect(sampleValue(samples, 'labops_approvals_total', { decision: 'approve' })).toBe(1);
    expect(sampleValue(samples, 'labops_slack_outbox_depth')).toBe(0);
  });
});

describe("the outbox's 429s and queue depth", () => {
  let api: SlackApiStandIn;
  beforeAll(async () => {
    // One chat.update a minute: the second edit is answered 429.
    api = await SlackApiStandIn.start({
      limits: { ...CONTRACT_LIMITS, updatesPerWindow: 1 },
      botToken: 'xoxb-test',
    });
    api.addChannel(CHANNEL, [U.operator]);
  });
  afterAll(async () => {
    await api?.close();
  });

  it('counts each 429 as Slack answered it, and the calls waiting or in flight', async () => {
    const logger = createSilentLogger();
    const client = createWebClient({
      botToken: 'xoxb-test',
      apiUrl: api.apiUrl,
      logger,
      retries: 0,
      timeoutMs: 5000,
    });
    const outbox = new Outbox({
      client,
      limits: scaleLimits(SLACK_LIMITS, 0.001),
      logger,
      liveUpdateMs: 0,
      maxRateLimitRetries: 1,
      sleep: async () => undefined,
    });
    const metrics = createMetrics({ defaultMetrics: false });
    metrics.watchOutbox(outbox);
    try {
      const message = outbox.message('m', { channel: CHANNEL, lane: 'card', priority: 0 });
      for (const text of ['posted', 'edited', 'edited again']) {
        message.set({ text, blocks: [] }, { final: true });
        await outbox.idle();
      }
      const calls = [
        outbox.call('users.info', { user: U.operator }),
        outbox.call('users.info', { user: U.operator }),
      ];
      const during = parseMetrics((await metrics.render()).body);
      expect(sampleValue(during, 'labops_slack_outbox_depth')).toBe(2);
      await Promise.all(calls);

      const after = parseMetrics((await metrics.render()).body);
      expect(sampleValue(after, 'labops_slack_outbox_depth')).toBe(0);
      expect(api.rateLimited).toBe(2);
      expect(sampleValue(after, 'labops_slack_rate_limited_total', { method: 'chat.update' })).toBe(
        api.rateLimited,
      );
      expect(
        sampleValue(after, 'labops_slack_api_calls_total', {
          method: 'chat.update',
          outcome: 'rate_limited',
        }),
      ).toBe(2);
      expect(
        sampleValue(after, 'labops_slack_api_calls_total', { method: 'chat.update', outcome: 'ok' }),
      ).toBe(1);
      expect(
        sampleValue(after, 'labops_slack_api_calls_total', { method: 'chat.postMessage', outcome: 'ok' }),
      ).toBe(1);
      expect(
        sampleValue(after, 'labops_slack_api_calls_total', { method: 'users.info', outcome: 'ok' }),
      ).toBe(2);
    } finally {
      await outbox.close();
    }
  });
});
