import { z } from 'zod';
import { createPlan, defineArgs, defineChange, type Plan, positional } from '../../src/command.js';
import { LabopsError } from '../../src/errors.js';
import { msg, verbatim } from '../../src/i18n/text.js';
import { defineStep } from '../../src/jobs/steps.js';
import { findHostOrExplain, hostArg } from './hosts.js';
import { planMaintenance } from './maintenance.js';

export const remove = defineChange({
  name: 'remove',
  summary: msg('host.help.remove'),
  usage: 'remove HOST',
  examples: ['/host remove hyper2'],
  args: defineArgs({ host: positional(hostArg, msg('host.help.removeHost')) }),
  risk: 'destructive',
  async plan(ctx, args): Promise<Plan> {
    const host = await findHostOrExplain(ctx, args.host);
    const removal = {
      kind: 'host.remove',
      title: msg('host.remove.stepTitle', { host: host.name }),
      params: { hostName: host.name },
      shows: [verbatim(`DELETE /hosts/{${host.name}}`)],
    };
    if (host.status === 'maintenance') {
      return createPlan({
        summary: msg('host.remove.title', { host: host.name }),
        risk: 'destructive',
        impact: [msg('host.remove.impact', { host: host.name })],
        locks: [`host:${host.name}`],
        dependsOn: { [`host ${host.name}`]: host.status },
        steps: [removal],
      });
    }
    // Only a host in maintenance can be removed (§3.5): the plan puts it there first.
    const maintenancePlan = await planMaintenance(ctx, host.name, 'removal');
    return {
      ...maintenancePlan,
      summary: msg('host.remove.titleWithMaintenance', { host: host.name }),
      impact: [...maintenancePlan.impact, msg('host.remove.impact', { host: host.name })],
      steps: [...maintenancePlan.steps, removal],
    };
  },
});

export const removeStep = defineStep({
  kind: 'host.remove',
  params: z.object({ hostName: z.string() }),
  async run(ctx, params) {
    const host = (await ctx.engine.listHosts()).find((h) => h.name === params.hostName);
    if (!host) return { status: 'ok', detail: msg('host.remove.wasAlready', { host: params.hostName }) };
    await ctx.engine.removeHost(host.id);
    return { status: 'changed' };
  },
  async verify(ctx, params) {
    const hosts = await ctx.engine.listHosts();
    if (hosts.some((h) => h.name === params.hostName)) {
      throw new LabopsError('CONFLICT', msg('host.remove.stillThere', { host: params.hostName }));
    }
    return msg('host.remove.done', { host: params.hostName });
  },
});
