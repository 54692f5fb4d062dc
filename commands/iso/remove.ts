import { z } from 'zod';
import { createPlan, defineArgs, defineChange, flag, type Plan, positional } from '../../src/command.js';
import { diskReadyTiming, removeDiskWhenUnlocked } from '../../src/engine/image-upload.js';
import { LabopsError } from '../../src/errors.js';
import { defineStep } from '../../src/jobs/steps.js';
import { textArg } from '../../src/text.js';
import { formatBytes } from '../../src/view.js';
import { planIsoFileRemoval } from './iso-domain.js';
import { findCdHolders, isoName, listIsos, refuseWhileHeld } from './isos.js';

export const remove = defineChange({
  name: 'remove',
  summary: 'Remove an ISO: a disk of a data domain, or a file of the ISO domain',
  usage: 'remove ISO [--domain DOMAIN]',
  examples: ['/iso remove alma9.iso', '/iso remove CentOS-7.iso --domain nfs-iso'],
  args: defineArgs({
    iso: positional(isoName, 'an ISO from /iso list'),
    domain: flag(textArg().max(64).optional(), 'the storage domain, when the name is in more than one', {
      valueName: 'DOMAIN',
    }),
  }),
  risk: 'destructive',
  async plan(ctx, args): Promise<Plan> {
    const { isos } = await listIsos(ctx);
    const named = isos.filter((i) => i.name === args.iso);
    const found = named.filter((i) => args.domain === undefined || i.where === args.domain);
    if (found.length === 0) {
      throw new LabopsError(
        'NOT_FOUND',
        named.length
          ? `There is no ISO "${args.iso}" in ${args.domain}; it is in ${[...new Set(named.map((i) => i.where))].join(', ')}.`
          : `There is no ISO "${args.iso}" in the lab.`,
        { hint: '/iso list shows them.' },
      );
    }
    const places = [...new Set(found.map((i) => i.where))];
    if (places.length > 1) {
      throw new LabopsError('USAGE', `${args.iso} is in ${places.join(' and ')}.`, {
        hint: `Name one: /iso remove ${args.iso} --domain ${places[0]}.`,
      });
    }
    const where = places[0] ?? '?';
    refuseWhileHeld(args.iso, await findCdHolders(ctx, new Set(found.map((i) => i.fileId))), 'removed');
    const first = found[0]!;
    if (first.place.kind === 'file') return planIsoFileRemoval(ctx, first.place.domain, args.iso);
    const disks = found.flatMap((i) =>
      i.place.kind === 'disk' ? [{ disk: i.place.disk, origin: i.place.origin }] : [],
    );
    return createPlan({
      summary: `Remove the ISO ${args.iso} from ${where}`,
      risk: 'destructive',
      impact: disks.map(
        ({ disk, origin }) =>
          `The disk ${args.iso} (${disk.id}, ${formatBytes(disk.provisionedBytes)}, ${disk.status ?? '?'}${origin.kind === 'incomplete' ? ', an incomplete upload' : origin.kind === 'foreign' ? ', not uploaded by labops' : ''}) is removed from ${where}.`,
      ),
      locks: [`domain:${where}`],
      dependsOn: { [`iso ${args.iso}`]: `disk ${disks.map(({ disk }) => disk.id).join(', ')}` },
      steps: disks.map(({ disk }) => ({
        kind: 'iso.remove-disk',
        title: `Remove the disk ${args.iso} (${disk.id}) from ${where}`,
        params: { diskId: disk.id, name: args.iso, domain: where },
        shows: [`DELETE /disks/${disk.id}`, `GET /disks/${disk.id} until it is gone`],
      })),
    });
  },
});

export const removeDiskStep = defineStep({
  kind: 'iso.remove-disk',
  params: z.object({ diskId: z.string(), name: z.string(), domain: z.string() }),
  async run(ctx, params) {
    const disk = await ctx.engine.getDisk(params.diskId);
    if (!disk) return { status: 'ok', detail: `${params.name} (${params.diskId}) is already gone` };
    const short = ctx.engine.waitTimings.short;
    const result = await removeDiskWhenUnlocked(
      ctx.engine,
      disk.id,
      { unlockTiming: diskReadyTiming(short, disk.provisionedBytes ?? 0), timing: short },
      ctx.signal,
    );
    if (result.state === 'left') {
      throw new LabopsError(
        'CONFLICT',
        `The disk ${params.name} (${params.diskId}, ${result.status}) is still there: ${result.reason}.`,
        { hint: 'Run /iso remove again once the engine lets go of it (its events say why).' },
      );
    }
    return { status: 'changed' };
  },
  async verify(ctx, params) {
    const disk = await ctx.engine.getDisk(params.diskId);
    if (disk) {
      throw new LabopsError(
        'CONFLICT',
        `The disk ${params.name} (${params.diskId}) is still there (${disk.status}).`,
      );
    }
    return `${params.name} (${params.diskId}) is gone from ${params.domain}`;
  },
});
