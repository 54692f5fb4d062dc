import { z } from 'zod';
import { type CommandContext, defineArgs, defineChange, flag, type Plan } from '../../src/command.js';
import type { Host, StorageDomain, Vm } from '../../src/engine/types.js';
import { LabopsError } from '../../src/errors.js';
import { compareNames } from '../../src/i18n/formats.js';
import { isMessage, isVerbatim, list, type Message, msg, type Text, verbatim } from '../../src/i18n/text.js';
import { preflightStep, toStepSpecs } from '../../src/jobs/runbook-steps.js';
import { defineStep } from '../../src/jobs/steps.js';
import {
  listPreflightProbes,
  PREFLIGHT_STEP_TIMEOUT_MS,
  type PreflightProbe,
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
import { scheduleArgs } from '../../src/schedules/when.js';
import type { StepSpec } from '../../src/store/types.js';
import { findDataCenterId } from '../lab-state.js';
import { isAttached, readDomains } from '../storage/domains.js';
import { RUNBOOK_STEP_TIMEOUT_MS } from '../storage/machine-work.js';
import { acrossArgs, chooseLabs } from './across.js';

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

/** Why a machine was not checked, without a full stop of its own where it can be seen (it goes in parentheses). */
function toReason(reason: Text): Text {
  return isVerbatim(reason) ? verbatim(reason.verbatim.replace(/\.$/, '')) : reason;
}

/** `<step> — not checked: storage cannot be reached over SSH (…)`, for a step on a machine out of reach. */
function markNotChecked(step: Text, machine: string, reason: Text): Message {
  return msg('lab.reset.step.notChecked', {
    step: step,
    machine,
    reason: toReason(reason),
  });
}

function isMarkedNotChecked(title: Text): boolean {
  return isMessage(title) && title.key === 'lab.reset.step.notChecked';
}

/** `Check before any change: storage answers over SSH, …`, and why it fails now when it does. */
function describePreflight(machines: readonly string[], problems: readonly Text[]): Message {
  const check =
    machines.length === 1
      ? msg('lab.reset.step.preflight', { machine: machines[0] ?? '' })
      : msg('lab.reset.step.preflightMany', { machines: list([...machines]) });
  return problems.length
    ? msg('lab.reset.step.preflightFails', { step: check, problems: list([...problems]) })
    : check;
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
            title: msg('lab.reset.probe.owners', { path: exp.path }),
            reachOnly: false,
          },
          { signal: ctx.signal },
        ),
      })),
    ),
  ]);
  if (!preflight.ok && !dryRun) throw toPreflightError(preflight, msg('lab.reset.refused'));
  const unreachable = new Map(preflight.unreachable.map((u) => [u.machine, u.reason]));
  const storageDown = unreachable.get(storage.machine);
  const steps: StepSpec[] = [];
  const impact: Text[] = [];
  const warnings: Text[] = [];
  const dependsOn: Record<string, string> = {};
  /** Impact lines of what could not be checked: the plan never claims these will report ok. */
  const unchecked: Message[] = [];

  steps.push({
    kind: preflightStep.kind,
    title: describePreflight(spec.machines, preflight.ok ? [] : preflight.problems),
    params: { ...spec },
    shows: probes.map(describeProbe),
    timeoutMs: PREFLIGHT_STEP_TIMEOUT_MS,
  });

  // 1. Baseline hosts up: storage work needs an up host.
  for (const name of baseline.hosts) {
    const host = state.hosts.find((h) => h.name === name);
    dependsOn[`host ${name}`] = host?.status ?? 'absent';
    if (!host) {
      warnings.push(msg('lab.reset.warning.hostMissing', { host: name }));
      continue;
    }
    if (host.status !== 'up') {
      impact.push(msg('lab.reset.impact.toState', { name, from: verbatim(host.status), to: verbatim('up') }));
    }
    steps.push({
      kind: 'host.activate',
      title: msg('lab.reset.step.hostUp', { host: name }),
      params: { hostName: name },
      shows: [
        msg('pipeline.shows.whenNot', { call: verbatim(`POST /hosts/{${name}}/activate`), state: 'up' }),
      ],
    });
  }

  // 2. Extra VMs, with their disks (each named), or only stopped with --keep-vms.
  const extraVms = state.vms
    .filter((vm) => !baseline.vms.includes(vm.name))
    .sort((a, b) => compareNames(a.name, b.name));
  for (const vm of extraVms) {
    dependsOn[`vm ${vm.name}`] = vm.status;
    const disks = state.vmDisks.get(vm.name) ?? [];
    if (keepVms) {
      if (vm.status === 'down') continue;
      impact.push(msg('lab.reset.impact.vmStopped', { vm: vm.name }));
    } else {
      impact.push(
        disks.length
          ? msg('lab.reset.impact.vmRemoved', { vm: vm.name, disks: list(disks) })
          : msg('lab.reset.impact.vmRemovedNoDisks', { vm: vm.name }),
      );
    }
    steps.push({
      kind: 'vm.remove',
      title: keepVms
        ? msg('lab.reset.step.stopVm', { vm: vm.name })
        : disks.length
          ? msg('lab.reset.step.removeVmDisks', { vm: vm.name, disks: list(disks) })
          : msg('lab.reset.step.removeVm', { vm: vm.name }),
      params: { vm: vm.name, keep: keepVms },
      shows: [
        verbatim(`POST /vms/{${vm.name}}/stop`),
        ...(keepVms ? [] : [msg('lab.reset.shows.deleteVm', { call: verbatim(`DELETE /vms/{${vm.name}}`) })]),
      ],
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
    .sort((a, b) => (a.type !== b.type ? (a.type === 'data' ? 1 : -1) : compareNames(a.name, b.name)));
  const deferred: StorageDomain[] = [];
  for (const domain of extras) {
    dependsOn[`domain ${domain.name}`] = `${domain.status ?? 'attached'}${domain.isMaster ? ', master' : ''}`;
    if (domain.isMaster && !baselineDataActive) {
      if (baseline.storageDomains.some((d) => d.type === 'data')) deferred.push(domain);
      else warnings.push(msg('lab.reset.warning.masterStays', { domain: domain.name }));
      continue;
    }
    impact.push(describeRemoval(domain.name, domain.type, domain.isMaster));
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
              title: msg('lab.reset.probe.leftovers', { path: exp.path }),
              reachOnly: false,
            },
            { signal: ctx.signal },
          )
        : undefined;
    if (listed === undefined || listed.status === 'not-checked') {
      const reason: Text = listed?.reason ?? storageDown ?? msg('lab.reset.noAnswer');
      if (!dryRun) {
        throw new LabopsError(
          'SSH_FAILED',
          msg('lab.reset.refusedUnlisted', {
            path: exp.path,
            machine: storage.machine,
            reason: reason,
          }),
          { hint: msg('lab.reset.refusedUnlisted.hint', { machine: storage.machine }) },
        );
      }
      unchecked.push(msg('lab.reset.unchecked.leftovers', { path: exp.path }));
      steps.push({
        kind: 'runbook.apply',
        title: markNotChecked(
          msg('lab.reset.step.removeLeftovers', { path: exp.path }),
          storage.machine,
          reason,
        ),
        params: { machine: storage.machine, step: { type: 'empty-dir', path: exp.path, entries: [] } },
        shows: [],
      });
      continue;
    }
    const found = listed.result?.found ?? [];
    if (found.length === 0) continue;
    impact.push(
      msg('lab.reset.impact.leftovers', { path: exp.path, count: found.length, domain: wanted.name }),
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
      impact.push(msg('lab.reset.impact.owners', { path, reason: outcome.reason ?? '?' }));
    else if (outcome.status === 'not-checked' && storageDown === undefined)
      unchecked.push(
        msg('lab.reset.unchecked.owners', {
          path,
          reason: outcome.reason ?? msg('lab.reset.noAnswer'),
        }),
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
    if (!domain) {
      impact.push(
        msg('lab.reset.impact.domainAdded', {
          domain: wanted.name,
          address: storage.address,
          path: wanted.exportPath,
        }),
      );
    } else if (domain.status !== 'active') {
      impact.push(
        msg('lab.reset.impact.toState', {
          name: wanted.name,
          from: verbatim(domain.status ?? '?'),
          to: verbatim('active'),
        }),
      );
    }
    steps.push({
      kind: 'storage.ensure-active',
      title: msg('lab.reset.step.domainActive', { domain: wanted.name }),
      params: { domain: wanted.name, type: wanted.type, address: storage.address, path: wanted.exportPath },
      shows: [
        msg('lab.reset.shows.createWhenMissing', {
          call: verbatim(
            `POST /storagedomains (${wanted.name}, nfs ${storage.address}:${wanted.exportPath})`,
          ),
        }),
        msg('lab.reset.shows.attachActivate', {
          attach: verbatim('POST /datacenters/{dc}/storagedomains'),
          activate: verbatim('…/activate'),
        }),
      ],
    });
  }

  // 6. The extra master last: a baseline data domain is active now to take the role.
  for (const domain of deferred) {
    impact.push(describeRemoval(domain.name, 'data', true));
    steps.push(...removalSteps(domain));
  }

  // Every machine a step works on is one the pre-flight checks; a step on a machine out of reach
  // (a dry run's) says it was not checked, and why.
  const marked = steps.map((step): StepSpec => {
    const machine = machineOf(step);
    if (machine === undefined) return step;
    if (!spec.machines.includes(machine)) {
      throw new LabopsError('INTERNAL', msg('lab.reset.internal.unchecked', { machine }));
    }
    const reason = unreachable.get(machine);
    if (reason === undefined || isMarkedNotChecked(step.title)) return step;
    return { ...step, title: markNotChecked(step.title, machine, reason) };
  });
  for (const [machine, reason] of unreachable) {
    impact.push(msg('lab.reset.impact.unreachable', { machine, reason: toReason(reason) }));
  }
  if (dryRun) impact.push(...unchecked.map((what) => msg('lab.reset.impact.notChecked', { what })));
  else warnings.push(...unchecked.map((what) => msg('lab.reset.warning.notChecked', { what })));
  if (!preflight.ok) warnings.unshift(msg('lab.reset.warning.refusedNow'));
  if (impact.length === 0) {
    impact.push(preflight.ok ? msg('lab.reset.impact.atBaseline') : msg('lab.reset.impact.preflightFails'));
  }
  return {
    summary: keepVms ? msg('lab.reset.summaryKeepVms') : msg('lab.reset.summary'),
    risk: 'critical',
    riskReasons: [msg('lab.reset.riskReason')],
    impact,
    warnings,
    blockers: preflight.ok ? [] : preflight.problems,
    locks: ['lab'],
    dependsOn,
    steps: marked,
  };
}

/** `spare: removed with its files (data, master — the role moves to a baseline domain)`. */
function describeRemoval(domain: string, type: string, isMaster: boolean): Message {
  const params = { domain, type: verbatim(type) };
  return isMaster
    ? msg('lab.reset.impact.masterRemoved', params)
    : msg('lab.reset.impact.domainRemoved', params);
}

/** `storage: mounted /export/data (read-only)`: a probe as approvers see it among the step's calls. */
function describeProbe(probe: PreflightProbe): Message {
  const { check } = probe;
  const what = 'path' in check ? check.path : 'service' in check ? check.service : check.name;
  return msg('lab.reset.shows.probe', {
    machine: probe.machine,
    check: verbatim(check.type),
    what: verbatim(what),
  });
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
        title: msg('lab.reset.step.deactivateDomain', { domain: domain.name }),
        params: { domain: domain.name },
        shows: [verbatim(`POST /datacenters/{dc}/storagedomains/{${domain.name}}/deactivate`)],
      });
    }
    steps.push({
      kind: 'storage.detach',
      title: msg('lab.reset.step.detachDomain', { domain: domain.name }),
      params: { domain: domain.name },
      shows: [verbatim(`DELETE /datacenters/{dc}/storagedomains/{${domain.name}}`)],
    });
  }
  steps.push({
    kind: 'storage.remove',
    title: msg('lab.reset.step.removeDomain', { domain: domain.name }),
    params: { domain: domain.name, format: true },
    shows: [verbatim(`DELETE /storagedomains/{${domain.name}}?host={up host}&format=true`)],
  });
  return steps;
}

export const reset = defineChange({
  name: 'reset',
  summary: msg('lab.reset.about'),
  usage: 'reset [--dry-run] [--keep-vms] [--all] [--lab LAB,LAB] [--at TIME] [--every INTERVAL]',
  examples: [
    '/lab reset --dry-run',
    '/lab reset',
    '/lab reset --keep-vms',
    '/lab reset --all --dry-run',
    '/lab reset --at 18:00',
  ],
  args: defineArgs({
    'dry-run': flag(z.boolean().optional(), msg('lab.reset.dryRunFlag')),
    'keep-vms': flag(z.boolean().optional(), msg('lab.reset.keepVmsFlag')),
    ...acrossArgs,
    // Read by labops before the plan (src/schedules/): the plan is the reset as it would run now.
    ...scheduleArgs,
  }),
  risk: 'critical',
  // `--all` and `--lab a,b` never reach the plan: the labs plan each their own part, and one card
  // holds them (src/labs-across.ts).
  acrossLabs: true,
  async plan(ctx, args): Promise<Plan> {
    if (chooseLabs(args) !== undefined) {
      throw new LabopsError('USAGE', msg('lab.acrossChange.oneLab', { lab: ctx.lab.name }), {
        hint: msg('lab.acrossChange.oneLabHint', { example: verbatim('/lab reset') }),
      });
    }
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
        if (!host)
          throw new LabopsError('CONFLICT', msg('lab.reset.ensure.noHost', { domain: params.domain }));
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
          onPollText: (s) => ctx.output(msg('engine.wait.seen', { object: params.domain, state: s })),
        });
      }
      return { status: changed ? 'changed' : 'ok' };
    },
    async verify(ctx, params) {
      const { domains } = await readDomains(ctx);
      const domain = domains.find((d) => d.name === params.domain);
      if (domain?.status === undefined) {
        throw new LabopsError('CONFLICT', msg('lab.reset.ensure.missing', { domain: params.domain }));
      }
      if (domain.status !== 'active') {
        throw new LabopsError(
          'CONFLICT',
          msg('lab.reset.ensure.notActive', { domain: params.domain, status: verbatim(domain.status) }),
        );
      }
      return domain.isMaster
        ? msg('lab.reset.ensure.activeMaster', { domain: params.domain })
        : msg('lab.reset.ensure.active', { domain: params.domain });
    },
  }),
  defineStep({
    kind: 'vm.remove',
    params: z.object({ vm: z.string(), keep: z.boolean() }),
    async run(ctx, params) {
      const vm = (await ctx.engine.listVms()).find((v) => v.name === params.vm);
      if (!vm) return { status: 'ok', detail: msg('lab.reset.vm.alreadyRemoved', { vm: params.vm }) };
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
        if (vm && vm.status !== 'down') {
          throw new LabopsError(
            'CONFLICT',
            msg('lab.reset.vm.notDown', { vm: params.vm, status: verbatim(vm.status) }),
          );
        }
        return msg('lab.reset.vm.down', { vm: params.vm });
      }
      if (vm) throw new LabopsError('CONFLICT', msg('lab.reset.vm.stillThere', { vm: params.vm }));
      return msg('lab.reset.vm.gone', { vm: params.vm });
    },
  }),
];
