import { describe, expect, it } from 'vitest';
import {
  canAsk,
  createPolicyRequest,
  evaluatePolicy,
  getApprovers,
  isApprover,
  maxRisk,
  type Policy,
  type PolicyDecision,
  type PolicyRequest,
  riskAtLeast,
} from '../../approvals/policy.js';
import { renderText } from '../../src/i18n/render.js';
import type { Risk } from '../../src/risk.js';
import { findLeaks } from '../support/i18n-leaks.js';

const ALICE = 'slack:U0ALICE01';
const BOB = 'slack:U0BOB0002';
const CAROL = 'slack:W0CAROL03';
const ADMINS = 'slack:S0LABADMIN';
const USERS = 'slack:S0LABUSERS';
const OPS = 'C0LABOPS01';
const MINUTE = 60_000;

/** A lab.yml-like policy: askers by group, two approvers plus a group, one channel and the shell. */
const lab: Policy = {
  askers: [USERS, 'shell:operator', ALICE, BOB],
  approvers: [ALICE, BOB, ADMINS],
  channels: [OPS, 'shell'],
  expiryMinutes: 15,
  commands: {
    'lab reset': { approvers: [ADMINS], expiryMinutes: 10 },
    'storage clean': { risk: 'critical' },
    'host activate': { risk: 'read' },
    'host status': { channels: [OPS, 'G0PRIVATE1'] },
    'host trust': { askers: [CAROL] },
    'host remove': { approvers: [ALICE] },
    'storage remove': { approvers: [ALICE, BOB] },
    'lab cancel': { expiryMinutes: 5, approvers: [] },
    'iso upload': { channels: [] },
  },
};

/** The simulated lab: anyone, anywhere; shell:alice and shell:bob approve. */
const simulated: Policy = {
  askers: 'anyone',
  approvers: ['shell:alice', 'shell:bob'],
  channels: 'anywhere',
  expiryMinutes: 15,
  commands: {},
};

function request(overrides: Partial<PolicyRequest>): PolicyRequest {
  return {
    command: 'host maintenance',
    plannedRisk: 'destructive',
    requester: 'shell:operator',
    requesterGroups: [],
    channel: OPS,
    ...overrides,
  };
}

function allowed(
  risk: Risk,
  required: 0 | 1 | 2,
  approvers: readonly string[],
  requesterConfirms = false,
  expiryMinutes = 15,
): Extract<PolicyDecision, { allowed: true }> {
  return { allowed: true, risk, required, approvers, requesterConfirms, expiresInMs: expiryMinutes * MINUTE };
}

/** A decision as these rows write it: a refusal's reason in English. */
type EnglishDecision = Exclude<PolicyDecision, { allowed: false }> | { allowed: false; reason: string };

function inEnglish(decision: PolicyDecision): EnglishDecision {
  return decision.allowed ? decision : { allowed: false, reason: renderText('en', decision.reason) };
}

type Row = [name: string, policy: Policy, request: Partial<PolicyRequest>, expected: EnglishDecision];

const rows: Row[] = [
  // Risks, requester not an approver.
  ['read runs at once', lab, { plannedRisk: 'read' }, allowed('read', 0, [])],
  [
    'change needs the requester to confirm',
    lab,
    { plannedRisk: 'change' },
    allowed('change', 1, ['shell:operator'], true),
  ],
  [
    'destructive needs one other approver',
    lab,
    { plannedRisk: 'destructive' },
    allowed('destructive', 1, [ALICE, BOB, ADMINS]),
  ],
  [
    'critical needs two other approvers',
    lab,
    { plannedRisk: 'critical' },
    allowed('critical', 2, [ALICE, BOB, ADMINS]),
  ],

  // Risks, requester is an approver.
  ['read by an approver', lab, { plannedRisk: 'read', requester: ALICE }, allowed('read', 0, [])],
  [
    'change by an approver is still confirmed by the requester alone',
    lab,
    { plannedRisk: 'change', requester: ALICE },
    allowed('change', 1, [ALICE], true),
  ],
  [
    'destructive by an approver leaves the requester out',
    lab,
    { plannedRisk: 'destructive', requester: ALICE },
    allowed('destructive', 1, [BOB, ADMINS]),
  ],
  [
    'critical by an approver leaves the requester out',
    lab,
    { plannedRisk: 'critical', requester: BOB },
    allowed('critical', 2, [ALICE, ADMINS]),
  ],
  [
    'critical by a member of the approver group keeps the group (the flow excludes the requester)',
    lab,
    { plannedRisk: 'critical', requester: 'slack:U0DAVE004', requesterGroups: [USERS, ADMINS] },
    allowed('critical', 2, [ALICE, BOB, ADMINS]),
  ],
  [
    'critical in the simulated lab, asked by an outsider',
    simulated,
    { plannedRisk: 'critical', requester: 'shell:operator', channel: 'shell' },
    allowed('critical', 2, ['shell:alice', 'shell:bob']),
  ],
  [
    'destructive in the simulated lab, asked by an approver',
    simulated,
    { plannedRisk: 'destructive', requester: 'shell:alice', channel: 'shell' },
    allowed('destructive', 1, ['shell:bob']),
  ],

  // Channels.
  ['the shell counts as a channel', lab, { plannedRisk: 'read', channel: 'shell' }, allowed('read', 0, [])],
  [
    'a channel not listed is refused, even for read',
    lab,
    { plannedRisk: 'read', channel: 'C0RANDOM99' },
    {
      allowed: false,
      reason: '/host maintenance may only be run in C0LABOPS01 or the shell, not in C0RANDOM99.',
    },
  ],
  [
    'a rule replaces the channels: the private channel is allowed',
    lab,
    { command: 'host status', plannedRisk: 'read', channel: 'G0PRIVATE1' },
    allowed('read', 0, []),
  ],
  [
    'a rule replaces the channels: the shell is no longer allowed',
    lab,
    { command: 'host status', plannedRisk: 'read', channel: 'shell' },
    { allowed: false, reason: '/host status may only be run in C0LABOPS01 or G0PRIVATE1, not in the shell.' },
  ],
  [
    'a rule with no channels allows none',
    lab,
    { command: 'iso upload', plannedRisk: 'change' },
    { allowed: false, reason: '/iso upload is not allowed in any channel by lab.yml, not in C0LABOPS01.' },
  ],
  [
    'anywhere allows any channel',
    simulated,
    { plannedRisk: 'read', channel: 'D0DIRECT01' },
    allowed('read', 0, []),
  ],
  [
    'the channel is checked before the asker',
    lab,
    { plannedRisk: 'read', channel: 'C0RANDOM99', requester: 'slack:U0STRANGER' },
    {
      allowed: false,
      reason: '/host maintenance may only be run in C0LABOPS01 or the shell, not in C0RANDOM99.',
    },
  ],

  // Askers.
  [
    'an asker via one of their groups',
    lab,
    { plannedRisk: 'read', requester: 'slack:U0DAVE004', requesterGroups: ['slack:S0OTHER', USERS] },
    allowed('read', 0, []),
  ],
  [
    'a principal in no listed group is refused, naming who may',
    lab,
    { plannedRisk: 'read', requester: 'slack:U0STRANGER', requesterGroups: ['slack:S0OTHER'] },
    {
      allowed: false,
      reason:
        'You (slack:U0STRANGER) may not run /host maintenance: only slack:S0LABUSERS, shell:operator, slack:U0ALICE01 or slack:U0BOB0002 may ask for it.',
    },
  ],
  [
    'a rule replaces the askers: the default asker is refused',
    lab,
    { command: 'host trust', plannedRisk: 'change', requester: 'shell:operator' },
    {
      allowed: false,
      reason: 'You (shell:operator) may not run /host trust: only slack:W0CAROL03 may ask for it.',
    },
  ],
  [
    'a rule replaces the askers: its asker is allowed (an enterprise user id)',
    lab,
    { command: 'host trust', plannedRisk: 'change', requester: CAROL },
    allowed('change', 1, [CAROL], true),
  ],
  [
    'anyone may ask in the simulated lab',
    simulated,
    { plannedRisk: 'read', requester: 'shell:mallory', channel: 'shell' },
    allowed('read', 0, []),
  ],

  // Per-command risk: raised, never lowered.
  [
    'a rule raises destructive to critical',
    lab,
    { command: 'storage clean', plannedRisk: 'destructive' },
    allowed('critical', 2, [ALICE, BOB, ADMINS]),
  ],
  [
    'a rule raises read to critical',
    lab,
    { command: 'storage clean', plannedRisk: 'read' },
    allowed('critical', 2, [ALICE, BOB, ADMINS]),
  ],
  [
    'a rule cannot lower change to read',
    lab,
    { command: 'host activate', plannedRisk: 'change' },
    allowed('change', 1, ['shell:operator'], true),
  ],
  [
    'a rule cannot lower a plan raised to critical',
    lab,
    { command: 'host activate', plannedRisk: 'critical' },
    allowed('critical', 2, [ALICE, BOB, ADMINS]),
  ],

  // Per-command approvers and expiry.
  [
    'a rule replaces approvers and expiry',
    lab,
    { command: 'lab reset', plannedRisk: 'critical' },
    allowed('critical', 2, [ADMINS], false, 10),
  ],
  [
    'an expiry override applies to change too',
    lab,
    { command: 'lab cancel', plannedRisk: 'change' },
    allowed('change', 1, ['shell:operator'], true, 5),
  ],
  [
    'an expiry override applies to read too',
    lab,
    { command: 'lab cancel', plannedRisk: 'read' },
    allowed('read', 0, [], false, 5),
  ],

  // Too few approvers.
  [
    'critical with one approver configured besides the requester',
    lab,
    { command: 'storage remove', plannedRisk: 'critical', requester: ALICE },
    {
      allowed: false,
      reason:
        '/storage remove is critical and needs 2 distinct approvers other than you, but lab.yml\'s policy names only 1 (slack:U0BOB0002) besides you — add approvers to policy.commands["storage remove"].approvers.',
    },
  ],
  [
    'critical with one approver configured at all',
    lab,
    { command: 'host remove', plannedRisk: 'critical' },
    {
      allowed: false,
      reason:
        '/host remove is critical and needs 2 distinct approvers other than you, but lab.yml\'s policy names only 1 (slack:U0ALICE01) besides you — add approvers to policy.commands["host remove"].approvers.',
    },
  ],
  [
    'destructive when the requester is the only approver',
    lab,
    { command: 'host remove', plannedRisk: 'destructive', requester: ALICE },
    {
      allowed: false,
      reason:
        '/host remove is destructive and needs one approver other than you, but lab.yml\'s policy names none besides you — add approvers to policy.commands["host remove"].approvers.',
    },
  ],
  [
    'destructive when a rule names no approvers',
    lab,
    { command: 'lab cancel', plannedRisk: 'destructive' },
    {
      allowed: false,
      reason:
        '/lab cancel is destructive and needs one approver other than you, but lab.yml\'s policy names none besides you — add approvers to policy.commands["lab cancel"].approvers.',
    },
  ],
  [
    'critical in the simulated lab asked by one of its two approvers',
    simulated,
    { plannedRisk: 'critical', requester: 'shell:alice', channel: 'shell' },
    {
      allowed: false,
      reason:
        "/host maintenance is critical and needs 2 distinct approvers other than you, but lab.yml's policy names only 1 (shell:bob) besides you — add approvers to policy.approvers.",
    },
  ],
  [
    'duplicate approvers count once',
    { ...simulated, approvers: ['shell:bob', 'shell:bob'] },
    { plannedRisk: 'critical', channel: 'shell' },
    {
      allowed: false,
      reason:
        "/host maintenance is critical and needs 2 distinct approvers other than you, but lab.yml's policy names only 1 (shell:bob) besides you — add approvers to policy.approvers.",
    },
  ],
  [
    'critical with a group alone is enough',
    lab,
    { command: 'lab reset', plannedRisk: 'critical', requester: ALICE },
    allowed('critical', 2, [ADMINS], false, 10),
  ],
  [
    'too few approvers does not matter for change',
    lab,
    { command: 'host remove', plannedRisk: 'change', requester: ALICE },
    allowed('change', 1, [ALICE], true),
  ],
];

describe('evaluatePolicy', () => {
  it.each(rows)('%s', (_, policy, overrides, expected) => {
    expect(inEnglish(evaluatePolicy(policy, request(overrides)))).toEqual(expected);
  });

  it('allows critical with one person and a group besides the requester', () => {
    const policy: Policy = { ...lab, commands: { 'host remove': { approvers: [ALICE, BOB, ADMINS] } } };
    expect(
      evaluatePolicy(policy, request({ command: 'host remove', plannedRisk: 'critical', requester: BOB })),
    ).toEqual(allowed('critical', 2, [ALICE, ADMINS]));
  });

  it('decides a request built from the asker as the adapter saw them', () => {
    const asker = { principal: 'slack:U0DAVE004', groups: [USERS], channel: OPS };
    const built = createPolicyRequest('host maintenance', 'critical', asker);
    expect(built).toEqual(
      request({ plannedRisk: 'critical', requester: 'slack:U0DAVE004', requesterGroups: [USERS] }),
    );
    expect(evaluatePolicy(lab, built)).toEqual(allowed('critical', 2, [ALICE, BOB, ADMINS]));
  });

  it('ignores a command whose name is a property of every object', () => {
    expect(evaluatePolicy(lab, request({ command: 'constructor', plannedRisk: 'read' }))).toEqual(
      allowed('read', 0, []),
    );
  });
});

describe('canAsk', () => {
  it.each([
    ['an asker in an allowed channel', 'host maintenance', 'shell:operator', [], OPS, true],
    ['an asker via a group', 'host maintenance', 'slack:U0DAVE004', [USERS], OPS, true],
    ['an asker in a channel not allowed', 'host maintenance', 'shell:operator', [], 'C0RANDOM99', false],
    ['a stranger', 'host maintenance', 'slack:U0STRANGER', [], OPS, false],
    ['the default asker where a rule replaces askers', 'host trust', 'shell:operator', [], OPS, false],
    ['the rule asker', 'host trust', CAROL, [], OPS, true],
    ['anyone where a rule allows no channel', 'iso upload', ALICE, [], OPS, false],
    ['in the shell where a rule leaves it out', 'host status', ALICE, [], 'shell', false],
    ['even when too few approvers exist (help still lists it)', 'host remove', ALICE, [], OPS, true],
  ] as [string, string, string, string[], string, boolean][])(
    '%s',
    (_, command, requester, groups, channel, expected) => {
      expect(canAsk(lab, command, requester, groups, channel)).toBe(expected);
    },
  );
});

describe('who may approve (and so cancel) a command', () => {
  it.each([
    ['the policy approvers by default', 'host maintenance', [ALICE, BOB, ADMINS]],
    ['the rule approvers where a rule names them', 'host remove', [ALICE]],
    ['nobody where a rule names none', 'lab cancel', []],
    [
      'the policy approvers for a command named like a property of every object',
      'constructor',
      [ALICE, BOB, ADMINS],
    ],
  ] as [string, string, string[]][])('%s', (_, command, expected) => {
    expect(getApprovers(lab, command)).toEqual(expected);
  });

  it.each([
    ['a listed person', [ALICE], ALICE, [], true],
    ['a member of a listed group', [ADMINS], 'slack:U0DAVE004', [USERS, ADMINS], true],
    ['a person in no listed group', [ADMINS], 'slack:U0DAVE004', [USERS], false],
    ['anyone on an empty list', [], ALICE, [ADMINS], false],
  ] as [string, string[], string, string[], boolean][])(
    '%s: %s',
    (_, approvers, principal, groups, expected) => {
      expect(isApprover(approvers, principal, groups)).toBe(expected);
    },
  );
});

describe('risk order', () => {
  const risks: Risk[] = ['read', 'change', 'destructive', 'critical'];
  const pairs = risks.flatMap((a, i) => risks.map((b, j) => [a, b, i >= j] as const));

  it.each(pairs)('riskAtLeast(%s, %s) is %s', (a, b, expected) => {
    expect(riskAtLeast(a, b)).toBe(expected);
    expect(maxRisk(a, b)).toBe(expected ? a : b);
  });
});

describe('refusals in Korean (issue 16)', () => {
  function refusalInKorean(policy: Policy, overrides: Partial<PolicyRequest>): string {
    const decision = evaluatePolicy(policy, request(overrides));
    if (decision.allowed) throw new Error('expected a refusal');
    expect(findLeaks(decision.reason)).toEqual([]);
    return renderText('ko', decision.reason);
  }

  it('names the channels, the shell among them, and where the request came from', () => {
    expect(refusalInKorean(lab, { plannedRisk: 'read', channel: 'C0RANDOM99' })).toBe(
      '/host maintenance은(는) C0LABOPS01 또는 셸에서만 실행할 수 있습니다(C0RANDOM99에서 요청함).',
    );
    expect(refusalInKorean(lab, { command: 'iso upload', plannedRisk: 'change' })).toBe(
      '/iso upload은(는) lab.yml에서 어느 채널에서도 허용되지 않습니다(C0LABOPS01에서 요청함).',
    );
  });

  it('names who may ask, joined as Korean joins alternatives', () => {
    expect(refusalInKorean(lab, { plannedRisk: 'read', requester: 'slack:U0STRANGER' })).toBe(
      'slack:U0STRANGER은(는) /host maintenance을(를) 실행할 수 없습니다. slack:S0LABUSERS, shell:operator, slack:U0ALICE01 또는 slack:U0BOB0002만 요청할 수 있습니다.',
    );
  });

  it('says how many approvers the risk needs and how many lab.yml names', () => {
    expect(
      refusalInKorean(lab, { command: 'storage remove', plannedRisk: 'critical', requester: ALICE }),
    ).toBe(
      '/storage remove은(는) 위험도 중대 명령이라 요청자 외에 승인자 2명이 필요하지만, lab.yml의 정책에 요청자 외 승인자는 1명(slack:U0BOB0002)뿐입니다 — policy.commands["storage remove"].approvers에 승인자를 추가하십시오.',
    );
    expect(refusalInKorean(lab, { command: 'lab cancel', plannedRisk: 'destructive' })).toBe(
      '/lab cancel은(는) 위험도 파괴적 명령이라 요청자 외에 승인자 1명이 필요하지만, lab.yml의 정책에 요청자 외 승인자는 없습니다 — policy.commands["lab cancel"].approvers에 승인자를 추가하십시오.',
    );
  });
});
