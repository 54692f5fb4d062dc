import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Policy } from '../../approvals/policy.js';
import { allSteps, createRegistry } from '../../commands/index.js';
import { createHttpDownloads } from '../../src/downloads.js';
import type { EngineClient } from '../../src/engine/engine-client.js';
import type { LabEvent } from '../../src/jobs/events.js';
import { labInfoFromSimulator } from '../../src/lab-info.js';
import { Labops } from '../../src/labops.js';
import { createSilentLogger } from '../../src/log.js';
import { createSimDriver } from '../../src/sim/machine-driver.js';
import type { FaultSpec } from '../../src/sim/types.js';
import { type OwnedStore, openOwnedStore, STORE_FILE } from '../../src/store/owner.js';
import type { ApprovalRecord, RecoveryReport, Store } from '../../src/store/types.js';
import { type SimLab, startSimLab } from '../support/engine.js';
import { type ChaosSources, startChaosSources } from './sources.js';

const GiB = 1024 ** 3;

/** The simulated lab's policy (design.md, Principals): three approvers, anyone may ask. */
export const CHAOS_POLICY: Policy = {
  askers: 'anyone',
  channels: 'anywhere',
  approvers: ['shell:alice', 'shell:bob', 'shell:carol'],
  expiryMinutes: 15,
  commands: {},
};

/** How a graceful stop waits for running jobs to record their end (main.ts's JOB_STOP_MS). */
const TERM_JOB_STOP_MS = 15_000;

/** One life of labops between two restarts: its own store handle, engine client and executor. */
export interface Incarnation {
  readonly index: number;
  readonly labops: Labops;
  readonly store: Store;
  readonly engine: EngineClient;
  /** What `recover` found; set once it ends (the events of the reviews it starts reach `onEvent`). */
  recovery: RecoveryReport;
  /** Dispatches and clicks started on it and not awaited (Slack's concurrency). */
  readonly inFlight: Set<Promise<unknown>>;
  dead: boolean;
}

interface Parts {
  owned: OwnedStore;
  close(): Promise<void>;
}

/** What the store held the moment before labops stopped: the cards a restart must not lose. */
export interface StopSnapshot {
  pending: ApprovalRecord[];
  approved: ApprovalRecord[];
}

function pause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

/**
 * The world of a chaos run: a fast simulator, loopback ISO sources, a data directory, an injected
 * clock, and labops itself, which a restart closes and opens again on the same data directory, as
 * main.ts does (the directory locked, then the store, then `recover`). A `kill` stops it as
 * SIGKILL would: the store closes at once (nothing more is recorded), the directory's lock goes
 * with it, and the engine client takes no new request while those already sent go on; a `term`
 * stops it as SIGTERM does in main.ts (`Labops.stop`, then the lab, then the store).
 */
export class ChaosWorld {
  readonly clock: { now: number };
  current!: Incarnation;
  /** Called for every event of every incarnation, with the incarnation that emitted it. */
  onEvent: (incarnation: Incarnation, event: LabEvent) => void = () => undefined;
  private incarnations = 0;
  private readonly parts = new Map<Incarnation, Parts>();
  private readonly closing: Promise<unknown>[] = [];
  /** While above 0, injected faults let requests through: the invariants read the lab unharmed. */
  private observing = 0;

  private constructor(
    readonly lab: SimLab,
    readonly sources: ChaosSources,
    readonly dir: string,
    private readonly ownDir: boolean,
  ) {
    this.clock = { now: Date.parse('2026-11-28T10:00:00Z') };
  }

  /** Runs on each new labops before it recovers: a test plants a bug here to see it caught. */
  prepare: (labops: Labops) => void = () => undefined;

  static async start(
    options: { timeScale?: number; dir?: string; prepare?: (labops: Labops) => void } = {},
  ): Promise<ChaosWorld> {
    const lab = await startSimLab({
      timeScale: options.timeScale ?? 0.002,
      seed: {
        exports: [
          { path: '/export/data', sizeBytes: 50 * GiB },
          { path: '/export/iso', sizeBytes: 50 * GiB },
          { path: '/export/spare', sizeBytes: 20 * GiB },
        ],
      },
    });
    const sources = await startChaosSources();
    const dir = options.dir ?? mkdtempSync(join(tmpdir(), 'labops-chaos-'));
    const world = new ChaosWorld(lab, sources, dir, options.dir === undefined);
    if (options.prepare) world.prepare = options.prepare;
    world.current = await world.open();
    return world;
  }

  get dbPath(): string {
    return join(this.dir, STORE_FILE);
  }

  /** The engine client the invariants read with (not labops's own). */
  get observer(): EngineClient {
    return this.lab.client;
  }

  /** Runs `read` with injected faults suspended, so a check never eats a fault meant for labops. */
  async observe<T>(read: () => Promise<T>): Promise<T> {
    this.observing++;
    try {
      for (let attempt = 1; ; attempt++) {
        try {
          return await read();
        } catch (error) {
          if (attempt >= 5) throw error;
          await pause(20 * attempt);
        }
      }
    } finally {
      this.observing--;
    }
  }

  /** A fault that spares the invariants' reads (see `observe`). */
  injectFault(spec: Omit<FaultSpec, 'path'> & { path?: RegExp }): void {
    const world = this;
    const pattern = spec.path ?? /./;
    class SparingPath extends RegExp {
      override test(path: string): boolean {
        return world.observing === 0 && pattern.test(path);
      }
    }
    this.lab.sim.knobs.injectFault({ ...spec, path: new SparingPath(pattern.source, pattern.flags) });
  }

  /** A second labops on the same data directory: answers the error it must stop with, if any. */
  async startIntruder(): Promise<string | undefined> {
    try {
      const owned = openOwnedStore({ dir: this.dir });
      await owned.close();
      return undefined;
    } catch (error) {
      return (error as Error).message;
    }
  }

  private async open(): Promise<Incarnation> {
    const owned = openOwnedStore({ dir: this.dir });
    const store = owned.store;
    const engine = this.lab.connect();
    // The sources are on loopback, which a lab opens only by naming it (issue 10 §2); a stalled
    // source ends its job after 5 s without a byte rather than the default 30 s.
    const downloads = createHttpDownloads({ allowedNetworks: ['127.0.0.0/8'], timeoutMs: 5000 });
    const machines = createSimDriver(this.lab.sim);
    const labops = new Labops({
      registry: createRegistry(),
      steps: allSteps,
      store,
      engine,
      downloads,
      machines,
      lab: labInfoFromSimulator(this.lab.sim),
      policy: CHAOS_POLICY,
      clock: () => this.clock.now,
      logger: createSilentLogger(),
      recordRetry: { initialDelayMs: 20, maxDelayMs: 200 },
    });
    const index = this.incarnations++;
    const holder: { incarnation?: Incarnation } = {};
    labops.bus.subscribe((event) => {
      if (holder.incarnation) this.onEvent(holder.incarnation, event);
    });
    this.prepare(labops);
    const incarnation: Incarnation = {
      index,
      labops,
      store,
      engine,
      recovery: { interrupted: [], pending: [], expired: [] },
      inFlight: new Set(),
      dead: false,
    };
    holder.incarnation = incarnation;
    incarnation.recovery = await labops.recover();
    this.parts.set(incarnation, {
      owned,
      close: async () => {
        await Promise.all([downloads.close(), machines.close()]);
      },
    });
    return incarnation;
  }

  /**
   * The cards the store holds. Both reads are issued before the first await: over SQLite each
   * store call runs whole when it is made, so a caller that closes the store in the same tick
   * reads the moment before the stop, with nothing in flight writing in between.
   */
  private async snapshot(store: Store): Promise<StopSnapshot> {
    const [pending, approved] = await Promise.all([
      store.listApprovals({ statuses: ['pending'] }),
      store.listApprovals({ statuses: ['approved'] }),
    ]);
    return { pending, approved };
  }

  /** Stops the current labops as SIGKILL or SIGTERM would, and answers what its store held. */
  private async stopCurrent(mode: 'kill' | 'term'): Promise<StopSnapshot> {
    const old = this.current;
    const parts = this.parts.get(old)!;
    this.parts.delete(old);
    old.dead = true;
    let before: StopSnapshot;
    if (mode === 'kill') {
      // A SIGKILL is one instant: the reads are made and the store closed in the same tick.
      const snapshot = this.snapshot(old.store);
      const active = old.store.listJobs({ statuses: ['queued', 'running'] });
      // The process is gone: its store handle and its lock on the directory with it.
      const closed = parts.owned.close();
      // No new request goes out; those already on the wire reach the engine (it keeps working).
      this.closing.push(old.engine.close().catch(() => undefined));
      before = await snapshot;
      const running = (await active).filter((job) => old.labops.executor.isRunning(job.id));
      await closed;
      // The dead executor's steps stop at their next await; their writes to the store fail.
      for (const job of running) old.labops.executor.cancel(job.id, 'kill');
    } else {
      await old.labops.stop(TERM_JOB_STOP_MS);
      await old.engine.close().catch(() => undefined);
      const snapshot = this.snapshot(old.store);
      await parts.owned.close();
      before = await snapshot;
    }
    this.closing.push(parts.close().catch(() => undefined));
    // Whatever the dead incarnation still had in flight ends in errors nobody reads.
    for (const work of old.inFlight) this.closing.push(work.catch(() => undefined));
    return before;
  }

  /** Stops labops as `mode` says and starts it again on the same data directory, `downMs` later. */
  async restart(mode: 'kill' | 'term', downMs = 0): Promise<{ before: StopSnapshot; after: Incarnation }> {
    const before = await this.stopCurrent(mode);
    this.clock.now += downMs;
    this.current = await this.open();
    return { before, after: this.current };
  }

  /** Stops labops as SIGTERM does, for good. */
  async stop(): Promise<void> {
    if (!this.current.dead) await this.stopCurrent('term');
  }

  /** Stops labops and closes the simulator, the sources and the data directory. */
  async close(): Promise<void> {
    await this.stop();
    await Promise.race([Promise.allSettled(this.closing), pause(10_000)]);
    await this.sources.close();
    await this.lab.close();
    if (this.ownDir) rmSync(this.dir, { recursive: true, force: true });
  }
}
