import { storeDisk } from './disks.js';
import {
  type DataCenter,
  type Disk,
  EngineModel,
  type Host,
  type StorageDomain,
  type Vm,
} from './engine-model.js';
import { LabNetwork, SimMachineState } from './machines.js';
import type { EngineProfile } from './model/api-model.js';
import type { Scheduler } from './scheduler.js';
import { writeDomainStructure } from './storage.js';
import type { SimSeed } from './types.js';

/** The lab of lab-guide.md: one data center and cluster, the storage server, two hypervisors. */
export const DEFAULT_SEED: SimSeed = {
  dataCenter: 'Default',
  cluster: 'Default',
  storageServer: { name: 'storage', address: 'ovirt.abc.local' },
  hypervisors: [
    { name: 'hyper1', address: 'hyper1.abc.local' },
    { name: 'hyper2', address: 'hyper2.abc.local' },
  ],
  exports: [
    { path: '/export/data', sizeBytes: 50 * 1024 ** 3 },
    { path: '/export/iso', sizeBytes: 50 * 1024 ** 3 },
  ],
  storageDomains: [
    { name: 'nfs-data', type: 'data', exportPath: '/export/data' },
    { name: 'nfs-iso', type: 'iso', exportPath: '/export/iso' },
  ],
  vms: [
    { name: 'web1', host: 'hyper1' },
    { name: 'db1', host: 'hyper1' },
    { name: 'app1', host: 'hyper2' },
  ],
};

/** The lab network 192.168.122.0/24 (lab-guide.md topology). */
const STORAGE_IP = '192.168.122.10';
const hypervisorIp = (index: number): string => `192.168.122.${21 + index}`;
const LAB_NET = '192.168.122.0/24';
const EXPORT_OPTIONS = `${LAB_NET}(rw,sync,no_root_squash)`;
const VDSM_EXPORT = { uid: 36, gid: 36, mode: 0o2755 };
/** The root filesystem of the storage server: small, so an export that is not mounted shows little space. */
const ROOT_FS = { device: '/dev/mapper/centos-root', sizeBytes: 17 * 1024 ** 3, usedBytes: 9 * 1024 ** 3 };

export interface Lab {
  model: EngineModel;
  network: LabNetwork;
  machines: Map<string, SimMachineState>;
  /** The machine for a host being added; made (bare, not prepared) when the lab does not know it. */
  ensureMachine(name: string, address: string): SimMachineState;
}

export function resolveSeed(partial: Partial<SimSeed> = {}): SimSeed {
  return { ...DEFAULT_SEED, ...partial };
}

function hostsFile(seed: SimSeed): string {
  const line = (ip: string, address: string, name: string): string => {
    const short = address.split('.')[0] ?? address;
    const names = [
      address,
      ...(short !== address ? [short] : []),
      ...(name !== address && name !== short ? [name] : []),
    ];
    return `${ip} ${names.join(' ')}`;
  };
  return [
    '127.0.0.1   localhost localhost.localdomain localhost4 localhost4.localdomain4',
    '::1         localhost localhost.localdomain localhost6 localhost6.localdomain6',
    line(STORAGE_IP, seed.storageServer.address, seed.storageServer.name),
    ...seed.hypervisors.map((h, i) => line(hypervisorIp(i), h.address, h.name)),
    '',
  ].join('\n');
}

function baseMachine(machine: SimMachineState, hosts: string): void {
  machine.writeFile('/etc/hosts', hosts);
  for (const service of ['sshd', 'firewalld', 'chronyd'])
    machine.services.set(service, { enabled: true, active: true });
  for (const service of ['ssh', 'dhcpv6-client']) {
    machine.firewall.permanent.add(service);
    machine.firewall.runtime.add(service);
  }
  machine.mounts.set('/', { ...ROOT_FS });
}

/** The storage server after the guide's "prepare the NFS storage server" runbook. */
function prepareStorageServer(machine: SimMachineState, seed: SimSeed): void {
  machine.ensureDir('/export', VDSM_EXPORT);
  const fstab: string[] = ['/dev/mapper/centos-root /                       xfs     defaults        0 0'];
  seed.exports.forEach((exp, i) => {
    const device = `/dev/vd${String.fromCharCode(98 + i)}1`;
    machine.ensureDir(exp.path, VDSM_EXPORT);
    machine.mounts.set(exp.path, { device, sizeBytes: exp.sizeBytes, usedBytes: 0 });
    machine.activeExports.set(exp.path, EXPORT_OPTIONS);
    fstab.push(`${device} ${exp.path} ext4 defaults 0 0`);
  });
  machine.writeFile('/etc/exports', seed.exports.map((e) => `${e.path} ${EXPORT_OPTIONS}\n`).join(''));
  machine.writeFile('/etc/fstab', `${fstab.join('\n')}\n`);
  for (const service of ['nfs-server', 'rpcbind', 'ovirt-engine', 'ovirt-imageio', 'postgresql']) {
    machine.services.set(service, { enabled: true, active: true });
  }
  for (const service of ['nfs', 'rpc-bind', 'mountd', 'http', 'https']) {
    machine.firewall.permanent.add(service);
    machine.firewall.runtime.add(service);
  }
}

/** A hypervisor after the guide's "prepare a hypervisor" runbook: hosts entries, the engine's key. */
function prepareHypervisor(machine: SimMachineState, engineKey: string): void {
  machine.ensureDir('/root', { uid: 0, gid: 0, mode: 0o550 });
  machine.ensureDir('/root/.ssh', { uid: 0, gid: 0, mode: 0o700 });
  machine.writeFile('/root/.ssh/authorized_keys', `${engineKey}\n`, { uid: 0, gid: 0, mode: 0o600 });
  for (const service of ['vdsmd', 'supervdsmd', 'libvirtd'])
    machine.services.set(service, { enabled: true, active: true });
}

/** Builds the seed lab: machines in their prepared state and the engine's objects, all up. */
export function createLab(
  seed: SimSeed,
  scheduler: Scheduler,
  user: string,
  engineKey: string,
  engine: EngineProfile,
): Lab {
  const network = new LabNetwork();
  const hosts = hostsFile(seed);
  const machines = new Map<string, SimMachineState>();
  const storage = new SimMachineState(
    seed.storageServer.name,
    seed.storageServer.address,
    STORAGE_IP,
    network,
  );
  baseMachine(storage, hosts);
  prepareStorageServer(storage, seed);
  machines.set(storage.name, storage);
  const model = new EngineModel(scheduler, user, storage, network, engine);

  const dc: DataCenter = { id: model.newId(), name: seed.dataCenter, status: 'uninitialized' };
  model.dataCenters.push(dc);
  const cluster = { id: model.newId(), name: seed.cluster, dataCenterId: dc.id };
  model.clusters.push(cluster);

  seed.hypervisors.forEach((spec, i) => {
    const machine = new SimMachineState(spec.name, spec.address, hypervisorIp(i), network);
    baseMachine(machine, hosts);
    prepareHypervisor(machine, engineKey);
    machines.set(machine.name, machine);
    const host: Host = {
      id: model.newId(),
      name: spec.name,
      address: spec.address,
      clusterId: cluster.id,
      status: 'up',
      spm: 'none',
      memoryBytes: 16 * 1024 ** 3,
      machine,
      generation: 0,
    };
    model.hosts.push(host);
  });

  for (const spec of seed.storageDomains) {
    const hasMaster = model.storageDomains.some((s) => s.master);
    const domain: StorageDomain = {
      id: model.newId(),
      name: spec.name,
      type: spec.type,
      address: seed.storageServer.address,
      path: spec.exportPath,
      nfsVersion: 'auto',
      server: storage,
      dataCenterId: dc.id,
      status: 'active',
      master: spec.type === 'data' && !hasMaster,
      cachedFiles: undefined,
      generation: 0,
    };
    writeDomainStructure(domain);
    model.storageDomains.push(domain);
  }
  const master = model.storageDomains.find((s) => s.master);
  const firstHost = model.hosts[0];
  if (master && firstHost) {
    firstHost.spm = 'spm';
    dc.status = 'up';
  }

  for (const spec of seed.vms) {
    const host = model.findHost(spec.host);
    const vm: Vm = {
      id: model.newId(),
      name: spec.name,
      clusterId: cluster.id,
      status: host ? 'up' : 'down',
      hostId: host?.id,
      memoryBytes: spec.memoryBytes ?? 2 * 1024 ** 3,
      affinity: spec.pinned ? 'pinned' : 'migratable',
      pinnedHostIds: spec.pinned && host ? [host.id] : [],
      creationTime: Date.now() - 86_400_000,
      startTime: host ? Date.now() - 3_600_000 : undefined,
      stopTime: undefined,
      cdromSaved: undefined,
      cdromCurrent: undefined,
      diskIds: [],
      generation: 0,
    };
    model.vms.push(vm);
    if (master) {
      const disk: Disk = {
        id: model.newId(),
        name: `${spec.name}_Disk1`,
        description: undefined,
        contentType: 'data',
        format: 'cow',
        sparse: true,
        status: 'ok',
        provisionedSize: (spec.diskGiB ?? 10) * 1024 ** 3,
        actualSize: 2 * 1024 ** 3,
        storageDomainId: master.id,
      };
      model.disks.push(disk);
      storeDisk(model, disk);
      vm.diskIds.push(disk.id);
    }
  }

  let extraHosts = 0;
  const ensureMachine = (name: string, address: string): SimMachineState => {
    const known = [...machines.values()].find(
      (m) => m.name.toLowerCase() === name.toLowerCase() || m.address.toLowerCase() === address.toLowerCase(),
    );
    if (known) return known;
    const machine = new SimMachineState(name, address, `192.168.122.${31 + extraHosts++}`, network);
    baseMachine(
      machine,
      `127.0.0.1   localhost localhost.localdomain\n::1         localhost localhost.localdomain\n`,
    );
    machines.set(name, machine);
    return machine;
  };

  return { model, network, machines, ensureMachine };
}
