import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createRegistry } from '../commands/index.js';
import {
  type Args,
  CommandRegistry,
  type CommandSpec,
  defineArgs,
  defineCommand,
  defineRead,
  flag,
  positional,
  type Subcommand,
} from '../src/command.js';
import { LabopsError } from '../src/errors.js';
import { verbatim } from '../src/i18n/text.js';

function catchError(run: () => unknown): LabopsError {
  try {
    run();
  } catch (error) {
    if (error instanceof LabopsError) return error;
    throw error;
  }
  throw new Error('expected a LabopsError');
}

function showWith<S extends z.ZodType>(args: Args<S>, usage = 'show HOST [--reason TEXT]'): Subcommand {
  return defineRead({
    name: 'show',
    summary: verbatim('Shows a host'),
    usage,
    examples: ['/probe show hyper1'],
    args,
    risk: 'read',
    run: async () => ({ title: verbatim('shown'), sections: [] }),
  });
}

const declared = defineArgs({
  host: positional(z.string(), verbatim('the host')),
  reason: flag(z.string().optional(), verbatim('why')),
});

/** As a command written before defineArgs would pair them: the schema forgot --reason. */
const forgotReason: Args = {
  spec: {
    positionals: [{ name: 'host', required: true, description: verbatim('the host') }],
    flags: { reason: { type: 'string', required: false, description: verbatim('why') } },
  },
  schema: z.object({ host: z.string() }),
};

describe('registering a command', () => {
  it('accepts arguments declared once', () => {
    const command = defineCommand({
      name: 'probe',
      summary: verbatim('tests'),
      subcommands: [showWith(declared)],
    });
    expect(new CommandRegistry([command]).keys()).toEqual(['probe show']);
  });

  it('fails at start-up, naming the sub-command, when a flag has no key in the schema', () => {
    const error = catchError(() =>
      defineCommand({ name: 'probe', summary: verbatim('tests'), subcommands: [showWith(forgotReason)] }),
    );
    expect(error.code).toBe('INTERNAL');
    expect(error.message).toBe(
      'The arguments of /probe show do not work: --reason has no key "reason" in the schema, so zod would drop it.',
    );
  });

  it('fails in the registry too, for a command not made by defineCommand', () => {
    const command: CommandSpec = {
      name: 'probe',
      summary: verbatim('tests'),
      subcommands: [showWith(forgotReason)],
    };
    const error = catchError(() => new CommandRegistry([command]));
    expect(error.code).toBe('INTERNAL');
    expect(error.message).toContain('/probe show');
  });

  it('fails when the usage line does not read as the arguments do', () => {
    const error = catchError(() =>
      defineCommand({
        name: 'probe',
        summary: verbatim('tests'),
        subcommands: [showWith(declared, 'show HOST [--why TEXT]')],
      }),
    );
    expect(error.code).toBe('INTERNAL');
    expect(error.message).toBe(
      'The usage of /probe show says "show HOST [--why TEXT]", its arguments read "show HOST [--reason TEXT]".',
    );
  });

  it('fails on a sub-command declared twice', () => {
    const error = catchError(() =>
      defineCommand({
        name: 'probe',
        summary: verbatim('tests'),
        subcommands: [showWith(declared), showWith(declared)],
      }),
    );
    expect(error.code).toBe('INTERNAL');
    expect(error.message).toContain('declares show twice');
  });

  it('passes for every command labops ships', () => {
    const registry = createRegistry();
    expect(registry.keys().length).toBeGreaterThan(20);
    for (const command of registry.commands) {
      for (const sub of command.subcommands) {
        const shape = (sub.args.schema as z.ZodObject).shape;
        const keys = [
          ...sub.args.spec.positionals.map((p) => p.name),
          ...Object.keys(sub.args.spec.flags).map((f) =>
            f.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase()),
          ),
        ];
        expect(Object.keys(shape).sort(), `/${command.name} ${sub.name}`).toEqual(keys.sort());
      }
    }
  });
});
