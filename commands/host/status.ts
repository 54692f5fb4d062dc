import { defineArgs, defineRead, positional } from '../../src/command.js';
import type { Host, Vm } from '../../src/engine/types.js';
import { compareNames } from '../../src/i18n/formats.js';
import { bytes, list, type Message, msg, type Param, verbatim } from '../../src/i18n/text.js';
import type { View } from '../../src/view.js';
import { findHostOrExplain, hostArg, isRunning } from './hosts.js';

function describeVm(vm: Vm): Param {
  return vm.status === 'up' ? vm.name : msg('host.status.vmState', { vm: vm.name, status: vm.status });
}

/** `hyper1  up · SPM  2 VMs`: the host, its engine state, the SPM role and how many VMs run on it. */
function describeHost(host: Host, running: number): Message {
  const line = { host: host.name, status: host.status, count: running };
  return host.isSpm ? msg('host.status.lineSpm', line) : msg('host.status.line', line);
}

export const status = defineRead({
  name: 'status',
  summary: msg('host.help.status'),
  usage: 'status [HOST]',
  examples: ['/host status', '/host status hyper1'],
  args: defineArgs({ host: positional(hostArg.optional(), msg('host.help.statusHost')) }),
  risk: 'read',
  async run(ctx, args): Promise<View> {
    const [hosts, vms] = await Promise.all([
      args.host ? findHostOrExplain(ctx, args.host).then((h) => [h]) : ctx.engine.listHosts(),
      ctx.engine.listVms(),
    ]);
    const lines = hosts
      .sort((a, b) => compareNames(a.name, b.name))
      .flatMap((host) => {
        const here = vms.filter((vm) => vm.hostId === host.id && isRunning(vm));
        const head = describeHost(host, here.length);
        if (!args.host) return [head];
        return [
          head,
          here.length
            ? msg('host.status.vms', { vms: list(here.map(describeVm)) })
            : msg('host.status.noVms'),
          msg('host.status.details', {
            address: host.address ?? '?',
            memory: host.memoryBytes === undefined ? '?' : bytes(host.memoryBytes),
          }),
        ];
      });
    const [one] = hosts;
    if (args.host && one) {
      return {
        title: msg('host.status.titleOne', { host: one.name }),
        state: { text: verbatim(one.status), tone: one.status === 'up' ? 'ok' : 'warn' },
        sections: [{ lines }],
      };
    }
    const up = hosts.filter((h) => h.status === 'up').length;
    return {
      title: msg('host.status.title'),
      state: {
        text: msg('host.status.upCount', { up, total: hosts.length }),
        tone: up === hosts.length ? 'ok' : 'warn',
      },
      sections: [{ lines: lines.length ? lines : [msg('host.status.noHosts')] }],
    };
  },
});
