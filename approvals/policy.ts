/*
 * Who may ask for a command, where, and who must approve it (design.md, Approvals). Pure: no
 * I/O, no clock, no Slack. Group principals are left as groups; the approval flow expands them
 * when a click arrives, and refuses the requester's own click there.
 */

import { type Message, msg, type Text, verbatim } from '../src/i18n/text.js';
import type { Policy, PolicyRule, Risk } from '../src/risk.js';

export type { Policy, PolicyRule } from '../src/risk.js';

const RISK_ORDER: Readonly<Record<Risk, number>> = { read: 0, change: 1, destructive: 2, critical: 3 };

/** One request to run a command. */
export interface PolicyRequest {
  /** `"<command> <sub-command>"`, e.g. `"host maintenance"`. */
  command: string;
  /** The risk the command's plan arrived at from the target's state. */
  plannedRisk: Risk;
  /** The principal asking, e.g. `slack:U0ALICE01` or `shell:operator`. */
  requester: string;
  /** The user groups the requester belongs to (`slack:S…`), as the adapter resolved them. */
  requesterGroups: readonly string[];
  /** The Slack channel id, or `shell`. */
  channel: string;
}

/** Who asks, as the adapter saw them: the principal, their groups and the channel. */
export interface PolicyAsker {
  principal: string;
  groups: readonly string[];
  channel: string;
}

/** The request `asker` makes for `command` at `plannedRisk`: the one way a request is built. */
export function createPolicyRequest(command: string, plannedRisk: Risk, asker: PolicyAsker): PolicyRequest {
  return {
    command,
    plannedRisk,
    requester: asker.principal,
    requesterGroups: asker.groups,
    channel: asker.channel,
  };
}

/**
 * The policy's answer. When allowed:
 * - `risk`: the effective risk, the planned one raised to the rule's floor;
 * - `required`: how many approvals the job waits for (0 runs at once);
 * - `approvers`: who may give them — the requester alone for `change`, otherwise the configured
 *   approvers minus the requester, groups left as groups;
 * - `requesterConfirms`: the approval is the requester's own confirmation of the plan;
 * - `expiresInMs`: how long a pending approval stays valid for this command.
 */
export type PolicyDecision =
  | { allowed: false; reason: Text }
  | {
      allowed: true;
      risk: Risk;
      required: 0 | 1 | 2;
      approvers: readonly string[];
      requesterConfirms: boolean;
      expiresInMs: number;
    };

const RISK_WORDS: Readonly<Record<Risk, Message>> = {
  read: msg('approvals.risk.read'),
  change: msg('approvals.risk.change'),
  destructive: msg('approvals.risk.destructive'),
  critical: msg('approvals.risk.critical'),
};

/** A risk as a word in the reader's language: `change`, `critical` — 변경, 중대. */
export function describeRisk(risk: Risk): Message {
  return RISK_WORDS[risk];
}

/** True when risk `a` is `b` or higher. */
export function riskAtLeast(a: Risk, b: Risk): boolean {
  return RISK_ORDER[a] >= RISK_ORDER[b];
}

/** The higher of two risks. */
export function maxRisk(a: Risk, b: Risk): Risk {
  return riskAtLeast(a, b) ? a : b;
}

/** Every user group (`slack:S…`) a policy names, as askers or approvers, anywhere. */
export function groupsInPolicy(policy: Policy): string[] {
  const all = [
    ...(policy.askers === 'anyone' ? [] : policy.askers),
    ...policy.approvers,
    ...Object.values(policy.commands).flatMap((r) => [...(r.askers ?? []), ...(r.approvers ?? [])]),
  ];
  return [...new Set(all.filter((p) => p.startsWith('slack:S')))];
}

/** Who may approve `command` under the policy: its rule's approvers, else the policy's. Groups stay groups. */
export function getApprovers(policy: Policy, command: string): readonly string[] {
  return getRule(policy, command)?.approvers ?? policy.approvers;
}

/**
 * How long a card waits for a decision before its approvers are reminded (issue 15 §2), and as long
 * again before it is named in the channel: undefined when the policy reminds nobody (the default).
 */
export function getReminderDelayMs(policy: Policy): number | undefined {
  const minutes = policy.remindAfterMinutes;
  return minutes === undefined || minutes <= 0 ? undefined : minutes * 60_000;
}

/**
 * Whom a reminder goes to: the approvers still able to decide the card — never its requester (who
 * asked, or confirms their own change), never someone who already decided. `eligible` is the
 * card's list, groups already expanded when it was posted.
 */
export function getApproversToRemind(card: {
  eligible: readonly string[];
  requester: string;
  decisions: readonly { principal: string }[];
}): string[] {
  return card.eligible.filter((p) => p !== card.requester && !card.decisions.some((d) => d.principal === p));
}

/** Whether the principal, or one of its groups, is on the list of approvers. */
export function isApprover(
  approvers: readonly string[],
  principal: string,
  groups: readonly string[],
): boolean {
  return approvers.includes(principal) || groups.some((g) => approvers.includes(g));
}

/** `slack:S…` is a user group; every other principal is one person. */
function isGroupPrincipal(principal: string): boolean {
  return principal.startsWith('slack:S');
}

function getRule(policy: Policy, command: string): PolicyRule | undefined {
  // hasOwn: a command named like `constructor` must not find Object.prototype.
  return Object.hasOwn(policy.commands, command) ? policy.commands[command] : undefined;
}

/** `a, b or c`: names (principals, channels) shown as they are, joined as the language joins alternatives. */
function formatList(items: readonly Text[]): Text {
  const [first, ...rest] = items;
  if (first === undefined) return verbatim('');
  if (rest.length === 0) return first;
  if (rest.length === 1) return msg('approvals.list.or', { a: first, b: rest[0]! });
  return msg('approvals.list.comma', { a: first, b: formatList(rest) });
}

function formatNames(principals: readonly string[]): Text {
  return formatList(principals.map((p) => verbatim(p)));
}

function formatChannel(channel: string): Text {
  return channel === 'shell' ? msg('approvals.channel.shell') : verbatim(channel);
}

function isChannelAllowed(channels: readonly string[] | 'anywhere', channel: string): boolean {
  return channels === 'anywhere' || channels.includes(channel);
}

function isAskerAllowed(
  askers: readonly string[] | 'anyone',
  requester: string,
  requesterGroups: readonly string[],
): boolean {
  return askers === 'anyone' || askers.includes(requester) || requesterGroups.some((g) => askers.includes(g));
}

const REQUIRED: Readonly<Record<Risk, 0 | 1 | 2>> = { read: 0, change: 1, destructive: 1, critical: 2 };

/**
 * Decides whether a request may go ahead and what approval it needs. In order:
 *
 * 1. The rule for `request.command` (if any) replaces the policy's askers, approvers, channels
 *    and expiry for that command; the effective risk is the higher of the planned risk and the
 *    rule's `risk` (a rule never lowers a plan's risk).
 * 2. Channel: the request's channel must be listed (or channels be `'anywhere'`); otherwise
 *    refused, naming the allowed channels. This applies to `read` commands too.
 * 3. Asker: the requester must be listed directly, or one of `requesterGroups` be listed (or
 *    askers be `'anyone'`); otherwise refused, naming who may ask.
 * 4. By effective risk:
 *    - `read`: runs at once — `required: 0`, no approvers;
 *    - `change`: the requester confirms the plan — `required: 1`, `approvers: [requester]`,
 *      `requesterConfirms: true`;
 *    - `destructive`: one approver other than the requester;
 *    - `critical`: two distinct approvers other than the requester.
 *    Approvers are the configured ones without the requester, duplicates dropped. A group stays
 *    one principal (even one the requester belongs to): it can supply any number of approvers,
 *    so any group makes the count reachable. With no group and fewer individual approvers than
 *    required, the request is refused, saying how many are needed and that lab.yml names too few.
 * 5. `expiresInMs` is the effective expiry in milliseconds, reported for every risk.
 */
export function evaluatePolicy(policy: Policy, request: PolicyRequest): PolicyDecision {
  const rule = getRule(policy, request.command);
  const channels = rule?.channels ?? policy.channels;
  const askers = rule?.askers ?? policy.askers;
  const configuredApprovers = rule?.approvers ?? policy.approvers;
  const expiryMinutes = rule?.expiryMinutes ?? policy.expiryMinutes;
  const risk = rule?.risk === undefined ? request.plannedRisk : maxRisk(request.plannedRisk, rule.risk);
  const expiresInMs = expiryMinutes * 60_000;
  const name = verbatim(`/${request.command}`);

  if (!isChannelAllowed(channels, request.channel)) {
    const channel = formatChannel(request.channel);
    return {
      allowed: false,
      reason:
        channels === 'anywhere' || channels.length === 0
          ? msg('approvals.policy.noChannel', { command: name, channel })
          : msg('approvals.policy.channels', {
              command: name,
              channels: formatList(channels.map(formatChannel)),
              channel,
            }),
    };
  }

  if (!isAskerAllowed(askers, request.requester, request.requesterGroups)) {
    const requester = request.requester;
    return {
      allowed: false,
      reason:
        askers === 'anyone' || askers.length === 0
          ? msg('approvals.policy.nobodyAsks', { requester, command: name })
          : msg('approvals.policy.onlyAsk', { requester, command: name, askers: formatNames(askers) }),
    };
  }

  const required = REQUIRED[risk];
  if (risk === 'read') {
    return { allowed: true, risk, required, approvers: [], requesterConfirms: false, expiresInMs };
  }
  if (risk === 'change') {
    return {
      allowed: true,
      risk,
      required,
      approvers: [request.requester],
      requesterConfirms: true,
      expiresInMs,
    };
  }

  const approvers = [...new Set(configuredApprovers)].filter((p) => p !== request.requester);
  const hasGroup = approvers.some(isGroupPrincipal);
  const people = approvers.filter((p) => !isGroupPrincipal(p)).length;
  if (!hasGroup && people < required) {
    const key =
      rule?.approvers === undefined ? 'policy.approvers' : `policy.commands["${request.command}"].approvers`;
    return {
      allowed: false,
      reason: msg('approvals.policy.tooFewApprovers', {
        command: name,
        risk: describeRisk(risk),
        required,
        names:
          people === 0
            ? msg('approvals.policy.namesNone')
            : msg('approvals.policy.namesSome', { count: people, approvers: formatNames(approvers) }),
        key: verbatim(key),
      }),
    };
  }
  return { allowed: true, risk, required, approvers, requesterConfirms: false, expiresInMs };
}

/**
 * Whether the requester may ask for `command` in `channel` at all (steps 1–3 of evaluatePolicy),
 * so help lists only what the caller may run. It does not check that enough approvers exist.
 */
export function canAsk(
  policy: Policy,
  command: string,
  requester: string,
  requesterGroups: readonly string[],
  channel: string,
): boolean {
  const rule = getRule(policy, command);
  return (
    isChannelAllowed(rule?.channels ?? policy.channels, channel) &&
    isAskerAllowed(rule?.askers ?? policy.askers, requester, requesterGroups)
  );
}

/**
 * A lab's policy when one bot serves many labs (issue 13 §2): `instructors` (people or groups) may
 * ask and approve everything in every lab, whatever the lab's own lists and rules say; and the
 * lab's `channels` (when the bot serves several) bind it to those channels instead of restricting where it may be asked for —
 * a `--lab` from another channel goes as far as the lab's askers let it. A command's own
 * `channels` rule still holds.
 */
export function createLabPolicy(
  policy: Policy,
  instructors: readonly string[],
  options: { bindChannels: boolean } = { bindChannels: true },
): Policy {
  const widen = (list: readonly string[]) => [...new Set([...list, ...instructors])];
  const askers = (list: readonly string[] | 'anyone') => (list === 'anyone' ? list : widen(list));
  return {
    ...policy,
    askers: askers(policy.askers),
    approvers: widen(policy.approvers),
    // One lab alone keeps its channels as the places it may be asked from, as before.
    channels: options.bindChannels ? 'anywhere' : policy.channels,
    commands: Object.fromEntries(
      Object.entries(policy.commands).map(([key, rule]) => [
        key,
        {
          ...rule,
          ...(rule.askers ? { askers: widen(rule.askers) } : {}),
          ...(rule.approvers ? { approvers: widen(rule.approvers) } : {}),
        },
      ]),
    ),
  };
}

/** Whether a principal, or one of its groups, is one of the bot's instructors (issue 13 §2). */
export function isInstructor(
  instructors: readonly string[],
  principal: string,
  groups: readonly string[],
): boolean {
  return isApprover(instructors, principal, groups);
}
