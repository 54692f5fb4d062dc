import { z } from 'zod';
import { defineChange, defineCommand, defineRead, type Plan } from '../../src/command.js';
import type { Host, StorageDomain } from '../../src/engine/types.js';
import { LabopsError } from '../../src/errors.js';
import { defineStep, type StepContext } from '../../src/jobs/steps.js';
import type { StepSpec } from '../../src/store/types.js';
import { textArg } from '../../src/text.js';
import { formatBytes, type View } from '../../src/view.js';
import { attach } from './attach.js';
import { findDomain, isAttached, readDomains } from './domains.js';
import { clean, fixPermissions, prepare } from './machine-work.js';

const domainName = textArg()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'must be a storage domain name such as nfs-data');

function describeDomain(d: StorageDomain): string {
  const where = d.storage.address && d.storage.path ? `  ${d.storage.address}:${d.storage.path}` : '';
  const space = d.availableBytes !== undefined ? `  ${formatBytes(d.availableBytes)} free` : '';
  return `${d.name}  ${d.status ?? '?'}  ${d.type}${d.isMaster ? ' master' : ''}${space}${where}`;
}

const status = defineRead({
  name: 'status',
  summary: 'Storage domains: status in the data center, type, master, free space, export',
  usage: 'status',
  examples: ['/storage status'],
  argsSpec: { positionals: [], flags: {} },
  args: z.object({}),
  risk: 'read',
  async run(ctx): Promise<View> {
    const { domains } = await readDomains(ctx);
    const attached = domains.filter(isAttached).sort((a, b) => a.name.localeCompare(b.name));
    const loose = domains.filter((d) => !isAttached(d)).sort((a, b) => a.name.localeCompare(b.name));
    const active = attached.filter((d) => d.status === 'active').length;
    return {
      title: 'Storage',
      state: {
        text: `${active} of ${attached.length} attached domains active${loose.length ? `, ${loose.length} unattached` : ''}`,
        tone: active === attached.length ? 'ok' : 'warn',
      },
      sections: [
        {
          heading: `Data center ${ctx.lab.dataCenter}`,
          lines: attached.length ? attached.map(describeDomain) : ['none'],
        },
        ...(loose.length ? [{ heading: 'Unattached', lines: loose.map(describeDomain) }] : []),
      ],
    };
  },
});

/**
 * The steps that take an attached domain out of its data center, in the engine's order (§4.5):
 * maintenance (unless it is already there), then detach. The last master cannot be detached.
 */
function planTakeOut(
  domain: StorageDomain,
  all: StorageDomain[],
  hosts: Host[],
): {
  steps: StepSpec[];
  impact: string[];
  blockers: string[];
  warnings: string[];
} {
  const steps: StepSpec[] = [];
  const impact: string[] = [];
  const blockers: string[] = [];
  const warnings: string[] = [];
  const otherData = all.filter(
    (d) => d.id !== domain.id && d.type === 'data' && isAttached(d) && d.status === 'active',
  );
  if (domain.isMaster && otherData.length === 0) {
    throw new LabopsError(
      'CONFLICT',
      `${domain.name} is the last master data domain of the data center; the engine cannot detach it.`,
      {
        hint: 'Attach and activate another data domain first, so the master role can move.',
      },
    );
  }
  if (domain.isMaster)
    impact.push(`The master role moves from ${domain.name} to another active data domain.`);
  if (domain.type === 'data') {
    const activeIso = all.filter((d) => d.type !== 'data' && isAttached(d) && d.status === 'active');
    if (domain.isMaster && activeIso.length) {
      warnings.push(
        `Active ISO/export domains (${activeIso.map((d) => d.name).join(', ')}) can keep the master from being deactivated.`,
      );
    }
  }
  const users = hosts.filter((h) => h.status === 'up').map((h) => h.name);
  if (users.length && domain.status === 'active') {
    impact.push(
      `Hosts that mount it now: ${users.join(', ')}; a host still using it blocks maintenance (lab guide FAQ 4).`,
    );
  }
  if (domain.status !== 'maintenance') {
    steps.push({
      kind: 'storage.deactivate',
      title: `Put ${domain.name} into maintenance`,
      params: { domain: domain.name },
      shows: [`POST /datacenters/{dc}/storagedomains/{${domain.name}}/deactivate`, 'wait for maintenance'],
    });
  }
  steps.push({
    kind: 'storage.detach',
    title: `Detach ${domain.name} from the data center`,
    params: { domain: domain.name },
    shows: [`DELETE /datacenters/{dc}/storagedomains/{${domain.name}}`, 'wait until unattached'],
  });
  return { steps, impact, blockers, warnings };
}

const detach = defineChange({
  name: 'detach',
  summary: 'Put a storage domain into maintenance and detach it from the data center',
  usage: 'detach NAME',
  examples: ['/storage detach nfs-iso'],
  argsSpec: { positionals: [{ name: 'name', required: true, description: 'the storage domain' }], flags: {} },
  args: z.object({ name: domainName }),
  risk: 'destructive',
  async plan(ctx, args): Promise<Plan> {
    const [{ domain, all }, hosts] = await Promise.all([
      findDomain(ctx, args.name),
      ctx.engine.listHosts({ signal: ctx.signal }),
    ]);
    if (!isAttached(domain)) {
      throw new LabopsError('CONFLICT', `${domain.name} is not attached to a data center.`, {
        hint: `/storage remove ${domain.name} removes it from the engine.`,
      });
    }
    const out = planTakeOut(domain, all, hosts);
    return {
      summary: `Detach ${domain.name} from ${ctx.lab.dataCenter}`,
      risk: 'destructive',
      riskReasons: [],
      impact: [...out.impact, `VMs with disks on ${domain.name} cannot run while it is detached.`],
      warnings: out.warnings,
      blockers: out.blockers,
      locks: [`domain:${domain.name}`],
      dependsOn: dependsOnDomains([domain, ...all.filter((d) => d.isMaster)]),
      steps: out.steps,
    };
  },
});

const remove = defineChange({
  name: 'remove',
  summary: 'Remove a storage domain from the engine (--format also wipes its files from the export)',
  usage: 'remove NAME [--format]',
  examples: ['/storage remove old-data', '/storage remove old-data --format'],
  argsSpec: {
    positionals: [{ name: 'name', required: true, description: 'the storage domain' }],
    flags: {
      format: {
        type: 'boolean',
        description: "wipe the domain's files from the export (else they stay: FAQ 1)",
      },
    },
  },
  args: z.object({ name: domainName, format: z.boolean().optional() }),
  risk: 'destructive',
  async plan(ctx, args): Promise<Plan> {
    const [{ domain, all }, hosts] = await Promise.all([
      findDomain(ctx, args.name),
      ctx.engine.listHosts({ signal: ctx.signal }),
    ]);
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
    return {
      summary: `Remove ${domain.name}${args.format ? ' and wipe its files' : ''}`,
      risk: 'destructive',
      riskReasons: [],
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
    };
  },
});

function dependsOnDomains(domains: StorageDomain[]): Record<string, string> {
  return Object.fromEntries(
    domains.map((d) => [`domain ${d.name}`, `${d.status ?? 'attached'}${d.isMaster ? ', master' : ''}`]),
  );
}

export const storageCommand = defineCommand({
  name: 'storage',
  summary:
    'Storage: domains and the NFS server — status, prepare, attach, detach, remove, clean, fix-permissions',
  subcommands: [status, prepare, attach, detach, remove, clean, fixPermissions],
});

const DomainParams = z.object({ domain: z.string() });

async function domainInDc(ctx: StepContext, name: string): Promise<{ dcId: string; domain: StorageDomain }> {
  const { dcId, domain } = await findDomain(ctx, name);
  return { dcId, domain };
}

export const storageSteps = [
  defineStep({
    kind: 'storage.deactivate',
    params: DomainParams,
    async run(ctx, params) {
      const { dcId, domain } = await domainInDc(ctx, params.domain);
      if (domain.status === 'maintenance') return { status: 'ok' };
      await ctx.engine.deactivateStorageDomain(dcId, domain.id, false, { signal: ctx.signal });
      await ctx.engine.waitForStorageDomainStatus(dcId, domain.id, ['maintenance'], {
        signal: ctx.signal,
        onPoll: (s) => ctx.output(`${params.domain}: ${s}`),
      });
      return { status: 'changed' };
    },
    async verify(ctx, params) {
      const { domain } = await domainInDc(ctx, params.domain);
      if (domain.status !== 'maintenance')
        throw new LabopsError('CONFLICT', `${params.domain} is ${domain.status}.`);
      return `${params.domain} is in maintenance`;
    },
  }),
  defineStep({
    kind: 'storage.detach',
    params: DomainParams,
    async run(ctx, params) {
      const { dcId, domain } = await domainInDc(ctx, params.domain);
      if (!isAttached(domain)) return { status: 'ok' };
      await ctx.engine.detachStorageDomain(dcId, domain.id, { signal: ctx.signal });
      await ctx.engine.waitForStorageDomainStatus(dcId, domain.id, ['unattached'], {
        signal: ctx.signal,
        onPoll: (s) => ctx.output(`${params.domain}: ${s}`),
      });
      return { status: 'changed' };
    },
    async verify(ctx, params) {
      const { domain } = await domainInDc(ctx, params.domain);
      if (isAttached(domain))
        throw new LabopsError('CONFLICT', `${params.domain} is still attached (${domain.status}).`);
      return `${params.domain} is unattached`;
    },
  }),
  defineStep({
    kind: 'storage.remove',
    params: z.object({ domain: z.string(), format: z.boolean() }),
    async run(ctx, params) {
      const { domains } = await readDomains(ctx);
      const domain = domains.find((d) => d.name === params.domain);
      if (!domain) return { status: 'ok', detail: `${params.domain} was already removed` };
      const host = (await ctx.engine.listHosts({ signal: ctx.signal })).find((h) => h.status === 'up');
      if (!host) throw new LabopsError('CONFLICT', 'No host is up to remove the domain with.');
      await ctx.engine.removeStorageDomain(
        domain.id,
        { hostName: host.name, format: params.format },
        { signal: ctx.signal },
      );
      return { status: 'changed' };
    },
    async verify(ctx, params) {
      const { domains } = await readDomains(ctx);
      if (domains.some((d) => d.name === params.domain)) {
        throw new LabopsError('CONFLICT', `${params.domain} is still in the engine.`);
      }
      return `${params.domain} is gone from the engine`;
    },
  }),
];

/** For other commands (reset, doctor): a domain's take-out steps. */
export { planTakeOut };
