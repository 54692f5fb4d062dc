import { z } from 'zod';
import { createPlan, defineArgs, defineChange, flag, type Plan, positional } from '../../src/command.js';
import { diskReadyTiming, removeDiskWhenUnlocked } from '../../src/engine/image-upload.js';
import { LabopsError } from '../../src/errors.js';
import { bytes, list, msg, verbatim } from '../../src/i18n/text.js';
import { defineStep } from '../../src/jobs/steps.js';
import { textArg } from '../../src/text.js';
import { planIsoFileRemoval } from './iso-domain.js';
import { findCdHolders, isoName, listIsos, refuseWhileHeld } from './isos.js';

export const remove = defineChange({
  name: 'remove',
  summary: msg('iso.help.remove'),
  usage: 'remove ISO [--domain DOMAIN]',
  examples: ['/iso remove alma9.iso', '/iso remove CentOS-7.iso --domain nfs-iso'],
  args: defineArgs({
    iso: positional(isoName, msg('iso.help.isoFromList')),
    domain: flag(textArg().max(64).optional(), msg('iso.help.removeDomain'), {
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
        named.length && args.domain !== undefined
          ? msg('iso.remove.notInDomain', {
              iso: args.iso,
              domain: args.domain,
              places: list([...new Set(named.map((i) => i.where))]),
            })
          : msg('iso.lab.notFound', { iso: args.iso }),
        { hint: msg('iso.lab.listHint') },
      );
    }
    const places = [...new Set(found.map((i) => i.where))];
    if (places.length > 1) {
      throw new LabopsError('USAGE', msg('iso.remove.ambiguous', { iso: args.iso, places: list(places) }), {
        hint: msg('iso.remove.ambiguousHint', { iso: args.iso, domain: places[0] ?? '?' }),
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
      summary: msg('iso.remove.summary', { iso: args.iso, where }),
      risk: 'destructive',
      impact: disks.map(({ disk, origin }) => {
        const words = {
          iso: args.iso,
          disk: disk.id,
          size: disk.provisionedBytes === undefined ? verbatim('?') : bytes(disk.provisionedBytes),
          status: disk.status ?? verbatim('?'),
          where,
        };
        return origin.kind === 'incomplete'
          ? msg('iso.remove.incompleteDisk', words)
          : origin.kind === 'foreign'
            ? msg('iso.remove.foreignDisk', words)
            : msg('iso.remove.disk', words);
      }),
      locks: [`domain:${where}`],
      dependsOn: { [`iso ${args.iso}`]: `disk ${disks.map(({ disk }) => disk.id).join(', ')}` },
      steps: disks.map(({ disk }) => ({
        kind: 'iso.remove-disk',
        title: msg('iso.remove.step', { iso: args.iso, disk: disk.id, where }),
        params: { diskId: disk.id, name: args.iso, domain: where },
        shows: [
          verbatim(`DELETE /disks/${disk.id}`),
          msg('pipeline.shows.waitUntilGone', { call: verbatim(`GET /disks/${disk.id}`) }),
        ],
      })),
    });
  },
});

export const removeDiskStep = defineStep({
  kind: 'iso.remove-disk',
  params: z.object({ diskId: z.string(), name: z.string(), domain: z.string() }),
  async run(ctx, params) {
    const disk = await ctx.engine.getDisk(params.diskId);
    if (!disk) {
      return {
        status: 'ok',
        detail: msg('iso.remove.alreadyGone', { iso: params.name, disk: params.diskId }),
      };
    }
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
        msg('iso.remove.stays', {
          iso: params.name,
          disk: params.diskId,
          status: result.status,
          reason: result.reason,
        }),
        { hint: msg('iso.remove.staysHint') },
      );
    }
    return { status: 'changed' };
  },
  async verify(ctx, params) {
    const disk = await ctx.engine.getDisk(params.diskId);
    if (disk) {
      throw new LabopsError(
        'CONFLICT',
        msg('iso.remove.stillThere', {
          iso: params.name,
          disk: params.diskId,
          status: disk.status ?? verbatim('?'),
        }),
      );
    }
    return msg('iso.remove.gone', { iso: params.name, disk: params.diskId, domain: params.domain });
  },
});
