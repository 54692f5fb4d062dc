import type { z } from 'zod';
import { type Args, checkArgs, defineArgs, flag, formatUsageLine, positional } from './args.js';
import type { DownloadPort } from './downloads.js';
import type { EngineClient } from './engine/engine-client.js';
import { LabopsError } from './errors.js';
import type { Locale } from './i18n/locale.js';
import { msg, type Text, verbatim } from './i18n/text.js';
import { createPlan, type Plan, type PlanSpec, type StepSpec } from './plan.js';
import type { Risk } from './risk.js';
import type { RunbookLab } from './runbooks/runbooks.js';
import type { MachineDriver } from './runbooks/types.js';
import type { JobRecord } from './store/types.js';
import type { Clock } from './time.js';
import type { View } from './view.js';

export {
  type Args,
  createPlan,
  defineArgs,
  flag,
  type Plan,
  type PlanSpec,
  positional,
  type Risk,
  type StepSpec,
};

/** Who is asking, and from where (design.md, Principals). */
export interface Caller {
  /** `slack:U…` or `shell:NAME`. */
  principal: string;
  /** Slack channel id, or `shell`. */
  channel: string;
  /** User groups the caller belongs to (`slack:S…`), as resolved by the adapter. */
  groups: readonly string[];
  /** The language of what only this caller sees (issue 16 §2); the lab's when unset. */
  locale?: Locale | undefined;
}

/** The lab as commands need to name it: configuration, not engine state. */
export interface LabInfo {
  /** The lab's name (`[a-z][a-z0-9-]{0,31}`): the store keys its jobs, locks, pins and audit by it. */
  name: string;
  /** The lab's language (lab.yml `locale`): channel messages, and people whose own is unknown. */
  locale: Locale;
  /** The lab's time zone (lab.yml `timezone`) for times of day; the machine's when unset. */
  timeZone?: string | undefined;
  /** lab.yml `events.quiet_hours` (`22:00-07:00`, in `timeZone`): reminders wait for their end. */
  quietHours?: string | undefined;
  dataCenter: string;
  cluster: string;
  /** The hypervisors labops knows by name. */
  hosts: readonly string[];
  /** The built-in simulator stands in for the lab: every answer says so. */
  simulated: boolean;
  /** The NFS server (a machine runbooks reach by this name) and its exports. */
  storage: {
    machine: string;
    /** The address the engine mounts exports from (`SERVER` in `SERVER:/EXPORT`). */
    address: string;
    exportRoots: readonly string[];
    exports: readonly { name: string; path: string }[];
  };
  /** The machines as runbooks read them (lab.yml's shape). */
  runbook: RunbookLab;
  /** IP addresses of the machines by name, where known (hosts entries need them). */
  addresses: Readonly<Record<string, string>>;
  /** What `/lab reset` returns the lab to. */
  baseline: {
    storageDomains: readonly { name: string; type: 'data' | 'iso'; exportPath: string }[];
    hosts: readonly string[];
    vms: readonly string[];
  };
}

/** The jobs side of labops as a plan or a read sees it: reading only. */
export interface JobsReader {
  list(filter: { active?: boolean; limit?: number }): Promise<JobRecord[]>;
  get(id: string): Promise<JobRecord | undefined>;
  /** The newest audit events, for `/lab audit`. */
  audit(
    limit: number,
  ): Promise<{ at: number; type: string; actor: string; jobId: string | undefined; summary: string }[]>;
  /** The lab's pending cards, the newest first: `limit` of them, else all. */
  pendingApprovals(
    limit?: number,
  ): Promise<{ id: string; jobId: string; command: string; requester: string; expiresAt: number }[]>;
  /** The lab's scheduled work, the next to run first (issue 15 §4). */
  schedules(): Promise<ScheduledWork[]>;
}

/** A schedule as `/lab jobs` lists it (src/schedules/). */
export interface ScheduledWork {
  /** `sch-1a2b`, which `/lab cancel` takes. */
  id: string;
  /** `/lab reset --keep-vms` */
  command: string;
  next: number;
  everyMs: number | undefined;
  /** The lab's time zone the schedule reads its times in. */
  timeZone: string;
  requester: string;
  /** Who approved it; the requester alone when they confirmed it. */
  approvers: string[];
}

/** The jobs side of labops as a direct command (`/lab cancel`) sees it: reading, cancelling. */
export interface JobsPort extends JobsReader {
  /**
   * Stops a job between steps and signals a running remote command; answers what happened in
   * words. Only its requester or an approver of its command may (`groups`: the caller's groups).
   */
  cancel(id: string, by: string, groups?: readonly string[]): Promise<Text>;
}

/**
 * The engine's reads, the only engine methods a plan or a read can reach (issue 11 §4): no write,
 * no upload, no wait for a change, no client tagged for a job or bound to another signal. labops
 * enforces the list at run time too (src/plan-limits.ts, createReadOnlyView), so a cast cannot
 * reach a write either.
 */
export const ENGINE_READS = [
  'origin',
  'getApiInfo',
  'getApiLevel',
  'getEngineSshPublicKey',
  'listDataCenters',
  'getDataCenter',
  'findDataCenter',
  'findDataCenterId',
  'listClusters',
  'listHosts',
  'getHost',
  'findHost',
  'listVms',
  'getVm',
  'findVm',
  'listVmDisks',
  'getCdromId',
  'getCdromFile',
  'listStorageDomains',
  'getStorageDomain',
  'findStorageDomain',
  'listAttachedStorageDomains',
  'getAttachedStorageDomain',
  'listIsoDomainFiles',
  'getDisk',
  'listStorageDomainDisks',
  'listIsoDisks',
  'canUpdateDiskDescription',
  'getImageTransfer',
  'listEvents',
  'getLastEventIndex',
  'findFailureEvent',
  'listFailureEvents',
  'listJobsByCorrelationId',
] as const satisfies readonly (keyof EngineClient)[];

/** The engine as a plan or a read sees it. */
export type ReadOnlyEngine = Pick<EngineClient, (typeof ENGINE_READS)[number]>;

/** What a plan may ask the machines: checks and the host key they present, never a runbook step or a pin. */
export const MACHINE_READS = ['inspect', 'readHostKey'] as const satisfies readonly (keyof MachineDriver)[];
export type ReadOnlyMachines = Pick<MachineDriver, (typeof MACHINE_READS)[number]>;

/** What a plan may ask a download source: a probe, never the stream. */
export const DOWNLOAD_READS = ['probe'] as const satisfies readonly (keyof DownloadPort)[];
export type ReadOnlyDownloads = Pick<DownloadPort, (typeof DOWNLOAD_READS)[number]>;

/**
 * The only door a command has to the world (style.md "A command"): the engine, the machines, the
 * jobs, the clock — to read. `plan()` and a read's `run()` reach no write (issue 11 §4); the
 * changes are the steps' (src/jobs/steps.ts, StepContext). Commands never import Bolt, undici or
 * ssh2, so one command runs unchanged in Slack, in the shell and in tests.
 */
/** One lab as `/lab list` shows it (issue 13 §2): a phone-sized line of facts. */
export type LabSummary =
  | {
      name: string;
      engine: 'up';
      hostsUp: number;
      hosts: number;
      domainsActive: number;
      domains: number;
      jobsRunning: number;
      simulated: boolean;
    }
  | { name: string; engine: 'down'; reason: Text; jobsRunning: number; simulated: boolean };

/** One lab's answer to a read across labs (`/lab status --all`): its view, or why it has none. */
export type LabReading = { lab: string; view: View } | { lab: string; error: LabopsError };

/** The bot's labs, as a command sees them (src/labs.ts). */
export interface LabsPort {
  /** The labs `caller` may act on, each read now (an engine that does not answer is down). */
  list(caller: Caller, signal?: AbortSignal): Promise<LabSummary[]>;
  /**
   * A read command (`/lab status`) run in each lab `which` names — `all`: every lab the caller may
   * act on; a list: those labs, each known and one the caller may act on — a few labs at once
   * (`limits.labs_in_parallel`), each through its own policy. Answers in the order of the lab
   * file; a lab that fails answers its error, and the others still answer (issue 13 §3).
   *
   * @throws LabopsError `USAGE` for an unknown lab, `FORBIDDEN` for a lab the caller may not act on.
   */
  readEach(
    caller: Caller,
    which: 'all' | readonly string[],
    request: { command: string; text: string },
    signal?: AbortSignal,
  ): Promise<LabReading[]>;
}

export interface CommandContext {
  caller: Caller;
  lab: LabInfo;
  /** Every lab of the bot; a bot of one lab lists that one. */
  labs: LabsPort;
  /** Bound to `signal`: a call passes no signal (`EngineClient.withSignal`). */
  engine: ReadOnlyEngine;
  /** Probes ISO sources (the job streams them). */
  downloads: ReadOnlyDownloads;
  /** The lab's machines: read-only checks (runbook steps run in jobs). */
  machines: ReadOnlyMachines;
  jobs: JobsReader;
  clock: Clock;
  signal?: AbortSignal | undefined;
}

/** A direct command's context (`/lab cancel`): the read-only one, and the jobs to cancel. */
export interface DirectContext extends Omit<CommandContext, 'jobs'> {
  jobs: JobsPort;
}

interface SubcommandBase<S extends z.ZodType> {
  name: string;
  /** One line for help, in the reader's language (the Slack manifest shows the English). */
  summary: Text;
  /**
   * `maintenance HOST [--reason TEXT]` (without the command): must read as the arguments do
   * (formatUsageLine), which the registry checks at start-up.
   */
  usage: string;
  /** Commands as one types them: shown as they are. */
  examples: string[];
  /**
   * Each argument declared once (defineArgs): how it is read from Slack's single `text` string,
   * and the schema whose output `run`/`plan` receive.
   */
  args: Args<S>;
  /**
   * With `--all` or `--lab a,b` the command works on several labs (issue 13 §3): it needs no lab of
   * its own, and its `--lab` list reaches it (src/labs.ts).
   */
  acrossLabs?: boolean | undefined;
}

/** A read-only sub-command: runs at once and answers a view. */
export interface ReadSubcommand<S extends z.ZodType = z.ZodType> extends SubcommandBase<S> {
  risk: 'read';
  run: (ctx: CommandContext, args: z.output<S>) => Promise<View>;
}

/**
 * A sub-command with side effects: its plan becomes a job after the approvals its risk needs.
 * `direct`, for housekeeping like `/lab cancel`, runs at once after the policy check (it changes
 * labops' own state, not the lab).
 */
export interface ChangeSubcommand<S extends z.ZodType = z.ZodType> extends SubcommandBase<S> {
  risk: Exclude<Risk, 'read'>;
  plan: (ctx: CommandContext, args: z.output<S>) => Promise<Plan>;
}

export interface DirectSubcommand<S extends z.ZodType = z.ZodType> extends SubcommandBase<S> {
  risk: 'change';
  direct: (ctx: DirectContext, args: z.output<S>) => Promise<View>;
}

export type Subcommand = ReadSubcommand | ChangeSubcommand | DirectSubcommand;

export interface CommandSpec {
  /** Without the slash: `host`. */
  name: string;
  /** One line for help, in the reader's language; the Slack manifest shows its English. */
  summary: Text;
  subcommands: Subcommand[];
}

/**
 * Checks a command once, at start-up: no sub-command twice, each one's arguments read as their
 * schema says (checkArgs), so a flag the schema lacks fails here, not when a user types it, and
 * its usage line names its arguments as they read.
 *
 * @throws LabopsError `INTERNAL` (a bug in the command, not the user's input).
 */
function checkCommand(spec: CommandSpec): void {
  const names = new Set<string>();
  for (const sub of spec.subcommands) {
    if (names.has(sub.name)) {
      throw new LabopsError(
        'INTERNAL',
        msg('pipeline.bug.twice', { command: verbatim(`/${spec.name}`), name: verbatim(sub.name) }),
      );
    }
    names.add(sub.name);
    checkArgs(sub.args, `/${spec.name} ${sub.name}`);
    const usage = formatUsageLine(sub.name, sub.args.spec);
    if (sub.usage !== usage) {
      throw new LabopsError(
        'INTERNAL',
        msg('pipeline.bug.usage', {
          command: verbatim(`/${spec.name} ${sub.name}`),
          usage: verbatim(sub.usage),
          read: verbatim(usage),
        }),
        { hint: msg('pipeline.bug.usageHint') },
      );
    }
  }
}

/** Declares a slash command; sub-commands keep the argument types their zod schema infers. */
export function defineCommand(spec: CommandSpec): CommandSpec {
  checkCommand(spec);
  return spec;
}

export function defineRead<S extends z.ZodType>(spec: ReadSubcommand<S>): ReadSubcommand {
  return spec as unknown as ReadSubcommand;
}

export function defineChange<S extends z.ZodType>(spec: ChangeSubcommand<S>): ChangeSubcommand {
  return spec as unknown as ChangeSubcommand;
}

export function defineDirect<S extends z.ZodType>(spec: DirectSubcommand<S>): DirectSubcommand {
  return spec as unknown as DirectSubcommand;
}

export function isRead(sub: Subcommand): sub is ReadSubcommand {
  return sub.risk === 'read' && 'run' in sub;
}

export function isDirect(sub: Subcommand): sub is DirectSubcommand {
  return 'direct' in sub;
}

/** The registry: every slash command by name, in the order `help` lists them. */
export class CommandRegistry {
  readonly commands: readonly CommandSpec[];

  /** @throws LabopsError `INTERNAL` when a command does not check (checkCommand). */
  constructor(commands: readonly CommandSpec[]) {
    for (const command of commands) checkCommand(command);
    this.commands = commands;
  }

  find(name: string): CommandSpec | undefined {
    const bare = name.replace(/^\//, '');
    return this.commands.find((c) => c.name === bare);
  }

  /** Every `command sub` key, as policy overrides name them. */
  keys(): string[] {
    return this.commands.flatMap((c) => c.subcommands.map((s) => `${c.name} ${s.name}`));
  }
}
