import { isIP } from 'node:net';
import { z } from 'zod';
import { msg, verbatim } from '../i18n/text.js';
import { LOG_FORMATS } from '../log.js';
import { toIssueText } from './problems.js';

/** Log levels of pino, the logger. */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

const SLACK_ID_PATTERN = /^[UWS][A-Z0-9]{2,20}$/;

/** An empty (or blank) variable counts as unset, as design.md says. */
const unsetIfBlank = (value: unknown): unknown =>
  typeof value === 'string' && value.trim() === '' ? undefined : value;

const optionalVar = <T extends z.ZodType>(schema: T) => z.preprocess(unsetIfBlank, schema.optional());

/**
 * The environment labops reads. Unknown variables are ignored; values are never echoed in
 * problems, since several are secrets.
 */
/** The most simulated labs LABOPS_SIM_LABS may ask for (issue 13 §4). */
export const MAX_SIM_LABS = 50;

/** The modes LABOPS_MODE may require (src/config.ts `Mode`). */
const MODES = ['socket', 'http', 'shell'] as const;

export const EnvSchema = z.object({
  SLACK_BOT_TOKEN: optionalVar(
    z.string().startsWith('xoxb-', { error: toIssueText(msg('config.env.botToken')) }),
  ).describe('Bot token; set it to connect to Slack, leave it unset for the shell.'),
  SLACK_APP_TOKEN: optionalVar(
    z.string().startsWith('xapp-', { error: toIssueText(msg('config.env.appToken')) }),
  ).describe('App-level token; with the bot token it selects Socket Mode.'),
  SLACK_SIGNING_SECRET: optionalVar(z.string()).describe(
    'Signing secret; with the bot token and no app token it selects the HTTP receiver.',
  ),
  PORT: z
    .preprocess(
      unsetIfBlank,
      z
        .string()
        .regex(/^\d{1,5}$/, { error: toIssueText(msg('config.env.port')) })
        .transform(Number)
        .refine((port) => port <= 65535, { error: toIssueText(msg('config.number.atMost', { max: 65535 })) })
        .optional(),
    )
    .transform((port) => port ?? 3000)
    .describe('Port of the HTTP receiver (HTTP mode), default 3000.'),
  LAB_CONFIG: optionalVar(z.string()).describe(
    'Path of the lab file (one lab or several), or of a directory of lab files; unset: ./lab.yml when it exists, else the simulated labs.',
  ),
  LABOPS_SIM_LABS: z
    .preprocess(
      unsetIfBlank,
      z
        .string()
        .trim()
        .regex(/^\d{1,3}$/, { error: toIssueText(msg('config.env.simLabs', { max: MAX_SIM_LABS })) })
        .transform(Number)
        .refine((count) => count >= 1 && count <= MAX_SIM_LABS, {
          error: toIssueText(msg('config.env.simLabs', { max: MAX_SIM_LABS })),
        })
        .optional(),
    )
    .transform((count) => count ?? 1)
    .describe('How many simulated labs start when there is no lab file (lab1…labN), 1 to 50; default 1.'),
  SLACK_API_URL: optionalVar(
    z.url({ protocol: /^https?$/, error: toIssueText(msg('config.env.apiUrl')) }),
  ).describe('Base URL of the Slack Web API (tests, GovSlack); a trailing / is added.'),
  LABOPS_APPROVERS: z
    .preprocess(
      unsetIfBlank,
      z
        .string()
        .transform((list) =>
          list
            .split(',')
            .map((item) => item.trim())
            .filter((item) => item !== '')
            .map((item) => item.replace(/^slack:/, '')),
        )
        .pipe(
          z.array(z.string().regex(SLACK_ID_PATTERN, { error: toIssueText(msg('config.env.approvers')) })),
        )
        .optional(),
    )
    .transform((ids) => (ids ?? []).map((id) => `slack:${id}`))
    .describe('Extra approvers of the simulated lab, as Slack ids separated by commas.'),
  LABOPS_MODE: z
    .preprocess(unsetIfBlank, z.enum(MODES, { error: toIssueText(msg('config.env.modeWord')) }).optional())
    .describe(
      'The mode the bot must start in (socket, http or shell); unset, the Slack variables choose. A service sets it, so that missing tokens stop it instead of starting a shell.',
    ),
  DATABASE_URL: optionalVar(
    z.string().regex(/^postgres(?:ql)?:\/\//, { error: toIssueText(msg('config.env.databaseUrl')) }),
  ).describe(
    'postgres://USER@HOST/DATABASE: the state lives in PostgreSQL, which any number of replicas share (issue 14); unset, in SQLite under LABOPS_DATA_DIR.',
  ),
  LABOPS_LEASE_MS: optionalVar(
    z
      .string()
      .trim()
      .regex(/^\d{3,7}$/, { error: toIssueText(msg('config.env.leaseMs')) })
      .transform(Number)
      .refine((ms) => ms >= 500 && ms <= 600_000, { error: toIssueText(msg('config.env.leaseMs')) }),
  ).describe(
    'With DATABASE_URL: how long a replica’s claim on a running job lasts unless renewed, in ms (default 30000). A replica that dies has its jobs marked interrupted after it.',
  ),
  LABOPS_DATA_DIR: optionalVar(z.string()).describe(
    'Directory of the state database; default ./data, or a fresh temporary one for the simulated lab.',
  ),
  LABOPS_SSH_KEY_FILE: optionalVar(z.string()).describe(
    "The bot's SSH private key (unencrypted); default ~/.ssh/id_ed25519. Its public half goes in each machine's authorized_keys.",
  ),
  LABOPS_SSH_PASSWORD: optionalVar(z.string()).describe(
    "Password for a first SSH login to a machine that lacks the bot's key, when there is one lab (several labs each name theirs in ssh_password_env); used only in the SSH password exchange, never logged.",
  ),
  LOG_LEVEL: z
    .preprocess(
      unsetIfBlank,
      z
        .enum(LOG_LEVELS, {
          error: toIssueText(msg('config.env.logLevel', { levels: verbatim(LOG_LEVELS.join(', ')) })),
        })
        .optional(),
    )
    .transform((level) => level ?? 'info')
    .describe('Log level, default info.'),
  LOG_FORMAT: z
    .preprocess(
      unsetIfBlank,
      z.enum(LOG_FORMATS, { error: toIssueText(msg('config.env.logFormat')) }).optional(),
    )
    .transform((format) => format ?? 'json')
    .describe('json (default): one JSON object a line, for tools; pretty: lines for people at a terminal.'),
  HEALTH_PORT: optionalVar(
    z
      .string()
      .trim()
      .regex(/^(\d{1,5}|off)$/i, { error: toIssueText(msg('config.env.healthPort')) })
      .transform((value): number | 'off' => (value.toLowerCase() === 'off' ? 'off' : Number(value)))
      .refine((port) => port === 'off' || port <= 65535, {
        error: toIssueText(msg('config.number.atMost', { max: 65535 })),
      }),
  ).describe(
    'Port of /healthz, /readyz and /metrics; default 9470 in the Slack modes, off in the shell; 0 lets the system choose; off turns them off.',
  ),
  HEALTH_HOST: optionalVar(
    z
      .string()
      .trim()
      .refine((host) => isIP(host) !== 0, { error: toIssueText(msg('config.env.healthHost')) }),
  ).describe('Address the health port listens on, default 127.0.0.1 (this machine only).'),
});
export type Env = z.infer<typeof EnvSchema>;
