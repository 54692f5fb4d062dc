import { schemaMessage } from '../../src/args.js';
import type { CommandContext } from '../../src/command.js';
import type { SourceProbe } from '../../src/downloads.js';
import { classifyDisk, type DiskOrigin, parseDiskMark } from '../../src/engine/disk-mark.js';
import type { Disk, StorageDomain } from '../../src/engine/types.js';
import { LabopsError } from '../../src/errors.js';
import { list, type Message, msg } from '../../src/i18n/text.js';
import type { StepContext } from '../../src/jobs/steps.js';
import { textArg } from '../../src/text.js';
import { findDataCenterId } from '../lab-state.js';

export const ISO_NAME = /^[A-Za-z0-9][A-Za-z0-9._+-]{0,200}$/;
export const isoName = textArg().regex(ISO_NAME, schemaMessage(msg('iso.arg.isoForm')));

/** A GUID as the engine matches it (ValidationUtils.GUID). */
const GUID = /^[a-fA-F0-9]{8}-[a-fA-F0-9]{4}-[a-fA-F0-9]{4}-[a-fA-F0-9]{4}-[a-fA-F0-9]{12}$/;

export interface IsoEntry {
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
export async function listIsos(ctx: CommandContext): Promise<{ isos: IsoEntry[]; domains: StorageDomain[] }> {
  const dcId = await findDataCenterId(ctx);
  const [domains, disks] = await Promise.all([
    ctx.engine.listAttachedStorageDomains(dcId),
    ctx.engine.listIsoDisks(),
  ]);
  const isoDomains = domains.filter((d) => d.type === 'iso' && d.status === 'active');
  const files = await Promise.all(
    isoDomains.map(async (d) =>
      (await ctx.engine.listIsoDomainFiles(d.id, true)).map(
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
  // The jobs named by labops's disk marks, read once: a mark's job says whether an upload is
  // still running or ended (src/engine/disk-mark.ts).
  const markedJobs = [...new Set(disks.flatMap((d) => parseDiskMark(d.description)?.jobId ?? []))];
  const statuses = new Map(
    await Promise.all(markedJobs.map(async (id) => [id, (await ctx.jobs.get(id))?.status] as const)),
  );
  const jobStatus = (id: string) => statuses.get(id);
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

/**
 * The VMs whose CD drive holds one of `fileIds`, in words ("web1 (now)", "app1 (at its next
 * boot)"): the saved configuration, and for a VM that runs, what it has now (§5.1).
 */
export async function findCdHolders(ctx: CommandContext, fileIds: ReadonlySet<string>): Promise<Message[]> {
  const vms = await ctx.engine.listVms();
  const held = await Promise.all(
    vms.map(async (vm) => {
      const saved = await ctx.engine.getCdromFile(vm.id);
      const current =
        vm.status === 'down'
          ? undefined
          : await ctx.engine.getCdromFile(vm.id, { current: true }).catch((error: unknown) => {
              // A VM without a CD drive has no current view either.
              if (error instanceof LabopsError && error.code === 'CONFLICT') return undefined;
              throw error;
            });
      const now = current !== undefined && fileIds.has(current);
      const next = saved !== undefined && fileIds.has(saved);
      if (now && next) return msg('iso.holder.nowAndNextBoot', { vm: vm.name });
      if (now) return msg('iso.holder.now', { vm: vm.name });
      if (next) return msg('iso.holder.nextBoot', { vm: vm.name });
      return undefined;
    }),
  );
  return held.filter((h) => h !== undefined);
}

/** Refuses to remove or replace an ISO while a VM's CD drive holds it, naming the VMs. */
export function refuseWhileHeld(
  iso: string,
  holders: readonly Message[],
  doing: 'removed' | 'replaced',
): void {
  if (holders.length === 0) return;
  const vms = list(holders);
  throw new LabopsError(
    'CONFLICT',
    doing === 'removed'
      ? msg('iso.held.removed', { iso, holders: vms })
      : msg('iso.held.replaced', { iso, holders: vms }),
    { hint: msg('iso.held.hint') },
  );
}

/** Where a source is, as approvers see it: the host, and the address labops checked and connects to. */
export function describeSource(probe: SourceProbe): string {
  const host = new URL(probe.url).hostname;
  return host === probe.address || host === `[${probe.address}]` ? host : `${host} (${probe.address})`;
}

/** The engine's rule for a CD file id (ChangeDiskCommand, 4.3 and 4.4): a disk id, or a name ending in .iso. */
export function isValidCdFileId(fileId: string): boolean {
  return GUID.test(fileId) || fileId.toLowerCase().endsWith('.iso');
}

export async function findDomain(ctx: StepContext, name: string): Promise<StorageDomain | undefined> {
  const dcId = await findDataCenterId(ctx);
  return (await ctx.engine.listAttachedStorageDomains(dcId)).find((d) => d.name === name);
}
