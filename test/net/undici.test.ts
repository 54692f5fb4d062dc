import { readdirSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Agent, buildConnector, errors, Pool, request } from '../../src/net/undici.js';
import { REPO_ROOT } from '../support/processes.js';

let server: Server;
let base: string;
beforeAll(async () => {
  // Answers with what it was asked: the method, the path and the body's length.
  server = createServer((req, res) => {
    let length = 0;
    req.on('data', (chunk: Buffer) => {
      length += chunk.length;
    });
    req.on('end', () => res.end(`${req.method} ${req.url} ${length}`));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

describe("undici's parts, loaded without its index (issue 12 §6)", () => {
  it("are undici's own: an undici release that moves them fails here", async () => {
    const undici = await import('undici');
    expect(Agent).toBe(undici.Agent);
    expect(Pool).toBe(undici.Pool);
    expect(errors).toBe(undici.errors);
    expect(buildConnector).toBe(undici.buildConnector);
  });

  it("request sends as undici's request does: the path with its query, GET without a body, PUT with one", async () => {
    const agent = new Agent();
    try {
      const get = await request(`${base}/iso/a.iso?x=1&y=2`, { dispatcher: agent });
      expect(get.statusCode).toBe(200);
      expect(await get.body.text()).toBe('GET /iso/a.iso?x=1&y=2 0');
      const put = await request(new URL('/upload', base), { dispatcher: agent, body: Buffer.alloc(5) });
      expect(await put.body.text()).toBe('PUT /upload 5');
      const head = await request(`${base}/`, { dispatcher: agent, method: 'HEAD' });
      expect(head.statusCode).toBe(200);
      await head.body.dump();
    } finally {
      await agent.close();
    }
  });

  it('are the only way labops reaches undici: no other module imports its index', () => {
    const offenders: string[] = [];
    const visit = (dir: string) => {
      for (const entry of readdirSync(dir, { withFileTypes: true })) {
        const path = join(dir, entry.name);
        if (entry.isDirectory()) visit(path);
        else if (entry.name.endsWith('.ts') && path !== join(REPO_ROOT, 'src/net/undici.ts')) {
          const text = readFileSync(path, 'utf8');
          // A type-only import loads nothing.
          if (/^import (?!type )[^;]*from 'undici';/m.test(text)) offenders.push(relative(REPO_ROOT, path));
        }
      }
    };
    for (const folder of ['src', 'commands', 'approvals']) visit(join(REPO_ROOT, folder));
    expect(offenders).toEqual([]);
  });
});
