import { schemaMessage } from '../../src/args.js';
import type { StorageDomain } from '../../src/engine/types.js';
import { LabopsError } from '../../src/errors.js';
import { list, msg } from '../../src/i18n/text.js';
import { textArg } from '../../src/text.js';
import { findDataCenterId, type LabReader } from '../lab-state.js';

export const domainName = textArg()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, schemaMessage(msg('storage.arg.domainForm')));

/** Every domain the engine knows, with its status in the data center when attached (§4.3). */
export async function readDomains(ctx: LabReader): Promise<{ dcId: string; domains: StorageDomain[] }> {
  const dcId = await findDataCenterId(ctx);
  const [all, attached] = await Promise.all([
    ctx.engine.listStorageDomains(),
    ctx.engine.listAttachedStorageDomains(dcId),
  ]);
  const inDc = new Map(attached.map((d) => [d.id, d]));
  return {
    dcId,
    domains: all.map((d) => {
      const here = inDc.get(d.id);
      return here ? { ...d, status: here.status, isMaster: here.isMaster, dataCenterIds: [dcId] } : d;
    }),
  };
}

export async function findDomain(
  ctx: LabReader,
  name: string,
): Promise<{ dcId: string; domain: StorageDomain; all: StorageDomain[] }> {
  const { dcId, domains } = await readDomains(ctx);
  const domain = domains.find((d) => d.name === name);
  if (!domain) {
    throw new LabopsError('NOT_FOUND', msg('storage.domain.notFound', { name }), {
      hint: msg('storage.domain.notFoundHint', {
        count: domains.length,
        domains: list(domains.map((d) => d.name)),
      }),
    });
  }
  return { dcId, domain, all: domains };
}

/** Attached to a data center (the engine's global view has no status for it, §4.3). */
export function isAttached(domain: StorageDomain): boolean {
  return domain.dataCenterIds.length > 0 && domain.status !== 'unattached';
}
