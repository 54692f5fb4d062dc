import { defineArgs, defineRead, positional } from '../../src/command.js';
import type { Host, Vm } from '../../src/engine/types.js';
import { formatBytes, type View } from '../../src/view.js';
import { findHostOrExplain, hostArg, isRunning } from './hosts.js';

function describeVm(vm: Vm): string {
  return vm.status === 'up' ? vm.name : `${vm.name} (${vm.status})`;
}

function hostFlags(host: Host): string {
  return [host.status, host.isSpm ? 'SPM' : undefined].filter(Boolean).join(' · ');
}

export const status = defineRead({
  name: 'status',
  summary: 'Hosts with their status, VMs and the SPM role',
  usage: 'status [HOST]',
  examples: ['/host status', '/host status hyper1'],
  args: defineArgs({ host: positional(hostArg.optional(), 'one host to show in detail') }),
  risk: 'read',
  async run(ctx, args): Promise<View> {
    const [hosts, vms] = await Promise.all([
      args.host ? findHostOrExplain(ctx, args.host).then((h) => [h]) : ctx.engine.listHosts(),
      ctx.engine.listVms(),
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
