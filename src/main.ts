import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mapLabLimits } from './config/lab-policy.js';
import {
  CONFIG_EXIT_CODE,
  formatConfigProblems,
  type LoadedConfig,
  loadConfig,
  readShellLocale,
} from './config.js';
import { getDownloadRules } from './downloads.js';
import { formatError, LabopsError, toLabopsError } from './errors.js';
import { trimYoungGenerationWhenQuiet } from './heap.js';
import { DEFAULT_LOCALE, type Locale } from './i18n/locale.js';
import { renderText } from './i18n/render.js';
import { list, type Message, msg, verbatim } from './i18n/text.js';
import { describeJobCommand } from './jobs-port.js';
import { type CreateLabsOptions, createLabs, type LabSet } from './lab.js';
import type { Labs } from './labs.js';
import { createLogger } from './log.js';
import type { HealthService } from './service/index.js';
import { subscribeJobLogs } from './service/job-logs.js';
import { runFetchEngineCa } from './setup.js';
import { runShell } from './shell/shell.js';
import { STORE_FILE } from './store/owner.js';
import { openStore } from './store/sqlite-store.js';
import { systemClock } from './time.js';

/** The simulator's pace in the shell: a maintenance takes a second or two, so a transcript takes seconds. */
const SHELL_SIM_TIME_SCALE = 0.01;
/** How long a stop waits for cancelled jobs to record their end. */
const JOB_STOP_MS = 15_000;

/** The composition root (design.md, Architecture): load config, build the lab (src/lab.ts), start one adapter. */
async function main(argv: readonly string[]): Promise<number> {
  // .env is a convenience for `npm start`; tests never load it (they call the parts directly).
  if (existsSync('.env')) process.loadEnvFile('.env');
  let config: LoadedConfig;
  let shellLocale: Locale | undefined;
  try {
    shellLocale = readShellLocale(argv, process.env);
    config = await loadConfig({ env: process.env, cwd: process.cwd() });
  } catch (error) {
    // No lab is chosen yet: the shell's language if it has one (a --lang labops does not speak
    // leaves none, so that refusal is in English), English otherwise.
    process.stderr.write(`${formatConfigProblems(error, shellLocale ?? DEFAULT_LOCALE)}\n`);
    return CONFIG_EXIT_CODE;
  }
  trimYoungGenerationWhenQuiet();
  const first = config.labs[0]!;
  // What main itself prints from here on: the shell's language, else the (first) lab's.
  const locale = shellLocale ?? (first.kind === 'file' ? first.config.locale : DEFAULT_LOCALE);
  if (argv[0] === 'migrate') {
    // The SQLite data directory to move (issue 14 §1), whatever store the bot itself would use.
    const { runMigrateCommand } = await import('./store/migrate.js');
    return runMigrateCommand({
      args: argv.slice(1),
      dir: config.sqliteDir,
      locale,
      stdout: process.stdout,
      stderr: process.stderr,
    });
  }
  // The shell's stdout is the conversation; its logs stay quiet unless LOG_LEVEL asks otherwise.
  const quiet = config.mode === 'shell' && !process.env.LOG_LEVEL;
  const logger = createLogger({ level: quiet ? 'warn' : config.logLevel, format: config.logFormat });
  for (const warning of config.warnings) logger.warn(warning);

  // This process among the replicas that share a PostgreSQL store: named in its logs and leases.
  const replicaId = `r-${randomBytes(4).toString('hex')}`;
  if (config.databaseUrl) logger.info({ replica: replicaId }, 'replica started');
  const dataDir = config.dataDir ?? mkdtempSync(join(tmpdir(), 'labops-'));
  const cleanups: (() => Promise<void> | void)[] = [];
  if (!config.dataDir) cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
  try {
    if (argv.includes('--export-audit')) {
      // An audit export only reads, beside a bot that owns the directory (or the replicas).
      const store = config.databaseUrl
        ? await (await import('./store/pg-store.js')).openPgStore({ url: config.databaseUrl, readOnly: true })
        : openStore({ path: join(dataDir, STORE_FILE), readOnly: true });
      cleanups.unshift(() => store.close());
      for await (const line of store.exportAudit()) process.stdout.write(`${line}\n`);
      return 0;
    }
    if (argv.includes('--fetch-engine-ca')) {
      const source = getOnlyLab(config);
      if (source.kind !== 'file' || !source.config.engine.ca_file) {
        throw new LabopsError('CONFIG', msg('config.main.fetchCaNeedsFile'), {
          hint: msg('config.main.fetchCaNeedsFileHint'),
        });
      }
      return await runFetchEngineCa({
        engineUrl: source.config.engine.url,
        caFile: source.config.engine.ca_file,
        yes: argv.includes('--yes'),
        input: process.stdin,
        output: process.stdout,
        interactive: Boolean(process.stdin.isTTY),
        locale,
      });
    }
    const [first] = config.labs;
    // The health port first: a supervisor sees the process alive, and not ready until it is.
    let health: HealthService | undefined;
    if (config.health) {
      const { startHealthService } = await import('./service/index.js');
      health = await startHealthService({
        settings: config.health,
        logger,
        clock: systemClock,
        engineTimeoutMs: first?.kind === 'file' ? first.config.engine.timeout_ms : undefined,
      });
      cleanups.unshift(() => health?.close());
    }
    // A bot owns its data directory: createLabs locks it first, so a second bot stops there and no
    // recovery runs on a store another live labops owns (issue 10 §4).
    const labOptions: CreateLabsOptions = {
      labs: config.labs.map((source) =>
        source.kind === 'file'
          ? { kind: 'file', source, ssh: config.ssh }
          : {
              kind: 'simulated',
              name: source.name,
              simulatorOptions: { timeScale: SHELL_SIM_TIME_SCALE },
              extraApprovers: config.extraApprovers,
            },
      ),
      instructorPrincipals: config.instructors,
      // PostgreSQL: every replica shares it, and no data directory is owned. SQLite: this bot owns
      // its data directory (issue 10 §4).
      store: config.databaseUrl
        ? { store: await openSharedStore(config.databaseUrl, cleanups) }
        : { dir: dataDir },
      clock: systemClock,
      logger,
      downloads: getDownloadRules(config),
      limits: mapLabLimits(config.limits),
      labsInParallel: config.limits.labs_in_parallel,
      // Replicas share PostgreSQL: this one runs its jobs under leases (issue 14 §2).
      ...(config.databaseUrl ? { replica: { id: replicaId, leaseMs: config.leaseMs } } : {}),
      stopMs: JOB_STOP_MS,
      ...(health
        ? { engine: { observe: health.metrics.observeEngine }, sshObserver: health.metrics.observeSsh }
        : {}),
    };
    const watchLabs = (set: LabSet): void => {
      subscribeJobLogs(set.labs.bus, logger);
      set.entries.forEach((lab, index) => {
        // One bus for every lab: its events are counted once.
        if (index === 0) health?.watchLab(lab, lab.info.name);
        else health?.readiness.addLab({ name: lab.info.name, store: lab.store, engine: lab.engine });
      });
    };
    if (config.slack.mode !== 'shell') {
      // Bolt loads only when Slack is used, so the shell starts without it.
      const { createSlackAdapter, runSlackAdapter } = await import('./slack/run.js');
      const adapter = createSlackAdapter({ settings: config.slack, logger });
      const set = await createLabs({ ...labOptions, resolveGroup: adapter.resolveGroup });
      cleanups.unshift(() => set.close());
      watchLabs(set);
      health?.watchSlack(adapter);
      // Every lab: each channel's own, or the one `--lab` names (issue 13 §2).
      return await runSlackAdapter({ adapter, labs: set.labs, logger });
    }
    const set = await createLabs(labOptions);
    cleanups.unshift(() => set.close());
    watchLabs(set);
    return await runShellAdapter(set.labs, shellLocale);
  } catch (error) {
    const failure = toLabopsError(error);
    if (failure.code === 'INTERNAL') logger.error({ err: error }, 'labops stopped on an unexpected error');
    process.stderr.write(`${formatError(failure, locale)}\n`);
    return failure.code === 'CONFIG' ? CONFIG_EXIT_CODE : 1;
  } finally {
    for (const cleanup of cleanups) {
      try {
        await cleanup();
      } catch (error) {
        logger.warn({ err: (error as Error).message }, 'clean-up failed');
      }
    }
  }
}

/**
 * The replicas' PostgreSQL store, closed with the process. node-postgres loads only then: a bot on
 * SQLite does not carry it (about 1 MB of its idle memory, issue 12 §6).
 */
async function openSharedStore(url: string, cleanups: (() => Promise<void> | void)[]) {
  const { openPgStore } = await import('./store/pg-store.js');
  const store = await openPgStore({ url });
  cleanups.push(() => store.close());
  return store;
}

/** The one lab a command of the process itself is for (`--fetch-engine-ca`). */
function getOnlyLab(config: LoadedConfig): LoadedConfig['labs'][number] {
  const [only, ...more] = config.labs;
  if (!only || more.length > 0) {
    throw new LabopsError(
      'CONFIG',
      msg('config.main.oneLabOnly', {
        count: config.labs.length,
        labs: list(config.labs.map((lab) => verbatim(lab.name))),
      }),
      { hint: msg('config.main.oneLabOnlyHint') },
    );
  }
  return only;
}

/** The shell: the labs started (recovery, the expiry sweeps) for one conversation, then stopped. */
async function runShellAdapter(labs: Labs, locale: Locale | undefined): Promise<number> {
  const recovered = await labs.start();
  const notes: Message[] = [];
  if (labs.first.lab.simulated) {
    notes.push(
      labs.many
        ? msg('config.main.simulatedBannerMany', { labs: list(labs.names.map((n) => verbatim(n))) })
        : msg('config.main.simulatedBanner'),
    );
  }
  for (const job of recovered.interrupted) {
    notes.push(
      msg('config.main.interrupted', {
        job: verbatim(job.id),
        command: verbatim(`/${describeJobCommand(job)}`),
        error: job.errorText === undefined ? msg('config.main.interruptedUnknown') : job.errorText,
      }),
    );
  }
  if (recovered.pending.length) {
    notes.push(msg('config.main.pending', { ids: list(recovered.pending.map((a) => verbatim(a.id))) }));
  }
  // The banner is shown in the language the shell speaks (runShell's own choice of locale).
  const shown = locale ?? labs.first.lab.locale;
  const banner = notes.map((note) => renderText(shown, note)).join('\n');
  // SIGTERM or Ctrl-C: running jobs stop and record how they ended before the conversation closes,
  // so none is left "running" for the next start to find (found by the chaos run).
  let signalled: NodeJS.Signals | undefined;
  const onSignal = (signal: NodeJS.Signals) => {
    if (signalled) return;
    signalled = signal;
    // Then the input ends as if the person typed quit: the shell returns and the lab closes.
    void labs.stop(JOB_STOP_MS).finally(() => process.stdin.push(null));
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  try {
    const code = await runShell({
      labs,
      input: process.stdin,
      output: process.stdout,
      interactive: Boolean(process.stdin.isTTY && process.stdout.isTTY),
      clock: systemClock,
      locale,
      ...(banner ? { banner } : {}),
    });
    return signalled ? (signalled === 'SIGINT' ? 130 : 143) : code;
  } finally {
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
    // Running jobs stop first (their remote commands signalled, their ends recorded), then the labs.
    await labs.stop(JOB_STOP_MS);
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`labops: ${(error as Error)?.stack ?? String(error)}\n`);
    process.exitCode = 1;
  },
);
