import { z } from 'zod';
import { createPlan, defineArgs, defineChange, flag, type Plan, positional } from '../../src/command.js';
import { LabopsError } from '../../src/errors.js';
import { defineStep } from '../../src/jobs/steps.js';
import { domainName, findDomain, isAttached, readDomains } from './domains.js';
import { dependsOnDomains, planTakeOut } from './take-out.js';

export const remove = defineChange({
  name: 'remove',
  summary: 'Remove a storage domain from the engine (--format also wipes its files from the export)',
  usage: 'remove NAME [--format]',
  examples: ['/storage remove old-data', '/storage remove old-data --format'],
  args: defineArgs({
    name: positional(domainName, 'the storage domain'),
    format: flag(z.boolean().optional(), "wipe the domain's files from the export (else they stay: FAQ 1)"),
  }),
  risk: 'destructive',
  async plan(ctx, args): Promise<Plan> {
    const [{ domain, all }, hosts] = await Promise.all([findDomain(ctx, args.name), ctx.engine.listHosts()]);
    const up = hosts.find((h) => h.status === 'up');
    if (!up) {
      throw new LabopsError('CONFLICT', 'No host is up: the engine needs one to remove a domain.', {
        hint: '/host activate HOST first.',
      });
    }
    const taken = isAttached(domain)
      ? planTakeOut(domain, all, hosts)
      : { steps: [], impact: [], blockers: [], warnings: [] };
    const where = domain.storage.path ? `${domain.storage.address}:${domain.storage.path}` : 'its export';
    return createPlan({
      summary: `Remove ${domain.name}${args.format ? ' and wipe its files' : ''}`,
      risk: 'destructive',
      impact: [
        ...taken.impact,
        args.format
          ? `The domain's files are wiped from ${where}; its disks and VMs' data on it are gone.`
          : `The domain's files stay in ${where}: adding a new domain there will fail until /storage clean (FAQ 1).`,
      ],
      warnings: taken.warnings,
      blockers: taken.blockers,
      locks: [`domain:${domain.name}`],
      dependsOn: dependsOnDomains([domain, ...all.filter((d) => d.isMaster)]),
      steps: [
        ...taken.steps,
        {
          kind: 'storage.remove',
          title: `Remove ${domain.name}${args.format ? ' (format)' : ''}`,
          params: { domain: domain.name, format: args.format ?? false },
          shows: [
            `DELETE /storagedomains/{${domain.name}}?host={an up host}${args.format ? '&format=true' : ''}`,
          ],
        },
      ],
    });
  },
});

export const removeStep = defineStep({
  kind: 'storage.remove',
  params: z.object({ domain: z.string(), format: z.boolean() }),
  async run(ctx, params) {
    const { domains } = await readDomains(ctx);
    const domain = domains.find((d) => d.name === params.domain);
    if (!domain) return { status: 'ok', detail: `${params.domain} was already removed` };
    const host = (await ctx.engine.listHosts()).find((h) => h.status === 'up');
    if (!host) throw new LabopsError('CONFLICT', 'No host is up to remove the domain with.');
    await ctx.engine.removeStorageDomain(domain.id, { hostName: host.name, format: params.format });
    return { status: 'changed' };
  },
  async verify(ctx, params) {
    const { domains } = await readDomains(ctx);
    if (domains.some((d) => d.name === params.domain)) {
      throw new LabopsError('CONFLICT', `${params.domain} is still in the engine.`);
    }
    return `${params.domain} is gone from the engine`;
  },
});
