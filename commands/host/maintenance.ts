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
    throw new LabopsError('CONFLICT', `${host.name} is already in maintenance.`, {
      hint: `/host activate ${host.name} brings it back.`,
    });
  }
  if (host.status === 'preparing_for_maintenance') {
    throw new LabopsError(
      'CONFLICT',
      `${host.name} is already going into maintenance (preparing_for_maintenance).`,
      {
        hint: 'Its VMs are migrating; /host status shows where it stands. A VM that cannot migrate keeps it there.',
      },
    );
  }
  const [hosts, vms] = await Promise.all([ctx.engine.listHosts(), ctx.engine.listVms()]);
  const peers = hosts.filter((h) => h.id !== host.id && h.clusterId === host.clusterId);
  const targets = peers.filter((h) => h.status === 'up');
  const load = new Map(
    hosts.map((h) => [h.id, vms.filter((vm) => vm.hostId === h.id && isRunning(vm)).length]),
  );
  const resident = vms
    .filter((vm) => vm.hostId === host.id && isRunning(vm))
    .sort((a, b) => a.name.localeCompare(b.name));

  const impact: string[] = [];
  const blockers: string[] = [];
  const riskReasons: string[] = [];
  for (const vm of resident) {
    if (isStuck(vm)) {
      blockers.push(
        `${vm.name} is ${vm.affinity === 'pinned' ? 'pinned to' : 'migratable only by hand from'} ${host.name}: the engine will not move it, so ${host.name} will stay in preparing_for_maintenance until it is stopped or migrated.`,
      );
      continue;
    }
    // The engine's scheduler picks the target; the least loaded up host is what it usually picks.
    const target = [...targets].sort((a, b) => (load.get(a.id) ?? 0) - (load.get(b.id) ?? 0))[0];
    if (!target) {
      blockers.push(`${vm.name} has nowhere to go: no other host of the cluster is up.`);
      continue;
    }
    load.set(target.id, (load.get(target.id) ?? 0) + 1);
    impact.push(`${vm.name} → ${target.name} (live migration)`);
  }
  if (resident.length === 0) impact.push(`No VMs run on ${host.name}; nothing migrates.`);
  if (host.isSpm) {
    impact.push(
      targets.length
        ? `${host.name} is the SPM: the role moves to another host and the data center is briefly not up.`
        : `${host.name} is the SPM and no other host is up to take the role: storage operations stop.`,
    );
  }
  if (host.status === 'up' && targets.length === 0) {
    riskReasons.push(`${host.name} is the last active host of its cluster.`);
  }
  if (blockers.length) riskReasons.push('VMs would be stranded on it.');

  const dependsOn: Record<string, string> = {};
  for (const h of [host, ...peers]) dependsOn[`host ${h.name}`] = h.status + (h.isSpm ? ', SPM' : '');
  for (const vm of resident) dependsOn[`vm ${vm.name}`] = `${vm.status} on ${host.name}, ${vm.affinity}`;

  const steps: Plan['steps'] = [
    {
      kind: 'host.deactivate',
      title: `Put ${host.name} into maintenance`,
      params: { hostName: host.name, ...(reason ? { reason } : {}) },
      shows: [`POST /hosts/{${host.name}}/deactivate`, `wait until ${host.name} is in maintenance`],
    },
  ];
  if (host.isSpm && targets.length) {
    steps.push({
      kind: 'datacenter.wait-up',
      title: `Wait for data center ${ctx.lab.dataCenter} to be up with a new SPM`,
      params: { dataCenter: ctx.lab.dataCenter },
      shows: [`GET /datacenters (until ${ctx.lab.dataCenter} is up)`],
    });
  }
  return createPlan({
    summary: `Put ${host.name} into maintenance${reason ? ` (${reason})` : ''}`,
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
  summary: 'Migrate the VMs away and put a host into maintenance',
  usage: 'maintenance HOST [--reason TEXT]',
  examples: ['/host maintenance hyper1', '/host maintenance hyper2 --reason "kernel update"'],
  args: defineArgs({
    host: positional(hostArg, 'the host to put into maintenance'),
    reason: flag(textArg().max(200).optional(), 'why, shown in the engine and the audit trail'),
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
  return new LabopsError(
    'ENGINE_REJECTED',
    `The engine did not put ${host.name} into maintenance; it reported ${formatEngineEvents(descriptions)}`,
    {
      details: descriptions,
      hint: `A VM the engine cannot move keeps ${host.name} in preparing_for_maintenance: stop or migrate it, then run /host maintenance ${host.name} again (or /host activate ${host.name} to cancel).`,
    },
  );
}

export const deactivateStep = defineStep({
  kind: 'host.deactivate',
  params: HostStepParams,
  async run(ctx, params) {
    const host = await ctx.engine.findHost(params.hostName);
    if (host.status === 'maintenance')
      return { status: 'ok', detail: `${params.hostName} was already in maintenance` };
    const since = await ctx.engine.getLastEventIndex();
    await ctx.engine.deactivateHost(host.id, params.reason);
    let last = '';
    try {
      await ctx.engine.waitForHostStatus(host.id, ['maintenance'], {
        sinceEventIndex: since,
        onPoll: (seen) => {
          if (seen !== last) ctx.output(`${params.hostName}: ${seen}`);
          last = seen;
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
      throw new LabopsError('CONFLICT', `${params.hostName} is ${host.status}, not in maintenance.`);
    }
    const vms = await ctx.engine.listVms({ hostName: params.hostName });
    const left = vms.filter((vm) => vm.hostId === host.id && isRunning(vm));
    if (left.length) {
      throw new LabopsError(
        'CONFLICT',
        `${left.map((v) => v.name).join(', ')} still run on ${params.hostName}.`,
      );
    }
    return `${params.hostName} is in maintenance with no VMs`;
  },
});

export const waitDataCenterUpStep = defineStep({
  kind: 'datacenter.wait-up',
  params: z.object({ dataCenter: z.string() }),
  async run(ctx, params) {
    const dc = await ctx.engine.findDataCenter(params.dataCenter);
    await ctx.engine.waitForDataCenterUp(dc.id, {
      onPoll: (s) => ctx.output(`data center: ${s}`),
    });
    return { status: 'ok' };
  },
  async verify(ctx, params) {
    const [dc, hosts] = await Promise.all([
      ctx.engine.findDataCenter(params.dataCenter),
      ctx.engine.listHosts(),
    ]);
    const spm = hosts.find((h) => h.isSpm);
    return `data center ${dc.name} is ${dc.status}${spm ? `, SPM ${spm.name}` : ''}`;
  },
});
