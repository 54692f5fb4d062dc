import { msg, type Text } from '../i18n/text.js';
import type { Labops } from '../labops.js';
import { readHomeAlerts } from './alert-home.js';
import { createCaller, type SlackDeps } from './deps.js';
import { renderHome, renderLabsHome } from './render-home.js';

/**
 * Publishes one person's App Home, with an optional note (the answer to a click there): the lab's
 * status, running jobs and pending cards — with several labs, a part for each lab the person may
 * act on (issue 13 §2). In the person's language, times in each lab's zone (issue 16 §2).
 */
export async function publishHome(deps: SlackDeps, userId: string, notice?: Text): Promise<void> {
  const caller = await createCaller(deps, userId, 'app_home');
  const { labs, outbox, clock } = deps;
  if (!labs.many) {
    const labops = labs.first;
    const status = await labops.dispatch({ command: '/lab', text: 'status', caller });
    const { running, pending } = await readLabWork(labops);
    outbox.publishHome(
      userId,
      renderHome({
        locale: caller.locale ?? labops.lab.locale,
        timeZone: labops.lab.timeZone,
        status:
          status.kind === 'view'
            ? status.view
            : {
                error: status.kind === 'error' ? status.error.text : msg('slack.home.statusUnavailable'),
              },
        running,
        pending,
        simulated: labops.lab.simulated,
        now: clock(),
        notice,
        alerts: await readHomeAlerts(labs, labops.lab.name),
      }),
    );
    return;
  }
  const mine = labs.mayActOn(caller);
  // `list` reads the same labs, in the same order, each engine bounded by its timeout.
  const [summaries, work, alerts] = await Promise.all([
    labs.list(caller),
    Promise.all(mine.map(readLabWork)),
    Promise.all(mine.map((labops) => readHomeAlerts(labs, labops.lab.name))),
  ]);
  outbox.publishHome(
    userId,
    renderLabsHome({
      locale: caller.locale ?? labs.first.lab.locale,
      labs: mine.map((labops, index) => ({
        summary: summaries[index]!,
        timeZone: labops.lab.timeZone,
        ...work[index]!,
        alerts: alerts[index],
      })),
      simulated: mine.some((labops) => labops.lab.simulated),
      now: clock(),
      notice,
    }),
  );
}

/** A lab's running jobs (ten at most) and its pending cards with their jobs. */
async function readLabWork(labops: Labops) {
  const { store } = labops;
  const running = (await labops.jobs.list({ active: true, limit: 10 })).filter(
    (j) => j.status !== 'awaiting_approval',
  );
  const pending = await Promise.all(
    (await store.listApprovals({ lab: labops.lab.name, statuses: ['pending'] })).map(async (approval) => ({
      approval,
      job: await store.getJob(approval.jobId),
    })),
  );
  return { running, pending: pending.flatMap(({ approval, job }) => (job ? [{ approval, job }] : [])) };
}
