import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanEnv, MAIN, runToEnd, spawnTs } from '../support/processes.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'labops-health-main-'));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

const SPAWN_TIMEOUT_MS = 60_000;

function start(env: Record<string, string>) {
  return spawnTs(MAIN, [], { cwd: dir, env: cleanEnv({ LANG: 'C.UTF-8', LC_ALL: '', ...env }) });
}

describe('the health port as npm start runs it (issue 12 §3–§5)', () => {
  it(
    'serves the shell on HEALTH_PORT, logs pretty lines, and closes the port when the shell ends',
    async () => {
      const child = start({ HEALTH_PORT: '0', LOG_LEVEL: 'info', LOG_FORMAT: 'pretty' });
      let stderr = '';
      const url = await new Promise<string>((resolve, reject) => {
        child.stderr?.on('data', (d: Buffer) => {
          stderr += d.toString();
          const found = /INFO {2}health and metrics served: \/healthz, \/readyz, \/metrics url=(\S+)/.exec(
            stderr,
          );
          if (found) resolve(found[1]!);
        });
        child.on('exit', (code) => reject(new Error(`exited (${code}): ${stderr}`)));
      });
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect((await fetch(`${url}/healthz`)).status).toBe(200);
      // Ready once the simulated lab is open and its engine answered.
      await expect.poll(async () => (await fetch(`${url}/readyz`)).status, { timeout: 20_000 }).toBe(200);

      child.stdin?.write('/lab status\n');
      await expect
        .poll(
          () =>
            /INFO {2}engine request method=GET path=\/ovirt-engine\/api\/hosts status=200 ms=\d+/.test(
              stderr,
            ),
          {
            timeout: 20_000,
          },
        )
        .toBe(true);
      const metrics = await (await fetch(`${url}/metrics`)).text();
      expect(metrics).toMatch(/^labops_engine_requests_total\{method="GET",status="200"\} [1-9]\d*$/m);
      // Pretty lines only: no JSON object on stderr.
      expect(stderr.split('\n').filter((line) => line.startsWith('{'))).toEqual([]);

      child.stdin?.end();
      const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
      expect(code).toBe(0);
      await expect(fetch(`${url}/healthz`)).rejects.toThrow();
    },
    SPAWN_TIMEOUT_MS,
  );

  it(
    'exits 2 listing bad HEALTH_PORT and LOG_FORMAT with the other problems',
    async () => {
      const { code, stdout, stderr } = await runToEnd(
        start({ HEALTH_PORT: 'http', LOG_FORMAT: 'yaml', HEALTH_HOST: 'localhost' }),
        '',
      );
      expect(code).toBe(2);
      expect(stdout).toBe('');
      expect(stderr.split('\n').slice(0, 4)).toEqual([
        'Configuration has 3 problems in the environment:',
        '  - LOG_FORMAT: must be json (one JSON object a line, for tools) or pretty (lines for people at a terminal)',
        '  - HEALTH_PORT: must be a port number for /healthz, /readyz and /metrics (0 lets the system choose), or off to serve none',
        '  - HEALTH_HOST: must be an IP address to listen on: 127.0.0.1 (this machine only, the default) or e.g. 0.0.0.0 (every interface)',
      ]);
    },
    SPAWN_TIMEOUT_MS,
  );

  it(
    'exits 2 when another program holds HEALTH_PORT, saying what to do',
    async () => {
      const holder: Server = createServer((_req, res) => res.end());
      await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
      const port = (holder.address() as AddressInfo).port;
      try {
        const { code, stderr } = await runToEnd(start({ HEALTH_PORT: String(port) }), '');
        expect(code).toBe(2);
        expect(stderr).toBe(
          `Cannot serve health and metrics on 127.0.0.1:${port}: EADDRINUSE.\nHint: Another program holds the port (or it needs privileges): set HEALTH_PORT to a free port, or HEALTH_PORT=off to serve none.\n`,
        );
      } finally {
        await new Promise<void>((resolve) => holder.close(() => resolve()));
      }
    },
    SPAWN_TIMEOUT_MS,
  );
});
