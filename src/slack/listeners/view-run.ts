import type { BlockAction, ButtonAction } from '@slack/bolt';
import { z } from 'zod';
import { msg, verbatim } from '../../i18n/text.js';
import { acknowledge, personVoice, type SlackDeps, settleAck } from '../deps.js';
import { ACTION } from '../render-card.js';
import { renderNotice } from '../render-view.js';
import type { ListenerRouter } from './router.js';
import { answerCommand } from './slash-command.js';

/** What a `view:run` button carries (render-view.ts `encodeViewAction`). */
const ViewRunValueSchema = z.object({
  command: z.string().regex(/^\/[a-z][a-z0-9-]*$/),
  text: z.string().max(1900),
});
type ViewRunValue = z.infer<typeof ViewRunValueSchema>;

/** The command of a `view:run` button's value, or undefined when it is not one. */
export function parseViewRunValue(value: string | undefined): ViewRunValue | undefined {
  try {
    const parsed = ViewRunValueSchema.safeParse(JSON.parse(value ?? ''));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A command a view offers (a doctor's fix) clicked: acknowledged at once, then dispatched as the
 * clicker exactly as if they had typed it — the button is not a permission, so policy, approval and
 * locks apply as for a typed command — and answered as a slash command is.
 */
export function registerViewRun(router: ListenerRouter, deps: SlackDeps): void {
  router.action<BlockAction<ButtonAction>>(
    { type: 'block_actions', action_id: ACTION.runView },
    async ({ ack, body, action, respond }) => {
      const acked = acknowledge(ack);
      const identity = body.trigger_id || `${body.user.id}:${action.action_id}:${action.action_ts}`;
      if (!(await deps.dedupe.first(`action:${identity}`))) return;
      const request = parseViewRunValue(action.value);
      // A fix's button starts a plan: it queues with the plans, not ahead of approval clicks.
      const lane = request && deps.labs.isPlan(request.command, request.text) ? 'plans' : 'interactive';
      deps.track(async () => {
        await settleAck(acked, deps);
        const channel = body.channel?.id ?? body.container?.channel_id;
        if (body.container?.type === 'view' || channel === undefined) {
          // App Home has no channel for a card or an ephemeral answer: say where to run it instead.
          await deps.publishHome(
            body.user.id,
            request
              ? msg('slack.viewRun.inChannelTyped', {
                  command: verbatim(`${request.command} ${request.text}`.trim()),
                })
              : msg('slack.viewRun.inChannel'),
          );
          return;
        }
        if (!request) {
          const voice = await personVoice(deps, body.user.id);
          try {
            await respond({
              response_type: 'ephemeral',
              replace_original: false,
              ...renderNotice('bad', msg('slack.viewRun.broken'), voice),
            });
          } catch (error) {
            deps.logger.warn({ err: String(error) }, 'could not answer a broken view button');
          }
          return;
        }
        await answerCommand(
          deps,
          { ...request, userId: body.user.id, channelId: channel, triggerId: identity },
          respond,
        );
      }, lane);
    },
  );
}
