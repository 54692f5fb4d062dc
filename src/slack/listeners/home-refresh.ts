import type { BlockAction, ButtonAction } from '@slack/bolt';
import { acknowledge, type SlackDeps, settleAck } from '../deps.js';
import { ACTION } from '../render-card.js';
import type { ListenerRouter } from './router.js';

/** The Refresh button on App Home: reads the lab again and publishes the user's Home. */
export function registerHomeRefresh(router: ListenerRouter, deps: SlackDeps): void {
  router.action<BlockAction<ButtonAction>>(
    { type: 'block_actions', action_id: ACTION.refreshHome },
    async ({ ack, body }) => {
      const acked = acknowledge(ack);
      deps.track(async () => {
        await settleAck(acked, deps);
        await Promise.all([deps.publishHome(body.user.id), deps.homeOpened(body.user.id)]);
      });
    },
  );
}
