import { defineArgs, defineRead } from '../../src/command.js';
import { formatBytes, type View } from '../../src/view.js';
import { type IsoEntry, listIsos } from './isos.js';

function describeOrigin(entry: IsoEntry): string | undefined {
  if (entry.place.kind !== 'disk') return undefined;
  const { origin } = entry.place;
  if (origin.kind === 'incomplete') return 'incomplete upload';
  if (origin.kind === 'uploading') return `uploading (${origin.mark.jobId})`;
  return undefined;
}

export const list = defineRead({
  name: 'list',
  summary: 'ISO images in the ISO domain and in data domains, with sizes',
  usage: 'list',
  examples: ['/iso list'],
  args: defineArgs({}),
  risk: 'read',
  async run(ctx): Promise<View> {
    const { isos } = await listIsos(ctx);
    const lines = isos
      .sort((a, b) => a.name.localeCompare(b.name))
      .map((i) => {
        const notes = [i.status && i.status !== 'ok' ? i.status : undefined, describeOrigin(i)].filter(
          (n) => n !== undefined,
        );
        return `${i.name}  ${i.where}${i.sizeBytes !== undefined ? `  ${formatBytes(i.sizeBytes)}` : ''}${notes.length ? `  ${notes.join(', ')}` : ''}`;
      });
    const incomplete = isos.filter((i) => describeOrigin(i) === 'incomplete upload');
    return {
      title: 'ISO images',
      state: { text: `${isos.length} image${isos.length === 1 ? '' : 's'}`, tone: 'info' },
      sections: [
        { lines: lines.length ? lines : ['none yet: /iso upload URL'] },
        ...(incomplete.length
          ? [
              {
                lines: [
                  `Left by failed uploads, never used as the ISO: ${incomplete.map((i) => i.name).join(', ')}. /iso remove NAME removes one; an upload of the same name replaces it.`,
                ],
              },
            ]
          : []),
      ],
    };
  },
});
