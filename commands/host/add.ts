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
import { toStepSpecs } from '../../src/jobs/runbook-steps.js';
import { defineStep } from '../../src/jobs/steps.js';
import type { StepSpec } from '../../src/store/types.js';
import { textArg } from '../../src/text.js';
import { hostArg, verifyHostUp } from './hosts.js';

const addressArg = textArg()
  .min(1)
  .max(253)
  .regex(/^[A-Za-z0-9][A-Za-z0-9.:-]*$/, 'must be a host name or an IP address such as hyper3.abc.local');

/** The runbook step that puts the engine's SSH key in root's authorized_keys on a lab machine. */
async function planEngineKey(ctx: CommandContext, machine: string): Promise<StepSpec[]> {
  if (!ctx.lab.runbook.hosts.some((h) => h.name === machine)) {
    throw new LabopsError(
      'NOT_FOUND',
      `--install-key needs ${machine} to be a host of lab.yml, which labops reaches over SSH.`,
      {
        hint: `Add ${machine} under hosts in lab.yml (and /host trust ${machine}), or install the key yourself.`,
      },
    );
  }
  const key = await ctx.engine.getEngineSshPublicKey();
  return toStepSpecs([
    {
      machine,
      step: { type: 'install-key', path: ctx.lab.runbook.paths.authorized_keys, key },
      title: `The engine's SSH key in ${ctx.lab.runbook.paths.authorized_keys} on ${machine}`,
    },
  ]);
}

export const add = defineChange({
  name: 'add',
  summary: "Add a hypervisor to the cluster with the engine's SSH key and wait until it is up",
  usage: 'add NAME ADDRESS [--install-key]',
  examples: ['/host add hyper3 hyper3.abc.local', '/host add hyper3 hyper3.abc.local --install-key'],
  args: defineArgs({
    name: positional(hostArg, 'the name the engine will show'),
    address: positional(addressArg, 'its host name or address, as the engine reaches it'),
    'install-key': flag(
      z.boolean().optional(),
      "first install the engine's SSH key on the machine (a machine of lab.yml, over SSH)",
    ),
  }),
  risk: 'change',
  async plan(ctx, args): Promise<Plan> {
    const hosts = await ctx.engine.listHosts();
    const clash = hosts.find((h) => h.name === args.name || h.address === args.address);
    if (clash) {
      throw new LabopsError('CONFLICT', `The engine already has ${clash.name} (${clash.address ?? '?'}).`, {
        hint: 'Pick another name, or /host remove it first.',
      });
    }
    // The engine logs in with its own key (§3.5): with --install-key that key goes in first.
    const keySteps = args.installKey ? await planEngineKey(ctx, args.name) : [];
    return createPlan({
      summary: `Add ${args.name} (${args.address}) to cluster ${ctx.lab.cluster}`,
      risk: 'change',
      impact: [
        ...keySteps.map((s) => s.title),
        `The engine logs into ${args.address} as root with its own SSH key, installs VDSM and brings ${args.name} up.`,
      ],
      warnings: args.installKey
        ? []
        : [
            `The engine's key must be in root's authorized_keys on ${args.address} (--install-key or /host prepare); otherwise the install fails.`,
          ],
      locks: [`host:${args.name}`],
      dependsOn: { [`host ${args.name}`]: 'absent' },
      steps: [
        ...keySteps,
        {
          kind: 'host.add',
          title: `Add ${args.name} and wait until it is up`,
          params: { hostName: args.name, address: args.address, cluster: ctx.lab.cluster },
          shows: [
            `POST /hosts (${args.name}, ${args.address}, ssh publickey)`,
            `wait until ${args.name} is up`,
          ],
          timeoutMs: 45 * 60_000,
        },
      ],
    });
  },
});

export const addStep = defineStep({
  kind: 'host.add',
  params: z.object({ hostName: z.string(), address: z.string(), cluster: z.string() }),
  async run(ctx, params) {
    const existing = (await ctx.engine.listHosts()).find((h) => h.name === params.hostName);
    if (existing?.status === 'up') return { status: 'ok', detail: `${params.hostName} is already up` };
    const since = await ctx.engine.getLastEventIndex();
    const host =
      existing ??
      (await ctx.engine.addHost({
        name: params.hostName,
        address: params.address,
        clusterName: params.cluster,
        auth: { kind: 'publickey' },
      }));
    try {
      await ctx.engine.waitForHostStatus(host.id, ['up'], {
        onPoll: (seen) => ctx.output(`${params.hostName}: ${seen}`),
      });
    } catch (error) {
      // The engine's events say why an install failed (§3.6: ansible lists them the same way).
      const events = await ctx.engine.listEvents({ from: since }).catch(() => []);
      const relevant = events.filter(
        (e) => (e.hostId === host.id || e.hostId === undefined) && e.severity !== 'normal',
      );
      for (const e of relevant) ctx.output(`engine: ${e.description}`);
      if (error instanceof LabopsError && relevant.length) {
        throw new LabopsError(
          error.code,
          `${error.message} The engine says: ${relevant.map((e) => e.description).join(' ')}`,
          {
            hint: `Check that the engine's key is in root's authorized_keys on ${params.address} (/host prepare ${params.hostName}).`,
          },
        );
      }
      throw error;
    }
    return { status: 'changed' };
  },
  verify: (ctx, params) => verifyHostUp(ctx, params.hostName),
});
