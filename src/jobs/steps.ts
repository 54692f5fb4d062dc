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
  /** The other labs of the bot, for the steps of a plan across labs (src/jobs/across.ts). */
  across?: AcrossPort | undefined;
}

/**
 * `ok`: nothing needed doing; `changed`: the step changed the lab (Ansible's convention);
 * `skipped`: the step left its work out and changed nothing (a lab whose plan changed before a
 * reset across labs ran, issue 13 §3) — `detail` says why.
 */
export interface StepOutcome {
  status: 'ok' | 'changed' | 'skipped';
  detail?: Text | undefined;
}

/** One lab's part of a plan across labs, as its card showed it. */
export interface AcrossPart {
  lab: string;
  /** The command's text in that lab (`reset --keep-vms`). */
  text: string;
  /** The fingerprint of that lab's plan on the card. */
  fingerprint: string;
  /** That plan's state in words, to show what changed. */
  dependsOn: Record<string, string>;
}

/**
 * What the steps of a plan across labs reach (src/labs-across.ts): each lab's part is a job of
 * that lab, approved through this job's card, run by that lab's executor.
 */
export interface AcrossPort {
  /**
   * Plans each lab again and takes the locks of those whose plan held, all at once: their parts
   * are queued jobs of their labs. Answers each lab's fate in words (`output`); throws when no lab
   * is left to run.
   */
  claim(
    jobId: string,
    parts: readonly AcrossPart[],
    io: Pick<StepContext, 'signal' | 'output'>,
  ): Promise<StepOutcome>;
  /** Runs one lab's claimed part to its end, its steps as this step's progress. */
  run(
    jobId: string,
    lab: string,
    io: Pick<StepContext, 'signal' | 'output' | 'progress'>,
  ): Promise<StepOutcome>;
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
