import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createSilentLogger } from '../../src/log.js';
import { type HealthService, startHealthService } from '../../src/service/index.js';
import { type CoreHarness, startCore } from '../support/core.js';
import { type SlackHarness, startSlackHarness } from '../support/slack-harness.js';

interface Answer {
  status: number;
  body: Record<string, unknown>;
}

async function get(url: string): Promise<Answer> {
  const response = await fetch(url);
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

interface Check {
  name: string;
  lab?: string;
  ok: boolean;
  state: string;
  error?: string;
}

const checksOf = (answer: Answer) => answer.body.checks as Check[];
const checkNamed = (answer: Answer, name: string) => checksOf(answer).find((c) => c.name === name);

describe('the health port over the simulated lab (issue 12 §3)', () => {
  let core: CoreHarness;
  let health: HealthService;
  const clock = { now: Date.parse('2026-11-28T10:00:00Z') };

  beforeAll(async () => {
    core = await startCore();
    health = await startHealthService({
      settings: { host: '127.0.0.1', port: 0 },
      logger: createSilentLogger(),
      clock: () => clock.now,
    });
    health.watchLab(core.composed);
  });
  afterAll(async () => {
    await health?.close();
    await core?.close();
  });
  afterEach(() => core.lab.sim.knobs.clearFaults());

  it('listens on loopback and answers /healthz 200 while the process runs', async () => {
    expect(health.server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const answer = await get(`${health.server.url}/healthz`);
    expect(answer.status).toBe(200);
    expect(answer.body.status).toBe('alive');
  });

  it('answers /readyz 200 naming the store and the engine, without Slack in the shell', async () => {
    const answer = await get(`${health.server.url}/readyz`);
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({
      status: 'ready',
      ready: true,
      labs: [{ name: 'default', ok: true }],
    });
    expect(checksOf(answer).map((c) => [c.name, c.lab, c.ok, c.state])).toEqual([
      ['store', 'default', true, 'open'],
      ['engine', 'default', true, 'answered'],
    ]);
    expect(checkNamed(answer, 'slack')).toBeUndefined();
  });

  it('keeps an engine answer 10 s, then answers 503 naming the engine, and recovers after the next 10 s', async () => {
    clock.now += 10_000;
    const before = core.lab.sim.requests.length;
    expect((await get(`${health.server.url}/readyz`)).status).toBe(200);
    // Within the window, probes do not reach the engine: it is read once per 10 s.
    expect((await get(`${health.server.url}/readyz`)).status).toBe(200);
    expect(core.lab.sim.requests.slice(before).filter((r) => r.url === '/ovirt-engine/api')).toHaveLength(1);

    // The engine stops answering: every connection is dropped.
    core.lab.sim.knobs.injectFault({ kind: 'drop', count: Number.POSITIVE_INFINITY });
    clock.now += 9_999;
    expect((await get(`${health.server.url}/readyz`)).status).toBe(200);

    clock.now += 1;
    const down = await get(`${health.server.url}/readyz`);
    expect(down.status).toBe(503);
    expect(down.body).toMatchObject({
      status: 'not ready',
      ready: false,
      labs: [{ name: 'default', ok: false }],
    });
    const engine = checkNamed(down, 'engine');
    expect(engine).toMatchObject({ lab: 'default', ok: false, state: 'no answer' });
    expect(engine?.error).toMatch(/engine/i);
    expect(checkNamed(down, 'store')?.ok).toBe(true);

    // Back: the failure stands until its window ends.
    core.lab.sim.knobs.clearFaults();
    clock.now += 5_000;
    expect((await get(`${health.server.url}/readyz`)).status).toBe(503);
    clock.now += 5_000;
    const up = await get(`${health.server.url}/readyz`);
    expect(up.status).toBe(200);
    expect(checkNamed(up, 'engine')).toMatchObject({ ok: true, state: 'answered' });
  });

  it('answers 503 naming the store once it is closed', async () => {
    const other = await startCore();
    const service = await startHealthService({
      settings: { host: '127.0.0.1', port: 0 },
      logger: createSilentLogger(),
      clock: () => clock.now,
    });
    try {
      service.watchLab(other.composed);
      expect((await get(`${service.server.url}/readyz`)).status).toBe(200);
      await other.store.close();
      const answer = await get(`${service.server.url}/readyz`);
      expect(answer.status).toBe(503);
      expect(checkNamed(answer, 'store')).toMatchObject({ lab: 'default', ok: false, state: 'not open' });
    } finally {
      await service.close();
      await other.close();
    }
  });

  it('is not ready before a lab opens, and answers 404 and 405 elsewhere', async () => {
    const service = await startHealthService({
      settings: { host: '127.0.0.1', port: 0 },
      logger: createSilentLogger(),
      clock: () => clock.now,
    });
    try {
      const answer = await get(`${service.server.url}/readyz`);
      expect(answer.status).toBe(503);
      expect(checksOf(answer)).toEqual([{ name: 'labs', ok: false, state: 'no lab open yet' }]);
      expect((await fetch(`${service.server.url}/slack/events`)).status).toBe(404);
      const post = await fetch(`${service.server.url}/healthz`, { method: 'POST' });
      expect(post.status).toBe(405);
      expect(post.headers.get('allow')).toBe('GET, HEAD');
    } finally {
      await service.close();
    }
  });

  it('with two labs, one engine down leaves it ready and names that lab', async () => {
    const second = await startCore();
    const service = await startHealthService({
      settings: { host: '127.0.0.1', port: 0 },
      logger: createSilentLogger(),
      clock: () => clock.now,
    });
    try {
      service.watchLab(core.composed, 'lab-a');
      service.watchLab(second.composed, 'lab-b');
      second.lab.sim.knobs.injectFault({ kind: 'drop', count: Number.POSITIVE_INFINITY });
      const answer = await get(`${service.server.url}/readyz`);
      expect(answer.status).toBe(200);
      expect(answer.body.labs).toEqual([
        { name: 'lab-a', ok: true },
        { name: 'lab-b', ok: false },
      ]);
      expect(checksOf(answer).find((c) => c.name === 'engine' && c.lab === 'lab-b')?.ok).toBe(false);
    } finally {
      second.lab.sim.knobs.clearFaults();
      await service.close();
      await second.close();
    }
  });

  it('refuses a port another program holds as a configuration problem', async () => {
    const error = await startHealthService({
      settings: { host: '127.0.0.1', port: health.server.port },
      logger: createSilentLogger(),
      clock: () => clock.now,
    }).then(
      () => undefined,
      (failure: unknown) => failure,
    );
    expect(error).toMatchObject({ code: 'CONFIG' });
    expect(String((error as Error).message)).toContain(`127.0.0.1:${health.server.port}: EADDRINUSE`);
  });
});

describe.each(['socket', 'http'] as const)('readiness in Slack %s mode', (mode) => {
  let slack: SlackHarness;
  let health: HealthService;

  beforeAll(async () => {
    slack = await startSlackHarness({ mode });
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

  it('is ready while Slack is connected, and names Slack', async () => {
    const answer = await get(`${health.server.url}/readyz`);
    expect(answer.status).toBe(200);
    expect(checkNamed(answer, 'slack')).toEqual({
      name: 'slack',
      ok: true,
      state: mode === 'socket' ? 'connected' : 'listening',
    });
  });

  it('answers 503 naming Slack once the connection is gone', async () => {
    if (mode === 'socket') await slack.socket!.close();
    else await slack.adapter.stop();
    await expect
      .poll(async () => (await get(`${health.server.url}/readyz`)).status, { timeout: 5000 })
      .toBe(503);
    const answer = await get(`${health.server.url}/readyz`);
    const check = checkNamed(answer, 'slack');
    expect(check?.ok).toBe(false);
    expect(check?.state).not.toBe(mode === 'socket' ? 'connected' : 'listening');
    expect(checkNamed(answer, 'engine')?.ok).toBe(true);
  });
});
