import type { LabInfo } from '../command.js';
import type { DownloadPort } from '../downloads.js';
import type { EngineClient } from '../engine/engine-client.js';
import { LabopsError, toLabopsError } from '../errors.js';
import { renderEnglish } from '../i18n/render.js';
import { list, msg, type Text, verbatim } from '../i18n/text.js';
import type { Logger } from '../log.js';
import type { MachineDriver, MachineDriver as Machines } from '../runbooks/types.js';
import {
  isStoreUnavailable,
  type JobLease,
  type JobRecord,
  type JobReview,
  type StepRecord,
  type StepStatus,
  type Store,
  type TargetChange,
} from '../store/types.js';
import { BoundedTail, boundTail, TAIL_LINES } from '../tail.js';
import type { Clock } from '../time.js';
import { describeAcrossEnd, describeAcrossOutcome, groupSteps, runBounded } from './across.js';
import type { EventBus } from './events.js';
import { JobRecorder, type RecordRetryOptions } from './job-recorder.js';
import type { AcrossPort, StepContext, StepRegistry } from './steps.js';
import { compareTargets, describeTargets, type MachineWrites, readTargets } from './targets.js';
import { joinItems, joinSentences } from './texts.js';

export interface ExecutorOptions {
  store: Store;
  steps: StepRegistry;
  engine: EngineClient;
  machines: MachineDriver;
  downloads: DownloadPort;
  lab: LabInfo;
  bus: EventBus;
  clock: Clock;
  logger: Logger;
  /** A step without its own timeout gets this one. */
  defaultStepTimeoutMs: number;
  /** How long reading a job's targets may take, before it runs and after it fails. Default 15 s. */
  targetReadTimeoutMs?: number | undefined;
  /** How a job's records are retried while the store cannot be written (issue 10 §5). */
  recordRetry?: RecordRetryOptions | undefined;
  /** The bot's other labs, for the steps of a plan across labs (src/labs-across.ts). */
  across?: AcrossPort | undefined;
  /**
   * This process among the replicas that share the store (issue 14 §2): each job it starts is
   * claimed under a lease it renews every third of `leaseMs`; a job it no longer holds stops and
   * records nothing more. Used only with a store replicas share (`Store.shared`).
   */
  replica?: { id: string; leaseMs: number } | undefined;
}

/** What one running job sent that can change the lab (issue 9 §5). */
interface WriteLog {
  wrote: boolean;
  machines: Map<string, MachineWrites>;
}

/**
 * Runs jobs: a persisted plan of steps, in order, each reporting ok / changed / failed / unknown
 * with its duration and a bounded output tail, its end state checked after it. A failed step stops
 * the job and the report says which step, why, and what was already changed.
 */
export class JobExecutor {
  private readonly options: ExecutorOptions;
  private readonly running = new Map<string, AbortController>();
  private readonly finished = new Map<string, Promise<JobRecord>>();
  /** The records of the jobs this executor runs, kept while some wait for the store. */
  private readonly recorders = new Map<string, JobRecorder>();
  /** Aborted by `stopAll`: records still waiting for the store get one last attempt. */
  private readonly stopping = new AbortController();
  /** The leases of the jobs this replica runs (issue 14 §2), renewed by `renewTimer`. */
  private readonly leases = new Map<string, JobLease>();
  private renewTimer: NodeJS.Timeout | undefined;
  /** When a renewal last succeeded: past the lease without one, every job here stops. */
  private renewedAt = 0;

  constructor(options: ExecutorOptions) {
    this.options = options;
  }

  /**
   * Runs a queued job to its end. Only one caller can move a job from queued to running (the
   * store's compare-and-set), so a job never runs twice — a second call answers the same outcome.
   */
  run(jobId: string): Promise<JobRecord> {
    const existing = this.finished.get(jobId);
    if (existing) return existing;
    // Counted as running here from the first moment, so that no one takes the job for one that
    // nothing runs (src/jobs-port.ts) while its start is being recorded.
    const controller = new AbortController();
    this.running.set(jobId, controller);
    return this.track(jobId, this.startThenRun(jobId, controller));
  }

  private async startThenRun(jobId: string, controller: AbortController): Promise<JobRecord> {
    const { store, clock } = this.options;
    let started: JobRecord | undefined;
    const replica = this.options.replica && store.shared ? this.options.replica : undefined;
    try {
      started = await store.startJob(
        jobId,
        clock(),
        replica ? { replica: replica.id, leaseMs: replica.leaseMs } : undefined,
      );
    } catch (error) {
      if (!isStoreUnavailable(error)) throw error;
      return this.failToStart(jobId, error);
    }
    if (!started) {
      // Another caller started it, or it is not queued: answer it as it is, and remember nothing.
      this.finished.delete(jobId);
      const job = await store.getJob(jobId);
      if (!job) throw new LabopsError('NOT_FOUND', msg('jobs.error.noJob', { job: jobId }));
      return job;
    }
    if (started.lease) this.holdLease(jobId, started.lease);
    try {
      return await this.runSteps(started, controller);
    } finally {
      this.leases.delete(jobId);
    }
  }

  /** Keeps `lease` renewed while the job runs here (issue 14 §2). */
  private holdLease(jobId: string, lease: JobLease): void {
    this.leases.set(jobId, { replica: lease.replica, epoch: lease.epoch });
    const replica = this.options.replica;
    if (this.renewTimer || !replica) return;
    this.renewedAt = this.options.clock();
    this.renewTimer = setInterval(() => void this.renewLeases(), Math.max(50, replica.leaseMs / 3));
    this.renewTimer.unref();
  }

  /**
   * Renews the leases of the jobs running here. A job the store no longer runs under this replica
   * stops at once, recording nothing more; when no renewal has succeeded for two thirds of the
   * lease (the database is out of reach), every job here stops so: another replica will mark them
   * interrupted once their leases run out.
   */
  private async renewLeases(): Promise<void> {
    const replica = this.options.replica!;
    const ids = [...this.leases.keys()];
    if (ids.length === 0) {
      clearInterval(this.renewTimer);
      this.renewTimer = undefined;
      return;
    }
    const now = this.options.clock();
    try {
      const held = new Set(await this.options.store.renewLeases(replica.id, ids, replica.leaseMs, now));
      this.renewedAt = now;
      for (const id of ids.filter((i) => !held.has(i))) this.loseJob(id);
    } catch (error) {
      this.options.logger.warn(
        { err: error, replica: replica.id },
        'could not renew the leases of the running jobs',
      );
      if (now - this.renewedAt > (replica.leaseMs * 2) / 3) for (const id of ids) this.loseJob(id);
    }
  }

  private loseJob(jobId: string): void {
    if (!this.leases.has(jobId)) return;
    this.leases.delete(jobId);
    const error = new LabopsError(
      'LEASE_LOST',
      msg('jobs.lease.lost', { job: jobId, replica: this.options.replica?.id ?? '' }),
    );
    this.recorderOf(jobId).lose(error);
  }

  /** Keeps a job's outcome for whoever asks, and forgets its runner once it has ended. */
  private track(jobId: string, run: Promise<JobRecord>): Promise<JobRecord> {
    const outcome = run.finally(() => {
      this.running.delete(jobId);
      this.recorders.delete(jobId);
      // Keep the outcome a while for whoever waits on it (the shell, a test), then let it go.
      setTimeout(() => {
        if (this.finished.get(jobId) === outcome) this.finished.delete(jobId);
      }, 10 * 60_000).unref();
    });
    this.finished.set(jobId, outcome);
    return outcome;
  }

  /**
   * A queued job whose start the store refused: it never runs. Its end (failed, locks released)
   * is recorded once the store can be written, like the end of a job that ran.
   */
  private async failToStart(jobId: string, error: LabopsError): Promise<JobRecord> {
    const { store, clock } = this.options;
    const recorder = this.recorderOf(jobId);
    const at = clock();
    const reason = msg('jobs.end.startUnrecorded', { reason: error.text });
    // The end and its audit event are one store operation: a stop between them loses neither.
    let ended: JobRecord | undefined;
    await recorder.record('the job end', async () => {
      ended = await store.endJob(jobId, { from: ['queued'], to: 'failed', error: reason, at });
    });
    await recorder.flushUntilRecorded(this.stopping.signal);
    const job = ended ?? (await this.readJob(jobId));
    this.options.bus.emit({ type: 'job:finished', job, steps: await store.listSteps(jobId) });
    return job;
  }

  /** A job this executor knows exists (it started it). */
  private async readJob(jobId: string): Promise<JobRecord> {
    const job = await this.options.store.getJob(jobId);
    if (!job) throw new LabopsError('INTERNAL', msg('jobs.store.jobVanished', { job: jobId }));
    return job;
  }

  /**
   * The store's refusal while a job's records wait for it (its end above all): new work waits
   * until the store can be written again (issue 10 §5).
   */
  unrecorded(): LabopsError | undefined {
    for (const recorder of this.recorders.values()) {
      const failure = recorder.failure;
      if (failure) return failure;
    }
    return undefined;
  }

  /** Tries every job's waiting records now: the store may take writes again before the next retry. */
  async retryRecords(): Promise<void> {
    await Promise.all([...this.recorders.values()].map((recorder) => recorder.retryNow()));
  }

  /** Whether some of the job's records (its end, at last) wait for the store to take writes. */
  isRecording(jobId: string): boolean {
    return this.recorders.get(jobId)?.failure !== undefined;
  }

  private recorderOf(jobId: string): JobRecorder {
    let recorder = this.recorders.get(jobId);
    if (!recorder) {
      recorder = new JobRecorder(jobId, this.options.logger, this.options.recordRetry, (error) => {
        // Lost to another replica: the job stops before its next step (a command gets TERM).
        this.leases.delete(jobId);
        this.running.get(jobId)?.abort(error);
      });
      this.recorders.set(jobId, recorder);
    }
    return recorder;
  }

  /** The outcome of a job this process started, if any. */
  whenFinished(jobId: string): Promise<JobRecord> | undefined {
    return this.finished.get(jobId);
  }

  isRunning(jobId: string): boolean {
    return this.running.has(jobId);
  }

  /**
   * Before the process ends: cancels every running job (a remote command gets TERM) and waits for
   * them to record how they ended, at most `timeoutMs` — so nothing is left `running` by a clean stop.
   * `by` is who stops them, or the whole reason (`Cancelled by labops shutting down.`).
   */
  async stopAll(by: string | Text, timeoutMs: number): Promise<void> {
    const running = [...this.running.keys()];
    const reason = typeof by === 'string' ? msg('jobs.cancel.by', { by }) : by;
    for (const id of running) this.abort(id, reason);
    const done = Promise.all(running.map((id) => this.finished.get(id)?.catch(() => undefined)));
    await Promise.race([done, new Promise((resolve) => setTimeout(resolve, timeoutMs).unref())]);
    // Records still waiting for the store get one last try; left unrecorded, such a job is marked
    // interrupted at the next start.
    this.stopping.abort();
    clearInterval(this.renewTimer);
    this.renewTimer = undefined;
  }

  /** Aborts a running job: the current step's signal fires (a remote command gets TERM), later steps do not start. */
  cancel(jobId: string, by: string): boolean {
    return this.abort(jobId, msg('jobs.cancel.by', { by }));
  }

  private abort(jobId: string, reason: Text): boolean {
    const controller = this.running.get(jobId);
    if (!controller) return false;
    controller.abort(new LabopsError('CANCELLED', reason));
    return true;
  }

  private async runSteps(started: JobRecord, controller: AbortController): Promise<JobRecord> {
    const { store, bus, clock, logger } = this.options;
    const jobId = started.id;
    const job = started;
    // Every write of the job goes through its recorder: a store that cannot be written (disk
    // full) stops the job before its next step, and its end is recorded once it can (issue 10 §5).
    const recorder = this.recorderOf(jobId);
    // Every write of the job's progress is made under its lease, when it has one (issue 14 §2).
    const fence = leaseOf(job);
    // Let whoever started the job report that first (the click's answer), then show the job.
    await new Promise<void>((resolve) => setImmediate(resolve));
    const steps = await store.listSteps(jobId);
    const writes: WriteLog = { wrote: false, machines: new Map() };
    const review = await this.readBefore(job, controller.signal);
    const recordReview = () => {
      const snapshot = { ...review };
      return recorder.record('the job review', () => store.setJobReview(jobId, snapshot, { fence }));
    };
    await recordReview();
    // Writes the engine has not refused (outstanding or done) and runbook commands sent. The
    // first is persisted at once, so that a crash mid-request is reviewed as a possible change.
    let open = 0;
    let settled = false;
    const onWrite = (phase: 'sent' | 'refused') => {
      if (settled) return;
      open += phase === 'sent' ? 1 : -1;
      const wrote = open > 0;
      if (wrote === writes.wrote) return;
      writes.wrote = wrote;
      review.wroteAt = wrote ? clock() : undefined;
      // Written in this turn when nothing else is being written (JobRecorder.serialize).
      recordReview().catch((error: unknown) => {
        logger.error({ err: error, jobId }, 'could not record that the job wrote to the lab');
      });
    };
    // A runbook command can change a machine whatever its answer: it counts for good.
    const onCommand = () => {
      onWrite('sent');
      settled = true;
    };
    bus.emit({ type: 'job:started', job, steps });

    const changed: Text[] = [];
    let failure: { step: StepRecord; error: LabopsError; status: StepStatus } | undefined;
    const finishedSteps: StepRecord[] = [];
    /** One step, or its record as cancelled or skipped when the job stopped before it. */
    const runOne = async (step: StepRecord, inGroup: boolean): Promise<void> => {
      if (controller.signal.aborted) {
        failure ??= { step, error: toLabopsError(controller.signal.reason), status: 'cancelled' };
        await recorder.record(`step ${step.index + 1}`, () =>
          store.updateStep(jobId, step.index, { status: 'cancelled' }, fence),
        );
        finishedSteps.push({ ...step, status: 'cancelled' });
        return;
      }
      // No step starts unless what came before it is recorded: a job never changes the lab
      // while its progress cannot be written down.
      if ((inGroup || !failure) && recorder.failure && !(await recorder.flush())) {
        failure ??= { step, error: storeStoppedJob(recorder.failure), status: 'skipped' };
      }
      // A failure stops the steps after it; beside it, the parallel steps of its group go on.
      if (failure && (!inGroup || failure.status === 'skipped')) {
        await recorder.record(`step ${step.index + 1}`, () =>
          store.updateStep(jobId, step.index, { status: 'skipped' }, fence),
        );
        finishedSteps.push({ ...step, status: 'skipped' });
        return;
      }
      const result = await this.runStep(job, step, controller.signal, writes, onWrite, onCommand, recorder);
      if (result.record.status === 'skipped' && result.error) {
        failure ??= { step: result.record, error: result.error, status: 'skipped' };
        finishedSteps.push(result.record);
        return;
      }
      const finishedAt = clock();
      await recorder.record(`step ${step.index + 1} in the audit trail`, () =>
        store.appendAudit({
          at: finishedAt,
          type: 'step:finished',
          actor: 'labops',
          lab: job.lab,
          jobId,
          approvalId: undefined,
          detail: {
            index: step.index,
            title: step.title,
            status: result.record.status,
            durationMs: result.record.durationMs,
          },
        }),
      );
      bus.emit({ type: 'step:finished', job, step: result.record });
      finishedSteps.push(result.record);
      if (result.record.status === 'changed') changed.push(step.titleText);
      if (result.error)
        failure ??= { step: result.record, error: result.error, status: result.record.status };
    };
    for (const group of groupSteps(steps, job.plan.steps)) {
      if (group.length === 1 && !job.plan.steps[group[0]!.index]?.parallel) {
        await runOne(group[0]!, false);
        continue;
      }
      // A group of parallel steps: each lab's part of a plan across labs (issue 13 §3).
      const before = failure;
      await runBounded(group, job.plan.across?.concurrency ?? 1, (step) =>
        runOne(step, before === undefined),
      );
    }

    const outcome: Text[] = [];
    if (failure && job.plan.across) {
      // Each lab's part is a job of its lab that says what it changed: the labs' outcomes are this one's.
      outcome.push(...describeAcrossOutcome(finishedSteps, job.steps));
    } else if (failure) {
      // Re-read what the job touched before saying what changed (a report never claims less).
      const changes = await this.reviewTargets(job, review, writes);
      const reviewed = { ...review, changes, reviewedAt: clock() };
      await recorder.record('the job review', () => store.setJobReview(jobId, reviewed, { fence }));
      // A step that reported changed changed something, whatever the targets read now.
      if (changed.length > 0) outcome.push(describeSteps(changed));
      outcome.push(describeTargets(changes, writes.wrote || changed.length > 0));
    }
    const at = clock();
    const end =
      failure && job.plan.across && job.plan.steps[failure.step.index]?.parallel
        ? describeAcrossEnd(failure.status, finishedSteps, job.steps)
        : describeEnd(failure, outcome);
    // The end — its status, the release of its locks and its audit event, one store operation —
    // comes after every record before it: until all are written, the locks stay and the job
    // counts as running here. A stop (or a full disk) can leave no job ended without its event.
    let ended: JobRecord | undefined;
    await recorder.record('the job end', async () => {
      ended = await store.endJob(jobId, { from: ['running'], to: end.status, error: end.error, at, fence });
    });
    await recorder.flushUntilRecorded(this.stopping.signal);
    const final = ended ?? (await this.readJob(jobId));
    if (recorder.lost) {
      // Another replica owns the job's record now, and reports how it ended (issue 14 §2).
      logger.warn({ jobId, status: final.status }, 'job stopped here: another replica took it over');
      return final;
    }
    logger.info({ jobId, status: final.status, command: final.command }, 'job finished');
    bus.emit({ type: 'job:finished', job: final, steps: await store.listSteps(jobId) });
    return final;
  }

  /** The targets as the job finds them, before its first step; a failure to read is recorded, not fatal. */
  private async readBefore(job: JobRecord, jobSignal: AbortSignal): Promise<JobReview> {
    const read = await readTargets(
      this.options.engine,
      this.options.lab,
      job.plan.locks,
      AbortSignal.any([jobSignal, AbortSignal.timeout(this.options.targetReadTimeoutMs ?? 15_000)]),
    );
    return read.unreadable === undefined
      ? { before: read.states }
      : {
          before: undefined,
          beforeUnreadable: [read.unreadable],
          ...(read.unreadableText ? { beforeUnreadableText: [read.unreadableText] } : {}),
        };
  }

  /** Each target now, against how the job found it. Runs after a cancel too, so not on the job's signal. */
  async reviewTargets(
    job: JobRecord,
    review: JobReview,
    writes: { wrote: boolean; machines: ReadonlyMap<string, MachineWrites> },
  ): Promise<TargetChange[]> {
    const after = await readTargets(
      this.options.engine,
      this.options.lab,
      job.plan.locks,
      AbortSignal.timeout(this.options.targetReadTimeoutMs ?? 15_000),
    );
    const unreadable =
      review.beforeUnreadableText ?? review.beforeUnreadable?.map((reason) => verbatim(reason));
    return compareTargets({
      keys: job.plan.locks,
      lab: this.options.lab,
      before: review.before,
      beforeUnreadable: unreadable && joinItems(unreadable),
      after,
      wrote: writes.wrote,
      machines: writes.machines,
    });
  }

  private async runStep(
    job: JobRecord,
    step: StepRecord,
    jobSignal: AbortSignal,
    writes: WriteLog,
    onWrite: (phase: 'sent' | 'refused') => void,
    onCommand: () => void,
    recorder: JobRecorder,
  ): Promise<{ record: StepRecord; error?: LabopsError }> {
    const { store, bus, clock, steps, lab } = this.options;
    const spec = job.steps[step.index];
    const fence = leaseOf(job);
    const startedAt = clock();
    await recorder.record(`step ${step.index + 1}`, () =>
      store.updateStep(job.id, step.index, { status: 'running', startedAt }, fence),
    );
    if (recorder.failure) {
      // Its start could not be written down: the step does not run (issue 10 §5).
      const error = storeStoppedJob(recorder.failure);
      await recorder.record(`step ${step.index + 1}`, () =>
        store.updateStep(job.id, step.index, { status: 'skipped', detail: error.text }, fence),
      );
      return {
        record: { ...step, status: 'skipped', detail: error.message, detailText: error.text },
        error,
      };
    }
    if (recorder.lost) {
      // Another replica took the job over: this step never starts here, and nothing is recorded.
      return { record: { ...step, status: 'cancelled' }, error: recorder.lost };
    }
    bus.emit({ type: 'step:started', job, step: { ...step, status: 'running', startedAt } });

    // The last lines whole; their text is cut to its last TAIL_BYTES below, as the store keeps it.
    const tail = new BoundedTail(TAIL_LINES, Number.POSITIVE_INFINITY);
    const timeoutMs = spec?.timeoutMs ?? this.options.defaultStepTimeoutMs;
    const timeout = AbortSignal.timeout(timeoutMs);
    const signal = AbortSignal.any([jobSignal, timeout]);
    const ctx: StepContext = {
      jobId: job.id,
      engine: this.options.engine
        .withCorrelationId(job.id, (write) => onWrite(write.phase))
        .withSignal(signal),
      machines: recordingWrites(this.options.machines, writes, onCommand, step.titleText),
      downloads: this.options.downloads,
      across: this.options.across,
      lab,
      clock,
      signal,
      output: (written) => {
        const line = typeof written === 'string' ? written : renderEnglish(written);
        tail.push(line);
        bus.emit({
          type: 'step:output',
          jobId: job.id,
          index: step.index,
          line,
          ...(typeof written === 'string' ? {} : { text: written }),
        });
      },
      progress: (fraction, text) =>
        bus.emit({
          type: 'step:progress',
          jobId: job.id,
          index: step.index,
          fraction,
          text: renderEnglish(text),
          progressText: text,
        }),
    };

    let status: StepStatus;
    let detail: Text | undefined;
    let endState: Text | undefined;
    let error: LabopsError | undefined;
    try {
      const definition = steps.get(step.kind);
      const params = definition.params.parse(spec?.params ?? {});
      const outcome = await definition.run(ctx, params);
      endState = definition.verify ? await definition.verify(ctx, params) : undefined;
      status = outcome.status;
      detail = outcome.detail;
    } catch (thrown) {
      error = toLabopsError(thrown);
      // Read before a timeout replaces the error: a command that would not stop is still unknown.
      const isOutcomeUnknown = error.code === 'OUTCOME_UNKNOWN';
      if (timeout.aborted && !jobSignal.aborted) {
        error = new LabopsError(
          'TIMEOUT',
          msg('jobs.step.timeout', { seconds: Math.round(timeoutMs / 1000) }),
          { cause: thrown },
        );
      }
      status = jobSignal.aborted ? 'cancelled' : isOutcomeUnknown ? 'unknown' : 'failed';
      detail = error.text;
      if (error.code === 'INTERNAL')
        this.options.logger.error({ err: thrown, jobId: job.id }, 'step crashed');
    }
    const finishedAt = clock();
    const patch = {
      status,
      finishedAt,
      durationMs: finishedAt - startedAt,
      tail: boundTail(tail.lines().join('\n')),
      detail,
      endState,
    };
    await recorder.record(`step ${step.index + 1}`, () => store.updateStep(job.id, step.index, patch, fence));
    const record: StepRecord = {
      ...step,
      ...patch,
      startedAt,
      detail: detail === undefined ? undefined : renderEnglish(detail),
      detailText: detail,
      endState: endState === undefined ? undefined : renderEnglish(endState),
      endStateText: endState,
    };
    return error ? { record, error } : { record };
  }
}

/** The lease a job's progress is written under, when a replica claimed it. */
function leaseOf(job: JobRecord): JobLease | undefined {
  return job.lease ? { replica: job.lease.replica, epoch: job.lease.epoch } : undefined;
}

/** The status and error a job ends with: its sentences, then what it changed (`outcome`). */
function describeEnd(
  failure: { step: StepRecord; error: LabopsError; status: StepStatus } | undefined,
  outcome: readonly Text[],
): { status: 'succeeded' | 'failed' | 'cancelled'; error?: Text } {
  if (!failure) return { status: 'succeeded' };
  const n = failure.step.index + 1;
  const title = failure.step.titleText;
  if (failure.status === 'cancelled' || failure.status === 'skipped') {
    // Skipped: the store stopped the job before this step, which never started.
    const stopped = msg('jobs.end.stoppedBefore', { n, title });
    return {
      status: failure.status === 'cancelled' ? 'cancelled' : 'failed',
      error: joinSentences([failure.error.text, stopped, ...outcome]),
    };
  }
  const error = failure.error.text;
  const what =
    failure.status === 'unknown'
      ? msg('jobs.end.stepUnknown', { n, title, error })
      : msg('jobs.end.stepFailed', { n, title, error });
  const hint = failure.error.hintText;
  return {
    status: 'failed',
    error: joinSentences([what, ...(hint === undefined ? [] : [hint]), ...outcome]),
  };
}

/** Why a job stopped before a step: its progress could not be written down. */
function storeStoppedJob(failure: LabopsError): LabopsError {
  return new LabopsError('STORE_UNAVAILABLE', msg('jobs.end.storeStopped', { reason: failure.text }), {
    cause: failure,
    hint: failure.hintText,
  });
}

/** `Already changed: "Put hyper1 into maintenance".` */
function describeSteps(changed: readonly Text[]): Text {
  return msg('jobs.end.alreadyChanged', {
    steps: list(changed.map((title) => msg('jobs.end.quotedStep', { title: title }))),
  });
}

/**
 * The machines as a step sees them, noting every runbook command that can change one: `apply`
 * checks first, so `ok` changed nothing; a throw leaves its outcome unknown.
 */
function recordingWrites(machines: Machines, writes: WriteLog, onWrite: () => void, title: Text): Machines {
  const logOf = (machine: string): MachineWrites => {
    let log = writes.machines.get(machine);
    if (!log) {
      log = { changed: [], uncertain: [] };
      writes.machines.set(machine, log);
    }
    return log;
  };
  return {
    async apply(machine, step, io) {
      onWrite();
      try {
        const result = await machines.apply(machine, step, io);
        if (result.status === 'changed') logOf(machine).changed.push(title);
        return result;
      } catch (error) {
        const reason = toLabopsError(error).text;
        logOf(machine).uncertain.push(msg('jobs.note.stepError', { title: title, error: reason }));
        throw error;
      }
    },
    inspect: (machine, check, io) => machines.inspect(machine, check, io),
    readHostKey: (machine) => machines.readHostKey(machine),
    trustHostKey: (machine, fingerprint, by) => machines.trustHostKey(machine, fingerprint, by),
    close: () => machines.close(),
  };
}
