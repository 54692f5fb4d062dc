import type { LabInfo, ReadOnlyEngine } from '../src/command.js';

/** What both a command and a step can read the lab through. */
export interface LabReader {
  /** Bound to the command's or the step's signal. */
  engine: ReadOnlyEngine;
  lab: LabInfo;
}

/** The lab's data center id; the engine client reads it once (a status is one round of reads). */
export function findDataCenterId(ctx: LabReader): Promise<string> {
  return ctx.engine.findDataCenterId(ctx.lab.dataCenter);
}
