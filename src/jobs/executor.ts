import type { LabInfo } from '../command.js';
import type { DownloadPort } from '../downloads.js';
import type { EngineClient } from '../engine/engine-client.js';
import { LabopsError, toLabopsError } from '../errors.js';
import type { Logger } from '../log.js';
import type { MachineDriver, MachineDriver as Machines } from '../runbooks/types.js';
import type { JobRecord, JobReview, StepRecord, StepStatus, Store, TargetChange } from '../store/types.js';
import type { Clock } from '../time.js';
import type { EventBus } from './events.js';
import { OutcomeUnknownError, type StepContext, type StepRegistry } from './steps.js';
import { compareTargets, describeTargets, type MachineWrites, readTargets } from './targets.js';

const TAIL_LINES = 40;
const TAIL_BYTES = 4096;

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
    const { store, clock } = this.options;
    if (!store.transitionJob(jobId, ['queued'], 'running', { at: clock() })) {
      const job = store.getJob(jobId);
      if (!job) return Promise.reject(new LabopsError('NOT_FOUND', `There is no job ${jobId}.`));
      return Promise.resolve(job);
    }
    const outcome = this.runSteps(jobId).finally(() => {
      this.running.delete(jobId);
      // Keep the outcome a while for whoever waits on it (the shell, a test), then let it go.
      setTimeout(() => this.finished.delete(jobId), 10 * 60_000).unref();
    });
    this.finished.set(jobId, outcome);
    return outcome;
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
   */
  async stopAll(by: string, timeoutMs: number): Promise<void> {
    const running = [...this.running.keys()];
    for (const id of running) this.cancel(id, by);
    const done = Promise.all(running.map((id) => this.finished.get(id)?.catch(() => undefined)));
    await Promise.race([done, new Promise((resolve) => setTimeout(resolve, timeoutMs).unref())]);
  }

  /** Aborts a running job: the current step's signal fires (a remote command gets TERM), later steps do not start. */
  cancel(jobId: string, by: string): boolean {
    const controller = this.running.get(jobId);
    if (!controller) return false;
    controller.abort(new LabopsError('CANCELLED', `Cancelled by ${by}.`));
    return true;
  }

  private async runSteps(jobId: string): Promise<JobRecord> {
    const { store, bus, clock, logger } = this.options;
    const controller = new AbortController();
    this.running.set(jobId, controller);
    // Let whoever started the job report that first (the click's answer), then show the job.
    await new Promise<void>((resolve) => setImmediate(resolve));
    let job = store.getJob(jobId)!;
    const steps = store.listSteps(jobId);
    const writes: WriteLog = { wrote: false, machines: new Map() };
    const review = await this.readBefore(job, controller.signal);
    store.setJobReview(jobId, review);
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
      store.setJobReview(jobId, review);
    };
    // A runbook command can change a machine whatever its answer: it counts for good.
    const onCommand = () => {
      onWrite('sent');
      settled = true;
    };
    store.appendAudit({
      at: clock(),
      type: 'job:started',
      actor: 'labops',
      jobId,
      approvalId: undefined,
      detail: {},
    });
    bus.emit({ type: 'job:started', job, steps });

    const changed: string[] = [];
    let failure: { step: StepRecord; error: LabopsError; status: StepStatus } | undefined;
    for (const step of steps) {
      if (controller.signal.aborted) {
        failure ??= { step, error: toLabopsError(controller.signal.reason), status: 'cancelled' };
        store.updateStep(jobId, step.index, { status: 'cancelled' });
        continue;
      }
      if (failure) {
        store.updateStep(jobId, step.index, { status: 'skipped' });
        continue;
      }
      const result = await this.runStep(job, step, controller.signal, writes, onWrite, onCommand);
      store.appendAudit({
        at: clock(),
        type: 'step:finished',
        actor: 'labops',
        jobId,
        approvalId: undefined,
        detail: {
          index: step.index,
          title: step.title,
          status: result.record.status,
          durationMs: result.record.durationMs,
        },
      });
      bus.emit({ type: 'step:finished', job, step: result.record });
      if (result.record.status === 'changed') changed.push(step.title);
      if (result.error) failure = { step: result.record, error: result.error, status: result.record.status };
    }

    let outcome = '';
    if (failure) {
      // Re-read what the job touched before saying what changed (a report never claims less).
      const changes = await this.reviewTargets(job, review, writes);
      store.setJobReview(jobId, { ...review, changes, reviewedAt: clock() });
      // A step that reported changed changed something, whatever the targets read now.
      outcome = `${describeSteps(changed)}${describeTargets(changes, writes.wrote || changed.length > 0)}`;
    }
    const at = clock();
    if (!failure) {
      store.transitionJob(jobId, ['running'], 'succeeded', { at });
    } else if (failure.status === 'cancelled') {
      store.transitionJob(jobId, ['running'], 'cancelled', {
        at,
        error: `${failure.error.message} Stopped before step ${failure.step.index + 1} (${failure.step.title}). ${outcome}`,
      });
    } else {
      const what = failure.status === 'unknown' ? 'has an unknown outcome' : 'failed';
      store.transitionJob(jobId, ['running'], 'failed', {
        at,
        error: `Step ${failure.step.index + 1} (${failure.step.title}) ${what}: ${failure.error.message}${failure.error.hint ? ` ${failure.error.hint}` : ''} ${outcome}`,
      });
    }
    store.releaseLocks(jobId);
    job = store.getJob(jobId)!;
    store.appendAudit({
      at,
      type: `job:${job.status}`,
      actor: 'labops',
      jobId,
      approvalId: undefined,
      detail: job.error ? { error: job.error } : {},
    });
    logger.info({ jobId, status: job.status, command: job.command }, 'job finished');
    const finalSteps = store.listSteps(jobId);
    bus.emit({ type: 'job:finished', job, steps: finalSteps });
    return job;
  }

  /** The targets as the job finds them, before its first step; a failure to read is recorded, not fatal. */
  private async readBefore(job: JobRecord, jobSignal: AbortSignal): Promise<JobReview> {
    const read = await readTargets(
      this.options.engine,
      this.options.lab,
      locksOf(job),
      AbortSignal.any([jobSignal, AbortSignal.timeout(this.options.targetReadTimeoutMs ?? 15_000)]),
    );
    return read.unreadable === undefined
      ? { before: read.states }
      : { before: undefined, beforeUnreadable: [read.unreadable] };
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
      locksOf(job),
      AbortSignal.timeout(this.options.targetReadTimeoutMs ?? 15_000),
    );
    return compareTargets({
      keys: locksOf(job),
      lab: this.options.lab,
      before: review.before,
      beforeUnreadable: review.beforeUnreadable?.join('; '),
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
  ): Promise<{ record: StepRecord; error?: LabopsError }> {
    const { store, bus, clock, steps, lab } = this.options;
    const spec = job.steps[step.index];
    const startedAt = clock();
    store.updateStep(job.id, step.index, { status: 'running', startedAt });
    bus.emit({ type: 'step:started', job, step: { ...step, status: 'running', startedAt } });

    const tail: string[] = [];
    const timeoutMs = spec?.timeoutMs ?? this.options.defaultStepTimeoutMs;
    const timeout = AbortSignal.timeout(timeoutMs);
    const signal = AbortSignal.any([jobSignal, timeout]);
    const ctx: StepContext = {
      jobId: job.id,
      engine: this.options.engine.withCorrelationId(job.id, (write) => onWrite(write.phase)),
      machines: recordingWrites(this.options.machines, writes, onCommand, step.title),
      downloads: this.options.downloads,
      lab,
      clock,
      signal,
      output: (line) => {
        tail.push(line);
        if (tail.length > TAIL_LINES) tail.shift();
        bus.emit({ type: 'step:output', jobId: job.id, index: step.index, line });
      },
      progress: (fraction, text) =>
        bus.emit({ type: 'step:progress', jobId: job.id, index: step.index, fraction, text }),
    };

    let status: StepStatus;
    let detail: string | undefined;
    let endState: string | undefined;
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
      if (timeout.aborted && !jobSignal.aborted) {
        error = new LabopsError(
          'TIMEOUT',
          `The step did not finish within ${Math.round(timeoutMs / 1000)} s.`,
          {
            cause: thrown,
          },
        );
      }
      status = jobSignal.aborted ? 'cancelled' : thrown instanceof OutcomeUnknownError ? 'unknown' : 'failed';
      detail = error.message;
      if (error.code === 'INTERNAL')
        this.options.logger.error({ err: thrown, jobId: job.id }, 'step crashed');
    }
    const finishedAt = clock();
    const patch = {
      status,
      finishedAt,
      durationMs: finishedAt - startedAt,
      tail: boundTail(tail.join('\n')),
      detail,
      endState,
    };
    store.updateStep(job.id, step.index, patch);
    const record: StepRecord = { ...step, ...patch, startedAt };
    return error ? { record, error } : { record };
  }
}

function describeSteps(changed: string[]): string {
  return changed.length === 0 ? '' : `Already changed: ${changed.map((t) => `"${t}"`).join(', ')}. `;
}

function locksOf(job: JobRecord): string[] {
  const locks = (job.plan as { locks?: unknown }).locks;
  return Array.isArray(locks) ? locks.filter((k): k is string => typeof k === 'string') : [];
}

/**
 * The machines as a step sees them, noting every runbook command that can change one: `apply`
 * checks first, so `ok` changed nothing; a throw leaves its outcome unknown.
 */
function recordingWrites(machines: Machines, writes: WriteLog, onWrite: () => void, title: string): Machines {
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
        logOf(machine).uncertain.push(`${title}: ${toLabopsError(error).message}`);
        throw error;
      }
    },
    inspect: (machine, check, io) => machines.inspect(machine, check, io),
    readHostKey: (machine) => machines.readHostKey(machine),
    trustHostKey: (machine, fingerprint, by) => machines.trustHostKey(machine, fingerprint, by),
    close: () => machines.close(),
  };
}

function boundTail(text: string): string {
  return text.length <= TAIL_BYTES ? text : text.slice(text.length - TAIL_BYTES);
}
