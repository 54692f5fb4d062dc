import { randomBytes } from 'node:crypto';
import { fingerprintOf } from '../approvals/fingerprint.js';
import { ApprovalFlow, type ClickResult, type Replanned } from '../approvals/flow.js';
import {
  canAsk,
  createPolicyRequest,
  describeRisk,
  evaluatePolicy,
  getApprovers,
  isApprover,
  type Policy,
} from '../approvals/policy.js';
import { parseArgs, suggestNearest } from './args.js';
import type { Card, DispatchResult } from './cards.js';
import {
  type Caller,
  type CommandContext,
  type CommandRegistry,
  DOWNLOAD_READS,
  ENGINE_READS,
  isDirect,
  isRead,
  type JobsPort,
  type LabInfo,
  type LabsPort,
  MACHINE_READS,
  type Plan,
  type Subcommand,
} from './command.js';
import type { DownloadPort } from './downloads.js';
import type { EngineClient } from './engine/engine-client.js';
import { LabopsError, toLabopsError } from './errors.js';
import { isHelpWord, renderHelp, renderPlanPreview, renderUsage, usageHint } from './help.js';
import { getMachineTimeZone } from './i18n/render.js';
import { list, msg, type Text, verbatim } from './i18n/text.js';
import { EventBus } from './jobs/events.js';
import { JobExecutor } from './jobs/executor.js';
import type { RecordRetryOptions } from './jobs/job-recorder.js';
import { recoverJobs } from './jobs/recovery.js';
import type { AcrossPort } from './jobs/steps.js';
import { type StepDefinition, StepRegistry } from './jobs/steps.js';
import { describeLockKey } from './jobs/targets.js';
import { createJobsPort } from './jobs-port.js';
import { summarizeLab } from './lab-summary.js';
import type { Logger } from './log.js';
import { createReadOnlyView, PlanLimits, type PlanTimers } from './plan-limits.js';
import type { MachineDriver } from './runbooks/types.js';
import {
  createSchedulePlan,
  createScheduleStep,
  isScheduleJob,
  newScheduleId,
  readScheduleFlags,
  resolveWhen,
  type ScheduleFlags,
  stripScheduleFlags,
  withoutScheduleFlags,
} from './schedules/schedule.js';
import { Scheduler } from './schedules/scheduler.js';
import type { JobRecord, RecoveryReport, Store } from './store/types.js';
import type { Clock } from './time.js';
import { decodeSlackText, tokenize } from './tokenize.js';

export interface LabopsOptions {
  registry: CommandRegistry;
  steps: readonly StepDefinition[];
  store: Store;
  engine: EngineClient;
  /** The lab's machines, for runbook steps. */
  machines: MachineDriver;
  /** ISO sources; see src/downloads.ts. */
  downloads: DownloadPort;
  lab: LabInfo;
  policy: Policy;
  clock: Clock;
  logger: Logger;
  /** Members of a user group (`slack:S…`); a failed lookup answers [] — it denies, never allows. */
  resolveGroup?: ((group: string) => Promise<string[]>) | undefined;
  defaultStepTimeoutMs?: number | undefined;
  /** Limits on plans (lab.yml `limits`): a deadline each, a few per requester (issue 10 §1). */
  limits?: { planMs?: number | undefined; plansPerRequester?: number | undefined } | undefined;
  /** How a job's records are retried while the store cannot be written; tests inject the waits. */
  recordRetry?: RecordRetryOptions | undefined;
  /**
   * Whether this process leads the replicas now (issue 14 §2): only the leader sweeps expired
   * approvals. Default: it does (one process alone).
   */
  leads?: (() => boolean) | undefined;
  /** This process among replicas sharing the store (issue 14 §2): its jobs run under leases. */
  replica?: { id: string; leaseMs: number } | undefined;
  /** The plans' deadlines; tests inject their own. */
  planTimers?: PlanTimers | undefined;
  /** How often `start`'s sweep expires pending approvals (default 5 s). */
  expiryCheckMs?: number | undefined;
  /** Where events go: one bus for every lab of a bot that serves many (src/labs.ts). Default: its own. */
  bus?: EventBus | undefined;
  /** The bot's labs, for `/lab list` (src/labs.ts). Default: this lab alone. */
  labs?: LabsPort | undefined;
  /** The bot's other labs, for the steps of a plan across labs (src/labs-across.ts). */
  across?: AcrossPort | undefined;
  /** How often scheduled work is looked for (default 15 s; src/schedules/scheduler.ts). */
  scheduleTickMs?: number | undefined;
}

export type { Card, DispatchResult } from './cards.js';

export interface DispatchInput {
  /** `/host` or `host`. */
  command: string;
  /** Everything after the command, as Slack sends it. */
  text: string;
  caller: Caller;
  signal?: AbortSignal | undefined;
  /** A Revert (issue 15 §3): the job this plan undoes, and the notes its card adds to the plan. */
  revertOf?: RevertOf | undefined;
}

/** A Revert's plan (src/revert.ts): the job it undoes, and what its card adds to the plan. */
export interface RevertOf {
  jobId: string;
  impact: Text[];
  warnings: Text[];
}

/**
 * labops without an adapter: the one dispatch pipeline (parse → plan → policy → approval → job →
 * report) and the parts it drives. Slack, the shell and the tests all go through `dispatch` and
 * `click`, and render the results and the events of `bus`.
 */
export class Labops {
  readonly bus: EventBus;
  readonly executor: JobExecutor;
  readonly flow: ApprovalFlow;
  readonly jobs: JobsPort;
  /** The lab's scheduled work (`--at`, `--every`; issue 15 §4): tests call its `tick`. */
  readonly schedules: Scheduler;
  private readonly options: LabopsOptions;
  private reviewing: Promise<void> = Promise.resolve();
  private state: 'new' | 'started' | 'stopped' = 'new';
  private sweep: NodeJS.Timeout | undefined;
  private stopping: Promise<void> | undefined;
  private readonly plans: PlanLimits;
  /**
   * The lab as plans and reads see it: reads only (issue 11 §4), each call noting what the plan
   * waits for (a deadline names it). The engine is bound to each plan's signal (`context`).
   */
  private readonly planView: Pick<CommandContext, 'downloads' | 'machines' | 'jobs'>;

  constructor(options: LabopsOptions) {
    this.options = options;
    this.bus =
      options.bus ??
      new EventBus((error) => options.logger.error({ err: error }, 'an event listener failed'));
    this.executor = new JobExecutor({
      store: options.store,
      steps: new StepRegistry([...options.steps, createScheduleStep(options)]),
      engine: options.engine,
      machines: options.machines,
      downloads: options.downloads,
      lab: options.lab,
      bus: this.bus,
      clock: options.clock,
      logger: options.logger,
      defaultStepTimeoutMs: options.defaultStepTimeoutMs ?? 30 * 60_000,
      recordRetry: options.recordRetry,
      replica: options.replica,
      across: options.across,
    });
    this.flow = new ApprovalFlow({
      store: options.store,
      lab: options.lab.name,
      bus: this.bus,
      clock: options.clock,
      onError: (error) => options.logger.error({ err: error }, 'the expiry sweep could not record an expiry'),
      startJob: (jobId) => {
        this.executor.run(jobId).catch((error: unknown) => {
          options.logger.error({ err: error, jobId }, 'job crashed');
        });
      },
      replan: (job) => this.replan(job),
    });
    this.jobs = createJobsPort({
      store: options.store,
      lab: options.lab.name,
      executor: this.executor,
      bus: this.bus,
      policy: options.policy,
      clock: options.clock,
      logger: options.logger,
    });
    this.schedules = new Scheduler({
      labops: this,
      store: options.store,
      bus: this.bus,
      clock: options.clock,
      logger: options.logger,
      leads: () => options.leads?.() !== false,
      tickMs: options.scheduleTickMs,
    });
    this.plans = new PlanLimits({
      planMs: options.limits?.planMs ?? DEFAULT_PLAN_MS,
      perRequester: options.limits?.plansPerRequester ?? DEFAULT_PLANS_PER_REQUESTER,
      timers: options.planTimers,
    });
    const jobs = this.jobs;
    this.planView = {
      downloads: createReadOnlyView(options.downloads, DOWNLOAD_READS, (method, args) =>
        msg('pipeline.plan.callDownload', {
          source: verbatim(describeSource(args[0])),
          method: verbatim(method),
        }),
      ),
      machines: createReadOnlyView(options.machines, MACHINE_READS, (method, args) =>
        msg('pipeline.plan.callMachine', { machine: String(args[0]), method: verbatim(method) }),
      ),
      jobs: {
        list: (filter) => jobs.list(filter),
        get: (id) => jobs.get(id),
        audit: (limit) => jobs.audit(limit),
        pendingApprovals: (limit) => jobs.pendingApprovals(limit),
        schedules: () => jobs.schedules(),
      },
    };
  }

  /**
   * Starts what labops does on its own: recovery after a restart (`recover`), then the sweep that
   * expires pending approvals every `expiryCheckMs`. Answers what recovery found, for the adapter
   * to report. Once per labops; `stop` ends it. `recovered`: this lab's part of a recovery the
   * bot already ran for all its labs (src/labs.ts).
   */
  async start(recovered?: RecoveryReport): Promise<RecoveryReport> {
    if (this.state !== 'new') {
      throw new LabopsError('INTERNAL', msg('pipeline.start.twice', { state: verbatim(this.state) }));
    }
    this.state = 'started';
    const report = await this.recover(recovered);
    // After recovery: a run missed while the bot was down is looked at now.
    this.schedules.start();
    this.sweep = setInterval(() => {
      if (this.options.leads?.() !== false) void this.flow.expireDue();
    }, this.options.expiryCheckMs ?? DEFAULT_EXPIRY_CHECK_MS);
    this.sweep.unref();
    return report;
  }

  /**
   * Before the process ends: ends the expiry sweep, cancels the plans still running (nothing of
   * theirs was asked or locked) and the running jobs, recording how each ended, within `timeoutMs`.
   * Later calls wait for the first: a job that would not stop is not waited for twice.
   */
  stop(timeoutMs: number): Promise<void> {
    this.stopping ??= this.stopOnce(timeoutMs);
    return this.stopping;
  }

  private async stopOnce(timeoutMs: number): Promise<void> {
    this.state = 'stopped';
    clearInterval(this.sweep);
    await this.schedules.stop();
    const plans = this.plans.stop();
    if (plans > 0) {
      await this.options.store.appendAudit({
        at: this.options.clock(),
        type: 'plans:cancelled',
        actor: 'labops',
        lab: this.options.lab.name,
        jobId: undefined,
        approvalId: undefined,
        detail: { count: plans, reason: 'labops stopped' },
      });
      this.options.logger.warn({ plans }, 'plans cancelled by the stop');
    }
    await this.executor.stopAll(msg('jobs.cancel.shutdown'), timeoutMs);
  }

  get lab(): LabInfo {
    return this.options.lab;
  }

  get store(): Store {
    return this.options.store;
  }

  /** The commands labops answers: an adapter registers each of them. */
  get registry(): CommandRegistry {
    return this.options.registry;
  }

  get policy(): Policy {
    return this.options.policy;
  }

  /**
   * After a restart: interrupted jobs, approvals still pending, approvals that expired meanwhile
   * (src/jobs/recovery.ts). `start` runs it; a test may run it again on a started labops.
   */
  async recover(recovered?: RecoveryReport): Promise<RecoveryReport> {
    const { report, reviewed } = await recoverJobs({
      report: recovered,
      store: this.options.store,
      executor: this.executor,
      bus: this.bus,
      clock: this.options.clock,
      logger: this.options.logger,
    });
    this.reviewing = reviewed;
    return report;
  }

  /** Settles once the interrupted jobs found by `recover` have been reviewed. */
  whenReviewed(): Promise<void> {
    return this.reviewing;
  }

  /** Runs one slash command. Never throws: failures come back as `{ kind: 'error' }` with a user-safe message. */
  async dispatch(input: DispatchInput): Promise<DispatchResult> {
    try {
      return await this.dispatchOrThrow(input);
    } catch (thrown) {
      const error = toLabopsError(thrown);
      if (error.code === 'INTERNAL') {
        this.options.logger.error({ err: thrown, command: input.command }, 'command failed unexpectedly');
      }
      return { kind: 'error', error };
    }
  }

  /**
   * `/lab doctor` of this lab, read by the bot for itself (the findings an alert carries, issue 15
   * §1): no person asks, so the policy's askers and channels are not consulted — the read changes
   * nothing, and a fix button it offers is a request like any other, checked and approved as such.
   * Never for a person's request: those go through `dispatch`. Never throws.
   */
  async readDoctorForBot(
    options: { signal?: AbortSignal | undefined } = {},
  ): Promise<Extract<DispatchResult, { kind: 'view' | 'error' }>> {
    try {
      const sub = this.options.registry.find('/lab')?.subcommands.find((s) => s.name === 'doctor');
      if (!sub || !isRead(sub)) {
        throw new LabopsError(
          'INTERNAL',
          msg('pipeline.usage.noCommand', { command: verbatim('/lab doctor') }),
        );
      }
      const parsed = parseArgs([], sub.args);
      if (!parsed.ok || parsed.help) {
        const problems = {
          command: verbatim('/lab doctor'),
          count: parsed.ok ? 0 : parsed.problemTexts.length,
        };
        throw new LabopsError('INTERNAL', msg('pipeline.usage.problems', problems), {
          details: parsed.ok ? [] : parsed.problemTexts,
        });
      }
      return { kind: 'view', view: await sub.run(this.context(BOT_CALLER, options.signal), parsed.value) };
    } catch (thrown) {
      return { kind: 'error', error: toLabopsError(thrown) };
    }
  }

  /**
   * Whether the command would be planned (a card) rather than answered at once (a read, a direct
   * command, help or a usage error): adapters queue plans apart from everything else.
   */
  isPlan(command: string, text: string): boolean {
    const found = this.options.registry.find(command);
    const [first, ...rest] = tokenize(decodeSlackText(text));
    const sub = first ? found?.subcommands.find((s) => s.name === first.toLowerCase()) : undefined;
    return sub !== undefined && !isRead(sub) && !isDirect(sub) && !rest.some(isHelpWord);
  }

  /** A click on Approve or Deny (`approve [ID]` in the shell). */
  async click(
    approvalId: string | undefined,
    caller: Caller,
    decision: 'approve' | 'deny',
  ): Promise<ClickResult> {
    // An approval that completes the card re-checks the plan (two engine reads at once) after a
    // few store reads: the engine's connections open meanwhile (issue 14 §5).
    this.options.engine.preconnect(CLICK_ENGINE_READS);
    const unwritable = await this.findStoreFailure();
    if (unwritable) throw unwritable;
    return this.flow.decide(approvalId, caller.principal, decision);
  }

  /**
   * Another replica proposed a card of this lab (issue 14 §5): a click on it may land here. The
   * connections its re-check needs open now, and wait no less than an idle connection of the
   * replica that planned the card stays open: a click landing here soon after the card then
   * waits on no TLS handshake that one landing there would not.
   */
  expectClick(): void {
    this.options.engine.preconnect(CLICK_ENGINE_READS, ENGINE_KEEP_ALIVE_MS);
  }

  /**
   * Why new work is refused now, if it is: the store cannot be written, or a job's end still waits
   * to be recorded (issue 10 §5). Reads still answer meanwhile.
   */
  private async findStoreFailure(): Promise<LabopsError | undefined> {
    // The jobs' waiting records are tried first: once space is freed, the request need not wait
    // for their next retry.
    await this.executor.retryRecords();
    const failure = this.executor.unrecorded() ?? (await this.options.store.checkWritable());
    if (!failure) return undefined;
    return new LabopsError('STORE_UNAVAILABLE', msg('pipeline.store.refusing', { failure: failure.text }), {
      cause: failure,
      hint: failure.hintText,
    });
  }

  /**
   * A change command's plan in this lab, with no card, lock or job: a lab's part of a plan across
   * labs (src/labs-across.ts). `approved`: the part of a card already approved, planned again —
   * its requester is not asked about again. Throws as `dispatch` answers its errors.
   */
  async planOnly(input: DispatchInput, options: { approved?: boolean } = {}): Promise<Plan> {
    const planned = await this.dispatchOrThrow(input, options.approved ? 'replan' : 'plan');
    if (planned.kind !== 'plan') {
      throw new LabopsError('INTERNAL', msg('lab.across.notPlanned', { command: verbatim(input.command) }));
    }
    return planned.plan;
  }

  /**
   * A lab's part of a card approved elsewhere (a reset across labs): recorded as a queued job of
   * this lab, its locks taken now (issue 13 §3). Answers the job, or the LOCKED error of a lock
   * another job holds.
   */
  async queuePart(part: {
    parent: JobRecord;
    approvalId: string;
    command: string;
    text: string;
    plan: Plan;
  }): Promise<JobRecord> {
    const { parent, plan } = part;
    const queued = await this.options.store.queueJob({
      job: {
        id: await this.newJobId(),
        lab: this.options.lab.name,
        command: part.command,
        text: part.text,
        args: { parent: parent.id, approval: part.approvalId },
        requester: parent.requester,
        channel: parent.channel,
        risk: plan.risk,
        plan,
        steps: plan.steps,
        createdAt: this.options.clock(),
      },
      approvalId: part.approvalId,
      locks: plan.locks,
      audit: { command: part.command, text: part.text, parent: parent.id },
    });
    if (!queued.ok) throw lockedError(queued.heldBy.key, queued.heldBy.jobId, queued.heldBy.holder);
    return queued.job;
  }

  private async dispatchOrThrow(input: DispatchInput): Promise<DispatchResult>;
  private async dispatchOrThrow(
    input: DispatchInput,
    mode: 'plan' | 'replan',
  ): Promise<DispatchResult | { kind: 'plan'; plan: Plan }>;
  private async dispatchOrThrow(
    input: DispatchInput,
    mode: 'dispatch' | 'plan' | 'replan' = 'dispatch',
  ): Promise<DispatchResult | { kind: 'plan'; plan: Plan }> {
    const { registry } = this.options;
    const command = registry.find(input.command);
    if (!command) {
      throw new LabopsError('USAGE', msg('pipeline.usage.noCommand', { command: verbatim(input.command) }), {
        hint: msg('pipeline.usage.commands', {
          commands: list(registry.commands.map((c) => verbatim(`/${c.name}`))),
        }),
      });
    }
    const tokens = tokenize(decodeSlackText(input.text));
    const [first, ...rest] = tokens;
    if (first === undefined || isHelpWord(first)) {
      return { kind: 'view', view: renderHelp(registry, this.options.policy, command, input.caller) };
    }
    const sub = command.subcommands.find((s) => s.name === first.toLowerCase());
    if (!sub) {
      const nearest = suggestNearest(
        first.toLowerCase(),
        command.subcommands.map((s) => s.name),
      );
      const params = { command: verbatim(`/${command.name}`), typed: verbatim(first) };
      throw new LabopsError(
        'USAGE',
        nearest
          ? msg('pipeline.usage.noSubcommandNearest', { ...params, nearest: verbatim(nearest) })
          : msg('pipeline.usage.noSubcommand', params),
        {
          hint: msg('pipeline.usage.subcommands', {
            synopsis: verbatim(`/${command.name} ${command.subcommands.map((s) => s.name).join(' | ')}`),
            help: verbatim(`/${command.name} help`),
          }),
        },
      );
    }
    if (rest.some(isHelpWord)) return { kind: 'view', view: renderUsage(command, sub) };

    const parsed = parseArgs(rest, sub.args);
    if (!parsed.ok) {
      throw new LabopsError(
        'USAGE',
        msg('pipeline.usage.problems', {
          command: verbatim(`/${command.name} ${sub.name}`),
          count: parsed.problemTexts.length,
        }),
        {
          details: parsed.problemTexts,
          hint: usageHint(command, sub),
        },
      );
    }
    if (parsed.help) return { kind: 'view', view: renderUsage(command, sub) };
    const key = `${command.name} ${sub.name}`;
    const { policy } = this.options;
    const scheduled = readScheduleFlags(parsed.value);
    if (scheduled && mode === 'dispatch') {
      return { kind: 'card', card: await this.proposeSchedule(key, sub, input, parsed.value, scheduled) };
    }

    if (isRead(sub) || isDirect(sub)) {
      const decision = evaluatePolicy(policy, createPolicyRequest(key, sub.risk, input.caller));
      if (!decision.allowed) throw new LabopsError('FORBIDDEN', decision.reason);
      // These run at once, without a card: a policy that raises their risk cannot be honoured.
      if (decision.risk !== sub.risk) {
        throw new LabopsError(
          'FORBIDDEN',
          msg('pipeline.policy.raisedDirect', {
            command: verbatim(`/${key}`),
            risk: describeRisk(decision.risk),
          }),
          { hint: msg('pipeline.policy.raisedDirectHint', { key: verbatim(`policy.commands["${key}"]`) }) },
        );
      }
      const ctx = this.context(input.caller, input.signal);
      if (isRead(sub)) return { kind: 'view', view: await sub.run(ctx, parsed.value) };
      const view = await sub.direct({ ...ctx, jobs: this.jobs }, parsed.value);
      await this.options.store.appendAudit({
        at: this.options.clock(),
        type: 'command:ran',
        actor: input.caller.principal,
        lab: this.options.lab.name,
        jobId: undefined,
        approvalId: undefined,
        detail: { command: key, text: input.text.slice(0, 200) },
      });
      return { kind: 'view', view };
    }

    // Ask first whether the caller may ask at all, so a refused request costs no engine reads.
    if (
      mode !== 'replan' &&
      !canAsk(policy, key, input.caller.principal, input.caller.groups, input.caller.channel)
    ) {
      const decision = evaluatePolicy(policy, createPolicyRequest(key, sub.risk, input.caller));
      throw new LabopsError(
        'FORBIDDEN',
        decision.allowed
          ? msg('pipeline.policy.mayNotRun', {
              principal: input.caller.principal,
              command: verbatim(`/${key}`),
            })
          : decision.reason,
      );
    }
    const unwritable = await this.findStoreFailure();
    if (unwritable) throw unwritable;
    // A part planned again once approved is no new request of its requester's: not counted.
    const requester = mode === 'replan' ? undefined : input.caller.principal;
    const plan = await this.plans.run(`/${key}`, requester, input.signal, (signal) =>
      sub.plan(this.context(input.caller, signal), parsed.value),
    );
    if (mode !== 'dispatch') return { kind: 'plan', plan };
    const decision = evaluatePolicy(policy, createPolicyRequest(key, plan.risk, input.caller));
    if (!decision.allowed) throw new LabopsError('FORBIDDEN', decision.reason);
    if (plan.preview) return { kind: 'view', view: renderPlanPreview(plan, decision.risk) };
    return { kind: 'card', card: await this.propose(key, input, { ...plan, risk: decision.risk }, decision) };
  }

  /** Takes the locks, persists the job and its approval, and announces the card. */
  private async propose(
    key: string,
    input: DispatchInput,
    planned: Plan,
    decision: Extract<ReturnType<typeof evaluatePolicy>, { allowed: true }>,
  ): Promise<Card> {
    const { store, clock } = this.options;
    const now = clock();
    const { revertOf } = input;
    const plan: Plan = revertOf
      ? {
          ...planned,
          impact: [...revertOf.impact, ...planned.impact],
          warnings: [...planned.warnings, ...revertOf.warnings],
        }
      : planned;
    // The requester stays on the list when they are an approver, so a click of theirs is refused as
    // a self-approval (the store checks that first) rather than as "not an approver".
    const eligible = decision.requesterConfirms
      ? [input.caller.principal]
      : await this.expandPrincipals(
          isApprover(getApprovers(this.options.policy, key), input.caller.principal, input.caller.groups)
            ? [...decision.approvers, input.caller.principal]
            : decision.approvers,
        );
    // The job, its locks, its approval and its audit event are one store operation, the lab-lock
    // rule inside it: a refusal (a locked target, a full disk) leaves none of them behind.
    const proposed = await store.proposeJob({
      job: {
        id: await this.newJobId(),
        lab: this.options.lab.name,
        command: key,
        text: input.text.trim(),
        args: revertOf ? { revertOf: revertOf.jobId } : {},
        requester: input.caller.principal,
        channel: input.caller.channel,
        risk: decision.risk,
        plan,
        steps: plan.steps,
        createdAt: now,
      },
      approval: {
        required: decision.required,
        eligible,
        expiresAt: now + decision.expiresInMs,
        fingerprint: fingerprintOf(plan.dependsOn),
        fingerprintState: plan.dependsOn,
      },
      locks: plan.locks,
      audit: {
        command: key,
        text: input.text.slice(0, 200),
        risk: decision.risk,
        required: decision.required,
        ...(revertOf ? { revertOf: revertOf.jobId } : {}),
      },
    });
    if (!proposed.ok) throw lockedError(proposed.heldBy.key, proposed.heldBy.jobId, proposed.heldBy.holder);
    const { job, approval } = proposed;
    this.bus.emit({ type: 'approval:requested', approval, job });
    return { job, approval, plan };
  }

  /**
   * `--at` / `--every` (issue 15 §4): a card that schedules the work rather than running it. The
   * work is planned now for the card to show (a read has no plan: its card is the requester's
   * confirmation), approved now under the policy, and run when it is due (src/schedules/).
   */
  private async proposeSchedule(
    key: string,
    sub: Subcommand,
    input: DispatchInput,
    args: unknown,
    flags: ScheduleFlags,
  ): Promise<Card> {
    const { policy, clock, store, lab } = this.options;
    const { caller } = input;
    if (!canAsk(policy, key, caller.principal, caller.groups, caller.channel)) {
      const decision = evaluatePolicy(policy, createPolicyRequest(key, sub.risk, caller));
      throw new LabopsError(
        'FORBIDDEN',
        decision.allowed
          ? msg('pipeline.policy.mayNotRun', { principal: caller.principal, command: verbatim(`/${key}`) })
          : decision.reason,
      );
    }
    const rest = withoutScheduleFlags(args) as Record<string, unknown>;
    if (rest.dryRun === true) {
      throw new LabopsError('USAGE', msg('schedule.dryRun'), {
        hint: msg('schedule.dryRunHint', { example: verbatim(`/${key} --at 18:00`) }),
      });
    }
    const timeZone = lab.timeZone ?? getMachineTimeZone();
    const { first, everyMs } = resolveWhen(flags, clock(), timeZone);
    const unwritable = await this.findStoreFailure();
    if (unwritable) throw unwritable;
    const work =
      isRead(sub) || isDirect(sub)
        ? undefined
        : await this.plans.run(`/${key}`, caller.principal, input.signal, (signal) =>
            sub.plan(this.context(caller, signal), rest),
          );
    // Scheduling a read makes the bot speak on its own: the requester confirms it, as a change.
    const decision = evaluatePolicy(policy, createPolicyRequest(key, work?.risk ?? 'change', caller));
    if (!decision.allowed) throw new LabopsError('FORBIDDEN', decision.reason);
    const plan = createSchedulePlan({
      id: await newScheduleId(store, lab.name),
      command: key,
      text: stripScheduleFlags(input.text),
      work,
      first,
      everyMs,
      timeZone,
    });
    return this.propose(key, input, { ...plan, risk: decision.risk }, decision);
  }

  /** Plans a waiting job again from the current state (the fingerprint check before it runs). */
  private async replan(job: JobRecord): Promise<Replanned> {
    // A plan across labs is planned again lab by lab when its card is approved: a lab whose plan
    // changed is left out, and the others go ahead (src/labs-across.ts, issue 13 §3).
    if (job.plan.across) return { dependsOn: job.plan.dependsOn };
    const [name, subName] = job.command.split(' ');
    const sub = this.options.registry.find(name ?? '')?.subcommands.find((s) => s.name === subName);
    // A card that schedules a read has no plan of the lab to check: it reads the lab when it runs;
    // one that schedules several labs' reset has each lab's run check its own (src/schedules/across.ts).
    const scheduled = isScheduleJob(job);
    if (scheduled && (job.args.labs !== undefined || (sub && (isRead(sub) || isDirect(sub))))) {
      return { dependsOn: job.plan.dependsOn };
    }
    if (!sub || isRead(sub) || isDirect(sub))
      throw new LabopsError('INTERNAL', msg('pipeline.replan.noCommand', { command: verbatim(job.command) }));
    const tokens = tokenize(decodeSlackText(job.text)).slice(1);
    const parsed = parseArgs(tokens, sub.args);
    if (!parsed.ok || parsed.help) {
      throw new LabopsError('INTERNAL', msg('pipeline.replan.unparsable', { job: job.id }));
    }
    const caller = { principal: job.requester, channel: job.channel, groups: [] };
    try {
      const plan = await this.plans.run(`/${job.command}`, undefined, undefined, (signal) =>
        sub.plan(this.context(caller, signal), scheduled ? withoutScheduleFlags(parsed.value) : parsed.value),
      );
      return { dependsOn: plan.dependsOn };
    } catch (error) {
      // A plan that no longer holds (the host is already in maintenance) is what changed; an
      // engine that cannot answer right now is not a change: the click is refused, the card stays.
      if (error instanceof LabopsError && (error.code === 'CONFLICT' || error.code === 'NOT_FOUND')) {
        return { noLonger: error };
      }
      throw error;
    }
  }

  /** A plan's or a read's context: the read-only view, its engine bound to `signal`. */
  private context(caller: Caller, signal: AbortSignal | undefined): CommandContext {
    return {
      caller,
      lab: this.options.lab,
      engine: createReadOnlyView(this.options.engine.withSignal(signal), ENGINE_READS, (method) =>
        msg('pipeline.plan.callEngine', { method: verbatim(method) }),
      ),
      ...this.planView,
      labs: this.labsPort,
      clock: this.options.clock,
      signal,
    };
  }

  /** The bot's labs as commands see them; alone, this lab. */
  private get labsPort(): LabsPort {
    const { lab, engine, store } = this.options;
    return (
      this.options.labs ?? {
        list: async (_caller, signal) => [
          await summarizeLab(
            { name: lab.name, dataCenter: lab.dataCenter, simulated: lab.simulated, engine, store },
            { signal },
          ),
        ],
        // Alone, this lab is every lab: `--all` reads it, and a list may name only it.
        readEach: async (caller, which, request, signal) => {
          const other = which === 'all' ? undefined : which.find((name) => name !== lab.name);
          if (other !== undefined) {
            throw new LabopsError('USAGE', msg('pipeline.lab.unknown', { lab: verbatim(other) }));
          }
          const result = await this.dispatch({ ...request, caller, signal });
          if (result.kind === 'view') return [{ lab: lab.name, view: result.view }];
          if (result.kind === 'error') return [{ lab: lab.name, error: result.error }];
          const command = verbatim(`${request.command} ${request.text}`);
          return [
            { lab: lab.name, error: new LabopsError('INTERNAL', msg('lab.across.notRead', { command })) },
          ];
        },
      }
    );
  }

  async expandPrincipals(principals: readonly string[]): Promise<string[]> {
    const out = new Set<string>();
    for (const p of principals) {
      if (p.startsWith('slack:S')) {
        const members = await (this.options.resolveGroup?.(p) ?? Promise.resolve([])).catch(() => []);
        for (const m of members) out.add(m);
      } else {
        out.add(p);
      }
    }
    return [...out];
  }

  /** A job id no job of the store has (`job-1a2b`). */
  async newJobId(): Promise<string> {
    for (;;) {
      const id = `job-${randomBytes(3).toString('hex').slice(0, 4)}`;
      if (!(await this.options.store.getJob(id))) return id;
    }
  }
}

/** Who the bot's own reads run as (`readDoctorForBot`): no person, and no channel's request. */
const BOT_CALLER: Caller = { principal: 'labops:bot', channel: 'shell', groups: [] };

const DEFAULT_PLAN_MS = 20_000;
/** The engine reads a click's re-check of its card's plan makes at once. */
const CLICK_ENGINE_READS = 2;
/**
 * At least as long as the engine pool keeps an idle connection open: undici takes the server's
 * Keep-Alive hint less 2 s (3 s for the 5 s that Apache in front of the engine, and node's server
 * in the simulator, say), and 4 s without a hint.
 */
const ENGINE_KEEP_ALIVE_MS = 4000;
const DEFAULT_PLANS_PER_REQUESTER = 2;
const DEFAULT_EXPIRY_CHECK_MS = 5000;

/** A source URL in a deadline message: its host and path, never its query. */
function describeSource(url: unknown): string {
  try {
    const parsed = new URL(String(url));
    return `${parsed.host}${parsed.pathname}`;
  } catch {
    return 'URL';
  }
}

function lockedError(key: string, jobId: string, holder: string): LabopsError {
  return new LabopsError(
    'LOCKED',
    msg('pipeline.lock.held', { target: describeLockKey(key), job: jobId, holder }),
    {
      hint: msg('pipeline.lock.heldHint', { job: jobId, cancel: verbatim(`/lab cancel ${jobId}`) }),
    },
  );
}
