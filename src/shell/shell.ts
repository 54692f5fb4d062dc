import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import type { Caller } from '../command.js';
import { LabopsError } from '../errors.js';
import type { MessageKey } from '../i18n/catalog/index.js';
import type { Locale } from '../i18n/locale.js';
import { renderText } from '../i18n/render.js';
import { list, msg, type Text, verbatim } from '../i18n/text.js';
import type { LabEvent } from '../jobs/events.js';
import type { DispatchResult } from '../labops.js';
import type { Labs } from '../labs.js';
import { requestRevert } from '../revert.js';
import type { Clock } from '../time.js';
import { localizeView } from '../view.js';
import {
  colourStyle,
  plainStyle,
  renderCard,
  renderClick,
  renderError,
  renderEvent,
  renderProgressBar,
  renderView,
  type Style,
  type Voice,
} from './render.js';
import { renderAlerts } from './render-alerts.js';
import { renderScheduleNotice } from './render-schedule.js';

export interface ShellOptions {
  /** The bot's labs; with several, `use NAME` chooses the one commands go to (issue 13 §2). */
  labs: Labs;
  input: Readable;
  output: Writable;
  /** A terminal: prompt, colours and live progress bars. Otherwise the lines run as a script. */
  interactive: boolean;
  clock: Clock;
  /** The first user; `operator` as design.md says. */
  user?: string | undefined;
  /** Lines shown at start (the simulated lab's banner), already in the shell's language (main.ts). */
  banner?: string | undefined;
  /** The language the shell speaks (`--lang`, else `LANG`, else the lab's; issue 16 §2). */
  locale?: Locale | undefined;
}

/** The shell's own commands as one types them, and what each does. */
const SHELL_HELP: readonly [string, Extract<MessageKey, `shell.help.${string}`>][] = [
  ['/lab …, /host …', 'shell.help.slash'],
  ['as NAME', 'shell.help.as'],
  ['use LAB', 'shell.help.use'],
  ['approve [ID]', 'shell.help.approve'],
  ['deny [ID]', 'shell.help.deny'],
  ['revert JOB', 'shell.help.revert'],
  ['jobs', 'shell.help.jobs'],
  ['help', 'shell.help.help'],
  ['quit', 'shell.help.quit'],
];

/** The shell's help, in its language: the commands stay as typed. */
export function renderShellHelp(voice: Voice): string {
  const say = (text: Text) => renderText(voice.locale, text, { timeZone: voice.timeZone });
  return [
    say(msg('shell.help.title')),
    ...SHELL_HELP.map(([typed, key]) => `  ${typed.padEnd(20)}${say(msg(key))}`),
  ].join('\n');
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$/;

/**
 * The terminal adapter (design.md "The shell"): a chat in the terminal with the same commands,
 * approvals and progress as Slack. When input is not a terminal each line waits until what it
 * started has settled, and the exit status says whether every job succeeded and every line was
 * understood — so a transcript is a test and a demo. Answers the exit status.
 */
export async function runShell(options: ShellOptions): Promise<number> {
  const { labs, output, interactive, clock } = options;
  /** The lab commands go to when they name none: the only one, else the one chosen with `use`. */
  let current: string | undefined = labs.many ? undefined : labs.first.lab.name;
  const home = labs.first.lab;
  // Every line in one language: --lang, else LANG, else the lab's (issue 16 §2); times in the lab's zone.
  const voice: Voice = { locale: options.locale ?? home.locale, timeZone: home.timeZone };
  const say = (text: Text) => renderText(voice.locale, text, { timeZone: voice.timeZone });
  const style: Style = interactive ? colourStyle : plainStyle;
  let user = options.user ?? 'operator';
  let failures = 0;
  let barShown = false;
  /** The prompt is on screen and waits for input: output from a running job goes above it. */
  let promptShown = false;
  /** A line is being handled; its own output comes before the next prompt. */
  let handling = false;
  let lastPipeProgress = new Map<string, number>();

  const write = (text: string) => {
    if (barShown || promptShown) output.write('\r\x1b[K');
    barShown = false;
    output.write(`${text}\n`);
    if (promptShown) output.write(prompt());
  };
  const showPrompt = () => {
    if (!interactive) return;
    output.write(prompt());
    promptShown = true;
  };
  /** Each lab's part of a job across labs: its progress is shown as a line of that job's. */
  const parts = new Set<string>();
  const isPart = (event: LabEvent): boolean => {
    if (event.type === 'job:started' && event.job.args.parent !== undefined) parts.add(event.job.id);
    const jobId = 'jobId' in event ? event.jobId : 'job' in event ? event.job.id : undefined;
    if (jobId === undefined) return false;
    if (event.type === 'job:finished' && parts.has(jobId)) {
      parts.delete(jobId);
      return true;
    }
    return parts.has(jobId);
  };
  const onEvent = (event: LabEvent) => {
    if (isPart(event)) return;
    if (event.type === 'watch:alerts' || event.type === 'watch:job-alerts') {
      const text = renderAlerts(event, style, voice);
      if (text) write(text);
      return;
    }
    if (event.type === 'schedule:notice') {
      write(renderScheduleNotice(event, clock(), style, voice, labs.many ? event.lab : undefined));
      return;
    }
    if (event.type === 'step:progress') {
      if (interactive) {
        output.write(`\r\x1b[K      ${renderProgressBar(event.fraction, say(event.progressText))}`);
        barShown = true;
        promptShown = false;
      } else {
        // A pipe gets a plain line at each quarter, not a redraw.
        const key = `${event.jobId}:${event.index}`;
        const quarter = Math.floor(event.fraction * 4);
        if (quarter > (lastPipeProgress.get(key) ?? -1)) {
          lastPipeProgress.set(key, quarter);
          write(`      ${Math.round(event.fraction * 100)}% ${say(event.progressText)}`);
        }
      }
      return;
    }
    const text = renderEvent(event, style, voice);
    if (text !== undefined) write(text);
    // A job that ends while the person waits at the prompt gives the prompt back.
    if (event.type === 'job:finished' && !handling && !promptShown) showPrompt();
  };
  const unsubscribe = labs.bus.subscribe(onEvent);
  const caller = (): Caller => ({
    principal: `shell:${user}`,
    channel: 'shell',
    groups: [],
    locale: voice.locale,
  });
  const prompt = () =>
    interactive ? `${style.dim(`shell:${user}${labs.many && current ? `@${current}` : ''}`)}> ` : '';

  if (options.banner) write(options.banner);
  if (interactive) write(say(msg('shell.start.hint')));
  // A script reads what jobs interrupted by the last stop changed before its first line.
  else await labs.whenReviewed();

  const waitForJob = async (jobId: string) => {
    const outcome = await labs.whenFinished(jobId);
    if (outcome && outcome.status !== 'succeeded') failures++;
  };

  const dispatch = async (command: string, text: string) => {
    show(await labs.dispatch({ command, text, caller: caller(), lab: current }));
  };

  /** A command's answer: a view, a card, or an error (a usage error or a bug counts as a failure). */
  const show = (result: DispatchResult) => {
    if (result.kind === 'view')
      write(renderView(localizeView(result.view, voice.locale, { timeZone: voice.timeZone }), style));
    else if (result.kind === 'card') {
      const { card } = result;
      write(
        renderCard(card, clock(), style, voice, labs.many && !card.plan.across ? card.job.lab : undefined),
      );
    } else {
      write(renderError(result.error, style, voice));
      if (result.error.code === 'USAGE' || result.error.code === 'INTERNAL') failures++;
    }
  };

  const handle = async (raw: string): Promise<'quit' | undefined> => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return undefined;
    const [word = '', ...rest] = line.split(/\s+/);
    const argument = rest.join(' ');
    switch (word.toLowerCase()) {
      case 'quit':
      case 'exit':
        return 'quit';
      case 'help':
        write(renderShellHelp(voice));
        await dispatch('/lab', 'help');
        return undefined;
      case 'jobs':
        await dispatch('/lab', 'jobs');
        return undefined;
      case 'as':
        if (!NAME.test(argument)) {
          write(renderError(new LabopsError('USAGE', msg('shell.as.usage')), style, voice));
          failures++;
        } else {
          user = argument;
          write(style.dim(say(msg('shell.as.now', { principal: `shell:${user}` }))));
        }
        return undefined;
      case 'use': {
        if (argument === '') {
          write(
            say(
              msg('shell.use.labs', {
                current: current ?? '—',
                labs: list(labs.names.map((n) => verbatim(n))),
              }),
            ),
          );
          return undefined;
        }
        if (!labs.get(argument)) {
          write(
            renderError(
              new LabopsError('USAGE', msg('pipeline.lab.unknown', { lab: verbatim(argument) }), {
                hint: msg('shell.use.hint', { labs: list(labs.names.map((n) => verbatim(n))) }),
              }),
              style,
              voice,
            ),
          );
          failures++;
          return undefined;
        }
        current = argument;
        write(style.dim(say(msg('shell.use.now', { lab: argument }))));
        return undefined;
      }
      case 'approve':
      case 'deny': {
        if (rest.length > 1) {
          const click = word.toLowerCase();
          write(renderError(new LabopsError('USAGE', msg('shell.click.usage', { click })), style, voice));
          failures++;
          return undefined;
        }
        const result = await labs.click(
          rest[0],
          caller(),
          word.toLowerCase() === 'approve' ? 'approve' : 'deny',
          current,
        );
        write(renderClick(result, style, voice));
        if (result.outcome === 'approved') {
          // A script waits for the job (each line settles); a person gets the prompt back at once.
          const settled = waitForJob(result.job.id);
          if (!interactive) await settled;
        }
        return undefined;
      }
      case 'revert': {
        if (rest.length !== 1) {
          write(renderError(new LabopsError('USAGE', msg('revert.shell.usage')), style, voice));
          failures++;
          return undefined;
        }
        // A new plan of the job's inverse command, asked as the current user (issue 15 §3).
        const result = await requestRevert(labs, { jobId: rest[0]!, caller: caller(), now: clock() });
        show(result);
        return undefined;
      }
      default:
        if (word.startsWith('/')) {
          await dispatch(word, argument);
          return undefined;
        }
        write(
          renderError(
            new LabopsError('USAGE', msg('shell.notUnderstood', { word }), {
              hint: msg('shell.notUnderstoodHint'),
            }),
            style,
            voice,
          ),
        );
        failures++;
        return undefined;
    }
  };

  const rl = createInterface({ input: options.input, terminal: false, crlfDelay: Number.POSITIVE_INFINITY });
  try {
    showPrompt();
    for await (const line of rl) {
      promptShown = false;
      handling = true;
      let verdict: 'quit' | undefined;
      try {
        verdict = await handle(line);
      } catch (error) {
        write(
          renderError(
            error instanceof LabopsError
              ? error
              : new LabopsError(
                  'INTERNAL',
                  msg('common.error.unexpected', { message: verbatim(String(error)) }),
                ),
            style,
            voice,
          ),
        );
        failures++;
      }
      handling = false;
      if (verdict === 'quit') break;
      showPrompt();
    }
  } finally {
    rl.close();
    unsubscribe();
    lastPipeProgress = new Map();
  }
  return failures === 0 ? 0 : 1;
}
