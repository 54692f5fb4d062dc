/** Reminders to the approvers of cards nobody decided (issue 15 §2), in English: the source. */
export const remind = {
  // A direct message to one approver (src/slack/reminder-reporter.ts).
  'remind.dm.text':
    '⏰ {command}, asked by {requester}, has waited {waited} for your decision (card {approval}). It expires at {time}.',
  'remind.dm.inChannel': 'The card is in {channel}: approve or deny it there.',
  'remind.dm.inLabChannel': 'The card is in the lab’s channel: approve or deny it there.',
  'remind.dm.inDm': 'The card is in your direct messages with labops: approve or deny it there.',
  'remind.dm.fallback': 'Reminder: {command} waits for your decision (card {approval}).',
  // The card named in its channel, as a reply in its thread also sent to the channel.
  'remind.channel.text':
    '⏰ This card has waited {waited} for a decision. {approvers}: one of you, please approve or deny it before {time}.',
  'remind.channel.fallback': 'Reminder: {command} still waits for a decision (card {approval}).',
  // The shell's lines (src/shell/render.ts).
  'remind.shell.dm': '⏰ {approval} ({command}) has waited {waited} for a decision: reminded {approvers}.',
  'remind.shell.channel': '⏰ {approval} ({command}) still waits for a decision after {waited}: {approvers}.',
} as const;
