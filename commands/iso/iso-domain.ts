import { z } from 'zod';
import type { CommandContext, Plan } from '../../src/command.js';
import type { SourceProbe } from '../../src/downloads.js';
import type { StorageDomain } from '../../src/engine/types.js';
import { LabopsError } from '../../src/errors.js';
import { toStepSpecs } from '../../src/jobs/runbook-steps.js';
import { defineStep } from '../../src/jobs/steps.js';
import { planIsoIntoIsoDomain, planIsoRemovalFromIsoDomain } from '../../src/runbooks/runbooks.js';
import { formatBytes, formatDuration } from '../../src/view.js';
import { planFromRunbook } from '../storage/machine-work.js';
import { describeSource, findDomain, isValidCdFileId } from './isos.js';

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
export function planIsoDomainUpload(
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
export function planIsoFileRemoval(ctx: CommandContext, domain: StorageDomain, name: string): Plan {
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

export const refreshFilesStep = defineStep({
  kind: 'iso.refresh-files',
  params: z.object({
    domain: z.string(),
    name: z.string(),
    expect: z.enum(['present', 'absent']).default('present'),
  }),
  async run(ctx, params) {
    const domain = await findDomain(ctx, params.domain);
    if (!domain) throw new LabopsError('NOT_FOUND', `Storage domain ${params.domain} is gone.`);
    await ctx.engine.listIsoDomainFiles(domain.id, true);
    return { status: 'ok' };
  },
  async verify(ctx, params) {
    const domain = await findDomain(ctx, params.domain);
    const files = domain ? await ctx.engine.listIsoDomainFiles(domain.id, false) : [];
    const listed = files.some((f) => f.name === params.name);
    if (listed !== (params.expect === 'present')) {
      throw new LabopsError(
        'CONFLICT',
        `The engine ${listed ? 'still lists' : 'does not list'} ${params.name} in ${params.domain}.`,
      );
    }
    return `${params.name} is ${listed ? '' : 'no longer '}listed in ${params.domain}`;
  },
});
