import { stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { EnvSchema, type LogLevel } from './config/env-schema.js';
import {
  type LabParseResult,
  parseLabFileText,
  type ReadLabsResult,
  readLabDirectory,
  readLabFile,
} from './config/lab-files.js';
import { DEFAULT_SSH_PASSWORD_ENV } from './config/lab-rules.js';
import {
  BotConfigSchema,
  DEFAULT_LAB_NAME,
  type DeepReadonly,
  type DownloadsConfig,
  type LabConfig,
  type LimitsConfig,
} from './config/lab-schema.js';
import { type ConfigProblem, createProblem, describeProblem, flattenIssues } from './config/problems.js';
import { formatError, LabopsError, toLabopsError } from './errors.js';
import { DEFAULT_LOCALE, LOCALES, type Locale, parseLocale } from './i18n/locale.js';
import { list, msg, type Param, verbatim } from './i18n/text.js';
import type { LogFormat } from './log.js';

export { type Env, EnvSchema, LOG_LEVELS, type LogLevel } from './config/env-schema.js';
export type { LabParseResult, ParsedLab } from './config/lab-files.js';
export {
  type Baseline,
  type BaselineDomain,
  type BotConfig,
  BotConfigSchema,
  COMMAND_KEYS,
  type CommandKey,
  type CommandPolicy,
  DEFAULT_LAB_NAME,
  type DownloadsConfig,
  type Engine,
  type Export,
  LAB_NAME_PATTERN,
  type LabConfig,
  LabConfigSchema,
  type LabFile,
  LabFileSchema,
  type LimitsConfig,
  type Machine,
  type MultiLabFile,
  MultiLabFileSchema,
  type Paths,
  type Policy,
  type Ssh,
  type Storage,
} from './config/lab-schema.js';
export type { ConfigProblem } from './config/problems.js';
export { LOG_FORMATS, type LogFormat } from './log.js';

/** `main` exits with this code when the configuration is wrong (design.md, Runtime modes). */
/** A replica's lease on a running job, unless renewed (issue 14 §2). */
const DEFAULT_LEASE_MS = 30_000;

export const CONFIG_EXIT_CODE = 2;

/** How labops talks to people: Slack over Socket Mode, Slack over HTTP, or the terminal. */
export type Mode = 'socket' | 'http' | 'shell';

/**
 * The port of /healthz, /readyz and /metrics in the Slack modes when HEALTH_PORT is unset. The
 * shell serves them only when HEALTH_PORT is set: a conversation at a terminal is no service, and
 * two shells on one machine would fight over one port.
 */
export const DEFAULT_HEALTH_PORT = 9470;
/** Loopback: health and metrics stay on this machine unless HEALTH_HOST widens them. */
export const DEFAULT_HEALTH_HOST = '127.0.0.1';

/** Where /healthz, /readyz and /metrics are served (src/service/). */
export interface HealthSettings {
  readonly host: string;
  /** 0: the system picks a free port (tests). */
  readonly port: number;
}

/**
 * Slack settings of the chosen mode. The tokens and the signing secret are non-enumerable
 * properties: readable, but skipped by JSON.stringify and loggers.
 */
export type SlackSettings =
  | {
      readonly mode: 'socket';
      readonly botToken: string;
      readonly appToken: string;
      /** Web API base URL ending in `/`; undefined means Slack's own. */
      readonly apiUrl: string | undefined;
    }
  | {
      readonly mode: 'http';
      readonly botToken: string;
      readonly signingSecret: string;
      /** Port of the HTTP receiver; events arrive on `/slack/events`. */
      readonly port: number;
      readonly apiUrl: string | undefined;
    }
  | { readonly mode: 'shell' };

/** A lab labops manages: one described by a lab file, or a built-in simulator. */
export type LabSource =
  | {
      readonly kind: 'file';
      /** The lab's name: its key under `labs:`, its file's name in a directory, else `name:` or `default`. */
      readonly name: string;
      /** Absolute path of the file that describes it. */
      readonly path: string;
      /** The lab's validated settings with defaults applied; `engine.ca_file` is made absolute. */
      readonly config: DeepReadonly<LabConfig>;
      /** From the variable named by `engine.password_env`; non-enumerable, never logged. */
      readonly enginePassword: string;
      /**
       * The first SSH login's password to the lab's machines, from the variable named by
       * `ssh_password_env` (the only lab: LABOPS_SSH_PASSWORD when unset); non-enumerable.
       */
      readonly sshPassword: string | undefined;
    }
  | { readonly kind: 'simulated'; readonly name: string };

/** Everything start-up needs, validated once and frozen. */
export interface LoadedConfig {
  readonly mode: Mode;
  readonly slack: SlackSettings;
  /** The labs, at least one, their names unique, in the order the configuration gives them. */
  readonly labs: readonly LabSource[];
  /**
   * Who may act on and approve in every lab (`slack:U…`, `slack:S…`, `shell:NAME`): the lab
   * file's `instructors`; for the simulated labs shell:alice, shell:bob (and shell:carol when
   * there are several) and LABOPS_APPROVERS.
   */
  readonly instructors: readonly string[];
  /** Where `/iso upload` may download from: the bot's, for every lab. */
  readonly downloads: DeepReadonly<DownloadsConfig>;
  /** The bot's limits: on plans, and on labs worked on at once (`labs_in_parallel`). */
  readonly limits: DeepReadonly<LimitsConfig>;
  /** Directory of the state database; undefined means a fresh temporary one (simulated labs only). */
  readonly dataDir: string | undefined;
  /**
   * DATABASE_URL: the state in PostgreSQL, shared by every replica (issue 14); `dataDir` is then
   * unset. It may hold a password: never shown or logged.
   */
  readonly databaseUrl: string | undefined;
  /**
   * The SQLite data directory LABOPS_DATA_DIR names (default ./data), whatever the store in use:
   * what `migrate --to` moves into PostgreSQL (issue 14 §1).
   */
  readonly sqliteDir: string;
  /** With `databaseUrl`: how long a replica's lease on a running job lasts (LABOPS_LEASE_MS). */
  readonly leaseMs: number;
  /** `LABOPS_APPROVERS` as principals (`slack:U…`), added to the simulated labs' approvers. */
  readonly extraApprovers: readonly string[];
  readonly logLevel: LogLevel;
  /** LOG_FORMAT: JSON lines (default) or lines for a terminal. */
  readonly logFormat: LogFormat;
  /** HEALTH_PORT and HEALTH_HOST; undefined when they are not served (HEALTH_PORT=off, or the shell by default). */
  readonly health: HealthSettings | undefined;
  /**
   * The bot's private key for the labs' machines (LABOPS_SSH_KEY_FILE, default ~/.ssh/id_ed25519).
   * A first login's password is each lab's own (`LabSource.sshPassword`).
   */
  readonly ssh: { readonly keyFile: string };
  /** Things to log at start-up (an insecure engine connection, ignored variables); never secrets. */
  readonly warnings: readonly string[];
}

export interface LoadConfigOptions {
  /** The environment to read (main passes process.env); nothing else is read from it. */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Directory relative paths (LAB_CONFIG, LABOPS_DATA_DIR, ./lab.yml) resolve against. */
  readonly cwd: string;
}

/**
 * Validates the text of a lab file — one lab, or several under `labs:` — collecting every problem
 * (src/config/lab-files.ts). `label` names the file in syntax error positions; `env` is only used
 * to check that the secrets' variables are set.
 */
export function parseLabConfig(
  text: string,
  options: { readonly label: string; readonly env: Readonly<Record<string, string | undefined>> },
): LabParseResult {
  const { labs, bot, problems, warnings } = parseLabFileText(text, options);
  return { labs, bot, problems, warnings };
}

async function findFile(path: string): Promise<'file' | 'dir' | 'missing' | 'other'> {
  try {
    const found = await stat(path);
    return found.isFile() ? 'file' : found.isDirectory() ? 'dir' : 'other';
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 'missing';
    throw error;
  }
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    for (const key of Reflect.ownKeys(value)) deepFreeze((value as Record<PropertyKey, unknown>)[key]);
    Object.freeze(value);
  }
  return value;
}

/** Adds properties that JSON.stringify, pino and util.inspect leave out. */
function withSecrets<T extends object, S extends Record<string, string | undefined>>(
  target: T,
  secrets: S,
): T & S {
  for (const [key, value] of Object.entries(secrets)) {
    Object.defineProperty(target, key, { value, enumerable: false });
  }
  return target as T & S;
}

/** Where problems were found: the environment, or a lab file by its path. */
type ConfigSource = 'environment' | { readonly file: string };

/** Where the problems are: the environment, the lab file, or both. */
function describeSources(sources: readonly ConfigSource[]): Param {
  if (sources.length === 0) return msg('config.load.sourceConfiguration');
  return list(
    sources.map((source) =>
      source === 'environment' ? msg('config.load.sourceEnvironment') : verbatim(source.file),
    ),
  );
}

/**
 * Reads the environment and the lab file and validates both, without touching the network or
 * `process.env`. Throws one `LabopsError('CONFIG')` listing every problem; main prints it with
 * `formatConfigProblems` and exits with `CONFIG_EXIT_CODE` (2).
 */
export async function loadConfig(options: LoadConfigOptions): Promise<LoadedConfig> {
  const { env, cwd } = options;
  const problems: ConfigProblem[] = [];
  const sources: ConfigSource[] = [];
  const warnings: string[] = [];

  const envResult = EnvSchema.safeParse(env, { reportInput: true });
  if (!envResult.success) problems.push(...flattenIssues(EnvSchema, envResult.error.issues));
  const vars = envResult.success ? envResult.data : undefined;
  const blank = (name: string): string | undefined => {
    const value = env[name];
    return value === undefined || value.trim() === '' ? undefined : value;
  };

  const botToken = blank('SLACK_BOT_TOKEN');
  const appToken = blank('SLACK_APP_TOKEN');
  const signingSecret = blank('SLACK_SIGNING_SECRET');
  let mode: Mode = 'shell';
  if (botToken && appToken) {
    mode = 'socket';
    // Warnings are logged, in English, like every log line.
    if (signingSecret)
      warnings.push('SLACK_SIGNING_SECRET is ignored in Socket Mode (SLACK_APP_TOKEN is set).');
  } else if (botToken && signingSecret) {
    mode = 'http';
  } else if (botToken) {
    problems.push(createProblem('SLACK_BOT_TOKEN', msg('config.env.botTokenAlone')));
  } else if (appToken || signingSecret) {
    warnings.push(
      'SLACK_APP_TOKEN/SLACK_SIGNING_SECRET are ignored without SLACK_BOT_TOKEN: starting the shell.',
    );
  }
  // A required mode (a service's LABOPS_MODE=socket): missing tokens stop the bot with exit 2
  // instead of starting a shell that ends at once and leaves the service looking stopped.
  const required = vars?.LABOPS_MODE;
  if (required !== undefined && required !== mode && !problems.some((p) => p.path === 'SLACK_BOT_TOKEN')) {
    problems.push(
      createProblem(
        'LABOPS_MODE',
        required === 'socket'
          ? msg('config.env.modeSocket', { mode: verbatim(mode) })
          : required === 'http'
            ? msg('config.env.modeHttp', { mode: verbatim(mode) })
            : msg('config.env.modeShell', { mode: verbatim(mode) }),
      ),
    );
  }
  // Both on one port: Bolt's receiver would face the public, and /metrics must never (issue 12 §4).
  if (vars && mode === 'http' && (vars.HEALTH_PORT ?? DEFAULT_HEALTH_PORT) === vars.PORT && vars.PORT !== 0) {
    problems.push(
      createProblem('HEALTH_PORT', msg('config.env.healthPortClash', { port: verbatim(String(vars.PORT)) })),
    );
  }
  if (problems.length > 0) sources.push('environment');

  let labs: LabSource[] = [];
  let bot = BotConfigSchema.parse({});
  const labConfigVar = blank('LAB_CONFIG');
  const labPath = resolve(cwd, labConfigVar ?? 'lab.yml');
  const found = await findFile(labPath);
  if (labConfigVar !== undefined && found !== 'file' && found !== 'dir') {
    const path = verbatim(labPath);
    problems.push(
      createProblem(
        'LAB_CONFIG',
        found === 'missing'
          ? msg('config.env.labConfigMissing', { path })
          : msg('config.env.labConfigNotFile', { path }),
      ),
    );
    if (!sources.includes('environment')) sources.push('environment');
  } else if (found === 'file' || (found === 'dir' && labConfigVar !== undefined)) {
    const result: ReadLabsResult =
      found === 'file'
        ? await readLabFile(labPath, basename(labPath), env)
        : await readLabDirectory(labPath, env);
    problems.push(...result.problems);
    warnings.push(...result.warnings);
    if (result.problems.length > 0) sources.push({ file: labPath });
    if (result.labs && result.bot) {
      bot = result.bot;
      labs = result.labs.map((lab) => {
        const { config } = lab;
        if (config.engine.ca_file !== undefined)
          config.engine.ca_file = resolve(dirname(lab.path), config.engine.ca_file);
        // Secrets per lab (issue 13 §1): the only lab falls back to LABOPS_SSH_PASSWORD.
        const sshEnv =
          config.ssh_password_env ?? (result.labs?.length === 1 ? DEFAULT_SSH_PASSWORD_ENV : undefined);
        return withSecrets(
          { kind: 'file' as const, name: lab.name, path: lab.path, config },
          {
            enginePassword: blank(config.engine.password_env) ?? '',
            sshPassword: sshEnv === undefined ? undefined : blank(sshEnv),
          },
        );
      });
      if (labs.length > 1 && blank(DEFAULT_SSH_PASSWORD_ENV) !== undefined) {
        warnings.push(
          'LABOPS_SSH_PASSWORD is ignored with more than one lab: name each lab’s own variable in its ssh_password_env.',
        );
      }
      if (blank('LABOPS_SIM_LABS') !== undefined)
        warnings.push('LABOPS_SIM_LABS is ignored: the labs come from the lab file.');
    }
  } else if (vars) {
    // No lab file: LABOPS_SIM_LABS simulated labs, lab1…labN (issue 13 §4). One alone is the
    // lab of before, `default`, as the store names the rows written before labs had names.
    const count = vars.LABOPS_SIM_LABS;
    labs = Array.from({ length: count }, (_, i) => ({
      kind: 'simulated' as const,
      name: count === 1 ? DEFAULT_LAB_NAME : `lab${i + 1}`,
    }));
  }

  if (problems.length > 0 || !vars) {
    throw new LabopsError(
      'CONFIG',
      msg('config.load.problems', { count: problems.length, sources: describeSources(sources) }),
      { details: problems.map(describeProblem), hint: msg('config.load.hint') },
    );
  }

  const apiUrl = vars.SLACK_API_URL === undefined ? undefined : vars.SLACK_API_URL.replace(/\/*$/, '/');
  const slack: SlackSettings =
    mode === 'socket'
      ? withSecrets({ mode, apiUrl }, { botToken: botToken!, appToken: appToken! })
      : mode === 'http'
        ? withSecrets(
            { mode, port: vars.PORT, apiUrl },
            {
              botToken: botToken!,
              signingSecret: signingSecret!,
            },
          )
        : { mode };

  const simulated = labs.every((lab) => lab.kind === 'simulated');
  const dataDir =
    vars.LABOPS_DATA_DIR !== undefined
      ? resolve(cwd, vars.LABOPS_DATA_DIR)
      : simulated
        ? undefined
        : resolve(cwd, 'data');

  const home = blank('HOME') ?? homedir();
  const ssh = {
    keyFile:
      vars.LABOPS_SSH_KEY_FILE !== undefined
        ? resolve(cwd, vars.LABOPS_SSH_KEY_FILE.replace(/^~(?=\/|$)/, home))
        : join(home, '.ssh', 'id_ed25519'),
  };
  // The simulated labs' built-in approvers act in every one of them (src/lab-info.ts). Several
  // have a third, carol, so the try-out can ask for a reset of every lab (two instructors
  // approve it besides the one who asks, issue 13 §3).
  const instructors = simulated
    ? ['shell:alice', 'shell:bob', ...(labs.length > 1 ? ['shell:carol'] : []), ...vars.LABOPS_APPROVERS]
    : [...bot.instructors];

  const health = readHealthSettings(vars.HEALTH_PORT, vars.HEALTH_HOST, mode);
  if (health && !isLoopback(health.host)) {
    warnings.push(
      `HEALTH_HOST is ${health.host}: /metrics and /readyz are served beyond this machine — keep the port behind a firewall`,
    );
  }

  if (vars.DATABASE_URL !== undefined && vars.LABOPS_DATA_DIR !== undefined) {
    warnings.push('LABOPS_DATA_DIR is ignored: DATABASE_URL keeps the state in PostgreSQL');
  }

  return deepFreeze({
    mode,
    slack,
    labs,
    instructors,
    downloads: bot.downloads,
    limits: bot.limits,
    dataDir: vars.DATABASE_URL === undefined ? dataDir : undefined,
    databaseUrl: vars.DATABASE_URL,
    sqliteDir: vars.LABOPS_DATA_DIR !== undefined ? resolve(cwd, vars.LABOPS_DATA_DIR) : resolve(cwd, 'data'),
    leaseMs: vars.LABOPS_LEASE_MS ?? DEFAULT_LEASE_MS,
    extraApprovers: vars.LABOPS_APPROVERS,
    logLevel: vars.LOG_LEVEL,
    logFormat: vars.LOG_FORMAT,
    health,
    ssh,
    warnings,
  });
}

/** HEALTH_PORT as given, else on in the Slack modes and off in the shell (DEFAULT_HEALTH_PORT). */
function readHealthSettings(
  port: number | 'off' | undefined,
  host: string | undefined,
  mode: Mode,
): HealthSettings | undefined {
  if (port === 'off' || (port === undefined && mode === 'shell')) return undefined;
  return { host: host ?? DEFAULT_HEALTH_HOST, port: port ?? DEFAULT_HEALTH_PORT };
}

function isLoopback(host: string): boolean {
  return host === '::1' || /^127\./.test(host) || /^::ffff:127\./i.test(host);
}

/**
 * Text for stderr when start-up fails: the problem list of a configuration error, or the message
 * of anything else, in `locale` (the shell's, read before any lab is chosen; English otherwise).
 * main prints it and exits with `CONFIG_EXIT_CODE` (2) for a CONFIG error.
 */
export function formatConfigProblems(error: unknown, locale: Locale = DEFAULT_LOCALE): string {
  return formatError(toLabopsError(error), locale);
}

/**
 * The shell's language (issue 16 §2): `--lang ko|en` (or `--lang=ko`), else the environment's
 * (`LC_ALL`, `LC_MESSAGES`, `LANG`, as POSIX orders them) when labops speaks it; undefined leaves
 * the lab's. A `--lang` labops does not speak is a CONFIG error.
 */
export function readShellLocale(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
): Locale | undefined {
  const index = argv.findIndex((a) => a === '--lang' || a.startsWith('--lang='));
  if (index >= 0) {
    const arg = argv[index] ?? '';
    const value = arg.includes('=') ? arg.slice(arg.indexOf('=') + 1) : argv[index + 1];
    const locale = parseLocale(value);
    if (!locale || value?.toLowerCase() !== locale) {
      // In English: the language to speak is what went wrong.
      const choices = list(
        LOCALES.map((l) => verbatim(`--lang ${l}`)),
        'or',
      );
      throw new LabopsError(
        'CONFIG',
        value === undefined || value.trim() === '' || value.startsWith('--')
          ? msg('config.lang.missing')
          : msg('config.lang.unknown', { value: verbatim(value) }),
        { hint: msg('config.lang.hint', { choices }) },
      );
    }
    return locale;
  }
  const tag = [env.LC_ALL, env.LC_MESSAGES, env.LANG].find((v) => v !== undefined && v !== '');
  return parseLocale(tag);
}
