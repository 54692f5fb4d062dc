import type { BlockAction, ButtonAction } from '@slack/bolt';
import { acknowledge, createCaller, labOfJob, type SlackDeps, settleAck, voiceOf } from '../deps.js';
import { ACTION } from '../render-card.js';
import { renderErrorMessage, renderView } from '../render-view.js';
import type { ListenerRouter } from './router.js';

/**
 * The Cancel button on a running job's card: the same path as `/lab cancel JOB`, policy checked on
 * the server. The card shows the cancelled job when it stops; the clicker is told what happened.
 */
export function registerJobCancel(router: ListenerRouter, deps: SlackDeps): void {
  router.action<BlockAction<ButtonAction>>(
    { type: 'block_actions', action_id: ACTION.cancel },
    async ({ ack, body, action, respond }) => {
      const acked = acknowledge(ack);
      const identity = body.trigger_id || `${body.user.id}:${action.action_id}:${action.action_ts}`;
      if (!(await deps.dedupe.first(`action:${identity}`))) return;
      deps.track(async () => {
        await settleAck(acked, deps);
        const channel = body.channel?.id ?? body.container?.channel_id ?? 'app_home';
        const caller = await createCaller(deps, body.user.id, channel);
        // The job's lab, wherever its card is (a DM copy, another channel).
        const lab = await labOfJob(deps, action.value);
        const result = await deps.labs.dispatch({
          command: '/lab',
          text: `cancel ${action.value ?? ''}`,
          caller,
          lab: lab.lab.name,
        });
        // /lab cancel answers a view or an error; it never proposes a card.
        const voice = voiceOf(deps, caller, lab);
        const content =
          result.kind === 'view'
            ? renderView(result.view, voice)
            : result.kind === 'error'
              ? renderErrorMessage(result.error, voice)
              : undefined;
        if (!content) return;
        // A job cancelled while it waited for approval emits no event: show it on its card now.
        if (result.kind === 'view' && action.value) void deps.reporter.refreshCard(action.value);
        try {
          await respond({ response_type: 'ephemeral', replace_original: false, ...content });
        } catch (error) {
          deps.logger.warn({ err: String(error) }, 'could not answer a Cancel click');
        }
      });
    },
  );
}
