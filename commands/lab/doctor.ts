import { type CommandContext, defineArgs, defineRead } from '../../src/command.js';
import type { DataCenter, Host, StorageDomain, Vm } from '../../src/engine/types.js';
import { type LabopsError, toLabopsError } from '../../src/errors.js';
import {
  DEFAULT_MIN_FREE_BYTES,
  getLabHostsEntries,
  type HostsEntry,
  listDoctorChecks,
} from '../../src/runbooks/runbooks.js';
import type { CheckResult, DoctorCheck, RunbookCheck } from '../../src/runbooks/types.js';
import { formatBytes, type View, type ViewAction, type ViewSection } from '../../src/view.js';
import { findDataCenterId } from '../lab-state.js';

/** Evidence is often paths and command output: lines this short read on a phone without wrapping. */
const LINE_WIDTH = 60;
/** How many entries of a stale export are named before "… N more". */
const MAX_ENTRIES = 5;
/** A machine check that hangs (a half-open SSH connection) must not hold the answer forever. */
const CHECK_TIMEOUT_MS = 20_000;

/** One problem `/lab doctor` found: what it is, what was seen, and how to fix it. */
interface DoctorFinding {
  title: string;
  /** What was seen: paths, owners and modes, the export table, `getent` output, the offending line. */
  evidence: string[];
  /** The fix in words (instructions when no command can do it); the first line is shown as `Fix: …`. */
  fix: string[];
  /** The command that fixes it, offered as a button. */
  action?: ViewAction | undefined;
}

/** A machine check with its answer, or why it could not run. */
interface CheckOutcome {
  check: DoctorCheck;
  result?: CheckResult | undefined;
  error?: LabopsError | undefined;
}

/** The engine as doctor reads it; `error` when it could not be read. */
interface EngineState {
  dc?: DataCenter | undefined;
  hosts: Host[];
  vms: Vm[];
  /** Every domain the engine knows, with its status in the data center when attached there. */
  domains: StorageDomain[];
  error?: LabopsError | undefined;
}

/** Splits a line at spaces into lines of at most `width` characters; continuations are indented. */
function wrapEvidence(line: string, width: number = LINE_WIDTH): string[] {
  const indent = /^\s*/.exec(line)?.[0] ?? '';
  const out: string[] = [];
  const prefix = (): string => (out.length ? `${indent}  ` : indent);
  let current = '';
  for (const word of line.trim().split(/\s+/)) {
    if (current && `${prefix()}${current} ${word}`.length > width) {
      out.push(`${prefix()}${current}`);
      current = '';
    }
    let rest = word;
    // A word longer than a line (a deep path) is cut where it must be.
    while (!current && `${prefix()}${rest}`.length > width) {
      const room = width - prefix().length;
      out.push(`${prefix()}${rest.slice(0, room)}`);
      rest = rest.slice(room);
    }
    current = current ? `${current} ${rest}` : rest;
  }
  out.push(`${prefix()}${current}`);
  return out;
}

function normalizePath(path: string | undefined): string | undefined {
  return path?.replace(/\/+$/, '') || undefined;
}

async function readEngineState(ctx: CommandContext): Promise<EngineState> {
  try {
    const dcId = await findDataCenterId(ctx);
    const [dc, hosts, vms, all, attached] = await Promise.all([
      ctx.engine.getDataCenter(dcId),
      ctx.engine.listHosts(),
      ctx.engine.listVms(),
      ctx.engine.listStorageDomains(),
      ctx.engine.listAttachedStorageDomains(dcId),
    ]);
    // The global list has no status (ovirt-api.md §4.3): the data center's view has it.
    const inDc = new Map(attached.map((d) => [d.id, d]));
    const domains = all.map((d) => {
      const here = inDc.get(d.id);
      return here ? { ...d, status: here.status, dataCenterIds: [dcId] } : d;
    });
    return { dc, hosts, vms, domains };
  } catch (error) {
    return { hosts: [], vms: [], domains: [], error: toLabopsError(error) };
  }
}

async function inspect(ctx: CommandContext, check: DoctorCheck): Promise<CheckOutcome> {
  try {
    const result = await ctx.machines.inspect(check.machine, check.check, {
      signal: ctx.signal ?? new AbortController().signal,
      output: () => undefined,
      timeoutMs: CHECK_TIMEOUT_MS,
    });
    return { check, result };
  } catch (error) {
    return { check, error: toLabopsError(error) };
  }
}

function pathOf(check: RunbookCheck): string | undefined {
  return 'path' in check ? check.path : undefined;
}

/** The answers of a machine's checks, by type (and path or service when given). */
interface CheckLookup {
  one(machine: string, type: RunbookCheck['type'], key?: string): CheckResult | undefined;
  failed(machine: string, type: RunbookCheck['type'], key?: string): CheckResult[];
}

function createLookup(outcomes: readonly CheckOutcome[]): CheckLookup {
  const answered = (machine: string, type: RunbookCheck['type'], key?: string): CheckResult[] =>
    outcomes.flatMap((o) => {
      if (o.check.machine !== machine || o.check.check.type !== type || !o.result) return [];
      const c = o.check.check;
      if (key !== undefined && pathOf(c) !== key && !('service' in c && c.service === key)) return [];
      return [o.result];
    });
  return {
    one: (machine, type, key) => answered(machine, type, key)[0],
    failed: (machine, type, key) => answered(machine, type, key).filter((r) => !r.ok),
  };
}

function evidenceOf(results: readonly (CheckResult | undefined)[]): string[] {
  return results.flatMap((r) => (r ? r.evidence.flatMap((line) => wrapEvidence(line)) : []));
}

/** Checks that threw (a machine unreachable): one finding per reason, naming the machines. */
function findUnrunChecks(outcomes: readonly CheckOutcome[]): DoctorFinding[] {
  const byReason = new Map<string, { error: LabopsError; machines: Set<string>; count: number }>();
  for (const o of outcomes) {
    if (!o.error) continue;
    const entry = byReason.get(o.error.message) ?? { error: o.error, machines: new Set(), count: 0 };
    entry.machines.add(o.check.machine);
    entry.count++;
    byReason.set(o.error.message, entry);
  }
  return [...byReason.values()].map(({ error, machines, count }) => ({
    title: `Could not check ${[...machines].join(', ')}`,
    evidence: [...wrapEvidence(error.message), `${count} check${count === 1 ? '' : 's'} did not run`],
    fix: [error.hint ?? 'Make the machines reachable over SSH from labops, then run /lab doctor again.'],
  }));
}

/**
 * FAQ 0 has no command: the disk has to come from the libvirt host. The guide's way, as lines to
 * type — the export's disk is vdb for the first export, vdc for the second (lab-guide.md step 1).
 */
function describeDiskInstructions(name: string, path: string, index: number): string[] {
  const device = `vd${String.fromCharCode('b'.charCodeAt(0) + Math.min(index, 20))}`;
  return [
    'no command can add a disk (FAQ 0); by hand:',
    'If the disk is there, add this to /etc/fstab, mount -a:',
    `  /dev/${device}1 ${path} ext4 defaults 0 0`,
    'Else, on the libvirt host, give the engine VM a disk:',
    `  qemu-img create -f raw ${name}.img 50G`,
    `  qemu-img convert -O qcow2 ${name}.img ${name}.qcow2`,
    `  virsh attach-disk ENGINE_VM "$PWD/${name}.qcow2" ${device} \\`,
    '    --subdriver qcow2 --persistent',
    `Then on the storage server: one partition on ${device},`,
    `  mkfs.ext4 /dev/${device}1, the fstab line above, mount -a.`,
  ];
}

const prepareStorage: ViewAction = { label: 'Prepare storage', command: '/storage', text: 'prepare' };

function prepareHost(host: string): ViewAction {
  return { label: `Prepare ${host}`, command: '/host', text: `prepare ${host}` };
}

/** The storage server: its exports (FAQ 0, 1, 3), the export table, the NFS service, the firewall. */
function findStorageProblems(
  ctx: CommandContext,
  lookup: CheckLookup,
  engine: EngineState,
  notes: string[],
  handledDomains: Set<string>,
): DoctorFinding[] {
  const findings: DoctorFinding[] = [];
  const server = ctx.lab.storage.machine;
  const domainsOn = (path: string) =>
    engine.domains.filter((d) => normalizePath(d.storage.path) === path).map((d) => d.name);

  ctx.lab.storage.exports.forEach((exp, index) => {
    const { name, path } = exp;
    const stale = lookup.one(server, 'dir-empty', path);
    const missing = stale !== undefined && !stale.ok && stale.found === undefined;
    if (missing) {
      findings.push({
        title: `${path} does not exist`,
        evidence: evidenceOf([stale]),
        fix: [`/storage prepare creates it, owned 36:36 with setgid, and exports it.`],
        action: prepareStorage,
      });
    }
    const entries = stale && !stale.ok && !missing ? (stale.found ?? []) : [];
    const owner = lookup.one(server, 'owner-mode', path);
    let ownerWrong = !missing && owner !== undefined && !owner.ok;
    if (entries.length && engine.error) {
      notes.push(`${path} holds ${entries.length} entries; whether they are stale needs the engine.`);
    } else if (entries.length && domainsOn(path).length === 0) {
      // FAQ 1: files of a domain removed earlier make adding a new domain there fail. Their owners
      // are part of the same problem: cleaning removes them.
      findings.push({
        title: `${path} holds files of an earlier domain (FAQ 1)`,
        evidence: [
          `${path} holds ${entries.length} entr${entries.length === 1 ? 'y' : 'ies'}:`,
          ...entries.slice(0, MAX_ENTRIES).flatMap((e) => wrapEvidence(`  ${e}`)),
          ...(entries.length > MAX_ENTRIES ? [`  … ${entries.length - MAX_ENTRIES} more`] : []),
          'no storage domain of the engine is stored there',
          ...(ownerWrong ? evidenceOf([owner]) : []),
        ],
        fix: [
          `/storage clean ${name} removes every entry (destructive: an approver decides).`,
          ...(ownerWrong ? ['Owners still wrong after that: doctor offers fix-permissions.'] : []),
        ],
        action: { label: `Clean ${name}`, command: '/storage', text: `clean ${name}` },
      });
      ownerWrong = false;
    }

    if (ownerWrong) {
      // FAQ 3: vdsm (36:36) lost access; the engine deactivates the domains stored there.
      const inactive = engine.domains.filter(
        (d) => normalizePath(d.storage.path) === path && d.status !== undefined && isDown(d.status),
      );
      for (const d of inactive) handledDomains.add(d.name);
      findings.push({
        title: `${path} is not owned by vdsm (FAQ 3)`,
        evidence: [
          ...evidenceOf([owner]),
          ...inactive.map((d) => `engine: ${d.name} is ${d.status}`),
          'vdsm needs 36:36 and setgid on everything below',
        ],
        fix: [
          `/storage fix-permissions ${name}: chown -R 36:36, chmod -R g+s${
            inactive.length ? `, then re-activates ${inactive.map((d) => d.name).join(', ')}` : ''
          }.`,
        ],
        action: { label: `Fix permissions of ${name}`, command: '/storage', text: `fix-permissions ${name}` },
      });
    }

    const mounted = lookup.one(server, 'mounted', path);
    if (mounted && !mounted.ok) {
      findings.push({
        title: `${path} lacks a mounted disk with space (FAQ 0)`,
        evidence: evidenceOf([mounted]),
        fix: describeDiskInstructions(name, path, index),
      });
    }

    const exported = lookup.one(server, 'export-active', path);
    if (!missing && exported && !exported.ok) {
      findings.push({
        title: `${path} is not exported`,
        evidence: evidenceOf([exported]),
        fix: [`/storage prepare writes ${ctx.lab.runbook.paths.exports_file} and runs exportfs -arv.`],
        action: prepareStorage,
      });
    }
  });

  const service = lookup.failed(server, 'service-active');
  if (service.length) {
    findings.push({
      title: `The NFS service is not running on ${server}`,
      evidence: evidenceOf(service),
      fix: ['/storage prepare enables and starts it.'],
      action: prepareStorage,
    });
  }
  const firewall = lookup.failed(server, 'firewall-allows');
  if (firewall.length) {
    findings.push({
      title: `firewalld on ${server} blocks NFS`,
      evidence: evidenceOf(firewall),
      fix: ['/storage prepare allows nfs, rpc-bind and mountd permanently and reloads.'],
      action: prepareStorage,
    });
  }
  return findings;
}

/** A hypervisor: hosts entries and the storage server's name (FAQ 2), the engine's key, the guide's typos. */
function findHostMachineProblems(
  ctx: CommandContext,
  host: string,
  lookup: CheckLookup,
  notes: string[],
): DoctorFinding[] {
  const findings: DoctorFinding[] = [];
  const { paths } = ctx.lab.runbook;
  const entries = lookup.failed(host, 'hosts-entry');
  const resolves = lookup.failed(host, 'resolves');
  const storageIp = ctx.lab.addresses[ctx.lab.storage.machine];
  if (resolves.length) {
    const example = ctx.lab.storage.exports[0]?.path ?? '/export/data';
    findings.push({
      title: `${host} cannot resolve ${ctx.lab.storage.address} (FAQ 2)`,
      evidence: [...evidenceOf(resolves).map((l) => `getent hosts: ${l}`), ...evidenceOf(entries)],
      fix: [
        `/host prepare ${host} writes the lab's lines into ${paths.hosts_file}.`,
        ...(storageIp ? [`Or put the address in the path: ${storageIp}:${example}`] : []),
      ],
      action: prepareHost(host),
    });
  } else if (entries.length) {
    findings.push({
      title: `${host}: ${paths.hosts_file} lacks the lab's names`,
      evidence: evidenceOf(entries),
      fix: [`/host prepare ${host} writes the missing lines.`],
      action: prepareHost(host),
    });
  }

  const key = lookup.one(host, 'key-present');
  const misnamed = lookup.failed(host, 'no-misnamed-keys-file');
  const shRsa = lookup.failed(host, 'no-sh-rsa-line');
  if ((key && !key.ok) || (!key && (misnamed.length || shRsa.length))) {
    const title = misnamed.length
      ? `${host}: the engine's key went to authorized.keys (typo)`
      : shRsa.length
        ? `${host}: a key line starts sh-rsa (the guide's typo)`
        : `${host}: the engine's key is missing`;
    findings.push({
      title,
      evidence: evidenceOf([key, ...misnamed, ...shRsa]),
      fix: [`/host prepare ${host} installs the engine's key in ${paths.authorized_keys}.`],
      action: prepareHost(host),
    });
  } else {
    // With the right key in place, sshd skips these: leftovers, not problems.
    for (const r of [...misnamed, ...shRsa]) {
      notes.push(`${host}: ${r.evidence.at(-1) ?? ''} — harmless now that the engine's key is in place.`);
    }
  }
  return findings;
}

function isDown(status: string): boolean {
  return status !== 'active' && status !== 'unattached';
}

/** The engine: the data center, the hosts, the attached domains (FAQ 3, FAQ 4). */
function findEngineProblems(
  ctx: CommandContext,
  engine: EngineState,
  handledDomains: Set<string>,
): DoctorFinding[] {
  if (engine.error || !engine.dc) {
    return [
      {
        title: 'Could not read the engine',
        evidence: wrapEvidence(engine.error?.message ?? 'no answer'),
        fix: [engine.error?.hint ?? 'Check that the engine is up, then run /lab doctor again.'],
      },
    ];
  }
  const findings: DoctorFinding[] = [];
  const { dc, hosts, vms, domains } = engine;
  if (dc.status !== 'up') {
    findings.push({
      title: `Data center ${dc.name} is ${dc.status}`,
      evidence: [`engine: data center ${dc.name}: ${dc.status}`],
      fix: ['It comes up once a host is up and the master domain is active.'],
    });
  }
  for (const name of ctx.lab.hosts) {
    if (hosts.some((h) => h.name === name)) continue;
    const address = ctx.lab.runbook.hosts.find((h) => h.name === name)?.address ?? name;
    findings.push({
      title: `${name} is not in the engine`,
      evidence: [`engine: no host named ${name}`],
      fix: [`/host add ${name} ${address} adds it with the engine's key.`],
      action: { label: `Add ${name}`, command: '/host', text: `add ${name} ${address}` },
    });
  }
  for (const host of [...hosts].sort((a, b) => a.name.localeCompare(b.name))) {
    if (host.status === 'up') continue;
    const activate: ViewAction = {
      label: `Activate ${host.name}`,
      command: '/host',
      text: `activate ${host.name}`,
    };
    if (host.status === 'preparing_for_maintenance') {
      const resident = vms.filter((vm) => vm.hostId === host.id && vm.status !== 'down');
      const stuck = resident.filter((vm) => vm.affinity !== 'migratable');
      findings.push({
        title: stuck.length
          ? `${host.name} is stuck going into maintenance`
          : `${host.name} is going into maintenance`,
        evidence: [
          `engine: ${host.name}: preparing_for_maintenance`,
          ...stuck.map((vm) => `${vm.name} is ${vm.affinity.replace('_', ' ')}: it cannot migrate`),
          ...resident
            .filter((vm) => vm.affinity === 'migratable')
            .map((vm) => `${vm.name} is still on it (${vm.status})`),
        ],
        fix: stuck.length
          ? [
              `/host activate ${host.name} cancels the maintenance; the VMs stay.`,
              `Or stop or unpin ${stuck.map((vm) => vm.name).join(', ')}, and it finishes.`,
            ]
          : ['Its VMs are migrating: run /lab doctor again in a minute.'],
        ...(stuck.length ? { action: activate } : {}),
      });
      continue;
    }
    const canActivate = host.status === 'maintenance' || host.status === 'non_operational';
    findings.push({
      title: `${host.name} is ${host.status.replace(/_/g, ' ')}`,
      evidence: [`engine: ${host.name}: ${host.status}`],
      fix: canActivate
        ? [`/host activate ${host.name} brings it back up.`]
        : ["The engine's events say why: /host status shows them."],
      ...(canActivate ? { action: activate } : {}),
    });
  }
  const attached = domains
    .filter((d) => d.dataCenterIds.includes(dc.id) && d.status !== undefined && isDown(d.status))
    .sort((a, b) => a.name.localeCompare(b.name));
  for (const d of attached) {
    if (handledDomains.has(d.name)) continue;
    const where = `${d.storage.address ?? '?'}:${d.storage.path ?? '?'}`;
    if (d.status === 'preparing_for_maintenance' || d.status === 'locked') {
      // FAQ 4: a host still uses the domain, so it cannot leave.
      findings.push({
        title: `${d.name} is stuck ${d.status.replace(/_/g, ' ')} (FAQ 4)`,
        evidence: [`engine: ${d.name}: ${d.status}`, ...wrapEvidence(where)],
        fix: ['A host still uses it: put that host into maintenance first (/host maintenance HOST).'],
      });
      continue;
    }
    const exp = ctx.lab.storage.exports.find((e) => e.path === normalizePath(d.storage.path));
    findings.push({
      title: `${d.name} is ${d.status} (FAQ 3)`,
      evidence: [`engine: ${d.name}: ${d.status}`, ...wrapEvidence(where)],
      fix: exp
        ? [`/storage fix-permissions ${exp.name} checks 36:36 and setgid, then re-activates ${d.name}.`]
        : [`Activate ${d.name} in the engine once its export is reachable.`],
      ...(exp
        ? {
            action: {
              label: `Fix permissions of ${exp.name}`,
              command: '/storage',
              text: `fix-permissions ${exp.name}`,
            },
          }
        : {}),
    });
  }
  return findings;
}

/** What was checked, in words, for the footer. */
function describeChecked(ctx: CommandContext, checks: readonly DoctorCheck[], minFreeBytes: number): string {
  const { lab } = ctx;
  const has = (type: RunbookCheck['type']) => checks.some((c) => c.check.type === type);
  const hostParts = [
    has('hosts-entry') ? 'hosts entries' : undefined,
    has('resolves') ? `${lab.storage.address} resolves (FAQ 2)` : undefined,
    has('key-present') ? "the engine's key" : undefined,
    "the guide's typos authorized.keys and sh-rsa",
  ].filter((p) => p !== undefined);
  return [
    `Checked (${checks.length} on the machines, plus the engine):`,
    `${lab.storage.machine} — ${lab.storage.exports.map((e) => e.path).join(', ')}: stale files (FAQ 1), 36:36 and setgid (FAQ 3), mounted with ${formatBytes(minFreeBytes, { exact: true })} free (FAQ 0), exported; nfs-server; firewalld.`,
    `${lab.runbook.hosts.map((h) => h.name).join(', ')} — ${hostParts.join(', ')}.`,
    'Engine — data center, hosts up, domains active (FAQ 3), none stuck (FAQ 4 shows up only when removing a domain).',
  ].join(' ');
}

/** Findings as a phone-sized view: the count first, a section per finding, a button per fix. */
function renderDoctorView(
  ctx: CommandContext,
  findings: readonly DoctorFinding[],
  notes: readonly string[],
  checked: string,
): View {
  const sections: ViewSection[] = findings.map((f, i) => ({
    heading: `${i + 1}. ${f.title}`,
    lines: [...f.evidence, ...f.fix.map((line, n) => (n === 0 ? `Fix: ${line}` : line))],
  }));
  if (notes.length) sections.push({ heading: 'Notes', lines: [...notes] });
  const actions: ViewAction[] = [];
  for (const f of findings) {
    const a = f.action;
    if (a && !actions.some((b) => b.command === a.command && b.text === a.text)) actions.push(a);
  }
  const count = findings.length;
  return {
    title: `Lab doctor${ctx.lab.simulated ? ' — SIMULATED LAB' : ''}`,
    state: count
      ? { text: `${count} problem${count === 1 ? '' : 's'}`, tone: 'bad' }
      : { text: 'all clear', tone: 'ok' },
    sections,
    ...(actions.length ? { actions } : {}),
    footer: checked,
  };
}

/**
 * `/lab doctor`: the lab guide's known problems (lab-guide.md FAQ 0–4, the exports, the NFS
 * service, the firewall, hosts entries, the engine's key, the guide's typos) checked on the machines
 * and in the engine at once, each finding with its evidence and its fix.
 */
export const doctor = defineRead({
  name: 'doctor',
  summary: "Check the lab guide's known problems, with evidence and a fix for each",
  usage: 'doctor',
  examples: ['/lab doctor'],
  args: defineArgs({}),
  risk: 'read',
  async run(ctx): Promise<View> {
    const notes: string[] = [];
    const [engine, engineKey] = await Promise.all([
      readEngineState(ctx),
      ctx.engine.getEngineSshPublicKey().then(
        (key) => key,
        (error: unknown) => {
          notes.push(`The engine's key was not checked: ${toLabopsError(error).message}`);
          return undefined;
        },
      ),
    ]);
    let hostsEntries: HostsEntry[] | undefined;
    try {
      hostsEntries = getLabHostsEntries(ctx.lab.runbook, ctx.lab.addresses);
    } catch (error) {
      const e = toLabopsError(error);
      notes.push(`Hosts entries were not checked: ${e.message}${e.hint ? ` ${e.hint}` : ''}`);
    }
    const minFreeBytes = DEFAULT_MIN_FREE_BYTES;
    const checks = listDoctorChecks(ctx.lab.runbook, { engineKey, hostsEntries, minFreeBytes });
    const outcomes = await Promise.all(checks.map((c) => inspect(ctx, c)));
    const lookup = createLookup(outcomes);
    const handledDomains = new Set<string>();
    const findings = [
      ...findUnrunChecks(outcomes),
      ...findStorageProblems(ctx, lookup, engine, notes, handledDomains),
      ...ctx.lab.runbook.hosts.flatMap((h) => findHostMachineProblems(ctx, h.name, lookup, notes)),
      ...findEngineProblems(ctx, engine, handledDomains),
    ];
    return renderDoctorView(ctx, findings, notes, describeChecked(ctx, checks, minFreeBytes));
  },
});
