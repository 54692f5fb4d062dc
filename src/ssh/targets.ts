import type { SshTarget } from './connections.js';

/** The machines of lab.yml as SSH targets: the hypervisors and the storage server, with their pins. */
export function getSshTargets(lab: {
  readonly hosts: readonly SshMachine[];
  readonly storage: { readonly server: SshMachine };
}): SshTarget[] {
  return [...lab.hosts, lab.storage.server].map((machine) => ({
    machine: machine.name,
    host: machine.address,
    port: machine.ssh.port,
    user: machine.ssh.user,
    hostKey: machine.ssh.host_key,
  }));
}

interface SshMachine {
  readonly name: string;
  readonly address: string;
  readonly ssh: { readonly user: string; readonly port: number; readonly host_key?: string | undefined };
}
