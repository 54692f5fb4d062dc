import type { ClickResult } from '../approvals/flow.js';
import { canAsk, isInstructor } from '../approvals/policy.js';
import { suggestNearest } from './args.js';
import { type Caller, isDirect, isRead, type LabReading, type LabSummary, type LabsPort } from './command.js';
import { type EventsConfig, EventsSchema } from './config/lab-schema.js';
import { Reminders } from './duties/reminders.js';
import type { EngineClient } from './engine/engine-client.js';
import { LabopsError, toLabopsError } from './errors.js';
import { isHelpWord } from './help.js';
import { list, msg, verbatim } from './i18n/text.js';
import { mapBounded } from './jobs/across.js';
import type { EventBus } from './jobs/events.js';
import { summarizeLab } from './lab-summary.js';
import type { DispatchInput, DispatchResult, Labops } from './labops.js';
import { AcrossLabs, type AcrossRequest } from './labs-across.js';
import type { Logger } from './log.js';
import { type AcrossScheduleHub, isScheduledAcross, proposeScheduleAcross } from './schedules/across.js';
import type { JobRecord, RecoveryReport, Store } from './store/types.js';
import { type Clock, cancelledBy } from './time.js';
import { decodeSlackText, scanWords, tokenize } from './tokenize.js';
import { EventWatcher } from './watch/watcher.js';

/** One lab of the bot: its labops and the engine `/lab list` reads. */
export interface LabEntry {
  readonly name: string;
  readonly labops: Labops;
  readonly engine: EngineClient;
  /** lab.yml `events` (issue 15 §1); default: every kind, every 15 s, no quiet hours. */
  readonly events?: EventsConfig | undefined;
}

export interface LabsOptions {
  /** Every lab, in the order of the lab file; they share `store` and `bus`. */
  readonly labs: readonly LabEntry[];
  /** The bot's instructors (people or groups): they act and approve in every lab (issue 13 §2). */
  readonly instructors: readonly string[];
  /** The channel each lab is bound to (its policy's `channels`); a channel has one lab at most. */
  readonly bindings: ReadonlyMap<string, string>;
  readonly store: Store;
  readonly bus: EventBus;
  readonly clock: Clock;
  readonly logger: Logger;
  /** How long `/lab list` waits for one lab's engine before it shows it as down (default 5 s). */
  readonly listTimeoutMs?: number | undefined;
  /** How many labs a read across labs works on at once (`limits.labs_in_parallel`, default 10). */
  readonly labsInParallel?: number | undefined;
  /**
   * This process among replicas sharing the store (issue 14 §2): it interrupts, and reviews in
   * their labs, the jobs of replicas whose leases ran out.
   */
  readonly replica?: { id: string; leaseMs: number } | undefined;
}

const DEFAULT_LABS_IN_PARALLEL = 10;

/** A command for one lab: what `dispatch` takes, and the lab a shell chose with `use`. */
export interface LabDispatchInput extends DispatchInput {
  /** The lab to use when the text names none (the shell's `use NAME`). */
  lab?: string | undefined;
}

/**
 * The labs of one bot (issue 13): each lab is a labops of its own (engine, machines, policy,
 * executor), and they share the store and the event bus. Commands find their lab — `--lab NAME`,
 * else the shell's `use`, else the lab bound to the channel, else the only one — and clicks and
 * jobs find theirs through the store. One lab is the bot of before, unchanged.
 */
export class Labs implements LabsPort {
  private readonly byName: ReadonlyMap<string, LabEntry>;

  /** The instructor's changes across labs (`/lab reset --all`): its steps reach the labs through it. */
  readonly across: AcrossLabs;

  /** Reminders to the approvers of cards nobody decided (issue 15 §2). */
  readonly reminders: Reminders;

  /** Each lab's events watcher, by lab (issue 15 §1): it polls while this process leads. */
  readonly watchers: ReadonlyMap<string, EventWatcher>;

  constructor(private readonly options: LabsOptions) {
    if (options.labs.length === 0) throw new Error('a bot serves at least one lab');
    this.byName = new Map(options.labs.map((entry) => [entry.name, entry]));
    const hub = this;
    this.across = new AcrossLabs({
      get names() {
        return hub.names;
      },
      get: (name) => this.get(name),
      instructors: options.instructors,
      store: options.store,
      bus: options.bus,
      clock: options.clock,
      logger: options.logger,
      labsInParallel: options.labsInParallel ?? DEFAULT_LABS_IN_PARALLEL,
    });
    this.reminders = new Reminders({
      store: options.store,
      bus: options.bus,
      clock: options.clock,
      logger: options.logger,
      labs: () =>
        options.labs.map(({ name, labops, events }) => ({
          name,
          policy: labops.policy,
          timeZone: labops.lab.timeZone,
          // The lab's events settings (a simulated lab's own too), else what its lab file said.
          quietHours: events?.quiet_hours ?? labops.lab.quietHours,
        })),
      leading: () => this.leading,
    });
    this.watchers = new Map(
      options.labs.map((entry) => [
        entry.name,
        new EventWatcher({
          lab: entry.name,
          labops: entry.labops,
          engine: entry.engine,
          store: options.store,
          bus: options.bus,
          clock: options.clock,
          logger: options.logger,
          events: entry.events ?? EventsSchema.parse({}),
          channel: [...options.bindings].find(([, lab]) => lab === entry.name)?.[0],
          leading: () => this.leading,
        }),
      ]),
    );
  }

  /** What scheduling a reset of several labs needs (`/lab reset --all --at 18:00`, src/schedules/across.ts). */
  private get scheduleHub(): AcrossScheduleHub {
    const { instructors, store, bus, clock, labsInParallel } = this.options;
    return {
      get: (name) => this.get(name),
      instructors,
      store,
      bus,
      clock,
      labsInParallel: labsInParallel ?? DEFAULT_LABS_IN_PARALLEL,
    };
  }

  get names(): string[] {
    return this.options.labs.map((entry) => entry.name);
  }

  /** This process among replicas sharing the store (issue 14), when it is one. */
  get replica(): string | undefined {
    return this.options.replica?.id;
  }

  get bus(): EventBus {
    return this.options.bus;
  }

  get store(): Store {
    return this.options.store;
  }

  /** The first lab: the registry, the commands' help (every lab has the same commands). */
  get first(): Labops {
    return this.options.labs[0]!.labops;
  }

  /** Whether the bot serves more than one lab: commands then name theirs. */
  get many(): boolean {
    return this.options.labs.length > 1;
  }

  get(name: string): Labops | undefined {
    return this.byName.get(name)?.labops;
  }

  /** The lab a channel is bound to, or the only lab. */
  forChannel(channel: string | undefined): Labops | undefined {
    if (!this.many) return this.first;
    const name = channel === undefined ? undefined : this.options.bindings.get(channel);
    return name === undefined ? undefined : this.get(name);
  }

  /**
   * The labs a caller may act on: those whose policy lets them ask (`key`, default `lab status`),
   * every lab for an instructor.
   */
  mayActOn(caller: Caller, key = 'lab status'): Labops[] {
    if (isInstructor(this.options.instructors, caller.principal, caller.groups)) {
      return this.options.labs.map((e) => e.labops);
    }
    return this.options.labs
      .map((e) => e.labops)
      .filter((labops) => canAsk(labops.policy, key, caller.principal, caller.groups, caller.channel));
  }

  /** Runs one command in its lab. Never throws, as Labops.dispatch. */
  async dispatch(input: LabDispatchInput): Promise<DispatchResult> {
    try {
      const across = this.findAcrossChange(input);
      if (across && isScheduledAcross(across)) return await proposeScheduleAcross(this.scheduleHub, across);
      if (across) return await this.across.propose(across);
      const { labops, text } = this.resolve(input);
      return await labops.dispatch({
        command: input.command,
        text,
        caller: input.caller,
        signal: input.signal,
        revertOf: input.revertOf,
      });
    } catch (thrown) {
      return { kind: 'error', error: toLabopsError(thrown) };
    }
  }

  /**
   * The lab a command would run in (an adapter's voice: the lab's time zone and channel language),
   * or undefined when it finds none — `dispatch` then says why.
   */
  labFor(input: LabDispatchInput): Labops | undefined {
    try {
      return this.resolve(input).labops;
    } catch {
      return undefined;
    }
  }

  /** Whether the command would be planned (adapters queue plans apart). */
  isPlan(command: string, text: string): boolean {
    return this.first.isPlan(command, takeLabFlags(text).text);
  }

  /** A click: the card's lab decides it. A bare `approve` (the shell's) means the newest card of `lab`, else of any lab. */
  async click(
    approvalId: string | undefined,
    caller: Caller,
    decision: 'approve' | 'deny',
    lab?: string | undefined,
  ): Promise<ClickResult> {
    const labops = await this.labOfApproval(approvalId, lab);
    return labops.click(approvalId, caller, decision);
  }

  /** Settles when the job ends, with its record (as JobExecutor.whenFinished). */
  async whenFinished(jobId: string): Promise<JobRecord | undefined> {
    const job = await this.options.store.getJob(jobId);
    const labops = job ? this.get(job.lab) : undefined;
    return labops ? labops.executor.whenFinished(jobId) : job;
  }

  /**
   * Recovery once for the whole store, then each lab starts with its own part of it: its
   * interrupted jobs are re-read on its own engine. Answers the whole report.
   */
  async start(): Promise<RecoveryReport> {
    this.startLeaseSweep();
    this.reminders.start();
    for (const watcher of this.watchers.values()) watcher.start();
    if (!this.many) return this.first.start();
    const report = await this.options.store.recover(this.options.clock());
    const known = new Set(this.names);
    for (const job of report.interrupted.filter((j) => !known.has(j.lab))) {
      this.options.logger.warn(
        { jobId: job.id, lab: job.lab },
        'an interrupted job of a lab this bot no longer serves',
      );
    }
    // An approval's lab is its job's.
    const labOf = new Map<string, string>();
    for (const approval of [...report.pending, ...report.expired]) {
      const job = await this.options.store.getJob(approval.jobId);
      if (job) labOf.set(approval.id, job.lab);
    }
    await Promise.all(
      this.options.labs.map((entry) =>
        entry.labops.start({
          interrupted: report.interrupted.filter((j) => j.lab === entry.name),
          pending: report.pending.filter((a) => labOf.get(a.id) === entry.name),
          expired: report.expired.filter((a) => labOf.get(a.id) === entry.name),
        }),
      ),
    );
    return report;
  }

  async stop(timeoutMs: number): Promise<void> {
    clearInterval(this.leaseSweep);
    clearInterval(this.leadership);
    this.reminders.stop();
    await Promise.all([...this.watchers.values()].map((watcher) => watcher.stop()));
    await Promise.all(this.options.labs.map((entry) => entry.labops.stop(timeoutMs)));
    // A replica that stops gives its lead up: another takes the duties at once, not a lease later.
    const { replica, store, clock } = this.options;
    if (replica && store.shared && this.isLeading) {
      this.isLeading = false;
      await store.lead('sweeps', replica.id, 0, clock()).catch(() => undefined);
    }
  }

  private leaseSweep: NodeJS.Timeout | undefined;
  private leadership: NodeJS.Timeout | undefined;
  private isLeading: boolean | undefined;

  /**
   * Whether this process leads the replicas now (issue 14 §2): the leader alone sweeps expired
   * approvals; another takes the lead when it stops asking for it. One process alone leads.
   */
  get leading(): boolean {
    const { replica, store } = this.options;
    return !replica || !store.shared ? true : (this.isLeading ?? false);
  }

  /**
   * With replicas: every half lease, the jobs of replicas that stopped renewing (issue 14 §2);
   * every third of a lease, the lead asked for again.
   */
  private startLeaseSweep(): void {
    const { replica, store } = this.options;
    if (!replica || !store.shared || this.leaseSweep) return;
    this.leaseSweep = setInterval(() => void this.sweepLeases(), Math.max(50, replica.leaseMs / 2));
    this.leaseSweep.unref();
    void this.askToLead();
    this.leadership = setInterval(() => void this.askToLead(), Math.max(50, replica.leaseMs / 3));
    this.leadership.unref();
  }

  private async askToLead(): Promise<void> {
    const { replica, store, clock, logger } = this.options;
    try {
      const leading = await store.lead('sweeps', replica!.id, replica!.leaseMs, clock());
      if (leading !== this.isLeading)
        logger.info({ replica: replica!.id, leading }, 'leadership of the replicas');
      this.isLeading = leading;
    } catch (error) {
      // Out of touch with the database: another replica may lead meanwhile.
      this.isLeading = false;
      logger.warn({ err: error }, 'could not ask for the lead of the replicas');
    }
  }

  /**
   * Interrupts the running jobs whose lease ran out — their replica died or lost the database —
   * and reviews each in its lab, as a restart does: its targets re-read, its card and thread told.
   * Every replica may run it: the store interrupts each job once.
   */
  async sweepLeases(): Promise<JobRecord[]> {
    const { store, clock, logger } = this.options;
    let jobs: JobRecord[];
    try {
      jobs = await store.interruptExpired(msg('jobs.lease.expired'), clock());
    } catch (error) {
      logger.warn({ err: error }, 'could not look for jobs whose lease ran out');
      return [];
    }
    for (const job of jobs) {
      logger.warn(
        { jobId: job.id, lab: job.lab, replica: job.lease?.replica },
        'a job whose lease ran out was interrupted',
      );
      const labops = this.get(job.lab);
      if (!labops) continue;
      this.options.bus.emit({ type: 'job:finished', job, steps: await store.listSteps(job.id) });
      await labops.recover({ interrupted: [job], pending: [], expired: [] });
    }
    return jobs;
  }

  async whenReviewed(): Promise<void> {
    await Promise.all(this.options.labs.map((entry) => entry.labops.whenReviewed()));
  }

  /** `/lab list`: one line of facts per lab the caller may act on (issue 13 §2). */
  list(caller: Caller, signal?: AbortSignal): Promise<LabSummary[]> {
    return Promise.all(this.mayActOn(caller).map((labops) => this.summarize(labops, signal)));
  }

  /** Each lab's line being read now, shared by the lists asked meanwhile. */
  private readonly summaries = new Map<string, Promise<LabSummary>>();

  /**
   * One lab's line, read now: lists asked while it is being read share it (an instructor's list
   * reads every lab; five of them at once need not read each lab five times — issue 13 §5). The
   * read is bounded by `listTimeoutMs`, not by one asker's signal; each asker stops waiting on
   * their own.
   */
  private summarize(labops: Labops, signal: AbortSignal | undefined): Promise<LabSummary> {
    const name = labops.lab.name;
    let reading = this.summaries.get(name);
    if (!reading) {
      reading = summarizeLab(
        {
          name,
          dataCenter: labops.lab.dataCenter,
          simulated: labops.lab.simulated,
          engine: this.byName.get(name)!.engine,
          store: this.options.store,
        },
        { timeoutMs: this.options.listTimeoutMs },
      ).finally(() => this.summaries.delete(name));
      this.summaries.set(name, reading);
    }
    if (!signal) return reading;
    return Promise.race([
      reading,
      new Promise<never>((_resolve, reject) => {
        if (signal.aborted) reject(cancelledBy(signal));
        signal.addEventListener('abort', () => reject(cancelledBy(signal)), { once: true });
      }),
    ]);
  }

  async readEach(
    caller: Caller,
    which: 'all' | readonly string[],
    request: { command: string; text: string },
    signal?: AbortSignal,
  ): Promise<LabReading[]> {
    const key = `${request.command.replace(/^\//, '')} ${request.text.trim().split(/\s+/)[0] ?? ''}`;
    const mine = this.mayActOn(caller, key);
    let chosen: Labops[];
    if (which === 'all') {
      chosen = mine;
    } else {
      // Each name known (the nearest suggested), each lab one the caller may act on: a student
      // names no other team's lab (issue 13 §2).
      chosen = [...new Set(which)].map((name) => this.get(name) ?? this.throwUnknown(name));
      const refused = chosen.filter((labops) => !mine.includes(labops));
      if (refused.length) {
        throw new LabopsError(
          'FORBIDDEN',
          msg('lab.across.forbidden', {
            principal: caller.principal,
            labs: list(refused.map((l) => verbatim(l.lab.name))),
          }),
        );
      }
      chosen = this.options.labs.map((e) => e.labops).filter((labops) => chosen.includes(labops));
    }
    return mapBounded(chosen, this.options.labsInParallel ?? DEFAULT_LABS_IN_PARALLEL, async (labops) => {
      const name = labops.lab.name;
      const result = await labops.dispatch({ ...request, caller, signal });
      if (result.kind === 'view') return { lab: name, view: result.view };
      if (result.kind === 'error') return { lab: name, error: result.error };
      // A read never makes a card; were one made, it would wait unseen.
      return {
        lab: name,
        error: new LabopsError('INTERNAL', msg('lab.across.notRead', { command: verbatim(key) })),
      };
    });
  }

  /**
   * A change asked of several labs at once (`/lab reset --all`, `--lab a,b`): the labs, and the
   * text each lab plans. Undefined for anything else, which runs in one lab.
   */
  private findAcrossChange(input: LabDispatchInput): AcrossRequest | undefined {
    const { named, text } = takeLabFlags(input.text);
    const tokens = tokenize(decodeSlackText(text));
    const found = this.first.registry.find(input.command);
    const sub = found?.subcommands.find((s) => s.name === tokens[0]?.toLowerCase());
    if (!found || !sub?.acrossLabs || isRead(sub) || isDirect(sub) || tokens.some(isHelpWord))
      return undefined;
    const all = tokens.includes('--all');
    if (!all && !named.some((n) => n.includes(','))) return undefined;
    if (all && named.length) {
      throw new LabopsError('USAGE', msg('lab.across.allAndList'), {
        hint: msg('lab.across.allAndListHint', {
          all: verbatim(`/${found.name} ${sub.name} --all`),
          list: verbatim(`/${found.name} ${sub.name} --lab ${this.names.slice(0, 2).join(',')}`),
        }),
      });
    }
    if (new Set(named).size > 1) {
      throw new LabopsError(
        'USAGE',
        msg('pipeline.lab.flagTwice', { labs: list(named.map((n) => verbatim(n))) }),
      );
    }
    const listed = all ? this.names : named[0]!.split(',').map((n) => n.trim());
    if (listed.some((n) => n === '')) {
      throw new LabopsError('USAGE', msg('lab.across.emptyName', { labs: verbatim(named[0] ?? '') }), {
        hint: msg('lab.across.emptyNameHint', { example: verbatim('--lab lab1,lab2') }),
      });
    }
    for (const name of listed) if (!this.byName.has(name)) this.throwUnknown(name);
    const chosen = this.names.filter((name) => listed.includes(name));
    const bound = this.forChannel(input.caller.channel);
    return {
      command: found.name,
      sub: sub.name,
      labs: chosen,
      text: dropAllFlag(text).trim(),
      typed: input.text,
      caller: input.caller,
      home: (input.lab === undefined ? undefined : this.get(input.lab)) ?? bound ?? this.first,
      signal: input.signal,
    };
  }

  /** The lab a command is for, and its text without `--lab`. */
  private resolve(input: LabDispatchInput): { labops: Labops; text: string } {
    const { named, text } = takeLabFlags(input.text);
    if (named.some((n) => n === '')) {
      throw new LabopsError('USAGE', msg('pipeline.lab.flagValue'), { hint: this.chooseHint() });
    }
    if (new Set(named).size > 1) {
      throw new LabopsError(
        'USAGE',
        msg('pipeline.lab.flagTwice', { labs: list(named.map((n) => verbatim(n))) }),
      );
    }
    const tokens = text
      .trim()
      .split(/\s+/)
      .filter((t) => t !== '');
    // `--all` or `--lab a,b` of a command across labs (`/lab status --all`): the command reads its
    // `--lab` list itself, and any lab the caller may act on takes it (issue 13 §3).
    const across =
      this.isAcrossLabs(input.command, tokens[0]) &&
      (tokens.includes('--all') || named.some((n) => n.includes(',')));
    const name = across ? undefined : (named[0] ?? input.lab);
    if (name !== undefined) return { labops: this.get(name) ?? this.throwUnknown(name), text };
    const bound = this.forChannel(input.caller.channel);
    if (across) {
      const mine = this.mayActOn(input.caller);
      const labops = bound && mine.includes(bound) ? bound : (mine[0] ?? bound ?? this.first);
      return { labops, text: named.length ? `${text.trim()} --lab ${named[0]}` : text };
    }
    // `/lab list` and help need no lab, and are the bot's rather than the channel's lab's: a lab
    // the caller may act on answers them (the bound one first), so its policy lets them ask.
    const listing = input.command.replace(/^\//, '') === 'lab' && tokens[0] === 'list';
    if (listing || tokens.length === 0 || tokens.some(isHelpWord)) {
      const mine = this.mayActOn(input.caller);
      const labops = bound && mine.includes(bound) ? bound : (mine[0] ?? bound ?? this.first);
      return { labops, text };
    }
    if (bound) return { labops: bound, text };
    throw new LabopsError('USAGE', msg('pipeline.lab.choose'), { hint: this.chooseHint() });
  }

  /** Whether `command sub` works across labs with `--all` or a `--lab` list (Subcommand.acrossLabs). */
  private isAcrossLabs(command: string, sub: string | undefined): boolean {
    const found = this.first.registry.find(command);
    return found?.subcommands.find((s) => s.name === sub?.toLowerCase())?.acrossLabs === true;
  }

  private throwUnknown(name: string): never {
    const nearest = suggestNearest(name, this.names);
    throw new LabopsError(
      'USAGE',
      nearest
        ? msg('pipeline.lab.unknownNearest', { lab: verbatim(name), nearest: verbatim(nearest) })
        : msg('pipeline.lab.unknown', { lab: verbatim(name) }),
      { hint: this.chooseHint() },
    );
  }

  private chooseHint() {
    return msg('pipeline.lab.chooseHint', {
      labs: list(this.names.map((n) => verbatim(n))),
      example: verbatim(`--lab ${this.names[0]}`),
    });
  }

  private async labOfApproval(approvalId: string | undefined, lab: string | undefined): Promise<Labops> {
    if (!this.many) return this.first;
    const { store } = this.options;
    const ownerOf = async (id: string | undefined) => {
      const approval = id === undefined ? undefined : await store.getApproval(id);
      const job = approval ? await store.getJob(approval.jobId) : undefined;
      return job ? this.get(job.lab) : undefined;
    };
    // An id no lab knows: any lab's flow says so, as it always has.
    if (approvalId !== undefined) return (await ownerOf(approvalId)) ?? this.first;
    if (lab !== undefined && this.get(lab)) return this.get(lab)!;
    const [newest] = await store.listApprovals({ statuses: ['pending'], limit: 1 });
    return (await ownerOf(newest?.id)) ?? this.first;
  }
}

/** `--lab` as typed: phones turn `--` into a dash. */
const LAB_WORD = /^(?:--|[\u2014\u2013])lab$/;
const LAB_JOINED = /^(?:--|[\u2014\u2013])lab=/;
const ALL_WORD = /^(?:--|[\u2014\u2013])all$/;

/**
 * The names given with `--lab` in a command's text (`--lab NAME`, `--lab=NAME`; `--lab` with no
 * name, at the end or before another option, gives an empty one), and the text without them as it
 * was typed. Only unquoted words count: `--reason "move it to --lab lab2"` keeps its reason.
 */
function takeLabFlags(typed: string): { named: string[]; text: string } {
  const named: string[] = [];
  const cuts: { start: number; end: number }[] = [];
  const words = scanWords(typed);
  for (let i = 0; i < words.length; i++) {
    const word = words[i]!;
    if (word.quoted) continue;
    if (LAB_JOINED.test(word.word)) {
      named.push(word.word.replace(LAB_JOINED, ''));
      cuts.push(word);
    } else if (LAB_WORD.test(word.word)) {
      const value = words[i + 1];
      if (value && !(value.word.startsWith('-') && !value.quoted)) {
        named.push(value.word);
        cuts.push({ start: word.start, end: value.end });
        i++;
      } else {
        named.push('');
        cuts.push(word);
      }
    }
  }
  return { named, text: cutWords(typed, cuts) };
}

/** `text` without `--all` (unquoted), as it was typed. */
function dropAllFlag(typed: string): string {
  return cutWords(
    typed,
    scanWords(typed).filter((w) => !w.quoted && ALL_WORD.test(w.word)),
  );
}

/** `text` without the spans `cuts`, each replaced by a space. */
function cutWords(text: string, cuts: readonly { start: number; end: number }[]): string {
  let out = '';
  let last = 0;
  for (const cut of cuts) {
    out += `${text.slice(last, cut.start)} `;
    last = cut.end;
  }
  return out + text.slice(last);
}
