import { z } from 'zod';
import { createPlan, defineArgs, defineChange, flag, type Plan, positional } from '../../src/command.js';
import { LabopsError } from '../../src/errors.js';
import { msg, verbatim } from '../../src/i18n/text.js';
import { defineStep } from '../../src/jobs/steps.js';
import { domainName, findDomain, isAttached, readDomains } from './domains.js';
import { dependsOnDomains, planTakeOut } from './take-out.js';

export const remove = defineChange({
  name: 'remove',
  summary: msg('storage.help.remove'),
  usage: 'remove NAME [--format]',
  examples: ['/storage remove old-data', '/storage remove old-data --format'],
  args: defineArgs({
    name: positional(domainName, msg('storage.arg.domain')),
    format: flag(z.boolean().optional(), msg('storage.arg.format')),
  }),
  risk: 'destructive',
  async plan(ctx, args): Promise<Plan> {
    const [{ domain, all }, hosts] = await Promise.all([findDomain(ctx, args.name), ctx.engine.listHosts()]);
    const up = hosts.find((h) => h.status === 'up');
    if (!up) {
      throw new LabopsError('CONFLICT', msg('storage.remove.noHostUp'), {
        hint: msg('storage.hint.activateHost', { command: verbatim('/host activate HOST') }),
      });
    }
    const taken = isAttached(domain)
      ? planTakeOut(domain, all, hosts)
      : { steps: [], impact: [], blockers: [], warnings: [] };
    const where = domain.storage.path
      ? verbatim(`${domain.storage.address}:${domain.storage.path}`)
      : msg('storage.remove.itsExport');
    return createPlan({
      summary: args.format
        ? msg('storage.remove.summaryFormat', { domain: domain.name })
        : msg('storage.remove.summary', { domain: domain.name }),
      risk: 'destructive',
      impact: [
        ...taken.impact,
        args.format
          ? msg('storage.remove.impactWipe', { where })
          : msg('storage.remove.impactKeep', { where }),
      ],
      warnings: taken.warnings,
      blockers: taken.blockers,
      locks: [`domain:${domain.name}`],
      dependsOn: dependsOnDomains([domain, ...all.filter((d) => d.isMaster)]),
      steps: [
        ...taken.steps,
        {
          kind: 'storage.remove',
          title: args.format
            ? msg('storage.remove.stepFormat', { domain: domain.name })
            : msg('storage.remove.step', { domain: domain.name }),
          params: { domain: domain.name, format: args.format ?? false },
          shows: [
            verbatim(
              `DELETE /storagedomains/{${domain.name}}?host={up host}${args.format ? '&format=true' : ''}`,
            ),
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
    if (!domain) {
      return { status: 'ok', detail: msg('storage.remove.alreadyRemoved', { domain: params.domain }) };
    }
    const host = (await ctx.engine.listHosts()).find((h) => h.status === 'up');
    if (!host) throw new LabopsError('CONFLICT', msg('storage.remove.noHostForStep'));
    await ctx.engine.removeStorageDomain(domain.id, { hostName: host.name, format: params.format });
    return { status: 'changed' };
  },
  async verify(ctx, params) {
    const { domains } = await readDomains(ctx);
    if (domains.some((d) => d.name === params.domain)) {
      throw new LabopsError('CONFLICT', msg('storage.remove.stillThere', { domain: params.domain }));
    }
    return msg('storage.remove.gone', { domain: params.domain });
  },
});
