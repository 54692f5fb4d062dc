import { z } from 'zod';
import { schemaMessage } from '../../src/args.js';
import { createPlan, defineArgs, defineChange, flag, type Plan, positional } from '../../src/command.js';
import { requireIso9660, requireSha256 } from '../../src/downloads.js';
import { isSameUpload, parseDiskMark } from '../../src/engine/disk-mark.js';
import { createUploadMeter, diskReadyTiming, removeDiskWhenUnlocked } from '../../src/engine/image-upload.js';
import type { Disk, StorageDomain } from '../../src/engine/types.js';
import { LabopsError } from '../../src/errors.js';
import { bytes, duration, list, msg, verbatim } from '../../src/i18n/text.js';
import { defineStep } from '../../src/jobs/steps.js';
import { textArg } from '../../src/text.js';
import { planIsoDomainUpload } from './iso-domain.js';
import {
  describeSource,
  findCdHolders,
  findDomain,
  ISO_NAME,
  isoName,
  listIsos,
  refuseWhileHeld,
} from './isos.js';

/** The domain an upload goes to: the one named, else the master data domain. */
function chooseUploadDomain(domains: StorageDomain[], named: string | undefined): StorageDomain {
  if (named) {
    const found = domains.find((d) => d.name === named);
    if (!found) {
      throw new LabopsError('NOT_FOUND', msg('iso.upload.noSuchDomain', { domain: named }), {
        hint: domains.length
          ? msg('iso.upload.domainsHint', { domains: list(domains.map((d) => d.name)) })
          : msg('iso.upload.noDomainsHint'),
      });
    }
    return found;
  }
  const data = domains.filter((d) => d.type === 'data' && d.status === 'active');
  const chosen = data.find((d) => d.isMaster) ?? data[0];
  if (!chosen) {
    throw new LabopsError('CONFLICT', msg('iso.upload.noDataDomain'), {
      hint: msg('iso.upload.noDataDomainHint'),
    });
  }
  return chosen;
}

export const upload = defineChange({
  name: 'upload',
  summary: msg('iso.help.upload'),
  usage: 'upload URL [--name NAME] [--domain DOMAIN] [--sha256 HEX]',
  examples: [
    '/iso upload https://mirror.example/AlmaLinux-9-latest-x86_64-minimal.iso',
    '/iso upload http://mirror.abc.local/centos7.iso --name CentOS-7.iso --domain nfs-data',
    '/iso upload https://mirror.example/alma9.iso --sha256 HEX',
  ],
  args: defineArgs({
    url: positional(textArg().max(2000), msg('iso.help.uploadUrl')),
    name: flag(isoName.optional(), msg('iso.help.uploadName'), {
      valueName: 'NAME',
    }),
    domain: flag(textArg().max(64).optional(), msg('iso.help.uploadDomain'), {
      valueName: 'DOMAIN',
    }),
    sha256: flag(
      textArg()
        .regex(/^[0-9a-fA-F]{64}$/, schemaMessage(msg('iso.arg.sha256Form')))
        .transform((hex) => hex.toLowerCase())
        .optional(),
      msg('iso.help.uploadSha256'),
      { valueName: 'HEX' },
    ),
  }),
  risk: 'change',
  async plan(ctx, args): Promise<Plan> {
    const [probe, { isos, domains }] = await Promise.all([
      ctx.downloads.probe(args.url, ctx.signal),
      listIsos(ctx),
    ]);
    if (!probe.isIso9660) {
      throw new LabopsError('CONFLICT', msg('iso.upload.notIso9660', { file: probe.fileName }), {
        hint: msg('iso.upload.notIso9660Hint'),
      });
    }
    const name = args.name ?? probe.fileName;
    if (!ISO_NAME.test(name)) {
      throw new LabopsError('USAGE', msg('iso.upload.badName', { name: name.slice(0, 60) }), {
        hint: msg('iso.upload.badNameHint'),
      });
    }
    // Only a disk left by an earlier labops upload that did not complete may be replaced (§7).
    const replaced: Disk[] = [];
    for (const existing of isos.filter((i) => i.name === name)) {
      const { place } = existing;
      if (place.kind === 'disk' && place.origin.kind === 'incomplete') {
        replaced.push(place.disk);
        continue;
      }
      if (place.kind === 'disk' && place.origin.kind === 'uploading') {
        throw new LabopsError(
          'CONFLICT',
          msg('iso.upload.inProgress', { iso: name, job: place.origin.mark.jobId ?? verbatim('?') }),
          { hint: msg('iso.upload.inProgressHint') },
        );
      }
      throw new LabopsError('CONFLICT', msg('iso.upload.exists', { iso: name, where: existing.where }), {
        hint: msg('iso.upload.existsHint'),
      });
    }
    const domain = chooseUploadDomain(domains, args.domain);
    if (domain.status !== 'active') {
      throw new LabopsError(
        'CONFLICT',
        domain.status === undefined
          ? msg('iso.upload.domainNotActive', { domain: domain.name })
          : msg('iso.upload.domainState', { domain: domain.name, status: domain.status }),
      );
    }
    if (domain.availableBytes !== undefined && domain.availableBytes < probe.sizeBytes) {
      throw new LabopsError(
        'CONFLICT',
        msg('iso.upload.noSpace', {
          domain: domain.name,
          free: bytes(domain.availableBytes),
          iso: name,
          size: bytes(probe.sizeBytes),
        }),
      );
    }
    if (replaced.length > 0) {
      refuseWhileHeld(name, await findCdHolders(ctx, new Set(replaced.map((d) => d.id))), 'replaced');
    }
    if (domain.type === 'iso') {
      if (replaced.length > 0) {
        const places = [...new Set(replaced.flatMap((d) => domainNames(domains, d)))];
        throw new LabopsError(
          'CONFLICT',
          msg('iso.upload.leftoverElsewhere', { iso: name, domains: list(places) }),
          { hint: msg('iso.upload.leftoverElsewhereHint', { iso: name }) },
        );
      }
      return planIsoDomainUpload(ctx, domain, probe, name, args.sha256);
    }
    const replacing = replaced.map((d) => {
      const size = parseDiskMark(d.description)?.sizeBytes ?? d.provisionedBytes;
      const job = parseDiskMark(d.description)?.jobId;
      const words = {
        iso: name,
        size: size === undefined ? verbatim('?') : bytes(size),
        disk: d.id,
        status: d.status ?? verbatim('?'),
      };
      return job ? msg('iso.upload.replacesOfJob', { ...words, job }) : msg('iso.upload.replaces', words);
    });
    // A 4.3 engine keeps the first mark, so a complete upload made by a labops whose job
    // records are lost looks incomplete: replacing one that is ok needs a second pair of eyes.
    const known = await Promise.all(
      replaced.map(async (d) => {
        const job = parseDiskMark(d.description)?.jobId;
        return job !== undefined && (await ctx.jobs.get(job)) !== undefined;
      }),
    );
    const unproven = replaced.filter(
      (d, i) => d.status === 'ok' && parseDiskMark(d.description)?.jobId !== undefined && !known[i],
    );
    return createPlan({
      summary: msg('iso.upload.summary', { iso: name, size: bytes(probe.sizeBytes), domain: domain.name }),
      risk: unproven.length ? 'destructive' : 'change',
      riskReasons: unproven.map((d) => msg('iso.upload.unknownJob', { iso: name, disk: d.id })),
      impact: [
        msg('iso.upload.newDisk', {
          iso: name,
          size: bytes(probe.sizeBytes),
          domain: domain.name,
          source: describeSource(probe),
        }),
        ...replacing,
        args.sha256
          ? msg('iso.upload.sha256Required', { sha256: args.sha256 })
          : msg('iso.upload.sha256Shown'),
      ],
      locks: [`domain:${domain.name}`],
      dependsOn: {
        [`domain ${domain.name}`]: domain.status ?? '?',
        [`iso ${name}`]: replaced.length
          ? `incomplete upload ${replaced.map((d) => d.id).join(', ')}`
          : 'absent',
      },
      steps: [
        {
          kind: 'iso.upload',
          title: msg('iso.upload.step', { iso: name, domain: domain.name }),
          params: {
            url: probe.url,
            address: probe.address,
            name,
            domain: domain.name,
            sizeBytes: probe.sizeBytes,
            ...(args.sha256 ? { sha256: args.sha256 } : {}),
            ...(replaced.length ? { replaces: replaced.map((d) => d.id) } : {}),
          },
          shows: [
            ...replaced.map((d) =>
              msg('iso.upload.shows.deleteIncomplete', { call: verbatim(`DELETE /disks/${d.id}`) }),
            ),
            msg('iso.upload.shows.createDisk', {
              name,
              size: bytes(probe.sizeBytes, { exact: true }),
              mark: verbatim('labops upload: incomplete'),
            }),
            verbatim('POST /imagetransfers (upload)'),
            args.sha256
              ? msg('iso.upload.shows.copyChecked', {
                  url: verbatim(probe.url),
                  address: probe.address,
                  sha256: verbatim(args.sha256),
                })
              : msg('iso.upload.shows.copy', { url: verbatim(probe.url), address: probe.address }),
            verbatim('POST /imagetransfers/{id}/finalize'),
            msg('iso.upload.shows.markComplete', {
              call: verbatim('PUT /disks/{id}'),
              mark: verbatim('labops upload: complete'),
            }),
          ],
          timeoutMs: 4 * 60 * 60_000,
        },
      ],
    });
  },
});

/** The names of the domains a disk is in (an id where the domain is not attached). */
function domainNames(domains: StorageDomain[], disk: Disk): string[] {
  return disk.storageDomainIds.map((id) => domains.find((d) => d.id === id)?.name ?? id);
}

const UploadParams = z.object({
  url: z.string(),
  /** The address the plan checked; jobs planned before it existed connect where the fence allows. */
  address: z.string().optional(),
  /** The checksum given with --sha256: the upload fails unless the bytes have it. */
  sha256: z.string().optional(),
  name: z.string(),
  domain: z.string(),
  sizeBytes: z.number(),
  /** Disks of incomplete uploads the plan showed, removed before the upload. */
  replaces: z.array(z.string()).optional(),
});

export const uploadStep = defineStep({
  kind: 'iso.upload',
  params: UploadParams,
  async run(ctx, params) {
    const found = (await ctx.engine.listIsoDisks()).filter((d) => d.name === params.name);
    // §7: only a complete labops upload of the same size is "already there"; a disk of the
    // name that the plan did not show — a leftover that turned ok since — is never taken.
    if (found.some((d) => isSameUpload(d, { sizeBytes: params.sizeBytes }))) {
      return {
        status: 'ok',
        detail: msg('iso.upload.alreadyThere', { iso: params.name, bytes: params.sizeBytes }),
      };
    }
    const unplanned = found.filter((d) => !params.replaces?.includes(d.id));
    if (unplanned.length > 0) {
      const d = unplanned[0]!;
      throw new LabopsError(
        'CONFLICT',
        msg('iso.upload.appeared', { iso: params.name, disk: d.id, status: d.status ?? verbatim('?') }),
        { hint: msg('iso.upload.appearedHint', { iso: params.name }) },
      );
    }
    const domain = await findDomain(ctx, params.domain);
    if (!domain) throw new LabopsError('NOT_FOUND', msg('iso.domain.gone', { domain: params.domain }));
    const short = ctx.engine.waitTimings.short;
    for (const old of found) {
      // The step's tail is its log: the calls and the engine's words (the plan named this one).
      ctx.output(`DELETE /disks/${old.id} (${old.status ?? '?'})`);
      const result = await removeDiskWhenUnlocked(
        ctx.engine,
        old.id,
        { unlockTiming: diskReadyTiming(short, old.provisionedBytes ?? 0), timing: short },
        ctx.signal,
      );
      if (result.state === 'left') {
        throw new LabopsError(
          'CONFLICT',
          msg('iso.upload.leftoverStays', {
            iso: params.name,
            disk: old.id,
            status: result.status,
            reason: result.reason,
          }),
          { hint: msg('iso.upload.leftoverStaysHint', { iso: params.name }) },
        );
      }
    }
    const source = await ctx.downloads.open(params.url, { address: params.address, signal: ctx.signal });
    // Whatever ends the step early, the download's connection goes with it.
    try {
      if (source.sizeBytes !== params.sizeBytes) {
        throw new LabopsError(
          'CONFLICT',
          msg('iso.upload.sourceChanged', { now: source.sizeBytes, planned: params.sizeBytes }),
        );
      }
      const meter = createUploadMeter(ctx.clock);
      let lastShown = -1;
      const uploaded = await ctx.engine.uploadIso({
        name: params.name,
        storageDomainId: domain.id,
        jobId: ctx.jobId,
        source: {
          sizeBytes: source.sizeBytes,
          chunks: params.sha256
            ? requireSha256(requireIso9660(source.chunks), params.sha256)
            : requireIso9660(source.chunks),
        },
        onPhase: (phase) => ctx.output(`upload: ${phase}`),
        onProgress: (progress) => {
          const { bytesPerSecond, leftMs } = meter(progress);
          const { sentBytes, totalBytes } = progress;
          const percent = Math.floor((sentBytes / totalBytes) * 100);
          if (percent === lastShown) return;
          lastShown = percent;
          const sent = bytes(sentBytes);
          const total = bytes(totalBytes);
          ctx.progress(
            sentBytes / totalBytes,
            bytesPerSecond === undefined
              ? msg('iso.upload.progress', { sent, total })
              : leftMs === undefined
                ? msg('iso.upload.progressRate', { sent, total, rate: bytes(bytesPerSecond) })
                : msg('iso.upload.progressRateLeft', {
                    sent,
                    total,
                    rate: bytes(bytesPerSecond),
                    left: duration(leftMs),
                  }),
          );
        },
      });
      ctx.output(`sha256 ${uploaded.sha256}`);
      const { sha256 } = uploaded;
      return {
        status: 'changed',
        detail: uploaded.markedComplete
          ? params.sha256
            ? msg('iso.upload.detailChecked', { sha256 })
            : msg('iso.upload.detail', { sha256 })
          : params.sha256
            ? msg('iso.upload.detailCheckedUnmarked', { sha256 })
            : msg('iso.upload.detailUnmarked', { sha256 }),
      };
    } finally {
      (source.chunks as { destroy?: () => void }).destroy?.();
    }
  },
  async verify(ctx, params) {
    const found = (await ctx.engine.listIsoDisks()).filter((d) => d.name === params.name);
    const disk =
      found.find((d) => parseDiskMark(d.description)?.jobId === ctx.jobId) ??
      found.find((d) => isSameUpload(d, { sizeBytes: params.sizeBytes }));
    const mark = parseDiskMark(disk?.description);
    if (!disk || !mark) {
      throw new LabopsError(
        'CONFLICT',
        found.length
          ? msg('iso.upload.noMarkedDisk', {
              iso: params.name,
              // The disks and their descriptions as the engine has them.
              found: verbatim(found.map((d) => `${d.id}: ${JSON.stringify(d.description ?? '')}`).join('; ')),
            })
          : msg('iso.upload.missing', { iso: params.name, bytes: params.sizeBytes }),
      );
    }
    if (disk.status !== 'ok' || disk.provisionedBytes !== params.sizeBytes) {
      throw new LabopsError(
        'CONFLICT',
        msg('iso.upload.wrongState', {
          iso: params.name,
          status: disk.status ?? verbatim('?'),
          bytes: disk.provisionedBytes ?? verbatim('?'),
          expected: params.sizeBytes,
        }),
      );
    }
    if (mark.state !== 'complete' && (await ctx.engine.canUpdateDiskDescription())) {
      throw new LabopsError(
        'CONFLICT',
        msg('iso.upload.notMarked', { iso: params.name, description: verbatim(disk.description ?? '') }),
      );
    }
    const words = { iso: params.name, domain: params.domain, size: bytes(disk.provisionedBytes) };
    return mark.sha256
      ? msg('iso.upload.endStateSha256', { ...words, sha256: mark.sha256 })
      : msg('iso.upload.endState', words);
  },
});
