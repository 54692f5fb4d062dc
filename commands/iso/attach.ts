import { z } from 'zod';
import { createPlan, defineArgs, defineChange, flag, type Plan, positional } from '../../src/command.js';
import { LabopsError } from '../../src/errors.js';
import { defineStep } from '../../src/jobs/steps.js';
import { textArg } from '../../src/text.js';
import { isoName, isValidCdFileId, listIsos } from './isos.js';

const vmName = textArg()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'must be a VM name');

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

export const attach = defineChange({
  name: 'attach',
  summary: "Put an ISO in a VM's CD drive, or boot it once from the ISO (--run-once)",
  usage: 'attach VM ISO [--persist] [--run-once]',
  examples: [
    '/iso attach web1 CentOS-7-x86_64-Minimal-2003.iso',
    '/iso attach web1 alma9.iso --persist',
    '/iso attach app1 alma9.iso --run-once',
  ],
  args: defineArgs({
    vm: positional(vmName, 'the VM'),
    iso: positional(isoName, 'an ISO from /iso list'),
    persist: flag(
      z.boolean().optional(),
      'a running VM keeps the ISO at every boot too (by default only until it stops)',
    ),
    'run-once': flag(z.boolean().optional(), 'start the VM once booting from the CD (the VM must be down)'),
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
      ctx.engine.findVm(args.vm).catch((error: unknown) => {
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
      return createPlan({
        summary: `Boot ${vm.name} once from ${iso.name}`,
        risk: 'change',
        impact: [
          `${vm.name} starts and boots from ${iso.name} (run once); its next boot is from disk again.`,
        ],
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
      });
    }
    const { views, when } = chooseCdViews(vm.name, vm.status, args.persist === true);
    return createPlan({
      summary: `Put ${iso.name} in ${vm.name}'s CD drive ${when}`,
      risk: 'change',
      impact: [
        views.includes('current')
          ? views.includes('saved')
            ? `${vm.name} sees ${iso.name} in its CD drive now, and its saved configuration keeps it at every boot.`
            : `${vm.name} sees ${iso.name} in its CD drive now, until it stops; its saved configuration is unchanged (--persist keeps it at every boot).`
          : `${vm.name} is down: its saved configuration gets ${iso.name}, which shows at its next boot.`,
      ],
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
    });
  },
});

const CdParams = z.object({ vm: z.string(), fileId: z.string(), iso: z.string() });
const ChangeCdParams = CdParams.extend({
  /** The views the plan changes; jobs planned before views existed changed the saved one. */
  views: z
    .array(z.enum(['current', 'saved']))
    .min(1)
    .default(['saved']),
});

function describeViews(views: readonly ('current' | 'saved')[]): string {
  return views.includes('current')
    ? views.includes('saved')
      ? 'now and in its saved configuration'
      : 'now (until it stops)'
    : 'in its saved configuration (from its next boot)';
}

export const changeCdStep = defineStep({
  kind: 'vm.change-cd',
  params: ChangeCdParams,
  async run(ctx, params) {
    const vm = await ctx.engine.findVm(params.vm);
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
      if ((await ctx.engine.getCdromFile(vm.id, { current })) === params.fileId) continue;
      await ctx.engine.changeCdrom(vm.id, params.fileId, { current });
      changed = true;
    }
    return changed ? { status: 'changed' } : { status: 'ok', detail: `${params.iso} is already there` };
  },
  async verify(ctx, params) {
    const vm = await ctx.engine.findVm(params.vm);
    for (const view of params.views) {
      const file = await ctx.engine.getCdromFile(vm.id, {
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
});

export const runOnceCdStep = defineStep({
  kind: 'vm.run-once-cd',
  params: CdParams,
  async run(ctx, params) {
    const vm = await ctx.engine.findVm(params.vm);
    // Read before the start: the engine's failed-run event after it ends the wait at once (§6.5).
    const sinceEventIndex = await ctx.engine.getLastEventIndex();
    await ctx.engine.startVm(vm.id, { bootIso: params.fileId });
    await ctx.engine.waitForVmStatus(vm.id, ['up'], {
      sinceEventIndex,
      onPoll: (s) => ctx.output(`${params.vm}: ${s}`),
    });
    return { status: 'changed' };
  },
  async verify(ctx, params) {
    const vm = await ctx.engine.findVm(params.vm);
    if (vm.status !== 'up') throw new LabopsError('CONFLICT', `${params.vm} is ${vm.status}, not up.`);
    return `${params.vm} is up, booted from ${params.iso}`;
  },
});
