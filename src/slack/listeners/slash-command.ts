import type { RespondFn } from '@slack/bolt';
import { LabopsError } from '../../errors.js';
import { msg, verbatim } from '../../i18n/text.js';
import type { View } from '../../view.js';
import type { MessageContent } from '../blocks.js';
import {
  acknowledge,
  createCaller,
  labOfChannel,
  labVoice,
  type SlackDeps,
  settleAck,
  voiceOf,
} from '../deps.js';
import { renderErrorMessage, renderView } from '../render-view.js';
import { isNotInChannel } from '../web.js';
import type { ListenerRouter } from './router.js';

/** `--share` anywhere in the text, as its own word. */
const SHARE = /(^|\s)--share(?=\s|$)/g;

/** Removes `--share` from the text: it is the adapter's flag, not the command's. */
export function stripShare(text: string): { text: string; share: boolean } {
  const share = SHARE.test(text);
  SHARE.lastIndex = 0;
  return { text: share ? text.replace(SHARE, ' ').replace(/\s+/g, ' ').trim() : text, share };
}

/**
 * Every slash command of the registry (issue 4, "Transport"): acknowledged at once with an empty
 * body — Slack's 3-second budget (slack-platform.md §1) — and handled after. A trigger seen before
 * (a retry, a double submission) is acknowledged and nothing more.
 */
export function registerSlashCommands(router: ListenerRouter, deps: SlackDeps): void {
  for (const command of deps.registry.commands) {
    router.command(`/${command.name}`, async ({ command: body, ack, respond }) => {
      const acked = acknowledge(ack);
      const identity = body.trigger_id || `${body.user_id}:${body.channel_id}:${body.command}:${body.text}`;
      if (!(await deps.dedupe.first(`command:${identity}`))) return;
      // Tracked before the ack is awaited, so the work is known to be pending from the first byte.
      deps.track(
        async () => {
          await settleAck(acked, deps);
          const request = {
            command: body.command,
            text: body.text ?? '',
            userId: body.user_id,
            channelId: body.channel_id,
            triggerId: body.trigger_id,
          };
          await answerCommand(deps, request, respond);
        },
        deps.labs.isPlan(body.command, stripShare(body.text ?? '').text) ? 'plans' : 'interactive',
      );
    });
  }
}

/** `--lab NAME` in a command's text, as its own word. */
const LAB_FLAG = /(^|\s)--lab(?:=|\s)/;

/**
 * A view's commands (a doctor's fix) run in the view's lab whatever channel they are clicked in:
 * with several labs, each names its lab.
 */
function pinActionsToLab(view: View, lab: string): View {
  if (!view.actions?.length) return view;
  return {
    ...view,
    actions: view.actions.map((action) =>
      LAB_FLAG.test(action.text) ? action : { ...action, text: `${action.text} --lab ${lab}`.trim() },
    ),
  };
}

async function reply(deps: SlackDeps, respond: RespondFn, content: MessageContent): Promise<void> {
  try {
    await respond({
      response_type: 'ephemeral',
      replace_original: false,
      text: content.text,
      blocks: content.blocks,
    });
  } catch (error) {
    deps.logger.warn({ err: String(error) }, 'could not answer through response_url');
  }
}

/** A command to run for a Slack user, typed or clicked (a view's button, listeners/view-run.ts). */
export interface CommandRequest {
  /** `/storage` */
  command: string;
  text: string;
  userId: string;
  channelId: string;
  triggerId: string;
}

/**
 * Runs a command as the user and answers as a slash command does: a view or an error only to the
 * user (or shared with `--share`), a card in the channel (by DM when the bot is not there).
 */
export async function answerCommand(
  deps: SlackDeps,
  request: CommandRequest,
  respond: RespondFn,
): Promise<void> {
  const { text, share } = stripShare(request.text);
  const caller = await createCaller(deps, request.userId, request.channelId);
  // The channel's lab, or the one `--lab` names (issue 13 §2); none found: dispatch says why.
  const input = { command: request.command, text, caller };
  const lab = deps.labs.labFor(input) ?? labOfChannel(deps, request.channelId);
  // What only the caller sees is in their language; what the channel sees, in the lab's (issue 16 §2).
  const own = voiceOf(deps, caller, lab);
  const dispatched = await deps.labs.dispatch(input);
  const result =
    dispatched.kind === 'view' && deps.labs.many
      ? { ...dispatched, view: pinActionsToLab(dispatched.view, lab.lab.name) }
      : dispatched;
  if (result.kind === 'error') {
    await reply(deps, respond, renderErrorMessage(result.error, own));
    return;
  }
  if (result.kind === 'view') {
    // Status answers are phone-sized: at most 15 lines (issue 4).
    const isStatus = /^\s*status\b/i.test(text);
    const options = { maxLines: isStatus ? 15 : undefined };
    if (!share) {
      await reply(deps, respond, renderView(result.view, own, { ...options, note: undefined }));
      return;
    }
    const message = deps.outbox.message(`share:${request.triggerId}`, {
      channel: request.channelId,
      lane: 'progress',
      priority: 2,
    });
    // Shared in the channel: the lab's language (issue 16 §2).
    message.set(
      renderView(result.view, labVoice(lab), {
        ...options,
        note: msg('slack.share.sharedBy', { user: verbatim(`<@${request.userId}>`) }),
      }),
      {
        final: true,
      },
    );
    try {
      await message.posted();
    } catch (error) {
      const note = isNotInChannel(error) ? msg('slack.share.notInChannel') : msg('slack.share.failed');
      await reply(deps, respond, renderView(result.view, own, { ...options, note }));
    }
    return;
  }
  try {
    const placement = await deps.reporter.postCard(result.card, request.userId);
    if (placement.movedToDm) {
      await reply(
        deps,
        respond,
        renderErrorMessage(
          new LabopsError('FORBIDDEN', msg('slack.card.movedToDm', { approval: result.card.approval.id })),
          own,
        ),
      );
    }
  } catch (error) {
    deps.logger.error({ err: String(error), jobId: result.card.job.id }, 'could not post an approval card');
    await reply(
      deps,
      respond,
      renderErrorMessage(
        new LabopsError('INTERNAL', msg('slack.card.postFailed', { approval: result.card.approval.id }), {
          hint: msg('slack.card.postFailedHint', { job: result.card.job.id }),
        }),
        own,
      ),
    );
  }
}
