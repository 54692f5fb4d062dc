import { LabopsError } from '../errors.js';
import { type EngineModel, EVENT, type Host, type Vm } from './engine-model.js';
import type { EngineServer } from './engine-server.js';
import { failVmMigration, loseHost, pauseVmOnIoError, reconnectHost, resumePausedVm } from './hosts.js';
import type { SimMachineState } from './machines.js';
import { simText } from './sim-text.js';
import { markInaccessibleDomains, normalizeExportPath } from './storage.js';
import type { SimKnobs } from './types.js';

/**
 * The switches of `SimKnobs`: each puts the lab into one of the guide's problems (lab-guide.md FAQ)
 * by changing machine or engine state, or acts on the engine's transport.
 */
export function createKnobs(
  model: EngineModel,
  server: EngineServer,
  machines: Map<string, SimMachineState>,
): SimKnobs {
  const machine = (name: string): SimMachineState => {
    const found = machines.get(name) ?? [...machines.values()].find((m) => m.address === name);
    if (!found)
      throw new LabopsError('NOT_FOUND', simText(`The simulated lab has no machine named ${name}.`));
    return found;
  };
  /** The storage server that holds an export. */
  const exportOwner = (path: string): SimMachineState => {
    const normal = normalizeExportPath(path);
    const found = [...machines.values()].find(
      (m) => m.files.get(normal)?.kind === 'dir' && m.files.has('/etc/exports'),
    );
    if (!found) throw new LabopsError('NOT_FOUND', simText(`The simulated lab has no export ${path}.`));
    return found;
  };
  const host = (name: string): Host => {
    const found = model.findHost(name);
    if (!found)
      throw new LabopsError('NOT_FOUND', simText(`The simulated engine has no host named ${name}.`));
    return found;
  };
  const vm = (name: string): Vm => {
    const found = model.findVm(name);
    if (!found) throw new LabopsError('NOT_FOUND', simText(`The simulated lab has no VM named ${name}.`));
    return found;
  };
  // What vdsm leaves in a setgid export: 36:36, and directories inherit the setgid bit.
  const vdsm = { uid: 36, gid: 36, mode: 0o2755 };

  return {
    setLatency: (ms) => server.setLatency(ms),
    injectFault: (spec) => server.injectFault(spec),
    clearFaults: () => server.clearFaults(),
    expireTokens: () => server.expireTokens(),

    leaveStaleFiles(exportPath) {
      const owner = exportOwner(exportPath);
      const base = `${normalizeExportPath(exportPath)}/${model.newId()}`;
      owner.ensureDir(base, vdsm);
      owner.ensureDir(`${base}/dom_md`, vdsm);
      owner.writeFile(`${base}/dom_md/metadata`, 'CLASS=Data\nROLE=Regular\nVERSION=5\n', {
        ...vdsm,
        mode: 0o644,
      });
      owner.ensureDir(`${base}/images`, vdsm);
      // vdsm's direct-I/O probe file: a dotfile left behind in the export.
      owner.writeFile(`${normalizeExportPath(exportPath)}/.__DIRECT_IO_TEST__`, '', {
        ...vdsm,
        mode: 0o644,
      });
    },

    breakOwnership(exportPath, uid = 0, gid = 0, mode = 0o755) {
      const owner = exportOwner(exportPath);
      const entry = owner.files.get(normalizeExportPath(exportPath));
      if (!entry) return;
      entry.uid = uid;
      entry.gid = gid;
      entry.mode = mode;
      markInaccessibleDomains(model, owner, exportPath);
    },

    unmountExport(exportPath) {
      exportOwner(exportPath).mounts.delete(normalizeExportPath(exportPath));
    },

    makeUnresolvable(hypervisor, name) {
      const target = machine(hypervisor);
      const wanted = name.toLowerCase();
      const lines = (target.readFile('/etc/hosts') ?? '').split('\n').filter(
        (line) =>
          !line
            .replace(/#.*/, '')
            .trim()
            .split(/\s+/)
            .slice(1)
            .some((n) => n.toLowerCase() === wanted),
      );
      target.writeFile('/etc/hosts', lines.join('\n'));
      model.network.dns.delete(wanted);
    },

    holdDomain(domain, host) {
      const d = model.findDomain(domain);
      const h = model.findHost(host);
      if (!d || !h)
        throw new LabopsError(
          'NOT_FOUND',
          simText(`The simulated lab has no domain ${domain} or host ${host}.`),
        );
      model.holds.set(d.id, h.id);
    },

    typoAuthorizedKeys(host) {
      const target = machine(host);
      const content = target.readFile('/root/.ssh/authorized_keys') ?? '';
      target.files.delete('/root/.ssh/authorized_keys');
      target.writeFile('/root/.ssh/authorized.keys', content, { uid: 0, gid: 0, mode: 0o600 });
    },

    typoShRsa(host) {
      const target = machine(host);
      const content = target.readFile('/root/.ssh/authorized_keys') ?? '';
      const broken = content
        .split('\n')
        .map((line) => line.replace(/^(ssh-[\w-]+|ecdsa-[\w-]+)(\s)/, 'sh-rsa$2'))
        .join('\n');
      target.writeFile('/root/.ssh/authorized_keys', broken, { uid: 0, gid: 0, mode: 0o600 });
    },

    pinVm(vmName) {
      const vm = model.findVm(vmName);
      if (!vm) throw new LabopsError('NOT_FOUND', simText(`The simulated lab has no VM named ${vmName}.`));
      vm.affinity = 'pinned';
      vm.pinnedHostIds = vm.hostId === undefined ? [] : [vm.hostId];
    },

    stopService(machineName, service) {
      const target = machine(machineName);
      const entry = target.services.get(service);
      if (entry) entry.active = false;
      else target.services.set(service, { enabled: false, active: false });
      if (service === 'firewalld') target.firewall.running = false;
    },

    closeFirewall(machineName, service) {
      const target = machine(machineName);
      target.firewall.permanent.delete(service);
      target.firewall.runtime.delete(service);
    },

    unexport(exportPath) {
      exportOwner(exportPath).activeExports.delete(normalizeExportPath(exportPath));
    },

    makeHostNonResponsive: (name) => loseHost(model, host(name)),
    reconnectHost: (name) => reconnectHost(model, host(name)),
    pauseVmOnIoError: (name) => pauseVmOnIoError(model, vm(name)),
    resumeVm: (name) => resumePausedVm(model, vm(name)),
    failMigration: (name) => failVmMigration(model, vm(name)),

    pauseTransfer(transferId) {
      const transfer =
        transferId === undefined
          ? model.transfers.find((t) => t.phase === 'transferring')
          : model.findTransfer(transferId);
      if (transfer?.phase !== 'transferring') {
        throw new LabopsError(
          'NOT_FOUND',
          simText(
            `The simulated engine has no image transfer in phase transferring${transferId ? ` with id ${transferId}` : ''}.`,
          ),
        );
      }
      transfer.phase = 'paused_system';
      const disk = model.findDisk(transfer.diskId);
      model.addEvent({
        code: EVENT.transferPausedBySystem,
        severity: 'error',
        description: 'Upload was paused by system. Reason: timeout due to transfer inactivity.',
        correlationId: model.newId(),
        ...(disk ? { storageDomainId: disk.storageDomainId } : {}),
      });
      return transfer.id;
    },

    restartEngine: (downMs = 0) => server.restart(model.scheduler.scaled(downMs)),
  };
}
