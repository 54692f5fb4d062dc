import { z } from 'zod';
import { type CommandContext, defineChange, defineCommand, defineRead, type Plan } from '../src/command.js';
import { requireIso9660, requireSha256, type SourceProbe } from '../src/downloads.js';
import { classifyDisk, type DiskOrigin, isSameUpload, parseDiskMark } from '../src/engine/disk-mark.js';
import { createUploadMeter, diskReadyTiming, removeDiskWhenUnlocked } from '../src/engine/image-upload.js';
import type { Disk, StorageDomain } from '../src/engine/types.js';
import { LabopsError } from '../src/errors.js';
import { toStepSpecs } from '../src/jobs/runbook-steps.js';
import { defineStep, type StepContext } from '../src/jobs/steps.js';
import { planIsoIntoIsoDomain, planIsoRemovalFromIsoDomain } from '../src/runbooks/runbooks.js';
import { textArg } from '../src/text.js';
import { formatBytes, formatDuration, type View } from '../src/view.js';
import { findDataCenterId } from './lab-state.js';
import { planFromRunbook } from './storage/machine-work.js';

const ISO_NAME = /^[A-Za-z0-9][A-Za-z0-9._+-]{0,200}$/;
const isoName = textArg().regex(ISO_NAME, 'must be a file name of letters, digits, ".", "_", "+" and "-"');
const vmName = textArg()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'must be a VM name');
/** A GUID as the engine matches it (ValidationUtils.GUID). */
const GUID = /^[a-fA-F0-9]{8}-[a-fA-F0-9]{4}-[a-fA-F0-9]{4}-[a-fA-F0-9]{4}-[a-fA-F0-9]{12}$/;

interface IsoEntry {
  name: string;
  /** Where it is: an ISO domain's file, or a disk in a data domain. */
  where: string;
  sizeBytes: number | undefined;
  /** The id the engine wants in a CD drive: the file name, or the disk id. */
  fileId: string;
  status: string | undefined;
  /** The ISO domain of a file; the disk and what made it, for a disk. */
  place: { kind: 'file'; domain: StorageDomain } | { kind: 'disk'; disk: Disk; origin: DiskOrigin };
}

/** Every ISO the lab can boot: files of active ISO domains and ISO disks of data domains (§4.6). */
async function listIsos(ctx: CommandContext): Promise<{ isos: IsoEntry[]; domains: StorageDomain[] }> {
  const dcId = await findDataCenterId(ctx);
  const [domains, disks] = await Promise.all([
    ctx.engine.listAttachedStorageDomains(dcId, { signal: ctx.signal }),
    ctx.engine.listIsoDisks({ signal: ctx.signal }),
  ]);
  const isoDomains = domains.filter((d) => d.type === 'iso' && d.status === 'active');
  const files = await Promise.all(
    isoDomains.map(async (d) =>
      (await ctx.engine.listIsoDomainFiles(d.id, true, { signal: ctx.signal })).map(
        (f): IsoEntry => ({
          name: f.name,
          where: d.name,
          sizeBytes: undefined,
          fileId: f.id,
          status: 'ok',
          place: { kind: 'file', domain: d },
        }),
      ),
    ),
  );
  const byId = new Map(domains.map((d) => [d.id, d.name]));
  const jobStatus = (id: string) => ctx.jobs.get(id)?.status;
  const diskEntries = disks.map(
    (d): IsoEntry => ({
      name: d.name ?? d.id,
      where: d.storageDomainIds.map((id) => byId.get(id) ?? id).join(', '),
      sizeBytes: d.provisionedBytes,
      fileId: d.id,
      status: d.status,
      place: { kind: 'disk', disk: d, origin: classifyDisk(d, jobStatus) },
    }),
  );
  return { isos: [...files.flat(), ...diskEntries], domains };
}

function describeOrigin(entry: IsoEntry): string | undefined {
  if (entry.place.kind !== 'disk') return undefined;
  const { origin } = entry.place;
  if (origin.kind === 'incomplete') return 'incomplete upload';
  if (origin.kind === 'uploading') return `uploading (${origin.mark.jobId})`;
  return undefined;
}

const list = defineRead({
  name: 'list',
  summary: 'ISO images in the ISO domain and in data domains, with sizes',
  usage: 'list',
  examples: ['/iso list'],
  argsSpec: { positionals: [], flags: {} },
  args: z.object({}),
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

/**
 * The VMs whose CD drive holds one of `fileIds`, in words ("web1 (now)", "app1 (at its next
 * boot)"): the saved configuration, and for a VM that runs, what it has now (§5.1).
 */
async function findCdHolders(ctx: CommandContext, fileIds: ReadonlySet<string>): Promise<string[]> {
  const vms = await ctx.engine.listVms({}, { signal: ctx.signal });
  const held = await Promise.all(
    vms.map(async (vm) => {
      const saved = await ctx.engine.getCdromFile(vm.id, { signal: ctx.signal });
      const current =
        vm.status === 'down'
          ? undefined
          : await ctx.engine
              .getCdromFile(vm.id, { signal: ctx.signal, current: true })
              .catch((error: unknown) => {
                // A VM without a CD drive has no current view either.
                if (error instanceof LabopsError && error.code === 'CONFLICT') return undefined;
                throw error;
              });
      const when = [
        current !== undefined && fileIds.has(current) ? 'now' : undefined,
        saved !== undefined && fileIds.has(saved) ? 'at its next boot' : undefined,
      ].filter((w) => w !== undefined);
      return when.length ? `${vm.name} (${when.join(', ')})` : undefined;
    }),
  );
  return held.filter((h) => h !== undefined);
}

function refuseWhileHeld(name: string, holders: string[], doing: string): void {
  if (holders.length === 0) return;
  throw new LabopsError(
    'CONFLICT',
    `${name} is in the CD drive of ${holders.join(', ')}; it cannot be ${doing} while a VM holds it.`,
    {
      hint: `Put another ISO in first (/iso attach VM OTHER.iso), or eject it in the Administration Portal.`,
    },
  );
}

const upload = defineChange({
  name: 'upload',
  summary:
    'Upload an ISO from a URL into a data domain (streamed) or a 4.3 ISO domain (on the storage server)',
  usage: 'upload URL [--name NAME] [--domain DOMAIN] [--sha256 HEX]',
  examples: [
    '/iso upload https://mirror.example/AlmaLinux-9-latest-x86_64-minimal.iso',
    '/iso upload http://mirror.abc.local/centos7.iso --name CentOS-7.iso --domain nfs-data',
    '/iso upload https://mirror.example/alma9.iso --sha256 HEX (the 64 hex digits the mirror publishes)',
  ],
  argsSpec: {
    positionals: [{ name: 'url', required: true, description: 'http(s) URL of the ISO image' }],
    flags: {
      name: { type: 'string', description: 'the name in the lab (default: the file name of the URL)' },
      domain: { type: 'string', description: 'the storage domain (default: the master data domain)' },
      sha256: {
        type: 'string',
        description: 'the checksum the mirror publishes: the upload fails unless what is stored has it',
      },
    },
  },
  args: z.object({
    url: textArg().max(2000),
    name: isoName.optional(),
    domain: textArg().max(64).optional(),
    sha256: textArg()
      .regex(/^[0-9a-fA-F]{64}$/, 'must be a SHA-256 checksum: 64 hex digits')
      .transform((hex) => hex.toLowerCase())
      .optional(),
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
    const unproven = replaced.filter((d) => {
      const job = parseDiskMark(d.description)?.jobId;
      return d.status === 'ok' && job !== undefined && ctx.jobs.get(job) === undefined;
    });
    return {
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
      warnings: [],
      blockers: [],
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
    };
  },
});

/** Where a source is, as approvers see it: the host, and the address labops checked and connects to. */
function describeSource(probe: SourceProbe): string {
  const host = new URL(probe.url).hostname;
  return host === probe.address || host === `[${probe.address}]` ? host : `${host} (${probe.address})`;
}

function domainName(domains: StorageDomain[], disk: Disk): string {
  return disk.storageDomainIds.map((id) => domains.find((d) => d.id === id)?.name ?? id).join(', ');
}

/**
 * Where a CD change goes, from the VM's status (§5.1, issue 9 §3): a VM that is up gets the hot
 * change (`current`) — with `persist`, the saved configuration too; a VM that is down gets the
 * saved configuration, seen at its next boot. Any other status is refused with the reason.
 */
export function chooseCdViews(
  vm: string,
  status: string,
  persist: boolean,
): { views: ('current' | 'saved')[]; when: string } {
  if (status === 'up') {
    return persist
      ? { views: ['current', 'saved'], when: 'now and at every boot' }
      : { views: ['current'], when: 'now, until it stops' };
  }
  if (status === 'down') return { views: ['saved'], when: 'at its next boot' };
  const why =
    status === 'paused' || status === 'suspended'
      ? `${vm} is ${status}: labops changes a CD drive only while the VM is up (now) or down (at its next boot).`
      : status === 'migrating'
        ? `${vm} is migrating to another host: its CD drive cannot be changed until the migration ends.`
        : `${vm} is ${status}: a CD change needs it up (now) or down (at its next boot).`;
  throw new LabopsError('CONFLICT', why, {
    hint:
      status === 'migrating'
        ? 'Wait until it is up again (/host status shows it), then run the command again.'
        : status === 'paused' || status === 'suspended'
          ? 'Resume it or shut it down in the Administration Portal, then run the command again.'
          : 'Wait until it is up or down, then run the command again.',
  });
}

/** The engine's rule for a CD file id (ChangeDiskCommand, 4.3 and 4.4): a disk id, or a name ending in .iso. */
export function isValidCdFileId(fileId: string): boolean {
  return GUID.test(fileId) || fileId.toLowerCase().endsWith('.iso');
}

const attach = defineChange({
  name: 'attach',
  summary: "Put an ISO in a VM's CD drive, or boot it once from the ISO (--run-once)",
  usage: 'attach VM ISO [--persist] [--run-once]',
  examples: [
    '/iso attach web1 CentOS-7-x86_64-Minimal-2003.iso',
    '/iso attach web1 alma9.iso --persist',
    '/iso attach app1 alma9.iso --run-once',
  ],
  argsSpec: {
    positionals: [
      { name: 'vm', required: true, description: 'the VM' },
      { name: 'iso', required: true, description: 'an ISO from /iso list' },
    ],
    flags: {
      persist: {
        type: 'boolean',
        description: 'a running VM keeps the ISO at every boot too (by default only until it stops)',
      },
      'run-once': {
        type: 'boolean',
        description: 'start the VM once booting from the CD (the VM must be down)',
      },
    },
  },
  args: z.object({
    vm: vmName,
    iso: isoName,
    persist: z.boolean().optional(),
    runOnce: z.boolean().optional(),
  }),
  risk: 'change',
  async plan(ctx, args): Promise<Plan> {
    if (args.runOnce && args.persist) {
      throw new LabopsError(
        'USAGE',
        '--persist does not go with --run-once: a run-once boot changes nothing saved.',
      );
    }
    const [vm, { isos }] = await Promise.all([
      ctx.engine.findVm(args.vm, { signal: ctx.signal }).catch((error: unknown) => {
        throw error instanceof LabopsError && error.code === 'NOT_FOUND'
          ? new LabopsError('NOT_FOUND', `There is no VM "${args.vm}".`, {
              hint: '/host status HOST lists the VMs.',
            })
          : error;
      }),
      listIsos(ctx),
    ]);
    const iso = isos.find(
      (i) =>
        i.name === args.iso &&
        !(i.place.kind === 'disk' && i.place.origin.kind !== 'complete' && i.place.origin.kind !== 'foreign'),
    );
    if (!iso) {
      const unfinished = isos.find((i) => i.name === args.iso);
      throw new LabopsError(
        'NOT_FOUND',
        unfinished
          ? `${args.iso} is an upload that did not complete; it is not an ISO a VM can boot.`
          : `There is no ISO "${args.iso}" in the lab.`,
        {
          hint: unfinished
            ? `/iso remove ${args.iso} removes it; /iso upload URL --name ${args.iso} replaces it.`
            : '/iso list shows them; /iso upload URL adds one.',
        },
      );
    }
    if (!isValidCdFileId(iso.fileId)) {
      throw new LabopsError(
        'CONFLICT',
        `${iso.name} cannot go in a CD drive: the engine takes only a disk id or a file name ending in .iso.`,
        {
          hint: `Rename it on the storage server to end in .iso, or upload it again with a name that does: /iso upload URL --name ${iso.name.replace(/\.[^.]*$/, '')}.iso.`,
        },
      );
    }
    if (args.runOnce) {
      if (vm.status !== 'down') {
        throw new LabopsError(
          'CONFLICT',
          `${vm.name} is ${vm.status}; a run-once boot starts it, so it must be down.`,
          {
            hint: `Shut it down first, or attach without --run-once: /iso attach ${vm.name} ${iso.name}.`,
          },
        );
      }
      return {
        summary: `Boot ${vm.name} once from ${iso.name}`,
        risk: 'change',
        riskReasons: [],
        impact: [
          `${vm.name} starts and boots from ${iso.name} (run once); its next boot is from disk again.`,
        ],
        warnings: [],
        blockers: [],
        locks: [`vm:${vm.name}`],
        dependsOn: { [`vm ${vm.name}`]: vm.status, [`iso ${iso.name}`]: iso.status ?? 'ok' },
        steps: [
          {
            kind: 'vm.run-once-cd',
            title: `Start ${vm.name} from ${iso.name}`,
            params: { vm: vm.name, fileId: iso.fileId, iso: iso.name },
            shows: [`POST /vms/{${vm.name}}/start (boot cdrom, file ${iso.fileId})`],
          },
        ],
      };
    }
    const { views, when } = chooseCdViews(vm.name, vm.status, args.persist === true);
    return {
      summary: `Put ${iso.name} in ${vm.name}'s CD drive ${when}`,
      risk: 'change',
      riskReasons: [],
      impact: [
        views.includes('current')
          ? views.includes('saved')
            ? `${vm.name} sees ${iso.name} in its CD drive now, and its saved configuration keeps it at every boot.`
            : `${vm.name} sees ${iso.name} in its CD drive now, until it stops; its saved configuration is unchanged (--persist keeps it at every boot).`
          : `${vm.name} is down: its saved configuration gets ${iso.name}, which shows at its next boot.`,
      ],
      warnings: [],
      blockers: [],
      locks: [`vm:${vm.name}`],
      dependsOn: { [`vm ${vm.name}`]: vm.status, [`iso ${iso.name}`]: iso.status ?? 'ok' },
      steps: [
        {
          kind: 'vm.change-cd',
          title: `Insert ${iso.name} into ${vm.name} ${when}`,
          params: { vm: vm.name, fileId: iso.fileId, iso: iso.name, views },
          shows: views.map(
            (v) =>
              `PUT /vms/{${vm.name}}/cdroms/{cdrom}${v === 'current' ? '?current=true' : ''} (file ${iso.fileId})`,
          ),
        },
      ],
    };
  },
});

const remove = defineChange({
  name: 'remove',
  summary: 'Remove an ISO: a disk of a data domain, or a file of the ISO domain',
  usage: 'remove ISO [--domain DOMAIN]',
  examples: ['/iso remove alma9.iso', '/iso remove CentOS-7.iso --domain nfs-iso'],
  argsSpec: {
    positionals: [{ name: 'iso', required: true, description: 'an ISO from /iso list' }],
    flags: {
      domain: { type: 'string', description: 'the storage domain, when the name is in more than one' },
    },
  },
  args: z.object({ iso: isoName, domain: textArg().max(64).optional() }),
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
    return {
      summary: `Remove the ISO ${args.iso} from ${where}`,
      risk: 'destructive',
      riskReasons: [],
      impact: disks.map(
        ({ disk, origin }) =>
          `The disk ${args.iso} (${disk.id}, ${formatBytes(disk.provisionedBytes)}, ${disk.status ?? '?'}${origin.kind === 'incomplete' ? ', an incomplete upload' : origin.kind === 'foreign' ? ', not uploaded by labops' : ''}) is removed from ${where}.`,
      ),
      warnings: [],
      blockers: [],
      locks: [`domain:${where}`],
      dependsOn: { [`iso ${args.iso}`]: `disk ${disks.map(({ disk }) => disk.id).join(', ')}` },
      steps: disks.map(({ disk }) => ({
        kind: 'iso.remove-disk',
        title: `Remove the disk ${args.iso} (${disk.id}) from ${where}`,
        params: { diskId: disk.id, name: args.iso, domain: where },
        shows: [`DELETE /disks/${disk.id}`, `GET /disks/${disk.id} until it is gone`],
      })),
    };
  },
});

/** The storage server that holds an ISO domain's export, as a lab export. */
function findIsoDomainExport(ctx: CommandContext, domain: StorageDomain): { name: string; path: string } {
  const exp = ctx.lab.storage.exports.find((e) => e.path === domain.storage.path);
  if (!exp) {
    throw new LabopsError(
      'CONFLICT',
      `${domain.name} lives on ${domain.storage.address}:${domain.storage.path}, which is not an export of this lab's storage server.`,
      { hint: 'Only the ISO domains of the lab storage server can be changed by labops.' },
    );
  }
  return exp;
}

/**
 * Into a 4.3 ISO domain the way engine-iso-uploader did it (ovirt-api.md §5.1): the storage server
 * downloads the file into the domain's image directory under a hidden name, owned 36:36, mode
 * 0640, then renames it; the engine's cached file list is refreshed last.
 */
function planIsoDomainUpload(
  ctx: CommandContext,
  domain: StorageDomain,
  probe: SourceProbe,
  name: string,
  sha256: string | undefined,
): Plan {
  const exp = findIsoDomainExport(ctx, domain);
  const items = planIsoIntoIsoDomain(ctx.lab.runbook, {
    export: exp.name,
    domainId: domain.id,
    url: probe.url,
    address: probe.address,
    sizeBytes: probe.sizeBytes,
    name,
    sha256,
  });
  const download = items[0]?.step;
  const maxSeconds = download?.type === 'download' ? download.maxSeconds : 0;
  return planFromRunbook(
    [],
    {
      summary: `Upload ${name} (${formatBytes(probe.sizeBytes)}) into the ISO domain ${domain.name}`,
      risk: 'change',
      impact: [
        `${ctx.lab.storage.machine} downloads ${name} from ${describeSource(probe)} into ${exp.path}, owned 36:36, mode 0640, within ${formatDuration(maxSeconds * 1000)}.`,
        sha256
          ? `It keeps the file only with ${probe.sizeBytes} bytes, CD001 at byte 32769 and the sha256 ${sha256}.`
          : `It keeps the file only with ${probe.sizeBytes} bytes and CD001 at byte 32769; the report shows its sha256.`,
        `The engine's file list of ${domain.name} is refreshed.`,
      ],
      warnings: isValidCdFileId(name)
        ? []
        : [`The engine puts only names ending in .iso in a CD drive; ${name} can never be attached to a VM.`],
      locks: [`domain:${domain.name}`],
      dependsOn: { [`domain ${domain.name}`]: domain.status ?? '?', [`iso ${name}`]: 'absent' },
    },
    [
      // curl's own bound (--max-time) plus time for the checks after it: the step outlasts curl.
      ...toStepSpecs(items, { timeoutMs: (maxSeconds + DOWNLOAD_CHECK_SECONDS) * 1000 }),
      {
        kind: 'iso.refresh-files',
        title: `Refresh the file list of ${domain.name}`,
        params: { domain: domain.name, name },
        shows: [`GET /storagedomains/{${domain.name}}/files?refresh=true`],
      },
    ],
  );
}

/** Time a download step has after curl's --max-time: its size, signature and sha256 checks. */
const DOWNLOAD_CHECK_SECONDS = 600;

/** Out of a 4.3 ISO domain: the storage server removes exactly the file, then the engine's list is refreshed. */
function planIsoFileRemoval(ctx: CommandContext, domain: StorageDomain, name: string): Plan {
  const exp = findIsoDomainExport(ctx, domain);
  const items = planIsoRemovalFromIsoDomain(ctx.lab.runbook, { export: exp.name, domainId: domain.id, name });
  return planFromRunbook(
    items,
    {
      summary: `Remove the ISO ${name} from the ISO domain ${domain.name}`,
      risk: 'destructive',
      impact: [
        `${ctx.lab.storage.machine} removes ${items[0]?.step.type === 'remove-file' ? items[0].step.path : name}.`,
        `The engine's file list of ${domain.name} is refreshed.`,
      ],
      locks: [`domain:${domain.name}`],
      dependsOn: {
        [`domain ${domain.name}`]: domain.status ?? '?',
        [`iso ${name}`]: `file of ${domain.name}`,
      },
    },
    [
      {
        kind: 'iso.refresh-files',
        title: `Refresh the file list of ${domain.name}`,
        params: { domain: domain.name, name, expect: 'absent' },
        shows: [`GET /storagedomains/{${domain.name}}/files?refresh=true`],
      },
    ],
  );
}

export const isoCommand = defineCommand({
  name: 'iso',
  summary: 'ISO images: list, upload, attach to a VM, remove',
  subcommands: [list, upload, attach, remove],
});

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
const CdParams = z.object({ vm: z.string(), fileId: z.string(), iso: z.string() });
const ChangeCdParams = CdParams.extend({
  /** The views the plan changes; jobs planned before views existed changed the saved one. */
  views: z
    .array(z.enum(['current', 'saved']))
    .min(1)
    .default(['saved']),
});

async function findDomain(ctx: StepContext, name: string): Promise<StorageDomain | undefined> {
  const dcId = await findDataCenterId(ctx);
  return (await ctx.engine.listAttachedStorageDomains(dcId, { signal: ctx.signal })).find(
    (d) => d.name === name,
  );
}

function describeViews(views: readonly ('current' | 'saved')[]): string {
  return views.includes('current')
    ? views.includes('saved')
      ? 'now and in its saved configuration'
      : 'now (until it stops)'
    : 'in its saved configuration (from its next boot)';
}

export const isoSteps = [
  defineStep({
    kind: 'iso.refresh-files',
    params: z.object({
      domain: z.string(),
      name: z.string(),
      expect: z.enum(['present', 'absent']).default('present'),
    }),
    async run(ctx, params) {
      const domain = await findDomain(ctx, params.domain);
      if (!domain) throw new LabopsError('NOT_FOUND', `Storage domain ${params.domain} is gone.`);
      await ctx.engine.listIsoDomainFiles(domain.id, true, { signal: ctx.signal });
      return { status: 'ok' };
    },
    async verify(ctx, params) {
      const domain = await findDomain(ctx, params.domain);
      const files = domain
        ? await ctx.engine.listIsoDomainFiles(domain.id, false, { signal: ctx.signal })
        : [];
      const listed = files.some((f) => f.name === params.name);
      if (listed !== (params.expect === 'present')) {
        throw new LabopsError(
          'CONFLICT',
          `The engine ${listed ? 'still lists' : 'does not list'} ${params.name} in ${params.domain}.`,
        );
      }
      return `${params.name} is ${listed ? '' : 'no longer '}listed in ${params.domain}`;
    },
  }),
  defineStep({
    kind: 'iso.upload',
    params: UploadParams,
    async run(ctx, params) {
      const found = (await ctx.engine.listIsoDisks({ signal: ctx.signal })).filter(
        (d) => d.name === params.name,
      );
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
          signal: ctx.signal,
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
      const found = (await ctx.engine.listIsoDisks({ signal: ctx.signal })).filter(
        (d) => d.name === params.name,
      );
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
      if (mark.state !== 'complete' && (await ctx.engine.canUpdateDiskDescription({ signal: ctx.signal }))) {
        throw new LabopsError('CONFLICT', `${params.name} is not marked complete (${disk.description}).`);
      }
      return `${params.name} is in ${params.domain}: status ok, ${formatBytes(disk.provisionedBytes)}${mark.sha256 ? `, sha256 ${mark.sha256}` : ''}`;
    },
  }),
  defineStep({
    kind: 'iso.remove-disk',
    params: z.object({ diskId: z.string(), name: z.string(), domain: z.string() }),
    async run(ctx, params) {
      const disk = await ctx.engine.getDisk(params.diskId, { signal: ctx.signal });
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
      const disk = await ctx.engine.getDisk(params.diskId, { signal: ctx.signal });
      if (disk) {
        throw new LabopsError(
          'CONFLICT',
          `The disk ${params.name} (${params.diskId}) is still there (${disk.status}).`,
        );
      }
      return `${params.name} (${params.diskId}) is gone from ${params.domain}`;
    },
  }),
  defineStep({
    kind: 'vm.change-cd',
    params: ChangeCdParams,
    async run(ctx, params) {
      const vm = await ctx.engine.findVm(params.vm, { signal: ctx.signal });
      if (params.views.includes('current') && vm.status !== 'up') {
        throw new LabopsError(
          'CONFLICT',
          `${params.vm} is ${vm.status} now; the plan changed the CD drive of a running VM.`,
          { hint: `Run /iso attach ${params.vm} ${params.iso} again.` },
        );
      }
      let changed = false;
      for (const view of params.views) {
        const current = view === 'current';
        if ((await ctx.engine.getCdromFile(vm.id, { signal: ctx.signal, current })) === params.fileId)
          continue;
        await ctx.engine.changeCdrom(vm.id, params.fileId, { signal: ctx.signal, current });
        changed = true;
      }
      return changed ? { status: 'changed' } : { status: 'ok', detail: `${params.iso} is already there` };
    },
    async verify(ctx, params) {
      const vm = await ctx.engine.findVm(params.vm, { signal: ctx.signal });
      for (const view of params.views) {
        const file = await ctx.engine.getCdromFile(vm.id, {
          signal: ctx.signal,
          current: view === 'current',
        });
        if (file !== params.fileId) {
          throw new LabopsError(
            'CONFLICT',
            `${params.vm}'s CD drive holds ${file ?? 'nothing'} ${view === 'current' ? 'now' : 'in its saved configuration'}, not ${params.iso}.`,
            {
              hint:
                view === 'current'
                  ? `The engine took the change but the running VM does not show it: read the engine's events for ${params.vm} (Administration Portal → Events), then run /iso attach ${params.vm} ${params.iso} again.`
                  : `Someone may have changed the CD meanwhile: check ${params.vm} in the Administration Portal (Edit VM → Boot Options), then run /iso attach ${params.vm} ${params.iso} again.`,
            },
          );
        }
      }
      return `${params.vm}'s CD drive holds ${params.iso} ${describeViews(params.views)}`;
    },
  }),
  defineStep({
    kind: 'vm.run-once-cd',
    params: CdParams,
    async run(ctx, params) {
      const vm = await ctx.engine.findVm(params.vm, { signal: ctx.signal });
      // Read before the start: the engine's failed-run event after it ends the wait at once (§6.5).
      const sinceEventIndex = await ctx.engine.getLastEventIndex({ signal: ctx.signal });
      await ctx.engine.startVm(vm.id, { bootIso: params.fileId }, { signal: ctx.signal });
      await ctx.engine.waitForVmStatus(vm.id, ['up'], {
        signal: ctx.signal,
        sinceEventIndex,
        onPoll: (s) => ctx.output(`${params.vm}: ${s}`),
      });
      return { status: 'changed' };
    },
    async verify(ctx, params) {
      const vm = await ctx.engine.findVm(params.vm, { signal: ctx.signal });
      if (vm.status !== 'up') throw new LabopsError('CONFLICT', `${params.vm} is ${vm.status}, not up.`);
      return `${params.vm} is up, booted from ${params.iso}`;
    },
  }),
];
