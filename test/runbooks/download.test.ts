import { createHash } from 'node:crypto';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isLabopsError, type LabopsError } from '../../src/errors.js';
import { renderText } from '../../src/i18n/render.js';
import { type RunbookApplyParams, runbookApplyStep } from '../../src/jobs/runbook-steps.js';
import type { StepContext } from '../../src/jobs/steps.js';
import { renderStep } from '../../src/runbooks/render.js';
import { ISO_IMAGE_DIR, planIsoIntoIsoDomain } from '../../src/runbooks/runbooks.js';
import { createSshDriver } from '../../src/runbooks/ssh-driver.js';
import type { MachineDriver } from '../../src/runbooks/types.js';
import { startSimulator } from '../../src/sim/index.js';
import { createSimDriver } from '../../src/sim/machine-driver.js';
import type { Simulator } from '../../src/sim/types.js';
import { renderHtmlPage } from '../support/http-source.js';
import { createLabRunner, getLabConfig, runOnHost, statOnHost, useSshLab } from '../support/ssh-lab.js';

/**
 * The storage server's download of an ISO (issue 10 §3), run the same way on a real sshd host
 * (the rendered script: curl, head -c, the checks) and on the simulated storage server (which
 * must answer alike): the same sources, the same outcomes, the same words.
 */

const lab = useSshLab();
const DOMAIN_ID = '7c1d2e3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f';
const DIR = `/export/iso/${DOMAIN_ID}/images/${ISO_IMAGE_DIR}`;
/** The name the source is reached by: no resolver knows it; only `--resolve` (or the sim's pin) does. */
const MIRROR = 'mirror.labops.test';
const SIZE = 100_000;
const ISO = Buffer.alloc(SIZE, 5);
ISO.write('CD001', 32769, 'latin1');
const ISO_SHA256 = createHash('sha256').update(ISO).digest('hex');
const sha = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

/** The source, reachable from the lab hosts (the gateway address) and from this process. */
let server: Server;
let port: number;
const hanging = new Set<ServerResponse>();
/** Bytes sent by the endless source: curl (through head -c) must stop it early. */
let endlessSent = 0;

beforeAll(async () => {
  server = createServer((req, res) => {
    const ranged = req.headers.range !== undefined;
    switch (req.url) {
      case '/good.iso':
        res.writeHead(200, { 'content-length': SIZE }).end(ISO);
        return;
      case '/html.iso':
        // A Range answer that looks like the ISO; the body is an HTML page of another size.
        if (ranged) res.writeHead(206, { 'content-range': `bytes 32769-32773/${SIZE}` }).end('CD001');
        else res.writeHead(200, { 'content-type': 'text/html' }).end(renderHtmlPage(4980));
        return;
      case '/html-same-size.iso':
        res.writeHead(200, { 'content-type': 'text/html' }).end(renderHtmlPage(SIZE));
        return;
      case '/endless.iso': {
        // No Content-Length (curl 7.29's --max-filesize does nothing then): it never stops by itself.
        res.writeHead(200, { 'content-type': 'application/octet-stream' });
        const chunk = Buffer.alloc(16 * 1024, 5);
        const pump = () => {
          while (endlessSent < 64 * 1024 * 1024) {
            endlessSent += chunk.length;
            if (!res.write(chunk)) {
              res.once('drain', pump);
              return;
            }
          }
          res.end();
        };
        res.on('error', () => undefined);
        pump();
        return;
      }
      case '/moved.iso':
        res
          .writeHead(302, { location: '/good.iso', 'content-type': 'text/html' })
          .end('<a href="/good.iso">moved</a>');
        return;
      case '/hang.iso':
        hanging.add(res);
        res.writeHead(200, { 'content-length': SIZE });
        res.write(ISO.subarray(0, 1000));
        return;
      default:
        res.writeHead(404).end('not found');
    }
  });
  await new Promise<void>((resolve) => server.listen(0, lab().gatewayAddress, resolve));
  port = (server.address() as AddressInfo).port;
});
afterAll(async () => {
  for (const res of hanging) res.destroy();
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

function download(name: string, path: string, extra: { sha256?: string; maxSeconds?: number } = {}) {
  const [item] = planIsoIntoIsoDomain(getLabConfig(lab()), {
    export: 'iso',
    domainId: DOMAIN_ID,
    url: `http://${MIRROR}:${port}${path}`,
    address: lab().gatewayAddress,
    sizeBytes: SIZE,
    name,
    ...extra,
  });
  return item!;
}

interface Outcome {
  status?: string;
  detail?: string | undefined;
  error?: string;
  output: string[];
}

/** Runs the item as a job's `runbook.apply` step does (its failure explained), collecting the output. */
async function apply(machines: MachineDriver, item: ReturnType<typeof download>): Promise<Outcome> {
  const output: string[] = [];
  const ctx = {
    machines,
    signal: new AbortController().signal,
    output: (line: string) => output.push(line),
  } as unknown as StepContext;
  const params: RunbookApplyParams = { machine: item.machine, step: item.step, timeoutMs: 60_000 };
  try {
    const result = await runbookApplyStep.run(ctx, params);
    return {
      status: result.status,
      detail: result.detail === undefined ? undefined : renderText('en', result.detail),
      output,
    };
  } catch (error) {
    if (!isLabopsError(error)) throw error;
    return { error: (error as LabopsError).message, output };
  }
}

describe('the rendered download', () => {
  it('connects to the checked address by name, follows nothing, is bounded in time and size, and checks the result', () => {
    const lines = renderStep(download('alma9.iso', '/good.iso', { sha256: ISO_SHA256 }).step);
    const curl = lines.find((l) => l.startsWith('curl'))!;
    expect(curl).toBe(
      `curl -sS --fail --proto =http,https --max-time ${300 + 1} --resolve '${MIRROR}:${port}:${lab().gatewayAddress}' --url 'http://${MIRROR}:${port}/good.iso' | head -c ${SIZE + 1} >"$t" || fail 'the file could not be written'`,
    );
    expect(lines.join('\n')).not.toMatch(/ -L|--location/);
    expect(lines).toContain(`t='${DIR}/.alma9.iso'`);
    expect(lines).toContain(
      `[ "$n" -eq ${SIZE} ] || fail 'the source sent %s bytes, not the %s the plan checked' "$n" ${SIZE}`,
    );
    expect(lines.some((l) => l.includes('skip=32769 count=5') && l.includes('CD001'))).toBe(true);
    expect(lines.some((l) => l.includes(ISO_SHA256))).toBe(true);
    expect(lines.at(-1)).toBe(`mv -f -- "$t" '${DIR}/alma9.iso'`);
  });
});

describe.each(['sshd', 'simulated'] as const)('an ISO domain download on the %s storage server', (kind) => {
  let machines: MachineDriver;
  let sim: Simulator | undefined;
  /** The entries of the ISO directory, dotfiles included. */
  let list: () => Promise<string[]>;
  let clear: () => Promise<void>;
  beforeAll(async () => {
    if (kind === 'sshd') {
      machines = createSshDriver(await createLabRunner(lab()));
      const sh = async (script: string) => {
        const result = await runOnHost(lab(), 'storage', script);
        if (result.code !== 0) throw new Error(`${script}: ${result.stderr}`);
        return result.stdout;
      };
      clear = async () => {
        await sh(
          `rm -rf /export/iso/${DOMAIN_ID} && mkdir -p ${DIR} && chown -R 36:36 /export/iso/${DOMAIN_ID}`,
        );
      };
      list = async () => (await sh(`ls -A ${DIR}`)).split('\n').filter(Boolean);
    } else {
      sim = await startSimulator({ timeScale: 0.002 });
      machines = createSimDriver(sim);
      const storage = sim.machines.get('storage')!;
      clear = async () => {
        for (const key of [...storage.files.keys()])
          if (key.startsWith(`/export/iso/${DOMAIN_ID}`)) storage.files.delete(key);
        for (const d of [`/export/iso/${DOMAIN_ID}`, `/export/iso/${DOMAIN_ID}/images`, DIR]) {
          storage.files.set(d, { kind: 'dir', uid: 36, gid: 36, mode: 0o755 });
        }
      };
      list = async () =>
        [...storage.files.keys()]
          .filter((k) => k.startsWith(`${DIR}/`))
          .map((k) => k.slice(DIR.length + 1))
          .sort();
    }
  });
  afterAll(async () => {
    await machines?.close();
    await sim?.close();
  });

  it('stores the ISO 36:36 0640 under its name, says its sha256, and is ok the second time', async () => {
    await clear();
    const item = download('alma9.iso', '/good.iso', { sha256: ISO_SHA256 });
    const done = await apply(machines, item);
    expect(done.error).toBeUndefined();
    expect(done.status).toBe('changed');
    expect(done.detail).toBe(`${DIR}/alma9.iso: 36:36:640, ${SIZE} bytes, sha256 ${ISO_SHA256}`);
    expect(done.output).toContain(`sha256 ${ISO_SHA256}`);
    expect(await list()).toEqual(['alma9.iso']);
    if (kind === 'sshd') {
      expect(await statOnHost(lab(), 'storage', `${DIR}/alma9.iso`)).toBe('36:36 640 regular file');
    }
    expect((await apply(machines, item)).status).toBe('ok');
    // Without --sha256 the report still says what was stored.
    const plain = await apply(machines, download('plain.iso', '/good.iso'));
    expect(plain.detail).toBe(`${DIR}/plain.iso: 36:36:640, ${SIZE} bytes, sha256 ${ISO_SHA256}`);
  });

  it.each([
    {
      source: '/html.iso',
      why: `the source sent 4980 bytes, not the ${SIZE} the plan checked`,
    },
    {
      source: '/html-same-size.iso',
      why: 'it is not an ISO 9660 image (no CD001 at byte 32769)',
    },
    {
      source: '/endless.iso',
      why: `the source sent more than the ${SIZE} bytes the plan checked`,
    },
    {
      source: '/moved.iso',
      why: `the source sent ${'<a href="/good.iso">moved</a>'.length} bytes, not the ${SIZE} the plan checked`,
    },
    { source: '/missing.iso', why: `the source sent 0 bytes, not the ${SIZE} the plan checked` },
  ])('fails on $source saying why, and leaves no file', async ({ source, why }) => {
    await clear();
    const failed = await apply(machines, download('x.iso', source));
    expect(failed.error).toBe(`The download on storage failed: ${why}. The partial file was removed.`);
    expect(await list()).toEqual([]);
    if (source === '/missing.iso') expect(failed.output.join('\n')).toMatch(/curl: \(22\)/);
  });

  it('stops reading an endless source after one byte more than the plan checked', async () => {
    await clear();
    endlessSent = 0;
    await apply(machines, download('x.iso', '/endless.iso'));
    // head -c closes the pipe; curl stops: nowhere near the 64 MiB the source would send.
    expect(endlessSent).toBeLessThan(16 * 1024 * 1024);
  });

  it('fails on a wrong sha256, naming both', async () => {
    await clear();
    const wrong = 'f'.repeat(64);
    const failed = await apply(machines, download('x.iso', '/good.iso', { sha256: wrong }));
    expect(failed.error).toBe(
      `The download on storage failed: its sha256 is ${ISO_SHA256}, not the ${wrong} given. The partial file was removed.`,
    );
    expect(await list()).toEqual([]);
    expect(sha(ISO)).toBe(ISO_SHA256);
  });

  it('gives up at --max-time on a source that stops sending', async () => {
    await clear();
    const failed = await apply(machines, download('x.iso', '/hang.iso', { maxSeconds: 1 }));
    expect(failed.error).toBe(
      `The download on storage failed: the source sent 1000 bytes, not the ${SIZE} the plan checked. The partial file was removed.`,
    );
    expect(failed.output.join('\n')).toMatch(/curl: \(28\)/);
    expect(await list()).toEqual([]);
  });
});
