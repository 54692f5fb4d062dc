import { LabopsError } from '../../src/errors.js';
import type { LabEvent } from '../../src/jobs/events.js';
import type { DispatchResult, Labops } from '../../src/labops.js';
import type { SimRequestRecord } from '../../src/sim/types.js';
import { openStore, setStoreSizeLimit } from '../../src/store/sqlite-store.js';
import type { AuditEvent, JobRecord, Store } from '../../src/store/types.js';
import {
  checkApprovals,
  checkAudit,
  checkCanceller,
  checkClaimsLess,
  checkEndState,
  checkLocks,
  checkSteps,
  compareReport,
  countStarts,
  findGarbled,
  type InvariantName,
  isFinal,
  readReportTargets,
  recordWrites,
  repeatedWrites,
  type Violation,
  violationKind,
} from './invariants.js';
import {
  APPROVERS,
  describeOperation,
  generateOperations,
  type Mix,
  type Operation,
  OUTSIDERS,
} from './operations.js';
import type { SourceKind } from './sources.js';
import { ChaosWorld, type Incarnation, type StopSnapshot } from './world.js';

export interface ChaosOptions {
  seed: number;
  /** The operations to run; generated from the seed when absent. */
  operations?: Operation[] | undefined;
  count?: number | undefined;
  mix?: Mix | undefined;
  timeScale?: number | undefined;
  /** Stop at the first violation (the shrinker's replays). */
  stopAtFirst?: boolean | undefined;
  /** Only a violation of this kind (`violationKind`) stops the run (the shrinker's target). */
  target?: string | undefined;
  log?: ((line: string) => void) | undefined;
  /** Print every operation and its outcome. */
  verbose?: boolean | undefined;
  /** Runs on each new labops before it recovers (a test plants a bug to see it caught). */
  prepare?: ((labops: Labops) => void) | undefined;
}

export interface ChaosStats {
  operations: number;
  restarts: number;
  kills: number;
  terms: number;
  commands: number;
  cards: number;
  clicks: number;
  approved: number;
  cancels: number;
  faults: number;
  /** Jobs by final status at the end of the run. */
  jobs: Record<string, number>;
  /** Succeeded jobs whose end state was read back from the simulator. */
  endStatesChecked: number;
  /** Reports of failed, cancelled or interrupted jobs compared with the simulator. */
  reportsChecked: number;
  /** Operations that were answered with labops's own refusal or error (codes). */
  errors: Record<string, number>;
}

export interface ChaosResult {
  seed: number;
  operations: Operation[];
  /** How many operations ran (fewer than planned when the run stopped at a violation). */
  executed: number;
  violations: Violation[];
  stats: ChaosStats;
  durationMs: number;
}

/** How long an operation waits for the job it started before the next operation comes. */
const JOB_WAIT_MS = 3000;
const PLAN_WAIT_MS = 15_000;
const SETTLE_MS = 8000;

class StopRun extends Error {}

async function within<T>(
  promise: Promise<T>,
  ms: number,
): Promise<{ done: true; value: T } | { done: false }> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<{ done: false }>((resolve) => {
    timer = setTimeout(() => resolve({ done: false }), ms);
  });
  try {
    return await Promise.race([promise.then((value) => ({ done: true as const, value })), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * One chaos run: operations in order, the invariants checked after each one, and at the end a
 * clean stop after which every job must be final. Never throws for a violation: it returns them.
 */
export async function runChaos(options: ChaosOptions): Promise<ChaosResult> {
  const operations =
    options.operations ?? generateOperations(options.seed, options.count ?? 100, options.mix);
  const world = await ChaosWorld.start({
    timeScale: options.timeScale ?? 0.002,
    ...(options.prepare ? { prepare: options.prepare } : {}),
  });
  const run = new ChaosRun(world, options);
  const started = performance.now();
  try {
    await run.runAll(operations);
  } finally {
    await world.close();
  }
  return {
    seed: options.seed,
    operations,
    executed: run.stats.operations,
    violations: run.violations,
    stats: run.stats,
    durationMs: performance.now() - started,
  };
}

class ChaosRun {
  readonly violations: Violation[] = [];
  readonly stats: ChaosStats = {
    operations: 0,
    restarts: 0,
    kills: 0,
    terms: 0,
    commands: 0,
    cards: 0,
    clicks: 0,
    approved: 0,
    cancels: 0,
    faults: 0,
    jobs: {},
    endStatesChecked: 0,
    reportsChecked: 0,
    errors: {},
  };
  private readonly reported = new Set<string>();
  private readonly starts = new Map<string, number>();
  private readonly auditFlagged = new Set<string>();
  /** The audit event types of each job so far. */
  private readonly audit = new Map<string, Set<string>>();
  private readonly writes = new Map<string, string[]>();
  private readonly checkedFinal = new Set<string>();
  /** Reads of the simulator started the moment a job ended, compared at the next check. */
  private readonly reads: Promise<void>[] = [];
  private lastAuditSeq = 0;
  private lastRequest: SimRequestRecord | undefined;
  private index = -1;
  /** The incarnation whose store is capped at its size, if any. */
  private diskFull: Incarnation | undefined;

  constructor(
    private readonly world: ChaosWorld,
    private readonly options: ChaosOptions,
  ) {
    world.onEvent = (incarnation, event) => this.onEvent(incarnation, event);
  }

  private log(line: string): void {
    this.options.log?.(line);
  }

  async runAll(operations: readonly Operation[]): Promise<void> {
    try {
      for (const [index, op] of operations.entries()) {
        this.index = index;
        this.world.clock.now += 1000;
        const began = performance.now();
        const outcome = await this.execute(op).catch((error: unknown) => {
          if (error instanceof StopRun) throw error;
          this.violate('internal-error', `${describeOperation(op)} threw: ${(error as Error).message}`);
          return 'threw';
        });
        this.stats.operations++;
        if (this.options.verbose)
          this.log(
            `${String(index).padStart(4)} ${describeOperation(op)} → ${outcome} (${Math.round(performance.now() - began)} ms)`,
          );
        else if ((index + 1) % 100 === 0)
          this.log(`  … ${index + 1} operations, ${this.violations.length} violations`);
        await this.check();
      }
      this.index = -1;
      await this.finish();
    } catch (error) {
      if (!(error instanceof StopRun)) throw error;
    }
  }

  private violate(invariant: InvariantName, message: string): void {
    const key = `${invariant}:${message}`;
    if (this.reported.has(key)) return;
    this.reported.add(key);
    const violation = { invariant, op: this.index, message };
    this.violations.push(violation);
    this.log(`VIOLATION ${invariant} after operation ${this.index}: ${message}`);
    if (
      this.options.stopAtFirst &&
      (!this.options.target || this.options.target === violationKind(violation))
    ) {
      throw new StopRun();
    }
  }

  // ---- operations ----------------------------------------------------------------------------

  private async execute(op: Operation): Promise<string> {
    const inc = this.world.current;
    switch (op.kind) {
      case 'command':
        return this.command(inc, op);
      case 'click':
        return this.click(inc, op);
      case 'cancel':
        if (op.midJob) await this.waitForStep(inc);
        return this.cancel(inc, op);
      case 'restart':
        if (op.midJob) await this.waitForStep(inc);
        return this.restart(op.mode, op.downMinutes ?? 0);
      case 'fault':
        return this.fault(op);
      case 'time': {
        this.world.clock.now += op.minutes * 60_000;
        // Labops.start runs this sweep from a timer: a rejection there is unhandled and ends labops.
        try {
          const expired = await inc.labops.flow.expireDue();
          return `${expired.length} card(s) expired`;
        } catch (error) {
          this.violate(
            'internal-error',
            `the expiry sweep threw "${(error as Error).message}"; labops runs it from a timer, where a throw ends the process`,
          );
          return 'the expiry sweep threw';
        }
      }
      case 'disk':
        if (!op.full) {
          setStoreSizeLimit(inc.store, undefined);
          this.diskFull = undefined;
          return 'freed';
        }
        this.diskFull = inc;
        return `full (${await this.fillDisk(inc.store)} filler events)`;
      case 'intruder': {
        const refusal = await this.world.startIntruder();
        if (refusal === undefined)
          this.violate('second-owner', 'a second labops opened the data directory while the first one ran');
        return refusal ?? 'started!';
      }
      case 'settle':
        await this.settle(inc, SETTLE_MS);
        return 'settled';
    }
  }

  private async resolveText(inc: Incarnation, text: string, pick: number): Promise<string> {
    const choose = (items: string[], fallback: string) =>
      items.length ? (items[Math.floor(pick * items.length)] ?? fallback) : fallback;
    const succeeded = await inc.store.listJobs({ statuses: ['succeeded'] });
    return text
      .replace(/\{source:(\w+):([^}]+)\}/, (_, kind: string, name: string) =>
        this.world.sources.url(kind as SourceKind, name),
      )
      .replace('{iso}', () =>
        choose(
          succeeded
            .filter((j) => j.command === 'iso upload')
            .map((j) => String(j.steps.find((s) => s.kind === 'iso.upload')?.params.name))
            .sort(),
          'none.iso',
        ),
      )
      .replace('{domain}', () =>
        choose(
          [
            'nfs-data',
            'nfs-iso',
            ...succeeded
              .filter((j) => j.command === 'storage attach')
              .map((j) => String(j.steps[0]?.params.domain))
              .sort(),
          ],
          'nfs-iso',
        ),
      );
  }

  private async command(inc: Incarnation, op: Extract<Operation, { kind: 'command' }>): Promise<string> {
    this.stats.commands++;
    const text = await this.resolveText(inc, op.text, op.pick);
    const work = inc.labops.dispatch({
      command: op.command,
      text,
      caller: { principal: `shell:${op.user}`, channel: 'shell', groups: [] },
    });
    const handle = (result: DispatchResult) => this.onDispatched(inc, `${op.command} ${text}`, result);
    if (op.background) {
      this.track(inc, work.then(handle));
      return 'sent';
    }
    const answered = await within(work, PLAN_WAIT_MS);
    if (!answered.done) {
      this.track(inc, work.then(handle));
      return `no answer within ${PLAN_WAIT_MS / 1000} s (left running)`;
    }
    return handle(answered.value);
  }

  private onDispatched(inc: Incarnation, what: string, result: DispatchResult): string {
    this.checkText(what, result);
    if (result.kind === 'card') {
      this.stats.cards++;
      return `card ${result.card.approval.id} (${result.card.approval.risk}) for ${result.card.job.id}`;
    }
    return this.describeResult(inc, what, result);
  }

  private checkText(what: string, result: DispatchResult): void {
    const shown =
      result.kind === 'view'
        ? JSON.stringify(result.view)
        : result.kind === 'card'
          ? JSON.stringify(result.card.plan)
          : `${result.error.message} ${result.error.hint ?? ''} ${result.error.details.join(' ')}`;
    const garbled = findGarbled(shown);
    if (garbled) {
      const at = shown.indexOf(garbled);
      this.violate('garbled-text', `${what} answered "…${shown.slice(Math.max(0, at - 80), at + 30)}…"`);
    }
  }

  private describeResult(
    inc: Incarnation,
    what: string,
    result: Exclude<DispatchResult, { kind: 'card' }>,
  ): string {
    if (result.kind === 'view') return `view: ${result.view.title}`;
    const code = result.error.code;
    this.stats.errors[code] = (this.stats.errors[code] ?? 0) + 1;
    if (code === 'INTERNAL' && !inc.dead) {
      this.violate('internal-error', `${what} failed with an internal error: ${result.error.message}`);
    }
    return `${code}: ${result.error.message.slice(0, 120)}`;
  }

  private track(inc: Incarnation, work: Promise<unknown>): void {
    const tracked = work.catch(() => undefined).finally(() => inc.inFlight.delete(tracked));
    inc.inFlight.add(tracked);
  }

  private principal(who: 'approver' | 'requester' | 'outsider', n: number, requester: string): string {
    if (who === 'requester') return requester;
    if (who === 'approver') return `shell:${APPROVERS[n % APPROVERS.length]}`;
    return `shell:${OUTSIDERS[n % OUTSIDERS.length]}`;
  }

  private async click(inc: Incarnation, op: Extract<Operation, { kind: 'click' }>): Promise<string> {
    const cards = (await inc.store.listApprovals({ statuses: ['pending'] })).sort(
      (a, b) => a.createdAt - b.createdAt || a.id.localeCompare(b.id),
    );
    const card = cards[Math.floor(op.pick * cards.length)];
    if (!card) return 'no card to click';
    this.stats.clicks++;
    const by = this.principal(op.who, op.n, card.requester);
    const work = inc.labops.click(card.id, { principal: by, channel: 'shell', groups: [] }, op.decision);
    const handle = async (): Promise<string> => {
      try {
        const result = await work;
        if (findGarbled(result.message))
          this.violate('garbled-text', `a click on ${card.id} by ${by} answered "${result.message}"`);
        if (result.outcome !== 'approved') return `${by}: ${result.outcome}: ${result.message.slice(0, 100)}`;
        this.stats.approved++;
        if (op.background) return `${by}: approved ${card.id}; ${result.job.id} runs`;
        const finished = inc.labops.executor.whenFinished(result.job.id);
        const ended = finished ? await within(finished, JOB_WAIT_MS) : { done: false as const };
        return `${by}: approved ${card.id}; ${result.job.id} ${ended.done ? ended.value.status : 'still running'}`;
      } catch (error) {
        const failure = error instanceof LabopsError ? error : undefined;
        if ((!failure || failure.code === 'INTERNAL') && !inc.dead) {
          this.violate('internal-error', `a click on ${card.id} by ${by} threw: ${(error as Error).message}`);
        }
        const code = failure?.code ?? 'THROWN';
        this.stats.errors[code] = (this.stats.errors[code] ?? 0) + 1;
        return `${by}: ${code}: ${(error as Error).message.slice(0, 100)}`;
      }
    };
    if (op.background) {
      this.track(inc, handle());
      return `${by} clicks ${op.decision} on ${card.id}`;
    }
    return handle();
  }

  private async cancel(inc: Incarnation, op: Extract<Operation, { kind: 'cancel' }>): Promise<string> {
    const jobs = (await inc.store.listJobs({ statuses: ['awaiting_approval', 'queued', 'running'] })).sort(
      (a, b) => a.createdAt - b.createdAt || a.id.localeCompare(b.id),
    );
    const job = jobs[Math.floor(op.pick * jobs.length)];
    if (!job) return 'no job to cancel';
    this.stats.cancels++;
    const by = this.principal(op.who, op.n, job.requester);
    const result = await inc.labops.dispatch({
      command: '/lab',
      text: `cancel ${job.id}`,
      caller: { principal: by, channel: 'shell', groups: [] },
    });
    const outcome = this.onDispatched(inc, `/lab cancel ${job.id}`, result);
    const finished = inc.labops.executor.whenFinished(job.id);
    if (finished) await within(finished, JOB_WAIT_MS);
    return `${by}: ${outcome}`;
  }

  private async restart(mode: 'kill' | 'term', downMinutes: number): Promise<string> {
    this.stats.restarts++;
    if (mode === 'kill') this.stats.kills++;
    else this.stats.terms++;
    const { before, after } = await this.world.restart(mode, downMinutes * 60_000);
    await this.checkCardsKept(before, after.store);
    await within(after.labops.whenReviewed(), SETTLE_MS);
    const r = after.recovery;
    return `${r.interrupted.length} interrupted, ${r.pending.length} pending, ${r.expired.length} expired`;
  }

  /** No pending or approved card is lost across a restart (unless the clock expired it). */
  private async checkCardsKept(before: StopSnapshot, store: Store): Promise<void> {
    const now = this.world.clock.now;
    for (const card of before.pending) {
      const after = await store.getApproval(card.id);
      const want = card.expiresAt <= now ? 'expired' : 'pending';
      if (after?.status !== want) {
        this.violate(
          'card-lost-across-restart',
          `${card.id} was pending before the restart and is ${after?.status ?? 'gone'} after it (expected ${want})`,
        );
        continue;
      }
      const job = await store.getJob(card.jobId);
      if (want === 'pending' && job?.status !== 'awaiting_approval') {
        this.violate(
          'card-lost-across-restart',
          `${card.id}'s job ${card.jobId} is ${job?.status ?? 'gone'} after the restart`,
        );
      }
      const decided = after.decisions.map((d) => `${d.principal}:${d.decision}`).join(',');
      const had = card.decisions.map((d) => `${d.principal}:${d.decision}`).join(',');
      if (decided !== had)
        this.violate('card-lost-across-restart', `${card.id}'s decisions were [${had}] and are [${decided}]`);
    }
    for (const card of before.approved) {
      const after = await store.getApproval(card.id);
      if (after?.status !== 'approved')
        this.violate('card-lost-across-restart', `${card.id} was approved and is ${after?.status ?? 'gone'}`);
    }
  }

  private fault(op: Extract<Operation, { kind: 'fault' }>): string {
    this.stats.faults++;
    const { knobs } = this.world.lab.sim;
    const method = op.method ? { method: op.method } : {};
    switch (op.fault) {
      case 'server-error':
        this.world.injectFault({ kind: 'server-error', status: 503, count: op.amount, ...method });
        break;
      case 'html':
        this.world.injectFault({ kind: 'html', status: 502, count: op.amount, ...method });
        break;
      case 'drop':
        this.world.injectFault({ kind: 'drop', count: op.amount, ...method });
        break;
      case 'locked':
        this.world.injectFault({ kind: 'locked', count: op.amount, ...method });
        break;
      case 'latency':
        knobs.setLatency(op.amount);
        break;
      case 'expire-tokens':
        knobs.expireTokens();
        break;
      case 'clear':
        knobs.clearFaults();
        knobs.setLatency(0);
        break;
    }
    return 'injected';
  }

  /**
   * A full disk has no room left: the store is capped at its size, then filled with audit events
   * until a write fails, so the next write that needs space fails whatever the pages held before.
   */
  private async fillDisk(store: Store): Promise<number> {
    setStoreSizeLimit(store, 'current');
    let events = 0;
    // Ever smaller events, until not even an empty one fits in the last page.
    for (const pad of [200, 40, 0]) {
      for (; events < 10_000; events++) {
        try {
          await store.appendAudit({
            at: this.world.clock.now,
            type: 'chaos:filler',
            actor: 'chaos',
            jobId: undefined,
            approvalId: undefined,
            detail: pad ? { pad: 'x'.repeat(pad) } : {},
          });
        } catch {
          break;
        }
      }
    }
    return events;
  }

  /** When a job runs, waits (at most a second) for its next step event: the moment to strike. */
  private async waitForStep(inc: Incarnation): Promise<void> {
    const running = (await inc.store.listJobs({ statuses: ['running'] })).length > 0 || inc.inFlight.size > 0;
    if (!running) return;
    let off: (() => void) | undefined;
    const next = new Promise<void>((resolve) => {
      off = inc.labops.bus.subscribe((event) => {
        if (event.type.startsWith('step:')) resolve();
      });
    });
    await within(next, 1000);
    off?.();
  }

  /** Waits, at most `ms`, for what is in flight and for the running jobs. */
  private async settle(inc: Incarnation, ms: number): Promise<void> {
    const deadline = performance.now() + ms;
    await within(Promise.allSettled([...inc.inFlight]), ms);
    if (inc.dead) return;
    const running = (await inc.store.listJobs({ statuses: ['queued', 'running'] }))
      .map((j) => inc.labops.executor.whenFinished(j.id))
      .filter((p) => p !== undefined);
    await within(Promise.allSettled(running), Math.max(0, deadline - performance.now()));
  }

  // ---- checks --------------------------------------------------------------------------------

  private onEvent(inc: Incarnation, event: LabEvent): void {
    if (event.type !== 'job:finished' && event.type !== 'job:reviewed') return;
    const job = event.job;
    const { observer, lab } = this.world;
    const labInfo = inc.labops.lab;
    const index = this.index;
    if (event.type === 'job:finished' && job.status === 'succeeded') {
      this.reads.push(
        this.world
          .observe(() => checkEndState(observer, labInfo, lab.sim.uploads, job))
          .then(
            (problems) => {
              this.stats.endStatesChecked++;
              for (const p of problems) this.violateAt(index, 'end-state-mismatch', p);
            },
            (error: unknown) =>
              this.log(`could not read the end state of ${job.id}: ${(error as Error).message}`),
          ),
      );
      return;
    }
    const changes = job.review?.changes;
    if (!changes) return;
    // Another job running now may change the same objects: the comparison would prove nothing.
    // The running jobs are read as the event comes (a SQLite store call runs when it is made).
    const alone = inc.store.listJobs({ statuses: ['running'] }).then(
      (running) => running.every((j) => j.id === job.id),
      () => false,
    );
    this.reads.push(
      alone
        .then((isAlone) =>
          isAlone ? this.world.observe(() => readReportTargets(observer, labInfo, job)) : undefined,
        )
        .then(
          (now) => {
            if (now === undefined || typeof now === 'string') return;
            this.stats.reportsChecked++;
            for (const p of compareReport(changes, now))
              this.violateAt(
                index,
                'report-mismatch',
                `${job.id} (${job.status}, /${job.command} ${job.text}): ${p}`,
              );
          },
          () => undefined,
        ),
    );
  }

  private violateAt(index: number, invariant: InvariantName, message: string): void {
    const current = this.index;
    this.index = index;
    try {
      this.violate(invariant, message);
    } finally {
      this.index = current;
    }
  }

  private async newAudit(store: Store): Promise<AuditEvent[]> {
    for (let limit = 256; ; limit *= 4) {
      const events = await store.listAudit(limit);
      const fresh = events.filter((e) => e.seq > this.lastAuditSeq);
      if (fresh.length < events.length || events.length < limit) {
        if (fresh.length) this.lastAuditSeq = Math.max(...fresh.map((e) => e.seq));
        return fresh;
      }
    }
  }

  private newRequests(): SimRequestRecord[] {
    const all = this.world.lab.sim.requests;
    const from = this.lastRequest ? all.lastIndexOf(this.lastRequest) + 1 : 0;
    const fresh = all.slice(from);
    this.lastRequest = all[all.length - 1] ?? this.lastRequest;
    return fresh;
  }

  private async drainReads(): Promise<void> {
    while (this.reads.length) {
      const batch = this.reads.splice(0);
      await within(Promise.allSettled(batch), 15_000);
    }
  }

  private async check(): Promise<void> {
    await this.drainReads();
    const inc = this.world.current;
    await this.checkStore(inc.store, (job) => inc.labops.executor.isRunning(job.id));
  }

  /** The store-only invariants; `hasRunner` says whether something runs a job recorded running. */
  private async checkStore(store: Store, hasRunner: (job: JobRecord) => boolean): Promise<void> {
    // One snapshot: every read is made in this tick (a SQLite store call runs whole when it is
    // made), so nothing in flight writes between them; the audit pages a larger read may still
    // need come later and only add events.
    const requests = this.newRequests();
    const [events, jobs, approvals, locks] = await Promise.all([
      this.newAudit(store),
      store.listJobs(),
      store.listApprovals(),
      store.listLocks(),
    ]);
    const running = new Set(jobs.filter(hasRunner).map((job) => job.id));
    const unrun = await this.findUnrun(store, jobs, hasRunner);
    countStarts(events, this.starts);
    for (const e of events) {
      if (!e.jobId) continue;
      const types = this.audit.get(e.jobId) ?? new Set<string>();
      types.add(e.type);
      this.audit.set(e.jobId, types);
    }
    recordWrites(requests, this.writes);
    const approvalOf = new Map(approvals.map((a) => [a.jobId, a]));
    for (const p of checkLocks(jobs, locks)) this.violate('lock-outlives-job', p);
    for (const p of checkApprovals(jobs, approvals)) this.violate('approval-inconsistent', p);
    for (const job of jobs) {
      // Once nothing runs a final job, all it will ever record is recorded.
      if (isFinal(job.status) && !running.has(job.id)) {
        const missing = checkAudit(job, approvalOf.get(job.id), this.audit.get(job.id) ?? new Set());
        if (missing && !this.auditFlagged.has(job.id)) {
          this.auditFlagged.add(job.id);
          this.violate('audit-missing', missing);
        }
      }
      const started = this.starts.get(job.id) ?? 0;
      if (started > 1)
        this.violate('job-ran-twice', `${job.id} (/${job.command} ${job.text}) started ${started} times`);
      // An approved job is handed to the executor as soon as the approval is recorded: queued is
      // never a resting state.
      const stranded = unrun.get(job.id);
      if (stranded)
        this.violate(
          'job-without-runner',
          `${job.id} (/${job.command} ${job.text}) is ${stranded.status}, but nothing runs it`,
        );
      const writes = this.writes.get(job.id) ?? [];
      const twice = repeatedWrites(writes);
      if (twice.length)
        this.violate(
          'job-ran-twice',
          `${job.id} (/${job.command} ${job.text}) sent ${twice.join(', ')} more than once`,
        );
      const less = checkClaimsLess(job, writes);
      if (less) this.violate('report-mismatch', less);
      if (isFinal(job.status) && !this.checkedFinal.has(job.id)) {
        this.checkedFinal.add(job.id);
        const steps = await store.listSteps(job.id);
        for (const p of checkSteps(job, steps, started)) this.violate('steps-inconsistent', p);
        const said = [job.error ?? '', ...steps.flatMap((st) => [st.detail ?? '', st.endState ?? ''])].join(
          ' ',
        );
        const garbled = findGarbled(said);
        if (garbled)
          this.violate(
            'garbled-text',
            `${job.id} (/${job.command} ${job.text}) reports "${said.slice(0, 300)}"`,
          );
        const outsider = checkCanceller(job);
        if (outsider) this.violate('cancel-by-outsider', outsider);
      }
    }
  }

  /**
   * The jobs recorded running or queued that nothing runs. Between two store calls a job is seen so
   * for a few microtasks (approved, not yet handed to the executor; or ended, its runner not yet
   * let go): a job counts only if it is still so once those have run.
   */
  private async findUnrun(
    store: Store,
    jobs: readonly JobRecord[],
    hasRunner: (job: JobRecord) => boolean,
  ): Promise<Map<string, JobRecord>> {
    const isUnrun = (job: JobRecord | undefined): job is JobRecord =>
      job !== undefined && (job.status === 'running' || job.status === 'queued') && !hasRunner(job);
    const suspects = jobs.filter(isUnrun);
    if (suspects.length === 0) return new Map();
    await new Promise<void>((resolve) => setImmediate(resolve));
    const again = await Promise.all(suspects.map((job) => store.getJob(job.id)));
    return new Map(again.filter(isUnrun).map((job) => [job.id, job]));
  }

  /** The end: let running work finish, stop labops cleanly, and find every job final. */
  private async finish(): Promise<void> {
    const inc = this.world.current;
    this.world.lab.sim.knobs.clearFaults();
    this.world.lab.sim.knobs.setLatency(0);
    if (this.diskFull === inc) setStoreSizeLimit(inc.store, undefined);
    await this.settle(inc, SETTLE_MS);
    await this.check();
    await this.world.stop();
    await this.drainReads();
    const store = openStore({ path: this.world.dbPath, readOnly: true });
    try {
      await this.checkStore(store, () => false);
      const jobs = await store.listJobs();
      for (const job of jobs) {
        this.stats.jobs[job.status] = (this.stats.jobs[job.status] ?? 0) + 1;
        if (job.status === 'queued' || job.status === 'running')
          this.violate(
            'job-not-final',
            `${job.id} (/${job.command} ${job.text}) is ${job.status} after a clean stop`,
          );
      }
    } finally {
      await store.close();
    }
  }
}
