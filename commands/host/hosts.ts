import { z } from 'zod';
import type { CommandContext } from '../../src/command.js';
import type { Host, Vm } from '../../src/engine/types.js';
import { LabopsError } from '../../src/errors.js';
import type { StepContext } from '../../src/jobs/steps.js';
import { textArg } from '../../src/text.js';

export const hostArg = textArg()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'must be a host name such as hyper1');

export function isRunning(vm: Vm): boolean {
  return vm.status !== 'down' && vm.hostId !== undefined;
}

export async function findHostOrExplain(ctx: CommandContext, name: string): Promise<Host> {
  try {
    return await ctx.engine.findHost(name);
  } catch (error) {
    if (error instanceof LabopsError && error.code === 'NOT_FOUND') {
      const known = (await ctx.engine.listHosts()).map((h) => h.name);
      throw new LabopsError('NOT_FOUND', `There is no host "${name}" in the engine.`, {
        hint: known.length
          ? `Hosts: ${known.join(', ')}.`
          : 'The engine has no hosts yet: /host add NAME ADDRESS.',
      });
    }
    throw error;
  }
}

export async function verifyHostUp(ctx: StepContext, name: string): Promise<string> {
  const host = await ctx.engine.findHost(name);
  if (host.status !== 'up') throw new LabopsError('CONFLICT', `${name} is ${host.status}, not up.`);
  return `${name} is up`;
}

/** Steps name hosts, not ids: an approved plan may run after a restart or a re-add (ids change). */
export const HostStepParams = z.object({ hostName: z.string(), reason: z.string().optional() });
