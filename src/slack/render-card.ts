import { approvalCandidates } from '../../approvals/flow.js';
import type { Locale } from '../i18n/locale.js';
import { localizePlan } from '../plan.js';
import type { ApprovalRecord, JobRecord, JobStatus, StepRecord } from '../store/types.js';
import { formatDuration } from '../view.js';
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
  lineBreak,
  list,
  type MessageContent,
  mention,
  mentions,
  paragraph,
  plain,
  preformatted,
  richText,
  strong,
  textWithMentions,
  time,
} from './blocks.js';
import { isSlackPrincipal, mentionList, slackTime } from './mrkdwn.js';

/** Action ids on the wire: `namespace:verb` (style.md, Naming). */
export const ACTION = {
  approve: 'approval:approve',
  deny: 'approval:deny',
  cancel: 'job:cancel',
  refreshHome: 'home:refresh',
  /** A command a view offers (a doctor's fix), run as the clicker: see listeners/view-run.ts. */
  runView: 'view:run',
} as const;

export interface CardInput {
  /** The language of whoever reads this copy: the lab's in its channel (issue 16 §2). */
  locale: Locale;
  job: JobRecord;
  approval: ApprovalRecord | undefined;
  now: number;
  simulated: boolean;
  /** The job's steps once it ran: the summary counts them and names the failed one. */
  steps?: readonly StepRecord[] | undefined;
  /** What changed when the card went void. */
  changes?: readonly string[] | undefined;
  /**
   * A copy sent by direct message to an approver not in the channel: no Cancel button, and once
   * decided it points to where the job reports.
   */
  copyOf?: { channel: string } | undefined;
}

const JOB_STATE: Record<JobStatus, { mark: string; label: string }> = {
  awaiting_approval: { mark: '⏳', label: 'AWAITING APPROVAL' },
  queued: { mark: '⏩', label: 'APPROVED · STARTING' },
  running: { mark: '▶️', label: 'RUNNING' },
  succeeded: { mark: '✅', label: 'SUCCEEDED' },
  failed: { mark: '❌', label: 'FAILED' },
  cancelled: { mark: '⏹️', label: 'CANCELLED' },
  interrupted: { mark: '⚠️', label: 'INTERRUPTED' },
  denied: { mark: '🚫', label: 'DENIED' },
  expired: { mark: '⌛', label: 'EXPIRED' },
  void: { mark: '⊘', label: 'VOID' },
};

const RISK_NEEDS: Record<string, string> = {
  change: 'the requester confirms the plan',
  destructive: 'one approver other than the requester',
  critical: 'two approvers other than the requester',
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

/** What to do after a job that did not succeed: the next step for the person reading the card. */
export function nextStepFor(job: JobRecord): Inline[] | undefined {
  const again = code(commandLine(job));
  const status = code('/lab status');
  switch (job.status) {
    case 'failed':
      return job.error?.includes('unknown outcome')
        ? [
            plain('Check the lab with '),
            status,
            plain(' first: the failed step may or may not have happened. Then run '),
            again,
            plain(' again; steps already done report ok.'),
          ]
        : [
            plain('Fix the cause above, then run '),
            again,
            plain(' again for a new plan; steps already done report ok.'),
          ];
    case 'cancelled':
      return [
        plain('Check the lab with '),
        status,
        plain('; run '),
        again,
        plain(' again when you want the rest done.'),
      ];
    case 'interrupted':
      return [
        plain('labops restarted while the job ran. Check the lab with '),
        status,
        plain(', then run '),
        again,
        plain(' again; nothing is resumed by itself.'),
      ];
    case 'expired':
    case 'void':
      return [plain('Run '), again, plain(' again for a new plan.')];
    default:
      return undefined;
  }
}

function summaryOf(job: JobRecord, steps: readonly StepRecord[] | undefined): Block | undefined {
  const took = job.finishedAt && job.startedAt ? ` in ${formatDuration(job.finishedAt - job.startedAt)}` : '';
  const counts = steps?.length
    ? ` — ${steps.length} step${steps.length === 1 ? '' : 's'}: ${(
        ['changed', 'ok', 'failed', 'unknown', 'cancelled', 'skipped'] as const
      )
        .map((s) => [s, steps.filter((x) => x.status === s).length] as const)
        .filter(([, n]) => n > 0)
        .map(([s, n]) => `${n} ${s}`)
        .join(', ')}`
    : '';
  switch (job.status) {
    case 'succeeded':
      return richText([paragraph(strong(`Succeeded${took}`), plain(counts))]);
    case 'failed':
    case 'cancelled':
    case 'interrupted': {
      const error = job.error ? [lineBreak(), ...textWithMentions(job.error)] : [];
      const title = `${job.status[0]?.toUpperCase()}${job.status.slice(1)}${took}`;
      return richText([paragraph(strong(title), plain(counts), ...error)]);
    }
    default:
      return undefined;
  }
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
 * and no buttons; a Cancel button while the job runs; the final summary and what to do next.
 */
export function renderCard(input: CardInput): MessageContent {
  const { job, approval, now } = input;
  const plan = localizePlan(job.plan, input.locale);
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
  const blocks: Block[] = [header(`${state.mark} ${state.label} · ${commandLine(job)}`)];
  if (input.simulated)
    blocks.push(context(['*SIMULATED LAB* — a built-in simulator stands in for the lab.']));

  // The plan's words carry names from people and the lab: rich_text, never mrkdwn (issue 10 §6).
  const who: Inline[] = [plain('asked by '), mention(job.requester), plain(' · job '), code(job.id)];
  if (approval) who.push(plain(' · approval '), code(approval.id));
  blocks.push(richText([paragraph(strong(plan.summary), lineBreak(), ...who)]));

  const summary = summaryOf(job, input.steps);
  if (summary) blocks.push(summary);
  const next = nextStepFor({ ...job, status });
  if (next && status !== 'expired' && status !== 'void')
    blocks.push(richText([paragraph(strong('What to do next: '), ...next)]));

  if (approval) {
    const yes = approvedBy(approval);
    const no = approval.decisions.filter((d) => d.decision === 'deny').map((d) => d.principal);
    if (status === 'awaiting_approval') {
      const risk = paragraph(
        strong(approval.risk.toUpperCase()),
        plain(` — needs ${RISK_NEEDS[approval.risk] ?? approval.risk}`),
      );
      const reasons = plan.riskReasons.length ? [list(plan.riskReasons.map((r) => [plain(r)]))] : [];
      blocks.push(richText([risk, ...reasons]));
    }
    if (status === 'denied')
      blocks.push(richText([paragraph(plain('🚫 Denied by '), ...mentions(no), plain('; nothing ran.'))]));
    else if (yes.length && status !== 'void' && status !== 'expired') {
      const count = status === 'awaiting_approval' ? ` (${yes.length} of ${approval.required})` : '';
      blocks.push(richText([paragraph(plain('Approved by '), ...mentions(yes), plain(count))]));
    }
    if (status === 'expired')
      blocks.push(
        richText([
          paragraph(
            plain('⌛ Expired at '),
            time(approval.expiresAt),
            plain('; nothing ran. '),
            ...(nextStepFor({ ...job, status }) ?? []),
          ),
        ]),
      );
    if (status === 'void') {
      const changes = input.changes?.length ? input.changes : [job.error ?? 'The plan no longer holds.'];
      blocks.push(
        richText([
          paragraph(strong('⊘ Void: the lab changed since the plan was made.')),
          list(changes.map((c) => textWithMentions(c))),
          paragraph(...(nextStepFor({ ...job, status }) ?? [])),
        ]),
      );
    }
  }

  if (status === 'awaiting_approval' || status === 'queued' || status === 'running') {
    blocks.push(...bulletsBlock('Impact', plan.impact));
    blocks.push(...bulletsBlock('⛔ Blocks', plan.blockers));
    blocks.push(...bulletsBlock('⚠️ Warnings', plan.warnings));
  }
  if (status === 'awaiting_approval') {
    blocks.push(
      richText([
        paragraph(strong('Steps')),
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
    const label =
      approval.risk === 'change'
        ? 'Confirm'
        : approval.required === 2
          ? 'Approvers (two of)'
          : 'Approvers (one of)';
    // mrkdwn is safe here: labops's words, mentions of checked ids and a date token.
    blocks.push(
      context([
        `${label}: ${candidates.length ? mentionList(candidates) : 'nobody in Slack is configured'} · expires ${slackTime(approval.expiresAt)} (in ${Math.max(0, Math.round((approval.expiresAt - now) / 60_000))} min)`,
      ]),
    );
    const dangerous = approval.risk === 'destructive' || approval.risk === 'critical';
    blocks.push(
      actions([
        button({
          actionId: ACTION.approve,
          text: approval.risk === 'change' ? 'Confirm' : 'Approve',
          value: approval.id,
          style: 'primary',
          confirm: dangerous
            ? {
                title: `Approve ${approval.risk} work?`,
                text: `${plan.summary}. ${plan.impact.length} change${plan.impact.length === 1 ? '' : 's'} to the lab; see the plan on the card.`,
                confirm: 'Approve',
                deny: 'Back',
              }
            : undefined,
        }),
        button({ actionId: ACTION.deny, text: 'Deny', value: approval.id, style: 'danger' }),
      ]),
    );
  }
  if ((status === 'queued' || status === 'running') && !input.copyOf) {
    blocks.push(
      actions([
        button({
          actionId: ACTION.cancel,
          text: 'Cancel job',
          value: job.id,
          style: 'danger',
          confirm: {
            title: `Cancel ${job.id}?`,
            text: 'The current step is stopped; later steps do not run. Steps already done stay done.',
            confirm: 'Cancel the job',
            deny: 'Keep running',
          },
        }),
      ]),
    );
  }
  if (input.copyOf && status !== 'awaiting_approval') {
    const where = isChannelId(input.copyOf.channel) ? `<#${input.copyOf.channel}>` : 'the lab channel';
    blocks.push(context([`Progress and the result are in the thread of the card in ${where}.`]));
  }
  return {
    text: fallback(`${state.label}: ${plan.summary} (${job.id}, asked by ${job.requester})`),
    blocks: fitBlocks(blocks),
  };
}
