import { z } from 'zod';
import { type CommandContext, defineArgs, defineChange, flag, type Plan } from '../../src/command.js';
import type { Host, StorageDomain, Vm } from '../../src/engine/types.js';
import { LabopsError } from '../../src/errors.js';
import { renderText } from '../../src/i18n/render.js';
import { preflightStep, toStepSpecs } from '../../src/jobs/runbook-steps.js';
import { defineStep } from '../../src/jobs/steps.js';
import {
  listPreflightProbes,
  PREFLIGHT_STEP_TIMEOUT_MS,
  type PreflightSpec,
  runPreflight,
  runProbe,
  toPreflightError,
} from '../../src/runbooks/preflight.js';
import {
  KVM_GID,
  planStorageClean,
  planStorageFixPermissions,
  VDSM_UID,
} from '../../src/runbooks/runbooks.js';
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
    ctx.engine.listHosts(),
    ctx.engine.listVms(),
    readDomains(ctx),
  ]);
  const extra = vms.filter((vm) => !ctx.lab.baseline.vms.includes(vm.name));
  const disks = await Promise.all(extra.map((vm) => ctx.engine.listVmDisks(vm.id)));
  const vmDisks = new Map(extra.map((vm, i) => [vm.name, (disks[i] ?? []).map((d) => d.name ?? d.id)]));
  return { hosts, vms, domains, vmDisks };
}

/**
 * What a reset needs before its first destructive step (issue 9 §6): the storage server answers
 * over SSH (it cleans exports and fixes ownership), every export is mounted (fix-permissions
 * checks each one), and the exports of the baseline domains are exported (the engine mounts them).
 * Reset runs no runbook on a hypervisor, so none of them is needed.
 */
function specifyResetPreflight(ctx: CommandContext): PreflightSpec {
  const { baseline, storage } = ctx.lab;
  return {
    machines: [storage.machine],
    mounted: storage.exports.map((e) => e.path),
    exported: [...new Set(baseline.storageDomains.map((d) => d.exportPath))],
  };
}

/** `not checked: storage cannot be reached over SSH (…)`, for the steps on a machine out of reach. */
function describeNotChecked(machine: string, reason: string): string {
  return `not checked: ${machine} cannot be reached over SSH (${reason.replace(/\.$/, '')})`;
}

export interface ResetOptions {
  keepVms: boolean;
  /** A preview: a failed pre-flight marks what it could not check instead of refusing the plan. */
  dryRun: boolean;
}

/**
 * The reset of design.md, planned from the current state, in the order that keeps the engine
 * happy: baseline hosts up; extra VMs out (or stopped); extra domains out in the engine's order
 * (ISO first, an extra master only once a baseline data domain can take the role); leftovers of
 * earlier domains cleaned from the exports of missing baseline domains, ownership fixed; baseline
 * domains attached and active. Steps that find their work done report ok, so a second reset after
 * a failure finishes the job.
 *
 * The pre-flight comes first, here and as the job's first step: a reset that cannot reach the
 * storage server, or finds an export unmounted or unexported, is refused before any VM is touched.
 */
export async function planReset(ctx: CommandContext, options: ResetOptions): Promise<Plan> {
  const { keepVms, dryRun } = options;
  const { baseline, storage } = ctx.lab;
  const spec = specifyResetPreflight(ctx);
  const probes = listPreflightProbes(ctx.lab.runbook, spec);
  // Read-only, all at once: the engine, the pre-flight, and each export's owners (so the plan says
  // what fix-permissions will change rather than promising it reports ok).
  const [state, preflight, ownership] = await Promise.all([
    readLabState(ctx),
    runPreflight(ctx.machines, probes, { signal: ctx.signal }),
    Promise.all(
      storage.exports.map(async (exp) => ({
        path: exp.path,
        outcome: await runProbe(
          ctx.machines,
          {
            machine: storage.machine,
            check: {
              type: 'owner-mode',
              path: exp.path,
              owner: VDSM_UID,
              group: KVM_GID,
              setgid: true,
              recursive: true,
            },
            title: `everything in ${exp.path} owned 36:36, directories setgid`,
            reachOnly: false,
          },
          { signal: ctx.signal },
        ),
      })),
    ),
  ]);
  if (!preflight.ok && !dryRun) throw toPreflightError(preflight, 'The reset is refused before any change');
  const unreachable = new Map(preflight.unreachable.map((u) => [u.machine, u.reason]));
  const storageDown = unreachable.get(storage.machine);
  const steps: StepSpec[] = [];
  const impact: string[] = [];
  const warnings: string[] = [];
  const dependsOn: Record<string, string> = {};
  /** Impact lines of what could not be checked: the plan never claims these will report ok. */
  const unchecked: string[] = [];

  steps.push({
    kind: preflightStep.kind,
    title: `Check before any change: ${spec.machines.join(', ')} answer${spec.machines.length === 1 ? 's' : ''} over SSH, the exports are mounted and exported${preflight.ok ? '' : ` — fails now: ${preflight.problems.join('; ')}`}`,
    params: { ...spec },
    shows: probes.map((p) => `${p.machine}: ${p.title} (read-only)`),
    timeoutMs: PREFLIGHT_STEP_TIMEOUT_MS,
  });

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
  for (const wanted of missing) {
    const exp = storage.exports.find((e) => e.path === wanted.exportPath);
    if (!exp || state.domains.some((d) => d.storage.path === exp.path)) continue;
    const listed =
      storageDown === undefined
        ? await runProbe(
            ctx.machines,
            {
              machine: storage.machine,
              check: { type: 'dir-empty', path: exp.path },
              title: `${exp.path} holds no leftovers`,
              reachOnly: false,
            },
            { signal: ctx.signal },
          )
        : undefined;
    if (listed === undefined || listed.status === 'not-checked') {
      const reason = listed?.reason ?? storageDown ?? 'no answer';
      if (!dryRun) {
        throw new LabopsError(
          'SSH_FAILED',
          `The reset is refused before any change: the entries of ${exp.path} could not be listed on ${storage.machine}: ${reason}`,
          { hint: `Make ${storage.machine} reachable over SSH from labops, then ask again.` },
        );
      }
      unchecked.push(`${exp.path}: leftovers of an earlier domain not listed`);
      steps.push({
        kind: 'runbook.apply',
        title: `Remove the leftovers of an earlier domain from ${exp.path}, if any — ${describeNotChecked(storage.machine, reason)}`,
        params: { machine: storage.machine, step: { type: 'empty-dir', path: exp.path, entries: [] } },
        shows: [],
      });
      continue;
    }
    const found = listed.result?.found ?? [];
    if (found.length === 0) continue;
    impact.push(
      `${exp.path}: ${found.length} leftover entr${found.length === 1 ? 'y' : 'ies'} removed before ${wanted.name} is added`,
    );
    steps.push(
      ...toStepSpecs(
        planStorageClean(ctx.lab.runbook, { export: exp.name, entries: found, domainPaths: [] }),
        { timeoutMs: RUNBOOK_STEP_TIMEOUT_MS },
      ),
    );
  }
  for (const { path, outcome } of ownership) {
    if (outcome.status === 'failed')
      impact.push(`${path}: owner set to 36:36, directories setgid (${outcome.reason})`);
    else if (outcome.status === 'not-checked' && storageDown === undefined)
      unchecked.push(`${path}: owners not checked (${outcome.reason})`);
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

  // Every machine a step works on is one the pre-flight checks; a step on a machine out of reach
  // (a dry run's) says it was not checked, and why.
  const marked = steps.map((step): StepSpec => {
    const machine = machineOf(step);
    if (machine === undefined) return step;
    if (!spec.machines.includes(machine)) {
      throw new LabopsError(
        'INTERNAL',
        `The reset's pre-flight does not check ${machine}, where a step runs.`,
      );
    }
    const reason = unreachable.get(machine);
    if (reason === undefined || renderText('en', step.title).includes(' — not checked: ')) return step;
    return { ...step, title: `${step.title} — ${describeNotChecked(machine, reason)}` };
  });
  for (const [machine, reason] of unreachable) {
    impact.push(
      `Not checked: ${machine} cannot be reached over SSH (${reason.replace(/\.$/, '')}); its steps below are marked so.`,
    );
  }
  if (dryRun) impact.push(...unchecked.map((line) => `Not checked: ${line}.`));
  else warnings.push(...unchecked.map((line) => `Not checked: ${line}; its step checks again when it runs.`));
  if (!preflight.ok) {
    warnings.unshift('A /lab reset now is refused before any change: its pre-flight fails (see Blocks).');
  }
  if (impact.length === 0) {
    impact.push(
      preflight.ok
        ? 'The lab already matches its baseline; every step will report ok.'
        : 'The engine matches the baseline, but the pre-flight fails now (see Blocks).',
    );
  }
  return {
    summary: `Reset the lab to its baseline${keepVms ? ' (keeping extra VMs, stopped)' : ''}`,
    risk: 'critical',
    riskReasons: ['A reset removes VMs and storage domains.'],
    impact,
    warnings,
    blockers: preflight.ok ? [] : preflight.problems,
    locks: ['lab'],
    dependsOn,
    steps: marked,
  };
}

/** The machine a runbook step runs on. */
function machineOf(step: StepSpec): string | undefined {
  if (step.kind !== 'runbook.apply') return undefined;
  const machine = (step.params as { machine?: unknown }).machine;
  return typeof machine === 'string' ? machine : undefined;
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
  args: defineArgs({
    'dry-run': flag(z.boolean().optional(), 'show the plan only; nothing is asked or run'),
    'keep-vms': flag(
      z.boolean().optional(),
      'stop the VMs the baseline does not list instead of removing them',
    ),
  }),
  risk: 'critical',
  async plan(ctx, args): Promise<Plan> {
    const plan = await planReset(ctx, { keepVms: args.keepVms ?? false, dryRun: args.dryRun ?? false });
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
  preflightStep,
  defineStep({
    kind: 'storage.ensure-active',
    params: EnsureParams,
    async run(ctx, params) {
      const dcId = await findDataCenterId(ctx);
      const { domains } = await readDomains(ctx);
      let domain = domains.find((d) => d.name === params.domain);
      let changed = false;
      if (!domain) {
        const hosts = await ctx.engine.listHosts();
        const host = hosts.find((h) => (params.host ? h.name === params.host : h.status === 'up'));
        if (!host) throw new LabopsError('CONFLICT', `No host is up to create ${params.domain} with.`);
        const added = await ctx.engine.addNfsStorageDomain({
          name: params.domain,
          type: params.type,
          address: params.address,
          path: params.path,
          hostName: host.name,
        });
        domain = await ctx.engine.waitForStorageDomainCreated(added.id);
        ctx.output(`${params.domain}: created`);
        changed = true;
      }
      if (!isAttached(domain)) {
        await ctx.engine.attachStorageDomain(dcId, domain.id);
        changed = true;
      } else if (domain.status !== 'active') {
        await ctx.engine.activateStorageDomain(dcId, domain.id);
        changed = true;
      }
      if (changed) {
        await ctx.engine.waitForStorageDomainStatus(dcId, domain.id, ['active'], {
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
      const vm = (await ctx.engine.listVms()).find((v) => v.name === params.vm);
      if (!vm) return { status: 'ok', detail: `${params.vm} was already removed` };
      let changed = false;
      if (vm.status !== 'down') {
        await ctx.engine.stopVm(vm.id);
        await ctx.engine.waitForVmStatus(vm.id, ['down']);
        changed = true;
      }
      if (!params.keep) {
        await ctx.engine.removeVm(vm.id);
        changed = true;
      }
      return { status: changed ? 'changed' : 'ok' };
    },
    async verify(ctx, params) {
      const vm = (await ctx.engine.listVms()).find((v) => v.name === params.vm);
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
