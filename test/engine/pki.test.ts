import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fetchEngineCa } from '../../src/engine/pki.js';
import { runFetchEngineCa } from '../../src/setup.js';
import { type SimLab, startSimLab } from '../support/engine.js';

let lab: SimLab;
let dir: string;
beforeAll(async () => {
  lab = await startSimLab();
  dir = mkdtempSync(join(tmpdir(), 'labops-pki-'));
});
afterAll(async () => {
  await lab?.close();
  rmSync(dir, { recursive: true, force: true });
});

function io() {
  const output = new PassThrough();
  let text = '';
  output.on('data', (d: Buffer) => {
    text += d.toString();
  });
  return { output, input: new PassThrough(), text: () => text };
}

describe("fetching the engine's CA at set-up", () => {
  it('reads the CA from pki-resource with its fingerprint', async () => {
    const ca = await fetchEngineCa(lab.sim.baseUrl);
    expect(ca.pem.trim()).toBe(lab.sim.caPem.trim());
    expect(ca.fingerprint256).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
  });

  it('shows the fingerprint and writes nothing without a confirmation', async () => {
    const caFile = join(dir, 'unconfirmed.pem');
    const streams = io();
    const code = await runFetchEngineCa({
      engineUrl: lab.sim.baseUrl,
      caFile,
      yes: false,
      interactive: false,
      ...streams,
    });
    expect(code).toBe(1);
    expect(streams.text()).toContain('SHA-256:');
    expect(streams.text()).toContain('add --yes');
    expect(() => readFileSync(caFile)).toThrow();
  });

  it('writes it once confirmed, and never overwrites a different CA', async () => {
    const caFile = join(dir, 'ca.pem');
    const confirmed = io();
    confirmed.input.end('y\n');
    expect(
      await runFetchEngineCa({
        engineUrl: lab.sim.baseUrl,
        caFile,
        yes: false,
        interactive: true,
        ...confirmed,
      }),
    ).toBe(0);
    expect(readFileSync(caFile, 'utf8').trim()).toBe(lab.sim.caPem.trim());
    expect(
      await runFetchEngineCa({ engineUrl: lab.sim.baseUrl, caFile, yes: true, interactive: false, ...io() }),
    ).toBe(0);

    const other = join(dir, 'other.pem');
    writeFileSync(other, '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n');
    await expect(
      runFetchEngineCa({ engineUrl: lab.sim.baseUrl, caFile: other, yes: true, interactive: false, ...io() }),
    ).rejects.toThrow(/different CA/);
  });
});
