import { isIP } from 'node:net';
import type { Policy } from '../approvals/policy.js';
import type { LabInfo } from './command.js';
import { DEFAULT_LAB_NAME } from './config/lab-schema.js';
import type { LabSource } from './config.js';
import { DEFAULT_LOCALE } from './i18n/locale.js';
import { resolveSeed } from './sim/seed.js';
import type { SimSeed, Simulator } from './sim/types.js';

/**
 * The name of the one lab of a lab file without a name, and of the store's rows from before labs
 * had names (store migration 6); src/config.ts exports it too.
 */
export { DEFAULT_LAB_NAME };

/** The paths runbooks edit, as on the real machines (lab.yml's defaults). */
const DEFAULT_PATHS = {
  hosts_file: '/etc/hosts',
  authorized_keys: '/root/.ssh/authorized_keys',
  exports_file: '/etc/exports',
};

/**
 * The simulated lab's built-in policy (design.md, Principals): anyone may ask from anywhere;
 * shell:alice and shell:bob approve, and whoever `extraApprovers` adds (LABOPS_APPROVERS, or a
 * test's third approver).
 */
export function createSimulatedPolicy(extraApprovers: readonly string[] = []): Policy {
  return {
    askers: 'anyone',
    channels: 'anywhere',
    approvers: ['shell:alice', 'shell:bob', ...extraApprovers],
    expiryMinutes: 15,
    commands: {},
  };
}

/** The simulated lab as commands see it: its seed is its baseline. */
export function labInfoFromSimulator(sim: Simulator, name: string = DEFAULT_LAB_NAME): LabInfo {
  const storageMachine = sim.machines.get(sim.seed.storageServer.name);
  // The simulated lab has no DNS: its machines know each other from their hosts files.
  const addresses = Object.fromEntries(
    [sim.seed.storageServer, ...sim.seed.hypervisors].flatMap((m) => {
      const ip = storageMachine?.resolve(m.address);
      return ip ? [[m.name, ip]] : [];
    }),
  );
  return labInfoFromSeed(sim.seed, addresses, name);
}

/** A seed as commands see it (the default seed when none is given), for a simulator in another process. */
export function labInfoFromSeed(
  seed: SimSeed = resolveSeed(),
  addresses: Readonly<Record<string, string>> = {},
  name: string = DEFAULT_LAB_NAME,
): LabInfo {
  const exports = seed.exports.map((e) => ({ name: e.path.split('/').pop() ?? e.path, path: e.path }));
  return {
    name,
    locale: DEFAULT_LOCALE,
    dataCenter: seed.dataCenter,
    cluster: seed.cluster,
    hosts: seed.hypervisors.map((h) => h.name),
    simulated: true,
    storage: {
      machine: seed.storageServer.name,
      address: seed.storageServer.address,
      exportRoots: ['/export'],
      exports,
    },
    runbook: {
      hosts: seed.hypervisors.map((h) => ({ name: h.name, address: h.address })),
      storage: { server: seed.storageServer, export_roots: ['/export'], exports },
      paths: DEFAULT_PATHS,
    },
    addresses,
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
export function labInfoFromConfig(lab: FileLab, name: string = DEFAULT_LAB_NAME): LabInfo {
  const exports = lab.storage.exports.map((e) => ({ name: e.name, path: e.path }));
  const exportPath = (ref: string) => exports.find((e) => e.name === ref || e.path === ref)?.path ?? ref;
  return {
    name,
    locale: lab.locale,
    timeZone: lab.timezone,
    quietHours: lab.events.quiet_hours,
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
    runbook: {
      hosts: lab.hosts.map((h) => ({ name: h.name, address: h.address })),
      storage: {
        server: { name: lab.storage.server.name, address: lab.storage.server.address },
        export_roots: [...lab.storage.export_roots],
        exports,
      },
      paths: { ...lab.paths },
    },
    addresses: Object.fromEntries(
      [lab.storage.server, ...lab.hosts].filter((m) => isIP(m.address) !== 0).map((m) => [m.name, m.address]),
    ),
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
