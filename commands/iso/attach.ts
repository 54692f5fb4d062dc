import { z } from 'zod';
import { schemaMessage } from '../../src/args.js';
import { createPlan, defineArgs, defineChange, flag, type Plan, positional } from '../../src/command.js';
import { LabopsError } from '../../src/errors.js';
import { msg, verbatim } from '../../src/i18n/text.js';
import { defineStep } from '../../src/jobs/steps.js';
import { textArg } from '../../src/text.js';
import { isoName, isValidCdFileId, listIsos } from './isos.js';

const vmName = textArg()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, schemaMessage(msg('iso.arg.vmForm')));

/**
 * When a CD change shows: `now` until the VM stops, `always` (now and at every boot), or at the
 * VM's `nextBoot`.
 */
export type CdWhen = 'now' | 'always' | 'nextBoot';

/**
 * Where a CD change goes, from the VM's status (§5.1, issue 9 §3): a VM that is up gets the hot
 * change (`current`) — with `persist`, the saved configuration too; a VM that is down gets the
 * saved configuration, seen at its next boot. Any other status is refused with the reason.
 */
export function chooseCdViews(
  vm: string,
  status: string,
  persist: boolean,
): { views: ('current' | 'saved')[]; when: CdWhen } {
  if (status === 'up') {
    return persist ? { views: ['current', 'saved'], when: 'always' } : { views: ['current'], when: 'now' };
  }
  if (status === 'down') return { views: ['saved'], when: 'nextBoot' };
  if (status === 'paused' || status === 'suspended') {
    throw new LabopsError('CONFLICT', msg('iso.attach.paused', { vm, status }), {
      hint: msg('iso.attach.pausedHint'),
    });
  }
  if (status === 'migrating') {
    throw new LabopsError('CONFLICT', msg('iso.attach.migrating', { vm }), {
      hint: msg('iso.attach.migratingHint'),
    });
  }
  throw new LabopsError('CONFLICT', msg('iso.attach.between', { vm, status }), {
    hint: msg('iso.attach.betweenHint'),
  });
}

/** The plan's summary, impact and step title for each `CdWhen`. */
const CD_CHANGE = {
  now: { summary: 'iso.attach.summaryNow', impact: 'iso.attach.impactNow', step: 'iso.attach.stepNow' },
  always: {
    summary: 'iso.attach.summaryAlways',
    impact: 'iso.attach.impactAlways',
    step: 'iso.attach.stepAlways',
  },
  nextBoot: {
    summary: 'iso.attach.summaryNextBoot',
    impact: 'iso.attach.impactNextBoot',
    step: 'iso.attach.stepNextBoot',
  },
} as const satisfies Record<CdWhen, { summary: string; impact: string; step: string }>;

export const attach = defineChange({
  name: 'attach',
  summary: msg('iso.help.attach'),
  usage: 'attach VM ISO [--persist] [--run-once]',
  examples: [
    '/iso attach web1 CentOS-7-x86_64-Minimal-2003.iso',
    '/iso attach web1 alma9.iso --persist',
    '/iso attach app1 alma9.iso --run-once',
  ],
  args: defineArgs({
    vm: positional(vmName, msg('iso.help.attachVm')),
    iso: positional(isoName, msg('iso.help.isoFromList')),
    persist: flag(z.boolean().optional(), msg('iso.help.attachPersist')),
    'run-once': flag(z.boolean().optional(), msg('iso.help.attachRunOnce')),
  }),
  risk: 'change',
  async plan(ctx, args): Promise<Plan> {
    if (args.runOnce && args.persist) {
      throw new LabopsError('USAGE', msg('iso.attach.persistWithRunOnce'));
    }
    const [vm, { isos }] = await Promise.all([
      ctx.engine.findVm(args.vm).catch((error: unknown) => {
        throw error instanceof LabopsError && error.code === 'NOT_FOUND'
          ? new LabopsError('NOT_FOUND', msg('iso.attach.noVm', { vm: args.vm }), {
              hint: msg('iso.attach.noVmHint'),
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
          ? msg('iso.attach.incomplete', { iso: args.iso })
          : msg('iso.lab.notFound', { iso: args.iso }),
        {
          hint: unfinished
            ? msg('iso.attach.incompleteHint', { iso: args.iso })
            : msg('iso.attach.notFoundHint'),
        },
      );
    }
    if (!isValidCdFileId(iso.fileId)) {
      throw new LabopsError('CONFLICT', msg('iso.attach.notCdFile', { iso: iso.name }), {
        hint: msg('iso.attach.notCdFileHint', { stem: iso.name.replace(/\.[^.]*$/, '') }),
      });
    }
    if (args.runOnce) {
      if (vm.status !== 'down') {
        throw new LabopsError(
          'CONFLICT',
          msg('iso.attach.runOnceNotDown', { vm: vm.name, status: vm.status }),
          {
            hint: msg('iso.attach.runOnceNotDownHint', { vm: vm.name, iso: iso.name }),
          },
        );
      }
      return createPlan({
        summary: msg('iso.attach.runOnceSummary', { vm: vm.name, iso: iso.name }),
        risk: 'change',
        impact: [msg('iso.attach.runOnceImpact', { vm: vm.name, iso: iso.name })],
        locks: [`vm:${vm.name}`],
        dependsOn: { [`vm ${vm.name}`]: vm.status, [`iso ${iso.name}`]: iso.status ?? 'ok' },
        steps: [
          {
            kind: 'vm.run-once-cd',
            title: msg('iso.attach.runOnceStep', { vm: vm.name, iso: iso.name }),
            params: { vm: vm.name, fileId: iso.fileId, iso: iso.name },
            shows: [verbatim(`POST /vms/{${vm.name}}/start (boot cdrom, file ${iso.fileId})`)],
          },
        ],
      });
    }
    const { views, when } = chooseCdViews(vm.name, vm.status, args.persist === true);
    const words = { vm: vm.name, iso: iso.name };
    // The ISO the CD holds now, kept with the step so a Revert can put it back (issue 15 §3). Not
    // knowing it only means no Revert: the change itself does not depend on it.
    const previousFile = await ctx.engine
      .getCdromFile(vm.id, { current: views[0] === 'current' })
      .catch(() => undefined);
    const previousIso =
      previousFile && previousFile !== iso.fileId
        ? isos.find((i) => i.fileId === previousFile)?.name
        : undefined;
    return createPlan({
      summary: msg(CD_CHANGE[when].summary, words),
      risk: 'change',
      impact: [msg(CD_CHANGE[when].impact, words)],
      locks: [`vm:${vm.name}`],
      dependsOn: { [`vm ${vm.name}`]: vm.status, [`iso ${iso.name}`]: iso.status ?? 'ok' },
      steps: [
        {
          kind: 'vm.change-cd',
          title: msg(CD_CHANGE[when].step, words),
          params: {
            vm: vm.name,
            fileId: iso.fileId,
            iso: iso.name,
            views,
            ...(previousIso ? { previousIso } : {}),
          },
          shows: views.map((v) =>
            verbatim(
              `PUT /vms/{${vm.name}}/cdroms/{cdrom}${v === 'current' ? '?current=true' : ''} (file ${iso.fileId})`,
            ),
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

/** The end state's words for the views a change made: the running VM, its saved configuration, or both. */
function describeViews(
  views: readonly ('current' | 'saved')[],
): 'iso.attach.heldAlways' | 'iso.attach.heldNow' | 'iso.attach.heldNextBoot' {
  return views.includes('current')
    ? views.includes('saved')
      ? 'iso.attach.heldAlways'
      : 'iso.attach.heldNow'
    : 'iso.attach.heldNextBoot';
}

export const changeCdStep = defineStep({
  kind: 'vm.change-cd',
  params: ChangeCdParams,
  async run(ctx, params) {
    const vm = await ctx.engine.findVm(params.vm);
    if (params.views.includes('current') && vm.status !== 'up') {
      throw new LabopsError('CONFLICT', msg('iso.attach.notRunning', { vm: params.vm, status: vm.status }), {
        hint: msg('iso.attach.againHint', { vm: params.vm, iso: params.iso }),
      });
    }
    let changed = false;
    for (const view of params.views) {
      const current = view === 'current';
      if ((await ctx.engine.getCdromFile(vm.id, { current })) === params.fileId) continue;
      await ctx.engine.changeCdrom(vm.id, params.fileId, { current });
      changed = true;
    }
    return changed
      ? { status: 'changed' }
      : { status: 'ok', detail: msg('iso.attach.alreadyThere', { iso: params.iso }) };
  },
  async verify(ctx, params) {
    const vm = await ctx.engine.findVm(params.vm);
    for (const view of params.views) {
      const file = await ctx.engine.getCdromFile(vm.id, {
        current: view === 'current',
      });
      if (file !== params.fileId) {
        const words = { vm: params.vm, iso: params.iso };
        const now = view === 'current';
        throw new LabopsError(
          'CONFLICT',
          file === undefined
            ? msg(now ? 'iso.attach.holdsNothingNow' : 'iso.attach.holdsNothingSaved', words)
            : msg(now ? 'iso.attach.holdsNow' : 'iso.attach.holdsSaved', { ...words, file }),
          { hint: msg(now ? 'iso.attach.holdsNowHint' : 'iso.attach.holdsSavedHint', words) },
        );
      }
    }
    return msg(describeViews(params.views), { vm: params.vm, iso: params.iso });
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
      onPollText: (s) => ctx.output(msg('engine.wait.seen', { object: params.vm, state: s })),
    });
    return { status: 'changed' };
  },
  async verify(ctx, params) {
    const vm = await ctx.engine.findVm(params.vm);
    if (vm.status !== 'up') {
      throw new LabopsError('CONFLICT', msg('iso.attach.notUp', { vm: params.vm, status: vm.status }));
    }
    return msg('iso.attach.bootedFrom', { vm: params.vm, iso: params.iso });
  },
});
