import { describeRisk, riskAtLeast } from '../../approvals/policy.js';
import { msg, type Text } from '../i18n/text.js';
import { describeLockKey } from '../jobs/targets.js';
import type { Plan, StepSpec } from '../plan.js';
import type { Risk } from '../risk.js';

/**
 * The destructive scope of a plan (issue 15 §4): what a scheduled run may destroy without asking
 * again. Approvers approved it when the work was scheduled; when the time comes the plan is made
 * again, and the run asks again instead of running when the new plan's scope is larger:
 *
 * - its risk is higher (a `destructive` plan became `critical`);
 * - it has a destructive step on a target the approved plan had no such step for — a VM removed
 *   or stopped, a storage domain deactivated, detached or removed, a host deactivated or removed,
 *   an ISO disk removed, an export emptied, a file removed, a service stopped, SELinux relaxed;
 * - it locks a target the approved plan did not lock.
 *
 * Everything else is drift and runs: a VM that moved, a host or domain whose status changed, steps
 * that only bring the lab back (activate a host, attach a baseline domain, fix ownership), more
 * leftover files in an export already to be emptied, and a step that only prepares a destructive
 * step approved on the same target (`PREPARES`): a spare domain in maintenance when the card was
 * approved (detach, remove) that is active again by then (deactivate, detach, remove).
 */
export interface Scope {
  risk: Risk;
  locks: string[];
  /** Each destructive step: `vm.remove web2`, `storage.remove spare`, with its title as approved. */
  destructive: { key: string; title: Text }[];
}

/** Step kinds that destroy or stop something, and the parameter naming their target. */
const DESTRUCTIVE_KINDS: Readonly<Record<string, string>> = {
  'vm.remove': 'vm',
  'storage.deactivate': 'domain',
  'storage.detach': 'domain',
  'storage.remove': 'domain',
  'host.deactivate': 'hostName',
  'host.remove': 'hostName',
  'iso.remove-disk': 'name',
};

/**
 * Steps that are the engine's way to an approved destructive step on the same target, and so are
 * covered by it: a domain is deactivated before it is detached, detached before it is removed
 * (ovirt-api.md §4.5); a host is in maintenance before it is removed; a VM is stopped before it is
 * removed.
 */
const PREPARES: Readonly<Record<string, readonly string[]>> = {
  'storage.deactivate': ['storage.detach', 'storage.remove'],
  'storage.detach': ['storage.remove'],
  'host.deactivate': ['host.remove'],
  'vm.stop': ['vm.remove'],
};

/** Whether `key` (`storage.deactivate spare`) is approved, itself or as the preparation of an approved step. */
function isCovered(key: string, approved: ReadonlySet<string>): boolean {
  if (approved.has(key)) return true;
  const space = key.indexOf(' ');
  const kind = key.slice(0, space);
  const target = key.slice(space + 1);
  return (PREPARES[kind] ?? []).some((by) => approved.has(`${by} ${target}`));
}

/** Runbook steps that destroy or stop something on a machine. */
const DESTRUCTIVE_RUNBOOK_STEPS = new Set(['empty-dir', 'remove-file', 'stop-service', 'selinux-permissive']);

/** The step's destructive key (`vm.remove web2`), or undefined for a step that destroys nothing. */
export function findDestructiveKey(step: StepSpec): string | undefined {
  const params = step.params as Record<string, unknown>;
  const target = DESTRUCTIVE_KINDS[step.kind];
  if (target !== undefined) {
    // `vm.remove` with `keep` only stops the VM: still destructive, but not the same as removing it.
    const kind = step.kind === 'vm.remove' && params.keep === true ? 'vm.stop' : step.kind;
    return `${kind} ${String(params[target] ?? '?')}`;
  }
  if (step.kind === 'runbook.apply') {
    const inner = (params.step ?? {}) as Record<string, unknown>;
    if (typeof inner.type !== 'string' || !DESTRUCTIVE_RUNBOOK_STEPS.has(inner.type)) return undefined;
    const what = inner.path ?? inner.service ?? '';
    return `runbook ${String(params.machine ?? '?')} ${inner.type} ${String(what)}`.trim();
  }
  return undefined;
}

/** A plan's destructive scope. */
export function describeScope(plan: Plan): Scope {
  const destructive: Scope['destructive'] = [];
  for (const step of plan.steps) {
    const key = findDestructiveKey(step);
    if (key !== undefined && !destructive.some((d) => d.key === key)) {
      destructive.push({ key, title: step.title });
    }
  }
  return { risk: plan.risk, locks: [...new Set(plan.locks)].sort(), destructive };
}

/** How `now` exceeds `approved`, one reason each; empty when the run stays within what was approved. */
export function findScopeGrowth(approved: Scope, now: Scope): Text[] {
  const reasons: Text[] = [];
  if (now.risk !== approved.risk && riskAtLeast(now.risk, approved.risk)) {
    reasons.push(msg('schedule.reason.risk', { risk: describeRisk(now.risk) }));
  }
  const known = new Set(approved.destructive.map((d) => d.key));
  for (const step of now.destructive) {
    if (!isCovered(step.key, known)) reasons.push(msg('schedule.reason.newStep', { step: step.title }));
  }
  const locked = new Set(approved.locks);
  for (const lock of now.locks) {
    if (!locked.has(lock) && !locked.has('lab')) {
      reasons.push(msg('schedule.reason.moreLocks', { target: describeLockKey(lock) }));
    }
  }
  return reasons;
}

/** A scope as the store keeps it: texts are JSON already. */
export function isScope(value: unknown): value is Scope {
  const v = value as Partial<Scope> | undefined;
  return typeof v?.risk === 'string' && Array.isArray(v.locks) && Array.isArray(v.destructive);
}
