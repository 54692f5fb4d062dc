import { LabopsError } from '../errors.js';
import { msg, verbatim } from '../i18n/text.js';
import { getDisk } from './disks.js';
import {
  type CallOptions,
  type EngineContext,
  findNamed,
  getJson,
  listStates,
  quoteSearch,
  runWait,
  seg,
  toRequestOptions,
  type WaitCallOptions,
} from './engine-context.js';
import { listFailureEvents } from './events.js';
import { CdromSchema, collectionOf, DiskAttachmentSchema, toVm, VmSchema } from './schemas.js';
import type { Disk, Vm } from './types.js';

/** A CD drive's two views (§5.1): the saved configuration, or what a running VM has now. */
export interface CdromCallOptions extends CallOptions {
  current?: boolean | undefined;
}

/**
 * Engine event codes that mean a VM start failed for good (AuditLogType, ovirt-engine-4.3): 54
 * USER_FAILED_RUN_VM, logged by RunVmCommandBase.runningFailed once the engine gives up after its
 * reruns on other hosts; 70 a stateless start that failed; the storage-error pauses 138/139/145/146.
 */
export const VM_START_FAILURE_CODES = [54, 70, 138, 139, 145, 146] as const;
/**
 * One host's failed attempt, not final (ovirt-engine-4.3): VmAnalyzer.proceedDownVm logs 119
 * VM_DOWN_ERROR and sets the VM down, then the engine reruns the start on another host and logs 151
 * USER_INITIATED_RUN_VM_FAILED. They never end a wait; they are listed with a final failure, as 119
 * carries the exit message that says why.
 */
export const VM_START_ATTEMPT_CODES = [119, 151] as const;
/**
 * Polls in a row that must see a started VM `down` before the wait calls the start failed without a
 * final event: during a rerun the VM is down for one monitoring cycle (well under the 3 s poll
 * interval) before the engine launches it elsewhere, so one `down` poll proves nothing.
 */
export const VM_DOWN_POLLS_TO_FAIL = 2;
/** VM statuses on the way to `up` (§6.3). */
const VM_STARTING = new Set(['wait_for_launch', 'powering_up', 'reboot_in_progress', 'restoring_state']);
/** VM statuses a starting VM does not leave by itself (§6.3). */
const VM_FAILED = new Set(['not_responding', 'unknown']);

export async function listVms(
  context: EngineContext,
  filter: { hostName?: string } = {},
  options: CallOptions = {},
): Promise<Vm[]> {
  const query = filter.hostName ? { search: `host=${quoteSearch(filter.hostName)}` } : undefined;
  const list = await getJson(context, '/vms', collectionOf('vm', VmSchema), options, query);
  return list.map(toVm);
}

export async function getVm(context: EngineContext, id: string, options: CallOptions = {}): Promise<Vm> {
  return toVm(await getJson(context, `/vms/${seg(id)}`, VmSchema, options));
}

export async function findVm(context: EngineContext, name: string, options: CallOptions = {}): Promise<Vm> {
  const collection = collectionOf('vm', VmSchema);
  return findNamed(context, { path: '/vms', schema: collection, toItem: toVm, kind: 'vm' }, name, options);
}

/** Starts a VM; with `bootIso` it is the guide's run-once boot from CD (§5.1, §6.3). */
export async function startVm(
  context: EngineContext,
  id: string,
  run: { bootIso?: string } = {},
  options: CallOptions = {},
): Promise<void> {
  const body = run.bootIso
    ? {
        vm: {
          os: { boot: { devices: { device: ['cdrom', 'hd'] } } },
          cdroms: { cdrom: [{ file: { id: run.bootIso } }] },
        },
      }
    : {};
  await context.transport.action(`/vms/${seg(id)}/start`, body, toRequestOptions(context, options));
}

/** The VM's disks (through its disk attachments). */
export async function listVmDisks(
  context: EngineContext,
  vmId: string,
  options: CallOptions = {},
): Promise<Disk[]> {
  const attachments = await getJson(
    context,
    `/vms/${seg(vmId)}/diskattachments`,
    collectionOf('disk_attachment', DiskAttachmentSchema),
    options,
  );
  const disks = await Promise.all(
    attachments.map((a) => (a.disk ? getDisk(context, a.disk.id, options) : undefined)),
  );
  return disks.filter((d): d is Disk => d !== undefined);
}

/** The id of the VM's CD drive (the engine's is all zeros; read it rather than assume it). */
export async function getCdromId(
  context: EngineContext,
  vmId: string,
  options: CallOptions = {},
): Promise<string> {
  const drives = await getJson(
    context,
    `/vms/${seg(vmId)}/cdroms`,
    collectionOf('cdrom', CdromSchema),
    options,
  );
  const id = drives[0]?.id;
  if (id === undefined) {
    throw new LabopsError('CONFLICT', msg('engine.vm.noCdDrive', { vm: vmId }), {
      hint: msg('engine.vm.noCdDriveHint'),
    });
  }
  return id;
}

/**
 * The file in the VM's CD drive, or `undefined` when it is empty. The list `GET .../cdroms`
 * always shows the saved configuration; `current` reads what a running VM has now
 * (`GET .../cdroms/{id}?current=true`, §5.1).
 */
export async function getCdromFile(
  context: EngineContext,
  vmId: string,
  options: CdromCallOptions = {},
): Promise<string | undefined> {
  if (!options.current) {
    const drives = await getJson(
      context,
      `/vms/${seg(vmId)}/cdroms`,
      collectionOf('cdrom', CdromSchema),
      options,
    );
    return drives[0]?.file?.id;
  }
  const cdromId = await getCdromId(context, vmId, options);
  const drive = await getJson(context, `/vms/${seg(vmId)}/cdroms/${seg(cdromId)}`, CdromSchema, options, {
    current: 'true',
  });
  return drive.file?.id;
}

/**
 * Puts an ISO in the VM's CD drive; an empty id ejects it (§5.1). Without `current` the change
 * goes to the saved configuration and shows at the next boot; with it, a running VM's drive
 * changes now (the hot change), until the VM stops.
 */
export async function changeCdrom(
  context: EngineContext,
  vmId: string,
  fileId: string,
  options: CdromCallOptions = {},
): Promise<void> {
  const cdromId = await getCdromId(context, vmId, options);
  await context.transport.request({
    method: 'PUT',
    path: `/vms/${seg(vmId)}/cdroms/${seg(cdromId)}`,
    query: options.current ? { current: 'true' } : undefined,
    body: { file: { id: fileId } },
    ...toRequestOptions(context, options),
  });
}

export async function stopVm(context: EngineContext, id: string, options: CallOptions = {}): Promise<void> {
  await context.transport.action(`/vms/${seg(id)}/stop`, {}, toRequestOptions(context, options));
}

export async function removeVm(context: EngineContext, id: string, options: CallOptions = {}): Promise<void> {
  await context.transport.request({
    method: 'DELETE',
    path: `/vms/${seg(id)}`,
    ...toRequestOptions(context, options),
  });
}

/**
 * Waits until the VM is in one of `target`. Waiting for `up` (a start or a run-once) fails early:
 * on `down` seen on VM_DOWN_POLLS_TO_FAIL polls in a row after the VM was seen starting, on
 * not_responding/unknown, on a pause (the engine pauses a starting VM on a storage error), and —
 * with `sinceEventIndex` — on the engine's final failed-start events for this VM. A single `down`
 * with event 119 is one host's failure the engine reruns elsewhere, not the end.
 */
export async function waitForVmStatus(
  context: EngineContext,
  id: string,
  target: readonly string[],
  options: WaitCallOptions = {},
): Promise<Vm> {
  const wantsUp = target.includes('up');
  let name = id;
  /** The first starting status seen: the start got under way. */
  let left: string | undefined;
  /** `down` polls in a row since the VM was seen starting. */
  let downPolls = 0;
  return runWait(
    context,
    {
      description: () => msg('engine.wait.vmStatus', { vm: name, states: listStates(target) }),
      read: async (signal) => {
        const vm = await getVm(context, id, { signal });
        name = vm.name;
        return vm;
      },
      isDone: (vm) => target.includes(vm.status),
      failure: (vm) => {
        if (!wantsUp || target.includes(vm.status)) return undefined;
        downPolls = vm.status === 'down' && left !== undefined ? downPolls + 1 : 0;
        if (downPolls >= VM_DOWN_POLLS_TO_FAIL) {
          return msg('engine.wait.vmStartFailed', {
            vm: vm.name,
            left: verbatim(left ?? ''),
            polls: downPolls,
          });
        }
        if (VM_STARTING.has(vm.status)) left ??= vm.status;
        if (VM_FAILED.has(vm.status))
          return msg('engine.wait.vmIs', { vm: vm.name, status: verbatim(vm.status) });
        if (vm.status === 'paused') return msg('engine.wait.vmPaused', { vm: vm.name });
        return undefined;
      },
      show: (vm) => verbatim(vm.status),
      ...(wantsUp && options.sinceEventIndex !== undefined
        ? {
            failureEvents: async (signal: AbortSignal | undefined) => {
              const events = await listFailureEvents(
                context,
                options.sinceEventIndex ?? 0,
                [...VM_START_FAILURE_CODES, ...VM_START_ATTEMPT_CODES],
                { vmId: id, signal },
              );
              const final = events.some((e) =>
                (VM_START_FAILURE_CODES as readonly number[]).includes(e.code),
              );
              return final ? events.map((e) => e.description) : [];
            },
          }
        : {}),
    },
    options,
    context.waits.short,
  );
}
