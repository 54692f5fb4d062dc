import { type CommandContext, defineArgs, defineRead } from '../../src/command.js';
import type { DataCenter, Host, StorageDomain, Vm } from '../../src/engine/types.js';
import { type LabopsError, toLabopsError } from '../../src/errors.js';
import { describeFaq, type Faq } from '../../src/i18n/faq.js';
import { compareNames } from '../../src/i18n/formats.js';
import { bytes, list, type Message, msg, type Text, verbatim } from '../../src/i18n/text.js';
import {
  DEFAULT_MIN_FREE_BYTES,
  getLabHostsEntries,
  type HostsEntry,
  listDoctorChecks,
} from '../../src/runbooks/runbooks.js';
import type { CheckResult, DoctorCheck, RunbookCheck } from '../../src/runbooks/types.js';
import { scheduleArgs } from '../../src/schedules/when.js';
import type { View, ViewAction, ViewSection } from '../../src/view.js';
import { findDataCenterId } from '../lab-state.js';
import { acrossArgs, chooseLabs, readAcrossLabs } from './across.js';

/** Evidence is often paths and command output: lines this short read on a phone without wrapping. */
const LINE_WIDTH = 60;
/** How many entries of a stale export are named before "… N more". */
const MAX_ENTRIES = 5;
/** A machine check that hangs (a half-open SSH connection) must not hold the answer forever. */
const CHECK_TIMEOUT_MS = 20_000;

/** One problem `/lab doctor` found: what it is, what was seen, and how to fix it. */
interface DoctorFinding {
  title: Text;
  /** The guide's entry for this problem, named in the finding in the reader's language. */
  faq?: Faq | undefined;
  /**
   * What was seen: paths, owners and modes, the export table, `getent` output, the offending line
   * (the machines' own output, shown as it is), and what the engine says.
   */
  evidence: Text[];
  /** The fix in words (instructions when no command can do it); the first line is shown as `Fix: …`. */
  fix: Text[];
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

/** Machine output, wrapped to the phone's width and shown as it is in every language. */
function wrapVerbatim(line: string): Text[] {
  return wrapEvidence(line).map(verbatim);
}

function evidenceOf(results: readonly (CheckResult | undefined)[]): Text[] {
  return results.flatMap((r) => (r ? r.evidence.flatMap(wrapVerbatim) : []));
}

/** A command to type, quoted as it is in the words around it. */
function command(line: string): Text {
  return verbatim(line);
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
    title: msg('doctor.unrun.title', { machines: list([...machines]) }),
    evidence: [error.text, msg('doctor.unrun.count', { count })],
    fix: [error.hintText ?? msg('doctor.unrun.fix')],
  }));
}

/**
 * FAQ 0 has no command: the disk has to come from the libvirt host. The guide's way, as lines to
 * type — the export's disk is vdb for the first export, vdc for the second (lab-guide.md step 1).
 */
function describeDiskInstructions(name: string, path: string, index: number): Text[] {
  const device = `vd${String.fromCharCode('b'.charCodeAt(0) + Math.min(index, 20))}`;
  return [
    msg('doctor.mount.noCommand'),
    msg('doctor.mount.ifPresent'),
    verbatim(`  /dev/${device}1 ${path} ext4 defaults 0 0`),
    msg('doctor.mount.else'),
    verbatim(`  qemu-img create -f raw ${name}.img 50G`),
    verbatim(`  qemu-img convert -O qcow2 ${name}.img ${name}.qcow2`),
    verbatim(`  virsh attach-disk ENGINE_VM "$PWD/${name}.qcow2" ${device} \\`),
    verbatim('    --subdriver qcow2 --persistent'),
    msg('doctor.mount.then', { device: verbatim(device) }),
    msg('doctor.mount.thenFormat', { mkfs: command(`mkfs.ext4 /dev/${device}1`) }),
  ];
}

const prepareStorage: ViewAction = {
  label: msg('doctor.action.prepareStorage'),
  command: '/storage',
  text: 'prepare',
};

function prepareHost(host: string): ViewAction {
  return { label: msg('doctor.action.prepareHost', { host }), command: '/host', text: `prepare ${host}` };
}

function fixPermissions(name: string): ViewAction {
  return {
    label: msg('doctor.action.fixPermissions', { name }),
    command: '/storage',
    text: `fix-permissions ${name}`,
  };
}

/** The storage server: its exports (FAQ 0, 1, 3), the export table, the NFS service, the firewall. */
function findStorageProblems(
  ctx: CommandContext,
  lookup: CheckLookup,
  engine: EngineState,
  notes: Text[],
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
        title: msg('doctor.export.missing', { path }),
        evidence: evidenceOf([stale]),
        fix: [msg('doctor.export.missing.fix')],
        action: prepareStorage,
      });
    }
    const entries = stale && !stale.ok && !missing ? (stale.found ?? []) : [];
    const owner = lookup.one(server, 'owner-mode', path);
    let ownerWrong = !missing && owner !== undefined && !owner.ok;
    if (entries.length && engine.error) {
      notes.push(msg('doctor.export.unjudged', { path, count: entries.length }));
    } else if (entries.length && domainsOn(path).length === 0) {
      // FAQ 1: files of a domain removed earlier make adding a new domain there fail. Their owners
      // are part of the same problem: cleaning removes them.
      findings.push({
        title: msg('doctor.stale.title', { path }),
        faq: 1,
        evidence: [
          msg('doctor.stale.count', { path, count: entries.length }),
          ...entries.slice(0, MAX_ENTRIES).flatMap((e) => wrapVerbatim(`  ${e}`)),
          ...(entries.length > MAX_ENTRIES
            ? [msg('doctor.stale.more', { count: entries.length - MAX_ENTRIES })]
            : []),
          msg('doctor.stale.noDomain'),
          ...(ownerWrong ? evidenceOf([owner]) : []),
        ],
        fix: [
          msg('doctor.stale.fix', { command: command(`/storage clean ${name}`) }),
          ...(ownerWrong ? [msg('doctor.stale.fixOwners')] : []),
        ],
        action: { label: msg('doctor.action.clean', { name }), command: '/storage', text: `clean ${name}` },
      });
      ownerWrong = false;
    }

    if (ownerWrong) {
      // FAQ 3: vdsm (36:36) lost access; the engine deactivates the domains stored there.
      const inactive = engine.domains.filter(
        (d) => normalizePath(d.storage.path) === path && d.status !== undefined && isDown(d.status),
      );
      for (const d of inactive) handledDomains.add(d.name);
      const fix = command(`/storage fix-permissions ${name}`);
      findings.push({
        title: msg('doctor.owner.title', { path }),
        faq: 3,
        evidence: [
          ...evidenceOf([owner]),
          ...inactive.map((d) =>
            msg('doctor.engine.saysDomain', { domain: d.name, status: verbatim(d.status ?? '?') }),
          ),
          msg('doctor.owner.needs'),
        ],
        fix: [
          inactive.length
            ? msg('doctor.owner.fixReactivate', { command: fix, domains: list(inactive.map((d) => d.name)) })
            : msg('doctor.owner.fix', { command: fix }),
        ],
        action: fixPermissions(name),
      });
    }

    const mounted = lookup.one(server, 'mounted', path);
    if (mounted && !mounted.ok) {
      findings.push({
        title: msg('doctor.mount.title', { path }),
        faq: 0,
        evidence: evidenceOf([mounted]),
        fix: describeDiskInstructions(name, path, index),
      });
    }

    const exported = lookup.one(server, 'export-active', path);
    if (!missing && exported && !exported.ok) {
      findings.push({
        title: msg('doctor.exported.title', { path }),
        evidence: evidenceOf([exported]),
        fix: [msg('doctor.exported.fix', { file: ctx.lab.runbook.paths.exports_file })],
        action: prepareStorage,
      });
    }
  });

  const service = lookup.failed(server, 'service-active');
  if (service.length) {
    findings.push({
      title: msg('doctor.nfs.title', { server }),
      evidence: evidenceOf(service),
      fix: [msg('doctor.nfs.fix')],
      action: prepareStorage,
    });
  }
  const firewall = lookup.failed(server, 'firewall-allows');
  if (firewall.length) {
    findings.push({
      title: msg('doctor.firewall.title', { server }),
      evidence: evidenceOf(firewall),
      fix: [msg('doctor.firewall.fix', { services: list(['nfs', 'rpc-bind', 'mountd'].map(verbatim)) })],
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
  notes: Text[],
): DoctorFinding[] {
  const findings: DoctorFinding[] = [];
  const { paths } = ctx.lab.runbook;
  const entries = lookup.failed(host, 'hosts-entry');
  const resolves = lookup.failed(host, 'resolves');
  const storageIp = ctx.lab.addresses[ctx.lab.storage.machine];
  if (resolves.length) {
    const example = ctx.lab.storage.exports[0]?.path ?? '/export/data';
    findings.push({
      title: msg('doctor.resolve.title', { host, name: ctx.lab.storage.address }),
      faq: 2,
      evidence: [
        ...resolves.flatMap((r) => r.evidence.flatMap((l) => wrapVerbatim(`getent hosts: ${l}`))),
        ...evidenceOf(entries),
      ],
      fix: [
        msg('doctor.resolve.fix', { command: command(`/host prepare ${host}`), file: paths.hosts_file }),
        ...(storageIp
          ? [msg('doctor.resolve.orAddress', { example: verbatim(`${storageIp}:${example}`) })]
          : []),
      ],
      action: prepareHost(host),
    });
  } else if (entries.length) {
    findings.push({
      title: msg('doctor.hostsFile.title', { host, file: paths.hosts_file }),
      evidence: evidenceOf(entries),
      fix: [msg('doctor.hostsFile.fix', { command: command(`/host prepare ${host}`) })],
      action: prepareHost(host),
    });
  }

  const key = lookup.one(host, 'key-present');
  const misnamed = lookup.failed(host, 'no-misnamed-keys-file');
  const shRsa = lookup.failed(host, 'no-sh-rsa-line');
  if ((key && !key.ok) || (!key && (misnamed.length || shRsa.length))) {
    const title = misnamed.length
      ? msg('doctor.key.misnamed', { host })
      : shRsa.length
        ? msg('doctor.key.shRsa', { host })
        : msg('doctor.key.missing', { host });
    findings.push({
      title,
      evidence: evidenceOf([key, ...misnamed, ...shRsa]),
      fix: [
        msg('doctor.key.fix', { command: command(`/host prepare ${host}`), file: paths.authorized_keys }),
      ],
      action: prepareHost(host),
    });
  } else {
    // With the right key in place, sshd skips these: leftovers, not problems.
    for (const r of [...misnamed, ...shRsa]) {
      notes.push(msg('doctor.key.harmless', { host, evidence: verbatim(r.evidence.at(-1) ?? '') }));
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
        title: msg('doctor.engine.unread'),
        evidence: [engine.error?.text ?? msg('doctor.engine.noAnswer')],
        fix: [engine.error?.hintText ?? msg('doctor.engine.unreadFix')],
      },
    ];
  }
  const findings: DoctorFinding[] = [];
  const { dc, hosts, vms, domains } = engine;
  if (dc.status !== 'up') {
    const params = { dc: dc.name, status: verbatim(dc.status) };
    findings.push({
      title: msg('doctor.dc.title', params),
      evidence: [msg('doctor.dc.evidence', params)],
      fix: [msg('doctor.dc.fix')],
    });
  }
  for (const name of ctx.lab.hosts) {
    if (hosts.some((h) => h.name === name)) continue;
    const address = ctx.lab.runbook.hosts.find((h) => h.name === name)?.address ?? name;
    findings.push({
      title: msg('doctor.host.absent', { host: name }),
      evidence: [msg('doctor.host.absentEvidence', { host: name })],
      fix: [msg('doctor.host.absentFix', { command: command(`/host add ${name} ${address}`) })],
      action: {
        label: msg('doctor.action.addHost', { host: name }),
        command: '/host',
        text: `add ${name} ${address}`,
      },
    });
  }
  for (const host of [...hosts].sort((a, b) => compareNames(a.name, b.name))) {
    if (host.status === 'up') continue;
    const activate: ViewAction = {
      label: msg('doctor.action.activateHost', { host: host.name }),
      command: '/host',
      text: `activate ${host.name}`,
    };
    const says = msg('doctor.engine.says', { name: host.name, status: verbatim(host.status) });
    if (host.status === 'preparing_for_maintenance') {
      const resident = vms.filter((vm) => vm.hostId === host.id && vm.status !== 'down');
      const stuck = resident.filter((vm) => vm.affinity !== 'migratable');
      findings.push({
        title: stuck.length
          ? msg('doctor.host.stuck', { host: host.name })
          : msg('doctor.host.going', { host: host.name }),
        evidence: [
          says,
          ...stuck.map(describeUnmovable),
          ...resident
            .filter((vm) => vm.affinity === 'migratable')
            .map((vm) => msg('doctor.host.stillOn', { vm: vm.name, status: verbatim(vm.status) })),
        ],
        fix: stuck.length
          ? [
              msg('doctor.host.stuckFix', { command: command(`/host activate ${host.name}`) }),
              msg('doctor.host.stuckOr', { vms: list(stuck.map((vm) => vm.name)) }),
            ]
          : [msg('doctor.host.goingFix')],
        ...(stuck.length ? { action: activate } : {}),
      });
      continue;
    }
    if (host.status === 'non_responsive') {
      // The engine refuses to activate a host whose vdsm does not answer (VdsValidator, 4.3);
      // maintenance keeps it from being used or fenced until someone sees to vdsm.
      findings.push({
        title: msg('doctor.host.status', { host: host.name, status: verbatim(host.status) }),
        evidence: [says],
        fix: [
          msg('doctor.host.nonResponsiveFix', { command: command(`/host maintenance ${host.name}`) }),
          msg('doctor.host.eventsFix'),
        ],
        action: {
          label: msg('doctor.action.maintenanceHost', { host: host.name }),
          command: '/host',
          text: `maintenance ${host.name}`,
        },
      });
      continue;
    }
    const canActivate = host.status === 'maintenance' || host.status === 'non_operational';
    findings.push({
      // The engine's word for the state (`non_operational`), as the evidence shows it.
      title: msg('doctor.host.status', { host: host.name, status: verbatim(host.status) }),
      evidence: [says],
      fix: canActivate
        ? [msg('doctor.host.activateFix', { command: command(`/host activate ${host.name}`) })]
        : [msg('doctor.host.eventsFix')],
      ...(canActivate ? { action: activate } : {}),
    });
  }
  const attached = domains
    .filter((d) => d.dataCenterIds.includes(dc.id) && d.status !== undefined && isDown(d.status))
    .sort((a, b) => compareNames(a.name, b.name));
  for (const d of attached) {
    if (handledDomains.has(d.name)) continue;
    const where = wrapVerbatim(`${d.storage.address ?? '?'}:${d.storage.path ?? '?'}`);
    const status = verbatim(d.status ?? '?');
    const says = msg('doctor.engine.says', { name: d.name, status });
    if (d.status === 'preparing_for_maintenance' || d.status === 'locked') {
      // FAQ 4: a host still uses the domain, so it cannot leave.
      findings.push({
        title: msg('doctor.domain.stuck', { domain: d.name, status }),
        faq: 4,
        evidence: [says, ...where],
        fix: [msg('doctor.domain.stuckFix', { command: command('/host maintenance HOST') })],
      });
      continue;
    }
    const exp = ctx.lab.storage.exports.find((e) => e.path === normalizePath(d.storage.path));
    findings.push({
      title: msg('doctor.domain.status', { domain: d.name, status }),
      faq: 3,
      evidence: [says, ...where],
      fix: exp
        ? [
            msg('doctor.domain.fixPermissions', {
              command: command(`/storage fix-permissions ${exp.name}`),
              domain: d.name,
            }),
          ]
        : [msg('doctor.domain.activate', { domain: d.name })],
      ...(exp ? { action: fixPermissions(exp.name) } : {}),
    });
  }
  return findings;
}

/** `web1 is pinned: it cannot migrate`: why a VM keeps its host from entering maintenance. */
function describeUnmovable(vm: Vm): Message {
  if (vm.affinity === 'pinned') return msg('doctor.host.pinned', { vm: vm.name });
  if (vm.affinity === 'user_migratable') return msg('doctor.host.manualOnly', { vm: vm.name });
  return msg('doctor.host.unmovable', { vm: vm.name, affinity: verbatim(vm.affinity) });
}

/** What was checked, in words, for the footer. */
function describeChecked(ctx: CommandContext, checks: readonly DoctorCheck[], minFreeBytes: number): Message {
  const { lab } = ctx;
  const has = (type: RunbookCheck['type']) => checks.some((c) => c.check.type === type);
  const hostParts = [
    has('hosts-entry') ? msg('doctor.checked.hostsEntries') : undefined,
    has('resolves') ? msg('doctor.checked.resolves', { name: lab.storage.address }) : undefined,
    has('key-present') ? msg('doctor.checked.engineKey') : undefined,
    msg('doctor.checked.typos'),
  ].filter((p) => p !== undefined);
  return msg('doctor.checked.footer', {
    count: checks.length,
    storage: msg('doctor.checked.storage', {
      server: lab.storage.machine,
      paths: list(lab.storage.exports.map((e) => e.path)),
      free: bytes(minFreeBytes, { exact: true }),
      services: verbatim('nfs-server; firewalld'),
    }),
    hosts: msg('doctor.checked.hosts', {
      hosts: list(lab.runbook.hosts.map((h) => h.name)),
      parts: list(hostParts),
    }),
    engine: msg('doctor.checked.engine'),
  });
}

/** Findings as a phone-sized view: the count first, a section per finding, a button per fix. */
function renderDoctorView(
  ctx: CommandContext,
  findings: readonly DoctorFinding[],
  notes: readonly Text[],
  checked: Text,
): View {
  // Evidence, the fix, then the guide's entry in the reader's language (its Korean title as the
  // guide writes it).
  const sections: ViewSection[] = findings.map((f, i) => ({
    heading: msg('doctor.finding.heading', { n: i + 1, title: f.title }),
    lines: [
      ...f.evidence,
      ...f.fix.map((line, n) => (n === 0 ? msg('doctor.finding.fix', { fix: line }) : line)),
      ...(f.faq === undefined ? [] : [msg('doctor.finding.guide', { faq: describeFaq(f.faq) })]),
    ],
  }));
  if (notes.length) sections.push({ heading: msg('doctor.notes.heading'), lines: [...notes] });
  const actions: ViewAction[] = [];
  for (const f of findings) {
    const a = f.action;
    if (a && !actions.some((b) => b.command === a.command && b.text === a.text)) actions.push(a);
  }
  const count = findings.length;
  return {
    title: ctx.lab.simulated ? msg('doctor.titleSimulated') : msg('doctor.title'),
    state: count
      ? { text: msg('doctor.state.problems', { count }), tone: 'bad' }
      : { text: msg('doctor.state.allClear'), tone: 'ok' },
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
  summary: msg('doctor.about'),
  usage: 'doctor [--all] [--lab LAB,LAB] [--at TIME] [--every INTERVAL]',
  examples: ['/lab doctor', '/lab doctor --all', '/lab doctor --lab lab1,lab2', '/lab doctor --every 1h'],
  // `--at` and `--every` are read by labops, which schedules the doctor (src/schedules/).
  args: defineArgs({ ...acrossArgs, ...scheduleArgs }),
  risk: 'read',
  acrossLabs: true,
  async run(ctx, args): Promise<View> {
    const which = chooseLabs(args);
    if (which) return readAcrossLabs(ctx, which, 'doctor');
    const notes: Text[] = [];
    const [engine, engineKey] = await Promise.all([
      readEngineState(ctx),
      ctx.engine.getEngineSshPublicKey().then(
        (key) => key,
        (error: unknown) => {
          notes.push(msg('doctor.note.engineKey', { reason: toLabopsError(error).text }));
          return undefined;
        },
      ),
    ]);
    let hostsEntries: HostsEntry[] | undefined;
    try {
      hostsEntries = getLabHostsEntries(ctx.lab.runbook, ctx.lab.addresses);
    } catch (error) {
      const e = toLabopsError(error);
      notes.push(
        e.hintText === undefined
          ? msg('doctor.note.hostsEntries', { reason: e.text })
          : msg('doctor.note.hostsEntriesHint', { reason: e.text, hint: e.hintText }),
      );
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
