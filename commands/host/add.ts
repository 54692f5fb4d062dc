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
import { msg, verbatim } from '../../src/i18n/text.js';
import { toStepSpecs } from '../../src/jobs/runbook-steps.js';
import { defineStep } from '../../src/jobs/steps.js';
import type { StepSpec } from '../../src/store/types.js';
import { textArg } from '../../src/text.js';
import { hostArg, verifyHostUp } from './hosts.js';

const addressArg = textArg()
  .min(1)
  .max(253)
  .regex(/^[A-Za-z0-9][A-Za-z0-9.:-]*$/, schemaMessage(msg('host.arg.addressForm')));

/** The runbook step that puts the engine's SSH key in root's authorized_keys on a lab machine. */
async function planEngineKey(ctx: CommandContext, machine: string): Promise<StepSpec[]> {
  if (!ctx.lab.runbook.hosts.some((h) => h.name === machine)) {
    throw new LabopsError('NOT_FOUND', msg('host.add.keyNeedsLabHost', { machine }), {
      hint: msg('host.add.keyNeedsLabHostHint', { machine }),
    });
  }
  const key = await ctx.engine.getEngineSshPublicKey();
  const path = ctx.lab.runbook.paths.authorized_keys;
  return toStepSpecs([
    {
      machine,
      step: { type: 'install-key', path, key },
      title: msg('host.add.keyStepTitle', { path, machine }),
    },
  ]);
}

export const add = defineChange({
  name: 'add',
  summary: msg('host.help.add'),
  usage: 'add NAME ADDRESS [--install-key]',
  examples: ['/host add hyper3 hyper3.abc.local', '/host add hyper3 hyper3.abc.local --install-key'],
  args: defineArgs({
    name: positional(hostArg, msg('host.help.addName')),
    address: positional(addressArg, msg('host.help.addAddress')),
    'install-key': flag(z.boolean().optional(), msg('host.help.addInstallKey')),
  }),
  risk: 'change',
  async plan(ctx, args): Promise<Plan> {
    const hosts = await ctx.engine.listHosts();
    const clash = hosts.find((h) => h.name === args.name || h.address === args.address);
    if (clash) {
      throw new LabopsError(
        'CONFLICT',
        msg('host.add.exists', { host: clash.name, address: clash.address ?? '?' }),
        { hint: msg('host.add.existsHint') },
      );
    }
    // The engine logs in with its own key (§3.5): with --install-key that key goes in first.
    const keySteps = args.installKey ? await planEngineKey(ctx, args.name) : [];
    return createPlan({
      summary: msg('host.add.title', { host: args.name, address: args.address, cluster: ctx.lab.cluster }),
      risk: 'change',
      impact: [
        ...keySteps.map((s) => s.title),
        msg('host.add.impact', { address: args.address, host: args.name }),
      ],
      warnings: args.installKey ? [] : [msg('host.add.keyWarning', { address: args.address })],
      locks: [`host:${args.name}`],
      dependsOn: { [`host ${args.name}`]: 'absent' },
      steps: [
        ...keySteps,
        {
          kind: 'host.add',
          title: msg('host.add.stepTitle', { host: args.name }),
          params: { hostName: args.name, address: args.address, cluster: ctx.lab.cluster },
          shows: [
            verbatim(`POST /hosts (${args.name}, ${args.address}, ssh publickey)`),
            msg('pipeline.shows.waitFor', { target: args.name, state: 'up' }),
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
    if (existing?.status === 'up') {
      return { status: 'ok', detail: msg('host.add.alreadyUp', { host: params.hostName }) };
    }
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
        onPollText: (seen) => ctx.output(msg('engine.wait.seen', { object: params.hostName, state: seen })),
      });
    } catch (error) {
      // The engine's events say why an install failed (§3.6: ansible lists them the same way).
      const events = await ctx.engine.listEvents({ from: since }).catch(() => []);
      const relevant = events.filter(
        (e) => (e.hostId === host.id || e.hostId === undefined) && e.severity !== 'normal',
      );
      for (const e of relevant) ctx.output(`engine: ${e.description}`);
      if (error instanceof LabopsError && relevant.length) {
        // The engine's own words, as it wrote them.
        const events = verbatim(relevant.map((e) => e.description).join(' '));
        throw new LabopsError(error.code, msg('host.add.failed', { error: error.text, events }), {
          hint: msg('host.add.failedHint', { address: params.address, host: params.hostName }),
        });
      }
      throw error;
    }
    return { status: 'changed' };
  },
  verify: (ctx, params) => verifyHostUp(ctx, params.hostName),
});
