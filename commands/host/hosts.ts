import { z } from 'zod';
import { schemaMessage } from '../../src/args.js';
import type { CommandContext } from '../../src/command.js';
import type { Host, Vm } from '../../src/engine/types.js';
import { LabopsError } from '../../src/errors.js';
import { list, type Message, msg, verbatim } from '../../src/i18n/text.js';
import type { StepContext } from '../../src/jobs/steps.js';
import { textArg } from '../../src/text.js';

export const hostArg = textArg()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, schemaMessage(msg('host.arg.hostForm')));

export function isRunning(vm: Vm): boolean {
  return vm.status !== 'down' && vm.hostId !== undefined;
}

export async function findHostOrExplain(ctx: CommandContext, name: string): Promise<Host> {
  try {
    return await ctx.engine.findHost(name);
  } catch (error) {
    if (error instanceof LabopsError && error.code === 'NOT_FOUND') {
      const known = (await ctx.engine.listHosts()).map((h) => h.name);
      throw new LabopsError('NOT_FOUND', msg('host.error.notFound', { host: name }), {
        hint: known.length
          ? msg('host.error.notFoundHint', { hosts: list(known) })
          : msg('host.error.noHostsHint', { command: verbatim('/host add NAME ADDRESS') }),
      });
    }
    throw error;
  }
}

export async function verifyHostUp(ctx: StepContext, name: string): Promise<Message> {
  const host = await ctx.engine.findHost(name);
  if (host.status !== 'up') {
    throw new LabopsError('CONFLICT', msg('host.verify.notUp', { host: name, status: host.status }));
  }
  return msg('host.verify.up', { host: name });
}

/** Steps name hosts, not ids: an approved plan may run after a restart or a re-add (ids change). */
export const HostStepParams = z.object({ hostName: z.string(), reason: z.string().optional() });
