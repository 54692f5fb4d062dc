import { approvalCandidates } from '../../approvals/flow.js';
import type { Plan } from '../command.js';
import type { ApprovalRecord, JobRecord, JobStatus, StepRecord } from '../store/types.js';
import { formatDuration } from '../view.js';
import {
  actions,
  type Block,
  button,
  codeSection,
  context,
  fallback,
  fitBlocks,
  header,
  type MessageContent,
  section,
} from './blocks.js';
import { escapeText, mentionList, mentionPrincipal, slackTime } from './mrkdwn.js';

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

/** The plan the job was proposed with (stored as JSON on the job). */
export function planOf(job: JobRecord): Plan {
  const p = job.plan as Partial<Plan>;
  return {
    summary: typeof p.summary === 'string' ? p.summary : job.command,
    risk: p.risk ?? job.risk,
    riskReasons: p.riskReasons ?? [],
    impact: p.impact ?? [],
    warnings: p.warnings ?? [],
    blockers: p.blockers ?? [],
    locks: p.locks ?? [],
    dependsOn: p.dependsOn ?? {},
    steps: p.steps ?? job.steps,
  };
}

/** `/host maintenance hyper1`, escaped. */
export function commandLine(job: JobRecord): string {
  return escapeText(`/${job.command.split(' ')[0]} ${job.text}`.trim());
}

function bullets(title: string, lines: readonly string[], mark = '•'): Block[] {
  if (!lines.length) return [];
  return [section(`*${title}*\n${lines.map((l) => `${mark} ${escapeText(l)}`).join('\n')}`)];
}

function approvedBy(approval: ApprovalRecord): string[] {
  return approval.decisions.filter((d) => d.decision === 'approve').map((d) => d.principal);
}

/** What to do after a job that did not succeed: the next step for the person reading the card. */
export function nextStepFor(job: JobRecord): string | undefined {
  const again = `\`${commandLine(job)}\``;
  switch (job.status) {
    case 'failed':
      return job.error?.includes('unknown outcome')
        ? `Check the lab with \`/lab status\` first: the failed step may or may not have happened. Then run ${again} again; steps already done report ok.`
        : `Fix the cause above, then run ${again} again for a new plan; steps already done report ok.`;
    case 'cancelled':
      return `Check the lab with \`/lab status\`; run ${again} again when you want the rest done.`;
    case 'interrupted':
      return `labops restarted while the job ran. Check the lab with \`/lab status\`, then run ${again} again; nothing is resumed by itself.`;
    case 'expired':
    case 'void':
      return `Run ${again} again for a new plan.`;
    default:
      return undefined;
  }
}

function summaryOf(job: JobRecord, steps: readonly StepRecord[] | undefined): string | undefined {
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
      return `*Succeeded${took}*${counts}`;
    case 'failed':
    case 'cancelled':
    case 'interrupted':
      return `*${job.status[0]?.toUpperCase()}${job.status.slice(1)}${took}*${counts}\n${escapeText(job.error ?? '')}`;
    default:
      return undefined;
  }
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
  const plan = planOf(job);
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
  const blocks: Block[] = [
    header(`${state.mark} ${state.label} · /${job.command.split(' ')[0]} ${job.text}`.trim()),
  ];
  if (input.simulated)
    blocks.push(context(['*SIMULATED LAB* — a built-in simulator stands in for the lab.']));

  const who = `asked by ${mentionPrincipal(job.requester)} · job \`${escapeText(job.id)}\`${approval ? ` · approval \`${escapeText(approval.id)}\`` : ''}`;
  blocks.push(section(`*${escapeText(plan.summary)}*\n${who}`));

  const summary = summaryOf(job, input.steps);
  if (summary) blocks.push(section(summary));
  const next = nextStepFor({ ...job, status });
  if (next && status !== 'expired' && status !== 'void') blocks.push(section(`*What to do next:* ${next}`));

  if (approval) {
    const yes = approvedBy(approval);
    const no = approval.decisions.filter((d) => d.decision === 'deny').map((d) => d.principal);
    if (status === 'awaiting_approval') {
      const risk = `*${approval.risk.toUpperCase()}* — needs ${RISK_NEEDS[approval.risk] ?? approval.risk}`;
      blocks.push(section([risk, ...plan.riskReasons.map((r) => `• ${escapeText(r)}`)].join('\n')));
    }
    if (status === 'denied') blocks.push(section(`🚫 Denied by ${mentionList(no)}; nothing ran.`));
    else if (yes.length && status !== 'void' && status !== 'expired')
      blocks.push(
        section(
          `Approved by ${mentionList(yes)}${status === 'awaiting_approval' ? ` (${yes.length} of ${approval.required})` : ''}`,
        ),
      );
    if (status === 'expired')
      blocks.push(
        section(
          `⌛ Expired at ${slackTime(approval.expiresAt)}; nothing ran. ${nextStepFor({ ...job, status }) ?? ''}`,
        ),
      );
    if (status === 'void') {
      blocks.push(
        section(
          `⊘ *Void: the lab changed since the plan was made.*\n${(input.changes?.length
            ? input.changes
            : [job.error ?? 'The plan no longer holds.']
          )
            .map((c) => `• ${escapeText(c)}`)
            .join('\n')}\n${nextStepFor({ ...job, status }) ?? ''}`,
        ),
      );
    }
  }

  if (status === 'awaiting_approval' || status === 'queued' || status === 'running') {
    blocks.push(...bullets('Impact', plan.impact));
    blocks.push(...bullets('Blocks', plan.blockers, '⛔'));
    blocks.push(...bullets('Warnings', plan.warnings, '⚠️'));
  }
  if (status === 'awaiting_approval') {
    const stepLines = plan.steps.map((s, i) => `${i + 1}. ${escapeText(s.title)}`);
    blocks.push(section(`*Steps*\n${stepLines.join('\n')}`));
    const shows = plan.steps.flatMap((s) => s.shows ?? []);
    if (shows.length) blocks.push(codeSection('', shows));
  }

  if (approval && status === 'awaiting_approval') {
    const candidates = approvalCandidates(approval).filter(
      (p) => !approval.decisions.some((d) => d.principal === p),
    );
    const label =
      approval.risk === 'change'
        ? 'Confirm'
        : approval.required === 2
          ? 'Approvers (two of)'
          : 'Approvers (one of)';
    blocks.push(
      context([
        `${label}: ${candidates.length ? mentionList(candidates) : 'nobody is configured'} · expires ${slackTime(approval.expiresAt)} (in ${Math.max(0, Math.round((approval.expiresAt - now) / 60_000))} min)`,
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
                text: `${escapeText(plan.summary)}. ${plan.impact.length} change${plan.impact.length === 1 ? '' : 's'} to the lab; see the plan on the card.`,
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
    blocks.push(
      context([`Progress and the result are in the thread of the card in <#${input.copyOf.channel}>.`]),
    );
  }
  return {
    text: fallback(`${state.label}: ${plan.summary} (${job.id}, asked by ${job.requester})`),
    blocks: fitBlocks(blocks),
  };
}
