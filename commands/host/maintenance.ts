import { z } from 'zod';
import {
  type CommandContext,
  createPlan,
  defineArgs,
  defineChange,
  flag,
  type Plan,
  positional,
} from '../../src/command.js';
import { MAINTENANCE_FAILURE_CODES } from '../../src/engine/engine-client.js';
import type { Host, Vm } from '../../src/engine/types.js';
import { formatEngineEvents } from '../../src/engine/wait.js';
import { LabopsError } from '../../src/errors.js';
import { compareNames } from '../../src/i18n/formats.js';
import { list, type Message, msg, type Text, verbatim } from '../../src/i18n/text.js';
import { defineStep, type StepContext } from '../../src/jobs/steps.js';
import { textArg } from '../../src/text.js';
import { findHostOrExplain, HostStepParams, hostArg, isRunning } from './hosts.js';

/** VMs the engine will not move by itself: pinned, or migratable only by hand. */
function isStuck(vm: Vm): boolean {
  return vm.affinity === 'pinned' || vm.affinity === 'user_migratable';
}

/** The maintenance plan: which VMs migrate where, which block, the SPM, and the risk they imply. */
export async function planMaintenance(
  ctx: CommandContext,
  name: string,
  reason: string | undefined,
): Promise<Plan> {
  const host = await findHostOrExplain(ctx, name);
  if (host.status === 'maintenance') {
    throw new LabopsError('CONFLICT', msg('host.maintenance.alreadyIn', { host: host.name }), {
      hint: msg('host.maintenance.alreadyInHint', { host: host.name }),
    });
  }
  if (host.status === 'preparing_for_maintenance') {
    throw new LabopsError('CONFLICT', msg('host.maintenance.alreadyGoing', { host: host.name }), {
      hint: msg('host.maintenance.alreadyGoingHint'),
    });
  }
  const [hosts, vms] = await Promise.all([ctx.engine.listHosts(), ctx.engine.listVms()]);
  const peers = hosts.filter((h) => h.id !== host.id && h.clusterId === host.clusterId);
  const targets = peers.filter((h) => h.status === 'up');
  const load = new Map(
    hosts.map((h) => [h.id, vms.filter((vm) => vm.hostId === h.id && isRunning(vm)).length]),
  );
  const resident = vms
    .filter((vm) => vm.hostId === host.id && isRunning(vm))
    .sort((a, b) => compareNames(a.name, b.name));

  const impact: Message[] = [];
  const blockers: Message[] = [];
  const riskReasons: Message[] = [];
  for (const vm of resident) {
    if (isStuck(vm)) {
      const placement = { vm: vm.name, host: host.name };
      blockers.push(
        vm.affinity === 'pinned'
          ? msg('host.maintenance.blockerPinned', placement)
          : msg('host.maintenance.blockerManual', placement),
      );
      continue;
    }
    // The engine's scheduler picks the target; the least loaded up host is what it usually picks.
    const target = [...targets].sort((a, b) => (load.get(a.id) ?? 0) - (load.get(b.id) ?? 0))[0];
    if (!target) {
      blockers.push(msg('host.maintenance.blockerNoTarget', { vm: vm.name }));
      continue;
    }
    load.set(target.id, (load.get(target.id) ?? 0) + 1);
    impact.push(msg('host.maintenance.migrates', { vm: vm.name, target: target.name }));
  }
  if (resident.length === 0) impact.push(msg('host.maintenance.noVms', { host: host.name }));
  if (host.isSpm) {
    impact.push(
      targets.length
        ? msg('host.maintenance.spmMoves', { host: host.name })
        : msg('host.maintenance.spmStops', { host: host.name }),
    );
  }
  if (host.status === 'up' && targets.length === 0) {
    riskReasons.push(msg('host.maintenance.lastActive', { host: host.name }));
  }
  if (blockers.length) riskReasons.push(msg('host.maintenance.stranded'));

  const dependsOn: Record<string, string> = {};
  for (const h of [host, ...peers]) dependsOn[`host ${h.name}`] = h.status + (h.isSpm ? ', SPM' : '');
  for (const vm of resident) dependsOn[`vm ${vm.name}`] = `${vm.status} on ${host.name}, ${vm.affinity}`;

  const steps: Plan['steps'] = [
    {
      kind: 'host.deactivate',
      title: msg('host.maintenance.title', { host: host.name }),
      params: { hostName: host.name, ...(reason ? { reason } : {}) },
      shows: [
        verbatim(`POST /hosts/{${host.name}}/deactivate`),
        msg('pipeline.shows.waitFor', { target: host.name, state: 'maintenance' }),
      ],
    },
  ];
  if (host.isSpm && targets.length) {
    steps.push({
      kind: 'datacenter.wait-up',
      title: msg('host.maintenance.waitDataCenter', { dataCenter: ctx.lab.dataCenter }),
      params: { dataCenter: ctx.lab.dataCenter },
      shows: [
        msg('pipeline.shows.untilUp', { call: verbatim('GET /datacenters'), target: ctx.lab.dataCenter }),
      ],
    });
  }
  return createPlan({
    summary: reason
      ? msg('host.maintenance.titleReason', { host: host.name, reason: verbatim(reason) })
      : msg('host.maintenance.title', { host: host.name }),
    risk: riskReasons.length ? 'critical' : 'destructive',
    riskReasons,
    impact,
    blockers,
    locks: [`host:${host.name}`],
    dependsOn,
    steps,
  });
}

export const maintenance = defineChange({
  name: 'maintenance',
  summary: msg('host.help.maintenance'),
  usage: 'maintenance HOST [--reason TEXT]',
  examples: ['/host maintenance hyper1', '/host maintenance hyper2 --reason "kernel update"'],
  args: defineArgs({
    host: positional(hostArg, msg('host.help.maintenanceHost')),
    reason: flag(textArg().max(200).optional(), msg('host.help.maintenanceReason')),
  }),
  risk: 'destructive',
  plan: (ctx, args) => planMaintenance(ctx, args.host, args.reason),
});

/**
 * A maintenance the engine failed: every failure event since the deactivate (166 for each VM that
 * has nowhere to go, 65/140 for a failed migration, 17 for the host), read again now so those the
 * engine logged after the wait stopped are shown too (issue 9 §5), each in the step's output and
 * all in the message.
 */
async function explainMaintenanceFailure(
  ctx: StepContext,
  host: Host,
  since: number,
  error: unknown,
): Promise<unknown> {
  if (!(error instanceof LabopsError) || error.code !== 'ENGINE_REJECTED') return error;
  const events = await ctx.engine
    .listFailureEvents(since, MAINTENANCE_FAILURE_CODES, { hostId: host.id })
    .catch(() => []);
  if (events.length === 0) return error;
  const descriptions = [...new Set(events.map((e) => e.description))];
  for (const text of descriptions) ctx.output(`engine: ${text}`);
  const reported: Text = formatEngineEvents(descriptions);
  return new LabopsError(
    'ENGINE_REJECTED',
    msg('host.maintenance.failed', { host: host.name, events: reported }),
    {
      // The engine's own words, as it wrote them.
      details: descriptions.map(verbatim),
      hint: msg('host.maintenance.failedHint', { host: host.name }),
    },
  );
}

export const deactivateStep = defineStep({
  kind: 'host.deactivate',
  params: HostStepParams,
  async run(ctx, params) {
    const host = await ctx.engine.findHost(params.hostName);
    if (host.status === 'maintenance') {
      return { status: 'ok', detail: msg('host.maintenance.wasAlready', { host: params.hostName }) };
    }
    const since = await ctx.engine.getLastEventIndex();
    await ctx.engine.deactivateHost(host.id, params.reason);
    let last = '';
    try {
      await ctx.engine.waitForHostStatus(host.id, ['maintenance'], {
        sinceEventIndex: since,
        onPollText: (seen) => {
          const said = JSON.stringify(seen);
          if (said !== last) ctx.output(msg('engine.wait.seen', { object: params.hostName, state: seen }));
          last = said;
        },
      });
    } catch (error) {
      throw await explainMaintenanceFailure(ctx, host, since, error);
    }
    return { status: 'changed' };
  },
  async verify(ctx, params) {
    const host = await ctx.engine.findHost(params.hostName);
    if (host.status !== 'maintenance') {
      throw new LabopsError(
        'CONFLICT',
        msg('host.maintenance.notIn', { host: params.hostName, status: host.status }),
      );
    }
    const vms = await ctx.engine.listVms({ hostName: params.hostName });
    const left = vms.filter((vm) => vm.hostId === host.id && isRunning(vm));
    if (left.length) {
      throw new LabopsError(
        'CONFLICT',
        msg('host.maintenance.stillRun', {
          vms: list(left.map((v) => v.name)),
          count: left.length,
          host: params.hostName,
        }),
      );
    }
    return msg('host.maintenance.done', { host: params.hostName });
  },
});

export const waitDataCenterUpStep = defineStep({
  kind: 'datacenter.wait-up',
  params: z.object({ dataCenter: z.string() }),
  async run(ctx, params) {
    const dc = await ctx.engine.findDataCenter(params.dataCenter);
    await ctx.engine.waitForDataCenterUp(dc.id, {
      onPollText: (s) => ctx.output(msg('engine.wait.seen', { object: params.dataCenter, state: s })),
    });
    return { status: 'ok' };
  },
  async verify(ctx, params) {
    const [dc, hosts] = await Promise.all([
      ctx.engine.findDataCenter(params.dataCenter),
      ctx.engine.listHosts(),
    ]);
    const spm = hosts.find((h) => h.isSpm);
    return spm
      ? msg('host.dataCenter.stateSpm', { dataCenter: dc.name, status: dc.status, spm: spm.name })
      : msg('host.dataCenter.state', { dataCenter: dc.name, status: dc.status });
  },
});
