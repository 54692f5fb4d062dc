import { createPlan, defineArgs, defineChange, type Plan, positional } from '../../src/command.js';
import { LabopsError } from '../../src/errors.js';
import { msg } from '../../src/i18n/text.js';
import { domainName, findDomain, isAttached } from './domains.js';
import { dependsOnDomains, planTakeOut } from './take-out.js';

export const detach = defineChange({
  name: 'detach',
  summary: msg('storage.help.detach'),
  usage: 'detach NAME',
  examples: ['/storage detach nfs-iso'],
  args: defineArgs({ name: positional(domainName, msg('storage.arg.domain')) }),
  risk: 'destructive',
  async plan(ctx, args): Promise<Plan> {
    const [{ domain, all }, hosts] = await Promise.all([findDomain(ctx, args.name), ctx.engine.listHosts()]);
    if (!isAttached(domain)) {
      throw new LabopsError('CONFLICT', msg('storage.detach.notAttached', { domain: domain.name }), {
        hint: msg('storage.detach.notAttachedHint', { domain: domain.name }),
      });
    }
    const out = planTakeOut(domain, all, hosts);
    return createPlan({
      summary: msg('storage.detach.summary', { domain: domain.name, dataCenter: ctx.lab.dataCenter }),
      risk: 'destructive',
      impact: [...out.impact, msg('storage.detach.impact', { domain: domain.name })],
      warnings: out.warnings,
      blockers: out.blockers,
      locks: [`domain:${domain.name}`],
      dependsOn: dependsOnDomains([domain, ...all.filter((d) => d.isMaster)]),
      // What attaches it again (a Revert, issue 15 §3): its type and export, kept with the step.
      steps: out.steps.map((step) =>
        step.kind === 'storage.detach'
          ? {
              ...step,
              params: {
                ...step.params,
                type: domain.type,
                address: domain.storage.address,
                path: domain.storage.path,
              },
            }
          : step,
      ),
    });
  },
});
