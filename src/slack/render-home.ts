import type { Locale } from '../i18n/locale.js';
import { renderText } from '../i18n/render.js';
import type { ApprovalRecord, JobRecord } from '../store/types.js';
import { localizeView, type View } from '../view.js';
import {
  actions,
  type Block,
  button,
  code,
  context,
  divider,
  fitBlocks,
  header,
  LIMITS,
  lineBreak,
  mention,
  paragraph,
  plain,
  richText,
  section,
  textWithMentions,
} from './blocks.js';
import { truncate } from './mrkdwn.js';
import { ACTION, commandLine, renderCard } from './render-card.js';
import { renderNotice, renderView } from './render-view.js';

export interface HomeInput {
  /** The language of the person whose Home it is. */
  locale: Locale;
  /** `/lab status` as the user would see it, or why it could not be read. */
  status: View | { error: string };
  running: readonly JobRecord[];
  pending: readonly { approval: ApprovalRecord; job: JobRecord }[];
  simulated: boolean;
  now: number;
  /** The answer to this user's last click here (Home has no ephemeral replies). */
  notice?: string | undefined;
}

export interface HomeView {
  type: 'home';
  blocks: Block[];
}

/**
 * The App Home tab (slack-platform.md §6): SIMULATED LAB first when it is one, the lab's status,
 * running jobs, and the pending cards with the same Approve/Deny buttons as in channels — every
 * click is checked on the server like any other. A Refresh button re-reads everything.
 */
export function renderHome(input: HomeInput): HomeView {
  const blocks: Block[] = [];
  if (input.simulated)
    blocks.push(section('*SIMULATED LAB* — a built-in simulator stands in for the engine and the hosts.'));
  if (input.notice) blocks.push(...renderNotice('info', input.notice).blocks);
  blocks.push(actions([button({ actionId: ACTION.refreshHome, text: 'Refresh', value: 'home' })]));
  if ('error' in input.status) {
    blocks.push(
      header('Lab status'),
      richText([paragraph(plain('⚠️ '), textWithMentions(input.status.error))]),
    );
  } else {
    blocks.push(...renderView(localizeView(input.status, input.locale), { maxLines: 15 }).blocks);
  }
  blocks.push(divider(), header(`Running jobs (${input.running.length})`));
  if (!input.running.length) blocks.push(context(['Nothing is running.']));
  for (const job of input.running.slice(0, 10)) {
    blocks.push(
      richText([
        paragraph(
          plain('▶️ '),
          code(job.id),
          plain(' '),
          code(commandLine(job)),
          plain(` — ${job.status.replace('_', ' ')}, asked by `),
          mention(job.requester),
          lineBreak(),
          plain(truncate(renderText(input.locale, job.plan.summary), 200)),
        ),
      ]),
    );
  }
  blocks.push(divider(), header(`Waiting for approval (${input.pending.length})`));
  if (!input.pending.length) blocks.push(context(['No card waits for a decision.']));
  const room = LIMITS.homeBlocks - blocks.length - 2;
  let used = 0;
  for (const [index, { approval, job }] of input.pending.entries()) {
    const card = renderCard({ locale: input.locale, job, approval, now: input.now, simulated: false }).blocks;
    if (used + card.length + 1 > room) {
      blocks.push(context([`… ${input.pending.length - index} more cards wait: /lab status lists them.`]));
      break;
    }
    blocks.push(...card, divider());
    used += card.length + 1;
  }
  return { type: 'home', blocks: fitBlocks(blocks, LIMITS.homeBlocks) };
}
