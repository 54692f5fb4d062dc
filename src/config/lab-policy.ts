import type { Policy, PolicyRule } from '../risk.js';
import type { DeepReadonly, Policy as LabPolicy, Limits } from './lab-schema.js';

/**
 * lab.yml's `policy` as the approval policy reads it: snake_case keys to camelCase, and the
 * file's empty `askers` and `channels` (its "anyone", "anywhere") to `'anyone'` and `'anywhere'`,
 * since the policy's own empty list allows nobody. A per-command field left out stays out, so it
 * falls back to the policy's own.
 */
export function mapLabPolicy(policy: DeepReadonly<LabPolicy>): Policy {
  return {
    askers: policy.askers.length ? policy.askers : 'anyone',
    channels: policy.channels.length ? policy.channels : 'anywhere',
    approvers: policy.approvers,
    expiryMinutes: policy.expiry_minutes,
    ...(policy.remind_after_minutes ? { remindAfterMinutes: policy.remind_after_minutes } : {}),
    commands: Object.fromEntries(
      Object.entries(policy.commands).flatMap(([key, rule]) => {
        if (!rule) return [];
        const mapped: PolicyRule = {
          ...(rule.risk ? { risk: rule.risk } : {}),
          ...(rule.askers ? { askers: rule.askers } : {}),
          ...(rule.approvers ? { approvers: rule.approvers } : {}),
          ...(rule.channels ? { channels: rule.channels } : {}),
          ...(rule.expiry_minutes ? { expiryMinutes: rule.expiry_minutes } : {}),
        };
        return [[key, mapped]];
      }),
    ),
  };
}

/** lab.yml's `limits` as the plans take them (issue 10 §1). */
export function mapLabLimits(limits: DeepReadonly<Limits>): { planMs: number; plansPerRequester: number } {
  return { planMs: limits.plan_seconds * 1000, plansPerRequester: limits.plans_per_requester };
}
