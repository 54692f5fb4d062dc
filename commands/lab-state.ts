import type { LabInfo, ReadOnlyEngine } from '../src/command.js';

/** What both a command and a step can read the lab through. */
export interface LabReader {
  engine: ReadOnlyEngine;
  lab: LabInfo;
  signal?: AbortSignal | undefined;
}

/** The data center's id never changes for an engine: remember it so a status is one round of reads. */
const dataCenterIds = new WeakMap<object, Map<string, string>>();

export async function findDataCenterId(ctx: LabReader): Promise<string> {
  const key = ctx.engine.origin;
  const cache = dataCenterIds.get(ctx.engine) ?? new Map<string, string>();
  dataCenterIds.set(ctx.engine, cache);
  const known = cache.get(`${key} ${ctx.lab.dataCenter}`);
  if (known) return known;
  const dc = await ctx.engine.findDataCenter(ctx.lab.dataCenter, { signal: ctx.signal });
  cache.set(`${key} ${ctx.lab.dataCenter}`, dc.id);
  return dc.id;
}
