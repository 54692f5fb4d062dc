import type { BlockAction } from '@slack/bolt';
import { msg } from '../../i18n/text.js';
import { escapeRegExp } from '../../text.js';
import { acknowledge, personVoice, type SlackDeps, settleAck } from '../deps.js';
import { ACTION } from '../render-card.js';
import { renderNotice } from '../render-view.js';
import type { ListenerRouter } from './router.js';

/**
 * Any action id labops never rendered (ACTION): nothing else matches it. A RegExp that leaves the
 * known ids out, because Bolt runs every matching listener and a second `ack()` is an error.
 */
export const UNKNOWN_ACTION_ID = new RegExp(`^(?!(?:${Object.values(ACTION).map(escapeRegExp).join('|')})$)`);

/** What the clicker reads when a button is not one of labops's. */
export const UNKNOWN_ACTION_NOTICE = msg('slack.unknownAction.notice');

/**
 * A signed click on a button labops never rendered (an old app's message, a forged payload): acked
 * at once, so Slack is not left to Bolt's unhandled-request timeout and 404 (slack-platform.md §1),
 * and the clicker alone is told it does nothing. Nothing is dispatched.
 */
export function registerUnknownActions(router: ListenerRouter, deps: SlackDeps): void {
  router.action<BlockAction>(
    { type: 'block_actions', action_id: UNKNOWN_ACTION_ID },
    async ({ ack, body, respond }) => {
      const acked = acknowledge(ack);
      deps.logger.info(
        { user: body.user.id, actionId: body.actions[0]?.action_id?.slice(0, 255) },
        'a click on an action id labops never rendered',
      );
      // App Home has no response_url: the ack is the whole answer there.
      if (body.container?.type === 'view' || !body.response_url) return;
      deps.track(async () => {
        await settleAck(acked, deps);
        try {
          const voice = await personVoice(deps, body.user.id);
          await respond({
            response_type: 'ephemeral',
            replace_original: false,
            ...renderNotice('warn', UNKNOWN_ACTION_NOTICE, voice),
          });
        } catch (error) {
          deps.logger.warn({ err: String(error) }, 'could not answer a click on an unknown button');
        }
      });
    },
  );
}
