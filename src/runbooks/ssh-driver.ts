import { LabopsError } from '../errors.js';
import { msg, verbatim } from '../i18n/text.js';
import type { ExecResult } from '../ssh/exec.js';
import type { SshRunner } from '../ssh/runner.js';
import { decideBeforeApply, describeChange, describeEnd, trustApprovedKey } from './driver-rules.js';
import {
  CHECK_BLOCKED,
  CHECK_NOT_SATISFIED,
  CHECK_SATISFIED,
  type RemoteScript,
  renderCheck,
  renderStep,
  renderStepCheck,
} from './render.js';
import type {
  ApplyResult,
  CheckResult,
  HostKeyPins,
  MachineDriver,
  MachineIO,
  RunbookCheck,
  RunbookStep,
} from './types.js';

/** A check takes a moment; it never needs the step's whole timeout. */
const CHECK_TIMEOUT_MS = 60_000;
const MAX_EVIDENCE_LINES = 20;

interface CheckState {
  satisfied: boolean;
  evidence: string[];
  found?: string[] | undefined;
}

/**
 * The machine driver of a real lab: each step's check runs first over SSH; when something must
 * change, the step's rendered lines run (exactly what the plan showed), then the check again.
 */
export function createSshDriver(runner: SshRunner, pins?: HostKeyPins): MachineDriver {
  const run = (
    machine: string,
    remote: RemoteScript,
    io: MachineIO,
    timeoutMs: number,
  ): Promise<ExecResult> =>
    runner.exec(machine, remote.script, {
      signal: io.signal,
      timeoutMs,
      stdin: remote.stdin,
    });

  const checkStep = async (machine: string, step: RunbookStep, io: MachineIO): Promise<CheckState> => {
    const remote = renderStepCheck(step);
    const result = await run(
      machine,
      remote,
      io,
      Math.min(io.timeoutMs ?? CHECK_TIMEOUT_MS, CHECK_TIMEOUT_MS),
    );
    if (step.type === 'empty-dir') return readEntries(machine, step.path, result);
    const evidence = readEvidence(result);
    if (result.exitCode === CHECK_SATISFIED) return { satisfied: true, evidence };
    if (result.exitCode === CHECK_NOT_SATISFIED) return { satisfied: false, evidence };
    throw checkFailure(machine, step.type, result, evidence);
  };

  const apply = async (machine: string, step: RunbookStep, io: MachineIO): Promise<ApplyResult> => {
    const before = await checkStep(machine, step, io);
    const settled = decideBeforeApply(machine, step, before);
    if (settled) return settled;
    for (const line of before.evidence) io.output(line);
    const lines = renderStep(step).filter((line) => !line.startsWith('#'));
    const remote = renderStepCheck(step);
    const result = await run(
      machine,
      { script: ['set -e', ...lines].join('\n'), stdin: remote.stdin },
      {
        ...io,
        output: io.output,
      },
      io.timeoutMs ?? 30 * 60_000,
    );
    for (const line of result.tail) io.output(line);
    if (result.exitCode !== 0) {
      throw new LabopsError('SSH_FAILED', msg('ssh.step.failedOn', { machine, end: describeEnd(result) }), {
        details: result.tail.slice(-10).map(verbatim),
      });
    }
    const after = await checkStep(machine, step, io);
    if (!after.satisfied) {
      throw new LabopsError('SSH_FAILED', msg('ssh.step.stillFails', { machine }), {
        details: after.evidence.map(verbatim),
      });
    }
    return { status: 'changed', detail: describeChange(step, after.evidence) };
  };

  const inspect = async (machine: string, check: RunbookCheck, io: MachineIO): Promise<CheckResult> => {
    const remote = renderCheck(check);
    const result = await run(
      machine,
      remote,
      io,
      Math.min(io.timeoutMs ?? CHECK_TIMEOUT_MS, CHECK_TIMEOUT_MS),
    );
    if (check.type === 'dir-empty') {
      if (result.exitCode === CHECK_BLOCKED) return { ok: false, evidence: readEvidence(result) };
      const state = readEntries(machine, check.path, result);
      return { ok: state.satisfied, evidence: state.evidence, found: state.found };
    }
    const evidence = readEvidence(result);
    if (check.type === 'owner-mode' && !check.recursive) {
      if (result.exitCode !== 0) return { ok: false, evidence: [`${check.path} is missing`] };
      return evaluateOwnerMode(check, evidence[0] ?? '');
    }
    if (result.exitCode === CHECK_SATISFIED) return { ok: true, evidence };
    if (result.exitCode === CHECK_NOT_SATISFIED || result.exitCode === CHECK_BLOCKED)
      return { ok: false, evidence };
    throw checkFailure(machine, check.type, result, evidence);
  };

  const readHostKey = async (machine: string) => ({
    presented: (await runner.fetchHostKey(machine)).fingerprint,
    pinned: await pins?.get(machine),
    pinnedInConfig: pins?.isConfigured(machine) ?? false,
  });
  const trustHostKey = (machine: string, fingerprint: string, by: string) =>
    trustApprovedKey(
      machine,
      fingerprint,
      () => readHostKey(machine),
      () => {
        if (!pins) throw new LabopsError('INTERNAL', msg('ssh.driver.noPins'));
        return pins.pin(machine, fingerprint, by);
      },
    );
  return { apply, inspect, readHostKey, trustHostKey, close: () => runner.close() };
}

function readEvidence(result: ExecResult): string[] {
  return result.stdout
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '')
    .slice(0, MAX_EVIDENCE_LINES);
}

function readEntries(machine: string, path: string, result: ExecResult): CheckState {
  if (result.exitCode !== 0) {
    const evidence = readEvidence(result).join('; ');
    throw new LabopsError(
      'CONFLICT',
      evidence === ''
        ? msg('ssh.driver.cannotList', { machine, path })
        : msg('ssh.driver.machineSaid', { machine, evidence: verbatim(evidence) }),
    );
  }
  const found = result.stdout.split('\0').filter((name) => name !== '');
  found.sort();
  return {
    satisfied: found.length === 0,
    found,
    evidence: [
      found.length === 0 ? `${path} is empty` : `${path} holds ${found.length} entries: ${found.join(', ')}`,
    ],
  };
}

function checkFailure(machine: string, what: string, result: ExecResult, evidence: string[]): LabopsError {
  if (result.exitCode === CHECK_BLOCKED) {
    return new LabopsError(
      'CONFLICT',
      evidence.length === 0
        ? msg('ssh.driver.checkCannotRun', { machine, check: what })
        : msg('ssh.driver.machineSaid', { machine, evidence: verbatim(evidence.join('; ')) }),
    );
  }
  return new LabopsError(
    'SSH_FAILED',
    msg('ssh.driver.checkFailed', { machine, check: what, end: describeEnd(result) }),
    {
      details: result.tail.slice(-10).map(verbatim),
    },
  );
}

/** Compares `stat -c '%u %g %a'` with the wanted owner, group, mode and setgid. */
export function evaluateOwnerMode(
  check: Extract<RunbookCheck, { type: 'owner-mode' }>,
  statLine: string,
): CheckResult {
  const [uid, gid, modeText] = statLine.split(' ');
  const mode = Number.parseInt(modeText ?? '', 8);
  const problems: string[] = [];
  if (Number(uid) !== check.owner || Number(gid) !== check.group) {
    problems.push(`owned by ${uid}:${gid}, not ${check.owner}:${check.group}`);
  }
  if (check.mode !== undefined && (mode & 0o777) !== (check.mode & 0o777)) {
    problems.push(`mode ${(mode & 0o777).toString(8)}, not ${(check.mode & 0o777).toString(8)}`);
  }
  if (check.setgid !== undefined && ((mode & 0o2000) !== 0) !== check.setgid) {
    problems.push(check.setgid ? 'setgid is not set' : 'setgid is set');
  }
  return {
    ok: problems.length === 0,
    evidence: [
      `${check.path}: ${uid}:${gid} mode ${mode.toString(8)}${problems.length ? ` (${problems.join(', ')})` : ''}`,
    ],
  };
}
