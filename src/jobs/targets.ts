import type { LabInfo } from '../command.js';
import type { EngineClient } from '../engine/engine-client.js';
import { toLabopsError } from '../errors.js';
import { renderEnglish } from '../i18n/render.js';
import { type Message, msg, type Text, verbatim } from '../i18n/text.js';
import type { TargetChange } from '../store/types.js';
import { joinItems, joinSentences } from './texts.js';

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
  /** Why the engine could not be read, when it could not: in English, and as a reader sees it. */
  unreadable: string | undefined;
  unreadableText?: Text | undefined;
}

/** What the job's runbook commands did on one machine. */
export interface MachineWrites {
  /** Titles of runbook steps that reported changed. */
  changed: Text[];
  /** A command was sent and its outcome is not known (it failed or its connection dropped). */
  uncertain: Text[];
}

/**
 * The objects this file names (`host hyper1`, `cd of vm web1 (now)`, `disk a.iso in nfs-data`,
 * `machine storage`, `the lab`) in the reader's language; a name of another form is shown as it is.
 */
export function describeTargetName(object: string): Text {
  for (const [form, describe] of TARGET_FORMS) {
    const match = form.exec(object);
    if (match) return describe(match);
  }
  return verbatim(object);
}

const TARGET_FORMS: readonly [RegExp, (match: RegExpExecArray) => Message][] = [
  [/^the lab$/, () => msg('jobs.target.lab')],
  [/^host (.+)$/, (m) => msg('jobs.target.host', { name: m[1]! })],
  [/^vm (.+)$/, (m) => msg('jobs.target.vm', { name: m[1]! })],
  [/^cd of vm (.+) \(now\)$/, (m) => msg('jobs.target.cdNow', { vm: m[1]! })],
  [/^cd of vm (.+)$/, (m) => msg('jobs.target.cd', { vm: m[1]! })],
  [/^domain (.+)$/, (m) => msg('jobs.target.domain', { name: m[1]! })],
  [/^disk (.+) in (\S+)$/, (m) => msg('jobs.target.disk', { name: m[1]!, domain: m[2]! })],
  [/^machine (.+)$/, (m) => msg('jobs.target.machine', { name: m[1]! })],
  [/^export (.+)$/, (m) => msg('jobs.target.export', { name: m[1]! })],
];

/** A lock key (`host:hyper1`, `lab`) as the object it stands for. */
export function describeLockKey(key: string): Text {
  return describeTargetName(key === 'lab' ? 'the lab' : key.replace(':', ' '));
}

/**
 * A target's state as this file words it (`up on hyper1`, `active, master`, `absent`) in the
 * reader's language; the engine's own words (`maintenance`) and file names stay as they are.
 */
export function describeTargetState(state: string): Text {
  switch (state) {
    case 'absent':
      return msg('jobs.state.absent');
    case 'empty':
      return msg('jobs.state.empty');
    case 'unattached':
      return msg('jobs.state.unattached');
    case 'unknown':
      return msg('jobs.state.unknown');
  }
  const master = /^(.+), master$/.exec(state);
  if (master) return msg('jobs.state.master', { status: describeTargetState(master[1]!) });
  const on = /^(\S+) on (.+)$/.exec(state);
  if (on) return msg('jobs.state.on', { status: verbatim(on[1]!), host: on[2]! });
  return verbatim(state);
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
    const failure = toLabopsError(error);
    return { states: {}, unreadable: failure.message, unreadableText: failure.text };
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
  /** Why the targets could not be read before the job, as a reader sees it. */
  beforeUnreadable: Text | undefined;
  after: TargetRead;
  wrote: boolean;
  machines: ReadonlyMap<string, MachineWrites>;
}): TargetChange[] {
  const { before, after, wrote } = input;
  const changes: TargetChange[] = [];
  const objects = [...new Set([...Object.keys(before ?? {}), ...Object.keys(after.states)])].sort();
  if (after.unreadable !== undefined) {
    const engineKeys = input.keys.filter(isEngineKey);
    const reason = after.unreadableText ?? after.unreadable;
    for (const key of engineKeys) {
      const target = key === 'lab' ? 'the lab' : key.replace(':', ' ');
      changes.push(
        wrote
          ? { target, outcome: 'unknown', ...note(msg('jobs.note.sentUnreadable', { reason })) }
          : { target, outcome: 'unchanged', ...note(msg('jobs.note.nothingSent')) },
      );
    }
  } else {
    for (const object of objects) {
      const from = before?.[object] ?? (before ? 'absent' : undefined);
      const to = after.states[object] ?? 'absent';
      if (from === undefined) {
        const reason = input.beforeUnreadable ?? msg('jobs.note.noRecord');
        changes.push(
          wrote
            ? {
                target: object,
                outcome: 'unknown',
                to,
                ...note(msg('jobs.note.unreadBefore', { reason })),
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
      const commands = joinItems(writes.uncertain);
      changes.push({
        target,
        outcome: 'unknown',
        ...note(
          writes.changed.length
            ? msg('jobs.note.machineUncertainAfter', { commands, changed: joinItems(writes.changed) })
            : msg('jobs.note.machineUncertain', { commands }),
        ),
      });
    } else if (writes?.changed.length) {
      changes.push({ target, outcome: 'changed', ...note(joinItems(writes.changed)) });
    } else {
      changes.push({ target, outcome: 'unchanged', ...note(msg('jobs.note.noCommand')) });
    }
  }
  return changes;
}

/** A change's note: English for the store and the audit trail, the text for its readers. */
function note(text: Text): Pick<TargetChange, 'note' | 'noteText'> {
  return { note: renderEnglish(text), noteText: text };
}

const SHOWN = 12;

/**
 * The report's sentences about the targets. They never say "Nothing was changed" once a write
 * went out: then they list what changed, what is unknown, and what reads as before.
 */
export function describeTargets(changes: readonly TargetChange[], wrote: boolean): Text {
  const changed = changes.filter((c) => c.outcome === 'changed');
  const unknown = changes.filter((c) => c.outcome === 'unknown');
  const unchanged = changes.filter((c) => c.outcome === 'unchanged');
  if (!wrote && changed.length === 0 && unknown.length === 0) return msg('jobs.report.nothingChanged');
  const sentences: Text[] = [];
  if (changed.length)
    sentences.push(msg('jobs.report.changed', { items: shorten(changed.map(describeChange)) }));
  if (unknown.length) {
    const items = unknown.map((c) =>
      msg('jobs.report.targetNote', {
        target: describeTargetName(c.target),
        note: noteOf(c) ?? msg('jobs.note.notReadable'),
      }),
    );
    sentences.push(msg('jobs.report.unknown', { items: shorten(items) }));
  }
  if (changed.length === 0 && unknown.length === 0) sentences.push(msg('jobs.report.sentButSame'));
  if (unchanged.length) {
    sentences.push(
      msg('jobs.report.unchanged', { items: shorten(unchanged.map((c) => describeTargetName(c.target))) }),
    );
  }
  return joinSentences(sentences);
}

/** A change as a reader sees it: `host hyper1 up → maintenance`, or the target and its note. */
export function describeChange(change: TargetChange): Text {
  const target = describeTargetName(change.target);
  if (change.from !== undefined && change.to !== undefined) {
    return msg('jobs.report.targetChange', {
      target,
      from: describeTargetState(change.from),
      to: describeTargetState(change.to),
    });
  }
  return msg('jobs.report.targetNote', { target, note: noteOf(change) ?? msg('jobs.note.changed') });
}

/** The note as a reader sees it; a note stored before notes had texts is shown as written. */
function noteOf(change: TargetChange): Text | undefined {
  return change.noteText ?? (change.note === undefined ? undefined : verbatim(change.note));
}

function shorten(items: readonly Text[]): Text {
  return items.length <= SHOWN
    ? joinItems(items)
    : joinItems([...items.slice(0, SHOWN), msg('jobs.report.more', { count: items.length - SHOWN })]);
}
