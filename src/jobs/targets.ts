import type { LabInfo } from '../command.js';
import type { EngineClient } from '../engine/engine-client.js';
import { toLabopsError } from '../errors.js';
import type { TargetChange } from '../store/types.js';

/**
 * A job's targets — the keys its plan locks — read as the engine shows them, so that a failed,
 * cancelled or interrupted job can say what it changed (issue 9 §5: a report never claims less
 * than happened). Engine objects are read; machines (`machine:`, `export:`) cannot be read in one
 * generic way, so the runbook commands the job sent on them decide.
 */

/** Object → state in words: `host hyper1` → `maintenance`, `vm scratch1` → `up on hyper1`. */
export type TargetStates = Record<string, string>;

export interface TargetRead {
  states: TargetStates;
  /** Why the engine could not be read, when it could not. */
  unreadable: string | undefined;
}

/** What the job's runbook commands did on one machine. */
export interface MachineWrites {
  /** Titles of runbook steps that reported changed. */
  changed: string[];
  /** A command was sent and its outcome is not known (it failed or its connection dropped). */
  uncertain: string[];
}

/** The keys whose state is read from the engine; the others are machines and exports. */
export function isEngineKey(key: string): boolean {
  return key === 'lab' || /^(host|vm|domain):/.test(key);
}

/** The machine an SSH-side key stands for: `machine:storage`, or the storage server for `export:`. */
export function machineOfKey(key: string, lab: LabInfo): string | undefined {
  if (key.startsWith('machine:')) return key.slice('machine:'.length);
  if (key.startsWith('export:')) return lab.storage.machine;
  return undefined;
}

/** Reads the engine objects behind `keys`, a few list calls at most, bounded by `signal`. */
export async function readTargets(
  client: EngineClient,
  lab: LabInfo,
  keys: readonly string[],
  signal: AbortSignal,
): Promise<TargetRead> {
  const wanted = keys.filter(isEngineKey);
  if (wanted.length === 0) return { states: {}, unreadable: undefined };
  const whole = wanted.includes('lab');
  const named = (prefix: string) =>
    wanted.filter((k) => k.startsWith(prefix)).map((k) => k.slice(prefix.length));
  const hostNames = named('host:');
  const vmNames = named('vm:');
  const domainNames = named('domain:');
  try {
    const engine = client.withSignal(signal);
    const [hosts, vms, domains] = await Promise.all([
      whole || hostNames.length || vmNames.length ? engine.listHosts() : [],
      whole || vmNames.length ? engine.listVms() : [],
      whole || domainNames.length ? readDomains(engine, lab) : [],
    ]);
    const states: TargetStates = {};
    const hostName = (id: string | undefined) => hosts.find((h) => h.id === id)?.name ?? id;
    for (const host of hosts) {
      if (whole || hostNames.includes(host.name)) states[`host ${host.name}`] = host.status;
    }
    for (const name of hostNames) states[`host ${name}`] ??= 'absent';
    for (const vm of vms) {
      if (!whole && !vmNames.includes(vm.name)) continue;
      states[`vm ${vm.name}`] =
        vm.status === 'down' || vm.hostId === undefined
          ? vm.status
          : `${vm.status} on ${hostName(vm.hostId)}`;
    }
    for (const name of vmNames) {
      const vm = vms.find((v) => v.name === name);
      if (!vm) {
        states[`vm ${name}`] = 'absent';
        continue;
      }
      // The CD drive is what /iso attach changes: the saved configuration, and for a VM that
      // runs, the CD it has now (a hot change touches only that view, ovirt-api.md §5.1).
      states[`cd of vm ${name}`] = (await engine.getCdromFile(vm.id)) ?? 'empty';
      if (vm.status !== 'down') {
        states[`cd of vm ${name} (now)`] = (await engine.getCdromFile(vm.id, { current: true })) ?? 'empty';
      }
    }
    for (const domain of domains) {
      if (!whole && !domainNames.includes(domain.name)) continue;
      states[`domain ${domain.name}`] =
        `${domain.status ?? 'unattached'}${domain.isMaster ? ', master' : ''}`;
    }
    for (const name of domainNames) {
      const domain = domains.find((d) => d.name === name);
      if (!domain) {
        states[`domain ${name}`] = 'absent';
        continue;
      }
      // Uploads and removals change a domain's disks, not its status.
      for (const disk of await engine.listStorageDomainDisks(domain.id)) {
        states[`disk ${disk.name ?? disk.id} in ${name}`] = disk.status ?? 'unknown';
      }
    }
    return { states, unreadable: undefined };
  } catch (error) {
    return { states: {}, unreadable: toLabopsError(error).message };
  }
}

/** Attached domains with their status in the data center, and the unattached ones (§4.3). */
async function readDomains(engine: EngineClient, lab: LabInfo) {
  const dc = await engine.findDataCenter(lab.dataCenter);
  const [attached, all] = await Promise.all([
    engine.listAttachedStorageDomains(dc.id),
    engine.listStorageDomains(),
  ]);
  return [...attached, ...all.filter((d) => !attached.some((a) => a.id === d.id))];
}

/**
 * Each target compared with how the job found it. A target that cannot be read now is unknown
 * when a write went out, and unchanged when none did (nothing could have changed it).
 */
export function compareTargets(input: {
  keys: readonly string[];
  lab: LabInfo;
  before: TargetStates | undefined;
  beforeUnreadable: string | undefined;
  after: TargetRead;
  wrote: boolean;
  machines: ReadonlyMap<string, MachineWrites>;
}): TargetChange[] {
  const { before, after, wrote } = input;
  const changes: TargetChange[] = [];
  const objects = [...new Set([...Object.keys(before ?? {}), ...Object.keys(after.states)])].sort();
  if (after.unreadable !== undefined) {
    const engineKeys = input.keys.filter(isEngineKey);
    for (const key of engineKeys) {
      const target = key === 'lab' ? 'the lab' : key.replace(':', ' ');
      changes.push(
        wrote
          ? {
              target,
              outcome: 'unknown',
              note: `a change was sent and the engine could not be read: ${after.unreadable}`,
            }
          : { target, outcome: 'unchanged', note: 'nothing was sent to it' },
      );
    }
  } else {
    for (const object of objects) {
      const from = before?.[object] ?? (before ? 'absent' : undefined);
      const to = after.states[object] ?? 'absent';
      if (from === undefined) {
        changes.push(
          wrote
            ? {
                target: object,
                outcome: 'unknown',
                to,
                note: `labops could not read it before the job: ${input.beforeUnreadable ?? 'no record'}`,
              }
            : { target: object, outcome: 'unchanged', to },
        );
      } else if (from === to) {
        changes.push({ target: object, outcome: 'unchanged', from, to });
      } else {
        changes.push({ target: object, outcome: 'changed', from, to });
      }
    }
  }
  const machineNames = new Set(
    input.keys.flatMap((k) => {
      const machine = machineOfKey(k, input.lab);
      return machine ? [machine] : [];
    }),
  );
  for (const name of input.machines.keys()) machineNames.add(name);
  for (const name of [...machineNames].sort()) {
    const writes = input.machines.get(name);
    const target = `machine ${name}`;
    if (writes?.uncertain.length) {
      changes.push({
        target,
        outcome: 'unknown',
        note: `a command was sent and its outcome is not known (${writes.uncertain.join('; ')})${writes.changed.length ? `; changed before it: ${writes.changed.join('; ')}` : ''}`,
      });
    } else if (writes?.changed.length) {
      changes.push({ target, outcome: 'changed', note: writes.changed.join('; ') });
    } else {
      changes.push({ target, outcome: 'unchanged', note: 'no command changed it' });
    }
  }
  return changes;
}

const SHOWN = 12;

/**
 * The report's sentence about the targets. It never says "Nothing was changed" once a write went
 * out: then it lists what changed, what is unknown, and what reads as before.
 */
export function describeTargets(changes: readonly TargetChange[], wrote: boolean): string {
  const changed = changes.filter((c) => c.outcome === 'changed');
  const unknown = changes.filter((c) => c.outcome === 'unknown');
  const unchanged = changes.filter((c) => c.outcome === 'unchanged');
  if (!wrote && changed.length === 0 && unknown.length === 0) return 'Nothing was changed.';
  const parts: string[] = [];
  if (changed.length) parts.push(`Changed: ${list(changed.map(describeChange))}.`);
  if (unknown.length)
    parts.push(`Unknown: ${list(unknown.map((c) => `${c.target} (${c.note ?? 'not readable'})`))}.`);
  if (changed.length === 0 && unknown.length === 0) {
    parts.push('A change was sent, but every target reads as before.');
  }
  if (unchanged.length) parts.push(`Unchanged: ${list(unchanged.map((c) => c.target))}.`);
  return parts.join(' ');
}

function describeChange(change: TargetChange): string {
  if (change.from !== undefined && change.to !== undefined)
    return `${change.target} ${change.from} → ${change.to}`;
  return `${change.target} (${change.note ?? 'changed'})`;
}

function list(items: readonly string[]): string {
  return items.length <= SHOWN
    ? items.join('; ')
    : `${items.slice(0, SHOWN).join('; ')}; and ${items.length - SHOWN} more`;
}
