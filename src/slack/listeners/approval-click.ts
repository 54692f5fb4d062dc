import type { BlockAction, ButtonAction, Middleware, SlackActionMiddlewareArgs } from '@slack/bolt';
import { acknowledge, createCaller, labOfApproval, type SlackDeps, settleAck, voiceOf } from '../deps.js';
import { ACTION } from '../render-card.js';
import { renderNotice } from '../render-view.js';
import type { ListenerRouter } from './router.js';

/**
 * Approve and Deny, on a card in a channel, in a DM or on App Home. Acknowledged at once; the click
 * is decided on the server by the approval flow (who, self-approval, repeats, expiry, the plan's
 * fingerprint) — the confirm dialog is only UI. The card changes through the flow's events; a
 * refused click changes nothing and only the clicker is told why.
 */
export function registerApprovalClicks(router: ListenerRouter, deps: SlackDeps): void {
  const listener: Middleware<SlackActionMiddlewareArgs<BlockAction<ButtonAction>>> = async ({
    ack,
    body,
    action,
    respond,
  }) => {
    const acked = acknowledge(ack);
    const identity = body.trigger_id || `${body.user.id}:${action.action_id}:${action.action_ts}`;
    if (!(await deps.dedupe.first(`action:${identity}`))) return;
    deps.track(async () => {
      await settleAck(acked, deps);
      const decision = action.action_id === ACTION.approve ? 'approve' : 'deny';
      const channel = body.channel?.id ?? body.container?.channel_id ?? 'app_home';
      const caller = await createCaller(deps, body.user.id, channel);
      // The card's lab decides the click, wherever it is clicked (issue 13 §2).
      const result = await deps.labs.click(action.value ?? '', caller, decision);
      if (body.container?.type === 'view') {
        // App Home has no ephemeral replies: the answer is a note on the user's Home.
        await deps.publishHome(body.user.id, result.text);
        return;
      }
      if (result.outcome !== 'refused' && result.outcome !== 'void') return;
      // Only the clicker reads this: in their language (issue 16 §2).
      const content = renderNotice(
        result.outcome === 'refused' ? 'warn' : 'bad',
        result.text,
        voiceOf(deps, caller, await labOfApproval(deps, action.value)),
      );
      try {
        await respond({ response_type: 'ephemeral', replace_original: false, ...content });
      } catch (error) {
        deps.logger.warn({ err: String(error) }, 'could not tell the clicker why the click was refused');
      }
    });
  };
  router.action<BlockAction<ButtonAction>>({ type: 'block_actions', action_id: ACTION.approve }, listener);
  router.action<BlockAction<ButtonAction>>({ type: 'block_actions', action_id: ACTION.deny }, listener);
}
