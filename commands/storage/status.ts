import { defineArgs, defineRead } from '../../src/command.js';
import type { StorageDomain } from '../../src/engine/types.js';
import { compareNames } from '../../src/i18n/formats.js';
import { bytes, type Message, msg, verbatim } from '../../src/i18n/text.js';
import type { View } from '../../src/view.js';
import { isAttached, readDomains } from './domains.js';

/** `nfs-data  active  data master  44 GiB free  ovirt.abc.local:/export/data`: space and export when known. */
function describeDomain(d: StorageDomain): Message {
  const type = verbatim(d.type);
  const line = {
    name: verbatim(d.name),
    status: verbatim(d.status ?? '?'),
    kind: d.isMaster ? msg('storage.status.master', { type }) : type,
  };
  const free = d.availableBytes === undefined ? undefined : bytes(d.availableBytes);
  const exp =
    d.storage.address && d.storage.path ? verbatim(`${d.storage.address}:${d.storage.path}`) : undefined;
  if (free && exp) return msg('storage.status.domain', { ...line, free, export: exp });
  if (exp) return msg('storage.status.domainNoSpace', { ...line, export: exp });
  if (free) return msg('storage.status.domainNoExport', { ...line, free });
  return msg('storage.status.domainBare', line);
}

export const status = defineRead({
  name: 'status',
  summary: msg('storage.help.status'),
  usage: 'status',
  examples: ['/storage status'],
  args: defineArgs({}),
  risk: 'read',
  async run(ctx): Promise<View> {
    const { domains } = await readDomains(ctx);
    const attached = domains.filter(isAttached).sort((a, b) => compareNames(a.name, b.name));
    const loose = domains.filter((d) => !isAttached(d)).sort((a, b) => compareNames(a.name, b.name));
    const active = attached.filter((d) => d.status === 'active').length;
    return {
      title: msg('storage.status.title'),
      state: {
        text: msg('storage.status.state', { active, attached: attached.length, loose: loose.length }),
        tone: active === attached.length ? 'ok' : 'warn',
      },
      sections: [
        {
          heading: msg('storage.status.dataCenter', { dataCenter: verbatim(ctx.lab.dataCenter) }),
          lines: attached.length ? attached.map(describeDomain) : [msg('storage.status.none')],
        },
        ...(loose.length
          ? [{ heading: msg('storage.status.unattached'), lines: loose.map(describeDomain) }]
          : []),
      ],
    };
  },
});
