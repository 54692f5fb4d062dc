import { z } from 'zod';
import type { Host, StorageDomain } from '../../src/engine/types.js';
import { LabopsError } from '../../src/errors.js';
import { list, type Message, msg, verbatim } from '../../src/i18n/text.js';
import { defineStep, type StepContext } from '../../src/jobs/steps.js';
import type { StepSpec } from '../../src/store/types.js';
import { findDomain, isAttached } from './domains.js';

/**
 * The steps that take an attached domain out of its data center, in the engine's order (§4.5):
 * maintenance (unless it is already there), then detach. The last master cannot be detached.
 */
export function planTakeOut(
  domain: StorageDomain,
  all: StorageDomain[],
  hosts: Host[],
): {
  steps: StepSpec[];
  impact: Message[];
  blockers: Message[];
  warnings: Message[];
} {
  const steps: StepSpec[] = [];
  const impact: Message[] = [];
  const blockers: Message[] = [];
  const warnings: Message[] = [];
  const otherData = all.filter(
    (d) => d.id !== domain.id && d.type === 'data' && isAttached(d) && d.status === 'active',
  );
  if (domain.isMaster && otherData.length === 0) {
    throw new LabopsError('CONFLICT', msg('storage.takeOut.lastMaster', { domain: domain.name }), {
      hint: msg('storage.takeOut.lastMasterHint'),
    });
  }
  if (domain.isMaster) impact.push(msg('storage.takeOut.masterMoves', { domain: domain.name }));
  if (domain.type === 'data') {
    const activeIso = all.filter((d) => d.type !== 'data' && isAttached(d) && d.status === 'active');
    if (domain.isMaster && activeIso.length) {
      warnings.push(msg('storage.takeOut.isoHoldsMaster', { domains: list(activeIso.map((d) => d.name)) }));
    }
  }
  const users = hosts.filter((h) => h.status === 'up').map((h) => h.name);
  if (users.length && domain.status === 'active') {
    impact.push(msg('storage.takeOut.hostsMount', { hosts: list(users) }));
  }
  if (domain.status !== 'maintenance') {
    steps.push({
      kind: 'storage.deactivate',
      title: msg('storage.takeOut.deactivateStep', { domain: domain.name }),
      params: { domain: domain.name },
      shows: [
        verbatim(`POST /datacenters/{dc}/storagedomains/{${domain.name}}/deactivate`),
        msg('pipeline.shows.waitFor', { target: domain.name, state: 'maintenance' }),
      ],
    });
  }
  steps.push({
    kind: 'storage.detach',
    title: msg('storage.takeOut.detachStep', { domain: domain.name }),
    params: { domain: domain.name },
    shows: [
      verbatim(`DELETE /datacenters/{dc}/storagedomains/{${domain.name}}`),
      msg('pipeline.shows.waitFor', { target: domain.name, state: 'unattached' }),
    ],
  });
  return { steps, impact, blockers, warnings };
}

export function dependsOnDomains(domains: StorageDomain[]): Record<string, string> {
  return Object.fromEntries(
    domains.map((d) => [`domain ${d.name}`, `${d.status ?? 'attached'}${d.isMaster ? ', master' : ''}`]),
  );
}

const DomainParams = z.object({ domain: z.string() });

async function domainInDc(ctx: StepContext, name: string): Promise<{ dcId: string; domain: StorageDomain }> {
  const { dcId, domain } = await findDomain(ctx, name);
  return { dcId, domain };
}

export const deactivateStep = defineStep({
  kind: 'storage.deactivate',
  params: DomainParams,
  async run(ctx, params) {
    const { dcId, domain } = await domainInDc(ctx, params.domain);
    if (domain.status === 'maintenance') return { status: 'ok' };
    await ctx.engine.deactivateStorageDomain(dcId, domain.id, false);
    await ctx.engine.waitForStorageDomainStatus(dcId, domain.id, ['maintenance'], {
      onPollText: (s) => ctx.output(msg('engine.wait.seen', { object: params.domain, state: s })),
    });
    return { status: 'changed' };
  },
  async verify(ctx, params) {
    const { domain } = await domainInDc(ctx, params.domain);
    if (domain.status !== 'maintenance') {
      throw new LabopsError(
        'CONFLICT',
        msg('storage.takeOut.notInMaintenance', {
          domain: params.domain,
          status: verbatim(domain.status ?? '?'),
        }),
      );
    }
    return msg('storage.takeOut.inMaintenance', { domain: params.domain });
  },
});

export const detachStep = defineStep({
  kind: 'storage.detach',
  params: DomainParams,
  async run(ctx, params) {
    const { dcId, domain } = await domainInDc(ctx, params.domain);
    if (!isAttached(domain)) return { status: 'ok' };
    await ctx.engine.detachStorageDomain(dcId, domain.id);
    await ctx.engine.waitForStorageDomainStatus(dcId, domain.id, ['unattached'], {
      onPollText: (s) => ctx.output(msg('engine.wait.seen', { object: params.domain, state: s })),
    });
    return { status: 'changed' };
  },
  async verify(ctx, params) {
    const { domain } = await domainInDc(ctx, params.domain);
    if (isAttached(domain)) {
      throw new LabopsError(
        'CONFLICT',
        msg('storage.takeOut.stillAttached', {
          domain: params.domain,
          status: verbatim(domain.status ?? '?'),
        }),
      );
    }
    return msg('storage.takeOut.unattached', { domain: params.domain });
  },
});
