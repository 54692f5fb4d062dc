import { canAsk, type Policy } from '../approvals/policy.js';
import { formatFlag, formatPositionalName } from './args.js';
import type { Caller, CommandRegistry, CommandSpec, Plan, Subcommand } from './command.js';
import type { View } from './view.js';

/**
 * The help views, written once for every adapter: the list of commands, one sub-command's usage
 * (with `help` after it, `--help`, or in the hint of a usage error), and a dry run's plan.
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
    heading: `/${c.name} — ${c.summary}`,
    lines: c.subcommands
      .filter((s) => canAsk(policy, `${c.name} ${s.name}`, caller.principal, caller.groups, caller.channel))
      .map((s) => `/${c.name} ${s.usage} — ${s.summary}`),
  }));
  return {
    title: command.name === 'lab' ? 'labops commands' : `/${command.name}`,
    sections: sections.filter((s) => s.lines.length > 0),
    footer: `Add help after a sub-command for its options and examples: /${command.name} ${command.subcommands[0]?.name ?? ''} help`,
  };
}

/** The hint of a usage error: the usage line and the examples. */
export function usageHint(command: CommandSpec, sub: Subcommand): string {
  return `Usage: /${command.name} ${sub.usage}\nExamples: ${sub.examples.join('  ·  ')}`;
}

/**
 * One sub-command's usage: each argument and flag with its description (a flag with its alias and
 * the name of its value: `-r, --reason TEXT`), and the examples.
 */
export function renderUsage(command: CommandSpec, sub: Subcommand): View {
  const { positionals, flags } = sub.args.spec;
  const lines = [
    ...positionals.map(
      (p) => `${formatPositionalName(p.name)}${p.required ? '' : ' (optional)'} — ${p.description}`,
    ),
    ...Object.entries(flags).map(([name, f]) => `${formatFlag(name, f, true)} — ${f.description}`),
  ];
  return {
    title: `/${command.name} ${sub.usage}`,
    state: { text: `${sub.summary} (risk: ${sub.risk})`, tone: 'info' },
    sections: [
      ...(lines.length ? [{ heading: 'Arguments', lines }] : []),
      { heading: 'Examples', lines: sub.examples },
    ],
  };
}

/** A dry run's answer: the whole plan, as the card would show it, and nothing asked. */
export function renderPlanPreview(plan: Plan, risk: Plan['risk']): View {
  const sections = [
    { heading: 'Impact', lines: plan.impact },
    ...(plan.blockers.length ? [{ heading: 'Blocks', lines: plan.blockers }] : []),
    ...(plan.warnings.length ? [{ heading: 'Warnings', lines: plan.warnings }] : []),
    { heading: 'Steps', lines: plan.steps.map((s, i) => `${i + 1}. ${s.title}`) },
  ];
  return {
    title: `Dry run: ${plan.summary}`,
    state: { text: `${risk} — nothing was asked, locked or changed`, tone: 'info' },
    sections,
    footer: 'Run it again without --dry-run to ask for approval.',
  };
}
