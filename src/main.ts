import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Policy } from '../approvals/policy.js';
import { allSteps, createRegistry } from '../commands/index.js';
import type { LabInfo } from './command.js';
import { CONFIG_EXIT_CODE, formatConfigProblems, type LoadedConfig, loadConfig } from './config.js';
import { createHttpDownloads, getDownloadRules } from './downloads.js';
import { EngineClient } from './engine/engine-client.js';
import { formatError, LabopsError, toLabopsError } from './errors.js';
import { describeJobCommand } from './jobs-port.js';
import { labInfoFromConfig, labInfoFromSimulator } from './lab-info.js';
import { Labops } from './labops.js';
import { createLogger, type Logger } from './log.js';
import { createSshDriver } from './runbooks/ssh-driver.js';
import type { MachineDriver } from './runbooks/types.js';
import { runFetchEngineCa } from './setup.js';
import { runShell } from './shell/shell.js';
import { startSimulator } from './sim/index.js';
import { createSimDriver } from './sim/machine-driver.js';
import type { Simulator } from './sim/types.js';
import { createSshRunner } from './ssh/runner.js';
import { getSshTargets } from './ssh/targets.js';
import { openOwnedStore, STORE_FILE } from './store/owner.js';
import { openStore } from './store/sqlite-store.js';
import type { Store } from './store/types.js';
import { systemClock } from './time.js';

/** The simulator's pace in the shell: a maintenance takes a second or two, so a transcript takes seconds. */
const SHELL_SIM_TIME_SCALE = 0.01;
const EXPIRY_CHECK_MS = 5000;
/** How long a stop waits for cancelled jobs to record their end. */
const JOB_STOP_MS = 15_000;

interface Lab {
  engine: EngineClient;
  machines: MachineDriver;
  downloads: ReturnType<typeof createHttpDownloads>;
  info: LabInfo;
  policy: Policy;
  /** lab.yml `limits` (issue 10 §1); the simulated lab takes the defaults. */
  limits: { planMs: number; plansPerRequester: number } | undefined;
  simulator: Simulator | undefined;
  close(): Promise<void>;
}

/** labops over a lab: the same for the shell and for Slack. */
/** The one labops of this process, stopped cleanly before the lab and the store close. */
let current: Labops | undefined;

function createLabops(
  lab: Lab,
  store: Store,
  logger: Logger,
  resolveGroup?: (group: string) => Promise<string[]>,
): Labops {
  current = new Labops({
    registry: createRegistry(),
    steps: allSteps,
    store,
    engine: lab.engine,
    downloads: lab.downloads,
    machines: lab.machines,
    lab: lab.info,
    policy: lab.policy,
    limits: lab.limits,
    clock: systemClock,
    logger,
    ...(resolveGroup ? { resolveGroup } : {}),
  });
  return current;
}

/** The composition root (design.md, Architecture): load config, build the parts, start one adapter. */
async function main(argv: readonly string[]): Promise<number> {
  // .env is a convenience for `npm start`; tests never load it (they call the parts directly).
  if (existsSync('.env')) process.loadEnvFile('.env');
  let config: LoadedConfig;
  try {
    config = await loadConfig({ env: process.env, cwd: process.cwd() });
  } catch (error) {
    process.stderr.write(`${formatConfigProblems(error)}\n`);
    return CONFIG_EXIT_CODE;
  }
  // The shell's stdout is the conversation; its logs stay quiet unless LOG_LEVEL asks otherwise.
  const quiet = config.mode === 'shell' && !process.env.LOG_LEVEL;
  const logger = createLogger({ level: quiet ? 'warn' : config.logLevel });
  for (const warning of config.warnings) logger.warn(warning);

  const dataDir = config.dataDir ?? mkdtempSync(join(tmpdir(), 'labops-'));
  let opened: { store: Store; close(): void };
  try {
    opened = openStateStore(dataDir, argv);
  } catch (error) {
    // A store that cannot be opened is a start-up refusal (exit 2, message, hint), never a trace.
    if (!config.dataDir) rmSync(dataDir, { recursive: true, force: true });
    const failure = toLabopsError(error);
    process.stderr.write(`${formatError(failure)}\n`);
    return failure.code === 'CONFIG' ? CONFIG_EXIT_CODE : 1;
  }
  const store = opened.store;
  const cleanups: (() => Promise<void> | void)[] = [() => opened.close()];
  // Running jobs stop first (their remote commands signalled, their ends recorded), then the rest.
  const stopJobs = () => current?.stop(JOB_STOP_MS);
  if (!config.dataDir) cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
  try {
    if (argv.includes('--export-audit')) {
      for (const line of store.exportAudit()) process.stdout.write(`${line}\n`);
      return 0;
    }
    if (argv.includes('--fetch-engine-ca')) {
      if (config.lab.kind !== 'file' || !config.lab.config.engine.ca_file) {
        throw new LabopsError(
          'CONFIG',
          '--fetch-engine-ca needs a lab file whose engine.ca_file says where to write the CA.',
          {
            hint: 'Set LAB_CONFIG (or create ./lab.yml) with engine.url and engine.ca_file.',
          },
        );
      }
      return await runFetchEngineCa({
        engineUrl: config.lab.config.engine.url,
        caFile: config.lab.config.engine.ca_file,
        yes: argv.includes('--yes'),
        input: process.stdin,
        output: process.stdout,
        interactive: Boolean(process.stdin.isTTY),
      });
    }
    if (config.mode !== 'shell') {
      // Bolt loads only when Slack is used, so the shell starts without it.
      const { runSlackAdapter } = await import('./slack/run.js');
      const lab = await openLab(config, store, logger);
      cleanups.unshift(stopJobs, () => lab.close());
      const registry = createRegistry();
      return await runSlackAdapter({
        settings: config.slack,
        registry,
        policy: lab.policy,
        logger,
        createLabops: (resolveGroup) => createLabops(lab, store, logger, resolveGroup),
      });
    }
    const lab = await openLab(config, store, logger);
    cleanups.unshift(stopJobs, () => lab.close());
    return await runShellAdapter(lab, store, logger);
  } catch (error) {
    const failure = toLabopsError(error);
    if (failure.code === 'INTERNAL') logger.error({ err: error }, 'labops stopped on an unexpected error');
    process.stderr.write(`${formatError(failure)}\n`);
    return failure.code === 'CONFIG' ? CONFIG_EXIT_CODE : 1;
  } finally {
    for (const cleanup of cleanups) {
      try {
        await cleanup();
      } catch (error) {
        logger.warn({ err: (error as Error).message }, 'clean-up failed');
      }
    }
  }
}

/**
 * A bot owns its data directory: locked first, so a second bot stops there and no recovery runs
 * on a store another live labops owns (issue 10 §4). An audit export only reads, beside a bot;
 * fetching the engine's CA needs no state at all.
 */
function openStateStore(dataDir: string, argv: readonly string[]): { store: Store; close(): void } {
  if (argv.includes('--export-audit') || argv.includes('--fetch-engine-ca')) {
    const store = argv.includes('--export-audit')
      ? openStore({ path: join(dataDir, STORE_FILE), readOnly: true })
      : openStore({ path: ':memory:' });
    return { store, close: () => store.close() };
  }
  return openOwnedStore({ dir: dataDir });
}

async function openLab(config: LoadedConfig, store: Store, logger: Logger): Promise<Lab> {
  const downloads = createHttpDownloads(getDownloadRules(config));
  if (config.lab.kind === 'simulated') {
    const simulator = await startSimulator({ timeScale: SHELL_SIM_TIME_SCALE });
    const timing = {
      intervalMs: simulator.timing.pollIntervalMs,
      backoff: 1,
      maxIntervalMs: simulator.timing.pollIntervalMs,
    };
    const engine = EngineClient.create({
      url: simulator.baseUrl,
      user: simulator.user,
      password: simulator.password,
      ca: simulator.caPem,
      logger,
      retry: {
        baseDelayMs: simulator.timing.pollIntervalMs,
        maxDelayMs: simulator.timing.pollIntervalMs * 8,
      },
      waits: {
        short: { ...timing, deadlineMs: simulator.timing.shortDeadlineMs },
        long: { ...timing, deadlineMs: simulator.timing.longDeadlineMs },
      },
    });
    const machines = createSimDriver(simulator);
    return {
      engine,
      machines,
      downloads,
      simulator,
      limits: undefined,
      info: labInfoFromSimulator(simulator),
      async close() {
        await Promise.all([engine.close(), machines.close(), downloads.close()]);
        await simulator.close();
      },
      policy: {
        askers: 'anyone',
        channels: 'anywhere',
        approvers: ['shell:alice', 'shell:bob', ...config.extraApprovers],
        expiryMinutes: 15,
        commands: {},
      },
    };
  }
  const { config: lab, enginePassword } = config.lab;
  const engine = EngineClient.create({
    url: lab.engine.url,
    user: lab.engine.user,
    password: enginePassword,
    ca: lab.engine.ca_file ? readCaFile(lab.engine.ca_file) : undefined,
    insecure: lab.engine.insecure,
    timeoutMs: lab.engine.timeout_ms,
    maxConcurrency: lab.engine.max_concurrency,
    logger,
  });
  const runner = createSshRunner({
    targets: getSshTargets(lab),
    privateKeyFile: config.ssh.keyFile,
    password: config.ssh.password,
    getPinnedHostKey: (machine) => store.getPinnedHostKey(machine)?.fingerprint,
    logger,
  });
  const configured = new Map(getSshTargets(lab).map((t) => [t.machine, t.hostKey]));
  const machines = createSshDriver(runner, {
    get: (machine) => configured.get(machine) ?? store.getPinnedHostKey(machine)?.fingerprint,
    isConfigured: (machine) => configured.get(machine) !== undefined,
    pin: (machine, fingerprint, by) => store.pinHostKey(machine, fingerprint, by, Date.now()),
  });
  const policy = lab.policy;
  return {
    engine,
    machines,
    downloads,
    simulator: undefined,
    limits: { planMs: lab.limits.plan_seconds * 1000, plansPerRequester: lab.limits.plans_per_requester },
    info: labInfoFromConfig(lab),
    async close() {
      await Promise.all([engine.close(), machines.close(), downloads.close()]);
    },
    policy: {
      askers: policy.askers.length ? policy.askers : 'anyone',
      channels: policy.channels.length ? policy.channels : 'anywhere',
      approvers: policy.approvers,
      expiryMinutes: policy.expiry_minutes,
      commands: Object.fromEntries(
        Object.entries(policy.commands ?? {}).map(([key, rule]) => [
          key,
          {
            ...(rule.risk ? { risk: rule.risk } : {}),
            ...(rule.askers ? { askers: rule.askers } : {}),
            ...(rule.approvers ? { approvers: rule.approvers } : {}),
            ...(rule.channels ? { channels: rule.channels } : {}),
            ...(rule.expiry_minutes ? { expiryMinutes: rule.expiry_minutes } : {}),
          },
        ]),
      ),
    },
  };
}

function readCaFile(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw new LabopsError(
      'CONFIG',
      `Cannot read the engine CA file ${path}: ${(error as NodeJS.ErrnoException).code}.`,
      {
        hint: 'Download it from https://ENGINE/ovirt-engine/services/pki-resource?resource=ca-certificate&format=X509-PEM-CA and point engine.ca_file at it.',
      },
    );
  }
}

async function runShellAdapter(lab: Lab, store: Store, logger: Logger): Promise<number> {
  const labops = createLabops(lab, store, logger);
  const recovered = labops.recover();
  const timer = setInterval(() => labops.flow.expireDue(), EXPIRY_CHECK_MS);
  timer.unref();
  const notes: string[] = [];
  if (lab.simulator)
    notes.push('SIMULATED LAB — a built-in simulator stands in for the engine and the hosts.');
  for (const job of recovered.interrupted) {
    notes.push(
      `${job.id} /${describeJobCommand(job)} was interrupted: ${job.error ?? 'labops stopped while it ran'}`,
    );
  }
  if (recovered.pending.length) {
    notes.push(`Pending approvals: ${recovered.pending.map((a) => a.id).join(', ')} (still valid).`);
  }
  try {
    return await runShell({
      labops,
      input: process.stdin,
      output: process.stdout,
      interactive: Boolean(process.stdin.isTTY && process.stdout.isTTY),
      clock: systemClock,
      ...(notes.length ? { banner: notes.join('\n') } : {}),
    });
  } finally {
    clearInterval(timer);
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`labops: ${(error as Error)?.stack ?? String(error)}\n`);
    process.exitCode = 1;
  },
);
