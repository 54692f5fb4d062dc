import type { App, BlockAction, ButtonAction } from '@slack/bolt';
import type { SlackDeps } from '../deps.js';
import { ACTION } from '../render-card.js';

/** The Refresh button on App Home: reads the lab again and publishes the user's Home. */
export function registerHomeRefresh(app: App, deps: SlackDeps): void {
  app.action<BlockAction<ButtonAction>>(
    { type: 'block_actions', action_id: ACTION.refreshHome },
    async ({ ack, body }) => {
      const acked = ack();
      deps.track(async () => {
        await acked;
        await deps.publishHome(body.user.id);
      });
    },
  );
}
