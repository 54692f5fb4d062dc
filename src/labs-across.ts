import { describeChanges, fingerprintOf } from '../approvals/fingerprint.js';
import { createPolicyRequest, evaluatePolicy, isInstructor } from '../approvals/policy.js';
import type { Caller, Plan, StepSpec } from './command.js';
import { LabopsError, toLabopsError } from './errors.js';
import { renderPlanPreview } from './help.js';
import { list, msg, type Text, verbatim } from './i18n/text.js';
import { describePartStatus, mapBounded, runBounded } from './jobs/across.js';
import type { EventBus } from './jobs/events.js';
import type { AcrossPart, AcrossPort, StepContext, StepOutcome } from './jobs/steps.js';
import { joinItems } from './jobs/texts.js';
import type { DispatchResult, Labops } from './labops.js';
import type { Logger } from './log.js';
import type { JobRecord, Store } from './store/types.js';
import type { Clock } from './time.js';

/** The hub's side the labs' operations across labs need (src/labs.ts). */
export interface AcrossHub {
  readonly names: readonly string[];
  get(name: string): Labops | undefined;
  readonly instructors: readonly string[];
  readonly store: Store;
  readonly bus: EventBus;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly labsInParallel: number;
}

/** A request for a change in several labs: the command, the labs, the text each lab plans. */
export interface AcrossRequest {
  /** `lab` */
  command: string;
  /** `reset` */
  sub: string;
  /** The labs chosen, known and in the lab file's order. */
  labs: readonly string[];
  /** What each lab plans: the text without `--all` and `--lab`. */
  text: string;
  /** What the person typed, as the card shows it. */
  typed: string;
  caller: Caller;
  /** The lab whose channel the card is in, whose jobs list it. */
  home: Labops;
  signal?: AbortSignal | undefined;
}

/** What became of a lab's part when the card was approved. */
type Claim =
  | { kind: 'claimed'; job: JobRecord }
  | { kind: 'left-out'; changes: Text[]; again: string }
  | { kind: 'refused'; error: LabopsError };

/** Approvals a change across labs needs: two instructors (issue 13 §3), whatever the labs' policies. */
const ACROSS_APPROVALS = 2;

/**
 * The instructor's changes across labs (issue 13 §3): `/lab reset --all` is planned in each lab
 * and becomes one card that two instructors approve. The card locks nothing while it waits. When
 * it is approved, its job's first step plans each lab again and takes the locks of those whose
 * plan held — all at once — as a queued job of each lab; a lab whose plan changed is left out and
 * says what changed. Then each lab's part runs as its own lab's job, a few at once
 * (`limits.labs_in_parallel`), its steps shown as that lab's line of progress; one lab failing
 * stops none of the others. A part that never got to run (the job was cancelled or failed first)
 * gives its locks back.
 */
export class AcrossLabs implements AcrossPort {
  /** Each running job's claims, by lab: kept while it runs (a job across labs is never resumed). */
  private readonly claims = new Map<string, Map<string, Claim>>();

  constructor(private readonly hub: AcrossHub) {
    hub.bus.subscribe((event) => {
      if (event.type === 'job:finished' && event.job.plan.across) void this.release(event.job.id);
    });
  }

  /** Plans the change in each lab, and proposes one card for them all (or shows it, `--dry-run`). */
  async propose(request: AcrossRequest): Promise<DispatchResult> {
    const { caller, home } = request;
    checkInstructor(
      this.hub.instructors,
      request,
      `/${request.command} ${request.sub} --lab ${request.labs[0] ?? 'lab1'}`,
    );
    const { plans, failed } = await planEachLab(this.hub, request, request.text);
    const plan = combinePlans(request, plans, failed, this.hub.labsInParallel);
    if (plans.every((p) => p.plan.preview)) {
      return { kind: 'view', view: renderPlanPreview({ ...plan, preview: true }, 'critical') };
    }
    const eligible = await readAcrossApprovers(home, this.hub.instructors, caller);
    // Nothing while the card waits: each lab's lock is taken when it is approved.
    return proposeAcrossCard(
      this.hub,
      request,
      plan,
      plans.map((p) => p.lab),
      eligible,
    );
  }

  async claim(
    jobId: string,
    parts: readonly AcrossPart[],
    io: Pick<StepContext, 'signal' | 'output'>,
  ): Promise<StepOutcome> {
    const { store } = this.hub;
    const parent = await store.getJob(jobId);
    const approval = await store.getApprovalForJob(jobId);
    if (!parent || !approval) throw new LabopsError('INTERNAL', msg('jobs.error.noJob', { job: jobId }));
    const claims = new Map<string, Claim>();
    this.claims.set(jobId, claims);
    const [command = 'lab'] = parent.command.split(' ');
    const caller: Caller = { principal: parent.requester, channel: parent.channel, groups: [] };
    await runBounded(parts, this.hub.labsInParallel, async (part) => {
      const again = `/${command} ${part.text} --lab ${part.lab}`;
      const claim = await this.claimOne(part, {
        parent,
        approvalId: approval.id,
        command,
        caller,
        signal: io.signal,
        again,
      });
      claims.set(part.lab, claim);
      io.output(describeClaim(part.lab, claim));
    });
    const claimed = parts.filter((p) => claims.get(p.lab)?.kind === 'claimed');
    if (claimed.length === 0) {
      throw new LabopsError(
        'CONFLICT',
        msg('jobs.across.noneClaimed', {
          labs: joinItems(parts.map((p) => describeClaim(p.lab, claims.get(p.lab)!))),
        }),
      );
    }
    return {
      status: 'ok',
      detail: msg('jobs.across.claimed', { claimed: claimed.length, count: parts.length }),
    };
  }

  private async claimOne(
    part: AcrossPart,
    context: {
      parent: JobRecord;
      approvalId: string;
      command: string;
      caller: Caller;
      signal: AbortSignal;
      /** The command that asks for this lab's part again: `/lab reset --lab lab2`. */
      again: string;
    },
  ): Promise<Claim> {
    const labops = this.hub.get(part.lab);
    if (!labops) {
      return {
        kind: 'refused',
        error: new LabopsError('NOT_FOUND', msg('pipeline.lab.unknown', { lab: verbatim(part.lab) })),
      };
    }
    let plan: Plan;
    try {
      plan = await labops.planOnly(
        { command: `/${context.command}`, text: part.text, caller: context.caller, signal: context.signal },
        { approved: true },
      );
    } catch (error) {
      const reason = toLabopsError(error);
      // A plan that no longer holds is what changed; an engine that does not answer is a failure.
      if (reason.code === 'CONFLICT' || reason.code === 'NOT_FOUND') {
        const changes = [msg('approvals.change.noLonger', { reason: reason.text })];
        return { kind: 'left-out', changes, again: context.again };
      }
      return {
        kind: 'refused',
        error: new LabopsError(reason.code, msg('jobs.across.replanFailed', { reason: reason.text }), {
          cause: reason,
          hint: reason.hintText,
        }),
      };
    }
    if (fingerprintOf(plan.dependsOn) !== part.fingerprint) {
      return {
        kind: 'left-out',
        changes: describeChanges(part.dependsOn, plan.dependsOn),
        again: context.again,
      };
    }
    try {
      const job = await labops.queuePart({
        parent: context.parent,
        approvalId: context.approvalId,
        command: context.parent.command,
        text: part.text,
        plan,
      });
      return { kind: 'claimed', job };
    } catch (error) {
      return { kind: 'refused', error: toLabopsError(error) };
    }
  }

  async run(
    jobId: string,
    lab: string,
    io: Pick<StepContext, 'signal' | 'output' | 'progress'>,
  ): Promise<StepOutcome> {
    const claim = this.claims.get(jobId)?.get(lab);
    if (!claim) throw new LabopsError('INTERNAL', msg('jobs.across.noClaim', { lab }));
    if (claim.kind === 'refused') throw claim.error;
    if (claim.kind === 'left-out') {
      return {
        status: 'skipped',
        detail: msg('jobs.across.leftOut', {
          changes: joinItems(claim.changes),
          again: verbatim(claim.again),
        }),
      };
    }
    const labops = this.hub.get(lab)!;
    const child = claim.job;
    const total = child.steps.length;
    let done = 0;
    const unsubscribe = this.hub.bus.subscribe((event) => {
      if (event.type === 'step:started' && event.job.id === child.id) {
        io.progress(
          done / Math.max(1, total),
          msg('jobs.across.progress', {
            lab,
            n: event.step.index + 1,
            count: total,
            title: event.step.titleText,
          }),
        );
      } else if (event.type === 'step:finished' && event.job.id === child.id) {
        done++;
        io.output(
          msg('jobs.across.stepDone', {
            lab,
            n: event.step.index + 1,
            count: total,
            title: event.step.titleText,
            status: describePartStatus(event.step.status),
          }),
        );
        io.progress(
          done / Math.max(1, total),
          msg('jobs.across.progressDone', { lab, n: done, count: total }),
        );
      }
    });
    const onAbort = () => labops.executor.cancel(child.id, `job ${jobId}`);
    io.signal.addEventListener('abort', onAbort, { once: true });
    try {
      if (io.signal.aborted) onAbort();
      const final = await labops.executor.run(child.id);
      const steps = await this.hub.store.listSteps(child.id);
      if (final.status === 'succeeded') {
        const changed = steps.filter((s) => s.status === 'changed').length;
        return {
          status: changed > 0 ? 'changed' : 'ok',
          detail: msg('jobs.across.partDone', { job: child.id, count: steps.length, changed }),
        };
      }
      const error = msg('jobs.across.partEnded', {
        job: child.id,
        status: verbatim(final.status),
        error: final.errorText ?? verbatim(''),
      });
      if (io.signal.aborted) throw new LabopsError('CANCELLED', error);
      const unknown = steps.some((s) => s.status === 'unknown') || final.status === 'interrupted';
      throw new LabopsError(unknown ? 'OUTCOME_UNKNOWN' : 'CONFLICT', error);
    } finally {
      io.signal.removeEventListener('abort', onAbort);
      unsubscribe();
    }
  }

  /** A job across labs has ended: the parts that never ran give their locks back. */
  private async release(jobId: string): Promise<void> {
    const claims = this.claims.get(jobId);
    this.claims.delete(jobId);
    for (const [lab, claim] of claims ?? []) {
      if (claim.kind !== 'claimed') continue;
      try {
        await this.hub.store.cancelWaitingJob(
          claim.job.id,
          'labops',
          this.hub.clock(),
          msg('jobs.across.notRun', { job: jobId }),
        );
      } catch (error) {
        this.hub.logger.error(
          { err: error, jobId: claim.job.id, lab },
          'could not release a lab part that never ran',
        );
      }
    }
  }
}

const DEFAULT_EXPIRY_MS = 15 * 60_000;

/** Refuses a change across labs asked by someone who is not an instructor; `example` is how to ask one lab. */
export function checkInstructor(
  instructors: readonly string[],
  request: AcrossRequest,
  example: string,
): void {
  const { caller } = request;
  if (isInstructor(instructors, caller.principal, caller.groups)) return;
  throw new LabopsError(
    'FORBIDDEN',
    msg('lab.acrossChange.instructorsOnly', {
      principal: caller.principal,
      command: verbatim(`/${request.command} ${request.sub}`),
    }),
    { hint: msg('lab.acrossChange.instructorsOnlyHint', { example: verbatim(example) }) },
  );
}

/** Plans `text` in each chosen lab, a few at once; refuses when no lab could be planned. */
export async function planEachLab(
  hub: Pick<AcrossHub, 'get' | 'labsInParallel'>,
  request: AcrossRequest,
  text: string,
): Promise<{ plans: { lab: string; plan: Plan }[]; failed: { lab: string; error: LabopsError }[] }> {
  const planned = await mapBounded(request.labs, hub.labsInParallel, async (lab) => {
    try {
      const plan = await hub
        .get(lab)!
        .planOnly({ command: `/${request.command}`, text, caller: request.caller, signal: request.signal });
      return { lab, plan };
    } catch (error) {
      return { lab, error: toLabopsError(error) };
    }
  });
  const plans = planned.filter((p): p is { lab: string; plan: Plan } => 'plan' in p);
  const failed = planned.filter((p): p is { lab: string; error: LabopsError } => 'error' in p);
  if (plans.length === 0) {
    throw new LabopsError(
      failed.every((f) => f.error.code === 'FORBIDDEN') ? 'FORBIDDEN' : 'CONFLICT',
      msg('lab.acrossChange.nonePlanned', {
        labs: joinItems(
          failed.map((f) => msg('lab.acrossChange.labReason', { lab: f.lab, reason: f.error.text })),
        ),
      }),
    );
  }
  return { plans, failed };
}

/** Who approves a change across labs: the instructors, two of them besides the requester. */
export async function readAcrossApprovers(
  home: Labops,
  instructors: readonly string[],
  caller: Caller,
): Promise<string[]> {
  const eligible = await home.expandPrincipals(instructors);
  const others = eligible.filter((p) => p !== caller.principal);
  if (others.length < ACROSS_APPROVALS) {
    throw new LabopsError(
      'FORBIDDEN',
      msg('lab.acrossChange.tooFewInstructors', { required: ACROSS_APPROVALS, count: others.length }),
      { hint: msg('lab.acrossChange.tooFewInstructorsHint', { key: verbatim('instructors') }) },
    );
  }
  return eligible;
}

/**
 * Proposes the one card of a change across labs, in the home lab: critical, two instructors other
 * than the requester, no lock while it waits (each lab's part takes its own), the labs in its audit.
 */
export async function proposeAcrossCard(
  hub: Pick<AcrossHub, 'store' | 'bus' | 'clock'>,
  request: AcrossRequest,
  plan: Plan,
  /** The labs the card is for: those that could be planned. */
  labs: readonly string[],
  eligible: readonly string[],
): Promise<DispatchResult> {
  const { caller, home } = request;
  const key = `${request.command} ${request.sub}`;
  const decision = evaluatePolicy(home.policy, createPolicyRequest(key, 'critical', caller));
  const expiresInMs = decision.allowed ? decision.expiresInMs : DEFAULT_EXPIRY_MS;
  const now = hub.clock();
  const proposed = await hub.store.proposeJob({
    job: {
      id: await home.newJobId(),
      lab: home.lab.name,
      command: key,
      text: request.typed.trim(),
      args: { labs: [...labs] },
      requester: caller.principal,
      channel: caller.channel,
      risk: 'critical',
      plan,
      steps: plan.steps,
      createdAt: now,
    },
    approval: {
      required: ACROSS_APPROVALS,
      // The requester stays on the list, so their click is refused as a self-approval.
      eligible: [...new Set([...eligible, caller.principal])],
      expiresAt: now + expiresInMs,
      fingerprint: fingerprintOf(plan.dependsOn),
      fingerprintState: plan.dependsOn,
    },
    locks: [],
    audit: {
      command: key,
      text: request.typed.slice(0, 200),
      risk: 'critical',
      required: ACROSS_APPROVALS,
      labs: [...labs],
    },
  });
  if (!proposed.ok) throw new LabopsError('INTERNAL', msg('lab.acrossChange.lockedWithoutLocks'));
  const { job, approval } = proposed;
  hub.bus.emit({ type: 'approval:requested', approval, job });
  return { kind: 'card', card: { job, approval, plan } };
}

/** `lab2: …`, what a claim found, as step 1's line for that lab. */
function describeClaim(lab: string, claim: Claim): Text {
  switch (claim.kind) {
    case 'claimed':
      return msg('jobs.across.claimLocked', { lab, job: claim.job.id, count: claim.job.steps.length });
    case 'left-out':
      return msg('jobs.across.claimChanged', { lab, changes: joinItems(claim.changes) });
    case 'refused':
      return msg('jobs.across.claimRefused', { lab, reason: claim.error.text });
  }
}

/**
 * One card for every lab's plan: the labs' impact, warnings and blockers each under its lab's
 * name, the state each depends on keyed by lab, and the steps — step 1 takes the labs, then one
 * parallel step per lab.
 */
function combinePlans(
  request: AcrossRequest,
  plans: readonly { lab: string; plan: Plan }[],
  failed: readonly { lab: string; error: LabopsError }[],
  concurrency: number,
): Plan {
  const under = (lab: string, lines: readonly Text[]) =>
    lines.map((line) => msg('lab.acrossChange.labLine', { lab, line }));
  const dependsOn: Record<string, string> = {};
  for (const { lab, plan } of plans) {
    for (const [key, value] of Object.entries(plan.dependsOn)) dependsOn[`${lab} · ${key}`] = value;
  }
  const parts: AcrossPart[] = plans.map(({ lab, plan }) => ({
    lab,
    text: request.text,
    fingerprint: fingerprintOf(plan.dependsOn),
    dependsOn: plan.dependsOn,
  }));
  const steps: StepSpec[] = [
    {
      kind: 'labs.claim',
      title: msg('lab.acrossChange.claimStep', { count: plans.length }),
      params: { parts },
      timeoutMs: CLAIM_TIMEOUT_MS,
    },
    ...plans.map(
      ({ lab, plan }): StepSpec => ({
        kind: 'labs.run',
        title: msg('lab.acrossChange.labStep', { lab, summary: plan.summary, count: plan.steps.length }),
        params: { lab },
        parallel: true,
        timeoutMs: plan.steps.reduce((sum, s) => sum + (s.timeoutMs ?? PART_STEP_TIMEOUT_MS), 0),
      }),
    ),
  ];
  return {
    summary: msg('lab.acrossChange.summary', {
      command: verbatim(`/${request.command} ${request.sub}`),
      count: plans.length,
      labs: list(plans.map((p) => verbatim(p.lab))),
    }),
    risk: 'critical',
    riskReasons: [msg('lab.acrossChange.riskReason', { count: plans.length })],
    impact: plans.flatMap(({ lab, plan }): Text[] =>
      plan.impact.length
        ? under(lab, plan.impact)
        : [msg('lab.acrossChange.noImpact', { lab, count: plan.steps.length })],
    ),
    warnings: [
      ...failed.map((f) => msg('lab.acrossChange.notPlanned', { lab: f.lab, reason: f.error.text })),
      ...plans.flatMap(({ lab, plan }) => under(lab, plan.warnings)),
    ],
    blockers: plans.flatMap(({ lab, plan }) => under(lab, plan.blockers)),
    locks: [],
    dependsOn,
    steps,
    across: { labs: plans.map((p) => p.lab), concurrency },
    ...(plans.some((p) => p.plan.preview) ? { preview: true } : {}),
  };
}

/** Planning each lab again and taking its locks: a few labs at once, each a few engine reads. */
const CLAIM_TIMEOUT_MS = 10 * 60_000;
/** A lab's part: the sum of its steps' timeouts, this for a step with none of its own. */
const PART_STEP_TIMEOUT_MS = 30 * 60_000;
