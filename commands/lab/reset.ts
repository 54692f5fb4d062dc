import { z } from 'zod';
import { type CommandContext, defineChange, type Plan } from '../../src/command.js';
import type { Host, StorageDomain, Vm } from '../../src/engine/types.js';
import { LabopsError } from '../../src/errors.js';
import { defineStep } from '../../src/jobs/steps.js';
import { toStepSpecs } from '../../src/runbooks/job-steps.js';
import { planStorageClean, planStorageFixPermissions } from '../../src/runbooks/runbooks.js';
import type { StepSpec } from '../../src/store/types.js';
import { findDataCenterId } from '../lab-state.js';
import { isAttached, readDomains } from '../storage/domains.js';
import { RUNBOOK_STEP_TIMEOUT_MS } from '../storage/machine-work.js';

interface LabState {
  hosts: Host[];
  vms: Vm[];
  domains: StorageDomain[];
  vmDisks: Map<string, string[]>;
}

async function readLabState(ctx: CommandContext): Promise<LabState> {
  const [hosts, vms, { domains }] = await Promise.all([
    ctx.engine.listHosts({ signal: ctx.signal }),
    ctx.engine.listVms({}, { signal: ctx.signal }),
    readDomains(ctx),
  ]);
  const extra = vms.filter((vm) => !ctx.lab.baseline.vms.includes(vm.name));
  const disks = await Promise.all(extra.map((vm) => ctx.engine.listVmDisks(vm.id, { signal: ctx.signal })));
  const vmDisks = new Map(extra.map((vm, i) => [vm.name, (disks[i] ?? []).map((d) => d.name ?? d.id)]));
  return { hosts, vms, domains, vmDisks };
}

/**
 * The reset of design.md, planned from the current state, in the order that keeps the engine
 * happy: baseline hosts up; extra VMs out (or stopped); extra domains out in the engine's order
 * (ISO first, an extra master only once a baseline data domain can take the role); leftovers of
 * earlier domains cleaned from the exports of missing baseline domains, ownership fixed; baseline
 * domains attached and active. Steps that find their work done report ok, so a second reset after
 * a failure finishes the job.
 */
export async function planReset(ctx: CommandContext, keepVms: boolean): Promise<Plan> {
  const { baseline, storage } = ctx.lab;
  const state = await readLabState(ctx);
  const steps: StepSpec[] = [];
  const impact: string[] = [];
  const warnings: string[] = [];
  const dependsOn: Record<string, string> = {};

  // 1. Baseline hosts up: storage work needs an up host.
  for (const name of baseline.hosts) {
    const host = state.hosts.find((h) => h.name === name);
    dependsOn[`host ${name}`] = host?.status ?? 'absent';
    if (!host) {
      warnings.push(`Baseline host ${name} is not in the engine; /host add ${name} ADDRESS brings it back.`);
      continue;
    }
    if (host.status !== 'up') impact.push(`${name}: ${host.status} → up`);
    steps.push({
      kind: 'host.activate',
      title: `Make sure ${name} is up`,
      params: { hostName: name },
      shows: [`POST /hosts/{${name}}/activate (when not up)`],
    });
  }

  // 2. Extra VMs, with their disks (each named), or only stopped with --keep-vms.
  const extraVms = state.vms
    .filter((vm) => !baseline.vms.includes(vm.name))
    .sort((a, b) => a.name.localeCompare(b.name));
  for (const vm of extraVms) {
    dependsOn[`vm ${vm.name}`] = vm.status;
    const disks = state.vmDisks.get(vm.name) ?? [];
    if (keepVms) {
      if (vm.status === 'down') continue;
      impact.push(`${vm.name}: stopped (kept, --keep-vms)`);
    } else {
      impact.push(`${vm.name}: removed with its disks${disks.length ? ` ${disks.join(', ')}` : ' (none)'}`);
    }
    steps.push({
      kind: 'vm.remove',
      title: keepVms
        ? `Stop ${vm.name}`
        : `Remove ${vm.name}${disks.length ? ` and its disks ${disks.join(', ')}` : ''}`,
      params: { vm: vm.name, keep: keepVms },
      shows: [`POST /vms/{${vm.name}}/stop`, ...(keepVms ? [] : [`DELETE /vms/{${vm.name}} (disks too)`])],
    });
  }

  // 3. Extra domains, ISO/export ones first (an active one keeps the master from deactivating, §2.4).
  //    An extra master waits until a baseline data domain is active to take the role (§4.5).
  const wantedNames = new Set(baseline.storageDomains.map((d) => d.name));
  const baselineDataActive = state.domains.some(
    (d) => wantedNames.has(d.name) && d.type === 'data' && d.status === 'active',
  );
  const extras = state.domains
    .filter((d) => !wantedNames.has(d.name))
    .sort((a, b) => (a.type !== b.type ? (a.type === 'data' ? 1 : -1) : a.name.localeCompare(b.name)));
  const deferred: StorageDomain[] = [];
  for (const domain of extras) {
    dependsOn[`domain ${domain.name}`] = `${domain.status ?? 'attached'}${domain.isMaster ? ', master' : ''}`;
    if (domain.isMaster && !baselineDataActive) {
      if (baseline.storageDomains.some((d) => d.type === 'data')) deferred.push(domain);
      else
        warnings.push(
          `${domain.name} is the master and the baseline has no data domain to take its place: it stays.`,
        );
      continue;
    }
    impact.push(
      `${domain.name}: removed with its files (${domain.type}${domain.isMaster ? ', master — the role moves to a baseline domain' : ''})`,
    );
    steps.push(...removalSteps(domain));
  }

  // 4. Exports of missing baseline domains: files of an earlier domain are cleaned (FAQ 1) once no
  //    domain of the engine lives there any more; then every export is given back to vdsm (FAQ 3).
  const missing = baseline.storageDomains.filter((w) => !state.domains.some((d) => d.name === w.name));
  const io = { signal: ctx.signal ?? new AbortController().signal, output: () => undefined };
  for (const wanted of missing) {
    const exp = storage.exports.find((e) => e.path === wanted.exportPath);
    if (!exp || state.domains.some((d) => d.storage.path === exp.path)) continue;
    const listing = await ctx.machines.inspect(storage.machine, { type: 'dir-empty', path: exp.path }, io);
    if (!listing.found?.length) continue;
    impact.push(
      `${exp.path}: ${listing.found.length} leftover entr${listing.found.length === 1 ? 'y' : 'ies'} removed before ${wanted.name} is added`,
    );
    steps.push(
      ...toStepSpecs(
        planStorageClean(ctx.lab.runbook, { export: exp.name, entries: listing.found, domainPaths: [] }),
        {
          timeoutMs: RUNBOOK_STEP_TIMEOUT_MS,
        },
      ),
    );
  }
  steps.push(
    ...toStepSpecs(planStorageFixPermissions(ctx.lab.runbook), { timeoutMs: RUNBOOK_STEP_TIMEOUT_MS }),
  );

  // 5. Baseline domains attached and active, data first (an ISO domain needs an active master).
  const wantedDomains = [...baseline.storageDomains].sort((a, b) =>
    a.type === b.type ? 0 : a.type === 'data' ? -1 : 1,
  );
  for (const wanted of wantedDomains) {
    const domain = state.domains.find((d) => d.name === wanted.name);
    dependsOn[`domain ${wanted.name}`] = domain ? (domain.status ?? 'attached') : 'absent';
    if (!domain)
      impact.push(`${wanted.name}: added on ${storage.address}:${wanted.exportPath}, attached and activated`);
    else if (domain.status !== 'active') impact.push(`${wanted.name}: ${domain.status ?? '?'} → active`);
    steps.push({
      kind: 'storage.ensure-active',
      title: `Make sure ${wanted.name} is attached and active`,
      params: { domain: wanted.name, type: wanted.type, address: storage.address, path: wanted.exportPath },
      shows: [
        `POST /storagedomains (${wanted.name}, nfs ${storage.address}:${wanted.exportPath}) when missing`,
        `POST /datacenters/{dc}/storagedomains when unattached; …/activate when inactive`,
      ],
    });
  }

  // 6. The extra master last: a baseline data domain is active now to take the role.
  for (const domain of deferred) {
    impact.push(
      `${domain.name}: removed with its files (data, master — the role moves to a baseline domain)`,
    );
    steps.push(...removalSteps(domain));
  }

  if (impact.length === 0) impact.push('The lab already matches its baseline; every step will report ok.');
  return {
    summary: `Reset the lab to its baseline${keepVms ? ' (keeping extra VMs, stopped)' : ''}`,
    risk: 'critical',
    riskReasons: ['A reset removes VMs and storage domains.'],
    impact,
    warnings,
    blockers: [],
    locks: ['lab'],
    dependsOn,
    steps,
  };
}

/** An extra domain out of the lab in the engine's order: maintenance, detach, remove with format (§4.5). */
function removalSteps(domain: StorageDomain): StepSpec[] {
  const steps: StepSpec[] = [];
  if (isAttached(domain)) {
    if (domain.status !== 'maintenance') {
      steps.push({
        kind: 'storage.deactivate',
        title: `Put ${domain.name} into maintenance`,
        params: { domain: domain.name },
        shows: [`POST /datacenters/{dc}/storagedomains/{${domain.name}}/deactivate`],
      });
    }
    steps.push({
      kind: 'storage.detach',
      title: `Detach ${domain.name}`,
      params: { domain: domain.name },
      shows: [`DELETE /datacenters/{dc}/storagedomains/{${domain.name}}`],
    });
  }
  steps.push({
    kind: 'storage.remove',
    title: `Remove ${domain.name} (format)`,
    params: { domain: domain.name, format: true },
    shows: [`DELETE /storagedomains/{${domain.name}}?host={an up host}&format=true`],
  });
  return steps;
}

export const reset = defineChange({
  name: 'reset',
  summary: 'Return the lab to the baseline of lab.yml: hosts up, baseline domains active, extras removed',
  usage: 'reset [--dry-run] [--keep-vms]',
  examples: ['/lab reset --dry-run', '/lab reset', '/lab reset --keep-vms'],
  argsSpec: {
    positionals: [],
    flags: {
      'dry-run': { type: 'boolean', description: 'show the plan only; nothing is asked or run' },
      'keep-vms': {
        type: 'boolean',
        description: 'stop the VMs the baseline does not list instead of removing them',
      },
    },
  },
  args: z.object({ dryRun: z.boolean().optional(), keepVms: z.boolean().optional() }),
  risk: 'critical',
  async plan(ctx, args): Promise<Plan> {
    const plan = await planReset(ctx, args.keepVms ?? false);
    return args.dryRun ? { ...plan, preview: true } : plan;
  },
});

const EnsureParams = z.object({
  domain: z.string(),
  type: z.enum(['data', 'iso']),
  address: z.string(),
  path: z.string(),
  /** The host that mounts the export to create the domain; default the first host that is up. */
  host: z.string().optional(),
});

export const resetSteps = [
  defineStep({
    kind: 'storage.ensure-active',
    params: EnsureParams,
    async run(ctx, params) {
      const dcId = await findDataCenterId(ctx);
      const { domains } = await readDomains(ctx);
      let domain = domains.find((d) => d.name === params.domain);
      let changed = false;
      if (!domain) {
        const hosts = await ctx.engine.listHosts({ signal: ctx.signal });
        const host = hosts.find((h) => (params.host ? h.name === params.host : h.status === 'up'));
        if (!host) throw new LabopsError('CONFLICT', `No host is up to create ${params.domain} with.`);
        const added = await ctx.engine.addNfsStorageDomain(
          {
            name: params.domain,
            type: params.type,
            address: params.address,
            path: params.path,
            hostName: host.name,
          },
          { signal: ctx.signal },
        );
        domain = await ctx.engine.waitForStorageDomainCreated(added.id, { signal: ctx.signal });
        ctx.output(`${params.domain}: created`);
        changed = true;
      }
      if (!isAttached(domain)) {
        await ctx.engine.attachStorageDomain(dcId, domain.id, { signal: ctx.signal });
        changed = true;
      } else if (domain.status !== 'active') {
        await ctx.engine.activateStorageDomain(dcId, domain.id, { signal: ctx.signal });
        changed = true;
      }
      if (changed) {
        await ctx.engine.waitForStorageDomainStatus(dcId, domain.id, ['active'], {
          signal: ctx.signal,
          onPoll: (s) => ctx.output(`${params.domain}: ${s}`),
        });
      }
      return { status: changed ? 'changed' : 'ok' };
    },
    async verify(ctx, params) {
      const { domains } = await readDomains(ctx);
      const domain = domains.find((d) => d.name === params.domain);
      if (domain?.status !== 'active') {
        throw new LabopsError('CONFLICT', `${params.domain} is ${domain?.status ?? 'missing'}, not active.`);
      }
      return `${params.domain} is active${domain.isMaster ? ' (master)' : ''}`;
    },
  }),
  defineStep({
    kind: 'vm.remove',
    params: z.object({ vm: z.string(), keep: z.boolean() }),
    async run(ctx, params) {
      const vm = (await ctx.engine.listVms({}, { signal: ctx.signal })).find((v) => v.name === params.vm);
      if (!vm) return { status: 'ok', detail: `${params.vm} was already removed` };
      let changed = false;
      if (vm.status !== 'down') {
        await ctx.engine.stopVm(vm.id, { signal: ctx.signal });
        await ctx.engine.waitForVmStatus(vm.id, ['down'], { signal: ctx.signal });
        changed = true;
      }
      if (!params.keep) {
        await ctx.engine.removeVm(vm.id, { signal: ctx.signal });
        changed = true;
      }
      return { status: changed ? 'changed' : 'ok' };
    },
    async verify(ctx, params) {
      const vm = (await ctx.engine.listVms({}, { signal: ctx.signal })).find((v) => v.name === params.vm);
      if (params.keep) {
        if (vm && vm.status !== 'down')
          throw new LabopsError('CONFLICT', `${params.vm} is ${vm.status}, not down.`);
        return `${params.vm} is down`;
      }
      if (vm) throw new LabopsError('CONFLICT', `${params.vm} is still in the engine.`);
      return `${params.vm} is gone`;
    },
  }),
];
