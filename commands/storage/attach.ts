import { isIP } from 'node:net';
import { z } from 'zod';
import { schemaMessage } from '../../src/args.js';
import {
  type CommandContext,
  createPlan,
  defineArgs,
  defineChange,
  flag,
  type Plan,
  positional,
} from '../../src/command.js';
import { LabopsError } from '../../src/errors.js';
import { describeFaq, type Faq } from '../../src/i18n/faq.js';
import { type Message, msg, type Text, verbatim } from '../../src/i18n/text.js';
import { KVM_GID, VDSM_UID } from '../../src/runbooks/runbooks.js';
import type { CheckResult } from '../../src/runbooks/types.js';
import { textArg } from '../../src/text.js';
import type { ViewAction } from '../../src/view.js';
import { domainName, isAttached, readDomains } from './domains.js';
import { findExport, planIO } from './machine-work.js';

const nfsPath = textArg()
  .max(1100)
  .regex(/^[A-Za-z0-9][A-Za-z0-9.-]*:\/[A-Za-z0-9._/-]*$/, schemaMessage(msg('storage.arg.pathForm')));

interface PreCheck {
  title: Message;
  result: CheckResult;
  fix: Message;
  /** The lab guide's FAQ about this problem, named in full when the check fails. */
  faq?: Faq | undefined;
  action?: ViewAction | undefined;
}

/**
 * The pre-checks of lab-guide.md's problems before a domain is added, each failing one offering
 * its fix: stale files (FAQ 1), ownership (FAQ 3), not mounted (FAQ 0), not exported, and the
 * server name resolvable on the hypervisor that will mount it (FAQ 2) — the engine's own error
 * for each of these arrives only after a long mount timeout and names none of the fixes.
 */
async function runPreChecks(
  ctx: CommandContext,
  exp: { name: string; path: string },
  server: string,
  hostName: string,
): Promise<PreCheck[]> {
  const storage = ctx.lab.storage.machine;
  const io = planIO(ctx);
  const serverIp =
    ctx.lab.addresses[storage] ?? (isIP(ctx.lab.storage.address) ? ctx.lab.storage.address : undefined);
  const [empty, owner, mounted, exported, resolves] = await Promise.all([
    ctx.machines.inspect(storage, { type: 'dir-empty', path: exp.path }, io),
    ctx.machines.inspect(
      storage,
      { type: 'owner-mode', path: exp.path, owner: VDSM_UID, group: KVM_GID, recursive: true },
      io,
    ),
    ctx.machines.inspect(storage, { type: 'mounted', path: exp.path, minFreeBytes: 0 }, io),
    ctx.machines.inspect(storage, { type: 'export-active', path: exp.path }, io),
    isIP(server)
      ? Promise.resolve<CheckResult>({ ok: true, evidence: [`${server} is an address`] })
      : ctx.machines.inspect(hostName, { type: 'resolves', name: server }, io),
  ]);
  const path = exp.path;
  const name = exp.name;
  return [
    {
      title: msg('storage.attach.checkEmpty', { path }),
      result: empty,
      fix: msg('storage.attach.fixClean', { export: name }),
      faq: 1,
      action: {
        label: msg('storage.attach.actionClean', { export: name }),
        command: '/storage',
        text: `clean ${name}`,
      },
    },
    {
      title: msg('storage.attach.checkOwner', { path }),
      result: owner,
      fix: msg('storage.attach.fixOwner', { command: verbatim(`/storage fix-permissions ${name}`) }),
      faq: 3,
      action: {
        label: msg('storage.attach.actionFixPermissions', { export: name }),
        command: '/storage',
        text: `fix-permissions ${name}`,
      },
    },
    {
      title: msg('storage.attach.checkMounted', { path }),
      result: mounted,
      fix: msg('storage.attach.fixMount'),
      faq: 0,
    },
    {
      title: msg('storage.attach.checkExported', { path }),
      result: exported,
      fix: msg('storage.attach.fixExports'),
      action: { label: msg('storage.attach.actionPrepareStorage'), command: '/storage', text: 'prepare' },
    },
    {
      title: msg('storage.attach.checkResolves', { host: hostName, server }),
      result: resolves,
      fix: serverIp
        ? msg('storage.attach.fixHostsOrAddress', { host: hostName, path: verbatim(`${serverIp}:${path}`) })
        : msg('storage.attach.fixHostsOrIp', { host: hostName }),
      faq: 2,
      action: {
        label: msg('storage.attach.actionPrepareHost', { host: hostName }),
        command: '/host',
        text: `prepare ${hostName}`,
      },
    },
  ];
}

/** A failed pre-check in the refusal's details: what failed, the machine's evidence, the fix, the FAQ. */
function describeFailure(check: PreCheck): Text[] {
  return [
    msg('storage.attach.checkFailed', { check: check.title }),
    ...check.result.evidence.slice(0, 4).map((e) => verbatim(`  ${e}`)),
    msg('storage.attach.checkFix', { fix: check.fix }),
    ...(check.faq === undefined ? [] : [msg('storage.attach.checkGuide', { faq: describeFaq(check.faq) })]),
  ];
}

export const attach = defineChange({
  name: 'attach',
  summary: msg('storage.help.attach'),
  usage: 'attach NAME --type data|iso --path SERVER:/EXPORT',
  examples: [
    '/storage attach nfs-data --type data --path 192.168.122.10:/export/data',
    '/storage attach nfs-iso --type iso --path ovirt.abc.local:/export/iso',
  ],
  args: defineArgs({
    name: positional(domainName, msg('storage.arg.newDomain')),
    type: flag(z.enum(['data', 'iso']), msg('storage.arg.type'), { valueName: 'data|iso' }),
    path: flag(nfsPath, msg('storage.arg.path'), { valueName: 'SERVER:/EXPORT' }),
  }),
  risk: 'change',
  async plan(ctx, args): Promise<Plan> {
    const [server = '', exportPath = ''] = [
      args.path.slice(0, args.path.indexOf(':')),
      args.path.slice(args.path.indexOf(':') + 1),
    ];
    const exp = findExport(ctx, exportPath);
    const [{ domains }, hosts] = await Promise.all([readDomains(ctx), ctx.engine.listHosts()]);
    const existing = domains.find((d) => d.name === args.name);
    // A domain detached from the data center (a Revert of /storage detach, issue 15 §3) on this
    // very export is attached again as it is: its export holds its files, so no pre-check applies.
    const detached =
      existing && !isAttached(existing) && existing.type === args.type && existing.storage.path === exp.path
        ? existing
        : undefined;
    if (existing && !detached) {
      throw new LabopsError('CONFLICT', msg('storage.attach.exists', { name: args.name }), {
        hint: msg('storage.attach.existsHint'),
      });
    }
    const onIt = detached ? undefined : domains.find((d) => d.storage.path === exp.path);
    if (onIt) {
      throw new LabopsError(
        'CONFLICT',
        msg('storage.attach.exportTaken', { domain: onIt.name, path: exp.path }),
        {
          hint: isAttached(onIt)
            ? msg('storage.attach.exportTakenAttached', { status: verbatim(onIt.status ?? '?') })
            : msg('storage.attach.exportTakenRemove', { domain: onIt.name }),
        },
      );
    }
    const host = hosts.find((h) => h.status === 'up');
    if (!host)
      throw new LabopsError('CONFLICT', msg('storage.attach.noHostUp'), {
        hint: msg('storage.hint.activateHost', { command: verbatim('/host activate HOST') }),
      });
    if (detached) {
      const hasMaster = domains.some((d) => d.isMaster && d.status === 'active');
      return createPlan({
        summary: msg('storage.attach.reattachSummary', {
          name: args.name,
          type: verbatim(args.type),
          path: args.path,
          dataCenter: ctx.lab.dataCenter,
        }),
        risk: 'change',
        impact: [msg('storage.attach.reattachImpact', { name: args.name, dataCenter: ctx.lab.dataCenter })],
        blockers: args.type === 'iso' && !hasMaster ? [msg('storage.attach.isoNeedsMaster')] : [],
        locks: [`domain:${args.name}`, `export:${exp.path}`],
        dependsOn: { [`domain ${args.name}`]: 'unattached', [`host ${host.name}`]: host.status },
        steps: [
          {
            kind: 'storage.ensure-active',
            title: msg('storage.attach.reattachStep', { name: args.name }),
            params: { domain: args.name, type: args.type, address: server, path: exp.path, host: host.name },
            shows: [
              verbatim(`POST /datacenters/{dc}/storagedomains {${args.name}}`),
              msg('pipeline.shows.waitFor', { target: args.name, state: 'active' }),
            ],
          },
        ],
      });
    }
    const checks = await runPreChecks(ctx, exp, server, host.name);
    const failed = checks.filter((c) => !c.result.ok);
    if (failed.length) {
      throw new LabopsError(
        'CONFLICT',
        msg('storage.attach.notReady', { path: args.path, count: failed.length }),
        {
          details: failed.flatMap(describeFailure),
          hint: msg('storage.attach.notReadyHint'),
          actions: failed.flatMap((c) => (c.action ? [c.action] : [])),
        },
      );
    }
    const hasMaster = domains.some((d) => d.isMaster && d.status === 'active');
    return createPlan({
      summary: msg('storage.attach.summary', {
        name: args.name,
        type: verbatim(args.type),
        path: args.path,
        dataCenter: ctx.lab.dataCenter,
      }),
      risk: 'change',
      impact: [
        msg('storage.attach.impactMount', { host: host.name, path: args.path, export: exp.path }),
        msg('storage.attach.impactAttach', {
          name: args.name,
          dataCenter: ctx.lab.dataCenter,
          master: args.type === 'data' && !hasMaster ? 'yes' : 'no',
        }),
        ...checks.map((c) => msg('storage.attach.impactChecked', { check: c.title })),
      ],
      warnings: args.type === 'iso' ? [msg('storage.attach.isoDeprecated')] : [],
      blockers: args.type === 'iso' && !hasMaster ? [msg('storage.attach.isoNeedsMaster')] : [],
      locks: [`domain:${args.name}`, `export:${exp.path}`],
      dependsOn: { [`domain ${args.name}`]: 'absent', [`host ${host.name}`]: host.status },
      steps: [
        {
          kind: 'storage.ensure-active',
          title: msg('storage.attach.step', { name: args.name }),
          params: { domain: args.name, type: args.type, address: server, path: exp.path, host: host.name },
          shows: [
            verbatim(
              `POST /storagedomains (${args.name}, ${args.type}, nfs ${args.path}, host ${host.name})`,
            ),
            verbatim('POST /datacenters/{dc}/storagedomains {id}'),
            msg('pipeline.shows.waitFor', { target: args.name, state: 'active' }),
          ],
        },
      ],
    });
  },
});
