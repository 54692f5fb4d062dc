import { z } from 'zod';
import { createPlan, defineArgs, defineChange, type Plan, positional } from '../../src/command.js';
import { LabopsError } from '../../src/errors.js';
import { defineStep } from '../../src/jobs/steps.js';
import { findHostOrExplain, hostArg } from './hosts.js';
import { planMaintenance } from './maintenance.js';

export const remove = defineChange({
  name: 'remove',
  summary: 'Remove a host from the engine (from maintenance; the plan puts it there first)',
  usage: 'remove HOST',
  examples: ['/host remove hyper2'],
  args: defineArgs({ host: positional(hostArg, 'the host to remove') }),
  risk: 'destructive',
  async plan(ctx, args): Promise<Plan> {
    const host = await findHostOrExplain(ctx, args.host);
    const removal = {
      kind: 'host.remove',
      title: `Remove ${host.name} from the engine`,
      params: { hostName: host.name },
      shows: [`DELETE /hosts/{${host.name}}`],
    };
    if (host.status === 'maintenance') {
      return createPlan({
        summary: `Remove ${host.name}`,
        risk: 'destructive',
        impact: [`${host.name} leaves the engine; adding it back needs /host add.`],
        locks: [`host:${host.name}`],
        dependsOn: { [`host ${host.name}`]: host.status },
        steps: [removal],
      });
    }
    // Only a host in maintenance can be removed (§3.5): the plan puts it there first.
    const maintenancePlan = await planMaintenance(ctx, host.name, 'removal');
    return {
      ...maintenancePlan,
      summary: `Put ${host.name} into maintenance, then remove it`,
      impact: [...maintenancePlan.impact, `${host.name} leaves the engine; adding it back needs /host add.`],
      steps: [...maintenancePlan.steps, removal],
    };
  },
});

export const removeStep = defineStep({
  kind: 'host.remove',
  params: z.object({ hostName: z.string() }),
  async run(ctx, params) {
    const host = (await ctx.engine.listHosts()).find((h) => h.name === params.hostName);
    if (!host) return { status: 'ok', detail: `${params.hostName} was already removed` };
    await ctx.engine.removeHost(host.id);
    return { status: 'changed' };
  },
  async verify(ctx, params) {
    const hosts = await ctx.engine.listHosts();
    if (hosts.some((h) => h.name === params.hostName)) {
      throw new LabopsError('CONFLICT', `${params.hostName} is still in the engine.`);
    }
    return `${params.hostName} is gone from the engine`;
  },
});
