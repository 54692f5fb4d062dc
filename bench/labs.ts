import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Caller } from '../src/command.js';
import { mapLabLimits } from '../src/config/lab-policy.js';
import { loadConfig } from '../src/config.js';
import { getDownloadRules } from '../src/downloads.js';
import { renderText } from '../src/i18n/render.js';
import { createLabs, type LabSet } from '../src/lab.js';
import type { DispatchResult } from '../src/labops.js';
import {
  buildBot,
  type LabsFileOptions,
  readCpuSeconds,
  readMemory,
  type ShellBot,
  type SimLabEntry,
  startShellBot,
  writeSimLabsFile,
} from './bot.js';
import { median, percentile, round, type SimInfo, startProcess } from './support.js';

/** Issue 13 §5: 30 labs of 3 hosts, 50 ms of engine latency each, 50 users. */
const LABS = 30;
const HOSTS = 3;
const INJECTED_LATENCY_MS = 50;
const USERS = 50;
/** Of the users, the instructors (every lab); the others are students, each of one team's lab. */
const INSTRUCTORS = Number(process.env.BENCH_LABS_INSTRUCTORS ?? 5);
const ROUNDS = 30;
/** Rounds before the measured ones: tokens, connections, data center ids, and the JIT. */
const WARM_UP_ROUNDS = 3;
const ROUND_TRIPS = 15;
/** Bots per lab count for the memory figure (the idle bench uses five; these are noisy less). */
const BOTS = 3;
/** The idle bench's quiet time after the answer (bench/idle.ts IDLE_MS). */
const IDLE_MS = 15_000;

/** Labs started by startSimLabs: lab1…labN, each simulator a process of its own. */
export interface SimLabs {
  readonly labs: readonly SimLabEntry[];
  /** Each lab's engine password by its variable's name (SimLabEntry.passwordEnv), for a bot's env. */
  readonly passwords: Record<string, string>;
  /** The simulators' processes (their CPU time, bench/bot.ts readCpuSeconds). */
  readonly pids: readonly number[];
  /** Stops every simulator. */
  stop(): Promise<void>;
}

/**
 * `count` simulators started at once, each in its own process (sim-process.ts) with `hosts`
 * hypervisors and `latencyMs` of engine latency. Lab N's engine listens on 127.1.N.1 and its
 * machines are named 127.1.N.10 (storage) and 127.1.N.11… (hypervisors) in a lab file: loopback
 * addresses, none shared between labs (a bot refuses two labs at one address, issue 13 §1).
 */
export async function startSimLabs(
  count: number,
  options: { hosts?: number; latencyMs?: number } = {},
): Promise<SimLabs> {
  const hosts = options.hosts ?? HOSTS;
  const started = await Promise.allSettled(
    Array.from({ length: count }, (_, i) =>
      startProcess<SimInfo>('./sim-process.ts', [
        '--address',
        `127.1.${i + 1}.1`,
        '--hosts',
        String(hosts),
        '--latency-ms',
        String(options.latencyMs ?? 0),
      ]),
    ),
  );
  const sims = started.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
  const stop = async () => {
    await Promise.all(sims.map((sim) => sim.stop()));
  };
  const failed = started.find((s) => s.status === 'rejected');
  if (failed) {
    await stop();
    throw failed.reason;
  }
  const labs = sims.map(
    (sim, i): SimLabEntry => ({
      name: `lab${i + 1}`,
      sim: sim.info,
      passwordEnv: `BENCH_LAB${i + 1}_ENGINE_PASSWORD`,
      storageAddress: `127.1.${i + 1}.10`,
      hosts: Array.from({ length: hosts }, (_, h) => ({
        name: `hyper${h + 1}`,
        address: `127.1.${i + 1}.${11 + h}`,
      })),
    }),
  );
  return {
    labs,
    passwords: Object.fromEntries(labs.map((lab) => [lab.passwordEnv, lab.sim.password])),
    pids: sims.flatMap((sim) => (sim.child.pid === undefined ? [] : [sim.child.pid])),
    stop,
  };
}

/**
 * The bot's labs in this process as `npm start` makes them (src/main.ts): the lab file `dir/lab.yml`
 * (writeSimLabsFile) read by loadConfig, then createLabs with the same options, a store in
 * `dir/data`. What a shell or Slack adapter would dispatch to, without the adapter.
 */
export async function openSimLabsHub(dir: string, sims: SimLabs): Promise<LabSet> {
  const config = await loadConfig({
    env: { LAB_CONFIG: join(dir, 'lab.yml'), LABOPS_DATA_DIR: join(dir, 'data'), ...sims.passwords },
    cwd: dir,
  });
  return createLabs({
    labs: config.labs.map((source) => {
      if (source.kind !== 'file') throw new Error(`lab ${source.name} is not read from the lab file`);
      return { kind: 'file', source, ssh: config.ssh };
    }),
    instructorPrincipals: config.instructors,
    store: { dir: join(dir, 'data') },
    downloads: getDownloadRules(config),
    limits: mapLabLimits(config.limits),
    labsInParallel: config.limits.labs_in_parallel,
  });
}

interface User {
  readonly caller: Caller;
  /** The lab of its `/lab status --lab X` in round `r`. */
  labOf(round: number): string;
  /** How many labs its `/lab list` shows. */
  readonly lists: number;
}

/** Instructors first (each round's status on another lab), then students spread over the labs. */
function createUsers(labs: readonly SimLabEntry[]): User[] {
  return Array.from({ length: USERS }, (_, k): User => {
    const caller = { principal: `shell:user${k}`, channel: 'shell', groups: [] };
    if (k < INSTRUCTORS) {
      return { caller, labOf: (r) => labs[(k * 7 + r) % labs.length]!.name, lists: labs.length };
    }
    const own = labs[(k - INSTRUCTORS) % labs.length]!.name;
    return { caller, labOf: () => own, lists: 1 };
  });
}

function describeFailure(result: DispatchResult): string {
  if (result.kind === 'error') return renderText('en', result.error.text);
  return `a ${result.kind}, not a view`;
}

async function timeCommand(
  set: LabSet,
  caller: Caller,
  text: string,
): Promise<{ ms: number; state: string }> {
  const started = performance.now();
  const result = await set.labs.dispatch({ command: '/lab', text, caller });
  const ms = performance.now() - started;
  if (result.kind !== 'view')
    throw new Error(`${caller.principal}: /lab ${text}: ${describeFailure(result)}`);
  return { ms, state: result.view.state ? renderText('en', result.view.state.text) : '' };
}

/**
 * `labs30_status_p99_ratio` (issue 13 §5): 30 simulated labs of 3 hosts, each simulator its own
 * process with 50 ms of engine latency, served by one bot's labs. The commands go through the real
 * hub — Labs.dispatch of createLabs over the lab file the built bot reads (openSimLabsHub), in this
 * process as bench/status.ts does for one lab; no adapter. 50 users (INSTRUCTORS instructors, the
 * others students of one team's lab, allowed by that lab's `policy.askers`), ROUNDS rounds: in each,
 * every user at once runs `/lab status --lab X` (X its lab; an instructor's moves over the labs)
 * and then `/lab list`, and the next round starts when all are done (WARM_UP_ROUNDS first, not
 * counted). The p99 of the statuses over one engine round trip (the median of `getApiInfo` on lab1's
 * client, quiet, after the warm-up); the lists' p99 beside it, and the CPU each command cost the bot
 * and the simulators (the simulators share the machine's cores with the bot, as a class's engines
 * would not). The labs reach their engines with TLS unverified (writeSimLabsFile says why).
 *
 * `rss_per_lab_mb`: the built bot as `npm start` runs it, in the shell (bench/bot.ts), BOTS bots with
 * lab1 alone and BOTS with the 30 labs, all started at once; each answers `/lab list` (every lab's
 * engine client used), then after the idle bench's quiet time VmRSS is read:
 * (median of the 30-lab bots − median of the 1-lab bots) / 29.
 */
export async function runLabsBench(): Promise<Record<string, number>> {
  await buildBot();
  const root = mkdtempSync(join(tmpdir(), 'labops-bench-labs-'));
  let sims: SimLabs | undefined;
  try {
    let t = performance.now();
    sims = await startSimLabs(LABS, { hosts: HOSTS, latencyMs: INJECTED_LATENCY_MS });
    process.stdout.write(`  ${LABS} simulators up in ${((performance.now() - t) / 1000).toFixed(1)} s\n`);
    t = performance.now();
    const latency = await measureLatency(root, sims);
    process.stdout.write(`  load: ${((performance.now() - t) / 1000).toFixed(1)} s\n`);
    const memory = await measureMemory(root, sims);
    return { ...latency, ...memory };
  } finally {
    await sims?.stop();
    rmSync(root, { recursive: true, force: true });
  }
}

async function measureLatency(root: string, sims: SimLabs): Promise<Record<string, number>> {
  const dir = join(root, 'hub');
  mkdirSync(dir);
  const users = createUsers(sims.labs);
  const askers: Record<string, string[]> = {};
  for (const user of users.slice(INSTRUCTORS)) {
    const lab = user.labOf(0);
    askers[lab] = [...(askers[lab] ?? []), user.caller.principal];
  }
  writeSimLabsFile(dir, sims.labs, {
    instructors: users.slice(0, INSTRUCTORS).map((u) => u.caller.principal),
    askers,
    approvers: ['shell:teacher'],
  } satisfies LabsFileOptions);
  const set = await openSimLabsHub(dir, sims);
  try {
    await set.labs.start();
    const engine = set.entries[0]!.engine;
    for (let r = 0; r < WARM_UP_ROUNDS; r++) await runRound(set, users, r);
    const roundTrips: number[] = [];
    for (let i = 0; i < ROUND_TRIPS; i++) {
      const started = performance.now();
      await engine.getApiInfo();
      roundTrips.push(performance.now() - started);
    }
    const statuses: number[] = [];
    const lists: number[] = [];
    // Where the time goes: the CPU of this process (the bot's labs) and of the simulators, which
    // share this machine's cores.
    const botCpu = process.cpuUsage();
    const simsCpu = sumCpuSeconds(sims.pids);
    const started = performance.now();
    for (let r = WARM_UP_ROUNDS; r < WARM_UP_ROUNDS + ROUNDS; r++) {
      const round = await runRound(set, users, r);
      statuses.push(...round.statuses);
      lists.push(...round.lists);
    }
    const wallMs = performance.now() - started;
    const commands = statuses.length + lists.length;
    const { user, system } = process.cpuUsage(botCpu);
    const botMs = (user + system) / 1000 / commands;
    const simsMs = ((sumCpuSeconds(sims.pids) - simsCpu) * 1000) / commands;
    const roundTrip = median(roundTrips);
    const statusP99 = percentile(statuses, 99);
    process.stdout.write(
      `  ${USERS} users (${INSTRUCTORS} instructors), ${ROUNDS} rounds of ${(wallMs / ROUNDS).toFixed(0)} ms: status p50 ${median(statuses).toFixed(1)} p99 ${statusP99.toFixed(1)} ms, list p50 ${median(lists).toFixed(1)} p99 ${percentile(lists, 99).toFixed(1)} ms, round trip ${roundTrip.toFixed(1)} ms; CPU per command: bot ${botMs.toFixed(2)} ms, simulators ${simsMs.toFixed(2)} ms\n`,
    );
    return {
      labs30_status_p99_ms: round(statusP99, 1),
      labs30_list_p99_ms: round(percentile(lists, 99), 1),
      labs30_round_trip_ms: round(roundTrip, 1),
      labs30_status_p99_ratio: round(statusP99 / roundTrip),
      labs30_bot_cpu_ms_per_command: round(botMs),
      labs30_sims_cpu_ms_per_command: round(simsMs),
    };
  } finally {
    await set.close();
  }
}

/** Every user at once: its status, then its list; each list must show its labs all up. */
async function runRound(
  set: LabSet,
  users: readonly User[],
  r: number,
): Promise<{ statuses: number[]; lists: number[] }> {
  const statuses: number[] = [];
  const lists: number[] = [];
  await Promise.all(
    users.map(async (user) => {
      statuses.push((await timeCommand(set, user.caller, `status --lab ${user.labOf(r)}`)).ms);
      const list = await timeCommand(set, user.caller, 'list');
      const expected = `${user.lists} ${user.lists === 1 ? 'lab' : 'labs'}: ${user.lists} healthy, 0 down`;
      if (list.state !== expected) throw new Error(`${user.caller.principal}: /lab list: ${list.state}`);
      lists.push(list.ms);
    }),
  );
  return { statuses, lists };
}

function sumCpuSeconds(pids: readonly number[]): number {
  return pids.reduce((sum, pid) => sum + readCpuSeconds(pid), 0);
}

async function measureMemory(root: string, sims: SimLabs): Promise<Record<string, number>> {
  const start = (labs: readonly SimLabEntry[], index: number): ShellBot => {
    const dir = join(root, `bot-${labs.length}-${index}`);
    mkdirSync(dir);
    writeSimLabsFile(dir, labs, { instructors: ['shell:operator'], approvers: ['shell:teacher'] });
    return startShellBot(dir, labs[0]!.sim, sims.passwords);
  };
  const one = Array.from({ length: BOTS }, (_, i) => start(sims.labs.slice(0, 1), i));
  const all = Array.from({ length: BOTS }, (_, i) => start(sims.labs, i));
  try {
    await Promise.all(
      [...one, ...all].map(async (bot, i) => {
        const count = i < BOTS ? 1 : sims.labs.length;
        bot.send('/lab list');
        // Lines run one after the other: the second answer comes once the list is shown.
        bot.send('as operator');
        await bot.waitFor(/now acting as shell:operator/, 60_000);
        const expected = `${count} ${count === 1 ? 'lab' : 'labs'}: ${count} healthy, 0 down`;
        if (!bot.output().includes(expected)) throw new Error(`/lab list answered: ${bot.output()}`);
      }),
    );
    await new Promise((resolve) => setTimeout(resolve, IDLE_MS));
    const memoryOne = one.map((bot) => readMemory(bot.pid));
    const memoryAll = all.map((bot) => readMemory(bot.pid));
    const shown = (values: number[]) => values.map((v) => v.toFixed(1)).join(', ');
    for (const [label, memory] of [
      ['1 lab', memoryOne],
      [`${sims.labs.length} labs`, memoryAll],
    ] as const) {
      process.stdout.write(
        `  RSS of ${BOTS} bots with ${label}: ${shown(memory.map((m) => m.rssMb))} MB (anon ${shown(memory.map((m) => m.anonMb))})\n`,
      );
    }
    const rssOne = median(memoryOne.map((m) => m.rssMb));
    const rssAll = median(memoryAll.map((m) => m.rssMb));
    const extra = sims.labs.length - 1;
    return {
      labs1_rss_mb: round(rssOne, 1),
      labs30_rss_mb: round(rssAll, 1),
      rss_per_lab_mb: round((rssAll - rssOne) / extra),
      rss_anon_per_lab_mb: round(
        (median(memoryAll.map((m) => m.anonMb)) - median(memoryOne.map((m) => m.anonMb))) / extra,
      ),
    };
  } finally {
    await Promise.all([...one, ...all].map((bot) => bot.stop()));
  }
}
