import type { App } from '@slack/bolt';
import type { SlackDeps } from '../deps.js';

/**
 * `app_home_opened` (Bolt acks events itself): publish the Home tab. The event also fires for the
 * Messages tab, and Slack retries events, so both are filtered (slack-platform.md §6).
 */
export function registerAppHomeOpened(app: App, deps: SlackDeps): void {
  app.event('app_home_opened', async ({ event, body }) => {
    if (event.tab !== 'home') return;
    const id = (body as { event_id?: string }).event_id ?? `${event.user}:${event.event_ts}`;
    if (!(await deps.dedupe.first(`event:${id}`))) return;
    // Kept live from now on for a day (issue 17 §3).
    deps.track(async () => {
      await Promise.all([deps.publishHome(event.user), deps.homeOpened(event.user)]);
    });
  });
}
