import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isLabopsError, type LabopsError } from '../../src/errors.js';
import { renderText } from '../../src/i18n/render.js';
import { msg } from '../../src/i18n/text.js';
import { RunbookApplyParamsSchema } from '../../src/jobs/runbook-steps.js';
import { renderStep, validateStep } from '../../src/runbooks/render.js';
import { ISO_IMAGE_DIR, planIsoRemovalFromIsoDomain } from '../../src/runbooks/runbooks.js';
import { createSshDriver } from '../../src/runbooks/ssh-driver.js';
import type { MachineDriver, MachineIO } from '../../src/runbooks/types.js';
import { startSimulator } from '../../src/sim/index.js';
import { createSimDriver } from '../../src/sim/machine-driver.js';
import { createLabRunner, getLabConfig, runOnHost, useSshLab } from '../support/ssh-lab.js';

const lab = useSshLab();
const DOMAIN_ID = '3b1c9e2a-5f4d-4e6b-8a7c-1d2e3f405162';
const io = (): MachineIO => ({
  signal: new AbortController().signal,
  output: () => undefined,
  timeoutMs: 60_000,
});

async function rejection(promise: Promise<unknown>): Promise<LabopsError> {
  try {
    await promise;
  } catch (error) {
    if (isLabopsError(error)) return error;
    throw error;
  }
  throw new Error('expected a rejection');
}

async function sh(script: string): Promise<string> {
  const result = await runOnHost(lab(), 'storage', script);
  if (result.code !== 0) throw new Error(`${script} failed on storage: ${result.stderr}`);
  return result.stdout;
}

describe('removing one ISO of an ISO domain', () => {
  it('plans exactly the file under the domain’s ISO directory, quoted', () => {
    const items = planIsoRemovalFromIsoDomain(getLabConfig(lab()), {
      export: 'iso',
      domainId: DOMAIN_ID,
      name: 'CentOS-7.iso',
    });
    const path = `/export/iso/${DOMAIN_ID}/images/${ISO_IMAGE_DIR}/CentOS-7.iso`;
    expect(items).toEqual([
      {
        machine: 'storage',
        step: { type: 'remove-file', path },
        title: msg('ssh.runbook.removeIso', { name: 'CentOS-7.iso', domain: DOMAIN_ID }),
      },
    ]);
    expect(renderText('ko', items[0]!.title)).toBe(`ISO 도메인 ${DOMAIN_ID}에서 CentOS-7.iso 제거`);
    expect(renderStep(items[0]!.step)).toEqual([`rm -f -- '${path}'`]);
    expect(RunbookApplyParamsSchema.parse({ machine: 'storage', step: items[0]!.step }).step).toEqual(
      items[0]!.step,
    );
  });

  it('refuses names and paths that could reach anything else', () => {
    const config = getLabConfig(lab());
    for (const name of ['../x.iso', '.hidden.iso', 'a/b.iso', '', 'x;rm -rf /']) {
      expect(
        () => planIsoRemovalFromIsoDomain(config, { export: 'iso', domainId: DOMAIN_ID, name }),
        name,
      ).toThrow();
    }
    expect(() =>
      planIsoRemovalFromIsoDomain(config, { export: 'iso', domainId: '../..', name: 'x.iso' }),
    ).toThrow(/not a UUID/);
    expect(() => validateStep({ type: 'remove-file', path: '/export' })).toThrow(
      /not a file below an export/,
    );
    expect(() => validateStep({ type: 'remove-file', path: 'export/iso/x.iso' })).toThrow();
  });

  describe('over SSH', () => {
    let driver: MachineDriver;
    beforeAll(async () => {
      driver = createSshDriver(await createLabRunner(lab()));
    });
    afterAll(async () => {
      await driver?.close();
    });

    it('removes the file and nothing beside it; a second run is ok; a directory is refused', async () => {
      const dir = `/export/iso/${DOMAIN_ID}/images/${ISO_IMAGE_DIR}`;
      await sh(`mkdir -p ${dir} && touch ${dir}/CentOS-7.iso ${dir}/other.iso && mkdir -p ${dir}/sub.iso`);
      const [item] = planIsoRemovalFromIsoDomain(getLabConfig(lab()), {
        export: 'iso',
        domainId: DOMAIN_ID,
        name: 'CentOS-7.iso',
      });
      expect((await driver.apply('storage', item!.step, io())).status).toBe('changed');
      expect(await sh(`ls -A ${dir}`)).toBe('other.iso\nsub.iso\n');
      expect(await driver.apply('storage', item!.step, io())).toMatchObject({ status: 'ok' });
      const [sub] = planIsoRemovalFromIsoDomain(getLabConfig(lab()), {
        export: 'iso',
        domainId: DOMAIN_ID,
        name: 'sub.iso',
      });
      const refused = await rejection(driver.apply('storage', sub!.step, io()));
      expect(refused.code).toBe('CONFLICT');
      expect(refused.message).toContain('is a directory');
      expect(await sh(`ls -A ${dir}`)).toBe('other.iso\nsub.iso\n');
      await sh(`rm -rf /export/iso/${DOMAIN_ID}`);
    });
  });

  it('on the simulated storage server, the same: changed, then ok; a directory is refused', async () => {
    const sim = await startSimulator({ timeScale: 0.002 });
    try {
      const driver = createSimDriver(sim);
      const storage = sim.machines.get('storage')!;
      const dir = `/export/iso/${DOMAIN_ID}/images/${ISO_IMAGE_DIR}`;
      for (const d of [
        `/export/iso/${DOMAIN_ID}`,
        `/export/iso/${DOMAIN_ID}/images`,
        dir,
        `${dir}/sub.iso`,
      ]) {
        storage.files.set(d, { kind: 'dir', uid: 36, gid: 36, mode: 0o755 });
      }
      storage.files.set(`${dir}/CentOS-7.iso`, { kind: 'file', uid: 36, gid: 36, mode: 0o640, size: 1 });
      storage.files.set(`${dir}/other.iso`, { kind: 'file', uid: 36, gid: 36, mode: 0o640, size: 1 });
      const step = { type: 'remove-file' as const, path: `${dir}/CentOS-7.iso` };
      expect((await driver.apply('storage', step, io())).status).toBe('changed');
      expect(storage.files.has(`${dir}/CentOS-7.iso`)).toBe(false);
      expect(storage.files.has(`${dir}/other.iso`)).toBe(true);
      expect((await driver.apply('storage', step, io())).status).toBe('ok');
      const refused = await rejection(
        driver.apply('storage', { type: 'remove-file', path: `${dir}/sub.iso` }, io()),
      );
      expect(refused.message).toContain('is a directory');
    } finally {
      await sim.close();
    }
  });
});
