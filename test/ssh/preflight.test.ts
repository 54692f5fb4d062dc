import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { DownloadPort } from '../../src/downloads.js';
import type { EngineClient } from '../../src/engine/engine-client.js';
import { renderText } from '../../src/i18n/render.js';
import { verbatim } from '../../src/i18n/text.js';
import { EventBus } from '../../src/jobs/events.js';
import { JobExecutor } from '../../src/jobs/executor.js';
import { preflightStep, runbookSteps, toStepSpecs } from '../../src/jobs/runbook-steps.js';
import { StepRegistry } from '../../src/jobs/steps.js';
import { labInfoFromSeed } from '../../src/lab-info.js';
import { createSilentLogger } from '../../src/log.js';
import {
  listPreflightProbes,
  PREFLIGHT_STEP_TIMEOUT_MS,
  runPreflight,
} from '../../src/runbooks/preflight.js';
import { createSshDriver } from '../../src/runbooks/ssh-driver.js';
import type { MachineDriver } from '../../src/runbooks/types.js';
import { openStore } from '../../src/store/sqlite-store.js';
import type { Store } from '../../src/store/types.js';
import { proposeTestJob } from '../support/jobs.js';
import { createLabRunner, getLabConfig, getLabHost, runOnHost, useSshLab } from '../support/ssh-lab.js';

/**
 * The pre-flight against real sshd hosts (issue 9 §6): hyper1 answers; the storage server's SSH
 * port is one nothing listens on, so the connection is refused as when its sshd is stopped.
 */
const lab = useSshLab();

/** A loopback port nothing listens on: bound, then closed. */
async function findClosedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return address.port;
}

let dir: string;
let store: Store;
let machines: MachineDriver;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'labops-ssh-preflight-'));
  store = openStore({ path: join(dir, 'labops.db') });
  const storage = getLabHost(lab(), 'storage');
  const hyper1 = getLabHost(lab(), 'hyper1');
  machines = createSshDriver(
    await createLabRunner(lab(), {
      targets: [
        {
          machine: 'storage',
          host: '127.0.0.1',
          port: await findClosedPort(),
          user: 'root',
          hostKey: storage.fingerprint,
        },
        {
          machine: 'hyper1',
          host: hyper1.address,
          port: hyper1.port,
          user: 'root',
          hostKey: hyper1.fingerprint,
        },
      ],
    }),
  );
});
afterEach(async () => {
  await machines.close();
  await store.close();
  await rm(dir, { recursive: true, force: true });
});

describe('the pre-flight over SSH', () => {
  it('names the storage server refused and hyper1 answering', async () => {
    const probes = listPreflightProbes(getLabConfig(lab()), {
      machines: ['storage', 'hyper1'],
      mounted: ['/export/data'],
      exported: [],
    });
    const report = await runPreflight(machines, probes);
    expect(report.ok).toBe(false);
    expect(report.unreachable.map((u) => ({ ...u, reason: renderText('en', u.reason) }))).toEqual([
      {
        machine: 'storage',
        reason: expect.stringMatching(/^Cannot reach storage \(127\.0\.0\.1:\d+\): ECONNREFUSED\.$/),
      },
    ]);
    expect(renderText('ko', report.problems[0] ?? verbatim(''))).toMatch(
      /^storage에 SSH로 연결할 수 없습니다: storage \(127\.0\.0\.1:\d+\)에 연결할 수 없습니다: ECONNREFUSED\.$/,
    );
    expect(report.outcomes.find((o) => o.probe.machine === 'hyper1')?.status).toBe('ok');

    // The same probes through the storage server's own sshd: its export is a mounted tmpfs.
    const direct = createSshDriver(await createLabRunner(lab()));
    try {
      expect(await runPreflight(direct, probes)).toMatchObject({ ok: true, problems: [] });
    } finally {
      await direct.close();
    }
  });

  it('fails a job at its first step and never runs the step that would change the storage server', async () => {
    const token = `preflight${Date.now()}`;
    const planned = [
      {
        kind: preflightStep.kind,
        title: verbatim('Check before any change'),
        params: { machines: ['storage', 'hyper1'], mounted: ['/export/data'], exported: [] },
        shows: [],
        timeoutMs: PREFLIGHT_STEP_TIMEOUT_MS,
      },
      ...toStepSpecs([
        {
          machine: 'storage',
          step: { type: 'ensure-line', path: `/tmp/${token}.txt`, line: 'changed' },
          title: verbatim('A change on storage'),
        },
      ]),
    ];
    // A reset is critical: two approvers other than the requester queue it.
    const { approval } = await proposeTestJob(store, {
      id: 'job-pre',
      command: 'lab reset',
      text: '',
      requester: 'shell:alice',
      risk: 'critical',
      eligible: ['shell:bob', 'shell:carol'],
      required: 2,
      steps: planned,
    });
    for (const by of ['shell:bob', 'shell:carol']) {
      expect((await store.decideApproval(approval.id, by, 'approve', Date.now())).outcome).toBe('recorded');
    }
    expect((await store.getJob('job-pre'))?.status).toBe('queued');
    const executor = new JobExecutor({
      store,
      steps: new StepRegistry([preflightStep, ...runbookSteps]),
      engine: { withCorrelationId: () => ({ withSignal: () => ({}) }) } as unknown as EngineClient,
      downloads: {} as DownloadPort,
      machines,
      lab: { ...labInfoFromSeed(), runbook: getLabConfig(lab()), simulated: false },
      bus: new EventBus(),
      clock: () => Date.now(),
      logger: createSilentLogger(),
      defaultStepTimeoutMs: 60_000,
    });
    const job = await executor.run('job-pre');
    expect(job.status).toBe('failed');
    expect(job.error).toContain(
      'Step 1 (Check before any change) failed: The pre-flight failed, before any change',
    );
    expect(job.error).toContain('ECONNREFUSED');
    const steps = await store.listSteps('job-pre');
    expect(steps.map((s) => s.status)).toEqual(['failed', 'skipped']);
    expect(steps[0]?.tail).toContain('ok: hyper1: hyper1 answers over SSH');
    expect((await runOnHost(lab(), 'storage', `test -e /tmp/${token}.txt`)).code).not.toBe(0);
  });
});
