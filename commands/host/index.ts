import { z } from 'zod';
import {
  type CommandContext,
  defineChange,
  defineCommand,
  defineRead,
  type Plan,
} from '../../src/command.js';
import { MAINTENANCE_FAILURE_CODES } from '../../src/engine/engine-client.js';
import type { Host, Vm } from '../../src/engine/types.js';
import { formatEngineEvents } from '../../src/engine/wait.js';
import { LabopsError } from '../../src/errors.js';
import { toStepSpecs } from '../../src/jobs/runbook-steps.js';
import { defineStep, type StepContext } from '../../src/jobs/steps.js';
import type { StepSpec } from '../../src/store/types.js';
import { textArg } from '../../src/text.js';
import { formatBytes, type View } from '../../src/view.js';
import { prepare, trust } from './machine-work.js';

const hostArg = textArg()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'must be a host name such as hyper1');

/** VMs the engine will not move by itself: pinned, or migratable only by hand. */
function isStuck(vm: Vm): boolean {
  return vm.affinity === 'pinned' || vm.affinity === 'user_migratable';
}

function isRunning(vm: Vm): boolean {
  return vm.status !== 'down' && vm.hostId !== undefined;
}

function describeVm(vm: Vm): string {
  return vm.status === 'up' ? vm.name : `${vm.name} (${vm.status})`;
}

function hostFlags(host: Host): string {
  return [host.status, host.isSpm ? 'SPM' : undefined].filter(Boolean).join(' · ');
}

async function findHostOrExplain(ctx: CommandContext, name: string): Promise<Host> {
  try {
    return await ctx.engine.findHost(name, { signal: ctx.signal });
  } catch (error) {
    if (error instanceof LabopsError && error.code === 'NOT_FOUND') {
      const known = (await ctx.engine.listHosts({ signal: ctx.signal })).map((h) => h.name);
      throw new LabopsError('NOT_FOUND', `There is no host "${name}" in the engine.`, {
        hint: known.length
          ? `Hosts: ${known.join(', ')}.`
          : 'The engine has no hosts yet: /host add NAME ADDRESS.',
      });
    }
    throw error;
  }
}

const status = defineRead({
  name: 'status',
  summary: 'Hosts with their status, VMs and the SPM role',
  usage: 'status [HOST]',
  examples: ['/host status', '/host status hyper1'],
  argsSpec: { positionals: [{ name: 'host', description: 'one host to show in detail' }], flags: {} },
  args: z.object({ host: hostArg.optional() }),
  risk: 'read',
  async run(ctx, args): Promise<View> {
    const [hosts, vms] = await Promise.all([
      args.host
        ? findHostOrExplain(ctx, args.host).then((h) => [h])
        : ctx.engine.listHosts({ signal: ctx.signal }),
      ctx.engine.listVms({}, { signal: ctx.signal }),
    ]);
    const lines = hosts
      .sort((a, b) => a.name.localeCompare(b.name))
      .flatMap((host) => {
        const here = vms.filter((vm) => vm.hostId === host.id && isRunning(vm));
        const head = `${host.name}  ${hostFlags(host)}  ${here.length} VM${here.length === 1 ? '' : 's'}`;
        if (!args.host) return [head];
        return [
          head,
          `VMs: ${here.length ? here.map(describeVm).join(', ') : 'none'}`,
          `address ${host.address ?? '?'}, memory ${formatBytes(host.memoryBytes)}`,
        ];
      });
    const up = hosts.filter((h) => h.status === 'up').length;
    return {
      title: args.host ? `Host ${hosts[0]?.name}` : 'Hosts',
      state: args.host
        ? { text: hosts[0]?.status ?? 'unknown', tone: hosts[0]?.status === 'up' ? 'ok' : 'warn' }
        : { text: `${up} of ${hosts.length} up`, tone: up === hosts.length ? 'ok' : 'warn' },
      sections: [{ lines: lines.length ? lines : ['The engine has no hosts.'] }],
    };
  },
});

/** The maintenance plan: which VMs migrate where, which block, the SPM, and the risk they imply. */
async function planMaintenance(ctx: CommandContext, name: string, reason: string | undefined): Promise<Plan> {
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
  const [hosts, vms] = await Promise.all([
    ctx.engine.listHosts({ signal: ctx.signal }),
    ctx.engine.listVms({}, { signal: ctx.signal }),
  ]);
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
  return {
    summary: `Put ${host.name} into maintenance${reason ? ` (${reason})` : ''}`,
    risk: riskReasons.length ? 'critical' : 'destructive',
    riskReasons,
    impact,
    warnings: [],
    blockers,
    locks: [`host:${host.name}`],
    dependsOn,
    steps,
  };
}

const maintenance = defineChange({
  name: 'maintenance',
  summary: 'Migrate the VMs away and put a host into maintenance',
  usage: 'maintenance HOST [--reason TEXT]',
  examples: ['/host maintenance hyper1', '/host maintenance hyper2 --reason "kernel update"'],
  argsSpec: {
    positionals: [{ name: 'host', required: true, description: 'the host to put into maintenance' }],
    flags: { reason: { type: 'string', description: 'why, shown in the engine and the audit trail' } },
  },
  args: z.object({ host: hostArg, reason: textArg().max(200).optional() }),
  risk: 'destructive',
  plan: (ctx, args) => planMaintenance(ctx, args.host, args.reason),
});

const activate = defineChange({
  name: 'activate',
  summary: 'Bring a host back from maintenance',
  usage: 'activate HOST',
  examples: ['/host activate hyper1'],
  argsSpec: {
    positionals: [{ name: 'host', required: true, description: 'the host to activate' }],
    flags: {},
  },
  args: z.object({ host: hostArg }),
  risk: 'change',
  async plan(ctx, args): Promise<Plan> {
    const host = await findHostOrExplain(ctx, args.host);
    if (host.status === 'up') {
      throw new LabopsError('CONFLICT', `${host.name} is already up.`, { hint: 'Nothing to do.' });
    }
    // Activating a host stuck in preparing_for_maintenance (a pinned VM) cancels the maintenance,
    // as the engine's portal does; the VMs that did not move stay where they are (§3.4).
    const stuck = host.status === 'preparing_for_maintenance';
    return {
      summary: stuck ? `Cancel ${host.name}'s maintenance and bring it back up` : `Activate ${host.name}`,
      risk: 'change',
      riskReasons: [],
      impact: [
        stuck
          ? `${host.name}: preparing_for_maintenance → up; the maintenance is cancelled, VMs still on it stay.`
          : `${host.name}: ${host.status} → up; the engine schedules VMs on it again.`,
      ],
      warnings: [],
      blockers: [],
      locks: [`host:${host.name}`],
      dependsOn: { [`host ${host.name}`]: host.status },
      steps: [
        {
          kind: 'host.activate',
          title: `Activate ${host.name}`,
          params: { hostName: host.name },
          shows: [`POST /hosts/{${host.name}}/activate`, `wait until ${host.name} is up`],
        },
      ],
    };
  },
});

const addressArg = textArg()
  .min(1)
  .max(253)
  .regex(/^[A-Za-z0-9][A-Za-z0-9.:-]*$/, 'must be a host name or an IP address such as hyper3.abc.local');

/** The runbook step that puts the engine's SSH key in root's authorized_keys on a lab machine. */
async function planEngineKey(ctx: CommandContext, machine: string): Promise<StepSpec[]> {
  if (!ctx.lab.runbook.hosts.some((h) => h.name === machine)) {
    throw new LabopsError(
      'NOT_FOUND',
      `--install-key needs ${machine} to be a host of lab.yml, which labops reaches over SSH.`,
      {
        hint: `Add ${machine} under hosts in lab.yml (and /host trust ${machine}), or install the key yourself.`,
      },
    );
  }
  const key = await ctx.engine.getEngineSshPublicKey({ signal: ctx.signal });
  return toStepSpecs([
    {
      machine,
      step: { type: 'install-key', path: ctx.lab.runbook.paths.authorized_keys, key },
      title: `The engine's SSH key in ${ctx.lab.runbook.paths.authorized_keys} on ${machine}`,
    },
  ]);
}

const add = defineChange({
  name: 'add',
  summary: "Add a hypervisor to the cluster with the engine's SSH key and wait until it is up",
  usage: 'add NAME ADDRESS [--install-key]',
  examples: ['/host add hyper3 hyper3.abc.local', '/host add hyper3 hyper3.abc.local --install-key'],
  argsSpec: {
    positionals: [
      { name: 'name', required: true, description: 'the name the engine will show' },
      { name: 'address', required: true, description: 'its host name or address, as the engine reaches it' },
    ],
    flags: {
      'install-key': {
        type: 'boolean',
        description: "first install the engine's SSH key on the machine (a machine of lab.yml, over SSH)",
      },
    },
  },
  args: z.object({ name: hostArg, address: addressArg, installKey: z.boolean().optional() }),
  risk: 'change',
  async plan(ctx, args): Promise<Plan> {
    const hosts = await ctx.engine.listHosts({ signal: ctx.signal });
    const clash = hosts.find((h) => h.name === args.name || h.address === args.address);
    if (clash) {
      throw new LabopsError('CONFLICT', `The engine already has ${clash.name} (${clash.address ?? '?'}).`, {
        hint: 'Pick another name, or /host remove it first.',
      });
    }
    // The engine logs in with its own key (§3.5): with --install-key that key goes in first.
    const keySteps = args.installKey ? await planEngineKey(ctx, args.name) : [];
    return {
      summary: `Add ${args.name} (${args.address}) to cluster ${ctx.lab.cluster}`,
      risk: 'change',
      riskReasons: [],
      impact: [
        ...keySteps.map((s) => s.title),
        `The engine logs into ${args.address} as root with its own SSH key, installs VDSM and brings ${args.name} up.`,
      ],
      warnings: args.installKey
        ? []
        : [
            `The engine's key must be in root's authorized_keys on ${args.address} (--install-key or /host prepare); otherwise the install fails.`,
          ],
      blockers: [],
      locks: [`host:${args.name}`],
      dependsOn: { [`host ${args.name}`]: 'absent' },
      steps: [
        ...keySteps,
        {
          kind: 'host.add',
          title: `Add ${args.name} and wait until it is up`,
          params: { hostName: args.name, address: args.address, cluster: ctx.lab.cluster },
          shows: [
            `POST /hosts (${args.name}, ${args.address}, ssh publickey)`,
            `wait until ${args.name} is up`,
          ],
          timeoutMs: 45 * 60_000,
        },
      ],
    };
  },
});

const remove = defineChange({
  name: 'remove',
  summary: 'Remove a host from the engine (from maintenance; the plan puts it there first)',
  usage: 'remove HOST',
  examples: ['/host remove hyper2'],
  argsSpec: { positionals: [{ name: 'host', required: true, description: 'the host to remove' }], flags: {} },
  args: z.object({ host: hostArg }),
  risk: 'destructive',
  async plan(ctx, args): Promise<Plan> {
    const host = await findHostOrExplain(ctx, args.host);
    const removal = {
      kind: 'host.remove',
      title: `Remove ${host.name} from the engine`,
      params: { hostName: host.name },
      shows: [`DELETE /hosts/{${host.name}}`],
    };
    if (host.status === 'maintenance') {
      return {
        summary: `Remove ${host.name}`,
        risk: 'destructive',
        riskReasons: [],
        impact: [`${host.name} leaves the engine; adding it back needs /host add.`],
        warnings: [],
        blockers: [],
        locks: [`host:${host.name}`],
        dependsOn: { [`host ${host.name}`]: host.status },
        steps: [removal],
      };
    }
    // Only a host in maintenance can be removed (§3.5): the plan puts it there first.
    const maintenancePlan = await planMaintenance(ctx, host.name, 'removal');
    return {
      ...maintenancePlan,
      summary: `Put ${host.name} into maintenance, then remove it`,
      impact: [...maintenancePlan.impact, `${host.name} leaves the engine; adding it back needs /host add.`],
      steps: [...maintenancePlan.steps, removal],
    };
  },
});

export const hostCommand = defineCommand({
  name: 'host',
  summary: 'Hypervisors: status, maintenance, activation, trust, preparation, adding and removing',
  subcommands: [status, maintenance, activate, trust, prepare, add, remove],
});

async function verifyHostUp(ctx: StepContext, name: string): Promise<string> {
  const host = await ctx.engine.findHost(name, { signal: ctx.signal });
  if (host.status !== 'up') throw new LabopsError('CONFLICT', `${name} is ${host.status}, not up.`);
  return `${name} is up`;
}

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
    .listFailureEvents(since, MAINTENANCE_FAILURE_CODES, { hostId: host.id, signal: ctx.signal })
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

/** Steps name hosts, not ids: an approved plan may run after a restart or a re-add (ids change). */
const HostStepParams = z.object({ hostName: z.string(), reason: z.string().optional() });

/** The engine steps of /host, run by the executor. */
export const hostSteps = [
  defineStep({
    kind: 'host.deactivate',
    params: HostStepParams,
    async run(ctx, params) {
      const host = await ctx.engine.findHost(params.hostName, { signal: ctx.signal });
      if (host.status === 'maintenance')
        return { status: 'ok', detail: `${params.hostName} was already in maintenance` };
      const since = await ctx.engine.getLastEventIndex({ signal: ctx.signal });
      await ctx.engine.deactivateHost(host.id, params.reason, { signal: ctx.signal });
      let last = '';
      try {
        await ctx.engine.waitForHostStatus(host.id, ['maintenance'], {
          signal: ctx.signal,
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
      const host = await ctx.engine.findHost(params.hostName, { signal: ctx.signal });
      if (host.status !== 'maintenance') {
        throw new LabopsError('CONFLICT', `${params.hostName} is ${host.status}, not in maintenance.`);
      }
      const vms = await ctx.engine.listVms({ hostName: params.hostName }, { signal: ctx.signal });
      const left = vms.filter((vm) => vm.hostId === host.id && isRunning(vm));
      if (left.length) {
        throw new LabopsError(
          'CONFLICT',
          `${left.map((v) => v.name).join(', ')} still run on ${params.hostName}.`,
        );
      }
      return `${params.hostName} is in maintenance with no VMs`;
    },
  }),
  defineStep({
    kind: 'host.activate',
    params: HostStepParams,
    async run(ctx, params) {
      const host = await ctx.engine.findHost(params.hostName, { signal: ctx.signal });
      if (host.status === 'up') return { status: 'ok', detail: `${params.hostName} was already up` };
      await ctx.engine.activateHost(host.id, { signal: ctx.signal });
      await ctx.engine.waitForHostStatus(host.id, ['up'], {
        signal: ctx.signal,
        onPoll: (seen) => ctx.output(`${params.hostName}: ${seen}`),
      });
      return { status: 'changed' };
    },
    verify: (ctx, params) => verifyHostUp(ctx, params.hostName),
  }),
  defineStep({
    kind: 'datacenter.wait-up',
    params: z.object({ dataCenter: z.string() }),
    async run(ctx, params) {
      const dc = await ctx.engine.findDataCenter(params.dataCenter, { signal: ctx.signal });
      await ctx.engine.waitForDataCenterUp(dc.id, {
        signal: ctx.signal,
        onPoll: (s) => ctx.output(`data center: ${s}`),
      });
      return { status: 'ok' };
    },
    async verify(ctx, params) {
      const [dc, hosts] = await Promise.all([
        ctx.engine.findDataCenter(params.dataCenter, { signal: ctx.signal }),
        ctx.engine.listHosts({ signal: ctx.signal }),
      ]);
      const spm = hosts.find((h) => h.isSpm);
      return `data center ${dc.name} is ${dc.status}${spm ? `, SPM ${spm.name}` : ''}`;
    },
  }),
  defineStep({
    kind: 'host.add',
    params: z.object({ hostName: z.string(), address: z.string(), cluster: z.string() }),
    async run(ctx, params) {
      const existing = (await ctx.engine.listHosts({ signal: ctx.signal })).find(
        (h) => h.name === params.hostName,
      );
      if (existing?.status === 'up') return { status: 'ok', detail: `${params.hostName} is already up` };
      const since = await ctx.engine.getLastEventIndex({ signal: ctx.signal });
      const host =
        existing ??
        (await ctx.engine.addHost(
          {
            name: params.hostName,
            address: params.address,
            clusterName: params.cluster,
            auth: { kind: 'publickey' },
          },
          { signal: ctx.signal },
        ));
      try {
        await ctx.engine.waitForHostStatus(host.id, ['up'], {
          signal: ctx.signal,
          onPoll: (seen) => ctx.output(`${params.hostName}: ${seen}`),
        });
      } catch (error) {
        // The engine's events say why an install failed (§3.6: ansible lists them the same way).
        const events = await ctx.engine.listEvents({ from: since }, { signal: ctx.signal }).catch(() => []);
        const relevant = events.filter(
          (e) => (e.hostId === host.id || e.hostId === undefined) && e.severity !== 'normal',
        );
        for (const e of relevant) ctx.output(`engine: ${e.description}`);
        if (error instanceof LabopsError && relevant.length) {
          throw new LabopsError(
            error.code,
            `${error.message} The engine says: ${relevant.map((e) => e.description).join(' ')}`,
            {
              hint: `Check that the engine's key is in root's authorized_keys on ${params.address} (/host prepare ${params.hostName}).`,
            },
          );
        }
        throw error;
      }
      return { status: 'changed' };
    },
    verify: (ctx, params) => verifyHostUp(ctx, params.hostName),
  }),
  defineStep({
    kind: 'host.remove',
    params: z.object({ hostName: z.string() }),
    async run(ctx, params) {
      const host = (await ctx.engine.listHosts({ signal: ctx.signal })).find(
        (h) => h.name === params.hostName,
      );
      if (!host) return { status: 'ok', detail: `${params.hostName} was already removed` };
      await ctx.engine.removeHost(host.id, { signal: ctx.signal });
      return { status: 'changed' };
    },
    async verify(ctx, params) {
      const hosts = await ctx.engine.listHosts({ signal: ctx.signal });
      if (hosts.some((h) => h.name === params.hostName)) {
        throw new LabopsError('CONFLICT', `${params.hostName} is still in the engine.`);
      }
      return `${params.hostName} is gone from the engine`;
    },
  }),
];
