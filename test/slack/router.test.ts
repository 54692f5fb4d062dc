import { App, type Receiver } from '@slack/bolt';
import { describe, expect, it } from 'vitest';
import { ListenerRouter } from '../../src/slack/listeners/router.js';

/** A Bolt app whose receiver is this test: events go straight to `processEvent`. */
function boltApp(): App {
  const receiver: Receiver = {
    init: () => undefined,
    start: async () => undefined,
    stop: async () => undefined,
  };
  return new App({
    receiver,
    authorize: async () => ({ botToken: 'xoxb-test', botId: 'BBOT', botUserId: 'UBOT' }),
    convoStore: false,
  });
}

const command = (name: string) => ({
  command: name,
  text: 'status',
  user_id: 'UADA',
  channel_id: 'CLAB',
  team_id: 'T1',
  trigger_id: 'trig',
  response_url: 'http://127.0.0.1:9/respond',
});

const click = (actionId: string) => ({
  type: 'block_actions',
  team: { id: 'T1' },
  user: { id: 'UADA' },
  channel: { id: 'CLAB' },
  trigger_id: 'trig',
  actions: [{ type: 'button', action_id: actionId, block_id: 'b', action_ts: '1' }],
});

describe('the listener router', () => {
  it('gives Bolt one listener for the commands and one for the buttons, and each request to its own', async () => {
    const app = boltApp();
    const router = new ListenerRouter();
    const heard: string[] = [];
    for (const name of ['/lab', '/host']) {
      router.command(name, async ({ ack, command: body }) => {
        await ack();
        heard.push(`${name} ${body.text}`);
      });
    }
    router.action({ type: 'block_actions', action_id: 'approve' }, async ({ ack, action }) => {
      await ack();
      heard.push(`approve ${action.action_id}`);
    });
    router.action({ type: 'block_actions', action_id: /^(?!approve$)/ }, async ({ ack, action }) => {
      await ack();
      heard.push(`unknown ${action.action_id}`);
    });
    router.mount(app);
    // Bolt's own list of listeners (its middleware arrays): two, whatever the count of routes.
    expect((app as unknown as { listeners: unknown[] }).listeners).toHaveLength(2);

    const acks: string[] = [];
    const send = (body: Record<string, unknown>, name: string) =>
      app.processEvent({
        body,
        ack: async () => {
          acks.push(name);
        },
      });
    await send(command('/host'), '/host');
    await send(command('/lab'), '/lab');
    await send(click('approve'), 'approve');
    await send(click('old-button'), 'old-button');
    expect(heard).toEqual(['/host status', '/lab status', 'approve approve', 'unknown old-button']);
    expect(acks).toEqual(['/host', '/lab', 'approve', 'old-button']);
  });

  it('runs every listener a click matches, and fails the click when one of them fails', async () => {
    const app = boltApp();
    const router = new ListenerRouter();
    const heard: string[] = [];
    router.action({ type: 'block_actions', action_id: 'cancel' }, async ({ ack }) => {
      heard.push('first');
      await ack();
    });
    router.action({ type: 'block_actions', action_id: /^can/g }, async () => {
      heard.push('pattern');
      throw new Error('the second listener failed');
    });
    const errors: unknown[] = [];
    app.error(async (error) => {
      errors.push(error);
    });
    router.mount(app);
    await app.processEvent({ body: click('cancel'), ack: async () => undefined });
    // A global pattern keeps its place between tests; the router reads it from the start each time.
    await app.processEvent({ body: click('cancel'), ack: async () => undefined });
    expect(heard).toEqual(['first', 'pattern', 'first', 'pattern']);
    expect(errors).toHaveLength(2);
  });

  it('refuses a second listener for one command', () => {
    const router = new ListenerRouter();
    router.command('/lab', async () => undefined);
    expect(() => router.command('/lab', async () => undefined)).toThrow(/\/lab has a listener already/);
  });
});
