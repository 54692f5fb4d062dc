import { describeLab } from '../../commands/lab/list.js';
import type { LabSummary } from '../command.js';
import type { Locale } from '../i18n/locale.js';
import { msg, type Text } from '../i18n/text.js';
import type { LabAlert } from '../jobs/alerts.js';
import type { ApprovalRecord, JobRecord } from '../store/types.js';
import type { View } from '../view.js';
import { renderHomeAlerts } from './alert-home.js';
import {
  actions,
  type Block,
  button,
  code,
  context,
  divider,
  fitBlocks,
  header,
  inlines,
  LIMITS,
  lineBreak,
  mention,
  paragraph,
  plain,
  richText,
  section,
  slot,
  speaker,
  strong,
  textWithMentions,
  type Voice,
} from './blocks.js';
import { truncate } from './mrkdwn.js';
import { ACTION, commandLine, JOB_STATUS_WORD, renderCard } from './render-card.js';
import { renderNotice, renderView } from './render-view.js';

export interface HomeInput {
  /** The language of the person whose Home it is. */
  locale: Locale;
  /** The lab's time zone for times of day. */
  timeZone?: string | undefined;
  /** `/lab status` as the user would see it, or why it could not be read. */
  status: View | { error: Text };
  running: readonly JobRecord[];
  pending: readonly { approval: ApprovalRecord; job: JobRecord }[];
  simulated: boolean;
  now: number;
  /** The answer to this user's last click here (Home has no ephemeral replies). */
  notice?: Text | undefined;
  /** The lab's newest events, when it has no channel to post them in (issue 15 §1). */
  alerts?: readonly LabAlert[] | undefined;
}

export interface HomeView {
  type: 'home';
  blocks: Block[];
}

/**
 * The App Home tab (slack-platform.md §6): SIMULATED LAB first when it is one, the lab's status,
 * running jobs, and the pending cards with the same Approve/Deny buttons as in channels — every
 * click is checked on the server like any other. A Refresh button re-reads everything. In the
 * language of the person whose Home it is (issue 16 §2).
 */
export function renderHome(input: HomeInput): HomeView {
  const voice: Voice = { locale: input.locale, timeZone: input.timeZone };
  const say = speaker(voice);
  const blocks: Block[] = [];
  if (input.simulated) blocks.push(section(say(msg('slack.home.simulated'))));
  if (input.notice !== undefined) blocks.push(...renderNotice('info', input.notice, voice).blocks);
  blocks.push(
    actions([button({ actionId: ACTION.refreshHome, text: say(msg('slack.home.refresh')), value: 'home' })]),
  );
  if ('error' in input.status) {
    blocks.push(
      header(say(msg('slack.home.statusHeading'))),
      richText([paragraph(plain('⚠️ '), textWithMentions(say(input.status.error)))]),
    );
  } else {
    blocks.push(...renderView(input.status, voice, { maxLines: 15 }).blocks);
  }
  blocks.push(...renderHomeAlerts(input.alerts, voice));
  blocks.push(divider(), header(say(msg('slack.home.running', { count: input.running.length }))));
  if (!input.running.length) blocks.push(context([say(msg('slack.home.nothingRunning'))]));
  for (const job of input.running.slice(0, 10)) blocks.push(renderRunningJob(job, say));
  blocks.push(divider(), header(say(msg('slack.home.waiting', { count: input.pending.length }))));
  if (!input.pending.length) blocks.push(context([say(msg('slack.home.nothingWaiting'))]));
  const room = LIMITS.homeBlocks - blocks.length - 2;
  let used = 0;
  for (const [index, { approval, job }] of input.pending.entries()) {
    const card = renderCard({ ...voice, job, approval, now: input.now, simulated: false }).blocks;
    if (used + card.length + 1 > room) {
      blocks.push(context([say(msg('slack.home.moreCards', { count: input.pending.length - index }))]));
      break;
    }
    blocks.push(...card, divider());
    used += card.length + 1;
  }
  return { type: 'home', blocks: fitBlocks(blocks, input.locale, LIMITS.homeBlocks) };
}

/** A running job on App Home: its id, command, state and requester, and its plan's summary. */
function renderRunningJob(job: JobRecord, say: (text: Text) => string): Block {
  const line = msg('slack.home.jobLine', { status: msg(JOB_STATUS_WORD[job.status]), requester: slot(0) });
  return richText([
    paragraph(
      plain('▶️ '),
      code(job.id),
      plain(' '),
      code(commandLine(job)),
      plain(' — '),
      inlines(say(line), [mention(job.requester)]),
      lineBreak(),
      plain(truncate(say(job.plan.summary), 200)),
    ),
  ]);
}

/** One lab's part of App Home when the bot serves several (issue 13 §2). */
export interface LabHomeSection {
  /** `/lab list`'s line of facts for the lab. */
  summary: LabSummary;
  /** The lab's time zone for times of day. */
  timeZone?: string | undefined;
  running: readonly JobRecord[];
  pending: readonly { approval: ApprovalRecord; job: JobRecord }[];
  /** Its newest events, when it has no channel to post them in (issue 15 §1). */
  alerts?: readonly LabAlert[] | undefined;
}

export interface LabsHomeInput {
  /** The language of the person whose Home it is. */
  locale: Locale;
  /** Every lab the person may act on, in the lab file's order. */
  labs: readonly LabHomeSection[];
  /** Whether any of them is simulated. */
  simulated: boolean;
  now: number;
  notice?: Text | undefined;
}

/** Running jobs shown per lab; `/lab jobs --lab NAME` lists the rest. */
const RUNNING_PER_LAB = 5;

/**
 * App Home of a bot with several labs (issue 13 §2): every lab the person may act on — an
 * instructor sees all — each with its line of facts (as `/lab list`), its running jobs and its
 * pending cards with their buttons. Cards fill the room left once every lab has its lines, in
 * order; a lab whose cards do not fit says how many more wait. Times are in each lab's zone.
 */
export function renderLabsHome(input: LabsHomeInput): HomeView {
  const voice: Voice = { locale: input.locale };
  const say = speaker(voice);
  const blocks: Block[] = [];
  if (input.simulated) blocks.push(section(say(msg('slack.home.simulated'))));
  if (input.notice !== undefined) blocks.push(...renderNotice('info', input.notice, voice).blocks);
  blocks.push(
    actions([button({ actionId: ACTION.refreshHome, text: say(msg('slack.home.refresh')), value: 'home' })]),
  );
  if (!input.labs.length) blocks.push(context([say(msg('slack.home.noLab'))]));
  const parts = input.labs.map((lab) => {
    const labSay = speaker({ locale: input.locale, timeZone: lab.timeZone });
    const head: Block[] = [divider(), richText([paragraph(strong(say(describeLab(lab.summary))))])];
    if (lab.running.length) {
      head.push(context([say(msg('slack.home.running', { count: lab.running.length }))]));
      for (const job of lab.running.slice(0, RUNNING_PER_LAB)) head.push(renderRunningJob(job, labSay));
    }
    if (lab.pending.length)
      head.push(context([say(msg('slack.home.waiting', { count: lab.pending.length }))]));
    head.push(...renderHomeAlerts(lab.alerts, { locale: input.locale, timeZone: lab.timeZone }));
    return { lab, head };
  });
  // Room for cards once every lab has its lines (and a "more cards" line each).
  let room = LIMITS.homeBlocks - blocks.length - parts.reduce((n, p) => n + p.head.length + 1, 0);
  for (const { lab, head } of parts) {
    blocks.push(...head);
    for (const [index, { approval, job }] of lab.pending.entries()) {
      const card = renderCard({
        locale: input.locale,
        timeZone: lab.timeZone,
        job,
        approval,
        now: input.now,
        simulated: false,
      }).blocks;
      if (card.length > room) {
        blocks.push(context([say(msg('slack.home.moreCards', { count: lab.pending.length - index }))]));
        break;
      }
      blocks.push(...card);
      room -= card.length;
    }
  }
  return { type: 'home', blocks: fitBlocks(blocks, input.locale, LIMITS.homeBlocks) };
}
