import type { Caller } from './command.js';
import { LabopsError } from './errors.js';
import { instant, list, msg, type Text, verbatim } from './i18n/text.js';
import type { DispatchResult } from './labops.js';
import type { LabDispatchInput } from './labs.js';
import type { JobRecord, StateEntry, Store } from './store/types.js';

/** How long after a job ends its Revert is offered (issue 15 §3). */
export const REVERT_WINDOW_MS = 24 * 60 * 60_000;

/** A job's inverse: the command that undoes it, typed as a person would, and what its card says. */
export interface Inverse {
  /** `/host` */
  command: string;
  /** `activate hyper1` */
  text: string;
  /** Warnings on the revert's card (activating does not bring the migrated VMs back). */
  notes: Text[];
}

/** A name the inverse command can take as one word. */
const WORD = /^[A-Za-z0-9][A-Za-z0-9._+:/@-]*$/;

function readString(params: Record<string, unknown> | undefined, key: string): string | undefined {
  const value = params?.[key];
  return typeof value === 'string' && WORD.test(value) ? value : undefined;
}

function findStep(job: JobRecord, kind: string) {
  return job.steps.find((step) => step.kind === kind)?.params;
}

/**
 * The command that undoes `job`, from what its plan recorded (issue 15 §3), or undefined when its
 * steps have no inverse labops knows:
 * - `/host maintenance H` ↔ `/host activate H` — the VMs that migrated away stay where they are,
 *   and the card says so, naming them (the plan's `vm …` dependencies: those that ran on H);
 * - `/storage detach D` ↔ `/storage attach D --type T --path SERVER:/EXPORT` (the detach step
 *   records the domain's type and export);
 * - `/iso attach VM ISO` ↔ `/iso attach VM PREVIOUS` with the ISO the CD held before (recorded
 *   when the change was planned; `--persist` again when it changed the saved configuration too).
 *   A CD that was empty has no inverse: no command empties a CD.
 */
export function findInverse(job: JobRecord): Inverse | undefined {
  switch (job.command) {
    case 'host maintenance': {
      const host = readString(findStep(job, 'host.deactivate'), 'hostName');
      if (!host) return undefined;
      const vms = Object.keys(job.plan.dependsOn)
        .filter((key) => key.startsWith('vm '))
        .map((key) => key.slice(3));
      return {
        command: '/host',
        text: `activate ${host}`,
        notes: [
          vms.length
            ? msg('revert.note.vmsStay', { host, vms: list(vms.map((vm) => verbatim(vm))) })
            : msg('revert.note.vmsStayNone', { host }),
        ],
      };
    }
    case 'storage detach': {
      const params = findStep(job, 'storage.detach');
      const [domain, type, address] = ['domain', 'type', 'address'].map((key) => readString(params, key));
      const path = params?.path;
      if (!domain || (type !== 'data' && type !== 'iso') || !address) return undefined;
      if (typeof path !== 'string' || !/^\/[A-Za-z0-9._/-]*$/.test(path)) return undefined;
      return {
        command: '/storage',
        text: `attach ${domain} --type ${type} --path ${address}:${path}`,
        notes: [],
      };
    }
    case 'iso attach': {
      const params = findStep(job, 'vm.change-cd');
      const vm = readString(params, 'vm');
      const previous = readString(params, 'previousIso');
      if (!vm || !previous) return undefined;
      const views = Array.isArray(params?.views) ? params.views : [];
      const persist = views.includes('current') && views.includes('saved');
      return { command: '/iso', text: `attach ${vm} ${previous}${persist ? ' --persist' : ''}`, notes: [] };
    }
    default:
      return undefined;
  }
}

/** Until when a Revert is offered for `job`: 24 hours after it succeeded; undefined when never. */
export function findRevertDeadline(job: JobRecord): number | undefined {
  if (job.status !== 'succeeded' || job.finishedAt === undefined || !findInverse(job)) return undefined;
  return job.finishedAt + REVERT_WINDOW_MS;
}

/** What the store keeps under `revert:<jobId>`: the revert asked for, or being asked. */
interface RevertState {
  /** The revert's job once its card was made; undefined while it is being planned. */
  revertJob?: string | undefined;
  by: string;
  at: number;
}

/** How long a claim without a card holds (a plan's deadline is 20 s; a crashed asker's claim expires). */
const CLAIM_MS = 2 * 60_000;

/** Statuses of a revert that no longer stands in the way of another (it did not happen). */
const GIVEN_UP = new Set(['denied', 'expired', 'void', 'failed', 'cancelled', 'interrupted']);

function stateKey(jobId: string): string {
  return `revert:${jobId}`;
}

/** The revert recorded for `jobId` that still stands, if any: its job, or a claim being planned. */
export async function findStandingRevert(
  store: Store,
  jobId: string,
  now: number,
): Promise<{ entry: StateEntry; revert: JobRecord | undefined } | { entry: StateEntry | undefined }> {
  const entry = await store.readState(stateKey(jobId));
  const state = entry?.value as Partial<RevertState> | undefined;
  if (!entry || !state) return { entry };
  if (state.revertJob === undefined) {
    return now - (state.at ?? 0) < CLAIM_MS ? { entry, revert: undefined } : { entry };
  }
  const revert = await store.getJob(state.revertJob);
  return revert && !GIVEN_UP.has(revert.status) ? { entry, revert } : { entry };
}

/** What a revert needs of the bot: its store, and the one pipeline commands go through. */
export interface RevertPort {
  readonly store: Store;
  dispatch(input: LabDispatchInput): Promise<DispatchResult>;
}

/**
 * A click on Revert (Slack's button, the shell's `revert JOB`): a NEW plan of the inverse command,
 * made from the lab as it is now and asked as `caller` through the ordinary pipeline — the inverse
 * command's policy, card, approval and locks. Refused, saying what to run instead, when the job
 * did not succeed, ended more than 24 hours ago, or has no inverse; and while another revert of it
 * stands. Two clicks at once make one card: the store's `revert:<jobId>` is claimed first
 * (compare-and-set), then holds the revert's job. Never throws: as `dispatch`.
 */
export async function requestRevert(
  port: RevertPort,
  request: { jobId: string; caller: Caller; now: number; signal?: AbortSignal | undefined },
): Promise<DispatchResult> {
  try {
    return await requestRevertOrThrow(port, request);
  } catch (thrown) {
    return {
      kind: 'error',
      error:
        thrown instanceof LabopsError
          ? thrown
          : new LabopsError(
              'INTERNAL',
              msg('common.error.unexpected', { message: verbatim(String(thrown)) }),
              {
                cause: thrown,
              },
            ),
    };
  }
}

async function requestRevertOrThrow(
  port: RevertPort,
  request: { jobId: string; caller: Caller; now: number; signal?: AbortSignal | undefined },
): Promise<DispatchResult> {
  const { store } = port;
  const { jobId, caller, now } = request;
  const job = await store.getJob(jobId);
  if (!job) {
    throw new LabopsError('NOT_FOUND', msg('revert.noJob', { job: jobId }), {
      hint: msg('revert.noJobHint', { command: verbatim('/lab jobs') }),
    });
  }
  const typed = verbatim(`/${job.command.split(' ')[0]} ${job.text}`.trim());
  const inverse = findInverse(job);
  const inverseLine = inverse ? verbatim(`${inverse.command} ${inverse.text}`) : undefined;
  if (job.status !== 'succeeded') {
    const status = verbatim('/lab status');
    throw new LabopsError(
      'CONFLICT',
      msg('revert.notSucceeded', { job: job.id, command: typed, status: verbatim(job.status) }),
      {
        hint: inverseLine
          ? msg('revert.notSucceededHint', { status, inverse: inverseLine })
          : msg('revert.notSucceededHintStatus', { status }),
      },
    );
  }
  if (!inverse || !inverseLine) {
    throw new LabopsError('CONFLICT', msg('revert.noInverse', { job: job.id, command: typed }), {
      hint: msg('revert.noInverseHint'),
    });
  }
  const deadline = findRevertDeadline(job);
  if (deadline === undefined || now >= deadline) {
    throw new LabopsError(
      'CONFLICT',
      msg('revert.tooLate', { job: job.id, command: typed, time: instant(job.finishedAt ?? now) }),
      { hint: msg('revert.tooLateHint', { inverse: inverseLine }) },
    );
  }
  const standing = await findStandingRevert(store, job.id, now);
  if ('revert' in standing) {
    if (standing.revert) {
      throw new LabopsError(
        'CONFLICT',
        msg('revert.already', {
          job: job.id,
          revert: standing.revert.id,
          status: verbatim(standing.revert.status),
        }),
        { hint: msg('revert.alreadyHint', { command: verbatim(`/lab jobs`) }) },
      );
    }
    throw new LabopsError('CONFLICT', msg('revert.busy', { job: job.id }), { hint: msg('revert.busyHint') });
  }
  const claim: RevertState = { by: caller.principal, at: now };
  const expect = standing.entry?.version ?? 0;
  if (!(await store.writeState(stateKey(job.id), claim, now, expect))) {
    throw new LabopsError('CONFLICT', msg('revert.busy', { job: job.id }), { hint: msg('revert.busyHint') });
  }
  const claimed = expect + 1;
  let result: DispatchResult;
  try {
    result = await port.dispatch({
      command: inverse.command,
      text: inverse.text,
      caller,
      lab: job.lab,
      signal: request.signal,
      revertOf: {
        jobId: job.id,
        impact: [msg('revert.note.reverts', { job: job.id, command: typed })],
        warnings: inverse.notes,
      },
    });
  } catch (error) {
    await store.deleteState(stateKey(job.id), claimed).catch(() => undefined);
    throw error;
  }
  if (result.kind === 'card') {
    const done: RevertState = { ...claim, revertJob: result.card.job.id };
    await store.writeState(stateKey(job.id), done, now, claimed);
  } else {
    // Refused (policy, a lock, the lab no longer as it was): another click may try again.
    await store.deleteState(stateKey(job.id), claimed).catch(() => undefined);
  }
  return result;
}
