/**
 * Risk levels of design.md, Approvals, from lowest to highest: a sub-command declares one, its plan
 * may raise it from the target's state, lab.yml's policy may raise it further, and the risk decides
 * the approvals a job needs (approvals/policy.ts).
 */
export const RISKS = ['read', 'change', 'destructive', 'critical'] as const;

/** A risk level. */
export type Risk = (typeof RISKS)[number];
