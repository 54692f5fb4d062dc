import { msg } from '../i18n/text.js';
import type { LabAlert } from '../jobs/alerts.js';
import type { Labs } from '../labs.js';
import { describeAlert } from '../watch/view.js';
import { readWatchState } from '../watch/watcher.js';
import {
  type Block,
  divider,
  header,
  lineBreak,
  paragraph,
  plain,
  richText,
  speaker,
  type Voice,
} from './blocks.js';

/** Alerts App Home lists, newest first. */
const HOME_ALERTS = 5;

/**
 * A lab with no channel shows its events on App Home only (issue 15 §1): the newest the watcher
 * kept in the store. A lab with a channel answers none (its channel has them).
 */
export async function readHomeAlerts(labs: Labs, lab: string): Promise<LabAlert[]> {
  const watcher = labs.watchers.get(lab);
  if (!watcher || watcher.channel !== undefined) return [];
  const state = readWatchState((await labs.store.readState(watcher.key))?.value);
  return state ? [...state.channel.recent, ...state.channel.held].slice(-HOME_ALERTS).reverse() : [];
}

/** The lab's newest events on App Home: a heading, a line each. */
export function renderHomeAlerts(alerts: readonly LabAlert[] | undefined, voice: Voice): Block[] {
  if (!alerts?.length) return [];
  const say = speaker(voice);
  const lines = alerts.flatMap((alert, i) => {
    const heading = describeAlert(alert).heading;
    return [...(i > 0 ? [lineBreak()] : []), plain(`⚠️ ${heading === undefined ? '' : say(heading)}`)];
  });
  return [divider(), header(say(msg('watch.home.heading'))), richText([paragraph(...lines)])];
}
