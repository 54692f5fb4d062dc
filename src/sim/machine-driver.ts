import { createHash } from 'node:crypto';
import { isIP } from 'node:net';
import { posix } from 'node:path';
import { LabopsError } from '../errors.js';
import { msg, verbatim } from '../i18n/text.js';
import { Agent, request as undiciRequest } from '../net/undici.js';
import { decideBeforeApply, describeChange, trustApprovedKey } from '../runbooks/driver-rules.js';
import { type DownloadedBytes, judgeDownload, validateCheck, validateStep } from '../runbooks/render.js';
import type {
  ApplyResult,
  CheckResult,
  MachineDriver,
  MachineIO,
  RunbookCheck,
  RunbookStep,
} from '../runbooks/types.js';
import { parsePublicKey } from '../ssh/quote.js';
import {
  appendLine,
  blocked,
  describeEntry,
  ensureDir,
  hasKey,
  listEntries,
  listTree,
  modeOf,
  ownerOk,
  parseExports,
  readLines,
  removeTree,
} from './machine-files.js';
import type { SimMachine, Simulator } from './types.js';

/** What a simulated download's curl wrote: the bytes are hashed and dropped, never kept. */
export interface FetchedFile extends DownloadedBytes {
  /** What curl printed on stderr when it failed (`curl: (22) …`). */
  error?: string | undefined;
}

/** A download as the step's curl makes it: the URL, the address it connects to, the byte and time bounds. */
export interface FetchRequest {
  url: string;
  address: string;
  maxBytes: number;
  maxSeconds: number;
}

export interface SimDriverOptions {
  /** Fetches a URL for a simulated download; default: as the step's curl would (see `fetchLikeCurl`). */
  fetchFile?: ((request: FetchRequest, signal: AbortSignal) => Promise<FetchedFile>) | undefined;
}

interface State {
  satisfied: boolean;
  evidence: string[];
  found?: string[] | undefined;
}

/**
 * The machine driver of the simulated lab: applies the same typed steps to the simulated machines'
 * state (files, mounts, services, firewall, exports), never to the local machine, with the same
 * check-then-apply semantics and outcomes as the SSH driver.
 */
export function createSimDriver(
  sim: Pick<Simulator, 'machines'>,
  options: SimDriverOptions = {},
): MachineDriver {
  const fetchFile = options.fetchFile ?? fetchLikeCurl;
  /** Checksums of simulated downloads, by machine and path. */
  const checksums = new Map<string, string>();

  const findMachine = (name: string): SimMachine => {
    const found = sim.machines.get(name) ?? [...sim.machines.values()].find((m) => m.address === name);
    if (!found) throw new LabopsError('NOT_FOUND', msg('ssh.sim.noMachine', { machine: name }));
    // sshd stopped (knobs.stopService(machine, 'sshd')): the connection is refused, as the SSH runner says it.
    if (found.services.get('sshd')?.active === false) {
      throw new LabopsError(
        'SSH_FAILED',
        msg('ssh.connect.unreachable', {
          target: `${found.name} (${found.address}:22)`,
          code: 'ECONNREFUSED',
        }),
        { hint: msg('ssh.connect.unreachableHint') },
      );
    }
    return found;
  };

  const check = (m: SimMachine, step: RunbookStep): State => {
    switch (step.type) {
      case 'ensure-dir': {
        const entry = m.files.get(step.path);
        const want = step.setgid ? step.mode | 0o2000 : step.mode;
        return {
          satisfied:
            entry?.kind === 'dir' &&
            entry.uid === step.owner &&
            entry.gid === step.group &&
            (entry.mode & 0o7777) === want,
          evidence: [describeEntry(step.path, entry)],
        };
      }
      case 'ensure-owner-recursive': {
        if (m.files.get(step.path)?.kind !== 'dir') throw blocked(m, `${step.path} is missing`);
        const bad = listTree(m, step.path).filter(
          ([, e]) => !ownerOk(e, step.owner, step.group, step.setgidDirs),
        );
        return {
          satisfied: bad.length === 0,
          evidence: [
            bad.length === 0
              ? `${step.path}: everything is ${step.owner}:${step.group}`
              : `not ${step.owner}:${step.group}: ${bad
                  .slice(0, 5)
                  .map(([p]) => p)
                  .join(' ')}`,
          ],
        };
      }
      case 'empty-dir': {
        const found = listEntries(m, step.path);
        return {
          satisfied: found.length === 0,
          found,
          evidence: [
            found.length === 0
              ? `${step.path} is empty`
              : `${step.path} holds ${found.length} entries: ${found.join(', ')}`,
          ],
        };
      }
      case 'ensure-line': {
        const has = readLines(m, step.path)?.includes(step.line) === true;
        return {
          satisfied: has,
          evidence: [has ? `${step.path} has the line` : `${step.path} lacks the line ${step.line}`],
        };
      }
      case 'reload-exports': {
        const lines = readLines(m, step.exportsFile);
        if (lines === undefined)
          return { satisfied: false, evidence: [`${step.exportsFile} does not exist`] };
        const missing = parseExports(lines).filter(([path]) => !m.activeExports.has(path));
        return {
          satisfied: missing.length === 0,
          evidence:
            missing.length === 0
              ? [`every export of ${step.exportsFile} is active`]
              : missing.map(([p]) => `${p} is not exported`),
        };
      }
      case 'ensure-service': {
        const s = m.services.get(step.service);
        return { satisfied: s?.enabled === true && s.active, evidence: [describeService(step.service, s)] };
      }
      case 'stop-service': {
        const s = m.services.get(step.service);
        return { satisfied: s?.active !== true, evidence: [describeService(step.service, s)] };
      }
      case 'allow-firewall-service': {
        if (!m.firewall.running) throw blocked(m, 'firewalld is not running');
        const p = m.firewall.permanent.has(step.service);
        const r = m.firewall.runtime.has(step.service);
        return {
          satisfied: p && r,
          evidence: [`${step.service}: permanent ${yesNo(p)}, runtime ${yesNo(r)}`],
        };
      }
      case 'selinux-permissive':
        return {
          satisfied: m.selinux !== 'enforcing',
          evidence: [`SELinux: ${m.selinux === 'enforcing' ? 'Enforcing' : 'Permissive'}`],
        };
      case 'install-key': {
        const dir = m.files.get(posix.dirname(step.path));
        const file = m.files.get(step.path);
        const key = parsePublicKey(msg('ssh.what.publicKey'), step.key);
        return {
          satisfied:
            ((dir?.mode ?? 0) & 0o7777) === 0o700 &&
            file !== undefined &&
            (file.mode & 0o7777) === 0o600 &&
            hasKey(m, step.path, key),
          evidence: [`${posix.dirname(step.path)}: ${modeOf(dir)}, ${step.path}: ${modeOf(file)}`],
        };
      }
      case 'download': {
        const file = m.files.get(step.path);
        const ownerOkay =
          file?.kind === 'file' &&
          (step.owner === undefined || file.uid === step.owner) &&
          (step.group === undefined || file.gid === step.group) &&
          (step.mode === undefined || (file.mode & 0o7777) === step.mode);
        if (file?.kind !== 'file') return { satisfied: false, evidence: [`${step.path} is missing`] };
        const owner = [step.owner === undefined ? '' : file.uid, step.group === undefined ? '' : file.gid];
        const state = `${owner.join(':')}:${step.mode === undefined ? '' : (file.mode & 0o7777).toString(8)}`;
        const size = file.size ?? 0;
        if (size !== step.sizeBytes) {
          return {
            satisfied: false,
            evidence: [`${step.path}: ${state}, ${size} bytes, not ${step.sizeBytes}`],
          };
        }
        const sum = checksums.get(`${m.name}:${step.path}`) ?? 'unknown';
        const sumOk = step.sha256 === undefined || sum === step.sha256;
        return {
          satisfied: ownerOkay && sumOk,
          evidence: [`${step.path}: ${state}, ${size} bytes, sha256 ${sum}`],
        };
      }
      case 'remove-file': {
        const entry = m.files.get(step.path);
        if (entry?.kind === 'dir') throw blocked(m, `${step.path} is a directory`);
        return {
          satisfied: entry === undefined,
          evidence: [entry === undefined ? `${step.path} is not there` : `${step.path} is there`],
        };
      }
      case 'check-mount':
        return mountState(m, step.path, step.minFreeBytes);
    }
  };

  const change = async (m: SimMachine, step: RunbookStep, io: MachineIO, found: string[]): Promise<void> => {
    switch (step.type) {
      case 'ensure-dir': {
        ensureDir(m, step.path, { uid: 0, gid: 0, mode: 0o755 });
        const entry = m.files.get(step.path)!;
        entry.uid = step.owner;
        entry.gid = step.group;
        entry.mode = step.setgid ? step.mode | 0o2000 : step.mode;
        return;
      }
      case 'ensure-owner-recursive':
        for (const [, entry] of listTree(m, step.path)) {
          entry.uid = step.owner;
          entry.gid = step.group;
          if (step.setgidDirs && entry.kind === 'dir') entry.mode |= 0o2000;
        }
        return;
      case 'empty-dir':
        for (const name of found) removeTree(m, posix.join(step.path, name));
        return;
      case 'ensure-line':
        appendLine(m, step.path, step.line);
        return;
      case 'reload-exports':
        m.activeExports.clear();
        for (const [path, options] of parseExports(readLines(m, step.exportsFile) ?? []))
          m.activeExports.set(path, options);
        return;
      case 'ensure-service':
        m.services.set(step.service, { enabled: true, active: true });
        if (step.service === 'firewalld') m.firewall.running = true;
        return;
      case 'stop-service': {
        const s = m.services.get(step.service);
        if (s) s.active = false;
        if (step.service === 'firewalld') m.firewall.running = false;
        return;
      }
      case 'allow-firewall-service':
        m.firewall.permanent.add(step.service);
        m.firewall.runtime.clear();
        for (const service of m.firewall.permanent) m.firewall.runtime.add(service);
        return;
      case 'selinux-permissive':
        m.selinux = 'permissive';
        return;
      case 'install-key': {
        const dir = posix.dirname(step.path);
        ensureDir(m, dir, { uid: 0, gid: 0, mode: 0o700 });
        m.files.get(dir)!.mode = 0o700;
        if (!m.files.has(step.path))
          m.files.set(step.path, { kind: 'file', uid: 0, gid: 0, mode: 0o600, content: '' });
        const file = m.files.get(step.path)!;
        file.mode = 0o600;
        const key = parsePublicKey(msg('ssh.what.publicKey'), step.key);
        if (!hasKey(m, step.path, key)) appendLine(m, step.path, key.line);
        return;
      }
      case 'download': {
        // As the rendered script: curl into the hidden name, bounded; then the same checks in
        // the same order; a failure leaves neither the hidden nor the final file.
        const dir = m.files.get(posix.dirname(step.path));
        if (dir?.kind !== 'dir') throw blocked(m, `${posix.dirname(step.path)} does not exist`);
        const fetched = await fetchFile(
          { url: step.url, address: step.address, maxBytes: step.sizeBytes + 1, maxSeconds: step.maxSeconds },
          io.signal,
        );
        if (io.signal.aborted) throw toAbortError(io.signal);
        const lines = fetched.error ? [fetched.error] : [];
        const failure = judgeDownload(step, fetched);
        if (failure) {
          for (const line of [...lines, failure]) io.output(line);
          throw new LabopsError(
            'SSH_FAILED',
            msg('ssh.step.failedOn', { machine: m.name, end: verbatim('exit 1') }),
            {
              details: [...lines, failure].map(verbatim),
            },
          );
        }
        for (const line of [...lines, `sha256 ${fetched.sha256}`]) io.output(line);
        m.files.set(step.path, {
          kind: 'file',
          uid: step.owner ?? 0,
          gid: step.group ?? 0,
          mode: step.mode ?? 0o644,
          size: fetched.size,
        });
        checksums.set(`${m.name}:${step.path}`, fetched.sha256);
        return;
      }
      case 'remove-file':
        m.files.delete(step.path);
        checksums.delete(`${m.name}:${step.path}`);
        return;
      case 'check-mount':
        return;
    }
  };

  const apply = async (machine: string, step: RunbookStep, io: MachineIO): Promise<ApplyResult> => {
    validateStep(step);
    if (io.signal.aborted) throw toAbortError(io.signal);
    const m = findMachine(machine);
    const before = check(m, step);
    const settled = decideBeforeApply(machine, step, before);
    if (settled) return settled;
    for (const line of before.evidence) io.output(line);
    await change(m, step, io, before.found ?? []);
    const after = check(m, step);
    return { status: 'changed', detail: describeChange(step, after.evidence) };
  };

  const inspect = async (machine: string, query: RunbookCheck, io: MachineIO): Promise<CheckResult> => {
    validateCheck(query);
    if (io.signal.aborted) throw toAbortError(io.signal);
    const m = findMachine(machine);
    switch (query.type) {
      case 'dir-empty': {
        if (m.files.get(query.path)?.kind !== 'dir')
          return { ok: false, evidence: [`${query.path} is missing`] };
        const found = listEntries(m, query.path);
        return {
          ok: found.length === 0,
          found,
          evidence: [
            found.length === 0
              ? `${query.path} is empty`
              : `${query.path} holds ${found.length} entries: ${found.join(', ')}`,
          ],
        };
      }
      case 'owner-mode': {
        const entry = m.files.get(query.path);
        if (!entry) return { ok: false, evidence: [`${query.path} is missing`] };
        if (query.recursive) {
          const bad = listTree(m, query.path).filter(
            ([, e]) => !ownerOk(e, query.owner, query.group, query.setgid === true),
          );
          return {
            ok: bad.length === 0,
            evidence: [
              bad.length === 0
                ? `${query.path}: everything is ${query.owner}:${query.group}`
                : `not ${query.owner}:${query.group}: ${bad
                    .slice(0, 5)
                    .map(([p]) => p)
                    .join(' ')}`,
            ],
          };
        }
        const problems: string[] = [];
        if (entry.uid !== query.owner || entry.gid !== query.group)
          problems.push(`owned by ${entry.uid}:${entry.gid}, not ${query.owner}:${query.group}`);
        if (query.mode !== undefined && (entry.mode & 0o777) !== (query.mode & 0o777))
          problems.push(`mode ${(entry.mode & 0o777).toString(8)}, not ${(query.mode & 0o777).toString(8)}`);
        if (query.setgid !== undefined && ((entry.mode & 0o2000) !== 0) !== query.setgid)
          problems.push(query.setgid ? 'setgid is not set' : 'setgid is set');
        return {
          ok: problems.length === 0,
          evidence: [
            `${query.path}: ${entry.uid}:${entry.gid} mode ${(entry.mode & 0o7777).toString(8)}${problems.length ? ` (${problems.join(', ')})` : ''}`,
          ],
        };
      }
      case 'mounted': {
        const state = mountState(m, query.path, query.minFreeBytes);
        return { ok: state.satisfied, evidence: state.evidence };
      }
      case 'export-active': {
        const ok = m.activeExports.has(query.path);
        return {
          ok,
          evidence: [ok ? `${query.path} is exported` : `${query.path} is not in the active export table`],
        };
      }
      case 'service-active': {
        const s = m.services.get(query.service);
        return { ok: s?.enabled === true && s.active, evidence: [describeService(query.service, s)] };
      }
      case 'firewall-allows': {
        if (!m.firewall.running)
          return { ok: true, evidence: ['firewalld is not running: every port is open'] };
        const p = m.firewall.permanent.has(query.service);
        const r = m.firewall.runtime.has(query.service);
        return { ok: p && r, evidence: [`${query.service}: permanent ${yesNo(p)}, runtime ${yesNo(r)}`] };
      }
      case 'hosts-entry': {
        const ok = (readLines(m, query.path) ?? []).some((line) => {
          const [ip, ...names] = line.replace(/#.*/, '').trim().split(/\s+/);
          const lower = names.map((n) => n.toLowerCase());
          return ip === query.address && query.names.every((n) => lower.includes(n.toLowerCase()));
        });
        const names = query.names.join(' ');
        return {
          ok,
          evidence: [
            ok
              ? `${query.path} maps ${query.address} to ${names}`
              : `${query.path} has no line mapping ${query.address} to ${names}`,
          ],
        };
      }
      case 'key-present': {
        const key = parsePublicKey(msg('ssh.what.publicKey'), query.key);
        const ok = hasKey(m, query.path, key);
        return {
          ok,
          evidence: [
            ok
              ? `${query.path} holds the key`
              : `${query.path} does not hold the key ${key.type} ${key.body.slice(0, 16)}…`,
          ],
        };
      }
      case 'resolves': {
        const address = m.resolve(query.name);
        const ok = address !== undefined && (query.address === undefined || address === query.address);
        return {
          ok,
          evidence: [
            address === undefined
              ? `${query.name} does not resolve`
              : `${query.name} resolves: ${address} ${query.name}`,
          ],
        };
      }
      case 'no-misnamed-keys-file': {
        const wrong = posix.join(posix.dirname(query.path), 'authorized.keys');
        const exists = m.files.has(wrong);
        return {
          ok: !exists,
          evidence: [
            exists
              ? `${wrong} exists: sshd never reads it (the guide’s typo of ${posix.basename(query.path)})`
              : `no ${wrong}`,
          ],
        };
      }
      case 'no-sh-rsa-line': {
        const bad = (readLines(m, query.path) ?? []).filter((line) => line.startsWith('sh-rsa'));
        return {
          ok: bad.length === 0,
          evidence:
            bad.length === 0
              ? [`no line of ${query.path} starts sh-rsa`]
              : [...bad.map((l) => l.slice(0, 40)), 'a key line starts sh-rsa instead of ssh-rsa'],
        };
      }
    }
  };

  // Simulated machines present a stable key of their own (derived from the name); pins live here.
  const pins = new Map<string, string>();
  const readHostKey = async (machine: string) => {
    const m = findMachine(machine);
    const digest = createHash('sha256').update(`labops simulated host key ${m.name}`).digest('base64');
    return {
      presented: `SHA256:${digest.replace(/=+$/, '')}`,
      pinned: pins.get(m.name),
      pinnedInConfig: false,
    };
  };
  const trustHostKey = (machine: string, fingerprint: string) =>
    trustApprovedKey(
      machine,
      fingerprint,
      () => readHostKey(machine),
      async () => pins.set(findMachine(machine).name, fingerprint),
    );
  return { apply, inspect, readHostKey, trustHostKey, close: async () => undefined };
}

function toAbortError(signal: AbortSignal): LabopsError {
  const reason: unknown = signal.reason;
  return reason instanceof LabopsError ? reason : new LabopsError('CANCELLED', msg('ssh.sim.cancelled'));
}

function yesNo(value: boolean): string {
  return value ? 'yes' : 'no';
}

function describeService(service: string, s: { enabled: boolean; active: boolean } | undefined): string {
  return `${service}: ${s?.enabled ? 'enabled' : 'disabled'}, ${s?.active ? 'active' : 'inactive'}`;
}

function mountState(m: SimMachine, path: string, minFreeBytes: number): State {
  const fs = m.mounts.get(path);
  if (!fs) {
    let on = '/';
    for (const point of m.mounts.keys()) {
      if ((path.startsWith(`${point}/`) || point === '/') && point.length >= on.length) on = point;
    }
    return { satisfied: false, evidence: [`${path} is not a mounted filesystem (it lies on ${on})`] };
  }
  const free = fs.sizeBytes - fs.usedBytes;
  const evidence = [`${path}: ${fs.device} mounted, ${free} bytes free`];
  if (free < minFreeBytes) evidence.push(`needs at least ${minFreeBytes} bytes free`);
  return { satisfied: free >= minFreeBytes, evidence };
}

/**
 * A download as the step's curl makes it (`--resolve`, no `-L`, `--fail`, `--max-time`, then
 * `head -c`): connects to `address` for the URL's host, follows no redirect (a 3xx body is what
 * is written), keeps at most `maxBytes`, and answers what was written, hashed, plus curl's error.
 */
export async function fetchLikeCurl(request: FetchRequest, signal: AbortSignal): Promise<FetchedFile> {
  const url = new URL(request.url);
  const agent = new Agent({
    connect: {
      lookup: (_hostname, options, callback) => {
        const family = isIP(request.address) === 6 ? 6 : 4;
        if (options.all) callback(null, [{ address: request.address, family }]);
        else callback(null, request.address, family);
      },
    },
  });
  const hash = createHash('sha256');
  let size = 0;
  let head = Buffer.alloc(0);
  const take = (chunk: Buffer) => {
    const part = chunk.subarray(0, Math.max(0, request.maxBytes - size));
    hash.update(part);
    if (size < SIGNATURE_END) head = Buffer.concat([head, part.subarray(0, SIGNATURE_END - size)]);
    size += part.length;
  };
  const done = (error?: string): FetchedFile => ({
    size,
    sha256: hash.digest('hex'),
    signature: head.subarray(SIGNATURE_END - 5, SIGNATURE_END).toString('latin1'),
    ...(error ? { error } : {}),
  });
  const limit = AbortSignal.any([signal, AbortSignal.timeout(request.maxSeconds * 1000)]);
  try {
    const res = await undiciRequest(url, { method: 'GET', dispatcher: agent, signal: limit });
    if (res.statusCode >= 400) {
      await res.body.dump();
      return done(`curl: (22) The requested URL returned error: ${res.statusCode}`);
    }
    for await (const chunk of res.body) {
      take(chunk as Buffer);
      if (size >= request.maxBytes) break;
    }
    res.body.destroy();
    return done();
  } catch (error) {
    if (signal.aborted) throw toAbortError(signal);
    if (limit.aborted)
      return done(`curl: (28) Operation timed out after ${request.maxSeconds * 1000} milliseconds`);
    return done(
      `curl: (7) Failed to connect to ${url.host}: ${(error as { code?: string }).code ?? 'error'}`,
    );
  } finally {
    agent.destroy().catch(() => undefined);
  }
}

/** One past the last byte of the ISO 9660 signature (`CD001` at 32769). */
const SIGNATURE_END = 32769 + 5;
