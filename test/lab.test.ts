import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { loadConfig } from '../src/config.js';
import { formatError, isLabopsError } from '../src/errors.js';
import { verbatim } from '../src/i18n/text.js';
import { defineStep } from '../src/jobs/steps.js';
import { createLab, type Lab } from '../src/lab.js';
import type { PlanTimers } from '../src/plan-limits.js';
import { shellCaller } from './support/core.js';
import { expectCard, expectError, viewText } from './support/dispatch.js';
import { getTestEngineOptions, type SimLab, startSimLab } from './support/engine.js';
import { type HttpSource, LOOPBACK_SOURCES, startHttpSource } from './support/http-source.js';
import { findLeaks } from './support/i18n-leaks.js';
import { queueTestJob } from './support/jobs.js';

const MiB = 1024 * 1024;
const operator = shellCaller('operator');

let source: HttpSource;
const labs: Lab[] = [];
const sims: SimLab[] = [];
const dirs: string[] = [];

beforeAll(async () => {
  // A mirror that sends its headers and one byte, then nothing: a plan that probes it never ends.
  source = await startHttpSource({ '/stalled.iso': { sizeBytes: 700 * MiB, stallAfterBytes: 1 } });
});
afterAll(async () => {
  await source.close();
});
afterEach(async () => {
  for (const lab of labs.splice(0)) await lab.close();
  for (const sim of sims.splice(0)) await sim.close();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function makeDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'labops-lab-'));
  dirs.push(dir);
  return dir;
}

async function startSim(): Promise<SimLab> {
  const sim = await startSimLab();
  sims.push(sim);
  return sim;
}

/** A lab over a simulator the test started, with the tests' engine waits. */
async function createSimLab(sim: SimLab, options: Partial<Parameters<typeof createLab>[0]> = {}) {
  const lab = await createLab({
    lab: { kind: 'simulated', simulator: sim.sim },
    engine: getTestEngineOptions(sim.sim),
    downloads: LOOPBACK_SOURCES,
    ...options,
  });
  labs.push(lab);
  return lab;
}

/** A step that never ends and ignores its signal, as a remote command that will not stop. */
const stuckStep = defineStep({
  kind: 'test.stuck',
  params: z.object({}),
  run: () => new Promise(() => undefined),
});

/** A queued job, proposed and confirmed through the store's lifecycle. */
async function createTestJob(lab: Lab, id: string, kind: string) {
  await queueTestJob(lab.store, { id, steps: [{ kind, title: verbatim(`A ${kind} step`), params: {} }] });
}

describe('a simulated lab built by createLab', () => {
  it('starts its own simulator, answers a command once started, and closes everything it opened', async () => {
    const lab = await createLab({ lab: { kind: 'simulated', simulatorOptions: { timeScale: 0.002 } } });
    labs.push(lab);
    expect(lab.info.simulated).toBe(true);
    expect(lab.policy.approvers).toEqual(['shell:alice', 'shell:bob']);
    expect(await lab.labops.start()).toEqual({ interrupted: [], pending: [], expired: [] });
    const status = await lab.labops.dispatch({ command: '/lab', text: 'status', caller: operator });
    expect(viewText(status)).toContain('hyper2');
    await lab.labops.stop(1000);
    await lab.close();
    // The simulator it started is gone, and so are the engine client and the store.
    await expect(fetch(lab.simulator!.baseUrl)).rejects.toThrow();
    await expect(lab.engine.listHosts()).rejects.toThrow();
    await expect(lab.store.listJobs()).rejects.toThrow();
    // A second close waits for the first and does nothing more.
    await lab.close();
  });

  it('refuses a second start', async () => {
    const lab = await createSimLab(await startSim());
    const first = lab.labops.start();
    // Refused even while the first is still recovering.
    await expect(lab.labops.start()).rejects.toThrow(/started already/);
    await first;
    await expect(lab.labops.start()).rejects.toThrow(/started already/);
  });
});

describe('a lab from a lab file', () => {
  it('reaches the engine the file names through its CA, with the policy and limits the file sets', async () => {
    const sim = await startSim();
    const dir = makeDir();
    writeFileSync(
      join(dir, 'lab.yml'),
      `engine:
  url: ${sim.sim.baseUrl}
  user: ${sim.sim.user}
  ca_file: ${sim.sim.caFile}
hosts:
  - name: hyper1
    address: hyper1.abc.local
  - name: hyper2
    address: hyper2.abc.local
storage:
  server:
    name: storage
    address: ovirt.abc.local
  export_roots: [/export]
  exports:
    - name: data
      path: /export/data
    - name: iso
      path: /export/iso
baseline:
  storage_domains:
    - name: nfs-data
      type: data
      export: data
  hosts: [hyper1, hyper2]
policy:
  approvers: [shell:alice]
  commands:
    host maintenance:
      approvers: [shell:bob]
      expiry_minutes: 5
limits:
  plan_seconds: 7
name: team1
`,
    );
    const config = await loadConfig({
      env: { LAB_CONFIG: 'lab.yml', LABOPS_ENGINE_PASSWORD: sim.sim.password },
      cwd: dir,
    });
    const [source] = config.labs;
    if (source?.kind !== 'file') throw new Error('expected a lab file');
    const lab = await createLab({
      lab: { kind: 'file', source, ssh: config.ssh },
      store: { dir: join(dir, 'data') },
    });
    labs.push(lab);
    expect(lab.info.simulated).toBe(false);
    expect(lab.info.name).toBe('team1');
    expect(lab.policy).toEqual({
      askers: 'anyone',
      channels: 'anywhere',
      approvers: ['shell:alice'],
      expiryMinutes: 15,
      commands: { 'host maintenance': { approvers: ['shell:bob'], expiryMinutes: 5 } },
    });

    await lab.labops.start();
    expect(
      viewText(await lab.labops.dispatch({ command: '/lab', text: 'status', caller: operator })),
    ).toContain('hyper1');
    const card = expectCard(
      await lab.labops.dispatch({ command: '/host', text: 'maintenance hyper2', caller: operator }),
    );
    expect(card.approval.eligible).toEqual(['shell:bob']);
    expect(card.approval.expiresAt - card.approval.createdAt).toBe(5 * 60_000);

    await lab.close();
    await expect(lab.store.listJobs()).rejects.toThrow();
    // The data directory is free again: another lab may own it now.
    const again = await createLab({
      lab: { kind: 'file', source, ssh: config.ssh },
      store: { dir: join(dir, 'data') },
    });
    labs.push(again);
    expect((await again.store.listJobs()).map((j) => [j.id, j.lab])).toEqual([[card.job.id, 'team1']]);
  });
});

describe('a lab file whose engine CA cannot be read', () => {
  it('is refused before anything opens, saying so in the reader’s language', async () => {
    const dir = makeDir();
    writeFileSync(
      join(dir, 'lab.yml'),
      `engine:
  url: https://ovirt.abc.local/ovirt-engine
  ca_file: missing-ca.pem
hosts:
  - name: hyper1
    address: hyper1.abc.local
storage:
  server:
    name: storage
    address: ovirt.abc.local
  exports:
    - name: data
      path: /export/data
policy:
  approvers: [shell:alice]
`,
    );
    const config = await loadConfig({
      env: { LAB_CONFIG: 'lab.yml', LABOPS_ENGINE_PASSWORD: 'pw' },
      cwd: dir,
    });
    const [source] = config.labs;
    if (source?.kind !== 'file') throw new Error('expected a lab file');
    const refused = await createLab({
      lab: { kind: 'file', source, ssh: config.ssh },
      store: { dir: join(dir, 'data') },
    }).catch((error: unknown) => error);
    if (!isLabopsError(refused)) throw new Error('expected a refusal');
    const caFile = join(dir, 'missing-ca.pem');
    expect(refused.code).toBe('CONFIG');
    expect(refused.message).toBe(`Cannot read the engine CA file ${caFile}: ENOENT.`);
    expect(formatError(refused, 'ko')).toBe(
      [
        `엔진 CA 파일을 읽을 수 없습니다: ${caFile} (ENOENT).`,
        '도움말: https://ENGINE/ovirt-engine/services/pki-resource?resource=ca-certificate&format=X509-PEM-CA 에서 내려받은 뒤 engine.ca_file이 그 파일을 가리키게 하십시오.',
      ].join('\n'),
    );
    expect(findLeaks(refused.text)).toEqual([]);
    expect(findLeaks(refused.hintText ?? verbatim(''))).toEqual([]);
  });
});

describe('start', () => {
  it('runs recovery: a job left running is interrupted and audited', async () => {
    const sim = await startSim();
    const dbPath = join(makeDir(), 'labops.db');
    const first = await createSimLab(sim, { store: { path: dbPath } });
    await createTestJob(first, 'job-left', 'test.stuck');
    // As a process that died mid-step leaves it.
    expect((await first.store.startJob('job-left', Date.now()))?.status).toBe('running');
    await first.close();

    const second = await createSimLab(sim, { store: { path: dbPath } });
    const report = await second.labops.start();
    expect(report.interrupted.map((j) => j.id)).toEqual(['job-left']);
    await second.labops.whenReviewed();
    expect((await second.store.getJob('job-left'))?.status).toBe('interrupted');
    expect((await second.store.listAudit(10)).map((e) => e.type)).toContain('job:interrupted');
  });

  it('runs the expiry sweep: a card past its expiry expires with nobody asking', async () => {
    const clock = { now: Date.parse('2026-11-28T10:00:00Z') };
    const lab = await createSimLab(await startSim(), { clock: () => clock.now, expiryCheckMs: 5 });
    const card = expectCard(
      await lab.labops.dispatch({ command: '/host', text: 'maintenance hyper2', caller: operator }),
    );
    await lab.labops.start();
    clock.now += 16 * 60_000;
    const expired = await new Promise<string>((resolve) =>
      lab.labops.bus.subscribe((event) => {
        if (event.type === 'approval:expired') resolve(event.approval.id);
      }),
    );
    expect(expired).toBe(card.approval.id);
    expect((await lab.store.getJob(card.job.id))?.status).toBe('expired');
  });
});

describe('stop', () => {
  it('ends within its bound with a plan in flight and a job whose step will not stop', async () => {
    let planStarted!: () => void;
    const planning = new Promise<void>((resolve) => {
      planStarted = resolve;
    });
    // A plan deadline that never passes: only the stop ends the plan.
    const planTimers: PlanTimers = {
      deadline: () => {
        planStarted();
        return new AbortController().signal;
      },
    };
    let stepStarted!: () => void;
    const stepping = new Promise<void>((resolve) => {
      stepStarted = resolve;
    });
    const lab = await createSimLab(await startSim(), { planTimers, steps: [stuckStep] });
    lab.labops.bus.subscribe((event) => {
      if (event.type === 'step:started') stepStarted();
    });
    await lab.labops.start();
    await createTestJob(lab, 'job-stuck', 'test.stuck');
    void lab.labops.executor.run('job-stuck');
    const plan = lab.labops.dispatch({
      command: '/iso',
      text: `upload ${source.url('/stalled.iso')}`,
      caller: operator,
    });
    await Promise.all([planning, stepping]);

    await lab.labops.stop(200);
    const error = expectError(await plan);
    expect(error.code).toBe('CANCELLED');
    expect((await lab.store.listAudit(10)).map((e) => e.type)).toContain('plans:cancelled');
    // A stopped labops takes no new plan.
    expect(
      expectError(
        await lab.labops.dispatch({ command: '/host', text: 'maintenance hyper2', caller: operator }),
      ).code,
    ).toBe('CANCELLED');
  });
});

describe('two labs built by two calls', () => {
  it('share nothing: a job in one leaves the other lab, its store and its life untouched', async () => {
    const [simA, simB] = [await startSim(), await startSim()];
    const a = await createSimLab(simA, { store: { dir: makeDir() } });
    const b = await createSimLab(simB, { store: { dir: makeDir() } });
    await a.labops.start();
    await b.labops.start();

    const card = expectCard(
      await a.labops.dispatch({ command: '/host', text: 'maintenance hyper2', caller: operator }),
    );
    expect((await a.labops.click(card.approval.id, shellCaller('alice'), 'approve')).outcome).toBe(
      'approved',
    );
    expect((await a.labops.executor.whenFinished(card.job.id))?.status).toBe('succeeded');
    expect((await simA.client.findHost('hyper2')).status).toBe('maintenance');
    expect((await simB.client.findHost('hyper2')).status).toBe('up');
    expect(await b.store.listJobs()).toEqual([]);
    expect(await b.store.listAudit(10)).toEqual([]);

    await a.close();
    const status = await b.labops.dispatch({ command: '/lab', text: 'status', caller: operator });
    expect(viewText(status)).toContain('hyper2');
  });

  it('cannot own one data directory twice: the second is refused before it starts anything', async () => {
    const data = makeDir();
    const simulatorDir = makeDir();
    const first = await createSimLab(await startSim(), { store: { dir: data } });
    const refused = await createLab({
      lab: { kind: 'simulated', simulatorOptions: { dir: simulatorDir } },
      store: { dir: data },
    }).catch((error: unknown) => error);
    expect(isLabopsError(refused) && refused.code).toBe('CONFIG');
    expect((refused as Error).message).toMatch(/already running with this data directory/);
    // No simulator was started: it would have written its CA into its directory.
    expect(readdirSync(simulatorDir)).toEqual([]);
    expect(await first.labops.store.listJobs()).toEqual([]);
  });
});
