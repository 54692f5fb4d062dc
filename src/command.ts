import type { z } from 'zod';
import type { DownloadPort } from './downloads.js';
import type { EngineClient } from './engine/engine-client.js';
import type { RunbookLab } from './runbooks/runbooks.js';
import type { MachineDriver } from './runbooks/types.js';
import type { JobRecord, Risk, StepSpec } from './store/types.js';
import type { Clock } from './time.js';
import type { View } from './view.js';

export type { Risk, StepSpec };

/** Who is asking, and from where (design.md, Principals). */
export interface Caller {
  /** `slack:U…` or `shell:NAME`. */
  principal: string;
  /** Slack channel id, or `shell`. */
  channel: string;
  /** User groups the caller belongs to (`slack:S…`), as resolved by the adapter. */
  groups: readonly string[];
}

/** The lab as commands need to name it: configuration, not engine state. */
export interface LabInfo {
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

/** The jobs side of labops as commands see it: reading, cancelling. */
export interface JobsPort {
  list(filter: { active?: boolean; limit?: number }): JobRecord[];
  get(id: string): JobRecord | undefined;
  /**
   * Stops a job between steps and signals a running remote command; answers what happened in
   * words. Only its requester or an approver of its command may (`groups`: the caller's groups).
   */
  cancel(id: string, by: string, groups?: readonly string[]): string;
  /** The newest audit events, for `/lab audit`. */
  audit(
    limit: number,
  ): { at: number; type: string; actor: string; jobId: string | undefined; summary: string }[];
  pendingApprovals(): { id: string; jobId: string; command: string; requester: string; expiresAt: number }[];
}

/**
 * The only door a command has to the world (style.md "A command"): the engine, the jobs, the
 * clock. Commands never import Bolt, undici or ssh2, so one command runs unchanged in Slack, in the
 * shell and in tests.
 */
export interface CommandContext {
  caller: Caller;
  lab: LabInfo;
  engine: EngineClient;
  /** Reads ISO sources (probe in plans, stream in jobs). */
  downloads: DownloadPort;
  /** The lab's machines: read-only checks in plans (runbook steps run in jobs). */
  machines: MachineDriver;
  jobs: JobsPort;
  clock: Clock;
  signal?: AbortSignal | undefined;
}

/** What a plan shows approvers and what the job will run. Built without side effects. */
export interface Plan {
  /** One line: "Put hyper1 into maintenance". */
  summary: string;
  /** The sub-command's risk, raised from the target's state where needed. */
  risk: Risk;
  /** Why the risk was raised ("hyper1 is the last active host of cluster Default"). */
  riskReasons: string[];
  /** What will happen: "web1 → hyper2 (live migration)". */
  impact: string[];
  warnings: string[];
  /** What will stop the job from finishing ("web1 is pinned to hyper1"). */
  blockers: string[];
  /** Locks the job holds from the card to its end: `host:hyper1`, `domain:nfs-data`, `lab`. */
  locks: string[];
  /**
   * The state the plan depends on, in words keyed by object (`host hyper1: up`). Its hash is the
   * fingerprint: when it changes before approval, the card becomes void and shows the difference.
   * Only what matters — statuses, placement, master flags — never counters (design.md, Approvals).
   */
  dependsOn: Record<string, string>;
  steps: StepSpec[];
  /** Only show the plan (`--dry-run`): no card, no lock, nothing runs. */
  preview?: boolean | undefined;
}

/** How a sub-command's arguments are read from Slack's single `text` string. */
export interface ArgsSpec {
  positionals: { name: string; required?: boolean; description: string }[];
  flags: Record<string, { type: 'string' | 'boolean' | 'number'; description: string; alias?: string }>;
}

interface SubcommandBase<S extends z.ZodType> {
  name: string;
  summary: string;
  /** `maintenance HOST [--reason TEXT]` (without the command). */
  usage: string;
  examples: string[];
  argsSpec: ArgsSpec;
  /** Validates and types the parsed arguments; its output is what `run`/`plan` receive. */
  args: S;
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
  direct: (ctx: CommandContext, args: z.output<S>) => Promise<View>;
}

export type Subcommand = ReadSubcommand | ChangeSubcommand | DirectSubcommand;

export interface CommandSpec {
  /** Without the slash: `host`. */
  name: string;
  summary: string;
  subcommands: Subcommand[];
}

/** Declares a slash command; sub-commands keep the argument types their zod schema infers. */
export function defineCommand(spec: CommandSpec): CommandSpec {
  const names = new Set<string>();
  for (const sub of spec.subcommands) {
    if (names.has(sub.name)) throw new Error(`/${spec.name} declares ${sub.name} twice`);
    names.add(sub.name);
  }
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

  constructor(commands: readonly CommandSpec[]) {
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
