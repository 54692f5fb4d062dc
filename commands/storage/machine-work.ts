import { isIP } from 'node:net';
import {
  type CommandContext,
  createPlan,
  defineArgs,
  defineChange,
  type Plan,
  type PlanSpec,
  positional,
} from '../../src/command.js';
import { LabopsError } from '../../src/errors.js';
import { toStepSpecs } from '../../src/jobs/runbook-steps.js';
import {
  planStorageClean,
  planStorageFixPermissions,
  planStoragePrepare,
} from '../../src/runbooks/runbooks.js';
import type { RunbookItem } from '../../src/runbooks/types.js';
import type { StepSpec } from '../../src/store/types.js';
import { textArg } from '../../src/text.js';
import { readDomains } from './domains.js';

/** Runbooks on a machine may run long; each step is bounded on the machine and locally. */
export const RUNBOOK_STEP_TIMEOUT_MS = 10 * 60_000;

const exportArg = textArg()
  .min(1)
  .max(1024)
  .regex(/^[A-Za-z0-9/][A-Za-z0-9._/-]*$/, 'must be an export name or path such as data or /export/data');

/** The IO a plan's read-only checks get: they are quick and never cancelled by a job. */
export function planIO(ctx: CommandContext) {
  return { signal: ctx.signal ?? new AbortController().signal, output: () => undefined };
}

/** An export of the lab by name or path, or a clear refusal naming the ones there are. */
export function findExport(ctx: CommandContext, ref: string): { name: string; path: string } {
  const found = ctx.lab.storage.exports.find((e) => e.name === ref || e.path === ref);
  if (!found) {
    throw new LabopsError('NOT_FOUND', `There is no export "${ref}" in the lab.`, {
      hint: `Exports: ${ctx.lab.storage.exports.map((e) => `${e.name} (${e.path})`).join(', ')}.`,
    });
  }
  return found;
}

/** The lab network the exports serve: the /24 of the storage server's address (lab-guide.md step 4). */
function exportNetwork(ctx: CommandContext): string | undefined {
  const ip =
    isIP(ctx.lab.storage.address) === 4
      ? ctx.lab.storage.address
      : ctx.lab.addresses[ctx.lab.storage.machine];
  return ip && isIP(ip) === 4 ? `${ip.split('.').slice(0, 3).join('.')}.0/24` : undefined;
}

/** A runbook as a plan: its items are the steps and what they show; warnings come along. */
export function planFromRunbook(
  items: readonly RunbookItem[],
  plan: Omit<PlanSpec, 'steps'> & Pick<Plan, 'impact' | 'locks' | 'dependsOn'>,
  extraSteps: StepSpec[] = [],
): Plan {
  const warnings = [...new Set(items.flatMap((i) => (i.warning ? [i.warning] : [])))];
  return createPlan({
    ...plan,
    warnings: [...(plan.warnings ?? []), ...warnings],
    steps: [...toStepSpecs(items, { timeoutMs: RUNBOOK_STEP_TIMEOUT_MS }), ...extraSteps],
  });
}

export const prepare = defineChange({
  name: 'prepare',
  summary:
    'Prepare the NFS storage server: export directories 36:36 with setgid, exports, NFS service, firewall',
  usage: 'prepare',
  examples: ['/storage prepare'],
  args: defineArgs({}),
  risk: 'change',
  async plan(ctx): Promise<Plan> {
    const items = planStoragePrepare(ctx.lab.runbook, { network: exportNetwork(ctx) });
    const exports = ctx.lab.storage.exports.map((e) => e.path).join(', ');
    return planFromRunbook(items, {
      summary: `Prepare the storage server ${ctx.lab.storage.machine}`,
      risk: 'change',
      // The steps list every detail; the impact says it in two lines for a phone.
      impact: [
        `${exports}: owned 36:36 with setgid, checked mounted with space, exported to the lab network.`,
        `nfs-server enabled and running; firewalld lets nfs, rpc-bind and mountd through. Each step checks first and changes only what is missing.`,
      ],
      locks: [`machine:${ctx.lab.storage.machine}`],
      dependsOn: {},
    });
  },
});

export const clean = defineChange({
  name: 'clean',
  summary: 'Empty an export left with files of an earlier domain (lab guide FAQ 1)',
  usage: 'clean EXPORT',
  examples: ['/storage clean data', '/storage clean /export/iso'],
  args: defineArgs({ export: positional(exportArg, 'the export, by name or path') }),
  risk: 'destructive',
  async plan(ctx, args): Promise<Plan> {
    const exp = findExport(ctx, args.export);
    const [listing, { domains }] = await Promise.all([
      ctx.machines.inspect(ctx.lab.storage.machine, { type: 'dir-empty', path: exp.path }, planIO(ctx)),
      readDomains(ctx),
    ]);
    const entries = listing.found ?? [];
    if (entries.length === 0) {
      throw new LabopsError('CONFLICT', `${exp.path} is already empty; there is nothing to clean.`);
    }
    // The runbook refuses an export the engine still lists a domain on; say which domain.
    const domainPaths = domains.flatMap((d) =>
      d.storage.path ? [`${d.storage.address}:${d.storage.path}`] : [],
    );
    const items = planStorageClean(ctx.lab.runbook, { export: exp.name, entries, domainPaths });
    return planFromRunbook(items, {
      summary: `Empty ${exp.path} on ${ctx.lab.storage.machine}`,
      risk: 'destructive',
      impact: entries.map((e) => `remove ${exp.path}/${e}`),
      locks: [`machine:${ctx.lab.storage.machine}`, `export:${exp.path}`],
      dependsOn: { [`export ${exp.path}`]: entries.join(', ') },
    });
  },
});

export const fixPermissions = defineChange({
  name: 'fix-permissions',
  summary: 'Give an export back to vdsm (36:36, setgid) and re-activate its domain (lab guide FAQ 3)',
  usage: 'fix-permissions [EXPORT]',
  examples: ['/storage fix-permissions', '/storage fix-permissions iso'],
  args: defineArgs({ export: positional(exportArg.optional(), 'one export (default: every export)') }),
  risk: 'change',
  async plan(ctx, args): Promise<Plan> {
    const chosen = args.export ? [findExport(ctx, args.export)] : [...ctx.lab.storage.exports];
    const mounts = await Promise.all(
      chosen.map((e) =>
        ctx.machines.inspect(
          ctx.lab.storage.machine,
          { type: 'mounted', path: e.path, minFreeBytes: 0 },
          planIO(ctx),
        ),
      ),
    );
    const unmounted = chosen.filter((_, i) => !mounts[i]?.ok);
    if (unmounted.length) {
      throw new LabopsError(
        'CONFLICT',
        `${unmounted.map((e) => e.path).join(', ')} ${unmounted.length === 1 ? 'is' : 'are'} not mounted: fixing ownership there would change the root filesystem, not the export.`,
        {
          details: mounts.flatMap((m, i) =>
            m?.ok ? [] : (m?.evidence ?? []).map((l) => `${chosen[i]?.path}: ${l}`),
          ),
          hint: 'Mount the export first (its /etc/fstab line, then mount -a); /lab doctor shows what is missing (FAQ 0).',
        },
      );
    }
    const items = planStorageFixPermissions(ctx.lab.runbook, { exports: chosen.map((e) => e.path) });
    const { domains } = await readDomains(ctx);
    const paths = new Set(chosen.map((e) => e.path));
    const inactive = domains.filter(
      (d) =>
        d.storage.path !== undefined &&
        paths.has(d.storage.path) &&
        d.dataCenterIds.length > 0 &&
        (d.status === 'inactive' || d.status === 'maintenance'),
    );
    // FAQ 3: the domain stays inactive after a reboot until ownership is right — then activate it.
    const reactivate: StepSpec[] = inactive.map((d) => ({
      kind: 'storage.ensure-active',
      title: `Activate ${d.name} again`,
      params: {
        domain: d.name,
        type: d.type === 'iso' ? 'iso' : 'data',
        address: d.storage.address ?? '',
        path: d.storage.path ?? '',
      },
      shows: [`POST /datacenters/{dc}/storagedomains/{${d.name}}/activate`],
    }));
    return planFromRunbook(
      items,
      {
        summary: `Fix ownership of ${chosen.map((e) => e.path).join(', ')}`,
        risk: 'change',
        impact: [
          ...chosen.map((e) => `${e.path} and everything in it: owner 36:36 (vdsm:kvm), directories setgid`),
          ...inactive.map((d) => `${d.name}: ${d.status} → active`),
        ],
        locks: [`machine:${ctx.lab.storage.machine}`, ...inactive.map((d) => `domain:${d.name}`)],
        dependsOn: Object.fromEntries(inactive.map((d) => [`domain ${d.name}`, d.status ?? '?'])),
      },
      reactivate,
    );
  },
});
