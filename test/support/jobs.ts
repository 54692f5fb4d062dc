/**
 * Jobs made for a test through the store's own lifecycle (issue 11 §1): proposed with an approval
 * card and their locks, then — for a queued job — confirmed by their requester, as a change is.
 * No test writes a job's state by hand.
 */
import { verbatim } from '../../src/i18n/text.js';
import { DEFAULT_LAB_NAME } from '../../src/lab-info.js';
import { createPlan } from '../../src/plan.js';
import type { Risk } from '../../src/risk.js';
import type { ApprovalRecord, JobRecord, StepSpec, Store } from '../../src/store/types.js';

export interface TestJobSpec {
  id: string;
  steps: StepSpec[];
  locks?: readonly string[] | undefined;
  /** `lab test` unless named. */
  command?: string | undefined;
  text?: string | undefined;
  requester?: string | undefined;
  channel?: string | undefined;
  /** `change` unless named: the requester may confirm it. */
  risk?: Risk | undefined;
  /** Who may approve; the requester alone unless named. */
  eligible?: string[] | undefined;
  required?: number | undefined;
  createdAt?: number | undefined;
  expiresInMs?: number | undefined;
  /** Default: the one lab's name. */
  lab?: string | undefined;
}

/** A job awaiting approval, with its card and locks. */
export async function proposeTestJob(
  store: Store,
  spec: TestJobSpec,
): Promise<{ job: JobRecord; approval: ApprovalRecord }> {
  const risk = spec.risk ?? 'change';
  const requester = spec.requester ?? 'shell:operator';
  const createdAt = spec.createdAt ?? Date.now();
  const locks = spec.locks ?? [];
  const proposed = await store.proposeJob({
    job: {
      id: spec.id,
      lab: spec.lab ?? DEFAULT_LAB_NAME,
      command: spec.command ?? 'lab test',
      text: spec.text ?? 'test',
      args: {},
      requester,
      channel: spec.channel ?? 'shell',
      risk,
      plan: createPlan({
        summary: verbatim(`the test job ${spec.id}`),
        risk,
        locks: [...locks],
        steps: spec.steps,
      }),
      steps: spec.steps,
      createdAt,
    },
    approval: {
      required: spec.required ?? 1,
      eligible: spec.eligible ?? [requester],
      expiresAt: createdAt + (spec.expiresInMs ?? 15 * 60_000),
      fingerprint: 'sha256:test',
      fingerprintState: {},
    },
    locks,
    audit: { command: spec.command ?? 'lab test', text: spec.text ?? 'test', risk },
  });
  if (!proposed.ok) throw new Error(`${proposed.heldBy.key} is held by ${proposed.heldBy.jobId}`);
  return proposed;
}

/** A queued job: proposed as a change, then confirmed by its requester. Ready for `executor.run`. */
export async function queueTestJob(store: Store, spec: TestJobSpec): Promise<JobRecord> {
  const { approval } = await proposeTestJob(store, { ...spec, risk: 'change', eligible: undefined });
  const decided = await store.decideApproval(
    approval.id,
    approval.requester,
    'approve',
    spec.createdAt ?? Date.now(),
  );
  if (decided.outcome !== 'recorded' || decided.job.status !== 'queued') {
    throw new Error(`${spec.id} was not queued: ${JSON.stringify(decided)}`);
  }
  return decided.job;
}
