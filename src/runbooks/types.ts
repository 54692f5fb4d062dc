/**
 * The contract between jobs and the machines (design.md "Runbooks"): a typed, idempotent runbook
 * step is applied on a named machine by a driver — over SSH in a real lab, on the simulated
 * machine with the simulator. The runbook issue fills in the step and check types.
 */

/** A typed runbook step (ensure a directory, a line, a service, ...). */
export type RunbookStep = { type: string } & Record<string, unknown>;

/** A read-only check `/lab doctor` runs. */
export type RunbookCheck = { type: string } & Record<string, unknown>;

export interface CheckResult {
  ok: boolean;
  /** What was seen, in words: the evidence of a finding. */
  evidence: string[];
}

export interface MachineIO {
  signal: AbortSignal;
  output(line: string): void;
}

export interface MachineDriver {
  /** Checks first and applies only what is needed; `ok` means nothing had to change. */
  apply(
    machine: string,
    step: RunbookStep,
    io: MachineIO,
  ): Promise<{ status: 'ok' | 'changed'; detail?: string }>;
  inspect(machine: string, check: RunbookCheck, io: MachineIO): Promise<CheckResult>;
  close(): Promise<void>;
}

/** A driver for a lab whose machines labops cannot reach: every use says so. */
export function createUnreachableMachines(reason: string): MachineDriver {
  const refuse = async (): Promise<never> => {
    const { LabopsError } = await import('../errors.js');
    throw new LabopsError('SSH_FAILED', `The lab's machines are not reachable: ${reason}`);
  };
  return { apply: refuse, inspect: refuse, close: async () => undefined };
}
