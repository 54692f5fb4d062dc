import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore } from '../../src/store/sqlite-store.js';
import type { ApprovalRecord, AuditEvent, Store } from '../../src/store/types.js';
import { cleanEnv, MAIN, spawnTs } from '../support/processes.js';
import {
  checkApprovals,
  checkCanceller,
  checkLocks,
  checkSteps,
  countStarts,
  type InvariantName,
  isFinal,
  type Violation,
} from './invariants.js';
import { APPROVERS, generateCommandText, OUTSIDERS, REQUESTERS } from './operations.js';
import { Random } from './random.js';
import { type SourceKind, startChaosSources } from './sources.js';

/**
 * The chaos run against the real entry point (`npm start`: src/main.ts in shell mode, with
 * LABOPS_DATA_DIR), restarted with real SIGKILL and SIGTERM, jobs in flight included. Its
 * simulated lab lives in the process and starts afresh with it, so this run checks what the store
 * must keep across real process deaths; the in-process run checks the simulator's side.
 */
export interface ProcessChaosResult {
  seed: number;
  operations: number;
  restarts: number;
  kills: number;
  terms: number;
  violations: Violation[];
  /** Jobs by final status at the end. */
  jobs: Record<string, number>;
  durationMs: number;
}

const ANSWER_MS = 90_000;
const EXIT_MS = 20_000;

/** The shell of one `npm start`: lines in, lines out, a marker to know a line was handled. */
class Bot {
  readonly child: ChildProcess;
  private buffer = '';
  private readonly lines: string[] = [];
  private waiters: { pattern: RegExp; resolve: () => void }[] = [];
  stderr = '';
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private marks = 0;

  constructor(dir: string) {
    this.child = spawnTs(MAIN, [], { cwd: dir, env: cleanEnv({ LABOPS_DATA_DIR: dir }) });
    this.exited = new Promise((resolve) =>
      this.child.on('exit', (code, signal) => resolve({ code, signal })),
    );
    this.child.stdin?.on('error', () => undefined);
    this.child.stderr?.on('data', (d: Buffer) => {
      this.stderr += d.toString();
    });
    this.child.stdout?.on('data', (d: Buffer) => {
      this.buffer += d.toString();
      for (let nl = this.buffer.indexOf('\n'); nl >= 0; nl = this.buffer.indexOf('\n')) {
        const line = this.buffer.slice(0, nl);
        this.buffer = this.buffer.slice(nl + 1);
        this.lines.push(line);
        if (process.env.CHAOS_DEBUG) process.stdout.write(`    | ${line}\n`);
        this.waiters = this.waiters.filter((w) => {
          if (!w.pattern.test(line)) return true;
          w.resolve();
          return false;
        });
      }
    });
  }

  send(line: string): void {
    this.child.stdin?.write(`${line}\n`);
  }

  /** Sends a marker line and waits until the shell reaches it: everything before it was handled. */
  async sync(ms = ANSWER_MS): Promise<'answered' | 'exited' | 'timeout'> {
    const name = `mark-${++this.marks}`;
    const reached = new Promise<void>((resolve) => {
      this.waiters.push({ pattern: new RegExp(`now acting as shell:${name}$`), resolve });
    });
    this.send(`as ${name}`);
    let timer: NodeJS.Timeout | undefined;
    const outcome = await Promise.race([
      reached.then(() => 'answered' as const),
      this.exited.then(() => 'exited' as const),
      new Promise<'timeout'>((resolve) => {
        timer = setTimeout(() => resolve('timeout'), ms);
      }),
    ]);
    clearTimeout(timer);
    return outcome;
  }

  async stop(signal: NodeJS.Signals): Promise<boolean> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return true;
    this.child.kill(signal);
    let timer: NodeJS.Timeout | undefined;
    const exited = await Promise.race([
      this.exited.then(() => true),
      new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(false), EXIT_MS);
      }),
    ]);
    clearTimeout(timer);
    if (!exited) {
      this.child.kill('SIGKILL');
      await this.exited;
    }
    return exited;
  }
}

function pause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export async function runProcessChaos(options: {
  seed: number;
  count: number;
  log?: ((line: string) => void) | undefined;
}): Promise<ProcessChaosResult> {
  const started = performance.now();
  const random = new Random((options.seed ^ 0x5bd1e995) >>> 0);
  const dir = mkdtempSync(join(tmpdir(), 'labops-chaos-process-'));
  const dbPath = join(dir, 'labops.db');
  const sources = await startChaosSources();
  const violations: Violation[] = [];
  const reported = new Set<string>();
  const starts = new Map<string, number>();
  const checkedFinal = new Set<string>();
  let lastSeq = 0;
  let index = 0;
  const result = { restarts: 0, kills: 0, terms: 0 };
  const log = (line: string) => options.log?.(line);
  const violate = (invariant: InvariantName, message: string) => {
    const key = `${invariant}:${message}`;
    if (reported.has(key)) return;
    reported.add(key);
    violations.push({ invariant, op: index, message });
    log(`VIOLATION ${invariant} after process operation ${index}: ${message}`);
  };
  const read = async <T>(fn: (store: Store) => Promise<T>): Promise<T> => {
    const store = openStore({ path: dbPath, readOnly: true });
    try {
      return await fn(store);
    } finally {
      await store.close();
    }
  };
  /** The store-only invariants; with `stopped`, nothing may be running or queued either. */
  const checkStore = async (store: Store, stopped: 'clean' | 'recovered' | 'sigterm' | undefined) => {
    const fresh: AuditEvent[] = (await store.listAudit(100_000)).filter((e) => e.seq > lastSeq);
    if (fresh.length) lastSeq = Math.max(...fresh.map((e) => e.seq));
    countStarts(fresh, starts);
    const [jobs, locks, approvals] = await Promise.all([
      store.listJobs(),
      store.listLocks(),
      store.listApprovals(),
    ]);
    // A killed bot leaves its jobs running with their locks until the next start recovers them.
    if (stopped) for (const p of checkLocks(jobs, locks)) violate('lock-outlives-job', p);
    for (const p of checkApprovals(jobs, approvals)) violate('approval-inconsistent', p);
    for (const job of jobs) {
      const count = starts.get(job.id) ?? 0;
      if (count > 1)
        violate('job-ran-twice', `${job.id} (/${job.command} ${job.text}) started ${count} times`);
      if (stopped && (job.status === 'running' || job.status === 'queued'))
        violate(
          'job-not-final',
          `${job.id} (/${job.command} ${job.text}) is ${job.status} after ${{ clean: 'a clean stop', recovered: 'a restart', sigterm: 'SIGTERM ended npm start' }[stopped]}`,
        );
      if (isFinal(job.status) && !checkedFinal.has(job.id)) {
        checkedFinal.add(job.id);
        for (const p of checkSteps(job, await store.listSteps(job.id), count))
          violate('steps-inconsistent', p);
        const outsider = checkCanceller(job);
        if (outsider) violate('cancel-by-outsider', outsider);
      }
    }
  };

  const startBot = async (): Promise<Bot> => {
    const bot = new Bot(dir);
    const answer = await bot.sync();
    if (answer !== 'answered')
      violate('no-answer', `a new labops did not start (${answer}): ${bot.stderr.slice(0, 300)}`);
    return bot;
  };
  let bot = await startBot();
  const lookStderr = () => {
    if (/command failed unexpectedly|job crashed|"level":50/.test(bot.stderr))
      violate('internal-error', `labops logged an error: ${bot.stderr.slice(0, 400)}`);
  };

  const restart = async (signal: 'SIGKILL' | 'SIGTERM') => {
    result.restarts++;
    if (signal === 'SIGKILL') result.kills++;
    else result.terms++;
    const before = await read(async (store) => ({
      pending: await store.listApprovals({ statuses: ['pending'] }),
      approved: await store.listApprovals({ statuses: ['approved'] }),
    }));
    const exited = await bot.stop(signal);
    if (!exited) violate('no-answer', `labops did not end within ${EXIT_MS / 1000} s of ${signal}`);
    lookStderr();
    // SIGTERM asks for a clean stop: running jobs cancelled and their ends recorded (main.ts).
    await read((store) => checkStore(store, signal === 'SIGTERM' && exited ? 'sigterm' : undefined));
    bot = await startBot();
    await read(async (store) => {
      await checkStore(store, 'recovered');
      const keep = async (cards: ApprovalRecord[], status: string) => {
        for (const card of cards) {
          const after = await store.getApproval(card.id);
          if (after?.status !== status)
            violate(
              'card-lost-across-restart',
              `${card.id} was ${status} before the ${signal} and is ${after?.status ?? 'gone'} after it`,
            );
        }
      };
      await keep(before.pending, 'pending');
      await keep(before.approved, 'approved');
    });
  };

  const who = () => random.weighted({ approver: 40, requester: 45, outsider: 15 });
  const principal = (role: string, requester: string) =>
    role === 'requester'
      ? requester.replace(/^shell:/, '')
      : role === 'approver'
        ? random.pick(APPROVERS)
        : random.pick(OUTSIDERS);

  try {
    for (index = 0; index < options.count; index++) {
      const kind = random.weighted({ command: 40, click: 36, cancel: 6, restart: 10, midJob: 8 });
      if (kind === 'command') {
        const op = generateCommandText(random, index, ['fast', 'trickle', 'drop', 'page']);
        let text = op.text.replace(/\{source:(\w+):([^}]+)\}/, (_, k: string, name: string) =>
          sources.url(k as SourceKind, name),
        );
        if (text.includes('{iso}')) {
          const names = (await read((s) => s.listJobs({ statuses: ['succeeded'] })))
            .filter((j) => j.command === 'iso upload')
            .map((j) => String(j.steps[0]?.params.name));
          text = text.replace('{iso}', () => (names.length ? random.pick(names.sort()) : 'none.iso'));
        }
        text = text.replace('{domain}', 'nfs-iso');
        bot.send(`as ${random.pick(REQUESTERS)}`);
        bot.send(`${op.command} ${text}`);
      } else if (kind === 'click' || kind === 'midJob') {
        const cards = (await read((s) => s.listApprovals({ statuses: ['pending'] }))).sort((a, b) =>
          a.id.localeCompare(b.id, undefined, { numeric: true }),
        );
        if (cards.length === 0) continue;
        const card = random.pick(cards);
        const decision = kind === 'midJob' || random.chance(0.85) ? 'approve' : 'deny';
        if (kind === 'midJob') {
          // Approved as its risk needs, so that a job runs when the signal comes.
          const approvers =
            card.risk === 'change'
              ? [card.requester.replace(/^shell:/, '')]
              : APPROVERS.filter((a) => `shell:${a}` !== card.requester).slice(0, card.required);
          for (const name of approvers) {
            bot.send(`as ${name}`);
            bot.send(`approve ${card.id}`);
          }
        } else {
          bot.send(`as ${principal(who(), card.requester)}`);
          bot.send(`${decision} ${card.id}`);
        }
        if (kind === 'midJob') {
          // Strike while the job runs: a real signal at a moment the seed chose.
          await pause(random.int(20, 600));
          await restart(random.chance(0.5) ? 'SIGKILL' : 'SIGTERM');
          continue;
        }
      } else if (kind === 'cancel') {
        const jobs = await read((s) => s.listJobs({ statuses: ['awaiting_approval', 'queued', 'running'] }));
        if (jobs.length === 0) continue;
        const job = random.pick(jobs.sort((a, b) => a.id.localeCompare(b.id)));
        bot.send(`as ${principal(who(), job.requester)}`);
        bot.send(`/lab cancel ${job.id}`);
      } else {
        await restart(random.chance(0.5) ? 'SIGKILL' : 'SIGTERM');
        continue;
      }
      const answer = await bot.sync();
      if (answer === 'timeout') violate('no-answer', `labops did not answer within ${ANSWER_MS / 1000} s`);
      if (answer === 'exited') {
        violate('no-answer', `labops exited while it ran: ${bot.stderr.slice(0, 300)}`);
        bot = await startBot();
      }
      lookStderr();
      if ((index + 1) % 50 === 0) log(`  … ${index + 1} process operations, ${result.restarts} restarts`);
    }
    bot.send('quit');
    bot.child.stdin?.end();
    const ended = await Promise.race([bot.exited.then(() => true), pause(EXIT_MS).then(() => false)]);
    if (!ended) {
      violate('no-answer', 'labops did not end after quit');
      await bot.stop('SIGKILL');
    }
    lookStderr();
    index = -1;
    const jobs: Record<string, number> = {};
    await read(async (store) => {
      await checkStore(store, 'clean');
      for (const job of await store.listJobs()) jobs[job.status] = (jobs[job.status] ?? 0) + 1;
    });
    return {
      seed: options.seed,
      operations: options.count,
      ...result,
      violations,
      jobs,
      durationMs: performance.now() - started,
    };
  } finally {
    await bot.stop('SIGKILL');
    await sources.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
