import { SlackApiStandIn } from './slack-api.js';

/**
 * The Web API stand-in as a process of its own (design.md, Benchmarks: the stand-in runs apart
 * from the bot), at Slack's real limits. Prints one JSON line with its URL, then runs until stdin
 * closes; `GET /_calls` answers what it recorded.
 * Arguments: --channels C1:U1,U2;C2:U3 --bot-token xoxb-… (`C2!:U3`: a channel the bot is not in)
 */
function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(name);
  return i >= 0 ? (process.argv[i + 1] ?? fallback) : fallback;
}

const standIn = await SlackApiStandIn.start({ botToken: arg('--bot-token', 'xoxb-bench') });
for (const spec of arg('--channels', '').split(';').filter(Boolean)) {
  const [id = '', members = ''] = spec.split(':');
  standIn.addChannel(id.replace(/!$/, ''), members.split(',').filter(Boolean), {
    botMember: !id.endsWith('!'),
  });
}
process.stdout.write(`${JSON.stringify({ apiUrl: standIn.apiUrl, base: standIn.base })}\n`);
process.stdin.resume();
process.stdin.on('end', () => {
  void standIn.close().then(() => process.exit(0));
});
