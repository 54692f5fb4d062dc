import { z } from 'zod';
import { type CommandContext, flag, type LabReading } from '../../src/command.js';
import { LabopsError } from '../../src/errors.js';
import { msg, type Text, verbatim } from '../../src/i18n/text.js';
import { textArg } from '../../src/text.js';
import type { View, ViewAction, ViewSection } from '../../src/view.js';

/**
 * `--all` and `--lab a,b` of a read across labs (issue 13 §3). A single `--lab NAME` never reaches
 * the command: src/labs.ts runs the command in that lab.
 */
export const acrossArgs = {
  all: flag(z.boolean().optional(), msg('lab.across.allFlag')),
  lab: flag(textArg().optional(), msg('lab.across.labFlag'), { valueName: 'LAB,LAB' }),
};

/** The labs the arguments choose: every lab, a list, or none (this lab alone). */
export function chooseLabs(args: {
  all?: boolean | undefined;
  lab?: string | undefined;
}): 'all' | string[] | undefined {
  if (args.all && args.lab !== undefined) {
    throw new LabopsError('USAGE', msg('lab.across.allAndList'), {
      hint: msg('lab.across.allAndListHint', {
        all: verbatim('/lab status --all'),
        list: verbatim('/lab status --lab lab1,lab2'),
      }),
    });
  }
  if (args.all) return 'all';
  if (args.lab === undefined) return undefined;
  const names = args.lab.split(',').map((n) => n.trim());
  if (names.some((n) => n === '')) {
    throw new LabopsError('USAGE', msg('lab.across.emptyName', { labs: verbatim(args.lab) }), {
      hint: msg('lab.across.emptyNameHint', { example: verbatim('--lab lab1,lab2') }),
    });
  }
  return names;
}

/** A lab's view as lines of one section: its parts' headings as lines, then their lines. */
function flattenView(view: View): Text[] {
  return view.sections.flatMap((s: ViewSection) => [
    ...(s.heading === undefined ? [] : [msg('lab.across.part', { heading: s.heading })]),
    ...s.lines,
  ]);
}

/** A lab's fix buttons, each naming its lab so a click acts there whatever the channel's lab. */
function pinActions(reading: LabReading): ViewAction[] {
  if (!('view' in reading)) return [];
  return (reading.view.actions ?? []).map((a) => ({
    label: msg('lab.across.action', { lab: reading.lab, label: a.label }),
    command: a.command,
    text: `${a.text} --lab ${reading.lab}`,
  }));
}

/**
 * `sub` (`status`, `doctor`) in each lab chosen, a few labs at once: the count first ("3 labs: 2
 * healthy, 1 with problems"), then a section per lab headed by its name; a lab that failed shows
 * its error, and the others still answer.
 */
export async function readAcrossLabs(
  ctx: CommandContext,
  which: 'all' | string[],
  sub: 'status' | 'doctor',
): Promise<View> {
  const readings = await ctx.labs.readEach(ctx.caller, which, { command: '/lab', text: sub }, ctx.signal);
  const failed = readings.filter((r) => 'error' in r).length;
  const healthy = readings.filter((r) => 'view' in r && r.view.state?.tone === 'ok').length;
  const problems = readings.length - healthy - failed;
  const counts = { count: readings.length, healthy, problems };
  const sections: ViewSection[] = readings.map((r) =>
    'view' in r
      ? {
          heading: r.view.state
            ? msg('lab.across.heading', { lab: r.lab, state: r.view.state.text })
            : verbatim(r.lab),
          lines: flattenView(r.view),
        }
      : {
          heading: msg('lab.across.headingFailed', { lab: r.lab }),
          lines: [r.error.text, ...(r.error.hintText === undefined ? [] : [r.error.hintText])],
        },
  );
  const actions = readings.flatMap(pinActions);
  return {
    title: ctx.lab.simulated
      ? sub === 'status'
        ? msg('lab.across.statusTitleSimulated')
        : msg('lab.across.doctorTitleSimulated')
      : sub === 'status'
        ? msg('lab.across.statusTitle')
        : msg('lab.across.doctorTitle'),
    state: readings.length
      ? {
          text: failed
            ? msg('lab.across.stateFailed', { ...counts, failed })
            : msg('lab.across.state', counts),
          tone: failed ? 'bad' : problems ? 'warn' : 'ok',
        }
      : { text: msg('lab.list.noLab'), tone: 'warn' },
    sections,
    ...(actions.length ? { actions } : {}),
  };
}
