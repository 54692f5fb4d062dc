import { z } from 'zod';
import { schemaMessage } from '../../src/args.js';
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
import { list, msg, verbatim } from '../../src/i18n/text.js';
import { defineStep } from '../../src/jobs/steps.js';
import { getLabHostsEntries, planHostPrepare } from '../../src/runbooks/runbooks.js';
import { textArg } from '../../src/text.js';
import { planFromRunbook } from '../storage/machine-work.js';

const machineArg = textArg()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, schemaMessage(msg('host.arg.machineForm')));

/** A machine labops reaches over SSH: a hypervisor of the lab or its storage server. */
function requireMachine(ctx: CommandContext, name: string): string {
  const known = [...ctx.lab.runbook.hosts.map((h) => h.name), ctx.lab.storage.machine];
  if (!known.includes(name)) {
    throw new LabopsError('NOT_FOUND', msg('host.machine.unknown', { machine: name }), {
      hint: msg('host.machine.unknownHint', { machines: list(known) }),
    });
  }
  return name;
}

export const trust = defineChange({
  name: 'trust',
  summary: msg('host.help.trust'),
  usage: 'trust HOST',
  examples: ['/host trust hyper3'],
  args: defineArgs({ host: positional(machineArg, msg('host.help.trustHost')) }),
  risk: 'change',
  async plan(ctx, args): Promise<Plan> {
    const machine = requireMachine(ctx, args.host);
    const key = await ctx.machines.readHostKey(machine);
    if (key.pinned === key.presented) {
      throw new LabopsError(
        'CONFLICT',
        msg('host.trust.alreadyTrusted', { machine, fingerprint: key.presented }),
        { hint: msg('host.error.nothingToDo') },
      );
    }
    if (key.pinnedInConfig) {
      // lab.yml's pin wins over any /host trust: pinning here would change nothing.
      throw new LabopsError(
        'CONFLICT',
        msg('host.trust.pinnedInConfig', { machine, pinned: key.pinned ?? '?', presented: key.presented }),
        { hint: msg('host.trust.pinnedInConfigHint') },
      );
    }
    const changed = key.pinned !== undefined;
    return createPlan({
      summary: msg('host.trust.title', { machine }),
      // Replacing a pinned key is how a man in the middle gets in: someone else must look too.
      risk: changed ? 'destructive' : 'change',
      riskReasons: changed ? [msg('host.trust.keyChanged', { machine })] : [],
      impact: [
        msg('host.trust.presented', { fingerprint: key.presented }),
        key.pinned !== undefined
          ? msg('host.trust.pinnedNow', { fingerprint: key.pinned })
          : msg('host.trust.pinnedNowNothing'),
        msg('host.trust.compare', {
          machine,
          command: verbatim('ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub'),
        }),
      ],
      warnings: changed ? [msg('host.trust.keyChangedWarning')] : [],
      locks: [`machine:${machine}`],
      dependsOn: { [`host key ${machine}`]: key.presented },
      steps: [
        {
          kind: 'host.trust-key',
          title: msg('host.trust.stepTitle', { machine, fingerprint: key.presented }),
          params: { machine, fingerprint: key.presented, by: ctx.caller.principal },
          shows: [msg('host.shows.pinKey', { fingerprint: key.presented, machine })],
        },
      ],
    });
  },
});

export const prepare = defineChange({
  name: 'prepare',
  summary: msg('host.help.prepare'),
  usage: 'prepare HOST [--insecure]',
  examples: ['/host prepare hyper1', '/host prepare hyper2 --insecure'],
  args: defineArgs({
    host: positional(machineArg, msg('host.help.prepareHost')),
    insecure: flag(z.boolean().optional(), msg('host.help.prepareInsecure')),
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
      summary: args.insecure
        ? msg('host.prepare.titleInsecure', { host: args.host })
        : msg('host.prepare.title', { host: args.host }),
      risk: args.insecure ? 'destructive' : 'change',
      riskReasons: args.insecure ? [msg('host.prepare.insecureReason')] : [],
      impact: [
        msg('host.prepare.impact', { host: args.host, path: ctx.lab.runbook.paths.authorized_keys }),
        ...(args.insecure ? [msg('host.prepare.impactInsecure')] : []),
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
        throw new LabopsError(
          'CONFLICT',
          key.pinned === undefined
            ? msg('host.trust.pinnedNone', { machine: params.machine })
            : msg('host.trust.pinnedOther', { machine: params.machine, pinned: key.pinned }),
        );
      }
      return msg('host.trust.pinned', { machine: params.machine, fingerprint: params.fingerprint });
    },
  }),
];
