/**
 * The baseline of `ack_p99_ratio` (slack-bench.ts): a Bolt app in HTTP mode that only acknowledges
 * `/lab` and `/host`, in a process of its own as the bot is. Prints `{"url": …}` once it listens;
 * stops when its stdin ends.
 */
import type { AddressInfo } from 'node:net';
import { App, HTTPReceiver } from '@slack/bolt';
import { BOT_TOKEN, SECRET } from './slack-rig.js';

const receiver = new HTTPReceiver({ signingSecret: SECRET, endpoints: '/slack/events' });
const app = new App({
  receiver,
  authorize: async () => ({ botToken: BOT_TOKEN, botId: 'BBOT', botUserId: 'UBOT' }),
  clientOptions: { retryConfig: { retries: 0 } },
});
for (const name of ['/lab', '/host']) {
  app.command(name, async ({ ack }) => {
    await ack();
  });
}
const server = (await app.start({ port: 0, host: '127.0.0.1' })) as { address(): AddressInfo };
process.stdout.write(
  `${JSON.stringify({ url: `http://127.0.0.1:${server.address().port}/slack/events` })}\n`,
);
process.stdin.resume();
process.stdin.on('end', () => {
  void (app.stop() as Promise<void>).then(() => process.exit(0));
});
