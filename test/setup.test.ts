import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fetchEngineCa } from '../src/engine/pki.js';
import { formatError, isLabopsError } from '../src/errors.js';
import { runFetchEngineCa } from '../src/setup.js';
import { type SimLab, startSimLab } from './support/engine.js';

let lab: SimLab;
let dir: string;
beforeAll(async () => {
  lab = await startSimLab();
  dir = mkdtempSync(join(tmpdir(), 'labops-setup-'));
});
afterAll(async () => {
  await lab?.close();
  rmSync(dir, { recursive: true, force: true });
});

function io(answer?: string) {
  const output = new PassThrough();
  const input = new PassThrough();
  let text = '';
  output.on('data', (d: Buffer) => {
    text += d.toString();
  });
  if (answer !== undefined) input.end(answer);
  return { output, input, text: () => text };
}

describe('--fetch-engine-ca in Korean (issue 16)', () => {
  it('shows the CA, asks in Korean, takes 예 for yes, and says what it wrote', async () => {
    const ca = await fetchEngineCa(lab.sim.baseUrl);
    const origin = new URL(lab.sim.baseUrl).origin;
    const caFile = join(dir, 'ca.pem');
    const streams = io('예\n');
    const code = await runFetchEngineCa({
      engineUrl: lab.sim.baseUrl,
      caFile,
      yes: false,
      interactive: true,
      locale: 'ko',
      ...streams,
    });
    expect(code).toBe(0);
    expect(readFileSync(caFile, 'utf8').trim()).toBe(lab.sim.caPem.trim());
    expect(streams.text().split('\n')).toEqual([
      `${origin}의 엔진이 게시하는 CA입니다:`,
      `  주체:        ${ca.subject.replace(/\n/g, ', ')}`,
      `  SHA-256:     ${ca.fingerprint256}`,
      `  유효 기한:   ${ca.validTo}`,
      '엔진에서 직접 비교해 보십시오: openssl x509 -in /etc/pki/ovirt-engine/ca.pem -noout -fingerprint -sha256',
      `이 CA를 신뢰하고 ${caFile}에 저장하시겠습니까? [y/N] ${caFile}에 저장했습니다.`,
      '',
    ]);

    const again = io();
    expect(
      await runFetchEngineCa({
        engineUrl: lab.sim.baseUrl,
        caFile,
        yes: true,
        interactive: false,
        locale: 'ko',
        ...again,
      }),
    ).toBe(0);
    expect(again.text()).toContain(`\n${caFile}에 이미 이 CA가 있습니다. 할 일이 없습니다.\n`);
  });

  it('writes nothing without a yes, and refuses a different CA, in Korean', async () => {
    const caFile = join(dir, 'unconfirmed.pem');
    const piped = io();
    expect(
      await runFetchEngineCa({
        engineUrl: lab.sim.baseUrl,
        caFile,
        yes: false,
        interactive: false,
        locale: 'ko',
        ...piped,
      }),
    ).toBe(1);
    expect(piped.text()).toMatch(/\n저장하지 않았습니다: 묻지 않고 신뢰하려면 --yes를 붙이십시오\.\n$/);
    const declined = io('n\n');
    expect(
      await runFetchEngineCa({
        engineUrl: lab.sim.baseUrl,
        caFile,
        yes: false,
        interactive: true,
        locale: 'ko',
        ...declined,
      }),
    ).toBe(1);
    expect(declined.text()).toMatch(/신뢰하지 않았으므로 아무것도 저장하지 않았습니다\.\n$/);
    expect(() => readFileSync(caFile)).toThrow();

    const other = join(dir, 'other.pem');
    writeFileSync(other, '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n');
    const refused = await runFetchEngineCa({
      engineUrl: lab.sim.baseUrl,
      caFile: other,
      yes: true,
      interactive: false,
      locale: 'ko',
      ...io(),
    }).catch((error: unknown) => error);
    if (!isLabopsError(refused)) throw new Error('expected a refusal');
    expect(refused.code).toBe('CONFLICT');
    expect(refused.message).toBe(`${other} holds a different CA; labops will not overwrite it.`);
    expect(formatError(refused, 'ko')).toBe(
      [
        `${other}에 다른 CA가 있습니다. labops는 이 파일을 덮어쓰지 않습니다.`,
        '도움말: 엔진을 다시 설치했다면 CA가 바뀐 이유를 확인한 뒤 기존 파일을 다른 곳으로 옮기고 다시 실행하십시오.',
      ].join('\n'),
    );
  });
});
