import type { z } from 'zod';
import type { LabInfo } from '../command.js';
import type { DownloadPort } from '../downloads.js';
import type { EngineClient } from '../engine/engine-client.js';
import { LabopsError } from '../errors.js';
import { msg, type Text, verbatim } from '../i18n/text.js';
import type { MachineDriver } from '../runbooks/types.js';
import type { Clock } from '../time.js';

/** What a running step may touch. */
export interface StepContext {
  jobId: string;
  /** Tags every request with the job's id; bound to `signal`, so a call passes none (`withSignal`). */
  engine: EngineClient;
  /** The machines of the lab, for runbook steps (SSH, or the simulated machines). */
  machines: MachineDriver;
  downloads: DownloadPort;
  lab: LabInfo;
  clock: Clock;
  /** Aborts on cancel and on the step's timeout. */
  signal: AbortSignal;
  /**
   * A line of the step's tail: remote output and the engine's words as they are (a string), or a
   * line labops writes (`hyper1: preparing_for_maintenance, 1 VM(s) migrating`) as a catalog text,
   * shown in each reader's language and kept in English in the step's log.
   */
  output(line: string | Text): void;
  /** Progress of a long step (an upload): 0..1 and a short text, in the catalog (issue 16). */
  progress(fraction: number, text: Text): void;
}

/** `ok`: nothing needed doing; `changed`: the step changed the lab (Ansible's convention). */
export interface StepOutcome {
  status: 'ok' | 'changed';
  detail?: Text | undefined;
}

/** A kind of step: its parameters, how it runs, and how its end state is checked afterwards. */
export interface StepDefinition<S extends z.ZodType = z.ZodType> {
  kind: string;
  params: S;
  run(ctx: StepContext, params: z.output<S>): Promise<StepOutcome>;
  /** Checks the intended end state after `run` and answers it in words; throws when it does not hold. */
  verify?(ctx: StepContext, params: z.output<S>): Promise<Text>;
}

export function defineStep<S extends z.ZodType>(definition: StepDefinition<S>): StepDefinition {
  return definition as unknown as StepDefinition;
}

export class StepRegistry {
  private readonly byKind = new Map<string, StepDefinition>();

  constructor(definitions: readonly StepDefinition[] = []) {
    for (const d of definitions) this.register(d);
  }

  register(definition: StepDefinition): void {
    if (this.byKind.has(definition.kind)) throw new Error(`step kind ${definition.kind} registered twice`);
    this.byKind.set(definition.kind, definition);
  }

  get(kind: string): StepDefinition {
    const found = this.byKind.get(kind);
    if (!found) throw new LabopsError('INTERNAL', msg('jobs.bug.noStep', { kind: verbatim(kind) }));
    return found;
  }
}
