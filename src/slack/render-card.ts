import { approvalCandidates } from '../../approvals/flow.js';
import type { MessageKey } from '../i18n/catalog/index.js';
import type { Locale } from '../i18n/locale.js';
import { duration, list as listOf, type Message, msg, type Text, verbatim } from '../i18n/text.js';
import { localizePlan } from '../plan.js';
import type { Risk } from '../risk.js';
import type { ApprovalRecord, JobRecord, JobStatus, StepRecord, StepStatus } from '../store/types.js';
import {
  actions,
  type Block,
  button,
  code,
  context,
  fallback,
  fitBlocks,
  header,
  type Inline,
  inlines,
  labTime,
  lineBreak,
  list,
  type MessageContent,
  mention,
  mentionSlots,
  paragraph,
  plain,
  preformatted,
  richText,
  slot,
  speaker,
  strong,
  textWithMentions,
  time,
  type Voice,
} from './blocks.js';
import { isSlackPrincipal, mentionPrincipal, slackTime } from './mrkdwn.js';

/** Action ids on the wire: `namespace:verb` (style.md, Naming). */
export const ACTION = {
  approve: 'approval:approve',
  deny: 'approval:deny',
  cancel: 'job:cancel',
  refreshHome: 'home:refresh',
  /** A command a view offers (a doctor's fix), run as the clicker: see listeners/view-run.ts. */
  runView: 'view:run',
  /** Undo a job that succeeded with its inverse command (issue 15 §3): see listeners/job-revert.ts. */
  revert: 'job:revert',
} as const;

export interface CardInput {
  /** The language of whoever reads this copy: the lab's in its channel, an approver's own in a DM (issue 16 §2). */
  locale: Locale;
  /** The lab's time zone for times of day (lab.yml `timezone`). */
  timeZone?: string | undefined;
  job: JobRecord;
  approval: ApprovalRecord | undefined;
  now: number;
  simulated: boolean;
  /** The job's steps once it ran: the summary counts them and names the failed one. */
  steps?: readonly StepRecord[] | undefined;
  /** What changed when the card went void. */
  changes?: readonly Text[] | undefined;
  /**
   * A copy sent by direct message to an approver not in the channel: no Cancel button, and once
   * decided it points to where the job reports.
   */
  copyOf?: { channel: string } | undefined;
  /**
   * The job's lab, when the bot serves several (issue 13): a copy in a direct message, or a card in
   * a channel bound to no lab, says which lab it acts on.
   */
  lab?: string | undefined;
  /**
   * A job that succeeded and whose steps have an inverse (src/revert.ts): the command a Revert
   * plans, and until when the button is offered.
   */
  revert?: { command: string; until: number } | undefined;
}

type KeysOf<P extends string> = Extract<MessageKey, `${P}${string}`>;

/** Each job state's mark and its label on a card's header. */
export const JOB_STATE: Record<JobStatus, { mark: string; label: KeysOf<'slack.card.state.'> }> = {
  awaiting_approval: { mark: '⏳', label: 'slack.card.state.awaitingApproval' },
  queued: { mark: '⏩', label: 'slack.card.state.queued' },
  running: { mark: '▶️', label: 'slack.card.state.running' },
  succeeded: { mark: '✅', label: 'slack.card.state.succeeded' },
  failed: { mark: '❌', label: 'slack.card.state.failed' },
  cancelled: { mark: '⏹️', label: 'slack.card.state.cancelled' },
  interrupted: { mark: '⚠️', label: 'slack.card.state.interrupted' },
  denied: { mark: '🚫', label: 'slack.card.state.denied' },
  expired: { mark: '⌛', label: 'slack.card.state.expired' },
  void: { mark: '⊘', label: 'slack.card.state.void' },
};

/** A job's state in words, lower case, inside a sentence (App Home, the log's title). */
export const JOB_STATUS_WORD: Record<JobStatus, KeysOf<'slack.job.status.'>> = {
  awaiting_approval: 'slack.job.status.awaitingApproval',
  queued: 'slack.job.status.queued',
  running: 'slack.job.status.running',
  succeeded: 'slack.job.status.succeeded',
  failed: 'slack.job.status.failed',
  cancelled: 'slack.job.status.cancelled',
  interrupted: 'slack.job.status.interrupted',
  denied: 'slack.job.status.denied',
  expired: 'slack.job.status.expired',
  void: 'slack.job.status.void',
};

const RISK_LABEL: Record<Risk, KeysOf<'slack.card.risk.'>> = {
  read: 'slack.card.risk.read',
  change: 'slack.card.risk.change',
  destructive: 'slack.card.risk.destructive',
  critical: 'slack.card.risk.critical',
};

/** Step outcomes the summary counts, in this order. */
const COUNTED: Partial<Record<StepStatus, KeysOf<'slack.card.count.'>>> = {
  changed: 'slack.card.count.changed',
  ok: 'slack.card.count.ok',
  failed: 'slack.card.count.failed',
  unknown: 'slack.card.count.unknown',
  cancelled: 'slack.card.count.cancelled',
  skipped: 'slack.card.count.skipped',
};

/** `/host maintenance hyper1` as typed: plain text, for a `code` element or plain_text. */
export function commandLine(job: JobRecord): string {
  return `/${job.command.split(' ')[0]} ${job.text}`.trim();
}

/** A bold title over a bullet list of outside text (impact, blockers, warnings). */
function bulletsBlock(title: string, lines: readonly string[]): Block[] {
  if (!lines.length) return [];
  return [richText([paragraph(strong(title)), list(lines.map((l) => [plain(l)]))])];
}

function approvedBy(approval: ApprovalRecord): string[] {
  return approval.decisions.filter((d) => d.decision === 'approve').map((d) => d.principal);
}

/**
 * What to do after a job that did not succeed: the next step for the person reading the card, with
 * `/lab status` and the command to run again as code.
 */
export function nextStepFor(
  job: JobRecord,
  voice: Voice,
  steps?: readonly Pick<StepRecord, 'status'>[] | undefined,
): Inline[] | undefined {
  const say = speaker(voice);
  const elements = [code('/lab status'), code(commandLine(job))];
  const slots = { status: slot(0), command: slot(1) };
  const next = (text: Message) => inlines(say(text), elements);
  switch (job.status) {
    case 'failed':
      // A step whose outcome is unknown (its record, else the pipeline's English error says so).
      return steps?.some((s) => s.status === 'unknown') || job.error?.includes('unknown outcome')
        ? next(msg('slack.card.next.unknownOutcome', slots))
        : next(msg('slack.card.next.failed', { command: slot(1) }));
    case 'cancelled':
      return next(msg('slack.card.next.cancelled', slots));
    case 'interrupted':
      return next(msg('slack.card.next.interrupted', slots));
    case 'expired':
    case 'void':
      return next(msg('slack.card.next.again', { command: slot(1) }));
    default:
      return undefined;
  }
}

function summaryOf(
  job: JobRecord,
  steps: readonly StepRecord[] | undefined,
  voice: Voice,
): Block | undefined {
  if (
    job.status !== 'succeeded' &&
    job.status !== 'failed' &&
    job.status !== 'cancelled' &&
    job.status !== 'interrupted'
  )
    return undefined;
  const say = speaker(voice);
  const title =
    job.finishedAt && job.startedAt
      ? msg('slack.card.endedIn', { status: job.status, took: duration(job.finishedAt - job.startedAt) })
      : msg('slack.card.ended', { status: job.status });
  const counts = Object.entries(COUNTED).flatMap(([status, key]) => {
    const n = steps?.filter((x) => x.status === status).length ?? 0;
    return n > 0 && key ? [msg(key, { count: n })] : [];
  });
  const tally = steps?.length
    ? [plain(` — ${say(msg('slack.card.stepCounts', { count: steps.length, counts: listOf(counts) }))}`)]
    : [];
  const errorText = job.status === 'succeeded' ? undefined : errorOf(job);
  const error = errorText !== undefined ? [lineBreak(), ...textWithMentions(say(errorText))] : [];
  return richText([paragraph(strong(say(title)), ...tally, ...error)]);
}

/** A Slack channel id, which mrkdwn may link; anything else is not one. */
function isChannelId(channel: string): boolean {
  return /^[CDG][A-Z0-9]{2,30}$/.test(channel);
}

/**
 * The approval card, which becomes the job's parent message (design.md, Approvals; issue 4): the
 * state first in the header, what was asked and by whom, the plan with its impact, blockers and
 * steps, the eligible approvers mentioned, the expiry; Approve (primary, with a confirm dialog for
 * destructive and critical work) and Deny (danger) while pending; after a decision, who decided
 * and no buttons; a Cancel button while the job runs; the final summary and what to do next. In
 * the reader's language (issue 16 §2): the lab's in the channel, an approver's own in their DM.
 */
export function renderCard(input: CardInput): MessageContent {
  const { job, approval, now } = input;
  const voice: Voice = { locale: input.locale, timeZone: input.timeZone };
  const say = speaker(voice);
  const plan = localizePlan(job.plan, input.locale, { timeZone: input.timeZone });
  const approvalStatus = approval?.status;
  // An approval that closed before the job moved (void, expired) decides what the card says.
  const status: JobStatus =
    job.status === 'awaiting_approval' &&
    approvalStatus &&
    approvalStatus !== 'pending' &&
    approvalStatus !== 'approved'
      ? approvalStatus
      : job.status;
  const state = JOB_STATE[status];
  const stateLabel = say(msg(state.label));
  const blocks: Block[] = [header(`${state.mark} ${stateLabel} · ${commandLine(job)}`)];
  if (input.lab !== undefined) blocks.push(context([say(msg('slack.card.lab', { lab: input.lab }))]));
  if (input.simulated) blocks.push(context([say(msg('slack.card.simulated'))]));

  // The plan's words carry names from people and the lab: rich_text, never mrkdwn (issue 10 §6).
  const who = approval
    ? msg('slack.card.askedByApproval', { requester: slot(0), job: slot(1), approval: slot(2) })
    : msg('slack.card.askedBy', { requester: slot(0), job: slot(1) });
  const whoElements = [mention(job.requester), code(job.id), ...(approval ? [code(approval.id)] : [])];
  blocks.push(richText([paragraph(strong(plan.summary), lineBreak(), ...inlines(say(who), whoElements))]));

  const summary = summaryOf(job, input.steps, voice);
  if (summary) blocks.push(summary);
  const next = nextStepFor({ ...job, status }, voice, input.steps);
  if (next && status !== 'expired' && status !== 'void')
    blocks.push(richText([paragraph(strong(say(msg('slack.card.nextHeading'))), plain(' '), ...next)]));

  if (approval) {
    const yes = approvedBy(approval);
    const no = approval.decisions.filter((d) => d.decision === 'deny').map((d) => d.principal);
    if (status === 'awaiting_approval') {
      const risk = paragraph(
        strong(say(msg(RISK_LABEL[approval.risk]))),
        plain(` — ${say(msg('slack.card.needs', { risk: approval.risk }))}`),
      );
      const reasons = plan.riskReasons.length ? [list(plan.riskReasons.map((r) => [plain(r)]))] : [];
      blocks.push(richText([risk, ...reasons]));
    }
    if (status === 'denied') {
      const by = mentionSlots(no);
      blocks.push(
        richText([paragraph(inlines(say(msg('slack.card.deniedBy', { who: by.list })), by.inlines))]),
      );
    } else if (yes.length && status !== 'void' && status !== 'expired') {
      const by = mentionSlots(yes);
      const text =
        status === 'awaiting_approval'
          ? msg('slack.card.approvedByCount', {
              who: by.list,
              count: yes.length,
              required: approval.required,
            })
          : msg('slack.card.approvedBy', { who: by.list });
      blocks.push(richText([paragraph(inlines(say(text), by.inlines))]));
    }
    if (status === 'expired')
      blocks.push(
        richText([
          paragraph(
            inlines(say(msg('slack.card.expiredAt', { time: slot(0) })), [
              time(approval.expiresAt, labTime(voice, approval.expiresAt)),
            ]),
            plain(' '),
            ...(nextStepFor({ ...job, status }, voice) ?? []),
          ),
        ]),
      );
    if (status === 'void') {
      const changes: readonly Text[] = input.changes?.length
        ? input.changes
        : [errorOf(job) ?? msg('slack.card.voidNoLonger')];
      blocks.push(
        richText([
          paragraph(strong(say(msg('slack.card.void')))),
          list(changes.map((c) => textWithMentions(say(c)))),
          paragraph(...(nextStepFor({ ...job, status }, voice) ?? [])),
        ]),
      );
    }
  }

  if (status === 'awaiting_approval' || status === 'queued' || status === 'running') {
    blocks.push(...bulletsBlock(say(msg('slack.card.impact')), plan.impact));
    blocks.push(...bulletsBlock(say(msg('slack.card.blockers')), plan.blockers));
    blocks.push(...bulletsBlock(say(msg('slack.card.warnings')), plan.warnings));
  }
  if (status === 'awaiting_approval') {
    blocks.push(
      richText([
        paragraph(strong(say(msg('slack.card.steps')))),
        list(
          plan.steps.map((s) => [plain(s.title)]),
          'ordered',
        ),
      ]),
    );
    const shows = plan.steps.flatMap((s) => s.shows ?? []);
    if (shows.length) blocks.push(richText([preformatted(shows)]));
  }

  if (approval && status === 'awaiting_approval') {
    // Only people Slack can mention: the simulated lab's shell approvers cannot click here.
    const candidates = approvalCandidates(approval).filter(
      (p) => isSlackPrincipal(p) && !approval.decisions.some((d) => d.principal === p),
    );
    const who = candidates.length
      ? listOf(candidates.map((p) => verbatim(mentionPrincipal(p))))
      : msg('slack.card.nobodyInSlack');
    const minutes = Math.max(0, Math.round((approval.expiresAt - now) / 60_000));
    const expires = verbatim(slackTime(approval.expiresAt, labTime(voice, approval.expiresAt)));
    const line =
      approval.risk === 'change'
        ? msg('slack.card.confirmers', { who, time: expires, minutes })
        : approval.required === 2
          ? msg('slack.card.approversTwo', { who, time: expires, minutes })
          : msg('slack.card.approversOne', { who, time: expires, minutes });
    // mrkdwn is safe here: labops's words, mentions of checked ids and a date token.
    blocks.push(context([say(line)]));
    const dangerous = approval.risk === 'destructive' || approval.risk === 'critical';
    blocks.push(
      actions([
        button({
          actionId: ACTION.approve,
          text: say(
            msg(approval.risk === 'change' ? 'slack.card.button.confirm' : 'slack.card.button.approve'),
          ),
          value: approval.id,
          style: 'primary',
          confirm: dangerous
            ? {
                title: say(msg('slack.card.confirmDialog.title', { risk: approval.risk })),
                text: say(
                  msg('slack.card.confirmDialog.text', {
                    summary: job.plan.summary,
                    count: plan.impact.length,
                  }),
                ),
                confirm: say(msg('slack.card.button.approve')),
                deny: say(msg('slack.card.button.back')),
              }
            : undefined,
        }),
        button({
          actionId: ACTION.deny,
          text: say(msg('slack.card.button.deny')),
          value: approval.id,
          style: 'danger',
        }),
      ]),
    );
  }
  if ((status === 'queued' || status === 'running') && !input.copyOf) {
    blocks.push(
      actions([
        button({
          actionId: ACTION.cancel,
          text: say(msg('slack.card.button.cancel')),
          value: job.id,
          style: 'danger',
          confirm: {
            title: say(msg('slack.card.cancelDialog.title', { job: job.id })),
            text: say(msg('slack.card.cancelDialog.text')),
            confirm: say(msg('slack.card.cancelDialog.confirm')),
            deny: say(msg('slack.card.cancelDialog.deny')),
          },
        }),
      ]),
    );
  }
  if (status === 'succeeded' && input.revert && input.revert.until > now && !input.copyOf) {
    const { command, until } = input.revert;
    blocks.push(
      context([
        say(
          msg('revert.offer', {
            command: verbatim(`\`${command}\``),
            time: verbatim(slackTime(until, labTime(voice, until))),
          }),
        ),
      ]),
    );
    blocks.push(
      actions([
        button({
          actionId: ACTION.revert,
          text: say(msg('revert.button')),
          value: job.id,
          confirm: {
            title: say(msg('revert.dialog.title', { job: job.id })),
            text: say(msg('revert.dialog.text', { command: verbatim(command) })),
            confirm: say(msg('revert.dialog.confirm')),
            deny: say(msg('revert.dialog.deny')),
          },
        }),
      ]),
    );
  }
  if (input.copyOf && status !== 'awaiting_approval') {
    const where = isChannelId(input.copyOf.channel)
      ? msg('slack.card.copyThread', { channel: verbatim(`<#${input.copyOf.channel}>`) })
      : msg('slack.card.copyThreadLabChannel');
    blocks.push(context([say(where)]));
  }
  return {
    text: fallback(
      say(
        msg('slack.card.fallback', {
          state: msg(state.label),
          summary: job.plan.summary,
          job: job.id,
          requester: job.requester,
        }),
      ),
    ),
    blocks: fitBlocks(blocks, input.locale),
  };
}

/** A job's error as its readers see it; one recorded before errors had texts is shown as written. */
function errorOf(job: JobRecord): Text | undefined {
  return job.errorText ?? (job.error === undefined ? undefined : verbatim(job.error));
}
