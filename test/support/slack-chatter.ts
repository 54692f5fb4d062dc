import { setTimeout as delay } from 'node:timers/promises';
import { z } from 'zod';
import {
  type CommandSpec,
  createPlan,
  defineArgs,
  defineChange,
  defineCommand,
  flag,
  positional,
} from '../../src/command.js';
import { verbatim } from '../../src/i18n/text.js';
import { defineStep, type StepDefinition } from '../../src/jobs/steps.js';

/**
 * A test- and bench-only command whose job is N steps printing lines over time, with an upload-like
 * progress: the shape of design.md's "20-step job lasting about 60 s whose steps print 10,000
 * lines". `change` risk, so the requester confirms it; each job locks its own name.
 */
export const chatterCommand: CommandSpec = defineCommand({
  name: 'chatter',
  summary: verbatim('A job that prints a lot (tests and benchmarks)'),
  subcommands: [
    defineChange({
      name: 'run',
      summary: verbatim('Run N steps printing L lines in all over T ms'),
      usage: 'run NAME [--steps N] [--lines L] [--ms T] [--fail K]',
      examples: ['/chatter run a --steps 20 --lines 10000 --ms 60000'],
      args: defineArgs({
        name: positional(z.string().regex(/^[a-z0-9-]+$/), verbatim('the job name (its lock)')),
        steps: flag(z.number().int().min(1).max(40).optional(), verbatim('steps')),
        lines: flag(z.number().int().min(0).max(100_000).optional(), verbatim('lines in all'), {
          valueName: 'L',
        }),
        ms: flag(z.number().int().min(0).max(600_000).optional(), verbatim('duration in all'), {
          valueName: 'T',
        }),
        fail: flag(z.number().int().min(1).optional(), verbatim('the step (1-based) that fails'), {
          valueName: 'K',
        }),
      }),
      risk: 'change',
      async plan(_ctx, args) {
        const steps = args.steps ?? 3;
        const perStep = Math.floor((args.lines ?? 30) / steps);
        const msPerStep = Math.floor((args.ms ?? 30) / steps);
        return createPlan({
          // A test's own words: shown as they are in every language.
          summary: verbatim(`Chatter ${args.name}: ${steps} steps`),
          risk: 'change',
          impact: [verbatim(`prints ${perStep * steps} lines`)],
          locks: [`chatter:${args.name}`],
          steps: Array.from({ length: steps }, (_, i) => ({
            kind: 'chatter.print',
            title: verbatim(`Print ${perStep} lines (${i + 1})`),
            params: { lines: perStep, ms: msPerStep, fail: args.fail === i + 1, upload: i === 0 },
            shows: [verbatim(`print ${perStep} lines`)],
          })),
        });
      },
    }),
  ],
});

export const chatterSteps: StepDefinition[] = [
  defineStep({
    kind: 'chatter.print',
    params: z.object({ lines: z.number(), ms: z.number(), fail: z.boolean(), upload: z.boolean() }),
    async run(ctx, params) {
      const batches = Math.max(1, Math.min(params.lines, 20));
      for (let b = 0; b < batches; b++) {
        const from = Math.floor((b * params.lines) / batches);
        const to = Math.floor(((b + 1) * params.lines) / batches);
        for (let i = from; i < to; i++) {
          ctx.output(`line ${i + 1} of ${params.lines}: <!channel> & <@U0> ${'x'.repeat(i % 90)}`);
        }
        if (params.upload) ctx.progress((b + 1) / batches, verbatim(`${b + 1}/${batches} parts`));
        await delay(params.ms / batches, undefined, { signal: ctx.signal });
      }
      if (params.fail) throw new Error('the chatter step was told to fail');
      return { status: 'changed' };
    },
  }),
];
