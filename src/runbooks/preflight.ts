import { LabopsError, toLabopsError } from '../errors.js';
import { list, msg, type Text, verbatim } from '../i18n/text.js';
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
  title: Text;
  /** Only whether the machine answers counts, not the check's verdict. */
  reachOnly: boolean;
}

/** A probe's answer: passed, failed (with what was seen), or not checked (with why). */
export interface PreflightOutcome {
  probe: PreflightProbe;
  status: 'ok' | 'failed' | 'not-checked';
  /** The evidence of a failed probe, or why it was not checked. */
  reason?: Text | undefined;
  /** The check's answer, when there was one. */
  result?: CheckResult | undefined;
}

export interface PreflightReport {
  ok: boolean;
  /** Machines whose every probe went unanswered, with the first reason: nothing there was checked. */
  unreachable: { machine: string; reason: Text }[];
  /** What blocks, one line each: an unreachable machine, a failed check, a probe that got no answer. */
  problems: Text[];
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
        title: msg('ssh.runbook.mounted', { path }),
        reachOnly: false,
      }),
    ),
    ...spec.exported.map(
      (path): PreflightProbe => ({
        machine: server,
        check: { type: 'export-active', path },
        title: msg('ssh.preflight.exported', { path }),
        reachOnly: false,
      }),
    ),
  ];
  for (const machine of new Set(spec.machines)) {
    if (probes.some((p) => p.machine === machine)) continue;
    probes.push({
      machine,
      check: { type: 'service-active', service: 'sshd' },
      title: msg('ssh.preflight.answers', { machine }),
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
      unreachable.push({ machine, reason: mine[0]?.reason ?? msg('ssh.preflight.noAnswer') });
    }
  }
  const cut = new Set(unreachable.map((u) => u.machine));
  const problems: Text[] = [
    ...unreachable.map((u) => msg('ssh.preflight.unreachable', { machine: u.machine, reason: u.reason })),
    ...outcomes.flatMap((o): Text[] => {
      if (cut.has(o.probe.machine) || o.status === 'ok') return [];
      const reason = o.reason ?? msg('ssh.preflight.noAnswer');
      return o.status === 'failed'
        ? [msg('ssh.preflight.failedProbe', { machine: o.probe.machine, reason, wanted: o.probe.title })]
        : [msg('ssh.preflight.notChecked', { machine: o.probe.machine, what: o.probe.title, reason })];
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
    msg('ssh.preflight.timedOut', { machine: probe.machine, seconds: formatSeconds(timeoutMs) }),
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
    const evidence = result.evidence.join('; ');
    const reason = evidence === '' ? msg('ssh.preflight.checkFailed') : verbatim(evidence);
    return { probe, status: 'failed', reason, result };
  } catch (error) {
    const reason = timeout.aborted ? timedOut.text : (toLabopsError(error).text as Text);
    return { probe, status: 'not-checked', reason };
  } finally {
    if (onAbort) signal.removeEventListener('abort', onAbort);
  }
}

/** The error a failed pre-flight raises: SSH_FAILED when a machine is out of reach, else CONFLICT. */
export function toPreflightError(report: PreflightReport, before: Text): LabopsError {
  const reach = report.unreachable.length > 0;
  const machines = list(report.unreachable.map((u) => u.machine));
  return new LabopsError(
    reach ? 'SSH_FAILED' : 'CONFLICT',
    msg('ssh.preflight.failed', { before: before, problems: joinProblems(report.problems) }),
    { hint: reach ? msg('ssh.preflight.unreachableHint', { machines }) : msg('ssh.preflight.exportsHint') },
  );
}

/** Problems one after another, `; ` between them, as the pre-flight has always listed them. */
function joinProblems(problems: readonly Text[]): Text {
  const [first, ...rest] = problems;
  if (first === undefined) return verbatim('');
  return rest.reduce<Text>((all, next) => msg('ssh.preflight.andThen', { all, next }), first);
}

function formatSeconds(ms: number): string {
  return ms % 1000 === 0 ? String(ms / 1000) : (ms / 1000).toFixed(1);
}
