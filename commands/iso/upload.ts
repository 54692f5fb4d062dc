import { z } from 'zod';
import { createPlan, defineArgs, defineChange, flag, type Plan, positional } from '../../src/command.js';
import { requireIso9660, requireSha256 } from '../../src/downloads.js';
import { isSameUpload, parseDiskMark } from '../../src/engine/disk-mark.js';
import { createUploadMeter, diskReadyTiming, removeDiskWhenUnlocked } from '../../src/engine/image-upload.js';
import type { Disk, StorageDomain } from '../../src/engine/types.js';
import { LabopsError } from '../../src/errors.js';
import { defineStep } from '../../src/jobs/steps.js';
import { textArg } from '../../src/text.js';
import { formatBytes, formatDuration } from '../../src/view.js';
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
      throw new LabopsError('NOT_FOUND', `There is no storage domain "${named}" in the data center.`, {
        hint: `Domains: ${domains.map((d) => d.name).join(', ') || 'none'}.`,
      });
    }
    return found;
  }
  const data = domains.filter((d) => d.type === 'data' && d.status === 'active');
  const chosen = data.find((d) => d.isMaster) ?? data[0];
  if (!chosen) {
    throw new LabopsError('CONFLICT', 'There is no active data domain to upload into.', {
      hint: '/storage status shows the domains; /storage attach adds one.',
    });
  }
  return chosen;
}

export const upload = defineChange({
  name: 'upload',
  summary:
    'Upload an ISO from a URL into a data domain (streamed) or a 4.3 ISO domain (on the storage server)',
  usage: 'upload URL [--name NAME] [--domain DOMAIN] [--sha256 HEX]',
  examples: [
    '/iso upload https://mirror.example/AlmaLinux-9-latest-x86_64-minimal.iso',
    '/iso upload http://mirror.abc.local/centos7.iso --name CentOS-7.iso --domain nfs-data',
    '/iso upload https://mirror.example/alma9.iso --sha256 HEX (the 64 hex digits the mirror publishes)',
  ],
  args: defineArgs({
    url: positional(textArg().max(2000), 'http(s) URL of the ISO image'),
    name: flag(isoName.optional(), 'the name in the lab (default: the file name of the URL)', {
      valueName: 'NAME',
    }),
    domain: flag(textArg().max(64).optional(), 'the storage domain (default: the master data domain)', {
      valueName: 'DOMAIN',
    }),
    sha256: flag(
      textArg()
        .regex(/^[0-9a-fA-F]{64}$/, 'must be a SHA-256 checksum: 64 hex digits')
        .transform((hex) => hex.toLowerCase())
        .optional(),
      'the checksum the mirror publishes: the upload fails unless what is stored has it',
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
      throw new LabopsError(
        'CONFLICT',
        `${probe.fileName} is not an ISO 9660 image (no CD001 at byte 32769).`,
        {
          hint: 'Check the URL: a web page or a compressed file is not an ISO.',
        },
      );
    }
    const name = args.name ?? probe.fileName;
    if (!ISO_NAME.test(name)) {
      throw new LabopsError('USAGE', `"${name.slice(0, 60)}" cannot be an ISO name in the lab.`, {
        hint: 'Pick one with --name, e.g. --name alma9.iso.',
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
        throw new LabopsError('CONFLICT', `${name} is being uploaded by ${place.origin.mark.jobId} now.`, {
          hint: '/lab jobs shows it; wait for it to end.',
        });
      }
      throw new LabopsError('CONFLICT', `An ISO named ${name} already exists in ${existing.where}.`, {
        hint: 'Pick another name with --name, or use the one that is there.',
      });
    }
    const domain = chooseUploadDomain(domains, args.domain);
    if (domain.status !== 'active') {
      throw new LabopsError(
        'CONFLICT',
        `${domain.name} is ${domain.status ?? 'not active'}; an upload needs it active.`,
      );
    }
    if (domain.availableBytes !== undefined && domain.availableBytes < probe.sizeBytes) {
      throw new LabopsError(
        'CONFLICT',
        `${domain.name} has ${formatBytes(domain.availableBytes)} free; ${name} needs ${formatBytes(probe.sizeBytes)}.`,
      );
    }
    if (replaced.length > 0) {
      refuseWhileHeld(name, await findCdHolders(ctx, new Set(replaced.map((d) => d.id))), 'replaced');
    }
    if (domain.type === 'iso') {
      if (replaced.length > 0) {
        throw new LabopsError(
          'CONFLICT',
          `The incomplete upload ${name} is a disk of ${replaced.map((d) => domainName(domains, d)).join(', ')}; an upload into the ISO domain does not replace it.`,
          { hint: `/iso remove ${name} removes it, or upload into the data domain (leave out --domain).` },
        );
      }
      return planIsoDomainUpload(ctx, domain, probe, name, args.sha256);
    }
    const replacing = replaced.map((d) => {
      const size = parseDiskMark(d.description)?.sizeBytes ?? d.provisionedBytes;
      const job = parseDiskMark(d.description)?.jobId;
      return `It replaces the incomplete upload ${name} (${formatBytes(size)}) left by an earlier job${job ? ` (${job})` : ''}: that disk (${d.id}, ${d.status ?? '?'}) is removed first.`;
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
      summary: `Upload ${name} (${formatBytes(probe.sizeBytes)}) into ${domain.name}`,
      risk: unproven.length ? 'destructive' : 'change',
      riskReasons: unproven.map(
        (d) =>
          `The job named by ${name} (${d.id}) is unknown to labops: on a 4.3 engine, whose disk marks stay "incomplete", it may be a complete upload.`,
      ),
      impact: [
        `A new ISO disk ${name} of ${formatBytes(probe.sizeBytes)} in ${domain.name}, streamed from ${describeSource(probe)}.`,
        ...replacing,
        args.sha256
          ? `Its sha256 must be ${args.sha256}: otherwise the upload fails and nothing is kept.`
          : 'The report shows the sha256 of the bytes stored (no --sha256 was given to check).',
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
          title: `Upload ${name} into ${domain.name}`,
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
            ...replaced.map((d) => `DELETE /disks/${d.id} (the incomplete upload)`),
            `POST /disks (${name}, iso, raw, ${probe.sizeBytes} bytes, marked "labops upload: incomplete")`,
            'POST /imagetransfers (upload)',
            `GET ${probe.url} (connecting to ${probe.address}) → PUT transfer_url (sha256 on the way${args.sha256 ? `, must be ${args.sha256}` : ''})`,
            'POST /imagetransfers/{id}/finalize',
            'PUT /disks/{id} (marked "labops upload: complete" with the size and sha256; engines from 4.4)',
          ],
          timeoutMs: 4 * 60 * 60_000,
        },
      ],
    });
  },
});

function domainName(domains: StorageDomain[], disk: Disk): string {
  return disk.storageDomainIds.map((id) => domains.find((d) => d.id === id)?.name ?? id).join(', ');
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
        detail: `${params.name} is already there (a complete upload of ${params.sizeBytes} bytes)`,
      };
    }
    const unplanned = found.filter((d) => !params.replaces?.includes(d.id));
    if (unplanned.length > 0) {
      const d = unplanned[0]!;
      throw new LabopsError(
        'CONFLICT',
        `A disk named ${params.name} (${d.id}, ${d.status ?? '?'}) appeared since the plan and is not a complete upload of this source; it is not taken as the upload, and nothing was changed.`,
        { hint: `/iso list shows it; /iso remove ${params.name} removes it; then run /iso upload again.` },
      );
    }
    const domain = await findDomain(ctx, params.domain);
    if (!domain) throw new LabopsError('NOT_FOUND', `Storage domain ${params.domain} is gone.`);
    const short = ctx.engine.waitTimings.short;
    for (const old of found) {
      ctx.output(`removing the incomplete upload ${old.id} (${old.status ?? '?'})`);
      const result = await removeDiskWhenUnlocked(
        ctx.engine,
        old.id,
        { unlockTiming: diskReadyTiming(short, old.provisionedBytes ?? 0), timing: short },
        ctx.signal,
      );
      if (result.state === 'left') {
        throw new LabopsError(
          'CONFLICT',
          `The incomplete upload ${params.name} (${old.id}, ${result.status}) could not be removed: ${result.reason}. Nothing was uploaded.`,
          {
            hint: `/iso remove ${params.name} removes it once the engine lets go of it; then upload again.`,
          },
        );
      }
    }
    const source = await ctx.downloads.open(params.url, { address: params.address, signal: ctx.signal });
    // Whatever ends the step early, the download's connection goes with it.
    try {
      if (source.sizeBytes !== params.sizeBytes) {
        throw new LabopsError(
          'CONFLICT',
          `The source is now ${source.sizeBytes} bytes; the plan said ${params.sizeBytes}. Run /iso upload again.`,
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
          const rate = bytesPerSecond === undefined ? '' : ` · ${formatBytes(bytesPerSecond)}/s`;
          const left = leftMs === undefined ? '' : ` · ${formatDuration(leftMs)} left`;
          ctx.progress(
            sentBytes / totalBytes,
            `${formatBytes(sentBytes)} of ${formatBytes(totalBytes)}${rate}${left}`,
          );
        },
      });
      ctx.output(`sha256 ${uploaded.sha256}`);
      if (!uploaded.markedComplete) {
        ctx.output(
          'The engine cannot change a floating disk’s description before 4.4: the disk keeps its "incomplete" mark, and this job’s record says it completed.',
        );
      }
      return {
        status: 'changed',
        detail: `sha256 ${uploaded.sha256}${params.sha256 ? ' (as --sha256 said)' : ''}`,
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
          ? `No disk named ${params.name} carries this job's mark or a complete one (${found.map((d) => `${d.id}: ${JSON.stringify(d.description ?? '')}`).join('; ')}).`
          : `${params.name} is missing; expected ok with ${params.sizeBytes} bytes.`,
      );
    }
    if (disk.status !== 'ok' || disk.provisionedBytes !== params.sizeBytes) {
      throw new LabopsError(
        'CONFLICT',
        `${params.name} is ${disk.status} with ${disk.provisionedBytes} bytes; expected ok with ${params.sizeBytes}.`,
      );
    }
    if (mark.state !== 'complete' && (await ctx.engine.canUpdateDiskDescription())) {
      throw new LabopsError('CONFLICT', `${params.name} is not marked complete (${disk.description}).`);
    }
    return `${params.name} is in ${params.domain}: status ok, ${formatBytes(disk.provisionedBytes)}${mark.sha256 ? `, sha256 ${mark.sha256}` : ''}`;
  },
});
