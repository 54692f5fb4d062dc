import { defineArgs, defineRead } from '../../src/command.js';
import { compareNames } from '../../src/i18n/formats.js';
import { bytes, list as listOf, type Message, msg, type Text, verbatim } from '../../src/i18n/text.js';
import type { View } from '../../src/view.js';
import { type IsoEntry, listIsos } from './isos.js';

/** What labops knows of how a disk was made, when a reader should know it. */
function describeOrigin(entry: IsoEntry): Message | undefined {
  if (entry.place.kind !== 'disk') return undefined;
  const { origin } = entry.place;
  if (origin.kind === 'incomplete') return msg('iso.list.incomplete');
  if (origin.kind === 'uploading')
    return msg('iso.list.uploading', { job: origin.mark.jobId ?? verbatim('?') });
  return undefined;
}

/** One ISO's line: name, place, size, and its state when it is not simply ok. */
function describeIso(entry: IsoEntry): Message {
  const { name, where } = entry;
  if (entry.place.kind === 'file') return msg('iso.list.file', { name, where });
  const size = entry.sizeBytes === undefined ? verbatim('?') : bytes(entry.sizeBytes);
  const status = entry.status && entry.status !== 'ok' ? entry.status : undefined;
  const origin = describeOrigin(entry);
  const note: Text | undefined =
    status !== undefined && origin !== undefined
      ? msg('iso.list.twoNotes', { status, note: origin })
      : (origin ?? (status === undefined ? undefined : verbatim(status)));
  return note === undefined
    ? msg('iso.list.disk', { name, where, size })
    : msg('iso.list.diskNoted', { name, where, size, note });
}

export const list = defineRead({
  name: 'list',
  summary: msg('iso.help.list'),
  usage: 'list',
  examples: ['/iso list'],
  args: defineArgs({}),
  risk: 'read',
  async run(ctx): Promise<View> {
    const { isos } = await listIsos(ctx);
    const sorted = isos.sort((a, b) => compareNames(a.name, b.name));
    const incomplete = sorted.filter((i) => i.place.kind === 'disk' && i.place.origin.kind === 'incomplete');
    return {
      title: msg('iso.list.title'),
      state: { text: msg('iso.list.count', { count: isos.length }), tone: 'info' },
      sections: [
        { lines: sorted.length ? sorted.map(describeIso) : [msg('iso.list.empty')] },
        ...(incomplete.length
          ? [{ lines: [msg('iso.list.leftovers', { names: listOf(incomplete.map((i) => i.name)) })] }]
          : []),
      ],
    };
  },
});
