import { isIP } from 'node:net';
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
import { LabopsError } from '../../src/errors.js';
import { KVM_GID, VDSM_UID } from '../../src/runbooks/runbooks.js';
import type { CheckResult } from '../../src/runbooks/types.js';
import { textArg } from '../../src/text.js';
import type { ViewAction } from '../../src/view.js';
import { domainName, isAttached, readDomains } from './domains.js';
import { findExport, planIO } from './machine-work.js';

const nfsPath = textArg()
  .max(1100)
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9.-]*:\/[A-Za-z0-9._/-]*$/,
    'must be SERVER:/EXPORT, e.g. 192.168.122.10:/export/data',
  );

interface PreCheck {
  title: string;
  result: CheckResult;
  fix: string;
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
  return [
    {
      title: `${exp.path} is empty (lab guide FAQ 1)`,
      result: empty,
      fix: `/storage clean ${exp.name} empties it (files of an earlier domain).`,
      action: { label: `Clean ${exp.name}`, command: '/storage', text: `clean ${exp.name}` },
    },
    {
      title: `${exp.path} is owned by vdsm:kvm (36:36) (FAQ 3)`,
      result: owner,
      fix: `/storage fix-permissions ${exp.name} gives it back to vdsm.`,
      action: { label: `Fix ${exp.name}`, command: '/storage', text: `fix-permissions ${exp.name}` },
    },
    {
      title: `${exp.path} is a mounted filesystem (FAQ 0)`,
      result: mounted,
      fix: `Mount its disk (its /etc/fstab line, then mount -a); /lab doctor shows what is missing.`,
    },
    {
      title: `${exp.path} is exported`,
      result: exported,
      fix: '/storage prepare writes the exports and reloads them.',
      action: { label: 'Prepare storage', command: '/storage', text: 'prepare' },
    },
    {
      title: `${hostName} resolves ${server} (FAQ 2)`,
      result: resolves,
      fix: serverIp
        ? `/host prepare ${hostName} adds the lab's hosts entries — or use the address: --path ${serverIp}:${exp.path}`
        : `/host prepare ${hostName} adds the lab's hosts entries — or give the server's IP address in --path.`,
      action: { label: `Prepare ${hostName}`, command: '/host', text: `prepare ${hostName}` },
    },
  ];
}

export const attach = defineChange({
  name: 'attach',
  summary: 'Add an NFS storage domain and attach it to the data center, after checking the export',
  usage: 'attach NAME --type data|iso --path SERVER:/EXPORT',
  examples: [
    '/storage attach nfs-data --type data --path 192.168.122.10:/export/data',
    '/storage attach nfs-iso --type iso --path ovirt.abc.local:/export/iso',
  ],
  args: defineArgs({
    name: positional(domainName, 'the new domain'),
    type: flag(z.enum(['data', 'iso']), 'data or iso', { valueName: 'data|iso' }),
    path: flag(nfsPath, 'the NFS export, SERVER:/EXPORT', { valueName: 'SERVER:/EXPORT' }),
  }),
  risk: 'change',
  async plan(ctx, args): Promise<Plan> {
    const [server = '', exportPath = ''] = [
      args.path.slice(0, args.path.indexOf(':')),
      args.path.slice(args.path.indexOf(':') + 1),
    ];
    const exp = findExport(ctx, exportPath);
    const [{ domains }, hosts] = await Promise.all([readDomains(ctx), ctx.engine.listHosts()]);
    if (domains.some((d) => d.name === args.name)) {
      throw new LabopsError('CONFLICT', `The engine already has a storage domain named ${args.name}.`, {
        hint: '/storage status lists them; pick another name.',
      });
    }
    const onIt = domains.find((d) => d.storage.path === exp.path);
    if (onIt) {
      throw new LabopsError('CONFLICT', `${onIt.name} already lives on ${exp.path}.`, {
        hint: isAttached(onIt)
          ? `It is attached (${onIt.status}).`
          : `Remove it first: /storage remove ${onIt.name}.`,
      });
    }
    const host = hosts.find((h) => h.status === 'up');
    if (!host)
      throw new LabopsError('CONFLICT', 'No host is up to mount the export.', {
        hint: '/host activate HOST first.',
      });
    const checks = await runPreChecks(ctx, exp, server, host.name);
    const failed = checks.filter((c) => !c.result.ok);
    if (failed.length) {
      throw new LabopsError(
        'CONFLICT',
        `${args.path} is not ready for a new domain: ${failed.length} check${failed.length === 1 ? '' : 's'} failed.`,
        {
          details: failed.flatMap((c) => [
            `${c.title}: no`,
            ...c.result.evidence.slice(0, 4).map((e) => `  ${e}`),
            `  fix: ${c.fix}`,
          ]),
          hint: 'Fix these, then run the same /storage attach again.',
          actions: failed.flatMap((c) => (c.action ? [c.action] : [])),
        },
      );
    }
    const hasMaster = domains.some((d) => d.isMaster && d.status === 'active');
    return createPlan({
      summary: `Add ${args.name} (${args.type}) on ${args.path} and attach it to ${ctx.lab.dataCenter}`,
      risk: 'change',
      impact: [
        `${host.name} mounts ${args.path}; vdsm writes the domain's structure into ${exp.path}.`,
        `${args.name} is attached to ${ctx.lab.dataCenter} and activated${args.type === 'data' && !hasMaster ? '; it becomes the master domain' : ''}.`,
        ...checks.map((c) => `checked: ${c.title}`),
      ],
      warnings:
        args.type === 'iso'
          ? ['ISO domains are deprecated since oVirt 4.3; data domains hold ISOs too.']
          : [],
      blockers:
        args.type === 'iso' && !hasMaster ? ['An ISO domain needs an active master data domain first.'] : [],
      locks: [`domain:${args.name}`, `export:${exp.path}`],
      dependsOn: { [`domain ${args.name}`]: 'absent', [`host ${host.name}`]: host.status },
      steps: [
        {
          kind: 'storage.ensure-active',
          title: `Add ${args.name} and attach it`,
          params: { domain: args.name, type: args.type, address: server, path: exp.path, host: host.name },
          shows: [
            `POST /storagedomains (${args.name}, ${args.type}, nfs ${args.path}, host ${host.name})`,
            `POST /datacenters/{dc}/storagedomains {id}`,
            'wait until active',
          ],
        },
      ],
    });
  },
});
