import { z } from 'zod';
import type { CommandContext, Plan } from '../../src/command.js';
import type { SourceProbe } from '../../src/downloads.js';
import type { StorageDomain } from '../../src/engine/types.js';
import { LabopsError } from '../../src/errors.js';
import { bytes, duration, msg, verbatim } from '../../src/i18n/text.js';
import { toStepSpecs } from '../../src/jobs/runbook-steps.js';
import { defineStep } from '../../src/jobs/steps.js';
import { planIsoIntoIsoDomain, planIsoRemovalFromIsoDomain } from '../../src/runbooks/runbooks.js';
import { planFromRunbook } from '../storage/machine-work.js';
import { describeSource, findDomain, isValidCdFileId } from './isos.js';

/** The storage server that holds an ISO domain's export, as a lab export. */
function findIsoDomainExport(ctx: CommandContext, domain: StorageDomain): { name: string; path: string } {
  const exp = ctx.lab.storage.exports.find((e) => e.path === domain.storage.path);
  if (!exp) {
    throw new LabopsError(
      'CONFLICT',
      msg('iso.isoDomain.notLabExport', {
        domain: domain.name,
        address: domain.storage.address ?? verbatim('?'),
        path: domain.storage.path ?? verbatim('?'),
      }),
      { hint: msg('iso.isoDomain.notLabExportHint') },
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
      summary: msg('iso.isoDomain.uploadSummary', {
        iso: name,
        size: bytes(probe.sizeBytes),
        domain: domain.name,
      }),
      risk: 'change',
      impact: [
        msg('iso.isoDomain.download', {
          machine: ctx.lab.storage.machine,
          iso: name,
          source: describeSource(probe),
          path: exp.path,
          limit: duration(maxSeconds * 1000),
        }),
        sha256
          ? msg('iso.isoDomain.keepsChecked', { bytes: probe.sizeBytes, sha256 })
          : msg('iso.isoDomain.keeps', { bytes: probe.sizeBytes }),
        msg('iso.isoDomain.refreshed', { domain: domain.name }),
      ],
      warnings: isValidCdFileId(name) ? [] : [msg('iso.isoDomain.notCdName', { iso: name })],
      locks: [`domain:${domain.name}`],
      dependsOn: { [`domain ${domain.name}`]: domain.status ?? '?', [`iso ${name}`]: 'absent' },
    },
    [
      // curl's own bound (--max-time) plus time for the checks after it: the step outlasts curl.
      ...toStepSpecs(items, { timeoutMs: (maxSeconds + DOWNLOAD_CHECK_SECONDS) * 1000 }),
      {
        kind: 'iso.refresh-files',
        title: msg('iso.isoDomain.refreshStep', { domain: domain.name }),
        params: { domain: domain.name, name },
        shows: [verbatim(`GET /storagedomains/{${domain.name}}/files?refresh=true`)],
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
      summary: msg('iso.isoDomain.removeSummary', { iso: name, domain: domain.name }),
      risk: 'destructive',
      impact: [
        msg('iso.isoDomain.removes', {
          machine: ctx.lab.storage.machine,
          path: items[0]?.step.type === 'remove-file' ? items[0].step.path : name,
        }),
        msg('iso.isoDomain.refreshed', { domain: domain.name }),
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
        title: msg('iso.isoDomain.refreshStep', { domain: domain.name }),
        params: { domain: domain.name, name, expect: 'absent' },
        shows: [verbatim(`GET /storagedomains/{${domain.name}}/files?refresh=true`)],
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
    if (!domain) throw new LabopsError('NOT_FOUND', msg('iso.domain.gone', { domain: params.domain }));
    await ctx.engine.listIsoDomainFiles(domain.id, true);
    return { status: 'ok' };
  },
  async verify(ctx, params) {
    const domain = await findDomain(ctx, params.domain);
    const files = domain ? await ctx.engine.listIsoDomainFiles(domain.id, false) : [];
    const listed = files.some((f) => f.name === params.name);
    const words = { iso: params.name, domain: params.domain };
    if (listed !== (params.expect === 'present')) {
      throw new LabopsError(
        'CONFLICT',
        listed ? msg('iso.isoDomain.stillListed', words) : msg('iso.isoDomain.notListed', words),
      );
    }
    return listed ? msg('iso.isoDomain.listed', words) : msg('iso.isoDomain.noLongerListed', words);
  },
});
