import type { BlockAction, ButtonAction } from '@slack/bolt';
import { LabopsError } from '../../errors.js';
import { msg } from '../../i18n/text.js';
import { requestRevert } from '../../revert.js';
import type { MessageContent } from '../blocks.js';
import { acknowledge, createCaller, labOfJob, type SlackDeps, settleAck, voiceOf } from '../deps.js';
import { ACTION } from '../render-card.js';
import { renderErrorMessage, renderView } from '../render-view.js';
import type { ListenerRouter } from './router.js';

/**
 * The Revert button on a succeeded job's card (issue 15 §3): acknowledged at once, then a new plan
 * of the job's inverse command is asked as the clicker (src/revert.ts) — the button is no
 * permission: the inverse command's policy, card, approval and locks apply as if it were typed.
 * Its card is posted where the click was; a refusal (too late, the job did not succeed, a revert
 * already asked) is told to the clicker alone, with what to run instead.
 */
export function registerJobRevert(router: ListenerRouter, deps: SlackDeps): void {
  router.action<BlockAction<ButtonAction>>(
    { type: 'block_actions', action_id: ACTION.revert },
    async ({ ack, body, action, respond }) => {
      const acked = acknowledge(ack);
      const identity = body.trigger_id || `${body.user.id}:${action.action_id}:${action.action_ts}`;
      if (!(await deps.dedupe.first(`action:${identity}`))) return;
      // A revert is a plan: it queues with the plans, never ahead of an approval click.
      deps.track(async () => {
        await settleAck(acked, deps);
        const jobId = action.value ?? '';
        const channel = body.channel?.id ?? body.container?.channel_id ?? 'app_home';
        const caller = await createCaller(deps, body.user.id, channel);
        const lab = await labOfJob(deps, jobId);
        const voice = voiceOf(deps, caller, lab);
        const result = await requestRevert(deps.labs, { jobId, caller, now: deps.clock() });
        const answer = async (content: MessageContent) => {
          try {
            await respond({ response_type: 'ephemeral', replace_original: false, ...content });
          } catch (error) {
            deps.logger.warn({ err: String(error) }, 'could not answer a Revert click');
          }
        };
        if (result.kind === 'error') {
          // The button may be stale (its 24 hours are over, a revert was asked): draw the card again.
          void deps.reporter.refreshCard(jobId);
          await answer(renderErrorMessage(result.error, voice));
          return;
        }
        if (result.kind === 'view') {
          await answer(renderView(result.view, voice));
          return;
        }
        const { card } = result;
        void deps.reporter.refreshCard(jobId);
        try {
          const placement = await deps.reporter.postCard(card, body.user.id);
          if (placement.movedToDm) {
            const moved = new LabopsError(
              'FORBIDDEN',
              msg('slack.card.movedToDm', { approval: card.approval.id }),
            );
            await answer(renderErrorMessage(moved, voice));
          }
        } catch (error) {
          deps.logger.error({ err: String(error), jobId: card.job.id }, 'could not post a revert’s card');
          const failed = new LabopsError(
            'INTERNAL',
            msg('slack.card.postFailed', { approval: card.approval.id }),
            {
              hint: msg('slack.card.postFailedHint', { job: card.job.id }),
            },
          );
          await answer(renderErrorMessage(failed, voice));
        }
      }, 'plans');
    },
  );
}
