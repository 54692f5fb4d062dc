import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { allSteps } from '../../commands/index.js';
import {
  type CommandContext,
  CommandRegistry,
  createPlan,
  defineArgs,
  defineChange,
  defineCommand,
  defineRead,
  type JobsPort,
} from '../../src/command.js';
import type { DownloadPort } from '../../src/downloads.js';
import { createHttpDownloads } from '../../src/downloads.js';
import type { EngineClient } from '../../src/engine/engine-client.js';
import { isLabopsError } from '../../src/errors.js';
import { verbatim } from '../../src/i18n/text.js';
import { labInfoFromSimulator } from '../../src/lab-info.js';
import { Labops } from '../../src/labops.js';
import { createSilentLogger } from '../../src/log.js';
import { createReadOnlyView, type PlanTimers } from '../../src/plan-limits.js';
import type { MachineDriver } from '../../src/runbooks/types.js';
import { createSimDriver } from '../../src/sim/machine-driver.js';
import { openStore } from '../../src/store/sqlite-store.js';
import type { Store } from '../../src/store/types.js';
import { SIM_POLICY, shellCaller } from '../support/core.js';
import { expectCard, expectError, viewText } from '../support/dispatch.js';
import { type SimLab, startSimLab } from '../support/engine.js';

/** What each attempt at a write answered: the error code, or `reached` when nothing stopped it. */
async function tryWrites(ctx: CommandContext): Promise<string[]> {
  const engine = ctx.engine as unknown as EngineClient;
  const host = await ctx.engine.findHost('hyper1');
  const attempts: [string, () => unknown][] = [
    ['engine.deactivateHost', () => engine.deactivateHost(host.id, 'a plan may not')],
    ['engine.withCorrelationId', () => engine.withCorrelationId('job-x').deactivateHost(host.id)],
    ['engine.withSignal', () => engine.withSignal(undefined).deactivateHost(host.id)],
    [
      'machines.apply',
      () =>
        (ctx.machines as MachineDriver).apply('storage', { type: 'dir', path: '/x' } as never, {} as never),
    ],
    [
      'machines.trustHostKey',
      () => (ctx.machines as MachineDriver).trustHostKey('storage', 'SHA256:x', 'me'),
    ],
    ['downloads.open', () => (ctx.downloads as DownloadPort).open('http://127.0.0.1:9/x.iso')],
    ['jobs.cancel', () => (ctx.jobs as JobsPort).cancel('job-none', 'shell:operator')],
  ];
  const answers: string[] = [];
  for (const [name, attempt] of attempts) {
    try {
      await attempt();
      answers.push(`${name}: reached`);
    } catch (error) {
      answers.push(`${name}: ${isLabopsError(error) ? error.code : 'not a function'}`);
    }
  }
  return answers;
}

const rogue = defineCommand({
  name: 'rogue',
  summary: verbatim('Tries to write from where only reads belong.'),
  subcommands: [
    defineChange({
      name: 'plan',
      summary: verbatim('A plan that tries every write.'),
      usage: 'plan',
      examples: ['/rogue plan'],
      args: defineArgs({}),
      risk: 'change',
      plan: async (ctx) =>
        createPlan({
          summary: verbatim('Try every write'),
          risk: 'change',
          impact: (await tryWrites(ctx)).map((line) => verbatim(line)),
        }),
    }),
    defineRead({
      name: 'read',
      summary: verbatim('A read that tries every write.'),
      usage: 'read',
      examples: ['/rogue read'],
      args: defineArgs({}),
      risk: 'read',
      run: async (ctx) => ({
        title: verbatim('tried'),
        sections: [{ lines: (await tryWrites(ctx)).map((line) => verbatim(line)) }],
      }),
    }),
  ],
});

const REFUSED = [
  'engine.deactivateHost: INTERNAL',
  'engine.withCorrelationId: INTERNAL',
  'engine.withSignal: INTERNAL',
  'machines.apply: INTERNAL',
  'machines.trustHostKey: INTERNAL',
  'downloads.open: INTERNAL',
  'jobs.cancel: not a function',
];

let lab: SimLab | undefined;
let store: Store | undefined;
let dir: string | undefined;
afterEach(async () => {
  await store?.close();
  await lab?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
  lab = undefined;
  store = undefined;
  dir = undefined;
});

async function startRogueLab(
  commands = [rogue],
  planTimers?: PlanTimers,
): Promise<{ labops: Labops; sim: SimLab }> {
  lab = await startSimLab();
  dir = mkdtempSync(join(tmpdir(), 'labops-rogue-'));
  store = openStore({ path: join(dir, 'labops.db') });
  const labops = new Labops({
    registry: new CommandRegistry(commands),
    planTimers,
    steps: allSteps,
    store,
    engine: lab.client,
    downloads: createHttpDownloads(),
    machines: createSimDriver(lab.sim),
    lab: labInfoFromSimulator(lab.sim),
    policy: SIM_POLICY,
    clock: () => Date.parse('2026-11-28T10:00:00Z'),
    logger: createSilentLogger(),
  });
  return { labops, sim: lab };
}

describe('the context of a plan and a read', () => {
  it('refuses every write a plan reaches through a cast, and the lab is unchanged', async () => {
    const { labops, sim } = await startRogueLab();
    const card = expectCard(
      await labops.dispatch({ command: '/rogue', text: 'plan', caller: shellCaller('op') }),
    );
    expect(card.plan.impact).toEqual(REFUSED);
    const host = await sim.client.findHost('hyper1');
    expect(host.status).toBe('up');
  });

  it('refuses every write a read reaches through a cast', async () => {
    const { labops } = await startRogueLab();
    const text = viewText(
      await labops.dispatch({ command: '/rogue', text: 'read', caller: shellCaller('op') }),
    );
    for (const line of REFUSED) expect(text).toContain(line);
  });
});

/** The errors the patient plan's engine reads ended with. */
const ended: unknown[] = [];

const patient = defineCommand({
  name: 'patient',
  summary: verbatim('Reads the engine until its signal says stop, passing no signal itself.'),
  subcommands: [
    defineChange({
      name: 'plan',
      summary: verbatim('A plan that reads until it is stopped.'),
      usage: 'plan',
      examples: ['/patient plan'],
      args: defineArgs({}),
      risk: 'change',
      plan: async (ctx) => {
        try {
          for (;;) await ctx.engine.listHosts();
        } catch (error) {
          ended.push(error);
          throw error;
        }
      },
    }),
    defineRead({
      name: 'read',
      summary: verbatim('A read of the hosts.'),
      usage: 'read',
      examples: ['/patient read'],
      args: defineArgs({}),
      risk: 'read',
      run: async (ctx) => ({
        title: verbatim('hosts'),
        sections: [{ lines: (await ctx.engine.listHosts()).map((h) => verbatim(h.name)) }],
      }),
    }),
  ],
});

describe('the engine of a plan and a read, bound to its signal', () => {
  it("ends a plan's engine read at the plan's deadline, though the plan passed no signal", async () => {
    ended.length = 0;
    const deadlines: AbortController[] = [];
    const timers: PlanTimers = {
      deadline: () => {
        const controller = new AbortController();
        deadlines.push(controller);
        return controller.signal;
      },
    };
    const { labops } = await startRogueLab([patient], timers);
    const pending = labops.dispatch({ command: '/patient', text: 'plan', caller: shellCaller('op') });
    await vi.waitFor(() => expect(deadlines).toHaveLength(1));
    deadlines[0]!.abort(new Error('deadline'));
    expect(expectError(await pending).code).toBe('TIMEOUT');
    await vi.waitFor(() => expect(ended).toHaveLength(1));
    expect(isLabopsError(ended[0]) && ended[0].code).toBe('CANCELLED');
  });

  it("runs a read's engine calls under the caller's signal", async () => {
    const { labops } = await startRogueLab([patient]);
    const read = (signal?: AbortSignal) =>
      labops.dispatch({ command: '/patient', text: 'read', caller: shellCaller('op'), signal });
    expect(viewText(await read())).toContain('hyper1');
    expect(expectError(await read(AbortSignal.abort())).code).toBe('CANCELLED');
  });
});

describe('createReadOnlyView', () => {
  const target = {
    origin: 'https://engine',
    secret: { token: 't' },
    read: async (n: number) => n + 1,
    write: async () => 'written',
  };

  it('passes the reads through and refuses the rest when called or read', async () => {
    const view = createReadOnlyView(target, ['origin', 'read'], (m) => verbatim(m));
    expect(view.origin).toBe('https://engine');
    await expect(view.read(1)).resolves.toBe(2);
    const loose = view as unknown as typeof target;
    expect(() => loose.write()).toThrow(/reached write, which only a job's steps may use/);
    expect(() => loose.secret).toThrow(/reached secret/);
    expect((view as unknown as Record<string, unknown>).absent).toBeUndefined();
  });
});
