import { createPlan, defineArgs, defineChange, type Plan, positional } from '../../src/command.js';
import { LabopsError } from '../../src/errors.js';
import { domainName, findDomain, isAttached } from './domains.js';
import { dependsOnDomains, planTakeOut } from './take-out.js';

export const detach = defineChange({
  name: 'detach',
  summary: 'Put a storage domain into maintenance and detach it from the data center',
  usage: 'detach NAME',
  examples: ['/storage detach nfs-iso'],
  args: defineArgs({ name: positional(domainName, 'the storage domain') }),
  risk: 'destructive',
  async plan(ctx, args): Promise<Plan> {
    const [{ domain, all }, hosts] = await Promise.all([findDomain(ctx, args.name), ctx.engine.listHosts()]);
    if (!isAttached(domain)) {
      throw new LabopsError('CONFLICT', `${domain.name} is not attached to a data center.`, {
        hint: `/storage remove ${domain.name} removes it from the engine.`,
      });
    }
    const out = planTakeOut(domain, all, hosts);
    return createPlan({
      summary: `Detach ${domain.name} from ${ctx.lab.dataCenter}`,
      risk: 'destructive',
      impact: [...out.impact, `VMs with disks on ${domain.name} cannot run while it is detached.`],
      warnings: out.warnings,
      blockers: out.blockers,
      locks: [`domain:${domain.name}`],
      dependsOn: dependsOnDomains([domain, ...all.filter((d) => d.isMaster)]),
      steps: out.steps,
    });
  },
});
