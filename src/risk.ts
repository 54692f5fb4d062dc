/**
 * Risk levels of design.md, Approvals, from lowest to highest: a sub-command declares one, its plan
 * may raise it from the target's state, lab.yml's policy may raise it further, and the risk decides
 * the approvals a job needs (approvals/policy.ts). The policy's shape is declared here too, below
 * both lab.yml's mapping (src/config/lab-policy.ts) and the policy's rules (approvals/policy.ts).
 */
export const RISKS = ['read', 'change', 'destructive', 'critical'] as const;

/** A risk level. */
export type Risk = (typeof RISKS)[number];

/**
 * Overrides for one command. Each field set replaces the policy's own for that command; unset
 * fields fall back to it. An empty list allows nobody / nowhere.
 */
export interface PolicyRule {
  /** A floor for the command's risk: it raises a lower planned risk and never lowers a higher one. */
  risk?: Risk;
  askers?: readonly string[];
  approvers?: readonly string[];
  channels?: readonly string[];
  expiryMinutes?: number;
}

/**
 * The access rules, as data. Principals are `slack:U…`/`slack:W…` (users), `slack:S…` (user
 * groups) and `shell:NAME`. An empty list allows nobody / nowhere: the configuration loader
 * turns lab.yml's empty lists into `'anyone'` / `'anywhere'`.
 */
export interface Policy {
  /** Principals who may ask by default; `'anyone'` in the simulated lab. */
  askers: readonly string[] | 'anyone';
  /** Principals who may approve by default. */
  approvers: readonly string[];
  /** Channels where commands may run; `'anywhere'` when not restricted. The shell's channel is `shell`. */
  channels: readonly string[] | 'anywhere';
  /** Minutes before a pending approval expires; 15 by default. */
  expiryMinutes: number;
  /**
   * Minutes after which a card nobody decided reminds its approvers, and as many again before it is
   * named in the channel (issue 15 §2); no reminders when unset.
   */
  remindAfterMinutes?: number | undefined;
  /** Per-command rules, keyed like `"host maintenance"`. */
  commands: Readonly<Record<string, PolicyRule>>;
}
