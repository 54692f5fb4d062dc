import type { LabInfo } from './command.js';
import type { LabSource } from './config.js';
import type { Simulator } from './sim/types.js';

/** The simulated lab as commands see it: its seed is its baseline. */
export function labInfoFromSimulator(sim: Simulator): LabInfo {
  const { seed } = sim;
  return {
    dataCenter: seed.dataCenter,
    cluster: seed.cluster,
    hosts: seed.hypervisors.map((h) => h.name),
    simulated: true,
    storage: {
      machine: seed.storageServer.name,
      address: seed.storageServer.address,
      exportRoots: ['/export'],
      exports: seed.exports.map((e) => ({ name: e.path.split('/').pop() ?? e.path, path: e.path })),
    },
    baseline: {
      storageDomains: seed.storageDomains.map((d) => ({
        name: d.name,
        type: d.type,
        exportPath: d.exportPath,
      })),
      hosts: seed.hypervisors.map((h) => h.name),
      vms: seed.vms.map((v) => v.name),
    },
  };
}

type FileLab = Extract<LabSource, { kind: 'file' }>['config'];

/** A lab described by lab.yml. */
export function labInfoFromConfig(lab: FileLab): LabInfo {
  const exports = lab.storage.exports.map((e) => ({ name: e.name, path: e.path }));
  const exportPath = (ref: string) => exports.find((e) => e.name === ref || e.path === ref)?.path ?? ref;
  return {
    dataCenter: lab.data_center,
    cluster: lab.cluster,
    hosts: lab.hosts.map((h) => h.name),
    simulated: false,
    storage: {
      machine: lab.storage.server.name,
      address: lab.storage.server.address,
      exportRoots: [...lab.storage.export_roots],
      exports,
    },
    baseline: {
      storageDomains: lab.baseline.storage_domains.map((d) => ({
        name: d.name,
        type: d.type,
        exportPath: exportPath(d.export),
      })),
      hosts: [...lab.baseline.hosts],
      vms: [...lab.baseline.vms],
    },
  };
}
