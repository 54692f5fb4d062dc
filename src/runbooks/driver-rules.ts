import { LabopsError } from '../errors.js';
import type { ApplyResult, HostKeyState, RunbookStep } from './types.js';

/**
 * What every driver decides after a step's check and before changing anything, so the simulated
 * and the real machines answer alike: a clean never removes an entry the plan did not show, a
 * satisfied step is `ok`, and a mount is only ever checked, never made. Answers the result when
 * nothing must change, `undefined` when the step must be applied.
 */
export function decideBeforeApply(
  machine: string,
  step: RunbookStep,
  before: { satisfied: boolean; evidence: string[]; found?: string[] | undefined },
): ApplyResult | undefined {
  if (step.type === 'empty-dir') {
    const unplanned = (before.found ?? []).filter((entry) => !step.entries.includes(entry));
    if (unplanned.length > 0) {
      throw new LabopsError(
        'CONFLICT',
        `${step.path} on ${machine} holds entries the plan did not show: ${unplanned.join(', ')}. Nothing was removed.`,
        { hint: 'Plan the clean again so that approvers see every path it removes.' },
      );
    }
  }
  if (before.satisfied) return { status: 'ok', detail: before.evidence.join('; ') };
  if (step.type === 'check-mount') {
    throw new LabopsError('CONFLICT', `${machine}: ${before.evidence.join('; ')}.`, {
      hint: 'Mount the export’s disk first (lab-guide.md, storage server step 5: /etc/fstab and mount -a).',
    });
  }
  return undefined;
}

/**
 * `/host trust`'s last word, the same for every driver: pins the approved fingerprint, refusing
 * when the machine presents another key now (it changed after the approval).
 */
export async function trustApprovedKey(
  machine: string,
  fingerprint: string,
  read: () => Promise<HostKeyState>,
  pin: () => Promise<unknown> | undefined,
): Promise<'ok' | 'changed'> {
  const state = await read();
  if (state.presented !== fingerprint) {
    throw new LabopsError(
      'SSH_FAILED',
      `${machine} now presents ${state.presented}, not the approved ${fingerprint}.`,
      {
        hint: 'The key changed after the approval: run /host trust again and compare the new fingerprint on the host.',
      },
    );
  }
  if (state.pinned === fingerprint) return 'ok';
  await pin();
  return 'changed';
}
