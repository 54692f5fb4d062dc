/**
 * What the Slack benches (slack-bench.ts, progress.ts) share: the bot in HTTP mode, its signing
 * secret and token, and the Web API stand-in it talks to.
 */
import type { Logger } from '../src/log.js';
import { createSlackAdapter, type SlackAdapter } from '../src/slack/adapter.js';

export const SECRET = 'bench-signing-secret';
export const BOT_TOKEN = 'xoxb-bench';

/** The bot's Slack adapter in HTTP mode on a free port, calling the stand-in at `apiUrl`. */
export function createBenchAdapter(apiUrl: string, logger: Logger): SlackAdapter {
  return createSlackAdapter({
    settings: { mode: 'http', botToken: BOT_TOKEN, signingSecret: SECRET, port: 0, apiUrl },
    logger,
    port: 0,
  });
}
