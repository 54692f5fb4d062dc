import { isIP } from 'node:net';
import { schemaMessage } from '../../src/args.js';
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
import { describeFaq } from '../../src/i18n/faq.js';
import { list, msg, verbatim } from '../../src/i18n/text.js';
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
  .regex(/^[A-Za-z0-9/][A-Za-z0-9._/-]*$/, schemaMessage(msg('storage.arg.exportForm')));

/** The IO a plan's read-only checks get: they are quick and never cancelled by a job. */
export function planIO(ctx: CommandContext) {
  return { signal: ctx.signal ?? new AbortController().signal, output: () => undefined };
}

/** An export of the lab by name or path, or a clear refusal naming the ones there are. */
export function findExport(ctx: CommandContext, ref: string): { name: string; path: string } {
  const found = ctx.lab.storage.exports.find((e) => e.name === ref || e.path === ref);
  if (!found) {
    throw new LabopsError('NOT_FOUND', msg('storage.export.notFound', { ref }), {
      hint: msg('storage.export.notFoundHint', {
        exports: list(ctx.lab.storage.exports.map((e) => verbatim(`${e.name} (${e.path})`))),
      }),
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
  summary: msg('storage.help.prepare'),
  usage: 'prepare',
  examples: ['/storage prepare'],
  args: defineArgs({}),
  risk: 'change',
  async plan(ctx): Promise<Plan> {
    const items = planStoragePrepare(ctx.lab.runbook, { network: exportNetwork(ctx) });
    const exports = list(ctx.lab.storage.exports.map((e) => e.path));
    return planFromRunbook(items, {
      summary: msg('storage.prepare.summary', { machine: ctx.lab.storage.machine }),
      risk: 'change',
      // The steps list every detail; the impact says it in two lines for a phone.
      impact: [
        msg('storage.prepare.impactExports', { exports }),
        msg('storage.prepare.impactServices', { services: list(['nfs', 'rpc-bind', 'mountd']) }),
      ],
      locks: [`machine:${ctx.lab.storage.machine}`],
      dependsOn: {},
    });
  },
});

export const clean = defineChange({
  name: 'clean',
  summary: msg('storage.help.clean'),
  usage: 'clean EXPORT',
  examples: ['/storage clean data', '/storage clean /export/iso'],
  args: defineArgs({ export: positional(exportArg, msg('storage.arg.export')) }),
  risk: 'destructive',
  async plan(ctx, args): Promise<Plan> {
    const exp = findExport(ctx, args.export);
    const [listing, { domains }] = await Promise.all([
      ctx.machines.inspect(ctx.lab.storage.machine, { type: 'dir-empty', path: exp.path }, planIO(ctx)),
      readDomains(ctx),
    ]);
    const entries = listing.found ?? [];
    if (entries.length === 0) {
      throw new LabopsError('CONFLICT', msg('storage.clean.alreadyEmpty', { path: exp.path }));
    }
    // The runbook refuses an export the engine still lists a domain on; say which domain.
    const domainPaths = domains.flatMap((d) =>
      d.storage.path ? [`${d.storage.address}:${d.storage.path}`] : [],
    );
    const items = planStorageClean(ctx.lab.runbook, { export: exp.name, entries, domainPaths });
    return planFromRunbook(items, {
      summary: msg('storage.clean.summary', { path: exp.path, machine: ctx.lab.storage.machine }),
      risk: 'destructive',
      impact: entries.map((e) => msg('storage.clean.impact', { path: verbatim(`${exp.path}/${e}`) })),
      locks: [`machine:${ctx.lab.storage.machine}`, `export:${exp.path}`],
      dependsOn: { [`export ${exp.path}`]: entries.join(', ') },
    });
  },
});

export const fixPermissions = defineChange({
  name: 'fix-permissions',
  summary: msg('storage.help.fixPermissions'),
  usage: 'fix-permissions [EXPORT]',
  examples: ['/storage fix-permissions', '/storage fix-permissions iso'],
  args: defineArgs({ export: positional(exportArg.optional(), msg('storage.arg.oneExport')) }),
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
        msg('storage.fixPermissions.notMounted', {
          count: unmounted.length,
          paths: list(unmounted.map((e) => e.path)),
        }),
        {
          details: mounts.flatMap((m, i) =>
            m?.ok ? [] : (m?.evidence ?? []).map((l) => verbatim(`${chosen[i]?.path}: ${l}`)),
          ),
          hint: msg('storage.fixPermissions.notMountedHint', { faq: describeFaq(0) }),
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
      title: msg('storage.fixPermissions.step', { domain: d.name }),
      params: {
        domain: d.name,
        type: d.type === 'iso' ? 'iso' : 'data',
        address: d.storage.address ?? '',
        path: d.storage.path ?? '',
      },
      shows: [verbatim(`POST /datacenters/{dc}/storagedomains/{${d.name}}/activate`)],
    }));
    return planFromRunbook(
      items,
      {
        summary: msg('storage.fixPermissions.summary', { paths: list(chosen.map((e) => e.path)) }),
        risk: 'change',
        impact: [
          ...chosen.map((e) => msg('storage.fixPermissions.impactOwner', { path: e.path })),
          ...inactive.map((d) =>
            msg('storage.fixPermissions.impactReactivate', {
              domain: d.name,
              status: verbatim(d.status ?? '?'),
            }),
          ),
        ],
        locks: [`machine:${ctx.lab.storage.machine}`, ...inactive.map((d) => `domain:${d.name}`)],
        dependsOn: Object.fromEntries(inactive.map((d) => [`domain ${d.name}`, d.status ?? '?'])),
      },
      reactivate,
    );
  },
});
