import { z } from 'zod';
import { type CommandContext, defineChange, defineCommand, defineRead, type Plan } from '../src/command.js';
import { requireIso9660 } from '../src/downloads.js';
import type { StorageDomain } from '../src/engine/types.js';
import { LabopsError } from '../src/errors.js';
import { defineStep } from '../src/jobs/steps.js';
import { planIsoIntoIsoDomain } from '../src/runbooks/runbooks.js';
import { formatBytes, formatDuration, type View } from '../src/view.js';
import { findDataCenterId } from './lab-state.js';
import { planFromRunbook } from './storage/machine-work.js';

const ISO_NAME = /^[A-Za-z0-9][A-Za-z0-9._+-]{0,200}$/;
const isoName = z.string().regex(ISO_NAME, 'must be a file name of letters, digits, ".", "_", "+" and "-"');
const vmName = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'must be a VM name');

interface IsoEntry {
  name: string;
  /** Where it is: an ISO domain's file, or a disk in a data domain. */
  where: string;
  sizeBytes: number | undefined;
  /** The id the engine wants in a CD drive: the file name, or the disk id. */
  fileId: string;
  status: string | undefined;
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
      (await ctx.engine.listIsoDomainFiles(d.id, true, { signal: ctx.signal })).map((f) => ({
        name: f.name,
        where: d.name,
        sizeBytes: undefined,
        fileId: f.id,
        status: 'ok',
      })),
    ),
  );
  const byId = new Map(domains.map((d) => [d.id, d.name]));
  const diskEntries = disks.map((d) => ({
    name: d.name ?? d.id,
    where: d.storageDomainIds.map((id) => byId.get(id) ?? id).join(', '),
    sizeBytes: d.provisionedBytes,
    fileId: d.id,
    status: d.status,
  }));
  return { isos: [...files.flat(), ...diskEntries], domains };
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
      .map(
        (i) =>
          `${i.name}  ${i.where}${i.sizeBytes !== undefined ? `  ${formatBytes(i.sizeBytes)}` : ''}${i.status && i.status !== 'ok' ? `  ${i.status}` : ''}`,
      );
    return {
      title: 'ISO images',
      state: { text: `${isos.length} image${isos.length === 1 ? '' : 's'}`, tone: 'info' },
      sections: [{ lines: lines.length ? lines : ['none yet: /iso upload URL'] }],
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

const upload = defineChange({
  name: 'upload',
  summary:
    'Upload an ISO from a URL into a data domain (streamed) or a 4.3 ISO domain (on the storage server)',
  usage: 'upload URL [--name NAME] [--domain DOMAIN]',
  examples: [
    '/iso upload https://mirror.example/AlmaLinux-9-latest-x86_64-minimal.iso',
    '/iso upload http://mirror.abc.local/centos7.iso --name CentOS-7.iso --domain nfs-data',
  ],
  argsSpec: {
    positionals: [{ name: 'url', required: true, description: 'http(s) URL of the ISO image' }],
    flags: {
      name: { type: 'string', description: 'the name in the lab (default: the file name of the URL)' },
      domain: { type: 'string', description: 'the storage domain (default: the master data domain)' },
    },
  },
  args: z.object({
    url: z.string().max(2000),
    name: isoName.optional(),
    domain: z.string().max(64).optional(),
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
    const existing = isos.find((i) => i.name === name);
    if (existing) {
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
    if (domain.type === 'iso') return planIsoDomainUpload(ctx, domain, probe.url, name, probe.sizeBytes);
    return {
      summary: `Upload ${name} (${formatBytes(probe.sizeBytes)}) into ${domain.name}`,
      risk: 'change',
      riskReasons: [],
      impact: [
        `A new ISO disk ${name} of ${formatBytes(probe.sizeBytes)} in ${domain.name}, streamed from ${new URL(probe.url).host}.`,
      ],
      warnings: [],
      blockers: [],
      locks: [`domain:${domain.name}`],
      dependsOn: { [`domain ${domain.name}`]: domain.status ?? '?', [`iso ${name}`]: 'absent' },
      steps: [
        {
          kind: 'iso.upload',
          title: `Upload ${name} into ${domain.name}`,
          params: { url: probe.url, name, domain: domain.name, sizeBytes: probe.sizeBytes },
          shows: [
            `POST /disks (${name}, iso, raw, ${probe.sizeBytes} bytes)`,
            'POST /imagetransfers (upload)',
            `GET ${probe.url} → PUT transfer_url`,
            'POST /imagetransfers/{id}/finalize',
          ],
          timeoutMs: 4 * 60 * 60_000,
        },
      ],
    };
  },
});

const attach = defineChange({
  name: 'attach',
  summary: "Put an ISO in a VM's CD drive, or boot it once from the ISO (--run-once)",
  usage: 'attach VM ISO [--run-once]',
  examples: ['/iso attach web1 CentOS-7-x86_64-Minimal-2003.iso', '/iso attach app1 alma9.iso --run-once'],
  argsSpec: {
    positionals: [
      { name: 'vm', required: true, description: 'the VM' },
      { name: 'iso', required: true, description: 'an ISO from /iso list' },
    ],
    flags: {
      'run-once': {
        type: 'boolean',
        description: 'start the VM once booting from the CD (the VM must be down)',
      },
    },
  },
  args: z.object({ vm: vmName, iso: isoName, runOnce: z.boolean().optional() }),
  risk: 'change',
  async plan(ctx, args): Promise<Plan> {
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
    const iso = isos.find((i) => i.name === args.iso);
    if (!iso) {
      throw new LabopsError('NOT_FOUND', `There is no ISO "${args.iso}" in the lab.`, {
        hint: '/iso list shows them; /iso upload URL adds one.',
      });
    }
    if (args.runOnce && vm.status !== 'down') {
      throw new LabopsError(
        'CONFLICT',
        `${vm.name} is ${vm.status}; a run-once boot starts it, so it must be down.`,
        {
          hint: `Shut it down first, or attach without --run-once: /iso attach ${vm.name} ${iso.name}.`,
        },
      );
    }
    return {
      summary: args.runOnce
        ? `Boot ${vm.name} once from ${iso.name}`
        : `Put ${iso.name} in ${vm.name}'s CD drive`,
      risk: 'change',
      riskReasons: [],
      impact: [
        args.runOnce
          ? `${vm.name} starts and boots from ${iso.name} (run once); its next boot is from disk again.`
          : `${vm.name}'s CD drive holds ${iso.name}.`,
      ],
      warnings: [],
      blockers: [],
      locks: [`vm:${vm.name}`],
      dependsOn: { [`vm ${vm.name}`]: vm.status, [`iso ${iso.name}`]: iso.status ?? 'ok' },
      steps: [
        {
          kind: args.runOnce ? 'vm.run-once-cd' : 'vm.change-cd',
          title: args.runOnce ? `Start ${vm.name} from ${iso.name}` : `Insert ${iso.name} into ${vm.name}`,
          params: { vm: vm.name, fileId: iso.fileId, iso: iso.name },
          shows: [
            args.runOnce
              ? `POST /vms/{${vm.name}}/start (boot cdrom, file ${iso.fileId})`
              : `PUT /vms/{${vm.name}}/cdroms/0000… (file ${iso.fileId})`,
          ],
        },
      ],
    };
  },
});

/**
 * Into a 4.3 ISO domain the way engine-iso-uploader did it (ovirt-api.md §5.1): the storage server
 * downloads the file into the domain's image directory under a hidden name, owned 36:36, mode
 * 0640, then renames it; the engine's cached file list is refreshed last.
 */
function planIsoDomainUpload(
  ctx: CommandContext,
  domain: StorageDomain,
  url: string,
  name: string,
  sizeBytes: number,
): Plan {
  const exp = ctx.lab.storage.exports.find((e) => e.path === domain.storage.path);
  if (!exp) {
    throw new LabopsError(
      'CONFLICT',
      `${domain.name} lives on ${domain.storage.address}:${domain.storage.path}, which is not an export of this lab's storage server.`,
      {
        hint: 'Upload into a data domain instead (leave out --domain).',
      },
    );
  }
  const items = planIsoIntoIsoDomain(ctx.lab.runbook, { export: exp.name, domainId: domain.id, url, name });
  return planFromRunbook(
    items,
    {
      summary: `Upload ${name} (${formatBytes(sizeBytes)}) into the ISO domain ${domain.name}`,
      risk: 'change',
      impact: [
        `${ctx.lab.storage.machine} downloads ${name} from ${new URL(url).host} into ${exp.path}, owned 36:36, mode 0640.`,
        `The engine's file list of ${domain.name} is refreshed.`,
      ],
      locks: [`domain:${domain.name}`],
      dependsOn: { [`domain ${domain.name}`]: domain.status ?? '?', [`iso ${name}`]: 'absent' },
    },
    [
      {
        kind: 'iso.refresh-files',
        title: `Refresh the file list of ${domain.name}`,
        params: { domain: domain.name, name },
        shows: [`GET /storagedomains/{${domain.name}}/files?refresh=true`],
      },
    ],
  );
}

export const isoCommand = defineCommand({
  name: 'iso',
  summary: 'ISO images: list, upload, attach to a VM',
  subcommands: [list, upload, attach],
});

const UploadParams = z.object({
  url: z.string(),
  name: z.string(),
  domain: z.string(),
  sizeBytes: z.number(),
});
const CdParams = z.object({ vm: z.string(), fileId: z.string(), iso: z.string() });

export const isoSteps = [
  defineStep({
    kind: 'iso.refresh-files',
    params: z.object({ domain: z.string(), name: z.string() }),
    async run(ctx, params) {
      const dcId = await findDataCenterId(ctx);
      const domain = (await ctx.engine.listAttachedStorageDomains(dcId, { signal: ctx.signal })).find(
        (d) => d.name === params.domain,
      );
      if (!domain) throw new LabopsError('NOT_FOUND', `Storage domain ${params.domain} is gone.`);
      await ctx.engine.listIsoDomainFiles(domain.id, true, { signal: ctx.signal });
      return { status: 'ok' };
    },
    async verify(ctx, params) {
      const dcId = await findDataCenterId(ctx);
      const domain = (await ctx.engine.listAttachedStorageDomains(dcId, { signal: ctx.signal })).find(
        (d) => d.name === params.domain,
      );
      const files = domain
        ? await ctx.engine.listIsoDomainFiles(domain.id, false, { signal: ctx.signal })
        : [];
      if (!files.some((f) => f.name === params.name)) {
        throw new LabopsError('CONFLICT', `The engine does not list ${params.name} in ${params.domain}.`);
      }
      return `${params.name} is listed in ${params.domain}`;
    },
  }),
  defineStep({
    kind: 'iso.upload',
    params: UploadParams,
    async run(ctx, params) {
      const existing = (await ctx.engine.listIsoDisks({ signal: ctx.signal })).find(
        (d) => d.name === params.name && d.status === 'ok',
      );
      if (existing) return { status: 'ok', detail: `${params.name} is already there` };
      const dcId = await findDataCenterId(ctx);
      const domain = (await ctx.engine.listAttachedStorageDomains(dcId, { signal: ctx.signal })).find(
        (d) => d.name === params.domain,
      );
      if (!domain) throw new LabopsError('NOT_FOUND', `Storage domain ${params.domain} is gone.`);
      const source = await ctx.downloads.open(params.url, ctx.signal);
      // Whatever ends the step early, the download's connection goes with it.
      try {
        if (source.sizeBytes !== params.sizeBytes) {
          throw new LabopsError(
            'CONFLICT',
            `The source is now ${source.sizeBytes} bytes; the plan said ${params.sizeBytes}. Run /iso upload again.`,
          );
        }
        const started = ctx.clock();
        let lastShown = -1;
        await ctx.engine.uploadIso({
          name: params.name,
          storageDomainId: domain.id,
          source: { sizeBytes: source.sizeBytes, chunks: requireIso9660(source.chunks) },
          signal: ctx.signal,
          onPhase: (phase) => ctx.output(`upload: ${phase}`),
          onProgress: ({ sentBytes, totalBytes }) => {
            const percent = Math.floor((sentBytes / totalBytes) * 100);
            if (percent === lastShown) return;
            lastShown = percent;
            const elapsed = Math.max(1, ctx.clock() - started);
            const rate = (sentBytes / elapsed) * 1000;
            const left = rate > 0 ? ((totalBytes - sentBytes) / rate) * 1000 : undefined;
            ctx.progress(
              sentBytes / totalBytes,
              `${formatBytes(sentBytes)} of ${formatBytes(totalBytes)} · ${formatBytes(rate)}/s${left !== undefined ? ` · ${formatDuration(left)} left` : ''}`,
            );
          },
        });
      } finally {
        (source.chunks as { destroy?: () => void }).destroy?.();
      }
      return { status: 'changed' };
    },
    async verify(ctx, params) {
      const disk = (await ctx.engine.listIsoDisks({ signal: ctx.signal })).find(
        (d) => d.name === params.name,
      );
      if (disk?.status !== 'ok' || disk.provisionedBytes !== params.sizeBytes) {
        throw new LabopsError(
          'CONFLICT',
          `${params.name} is ${disk ? `${disk.status} with ${disk.provisionedBytes} bytes` : 'missing'}; expected ok with ${params.sizeBytes}.`,
        );
      }
      return `${params.name} is in ${params.domain}: status ok, ${formatBytes(disk.provisionedBytes)}`;
    },
  }),
  defineStep({
    kind: 'vm.change-cd',
    params: CdParams,
    async run(ctx, params) {
      const vm = await ctx.engine.findVm(params.vm, { signal: ctx.signal });
      if ((await ctx.engine.getCdromFile(vm.id, { signal: ctx.signal })) === params.fileId)
        return { status: 'ok' };
      await ctx.engine.changeCdrom(vm.id, params.fileId, { signal: ctx.signal });
      return { status: 'changed' };
    },
    async verify(ctx, params) {
      const vm = await ctx.engine.findVm(params.vm, { signal: ctx.signal });
      const file = await ctx.engine.getCdromFile(vm.id, { signal: ctx.signal });
      if (file !== params.fileId) {
        throw new LabopsError(
          'CONFLICT',
          `${params.vm}'s CD drive holds ${file ?? 'nothing'}, not ${params.iso}.`,
        );
      }
      return `${params.vm}'s CD drive holds ${params.iso}`;
    },
  }),
  defineStep({
    kind: 'vm.run-once-cd',
    params: CdParams,
    async run(ctx, params) {
      const vm = await ctx.engine.findVm(params.vm, { signal: ctx.signal });
      await ctx.engine.startVm(vm.id, { bootIso: params.fileId }, { signal: ctx.signal });
      await ctx.engine.waitForVmStatus(vm.id, ['up'], {
        signal: ctx.signal,
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
