import { z } from 'zod';
import {
  type CommandContext,
  createPlan,
  defineArgs,
  defineChange,
  flag,
  type Plan,
  positional,
} from '../../src/command.js';
import { LabopsError } from '../../src/errors.js';
import { defineStep } from '../../src/jobs/steps.js';
import { getLabHostsEntries, planHostPrepare } from '../../src/runbooks/runbooks.js';
import { textArg } from '../../src/text.js';
import { planFromRunbook } from '../storage/machine-work.js';

const machineArg = textArg()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'must be a machine name such as hyper1');

/** A machine labops reaches over SSH: a hypervisor of the lab or its storage server. */
function requireMachine(ctx: CommandContext, name: string): string {
  const known = [...ctx.lab.runbook.hosts.map((h) => h.name), ctx.lab.storage.machine];
  if (!known.includes(name)) {
    throw new LabopsError('NOT_FOUND', `labops does not know a machine named "${name}".`, {
      hint: `Machines: ${known.join(', ')} (hosts and storage.server of lab.yml).`,
    });
  }
  return name;
}

export const trust = defineChange({
  name: 'trust',
  summary: "Show a machine's SSH host key fingerprint for approval, then pin it",
  usage: 'trust HOST',
  examples: ['/host trust hyper3'],
  args: defineArgs({ host: positional(machineArg, 'a hypervisor or the storage server') }),
  risk: 'change',
  async plan(ctx, args): Promise<Plan> {
    const machine = requireMachine(ctx, args.host);
    const key = await ctx.machines.readHostKey(machine);
    if (key.pinned === key.presented) {
      throw new LabopsError('CONFLICT', `${machine}'s key ${key.presented} is already trusted.`, {
        hint: 'Nothing to do.',
      });
    }
    if (key.pinnedInConfig) {
      // lab.yml's pin wins over any /host trust: pinning here would change nothing.
      throw new LabopsError(
        'CONFLICT',
        `lab.yml pins ${machine}'s key to ${key.pinned}; ${machine} presents ${key.presented}.`,
        {
          hint: `If the host was reinstalled, compare the new key on it, then edit hosts[].ssh.host_key in lab.yml.`,
        },
      );
    }
    const changed = key.pinned !== undefined;
    return createPlan({
      summary: `Trust ${machine}'s SSH host key`,
      // Replacing a pinned key is how a man in the middle gets in: someone else must look too.
      risk: changed ? 'destructive' : 'change',
      riskReasons: changed ? [`${machine} presents a different key than the one pinned.`] : [],
      impact: [
        `presented: ${key.presented}`,
        changed ? `pinned now: ${key.pinned} (it would be replaced)` : 'pinned now: nothing',
        `Compare on ${machine}: ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub`,
      ],
      warnings: changed
        ? ['The host key changed: a reinstalled host, or someone in between. Check before approving.']
        : [],
      locks: [`machine:${machine}`],
      dependsOn: { [`host key ${machine}`]: key.presented },
      steps: [
        {
          kind: 'host.trust-key',
          title: `Pin ${machine}'s key ${key.presented}`,
          params: { machine, fingerprint: key.presented, by: ctx.caller.principal },
          shows: [`pin ${key.presented} for ${machine}`],
        },
      ],
    });
  },
});

export const prepare = defineChange({
  name: 'prepare',
  summary:
    "Prepare a hypervisor: the lab's hosts entries and the engine's SSH key (--insecure: the guide's shortcut)",
  usage: 'prepare HOST [--insecure]',
  examples: ['/host prepare hyper1', '/host prepare hyper2 --insecure'],
  args: defineArgs({
    host: positional(machineArg, 'the hypervisor'),
    insecure: flag(
      z.boolean().optional(),
      'also stop firewalld and make SELinux permissive (labs only, when the engine cannot install the host)',
    ),
  }),
  risk: 'change',
  async plan(ctx, args): Promise<Plan> {
    const engineKey = await ctx.engine.getEngineSshPublicKey();
    const items = planHostPrepare(ctx.lab.runbook, {
      host: args.host,
      hostsEntries: getLabHostsEntries(ctx.lab.runbook, ctx.lab.addresses),
      engineKey,
      insecure: args.insecure,
    });
    return planFromRunbook(items, {
      summary: `Prepare ${args.host}${args.insecure ? ' (insecure lab shortcut)' : ''}`,
      risk: args.insecure ? 'destructive' : 'change',
      riskReasons: args.insecure ? ['--insecure stops firewalld and makes SELinux permissive.'] : [],
      impact: [
        `${args.host}: the lab's hosts entries and the engine's SSH key in ${ctx.lab.runbook.paths.authorized_keys}; each step checks first and changes only what is missing.`,
        ...(args.insecure
          ? ["firewalld stopped and SELinux permissive on it (the guide's lab shortcut)."]
          : []),
      ],
      locks: [`machine:${args.host}`, `host:${args.host}`],
      dependsOn: {},
    });
  },
});

export const hostMachineSteps = [
  defineStep({
    kind: 'host.trust-key',
    params: z.object({ machine: z.string(), fingerprint: z.string(), by: z.string() }),
    async run(ctx, params) {
      return { status: await ctx.machines.trustHostKey(params.machine, params.fingerprint, params.by) };
    },
    async verify(ctx, params) {
      const key = await ctx.machines.readHostKey(params.machine);
      if (key.pinned !== params.fingerprint) {
        throw new LabopsError('CONFLICT', `${params.machine}'s pinned key is ${key.pinned ?? 'nothing'}.`);
      }
      return `${params.machine}'s key ${params.fingerprint} is pinned`;
    },
  }),
];
