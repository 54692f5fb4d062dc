import { defineArgs, defineRead } from '../../src/command.js';
import type { StorageDomain } from '../../src/engine/types.js';
import { formatBytes, type View } from '../../src/view.js';
import { isAttached, readDomains } from './domains.js';

function describeDomain(d: StorageDomain): string {
  const where = d.storage.address && d.storage.path ? `  ${d.storage.address}:${d.storage.path}` : '';
  const space = d.availableBytes !== undefined ? `  ${formatBytes(d.availableBytes)} free` : '';
  return `${d.name}  ${d.status ?? '?'}  ${d.type}${d.isMaster ? ' master' : ''}${space}${where}`;
}

export const status = defineRead({
  name: 'status',
  summary: 'Storage domains: status in the data center, type, master, free space, export',
  usage: 'status',
  examples: ['/storage status'],
  args: defineArgs({}),
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
