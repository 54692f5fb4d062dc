import type {
  AllMiddlewareArgs,
  App,
  BlockAction,
  Middleware,
  SlackActionMiddlewareArgs,
  SlackCommandMiddlewareArgs,
} from '@slack/bolt';
import { escapeRegExp } from '../../text.js';

type ActionListener = Middleware<SlackActionMiddlewareArgs<BlockAction>>;
type CommandListener = Middleware<SlackCommandMiddlewareArgs>;

/**
 * labops's listeners, mounted on Bolt as one listener for every slash command and one for every
 * button. Bolt runs each listener it holds — a copy of its middleware, a chain of promises, its
 * matchers — for every request, whatever the request: with a listener for each command and each
 * button, the bot's CPU acknowledging a burst of 1500 slash commands was a quarter more than with
 * only the listeners the commands matched (a profile of `npm run bench -- slack`: 948 against
 * 752 ms, 313 against 207 of them collecting garbage). Here a command finds its listener by its
 * name and a button by its action id, as Bolt's own matchers would have.
 */
export class ListenerRouter {
  private readonly commands = new Map<string, CommandListener>();
  private readonly actions = new Map<string, ActionListener[]>();
  private readonly patterns: { id: RegExp; listener: ActionListener }[] = [];

  /** The listener of `/name`; one for each command. */
  command(name: string, listener: CommandListener): void {
    if (this.commands.has(name)) throw new Error(`${name} has a listener already`);
    this.commands.set(name, listener);
  }

  /** A listener of the button clicks whose action id is `action_id`, or matches it. */
  action<Action extends BlockAction = BlockAction>(
    constraints: { type: 'block_actions'; action_id: string | RegExp },
    listener: Middleware<SlackActionMiddlewareArgs<Action>>,
  ): void {
    const own = listener as unknown as ActionListener;
    const id = constraints.action_id;
    if (typeof id === 'string') this.actions.set(id, [...(this.actions.get(id) ?? []), own]);
    else this.patterns.push({ id, listener: own });
  }

  /** The listeners a click on `actionId` runs: those of its id, then those whose pattern matches. */
  listenersOf(actionId: string): ActionListener[] {
    return [
      ...(this.actions.get(actionId) ?? []),
      ...this.patterns.filter(({ id }) => matches(id, actionId)).map(({ listener }) => listener),
    ];
  }

  /** Registers the two listeners on `app`; a command added later is not heard (its name is not matched). */
  mount(app: App): void {
    const names = [...this.commands.keys()];
    if (names.length > 0) {
      const pattern = new RegExp(`^(?:${names.map(escapeRegExp).join('|')})$`);
      app.command(pattern, async (args) => {
        await this.commands.get(args.command.command)?.(args);
      });
    }
    app.action<BlockAction>({ type: 'block_actions' }, async (args) => {
      await runAll(this.listenersOf(args.action.action_id), args);
    });
  }
}

/** Every listener with the same arguments, as Bolt runs the listeners a request matches. */
async function runAll(
  listeners: ActionListener[],
  args: SlackActionMiddlewareArgs<BlockAction> & AllMiddlewareArgs,
): Promise<void> {
  if (listeners.length === 1) return listeners[0]!(args);
  const settled = await Promise.allSettled(listeners.map((listener) => listener(args)));
  const failures = settled.flatMap((result) => (result.status === 'rejected' ? [result.reason] : []));
  if (failures.length === 1) throw failures[0];
  if (failures.length > 1) throw new AggregateError(failures, 'several listeners of one click failed');
}

/** RegExp.test without the state a global or sticky pattern keeps between calls. */
function matches(pattern: RegExp, text: string): boolean {
  pattern.lastIndex = 0;
  return pattern.test(text);
}
