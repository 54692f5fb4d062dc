import type { Locale } from '../i18n/locale.js';
import { msg, type Text } from '../i18n/text.js';
import type { ApprovalRecord, JobRecord } from '../store/types.js';
import type { View } from '../view.js';
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
  blocks.push(divider(), header(say(msg('slack.home.running', { count: input.running.length }))));
  if (!input.running.length) blocks.push(context([say(msg('slack.home.nothingRunning'))]));
  for (const job of input.running.slice(0, 10)) {
    const line = msg('slack.home.jobLine', { status: msg(JOB_STATUS_WORD[job.status]), requester: slot(0) });
    blocks.push(
      richText([
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
      ]),
    );
  }
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
