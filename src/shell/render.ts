import { approvalCandidates, type ClickResult } from '../../approvals/flow.js';
import { formatError, type LabopsError } from '../errors.js';
import type { MessageKey } from '../i18n/catalog/index.js';
import type { Locale } from '../i18n/locale.js';
import { formatDurationIn, renderText } from '../i18n/render.js';
import { duration, instant, msg, type Text, verbatim } from '../i18n/text.js';
import { summarizeAcross } from '../jobs/across.js';
import type { LabEvent } from '../jobs/events.js';
import type { Card } from '../labops.js';
import { localizePlan } from '../plan.js';
import { findRevertDeadline } from '../revert.js';
import type { Risk } from '../risk.js';
import type { JobRecord, StepRecord, StepStatus } from '../store/types.js';
import { classifyCodePoint, formatCodePoint } from '../text.js';
import type { Tone, View } from '../view.js';

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
 * Whom the shell speaks to: its language (`--lang`, `LANG`, else the lab's) and the lab's time
 * zone for times of day (issue 16 §2).
 */
export interface Voice {
  locale: Locale;
  timeZone?: string | undefined;
}

const ENGLISH: Voice = { locale: 'en' };

function speaker(voice: Voice): (text: Text) => string {
  return (text) => renderText(voice.locale, text, { timeZone: voice.timeZone });
}

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

export function renderError(error: LabopsError, style: Style, voice: Voice = ENGLISH): string {
  const say = speaker(voice);
  const [first, ...rest] = sanitizeForTerminal(formatError(error, voice.locale), { newlines: true }).split(
    '\n',
  );
  return [
    style.tone(error.code === 'USAGE' ? 'warn' : 'bad', `✘ ${first}`),
    ...rest.map((l) => `  ${l}`),
    ...error.actions.map((a) =>
      style.tone('info', `  → ${sanitizeForTerminal(`${say(a.label)}: ${a.command} ${a.text}`)}`),
    ),
  ].join('\n');
}

const RISK_LABEL: Record<Risk, Extract<MessageKey, `shell.card.risk.${string}`>> = {
  read: 'shell.card.risk.read',
  change: 'shell.card.risk.change',
  destructive: 'shell.card.risk.destructive',
  critical: 'shell.card.risk.critical',
};

/** The approval card as text: what, who asked, the plan and its impact, who may approve, the expiry. */
export function renderCard(
  card: Card,
  now: number,
  style: Style,
  voice: Voice = ENGLISH,
  /** The card's lab, named among several (issue 13). */
  lab?: string,
): string {
  const say = speaker(voice);
  const { approval, job } = card;
  const plan = localizePlan(card.plan, voice.locale, { timeZone: voice.timeZone });
  const minutes = Math.max(0, Math.round((approval.expiresAt - now) / 60_000));
  const risk = style.tone(approval.risk === 'critical' ? 'bad' : 'warn', say(msg(RISK_LABEL[approval.risk])));
  const out = [
    style.bold(
      `┌ ${approval.id} · ${lab === undefined ? '' : `${lab} · `}/${job.command} ${sanitizeForTerminal(job.text.split(/\s+/).slice(1).join(' '))}`.trimEnd(),
    ),
    `│ ${sanitizeForTerminal(plan.summary)}`,
    `│ ${risk} — ${say(msg('shell.card.needs', { risk: approval.risk }))}`,
  ];
  for (const reason of plan.riskReasons) out.push(`│   ${sanitizeForTerminal(reason)}`);
  out.push(
    `│ ${sanitizeForTerminal(say(msg('shell.card.asked', { requester: job.requester, minutes, job: job.id })))}`,
  );
  const list = (heading: string, lines: string[], tone?: Tone) => {
    if (!lines.length) return;
    out.push(`│ ${heading}`);
    for (const l of lines)
      out.push(`│   ${tone ? style.tone(tone, sanitizeForTerminal(l)) : sanitizeForTerminal(l)}`);
  };
  list(say(msg('shell.card.impact')), plan.impact);
  list(say(msg('shell.card.blockers')), plan.blockers, 'bad');
  list(say(msg('shell.card.warnings')), plan.warnings, 'warn');
  list(
    say(msg('shell.card.steps')),
    plan.steps.map((s, i) => `${i + 1}. ${s.title}`),
  );
  // Principals as one types them (`approve` acts as the current one), comma-separated as a list of names.
  const approvers = approvalCandidates(approval);
  const who = approvers.length ? verbatim(approvers.join(', ')) : msg('shell.card.nobody');
  const line =
    approval.risk === 'change' ? msg('shell.card.confirmers', { who }) : msg('shell.card.approvers', { who });
  out.push(`│ ${sanitizeForTerminal(say(line))}`);
  out.push(style.dim(`└ approve ${approval.id} · deny ${approval.id}`));
  return out.join('\n');
}

export function renderClick(result: ClickResult, style: Style, voice: Voice = ENGLISH): string {
  const say = speaker(voice);
  const tone: Tone =
    result.outcome === 'refused' || result.outcome === 'void'
      ? 'warn'
      : result.outcome === 'denied'
        ? 'bad'
        : 'ok';
  const text = sanitizeForTerminal(say(result.text));
  if (result.outcome === 'refused')
    return style.tone(tone, say(msg('shell.click.refused', { message: verbatim(text) })));
  return style.tone(tone, `${result.outcome === 'void' ? '⊘' : '✔'} ${text}`);
}

const STEP_WORD: Record<StepStatus, Extract<MessageKey, `shell.step.state.${string}`>> = {
  pending: 'shell.step.state.pending',
  running: 'shell.step.state.running',
  ok: 'shell.step.state.ok',
  changed: 'shell.step.state.changed',
  failed: 'shell.step.state.failed',
  unknown: 'shell.step.state.unknown',
  cancelled: 'shell.step.state.cancelled',
  skipped: 'shell.step.state.skipped',
};

const STEP_TONE: Partial<Record<StepStatus, Tone>> = {
  ok: 'ok',
  changed: 'ok',
  failed: 'bad',
  unknown: 'bad',
  cancelled: 'warn',
};

/** Columns a string takes in a terminal: Hangul, CJK and other wide characters take two. */
export function measureColumns(text: string): number {
  let columns = 0;
  for (const ch of text) {
    const code = ch.codePointAt(0) ?? 0;
    const wide =
      (code >= 0x1100 && code <= 0x115f) ||
      (code >= 0x2e80 && code <= 0xa4cf) ||
      (code >= 0xac00 && code <= 0xd7a3) ||
      (code >= 0xf900 && code <= 0xfaff) ||
      (code >= 0xfe30 && code <= 0xfe4f) ||
      (code >= 0xff00 && code <= 0xff60) ||
      (code >= 0xffe0 && code <= 0xffe6);
    columns += wide ? 2 : 1;
  }
  return columns;
}

/** `text` padded with spaces to `columns` terminal columns. */
export function padColumns(text: string, columns: number): string {
  return text + ' '.repeat(Math.max(0, columns - measureColumns(text)));
}

function stepMark(step: StepRecord, style: Style, voice: Voice): string {
  const word = padColumns(speaker(voice)(msg(STEP_WORD[step.status])), 7);
  const tone = STEP_TONE[step.status];
  return tone ? style.tone(tone, word) : word;
}

const JOB_END: Record<
  'failed' | 'cancelled' | 'interrupted',
  Extract<MessageKey, `shell.job.status.${string}`>
> = {
  failed: 'shell.job.status.failed',
  cancelled: 'shell.job.status.cancelled',
  interrupted: 'shell.job.status.interrupted',
};

/** One event as terminal lines; `undefined` for events this adapter shows otherwise (progress bars). */
export function renderEvent(event: LabEvent, style: Style, voice: Voice = ENGLISH): string | undefined {
  const say = speaker(voice);
  const line = (text: Text) => sanitizeForTerminal(say(text));
  switch (event.type) {
    case 'approval:requested':
      return undefined;
    case 'approval:decided':
      return undefined;
    case 'approval:reminded': {
      // Principals as one types them; the DM goes to Slack's people, the shell names them all.
      const words = {
        approval: event.approval.id,
        command: verbatim(`/${event.job.command}`),
        waited: duration(event.waitedMs),
        approvers: verbatim(event.approvers.join(', ')),
      };
      return style.tone(
        'warn',
        line(msg(event.stage === 1 ? 'remind.shell.dm' : 'remind.shell.channel', words)),
      );
    }
    case 'approval:expired':
      return style.tone(
        'warn',
        line(
          msg('shell.event.expired', {
            approval: event.approval.id,
            command: verbatim(`/${event.job.command}`),
          }),
        ),
      );
    case 'approval:voided':
      // Each change is a line of its own in the lab's words; they read as one line here.
      return style.tone(
        'warn',
        line(
          msg('shell.event.voided', {
            approval: event.approval.id,
            changes: verbatim(event.changeTexts.map((c) => say(c)).join('; ')),
          }),
        ),
      );
    case 'job:started':
      return style.bold(
        line(
          msg('shell.event.started', {
            job: event.job.id,
            command: verbatim(
              `/${event.job.command} ${event.job.text.split(/\s+/).slice(1).join(' ')}`.trimEnd(),
            ),
            count: event.steps.length,
          }),
        ),
      );
    case 'step:started':
      return `  [${event.step.index + 1}/${event.job.steps.length}] ${line(event.step.titleText)} …`;
    case 'step:output':
      return style.dim(`      ${event.text ? line(event.text) : sanitizeForTerminal(event.line)}`);
    case 'step:progress':
      return undefined;
    case 'step:finished': {
      const s = event.step;
      const outcome = s.endStateText ?? s.detailText;
      const took = s.durationMs === undefined ? '' : ` (${formatDurationIn(voice.locale, s.durationMs)})`;
      const tail = outcome === undefined ? '' : ` — ${line(outcome)}`;
      return `  [${s.index + 1}/${event.job.steps.length}] ${stepMark(s, style, voice)} ${line(s.titleText)}${took}${tail}`;
    }
    case 'job:finished': {
      const { job } = event;
      const took = job.finishedAt && job.startedAt ? job.finishedAt - job.startedAt : undefined;
      // A job across labs ends with its table: a line per lab (issue 13 §3).
      const rows = summarizeAcross(job, event.steps);
      const table = rows
        ? `\n  ${line(msg('jobs.across.summaryHeading', { count: rows.length }))}${rows.map((r) => `\n    ${line(r)}`).join('')}`
        : '';
      if (job.status === 'succeeded') {
        const text =
          took === undefined
            ? msg('shell.event.succeeded', { job: job.id })
            : msg('shell.event.succeededIn', { job: job.id, took: duration(took) });
        return style.tone('ok', line(text)) + table + renderRevertOffer(job, style, line);
      }
      const status =
        job.status === 'failed' || job.status === 'cancelled' || job.status === 'interrupted'
          ? msg(JOB_END[job.status])
          : verbatim(job.status);
      const error = job.errorText === undefined ? verbatim('') : job.errorText;
      const text =
        took === undefined
          ? msg('shell.event.ended', { job: job.id, status, error })
          : msg('shell.event.endedIn', { job: job.id, status, took: duration(took), error });
      return style.tone('bad', line(text)) + table;
    }
    case 'watch:alerts':
    case 'watch:job-alerts':
      // Printed as they come by the shell (render-alerts.ts).
      return undefined;
    case 'schedule:notice':
      // With a card of its own when it asks again: the shell prints it (render-schedule.ts).
      return undefined;
    case 'job:reviewed':
      return style.tone(
        'warn',
        line(msg('shell.event.reviewed', { job: event.job.id, summary: event.summaryText })),
      );
  }
}

/** A succeeded job whose steps have an inverse: the line that undoes it (issue 15 §3). */
function renderRevertOffer(job: JobRecord, style: Style, line: (text: Text) => string): string {
  const until = findRevertDeadline(job);
  if (until === undefined) return '';
  return `\n  ${style.dim(line(msg('revert.shell.offer', { job: job.id, time: instant(until) })))}`;
}

/** `[██████░░░░] 60%  1.2 GiB/2 GiB` for a TTY. */
export function renderProgressBar(fraction: number, text: string, width = 24): string {
  const clamped = Math.min(1, Math.max(0, fraction));
  const filled = Math.round(clamped * width);
  return `[${'█'.repeat(filled)}${'░'.repeat(width - filled)}] ${Math.round(clamped * 100)}%  ${sanitizeForTerminal(text)}`;
}
