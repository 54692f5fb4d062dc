import { approvalCandidates, type ClickResult } from '../../approvals/flow.js';
import { formatError, type LabopsError } from '../errors.js';
import type { Locale } from '../i18n/locale.js';
import { renderText } from '../i18n/render.js';
import type { LabEvent } from '../jobs/events.js';
import type { Card } from '../labops.js';
import { localizePlan } from '../plan.js';
import type { StepRecord } from '../store/types.js';
import { classifyCodePoint, formatCodePoint } from '../text.js';
import { formatDuration, type Tone, type View } from '../view.js';

/** Terminal styling: colours on a TTY, plain text in a pipe (a transcript stays greppable). */
export interface Style {
  tone(tone: Tone, text: string): string;
  bold(text: string): string;
  dim(text: string): string;
}

export const plainStyle: Style = { tone: (_t, s) => s, bold: (s) => s, dim: (s) => s };

const TONE_CODES: Record<Tone, string> = { ok: '32', warn: '33', bad: '31', info: '36' };
export const colourStyle: Style = {
  tone: (tone, s) => `\x1b[${TONE_CODES[tone]}m${s}\x1b[0m`,
  bold: (s) => `\x1b[1m${s}\x1b[0m`,
  dim: (s) => `\x1b[2m${s}\x1b[0m`,
};

/**
 * Text from outside labops must not drive or disguise the terminal: C0 controls (ESC above all) and
 * DEL show in caret form (`^[`, `^?`); C1 controls, direction marks (U+202E…) and line separators as
 * `<U+202E>`; a new line as `^J`, so one line of text cannot pass for two. Tabs stay. With
 * `newlines`, `\n` is kept, for text labops itself lays out on several lines (an error and its hint).
 */
export function sanitizeForTerminal(text: string, options: { newlines?: boolean } = {}): string {
  let out = '';
  for (const ch of text) {
    const code = ch.codePointAt(0) ?? 0;
    if (code === 0x09 || (code === 0x0a && options.newlines)) out += ch;
    else if (code < 0x20 || code === 0x7f) out += `^${String.fromCharCode((code + 64) % 128)}`;
    else if (classifyCodePoint(code)) out += `<${formatCodePoint(code)}>`;
    else out += ch;
  }
  return out;
}

export function renderView(view: View<string>, style: Style): string {
  const clean = (text: string) => sanitizeForTerminal(text);
  const out: string[] = [style.bold(clean(view.title))];
  if (view.state) out.push(style.tone(view.state.tone, clean(view.state.text)));
  for (const s of view.sections) {
    if (s.heading) out.push(style.bold(clean(s.heading)));
    for (const line of s.lines) out.push(`  ${clean(line)}`);
  }
  for (const action of view.actions ?? []) {
    out.push(style.tone('info', `  → ${clean(`${action.label}: ${action.command} ${action.text}`)}`));
  }
  if (view.footer) out.push(style.dim(clean(view.footer)));
  return out.join('\n');
}

export function renderError(error: LabopsError, style: Style, locale: Locale = 'en'): string {
  const [first, ...rest] = sanitizeForTerminal(formatError(error, locale), { newlines: true }).split('\n');
  return [
    style.tone(error.code === 'USAGE' ? 'warn' : 'bad', `✘ ${first}`),
    ...rest.map((l) => `  ${l}`),
    ...error.actions.map((a) =>
      style.tone(
        'info',
        `  → ${sanitizeForTerminal(`${renderText(locale, a.label)}: ${a.command} ${a.text}`)}`,
      ),
    ),
  ].join('\n');
}

const RISK_NEEDS: Record<string, string> = {
  change: "the requester's confirmation",
  destructive: 'one approver other than the requester',
  critical: 'two approvers other than the requester',
};

/** The approval card as text: what, who asked, the plan and its impact, who may approve, the expiry. */
export function renderCard(card: Card, now: number, style: Style, locale: Locale = 'en'): string {
  const { approval, job } = card;
  const plan = localizePlan(card.plan, locale);
  const minutes = Math.max(0, Math.round((approval.expiresAt - now) / 60_000));
  const out = [
    style.bold(
      `┌ ${approval.id} · /${job.command} ${sanitizeForTerminal(job.text.split(/\s+/).slice(1).join(' '))}`.trimEnd(),
    ),
    `│ ${sanitizeForTerminal(plan.summary)}`,
    `│ ${style.tone(approval.risk === 'critical' ? 'bad' : 'warn', approval.risk.toUpperCase())} — needs ${RISK_NEEDS[approval.risk] ?? approval.risk}`,
  ];
  for (const reason of plan.riskReasons) out.push(`│   ${sanitizeForTerminal(reason)}`);
  out.push(`│ asked by ${sanitizeForTerminal(job.requester)} · expires in ${minutes} min · job ${job.id}`);
  const list = (heading: string, lines: string[], tone?: Tone) => {
    if (!lines.length) return;
    out.push(`│ ${heading}`);
    for (const l of lines)
      out.push(`│   ${tone ? style.tone(tone, sanitizeForTerminal(l)) : sanitizeForTerminal(l)}`);
  };
  list('Impact:', plan.impact);
  list('Blocks:', plan.blockers, 'bad');
  list('Warnings:', plan.warnings, 'warn');
  list(
    'Steps:',
    plan.steps.map((s, i) => `${i + 1}. ${s.title}`),
  );
  const approvers = approvalCandidates(approval);
  out.push(
    `│ ${approval.risk === 'change' ? 'Confirm' : 'Approvers'}: ${sanitizeForTerminal(approvers.join(', ')) || 'nobody is configured'}`,
  );
  out.push(style.dim(`└ approve ${approval.id} · deny ${approval.id}`));
  return out.join('\n');
}

export function renderClick(result: ClickResult, style: Style): string {
  const tone: Tone =
    result.outcome === 'refused' || result.outcome === 'void'
      ? 'warn'
      : result.outcome === 'denied'
        ? 'bad'
        : 'ok';
  const mark = result.outcome === 'refused' ? '✘ refused:' : result.outcome === 'void' ? '⊘' : '✔';
  return style.tone(tone, `${mark} ${sanitizeForTerminal(result.message)}`);
}

function stepMark(step: StepRecord, style: Style): string {
  switch (step.status) {
    case 'ok':
      return style.tone('ok', 'ok     ');
    case 'changed':
      return style.tone('ok', 'changed');
    case 'failed':
      return style.tone('bad', 'FAILED ');
    case 'unknown':
      return style.tone('bad', 'UNKNOWN');
    case 'cancelled':
      return style.tone('warn', 'cancel ');
    default:
      return step.status.padEnd(7);
  }
}

/** One event as terminal lines; `undefined` for events this adapter shows otherwise (progress bars). */
export function renderEvent(event: LabEvent, style: Style, locale: Locale = 'en'): string | undefined {
  switch (event.type) {
    case 'approval:requested':
      return undefined;
    case 'approval:decided':
      return undefined;
    case 'approval:expired':
      return style.tone('warn', `⌛ ${event.approval.id} expired: /${event.job.command} will not run.`);
    case 'approval:voided':
      return style.tone(
        'warn',
        `⊘ ${event.approval.id} is void: ${sanitizeForTerminal(event.changes.join('; '))}`,
      );
    case 'job:started':
      return style.bold(
        `▶ ${event.job.id} /${event.job.command} ${sanitizeForTerminal(event.job.text.split(/\s+/).slice(1).join(' '))} — ${event.steps.length} step${event.steps.length === 1 ? '' : 's'}`,
      );
    case 'step:started':
      return `  [${event.step.index + 1}/${event.job.steps.length}] ${sanitizeForTerminal(renderText(locale, event.step.title))} …`;
    case 'step:output':
      return style.dim(`      ${sanitizeForTerminal(event.line)}`);
    case 'step:progress':
      return undefined;
    case 'step:finished': {
      const s = event.step;
      const tail = s.endState ? ` — ${s.endState}` : s.detail ? ` — ${s.detail}` : '';
      return `  [${s.index + 1}/${event.job.steps.length}] ${stepMark(s, style)} ${sanitizeForTerminal(renderText(locale, s.title))} (${formatDuration(s.durationMs)})${sanitizeForTerminal(tail)}`;
    }
    case 'job:finished': {
      const { job } = event;
      const took =
        job.finishedAt && job.startedAt ? ` in ${formatDuration(job.finishedAt - job.startedAt)}` : '';
      if (job.status === 'succeeded') return style.tone('ok', `✔ ${job.id} succeeded${took}`);
      return style.tone('bad', `✘ ${job.id} ${job.status}${took}: ${sanitizeForTerminal(job.error ?? '')}`);
    }
    case 'job:reviewed':
      return style.tone('warn', `⚠ ${event.job.id} was interrupted. ${sanitizeForTerminal(event.summary)}`);
  }
}

/** `[██████░░░░] 60%  1.2 GiB/2 GiB` for a TTY. */
export function renderProgressBar(fraction: number, text: string, width = 24): string {
  const clamped = Math.min(1, Math.max(0, fraction));
  const filled = Math.round(clamped * width);
  return `[${'█'.repeat(filled)}${'░'.repeat(width - filled)}] ${Math.round(clamped * 100)}%  ${sanitizeForTerminal(text)}`;
}
