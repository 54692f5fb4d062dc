import { canAsk, describeRisk, type Policy } from '../approvals/policy.js';
import { formatFlag, formatPositionalName } from './args.js';
import type { Caller, CommandRegistry, CommandSpec, Plan, Subcommand } from './command.js';
import { type Message, msg, verbatim } from './i18n/text.js';
import type { View } from './view.js';

/**
 * The help views, written once for every adapter: the list of commands, one sub-command's usage
 * (with `help` after it, `--help`, or in the hint of a usage error), and a dry run's plan. Every
 * text is in the catalog (issue 16): `/lab help` answers in the caller's language. Usage lines and
 * examples are what one types, shown as they are.
 */

/** `help`, `--help` and `-h` anywhere after a sub-command show its usage instead of running it. */
export function isHelpWord(token: string): boolean {
  return token === 'help' || token === '--help' || token === '-h';
}

/** `/lab help` lists every command; `/host help` one. Only what the caller may ask for is listed. */
export function renderHelp(
  registry: CommandRegistry,
  policy: Policy,
  command: CommandSpec,
  caller: Caller,
): View {
  const commands = command.name === 'lab' ? registry.commands : [command];
  const sections = commands.map((c) => ({
    heading: msg('pipeline.help.entry', { name: verbatim(`/${c.name}`), summary: c.summary }),
    lines: c.subcommands
      .filter((s) => canAsk(policy, `${c.name} ${s.name}`, caller.principal, caller.groups, caller.channel))
      .map((s) =>
        msg('pipeline.help.entry', { name: verbatim(`/${c.name} ${s.usage}`), summary: s.summary }),
      ),
  }));
  return {
    title: command.name === 'lab' ? msg('pipeline.help.title') : verbatim(`/${command.name}`),
    sections: sections.filter((s) => s.lines.length > 0),
    footer: msg('pipeline.help.footer', {
      example: verbatim(`/${command.name} ${command.subcommands[0]?.name ?? ''} help`),
    }),
  };
}

/** The hint of a usage error: the usage line and the examples. */
export function usageHint(command: CommandSpec, sub: Subcommand): Message {
  return msg('pipeline.usage.hint', {
    usage: verbatim(`/${command.name} ${sub.usage}`),
    examples: verbatim(sub.examples.join('  ·  ')),
  });
}

/**
 * One sub-command's usage: each argument and flag with its description (a flag with its alias and
 * the name of its value: `-r, --reason TEXT`), and the examples.
 */
export function renderUsage(command: CommandSpec, sub: Subcommand): View {
  const { positionals, flags } = sub.args.spec;
  const lines = [
    ...positionals.map((p) =>
      msg(p.required ? 'pipeline.usage.argument' : 'pipeline.usage.optionalArgument', {
        name: verbatim(formatPositionalName(p.name)),
        description: p.description,
      }),
    ),
    ...Object.entries(flags).map(([name, f]) =>
      msg('pipeline.usage.argument', {
        name: verbatim(formatFlag(name, f, true)),
        description: f.description,
      }),
    ),
  ];
  return {
    title: verbatim(`/${command.name} ${sub.usage}`),
    state: {
      text: msg('pipeline.usage.summary', { summary: sub.summary, risk: describeRisk(sub.risk) }),
      tone: 'info',
    },
    sections: [
      ...(lines.length ? [{ heading: msg('pipeline.usage.arguments'), lines }] : []),
      { heading: msg('pipeline.usage.examples'), lines: sub.examples.map((example) => verbatim(example)) },
    ],
  };
}

/** A dry run's answer: the whole plan, as the card would show it, and nothing asked. */
export function renderPlanPreview(plan: Plan, risk: Plan['risk']): View {
  const sections = [
    { heading: msg('pipeline.preview.impact'), lines: plan.impact },
    ...(plan.blockers.length ? [{ heading: msg('pipeline.preview.blocks'), lines: plan.blockers }] : []),
    ...(plan.warnings.length ? [{ heading: msg('pipeline.preview.warnings'), lines: plan.warnings }] : []),
    {
      heading: msg('pipeline.preview.steps'),
      lines: plan.steps.map((s, i) => msg('pipeline.preview.step', { n: i + 1, title: s.title })),
    },
  ];
  return {
    title: msg('pipeline.preview.title', { summary: plan.summary }),
    state: { text: msg('pipeline.preview.state', { risk: describeRisk(risk) }), tone: 'info' },
    sections,
    footer: msg('pipeline.preview.footer'),
  };
}
