import { createPlan, defineArgs, defineChange, type Plan, positional } from '../../src/command.js';
import { LabopsError } from '../../src/errors.js';
import { msg, verbatim } from '../../src/i18n/text.js';
import { defineStep } from '../../src/jobs/steps.js';
import { findHostOrExplain, HostStepParams, hostArg, verifyHostUp } from './hosts.js';

export const activate = defineChange({
  name: 'activate',
  summary: msg('host.help.activate'),
  usage: 'activate HOST',
  examples: ['/host activate hyper1'],
  args: defineArgs({ host: positional(hostArg, msg('host.help.activateHost')) }),
  risk: 'change',
  async plan(ctx, args): Promise<Plan> {
    const host = await findHostOrExplain(ctx, args.host);
    if (host.status === 'up') {
      throw new LabopsError('CONFLICT', msg('host.activate.alreadyUp', { host: host.name }), {
        hint: msg('host.error.nothingToDo'),
      });
    }
    // Activating a host stuck in preparing_for_maintenance (a pinned VM) cancels the maintenance,
    // as the engine's portal does; the VMs that did not move stay where they are (§3.4).
    const stuck = host.status === 'preparing_for_maintenance';
    return createPlan({
      summary: stuck
        ? msg('host.activate.cancelTitle', { host: host.name })
        : msg('host.activate.title', { host: host.name }),
      risk: 'change',
      impact: [
        stuck
          ? msg('host.activate.impactCancel', { host: host.name })
          : msg('host.activate.impact', { host: host.name, status: host.status }),
      ],
      locks: [`host:${host.name}`],
      dependsOn: { [`host ${host.name}`]: host.status },
      steps: [
        {
          kind: 'host.activate',
          title: msg('host.activate.title', { host: host.name }),
          params: { hostName: host.name },
          shows: [
            verbatim(`POST /hosts/{${host.name}}/activate`),
            msg('pipeline.shows.waitFor', { target: host.name, state: 'up' }),
          ],
        },
      ],
    });
  },
});

export const activateStep = defineStep({
  kind: 'host.activate',
  params: HostStepParams,
  async run(ctx, params) {
    const host = await ctx.engine.findHost(params.hostName);
    if (host.status === 'up') {
      return { status: 'ok', detail: msg('host.activate.wasAlready', { host: params.hostName }) };
    }
    await ctx.engine.activateHost(host.id);
    await ctx.engine.waitForHostStatus(host.id, ['up'], {
      onPollText: (seen) => ctx.output(msg('engine.wait.seen', { object: params.hostName, state: seen })),
    });
    return { status: 'changed' };
  },
  verify: (ctx, params) => verifyHostUp(ctx, params.hostName),
});
