import { readFileSync } from 'node:fs';
import { createLabPolicy, type Policy } from '../approvals/policy.js';
import { allSteps, createRegistry } from '../commands/index.js';
import { CommandRegistry, type CommandSpec, type LabInfo, type LabsPort } from './command.js';
import { mapLabPolicy } from './config/lab-policy.js';
import { type EventsConfig, EventsSchema } from './config/lab-schema.js';
import type { LabSource } from './config.js';
import { createHttpDownloads, type DownloadPort, type HttpDownloadsOptions } from './downloads.js';
import { EngineClient, type EngineClientOptions } from './engine/engine-client.js';
import { LabopsError } from './errors.js';
import { msg, verbatim } from './i18n/text.js';
import { acrossSteps } from './jobs/across.js';
import { EventBus } from './jobs/events.js';
import type { AcrossPort, StepDefinition } from './jobs/steps.js';
import {
  createSimulatedPolicy,
  labInfoFromConfig,
  labInfoFromSeed,
  labInfoFromSimulator,
} from './lab-info.js';
import { Labops, type LabopsOptions } from './labops.js';
import { Labs } from './labs.js';
import { createSilentLogger, type Logger } from './log.js';
import { createSshDriver } from './runbooks/ssh-driver.js';
import { createUnreachableMachines, type MachineDriver } from './runbooks/types.js';
import type { Simulator, SimulatorOptions } from './sim/types.js';
import type { SshObserver } from './ssh/connections.js';
import { createSshRunner } from './ssh/runner.js';
import { getSshTargets } from './ssh/targets.js';
import { openOwnedStore } from './store/owner.js';
import { openStore } from './store/sqlite-store.js';
import type { Store } from './store/types.js';
import { type Clock, systemClock } from './time.js';

/** The bot's key for a lab file's machines (LoadedConfig's `ssh`); a first login's password is the lab's own. */
export interface SshLogin {
  readonly keyFile: string;
}

/** A lab described by lab.yml, reached over the network: its engine and, over SSH, its machines. */
export interface FileLabSpec {
  readonly kind: 'file';
  readonly source: Extract<LabSource, { kind: 'file' }>;
  readonly ssh: SshLogin;
}

/** What a client needs of a simulator: a simulator in this process, or one in another (the benches). */
export type SimulatorEndpoint = Pick<Simulator, 'baseUrl' | 'user' | 'password' | 'caPem'>;

/** The simulated lab (design.md, The lab simulator). */
export interface SimulatedLabSpec {
  readonly kind: 'simulated';
  /** A simulator already started, which its owner closes; otherwise one is started (and closed with the lab). */
  readonly simulator?: Simulator | undefined;
  /** The options of the simulator started here. */
  readonly simulatorOptions?: SimulatorOptions | undefined;
  /**
   * A simulator in another process (the benches): its engine only, reached with the engine
   * client's default waits and retries. Runbook steps are refused, and the lab is its default seed.
   */
  readonly remote?: SimulatorEndpoint | undefined;
  /** LABOPS_APPROVERS: approvers besides shell:alice and shell:bob. */
  readonly extraApprovers?: readonly string[] | undefined;
  /** Its name among the bot's labs (LABOPS_SIM_LABS: lab1…labN); default `default`. */
  readonly name?: string | undefined;
  /** Its own policy, as a lab file's `policy` (tests of many labs); default the built-in one. */
  readonly policy?: Policy | undefined;
  /** The channels it is bound to among several labs, as a lab file's `policy.channels`. */
  readonly channels?: readonly string[] | undefined;
  /** Its language and time zone, as a lab file's `locale` and `timezone` (default English, the machine's zone). */
  readonly info?: Partial<Pick<LabInfo, 'locale' | 'timeZone'>> | undefined;
  /** Its events watcher's settings, as a lab file's `events` (default: every kind, every 15 s). */
  readonly events?: Partial<EventsConfig> | undefined;
}

/** Where a lab keeps its state. */
export type LabStoreSpec =
  /** A data directory the lab owns: locked first, so a second labops stops there (issue 10 §4). */
  | { readonly dir: string }
  /** A database file, or `:memory:`. */
  | { readonly path: string }
  /** A store its caller opened and closes. */
  | { readonly store: Store };

export interface CreateLabOptions {
  readonly lab: FileLabSpec | SimulatedLabSpec;
  /** Default: a store in memory. The store is opened first, before anything is started. */
  readonly store?: LabStoreSpec | undefined;
  readonly clock?: Clock | undefined;
  /** Default: silent. */
  readonly logger?: Logger | undefined;
  /** Where downloads may come from (the bot's `downloads`); default public addresses only. */
  readonly downloads?: HttpDownloadsOptions | undefined;
  /** Overrides of the engine client's options (tests' waits and retries, a metrics observer). */
  readonly engine?: Partial<EngineClientOptions> | undefined;
  /** Told of the SSH connections to a lab file's machines (metrics, issue 12 §4). */
  readonly sshObserver?: SshObserver | undefined;
  /** Default: the lab file's policy, or the simulated lab's built-in one. */
  readonly policy?: Policy | undefined;
  /** The bot's `limits` (mapLabLimits); default labops's own. */
  readonly limits?: LabopsOptions['limits'];
  /** Overrides of the lab as commands see it (a baseline that differs from the simulator's seed). */
  readonly info?: Partial<LabInfo> | undefined;
  /** Commands and steps besides labops's own (tests and benches). */
  readonly commands?: readonly CommandSpec[] | undefined;
  readonly steps?: readonly StepDefinition[] | undefined;
  readonly resolveGroup?: LabopsOptions['resolveGroup'];
  readonly planTimers?: LabopsOptions['planTimers'];
  readonly recordRetry?: LabopsOptions['recordRetry'];
  /** This process among replicas sharing a PostgreSQL store (issue 14 §2). */
  readonly replica?: LabopsOptions['replica'];
  /** Whether this process leads the replicas now (src/labs.ts); default: it does. */
  readonly leads?: LabopsOptions['leads'];
  readonly defaultStepTimeoutMs?: number | undefined;
  readonly expiryCheckMs?: number | undefined;
  /** How long `close` waits for stopped jobs to record their end (default 15 s). */
  readonly stopMs?: number | undefined;
  /** The bus of the bot's labs (createLabs); default the lab's own. */
  readonly bus?: EventBus | undefined;
  /** The bot's labs, for `/lab list` (createLabs); default this lab alone. */
  readonly labsPort?: LabsPort | undefined;
  /** The bot's labs, for the steps of a change across labs (src/labs-across.ts). */
  readonly acrossPort?: AcrossPort | undefined;
  /**
   * The bot's instructors (issue 13 §2), who ask and approve in this lab whatever its policy says;
   * `bindChannels`: the lab is one of several, and its `channels` bind it rather than restrict it.
   */
  readonly instructors?:
    | { readonly principals: readonly string[]; readonly bindChannels: boolean }
    | undefined;
}

/** One lab and the labops over it. */
export interface Lab {
  readonly labops: Labops;
  readonly engine: EngineClient;
  readonly machines: MachineDriver;
  readonly downloads: DownloadPort;
  readonly store: Store;
  readonly info: LabInfo;
  readonly policy: Policy;
  readonly registry: CommandRegistry;
  /** The simulator in this process, if the lab is simulated. */
  readonly simulator: Simulator | undefined;
  /** lab.yml `events`: what its events watcher posts, how often it polls, its quiet hours (issue 15 §1). */
  readonly events: EventsConfig;
  /**
   * Stops labops (its plans and jobs, within `stopMs`), then closes the engine client, the
   * machines, the downloads, a simulator started here and a store opened here. Later calls wait
   * for the first.
   */
  close(): Promise<void>;
}

/** How long `close` waits for cancelled jobs to record their end. */
const DEFAULT_STOP_MS = 15_000;

/**
 * The composition root (design.md, Architecture): one lab — its store, engine client, machines,
 * downloads, policy — and the labops over it, for `main`, the tests and the benches. It holds no
 * state of its own: N labs are N calls. Nothing is started: an adapter calls `labops.start()`.
 */
export async function createLab(options: CreateLabOptions): Promise<Lab> {
  const clock = options.clock ?? systemClock;
  const logger = options.logger ?? createSilentLogger();
  const closers: (() => Promise<void> | void)[] = [];
  const closeAll = async () => {
    for (const close of closers.reverse()) {
      try {
        await close();
      } catch (error) {
        logger.warn({ err: (error as Error).message }, 'closing a part of the lab failed');
      }
    }
  };
  try {
    // The store first: a data directory another labops owns stops everything here.
    const store = openLabStore(options.store, closers);
    const parts = await openParts(options, store, logger, closers);
    // A simulated lab's own policy before the bot's shared one (createLabs passes one to every lab).
    const own =
      (options.lab.kind === 'simulated' ? options.lab.policy : undefined) ?? options.policy ?? parts.policy;
    const policy = options.instructors
      ? createLabPolicy(own, options.instructors.principals, {
          bindChannels: options.instructors.bindChannels,
        })
      : own;
    const info: LabInfo = { ...parts.info, ...options.info };
    const registry = new CommandRegistry([...createRegistry().commands, ...(options.commands ?? [])]);
    const labops = new Labops({
      registry,
      steps: [...allSteps, ...acrossSteps, ...(options.steps ?? [])],
      store,
      engine: parts.engine,
      machines: parts.machines,
      downloads: parts.downloads,
      lab: info,
      policy,
      limits: options.limits ?? parts.limits,
      clock,
      logger,
      resolveGroup: options.resolveGroup,
      defaultStepTimeoutMs: options.defaultStepTimeoutMs,
      recordRetry: options.recordRetry,
      replica: options.replica,
      leads: options.leads,
      planTimers: options.planTimers,
      expiryCheckMs: options.expiryCheckMs,
      bus: options.bus,
      labs: options.labsPort,
      across: options.acrossPort,
    });
    // Running jobs stop first (their remote commands signalled, their ends recorded), then the rest.
    closers.push(() => labops.stop(options.stopMs ?? DEFAULT_STOP_MS));
    let closing: Promise<void> | undefined;
    return {
      labops,
      engine: parts.engine,
      machines: parts.machines,
      downloads: parts.downloads,
      store,
      info,
      policy,
      registry,
      simulator: parts.simulator,
      events:
        options.lab.kind === 'file'
          ? { ...options.lab.source.config.events, notify: [...options.lab.source.config.events.notify] }
          : EventsSchema.parse(options.lab.events ?? {}),
      close() {
        closing ??= closeAll();
        return closing;
      },
    };
  } catch (error) {
    await closeAll();
    throw error;
  }
}

/** Every lab of one bot (issue 13): what createLabs answers. */
export interface LabSet {
  /** The labs as the adapters use them: commands find their lab, clicks and jobs theirs. */
  readonly labs: Labs;
  /** Each lab, in the order given. */
  readonly entries: readonly Lab[];
  readonly store: Store;
  /** Closes every lab (their jobs stopped first), then the store if it was opened here. */
  close(): Promise<void>;
}

export interface CreateLabsOptions
  extends Omit<CreateLabOptions, 'lab' | 'store' | 'bus' | 'labsPort' | 'acrossPort' | 'leads'> {
  readonly labs: readonly (FileLabSpec | SimulatedLabSpec)[];
  readonly store?: LabStoreSpec | undefined;
  /** The bot's instructors (lab file `instructors`): they act and approve in every lab. */
  readonly instructorPrincipals?: readonly string[] | undefined;
  /** Labs a read across labs works on at once (the bot's `limits.labs_in_parallel`; default 10). */
  readonly labsInParallel?: number | undefined;
}

/**
 * The labs of one bot (issue 13): one store (opened first, so a data directory another bot owns
 * stops everything here) and one event bus, and each lab its own engine, machines and policy —
 * createLab once per lab. A lab's `channels` bind it when there are several.
 */
export async function createLabs(options: CreateLabsOptions): Promise<LabSet> {
  const logger = options.logger ?? createSilentLogger();
  const clock = options.clock ?? systemClock;
  const storeClosers: (() => Promise<void> | void)[] = [];
  const store = openLabStore(options.store, storeClosers);
  const bus = new EventBus((error) => logger.error({ err: error }, 'an event listener failed'));
  const many = options.labs.length > 1;
  const principals = options.instructorPrincipals ?? [];
  let labs: Labs | undefined;
  const labsPort: LabsPort = {
    list: (caller, signal) => labs!.list(caller, signal),
    readEach: (caller, which, request, signal) => labs!.readEach(caller, which, request, signal),
  };
  const acrossPort: AcrossPort = {
    claim: (jobId, parts, io) => labs!.across.claim(jobId, parts, io),
    run: (jobId, lab, io) => labs!.across.run(jobId, lab, io),
  };
  const entries: Lab[] = [];
  let stopWatching: (() => Promise<void>) | undefined;
  const closeAll = async () => {
    await stopWatching?.();
    for (const entry of [...entries].reverse()) await entry.close();
    for (const close of storeClosers.reverse()) await close();
  };
  try {
    for (const spec of options.labs) {
      entries.push(
        await createLab({
          ...options,
          lab: spec,
          store: { store },
          bus,
          labsPort,
          acrossPort,
          leads: () => labs?.leading ?? true,
          instructors: principals.length || many ? { principals, bindChannels: many } : undefined,
        }),
      );
    }
    labs = new Labs({
      labs: entries.map((entry) => ({
        name: entry.info.name,
        labops: entry.labops,
        engine: entry.engine,
        events: entry.events,
      })),
      instructors: principals,
      bindings: bindChannels(options.labs, entries),
      labsInParallel: options.labsInParallel,
      replica: options.replica,
      store,
      bus,
      clock,
      logger,
    });
    // Replicas: a card another one proposed may be clicked here (issue 14 §5).
    if (options.replica && store.watchProposals) {
      let lost = false;
      stopWatching = store.watchProposals(
        (lab) => labs?.get(lab)?.expectClick(),
        (state, error) => {
          if (state === 'lost') {
            lost = true;
            logger.warn(
              { err: error?.message },
              'news of cards from the other replicas lost: listening again',
            );
          } else if (lost) logger.info({}, 'listening again for the cards of the other replicas');
          else logger.debug({}, 'listening for the cards of the other replicas');
        },
      );
    }
  } catch (error) {
    await closeAll();
    throw error;
  }
  let closing: Promise<void> | undefined;
  return {
    labs,
    entries,
    store,
    close() {
      closing ??= closeAll();
      return closing;
    },
  };
}

/** Each lab file's `policy.channels` (a simulated lab's `channels`): the channels that lab answers in. */
function bindChannels(
  specs: readonly (FileLabSpec | SimulatedLabSpec)[],
  entries: readonly Lab[],
): Map<string, string> {
  const bindings = new Map<string, string>();
  specs.forEach((spec, index) => {
    const name = entries[index]!.info.name;
    const channels = spec.kind === 'file' ? spec.source.config.policy.channels : (spec.channels ?? []);
    for (const channel of channels) {
      const other = bindings.get(channel);
      if (other !== undefined && other !== name) {
        throw new LabopsError(
          'CONFIG',
          msg('config.labs.channelTwice', { channel: verbatim(channel), first: other, second: name }),
        );
      }
      bindings.set(channel, name);
    }
  });
  return bindings;
}

function openLabStore(spec: LabStoreSpec | undefined, closers: (() => Promise<void> | void)[]): Store {
  if (spec && 'store' in spec) return spec.store;
  if (spec && 'dir' in spec) {
    const owned = openOwnedStore({ dir: spec.dir });
    closers.push(() => owned.close());
    return owned.store;
  }
  const store = openStore({ path: spec?.path ?? ':memory:' });
  closers.push(() => store.close());
  return store;
}

interface LabParts {
  engine: EngineClient;
  machines: MachineDriver;
  downloads: DownloadPort;
  info: LabInfo;
  policy: Policy;
  limits: LabopsOptions['limits'];
  simulator: Simulator | undefined;
}

/** The lab's own parts, each closed with the lab (`closers`, in reverse). */
async function openParts(
  options: CreateLabOptions,
  store: Store,
  logger: Logger,
  closers: (() => Promise<void> | void)[],
): Promise<LabParts> {
  const spec = options.lab;
  if (spec.kind === 'file') return openFileLab(spec, options, store, logger, closers);
  const downloads = createHttpDownloads(options.downloads ?? {});
  closers.push(() => downloads.close());
  const policy = createSimulatedPolicy(spec.extraApprovers);
  if (spec.remote && !spec.simulator) {
    // Reached as the benches measure an engine: the client's default waits and retries.
    const engine = EngineClient.create({ ...getEngineLogin(spec.remote), logger, ...options.engine });
    closers.push(() => engine.close());
    const machines = createUnreachableMachines(msg('ssh.machines.simulatorApart'));
    return {
      engine,
      machines,
      downloads,
      policy,
      simulator: undefined,
      info: { ...labInfoFromSeed(undefined, {}, spec.name), ...spec.info },
      limits: undefined,
    };
  }
  // The simulator's code loads only for a simulated lab in this process (issue 12 §6: idle memory).
  const [{ startSimulator }, { createSimDriver }] = await Promise.all([
    import('./sim/index.js'),
    import('./sim/machine-driver.js'),
  ]);
  let simulator = spec.simulator;
  if (!simulator) {
    const started = await startSimulator(spec.simulatorOptions);
    closers.push(() => started.close());
    simulator = started;
  }
  const engine = EngineClient.create({ ...getSimulatedEngineOptions(simulator), logger, ...options.engine });
  closers.push(() => engine.close());
  const machines = createSimDriver(simulator);
  closers.push(() => machines.close());
  return {
    engine,
    machines,
    downloads,
    policy,
    simulator,
    info: { ...labInfoFromSimulator(simulator, spec.name), ...spec.info },
    limits: undefined,
  };
}

function getEngineLogin(simulator: SimulatorEndpoint): EngineClientOptions {
  return { url: simulator.baseUrl, user: simulator.user, password: simulator.password, ca: simulator.caPem };
}

/** The engine client of a simulator: its waits and retries follow the simulator's pace. */
function getSimulatedEngineOptions(simulator: Simulator): EngineClientOptions {
  const { pollIntervalMs, shortDeadlineMs, longDeadlineMs } = simulator.timing;
  const timing = { intervalMs: pollIntervalMs, backoff: 1, maxIntervalMs: pollIntervalMs };
  return {
    ...getEngineLogin(simulator),
    retry: { baseDelayMs: pollIntervalMs, maxDelayMs: pollIntervalMs * 8 },
    waits: {
      short: { ...timing, deadlineMs: shortDeadlineMs },
      long: { ...timing, deadlineMs: longDeadlineMs },
    },
  };
}

function openFileLab(
  spec: FileLabSpec,
  options: CreateLabOptions,
  store: Store,
  logger: Logger,
  closers: (() => Promise<void> | void)[],
): LabParts {
  const { config: lab, enginePassword } = spec.source;
  const clock = options.clock ?? systemClock;
  // The CA is read before anything opens: a missing file is a start-up refusal.
  const ca = lab.engine.ca_file ? readCaFile(lab.engine.ca_file) : undefined;
  const engine = EngineClient.create({
    url: lab.engine.url,
    user: lab.engine.user,
    password: enginePassword,
    ca,
    insecure: lab.engine.insecure,
    timeoutMs: lab.engine.timeout_ms,
    maxConcurrency: lab.engine.max_concurrency,
    logger,
    ...options.engine,
  });
  closers.push(() => engine.close());
  const downloads = createHttpDownloads(options.downloads ?? {});
  closers.push(() => downloads.close());
  const info = labInfoFromConfig(lab, spec.source.name);
  const targets = getSshTargets(lab);
  // Pins are the lab's: hyper1 of one lab is not hyper1 of another.
  const runner = createSshRunner({
    targets,
    privateKeyFile: spec.ssh.keyFile,
    password: spec.source.sshPassword,
    getPinnedHostKey: async (machine) => (await store.getPinnedHostKey(info.name, machine))?.fingerprint,
    logger,
    observe: options.sshObserver,
  });
  const configured = new Map(targets.map((t) => [t.machine, t.hostKey]));
  const machines = createSshDriver(runner, {
    get: async (machine) =>
      configured.get(machine) ?? (await store.getPinnedHostKey(info.name, machine))?.fingerprint,
    isConfigured: (machine) => configured.get(machine) !== undefined,
    pin: (machine, fingerprint, by) => store.pinHostKey(info.name, machine, fingerprint, by, clock()),
  });
  closers.push(() => machines.close());
  return {
    engine,
    machines,
    downloads,
    simulator: undefined,
    info,
    policy: mapLabPolicy(lab.policy),
    limits: undefined,
  };
}

function readCaFile(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'error';
    throw new LabopsError(
      'CONFIG',
      msg('config.ca.unreadable', { path: verbatim(path), code: verbatim(code) }),
      { hint: msg('config.ca.unreadableHint') },
    );
  }
}
