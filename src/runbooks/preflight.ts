import { LabopsError, toLabopsError } from '../errors.js';
import type { RunbookLab } from './runbooks.js';
import type { CheckResult, MachineDriver, RunbookCheck } from './types.js';

/**
 * The pre-flight of a plan that destroys (issue 9 §6): cheap read-only checks, run before the
 * plan's first destructive step — at plan time, and again as the job's first step, since approval
 * may come long after the plan. Every machine the job needs must answer over SSH, and the exports
 * it works on must be mounted and exported. Probes run in parallel, each bounded by a short
 * timeout, so the pre-flight costs about one SSH round trip and never more than one timeout.
 */

/** A probe answers within this, or counts as not answered (a filtered port, a half-open link). */
export const PREFLIGHT_PROBE_TIMEOUT_MS = 5000;
/** The pre-flight as a job step: its probes run at once, so two probe timeouts leave room to spare. */
export const PREFLIGHT_STEP_TIMEOUT_MS = 2 * PREFLIGHT_PROBE_TIMEOUT_MS + 5000;

/** What a pre-flight checks; persisted as the job step's parameters. */
export interface PreflightSpec {
  /** Machines that must answer over SSH (a login and one read-only command). */
  machines: string[];
  /** Export paths on the storage server that must be mounted filesystems (the runbooks' check-mount). */
  mounted: string[];
  /** Export paths that must be in the active export table (the engine mounts domains from them). */
  exported: string[];
}

/** One read-only probe of the pre-flight. */
export interface PreflightProbe {
  machine: string;
  check: RunbookCheck;
  /** What holds when it passes: "/export/data is a mounted filesystem". */
  title: string;
  /** Only whether the machine answers counts, not the check's verdict. */
  reachOnly: boolean;
}

/** A probe's answer: passed, failed (with what was seen), or not checked (with why). */
export interface PreflightOutcome {
  probe: PreflightProbe;
  status: 'ok' | 'failed' | 'not-checked';
  /** The evidence of a failed probe, or why it was not checked. */
  reason?: string | undefined;
  /** The check's answer, when there was one. */
  result?: CheckResult | undefined;
}

export interface PreflightReport {
  ok: boolean;
  /** Machines whose every probe went unanswered, with the first reason: nothing there was checked. */
  unreachable: { machine: string; reason: string }[];
  /** What blocks, one line each: an unreachable machine, a failed check, a probe that got no answer. */
  problems: string[];
  outcomes: PreflightOutcome[];
}

export interface PreflightOptions {
  signal?: AbortSignal | undefined;
  /** Each probe's bound (default PREFLIGHT_PROBE_TIMEOUT_MS). */
  probeTimeoutMs?: number | undefined;
  /** Makes a probe's timeout signal; injected by tests (default `AbortSignal.timeout`). */
  createTimeout?: ((ms: number) => AbortSignal) | undefined;
}

/**
 * The probes of a spec: on the storage server each export mounted and exported; a machine with
 * no such check gets one that only proves it answers over SSH (sshd's own status: a logged-in
 * command can read it).
 */
export function listPreflightProbes(lab: RunbookLab, spec: PreflightSpec): PreflightProbe[] {
  const server = lab.storage.server.name;
  const probes: PreflightProbe[] = [
    ...spec.mounted.map(
      (path): PreflightProbe => ({
        machine: server,
        check: { type: 'mounted', path, minFreeBytes: 0 },
        title: `${path} is a mounted filesystem`,
        reachOnly: false,
      }),
    ),
    ...spec.exported.map(
      (path): PreflightProbe => ({
        machine: server,
        check: { type: 'export-active', path },
        title: `${path} is exported`,
        reachOnly: false,
      }),
    ),
  ];
  for (const machine of new Set(spec.machines)) {
    if (probes.some((p) => p.machine === machine)) continue;
    probes.push({
      machine,
      check: { type: 'service-active', service: 'sshd' },
      title: `${machine} answers over SSH`,
      reachOnly: true,
    });
  }
  return probes;
}

/** Runs the probes at once, each within its timeout, and says what blocks. Changes nothing. */
export async function runPreflight(
  driver: Pick<MachineDriver, 'inspect'>,
  probes: readonly PreflightProbe[],
  options: PreflightOptions = {},
): Promise<PreflightReport> {
  const outcomes = await Promise.all(probes.map((probe) => runProbe(driver, probe, options)));
  if (options.signal?.aborted) throw toLabopsError(options.signal.reason);

  const unreachable: PreflightReport['unreachable'] = [];
  for (const machine of new Set(probes.map((p) => p.machine))) {
    const mine = outcomes.filter((o) => o.probe.machine === machine);
    if (mine.every((o) => o.status === 'not-checked')) {
      unreachable.push({ machine, reason: mine[0]?.reason ?? 'no answer' });
    }
  }
  const cut = new Set(unreachable.map((u) => u.machine));
  const problems = [
    ...unreachable.map((u) => `${u.machine} cannot be reached over SSH: ${u.reason}`),
    ...outcomes.flatMap((o) => {
      if (cut.has(o.probe.machine) || o.status === 'ok') return [];
      return o.status === 'failed'
        ? [`${o.probe.machine}: ${o.reason} (wanted: ${o.probe.title})`]
        : [`${o.probe.machine}: could not check that ${o.probe.title}: ${o.reason}`];
    }),
  ];
  return { ok: problems.length === 0, unreachable, problems, outcomes };
}

/**
 * One read-only check within the probe timeout: its answer, or why there was none. A plan's other
 * read-only checks (the entries of an export) go through here too, so none can hold a plan.
 */
export async function runProbe(
  driver: Pick<MachineDriver, 'inspect'>,
  probe: PreflightProbe,
  options: PreflightOptions = {},
): Promise<PreflightOutcome> {
  const timeoutMs = options.probeTimeoutMs ?? PREFLIGHT_PROBE_TIMEOUT_MS;
  const parent = options.signal;
  const timeout = (options.createTimeout ?? ((ms: number) => AbortSignal.timeout(ms)))(timeoutMs);
  const signal = parent ? AbortSignal.any([parent, timeout]) : timeout;
  const timedOut = new LabopsError(
    'TIMEOUT',
    `${probe.machine} did not answer within ${formatSeconds(timeoutMs)}.`,
  );
  let onAbort: (() => void) | undefined;
  // A driver that ignores the signal must not hold the pre-flight past its bound either.
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () => reject(timeout.aborted ? timedOut : toLabopsError(signal.reason));
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
  });
  aborted.catch(() => undefined);
  try {
    const result = await Promise.race([
      driver.inspect(probe.machine, probe.check, { signal, output: () => undefined, timeoutMs }),
      aborted,
    ]);
    if (probe.reachOnly || result.ok) return { probe, status: 'ok', result };
    return { probe, status: 'failed', reason: result.evidence.join('; ') || 'the check failed', result };
  } catch (error) {
    const reason = timeout.aborted ? timedOut.message : toLabopsError(error).message;
    return { probe, status: 'not-checked', reason };
  } finally {
    if (onAbort) signal.removeEventListener('abort', onAbort);
  }
}

/** The error a failed pre-flight raises: SSH_FAILED when a machine is out of reach, else CONFLICT. */
export function toPreflightError(report: PreflightReport, before: string): LabopsError {
  const reach = report.unreachable.length > 0;
  const machines = report.unreachable.map((u) => u.machine).join(', ');
  return new LabopsError(reach ? 'SSH_FAILED' : 'CONFLICT', `${before}: ${report.problems.join('; ')}`, {
    hint: reach
      ? `Make ${machines} reachable over SSH from labops (sshd running, the address and port in lab.yml), then ask again.`
      : '/lab doctor shows the evidence and the fix of each export problem.',
  });
}

function formatSeconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${(ms / 1000).toFixed(1)} s`;
}
