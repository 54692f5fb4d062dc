import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import type { Policy } from '../../approvals/policy.js';
import type { Caller, LabInfo } from '../../src/command.js';
import type { HttpDownloadsOptions } from '../../src/downloads.js';
import type { EngineClientOptions } from '../../src/engine/engine-client.js';
import type { StepDefinition } from '../../src/jobs/steps.js';
import { createLab, type Lab } from '../../src/lab.js';
import { createSimulatedPolicy } from '../../src/lab-info.js';
import type { DispatchResult, Labops, LabopsOptions } from '../../src/labops.js';
import type { SimulatorOptions } from '../../src/sim/types.js';
import type { Store } from '../../src/store/types.js';
import { expectCard } from './dispatch.js';
import { getTestEngineOptions, type SimLab, startSimLab } from './engine.js';
import { LOOPBACK_SOURCES } from './http-source.js';

const GiB = 1024 ** 3;

/** The seed lab's exports plus `/export/spare`, an export no domain lives on (where FAQ 1 shows). */
export const EXPORTS_WITH_SPARE = [
  { path: '/export/data', sizeBytes: 50 * GiB },
  { path: '/export/iso', sizeBytes: 50 * GiB },
  { path: '/export/spare', sizeBytes: 20 * GiB },
];

/** The simulated lab's built-in policy (design.md, Principals), with shell:carol as a third approver. */
export const SIM_POLICY: Policy = createSimulatedPolicy(['shell:carol']);

export interface CoreHarness {
  lab: SimLab;
  /** The lab as createLab built it over the simulator (src/lab.ts). */
  composed: Lab;
  labops: Labops;
  store: Store;
  dbPath: string;
  /** The injected clock: tests move it forward. */
  clock: { now: number };
  close(): Promise<void>;
}

export function shellCaller(name: string, channel = 'shell'): Caller {
  return { principal: `shell:${name}`, channel, groups: [] };
}

/** labops over a fast simulator and a real database file in a temporary directory. */
export async function startCore(
  options: {
    policy?: Policy;
    sim?: SimulatorOptions;
    extraSteps?: StepDefinition[];
    dbDir?: string;
    /** Use the system clock instead of the fixed, test-driven one. */
    realClock?: boolean;
    /** Overrides of the lab as commands see it (a baseline that differs from the simulator's seed). */
    lab?: Partial<LabInfo>;
    /** Plan limits and their injected deadlines. */
    plans?: Pick<LabopsOptions, 'limits' | 'planTimers'>;
    /** Where downloads may come from; default the loopback sources of http-source.ts. */
    downloads?: HttpDownloadsOptions;
    /** Overrides of the engine client's options (a metrics observer, a logger). */
    engine?: Partial<EngineClientOptions>;
  } = {},
): Promise<CoreHarness> {
  const lab = await startSimLab(options.sim);
  const dir = options.dbDir ?? mkdtempSync(join(tmpdir(), 'labops-core-'));
  const dbPath = join(dir, 'labops.db');
  const clock = { now: Date.parse('2026-11-28T10:00:00Z') };
  const composed = await createLab({
    lab: { kind: 'simulated', simulator: lab.sim },
    store: { path: dbPath },
    engine: { ...getTestEngineOptions(lab.sim), ...options.engine },
    clock: options.realClock ? () => Date.now() : () => clock.now,
    downloads: options.downloads ?? LOOPBACK_SOURCES,
    policy: options.policy ?? SIM_POLICY,
    info: options.lab,
    steps: options.extraSteps,
    limits: options.plans?.limits,
    planTimers: options.plans?.planTimers,
  });
  return {
    lab,
    composed,
    labops: composed.labops,
    store: composed.store,
    dbPath,
    clock,
    async close() {
      await composed.close();
      await lab.close();
      if (!options.dbDir) rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Approves a card as its risk needs — the requester confirms a change, alice approves destructive
 * work, alice and bob critical work — waits for the job, and fails the test unless it succeeded.
 */
export async function approveAndRun(
  core: CoreHarness,
  result: DispatchResult,
  requester = shellCaller('operator'),
) {
  const card = expectCard(result);
  const approvers =
    card.approval.risk === 'change'
      ? [requester]
      : card.approval.risk === 'critical'
        ? [shellCaller('alice'), shellCaller('bob')]
        : [shellCaller('alice')];
  let click: Awaited<ReturnType<typeof core.labops.click>> | undefined;
  for (const by of approvers) click = await core.labops.click(card.approval.id, by, 'approve');
  expect(click?.outcome, click?.message).toBe('approved');
  const job = await core.labops.executor.whenFinished(card.job.id);
  expect(job?.status, job?.error).toBe('succeeded');
  return { card, job: job!, steps: await core.store.listSteps(card.job.id) };
}
