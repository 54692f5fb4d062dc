/** The approvals area's messages in English: the source of the catalog (issue 16). */
export const approvals = {
  // Risks and approval statuses, as words others use too (help, cards).
  'approvals.risk.read': 'read',
  'approvals.risk.change': 'change',
  'approvals.risk.destructive': 'destructive',
  'approvals.risk.critical': 'critical',
  'approvals.status.pending': 'pending',
  'approvals.status.approved': 'approved',
  'approvals.status.denied': 'denied',
  'approvals.status.expired': 'expired',
  'approvals.status.void': 'void',
  // Who may ask, where (approvals/policy.ts).
  'approvals.list.or': '{a} or {b}',
  'approvals.list.comma': '{a}, {b}',
  'approvals.channel.shell': 'the shell',
  'approvals.policy.noChannel': '{command} is not allowed in any channel by lab.yml, not in {channel}.',
  'approvals.policy.channels': '{command} may only be run in {channels}, not in {channel}.',
  'approvals.policy.nobodyAsks':
    'You ({requester}) may not run {command}: nobody may ask for it under lab.yml.',
  'approvals.policy.onlyAsk': 'You ({requester}) may not run {command}: only {askers} may ask for it.',
  'approvals.policy.tooFewApprovers':
    "{command} is {risk} and needs {required, plural, one {one approver} other {{required} distinct approvers}} other than you, but lab.yml's policy names {names} besides you — add approvers to {key}.",
  'approvals.policy.namesNone': 'none',
  'approvals.policy.namesSome': 'only {count} ({approvers})',
  // Clicks (approvals/flow.ts).
  'approvals.click.noApproval': 'There is no approval {id}.',
  'approvals.click.noPending': 'There is no pending approval.',
  'approvals.click.recheckFailed': 'Could not check the plan again before approving: {reason}',
  'approvals.click.denied': '{principal} denied {id}; job {job} will not run.',
  'approvals.click.approved': '{id} approved by {approvers}; job {job} runs.',
  'approvals.click.recorded':
    '{principal} approved {id} ({count} of {required}); waiting for another approver.',
  'approvals.click.expired': '{id} expired; nothing will run. Run the command again for a new plan.',
  'approvals.click.notPending': '{id} is already {status}; nothing changed.',
  'approvals.click.repeated': '{principal} already decided on {id}; a second click changes nothing.',
  'approvals.click.selfApproval':
    '{principal} asked for {id} and cannot approve it; {risk} work needs {required, plural, =2 {two other approvers} other {another approver}}.',
  'approvals.click.notEligible':
    '{principal} is not an approver of {id}; it needs {required, plural, =2 {two} other {one}} of: {candidates}.',
  'approvals.click.notEligibleNobody':
    '{principal} is not an approver of {id}; it needs {required, plural, =2 {two} other {one}} of: nobody configured.',
  'approvals.bug.noJob': 'Approval {id} has no job {job}.',
  // A card whose plan no longer holds (approvals/fingerprint.ts, flow.ts).
  // An object a plan depends on (`host hyper1`), by its kind.
  'approvals.object':
    '{kind, select, host {host {name}} domain {domain {name}} vm {VM {name}} iso {ISO {name}} hostKey {host key {name}} export {export {name}} other {{name}}}',
  'approvals.change.added': '{object}: now {now}',
  'approvals.change.gone': '{object}: gone (was {was})',
  'approvals.change.changed': '{object}: {was} → {now}',
  'approvals.change.noLonger': 'no longer possible: {reason}',
  'approvals.void.reason': 'The lab changed after the plan was made: {changes}',
  'approvals.void.answer':
    '{id} is void: the lab changed since the plan was made ({changes}). Run the command again for a new plan.',
} as const;
