import { posix } from 'node:path';
import { LabopsError } from '../errors.js';
import { msg, type Text, verbatim } from '../i18n/text.js';
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
        msg('ssh.driver.unplannedEntries', {
          path: step.path,
          machine,
          entries: verbatim(unplanned.join(', ')),
        }),
        { hint: msg('ssh.driver.unplannedEntriesHint') },
      );
    }
  }
  if (before.satisfied) return { status: 'ok', detail: verbatim(before.evidence.join('; ')) };
  if (step.type === 'check-mount') {
    throw new LabopsError(
      'CONFLICT',
      msg('ssh.driver.machineSaid', { machine, evidence: verbatim(before.evidence.join('; ')) }),
      { hint: msg('ssh.driver.notMountedHint') },
    );
  }
  return undefined;
}

/** What a step that changed the lab says: the entries a clean removed, else what its check printed after. */
export function describeChange(step: RunbookStep, evidence: readonly string[]): Text {
  return step.type === 'empty-dir'
    ? msg('ssh.driver.removed', {
        paths: verbatim(step.entries.map((entry) => posix.join(step.path, entry)).join(', ')),
      })
    : verbatim(evidence.join('; '));
}

/** How a remote command ended: `exit 2`, `signal KILL`. */
export function describeEnd(result: { exitCode: number | null; signal?: string | null | undefined }): Text {
  return verbatim(result.signal ? `signal ${result.signal}` : `exit ${result.exitCode}`);
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
      msg('ssh.driver.keyChanged', { machine, presented: state.presented, approved: fingerprint }),
      { hint: msg('ssh.driver.keyChangedHint') },
    );
  }
  if (state.pinned === fingerprint) return 'ok';
  await pin();
  return 'changed';
}
