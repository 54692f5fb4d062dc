import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_HEALTH_PORT, formatConfigProblems, loadConfig } from '../../src/config.js';
import { isLabopsError, type LabopsError } from '../../src/errors.js';

const BOT = 'xoxb-111-222-botsecret';
const APP = 'xapp-1-A1-appsecret';
const SIGNING = 'signing-secret-8a7b6c';

let cwd: string;
beforeAll(async () => {
  cwd = await mkdtemp(join(tmpdir(), 'labops-health-config-'));
});
afterAll(async () => {
  await rm(cwd, { recursive: true, force: true });
});

async function loadError(env: Record<string, string>): Promise<LabopsError> {
  const error = await loadConfig({ env, cwd }).then(
    () => undefined,
    (failure: unknown) => failure,
  );
  if (!isLabopsError(error)) throw new Error('expected a configuration error');
  return error;
}

describe('HEALTH_PORT, HEALTH_HOST and LOG_FORMAT (issue 12 §3, §5)', () => {
  it.each([
    {
      name: 'the Slack modes on 127.0.0.1:9470',
      env: { SLACK_BOT_TOKEN: BOT, SLACK_APP_TOKEN: APP },
      health: { host: '127.0.0.1', port: DEFAULT_HEALTH_PORT },
    },
    { name: 'the shell with none', env: {}, health: undefined },
    {
      name: 'the shell on HEALTH_PORT when set',
      env: { HEALTH_PORT: '0' },
      health: { host: '127.0.0.1', port: 0 },
    },
    {
      name: 'none with HEALTH_PORT=off',
      env: { SLACK_BOT_TOKEN: BOT, SLACK_APP_TOKEN: APP, HEALTH_PORT: 'OFF' },
      health: undefined,
    },
    {
      name: 'a wider HEALTH_HOST',
      env: { SLACK_BOT_TOKEN: BOT, SLACK_SIGNING_SECRET: SIGNING, HEALTH_HOST: '::', HEALTH_PORT: ' 9100 ' },
      health: { host: '::', port: 9100 },
    },
  ])('serves health and metrics in $name', async ({ env, health }) => {
    const config = await loadConfig({ env, cwd });
    expect(config.health).toEqual(health);
    expect(config.logFormat).toBe('json');
  });

  it('reads LOG_FORMAT=pretty', async () => {
    expect((await loadConfig({ env: { LOG_FORMAT: 'pretty' }, cwd })).logFormat).toBe('pretty');
  });

  it('warns, in the log, when HEALTH_HOST reaches beyond this machine', async () => {
    const config = await loadConfig({ env: { HEALTH_PORT: '0', HEALTH_HOST: '0.0.0.0' }, cwd });
    expect(config.warnings).toEqual([expect.stringContaining('HEALTH_HOST is 0.0.0.0')]);
    expect((await loadConfig({ env: { HEALTH_PORT: '0', HEALTH_HOST: '::1' }, cwd })).warnings).toEqual([]);
  });

  it('reports bad values with every other problem of the environment', async () => {
    const error = await loadError({
      HEALTH_PORT: '70000',
      HEALTH_HOST: 'metrics.example.com',
      LOG_FORMAT: 'yaml',
      LOG_LEVEL: 'loud',
    });
    expect(error.code).toBe('CONFIG');
    expect(error.message).toBe('Configuration has 4 problems in the environment:');
    expect(error.details).toEqual(
      expect.arrayContaining([
        'LOG_LEVEL: must be one of fatal, error, warn, info, debug, trace, silent',
        'LOG_FORMAT: must be json (one JSON object a line, for tools) or pretty (lines for people at a terminal)',
        'HEALTH_PORT: must be at most 65535',
        'HEALTH_HOST: must be an IP address to listen on: 127.0.0.1 (this machine only, the default) or e.g. 0.0.0.0 (every interface)',
      ]),
    );
    expect(error.details).not.toEqual(
      expect.arrayContaining([expect.stringContaining('metrics.example.com')]),
    );
  });

  it('refuses a HEALTH_PORT that is no port, in the reader’s language', async () => {
    const error = await loadError({ HEALTH_PORT: 'ninety' });
    expect(error.details).toEqual([
      'HEALTH_PORT: must be a port number for /healthz, /readyz and /metrics (0 lets the system choose), or off to serve none',
    ]);
    expect(formatConfigProblems(error, 'ko').split('\n')[1]).toBe(
      '  - HEALTH_PORT: /healthz, /readyz, /metrics를 제공할 포트 번호(0이면 시스템이 고릅니다)이거나, 아무것도 제공하지 않으려면 off여야 합니다',
    );
  });

  it('refuses the health port on the HTTP receiver’s port, set or by default', async () => {
    const set = await loadError({
      SLACK_BOT_TOKEN: BOT,
      SLACK_SIGNING_SECRET: SIGNING,
      PORT: '8080',
      HEALTH_PORT: '8080',
    });
    expect(set.details).toEqual([
      "HEALTH_PORT: is the port Slack's requests arrive on (PORT 8080) — /metrics must stay off the public receiver: choose another HEALTH_PORT",
    ]);
    const byDefault = await loadError({
      SLACK_BOT_TOKEN: BOT,
      SLACK_SIGNING_SECRET: SIGNING,
      PORT: String(DEFAULT_HEALTH_PORT),
    });
    expect(byDefault.details[0]).toMatch(/^HEALTH_PORT: is the port Slack's requests arrive on/);
    // Both picked by the system are two ports.
    const config = await loadConfig({
      env: { SLACK_BOT_TOKEN: BOT, SLACK_SIGNING_SECRET: SIGNING, PORT: '0', HEALTH_PORT: '0' },
      cwd,
    });
    expect(config.health?.port).toBe(0);
  });
});
