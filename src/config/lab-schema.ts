import { isIP } from 'node:net';
import { posix } from 'node:path';
import { z } from 'zod';
import { LOCALES } from '../i18n/locale.js';
import { msg } from '../i18n/text.js';
import { describeCidrIssue, parseCidr } from '../net/address-fence.js';
import { RISKS } from '../risk.js';
import { toIssueText } from './problems.js';

/** The slash commands a policy override may name, as `"<command> <sub-command>"` (design.md, Commands). */
export const COMMAND_KEYS = [
  'lab status',
  'lab doctor',
  'lab reset',
  'lab jobs',
  'lab cancel',
  'lab audit',
  'host status',
  'host maintenance',
  'host activate',
  'host trust',
  'host prepare',
  'host add',
  'host remove',
  'iso list',
  'iso upload',
  'iso attach',
  'storage status',
  'storage prepare',
  'storage attach',
  'storage detach',
  'storage remove',
  'storage clean',
  'storage fix-permissions',
] as const;

/** A key of `policy.commands`. */
export type CommandKey = (typeof COMMAND_KEYS)[number];

const NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
const HOSTNAME_PATTERN =
  /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;
const HOST_KEY_PATTERN = /^SHA256:[A-Za-z0-9+/]{43}$/;
const ENV_NAME_PATTERN = /^[A-Z_][A-Z0-9_]*$/;
const SSH_USER_PATTERN = /^[a-z_][a-z0-9_-]*$/;
/** A Slack user (U…, W… on Enterprise Grid), a Slack user group (S…) or a shell user. */
const PRINCIPAL_PATTERN = /^(?:slack:[UWS][A-Z0-9]{2,20}|shell:[A-Za-z0-9][A-Za-z0-9._-]{0,31})$/;
const CHANNEL_PATTERN = /^[CG][A-Z0-9]{2,20}$/;
const MAX_PATH = 1024;

/** True for a DNS host name or a literal IPv4/IPv6 address. */
/** Whether `value` names a time zone this Node knows (`Asia/Seoul`, `UTC`). */
export function isTimeZone(value: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: value });
    return true;
  } catch {
    return false;
  }
}

export function isAddress(value: string): boolean {
  return isIP(value) !== 0 || HOSTNAME_PATTERN.test(value);
}

/** True for an absolute, already normalised POSIX path without `..` segments or a trailing slash. */
export function isCleanAbsolutePath(value: string): boolean {
  return (
    value.startsWith('/') &&
    !value.split('/').includes('..') &&
    posix.normalize(value) === value &&
    (value === '/' || !value.endsWith('/'))
  );
}

/** What a name names, as the problems say it. */
type NamedThing = 'host' | 'export' | 'storageDomain' | 'dataCenter' | 'cluster' | 'vm';

const nameSchema = (what: NamedThing) =>
  z
    .string({ error: toIssueText(msg('config.name.type', { what })) })
    .min(1, { error: toIssueText(msg('config.name.empty', { what })) })
    .max(64, { abort: true, error: toIssueText(msg('config.name.tooLong', { what, max: 64 })) })
    .regex(NAME_PATTERN, {
      error: toIssueText(msg('config.name.chars')),
    });

const absolutePathSchema = z
  .string({ error: toIssueText(msg('config.path.type')) })
  .max(MAX_PATH, { abort: true, error: toIssueText(msg('config.path.tooLong', { max: MAX_PATH })) })
  .refine((value) => value.startsWith('/'), { error: toIssueText(msg('config.path.notAbsolute')) })
  .refine((value) => !value.split('/').includes('..'), {
    error: toIssueText(msg('config.path.dotDot')),
  })
  .refine(
    (value) => !value.startsWith('/') || value.split('/').includes('..') || isCleanAbsolutePath(value),
    {
      error: toIssueText(msg('config.path.notNormalised')),
    },
  );

const principalSchema = z
  .string({ error: toIssueText(msg('config.principal.type')) })
  .max(64, { abort: true, error: toIssueText(msg('config.principal.tooLong')) })
  .regex(PRINCIPAL_PATTERN, {
    error: toIssueText(msg('config.principal.format')),
  });

const principalsSchema = z.array(principalSchema, { error: toIssueText(msg('config.principal.list')) });

const channelsSchema = z.array(
  z
    .string({ error: toIssueText(msg('config.channel.type')) })
    .max(24, { abort: true, error: toIssueText(msg('config.channel.tooLong')) })
    .regex(CHANNEL_PATTERN, {
      error: toIssueText(msg('config.channel.format')),
    }),
  { error: toIssueText(msg('config.channel.list')) },
);

/** The NAME of an environment variable: secrets never go in the file, only their variables' names. */
const envNameSchema = z
  .string({ error: toIssueText(msg('config.envName.type')) })
  .max(64, { abort: true, error: toIssueText(msg('config.envName.tooLong')) })
  .regex(ENV_NAME_PATTERN, {
    error: toIssueText(msg('config.envName.format')),
  });

/** The name of the lab of a single-lab file without `name:`, and of state kept before labs had names. */
export const DEFAULT_LAB_NAME = 'default';

/** A lab's name (issue 13): short, lower case, as `--lab NAME` and store keys take it. */
export const LAB_NAME_PATTERN = /^[a-z][a-z0-9-]{0,31}$/;

/** A lab's name: a key of `labs:`, a single-lab file's `name:`, or a lab file's name in a directory. */
export const labNameSchema = z
  .string({ error: toIssueText(msg('config.labName.type')) })
  .max(32, { abort: true, error: toIssueText(msg('config.labName.format')) })
  .regex(LAB_NAME_PATTERN, { error: toIssueText(msg('config.labName.format')) });

const expirySchema = z
  .number({ error: toIssueText(msg('config.expiry.type')) })
  .int({ error: toIssueText(msg('config.expiry.whole')) })
  .min(1, { error: toIssueText(msg('config.expiry.min')) })
  .max(1440, { abort: true, error: toIssueText(msg('config.expiry.max')) });

/** SSH access to a machine. */
export const SshSchema = z
  .strictObject({
    user: z
      .string({ error: toIssueText(msg('config.user.type')) })
      .max(32, { abort: true, error: toIssueText(msg('config.user.tooLong')) })
      .regex(SSH_USER_PATTERN, { error: toIssueText(msg('config.user.posix')) })
      .default('root')
      .describe('User labops logs in as; runbooks need root.'),
    port: z
      .number({ error: toIssueText(msg('config.port.type')) })
      .int({ error: toIssueText(msg('config.port.whole')) })
      .min(1, { error: toIssueText(msg('config.port.range')) })
      .max(65535, { abort: true, error: toIssueText(msg('config.port.range')) })
      .default(22)
      .describe('SSH port.'),
    host_key: z
      .string({ error: toIssueText(msg('config.hostKey.type')) })
      .max(64, { abort: true, error: toIssueText(msg('config.hostKey.tooLong')) })
      .regex(HOST_KEY_PATTERN, {
        error: toIssueText(msg('config.hostKey.format')),
      })
      .optional()
      .describe('Pinned host key fingerprint (SHA256:…); unset until `/host trust` pins it.'),
  })
  .describe('How labops reaches the machine over SSH.');
export type Ssh = z.infer<typeof SshSchema>;

/** A machine labops reaches over SSH: a hypervisor, or the storage server. */
export const MachineSchema = z
  .strictObject({
    name: nameSchema('host').describe(
      'Name of the machine as the engine knows it (hosts) and as commands use it.',
    ),
    address: z
      .string({ error: toIssueText(msg('config.address.type')) })
      .max(253, { abort: true, error: toIssueText(msg('config.address.tooLong')) })
      .refine(isAddress, {
        error: toIssueText(msg('config.address.format')),
      })
      .describe('Host name or IPv4/IPv6 address the engine and labops use to reach it.'),
    ssh: SshSchema.prefault({}).describe(
      'How labops reaches the machine over SSH; defaults to root on port 22.',
    ),
  })
  .describe('A machine of the lab.');
export type Machine = z.infer<typeof MachineSchema>;

/** The oVirt engine and how to reach its REST API. */
export const EngineSchema = z
  .strictObject({
    url: z
      .url({
        protocol: /^https?$/,
        error: toIssueText(msg('config.engine.url')),
      })
      .max(2048, { abort: true, error: toIssueText(msg('config.engine.urlTooLong')) })
      .describe('Base URL of the engine (https; http only together with insecure: true).'),
    user: z
      .string({ error: toIssueText(msg('config.user.type')) })
      .min(1, { error: toIssueText(msg('config.value.empty')) })
      .max(128, { abort: true, error: toIssueText(msg('config.user.tooLong')) })
      .regex(/^[^\s@]+@[^\s@]+$/, { error: toIssueText(msg('config.user.engine')) })
      .default('admin@internal')
      .describe('Engine user, USER@PROFILE.'),
    password_env: envNameSchema
      .default('LABOPS_ENGINE_PASSWORD')
      .describe(
        'Name of the environment variable that holds the engine password; the password never goes in this file. Required when the file holds more than one lab.',
      ),
    ca_file: z
      .string({ error: toIssueText(msg('config.path.fileType')) })
      .min(1, { error: toIssueText(msg('config.value.empty')) })
      .max(MAX_PATH, { abort: true, error: toIssueText(msg('config.path.tooLong', { max: MAX_PATH })) })
      .optional()
      .describe("PEM file of the engine's CA; relative paths are resolved against this file's directory."),
    insecure: z
      .boolean({ error: toIssueText(msg('config.value.boolean')) })
      .default(false)
      .describe(
        'Skip TLS verification of the engine (labs only; a warning is logged). Needed when ca_file is unset.',
      ),
    timeout_ms: z
      .number({ error: toIssueText(msg('config.timeout.type')) })
      .int({ error: toIssueText(msg('config.timeout.whole')) })
      .min(1000, { error: toIssueText(msg('config.timeout.min')) })
      .max(600_000, { abort: true, error: toIssueText(msg('config.timeout.max')) })
      .default(30_000)
      .describe('Timeout of one engine request, in milliseconds.'),
    max_concurrency: z
      .number({ error: toIssueText(msg('config.number.type')) })
      .int({ error: toIssueText(msg('config.number.whole')) })
      .min(1, { error: toIssueText(msg('config.number.atLeast', { min: 1 })) })
      .max(64, { abort: true, error: toIssueText(msg('config.number.atMost', { max: 64 })) })
      .default(8)
      .describe('Most engine requests in flight at once.'),
  })
  .describe('The oVirt engine.');
export type Engine = z.infer<typeof EngineSchema>;

/** One NFS export of the storage server. */
export const ExportSchema = z
  .strictObject({
    name: nameSchema('export').describe('Name commands use for the export, e.g. data.'),
    path: absolutePathSchema.describe('Exported directory; absolute, normalised, under one of export_roots.'),
    device: absolutePathSchema
      .refine((value) => value.startsWith('/dev/'), {
        error: toIssueText(msg('config.export.device')),
      })
      .optional()
      .describe(
        'Block device mounted on the path, e.g. /dev/vdb1; checked before use, formatted only on request.',
      ),
  })
  .describe('An NFS export.');
export type Export = z.infer<typeof ExportSchema>;

/** The NFS storage server and its exports. */
export const StorageSchema = z
  .strictObject({
    server: MachineSchema.describe('The NFS server; in the lab guide it is the engine machine.'),
    export_roots: z
      .array(absolutePathSchema, { error: toIssueText(msg('config.storage.roots')) })
      .min(1, { error: toIssueText(msg('config.storage.rootsEmpty')) })
      .default(['/export'])
      .describe('Directories every export must lie under; nothing outside them is ever emptied or chowned.'),
    exports: z
      .array(ExportSchema, { error: toIssueText(msg('config.storage.exports')) })
      .min(1, { error: toIssueText(msg('config.storage.exportsEmpty')) })
      .describe('The NFS exports of the server.'),
  })
  .describe('The NFS storage server and its exports.');
export type Storage = z.infer<typeof StorageSchema>;

/** System file paths runbooks edit; configurable so tests can point them into isolated roots. */
export const PathsSchema = z
  .strictObject({
    hosts_file: absolutePathSchema.default('/etc/hosts').describe('The hosts file runbooks edit.'),
    authorized_keys: absolutePathSchema
      .default('/root/.ssh/authorized_keys')
      .describe("Where runbooks install the engine's SSH key."),
    exports_file: absolutePathSchema
      .default('/etc/exports')
      .describe('The NFS exports file of the storage server.'),
  })
  .describe('Paths of system files on the machines (the real ones by default).');
export type Paths = z.infer<typeof PathsSchema>;

/** A storage domain `/lab reset` keeps or restores. */
export const BaselineDomainSchema = z
  .strictObject({
    name: nameSchema('storageDomain').describe('Storage domain name in the engine, e.g. nfs-data.'),
    type: z
      .enum(['data', 'iso'], { error: toIssueText(msg('config.domain.type')) })
      .describe('Storage domain type.'),
    export: z
      .string({ error: toIssueText(msg('config.domain.export')) })
      .min(1, { error: toIssueText(msg('config.domain.export')) })
      .max(MAX_PATH, { abort: true, error: toIssueText(msg('config.value.tooLong')) })
      .describe('The export the domain lives on: the name or the path of one of storage.exports.'),
  })
  .describe('A storage domain of the baseline.');
export type BaselineDomain = z.infer<typeof BaselineDomainSchema>;

/** What `/lab reset` returns the lab to (design.md, Reset). */
export const BaselineSchema = z
  .strictObject({
    storage_domains: z
      .array(BaselineDomainSchema, { error: toIssueText(msg('config.baseline.domains')) })
      .default([])
      .describe('Storage domains `/lab reset` keeps or re-attaches; others are removed.'),
    hosts: z
      .array(nameSchema('host'), { error: toIssueText(msg('config.hostName.list')) })
      .default([])
      .describe('Configured hosts `/lab reset` activates.'),
    vms: z
      .array(nameSchema('vm'), { error: toIssueText(msg('config.baseline.vms')) })
      .default([])
      .describe('VMs `/lab reset` keeps; others are removed with their disks.'),
  })
  .describe('What `/lab reset` returns the lab to.');
export type Baseline = z.infer<typeof BaselineSchema>;

/** Per-command policy overrides; unset fields fall back to the policy's own. */
export const CommandPolicySchema = z
  .strictObject({
    risk: z
      .enum(RISKS, { error: toIssueText(msg('config.policy.risk')) })
      .optional()
      .describe(
        'Risk of the command: raises its built-in one, never lowers it (a plan may raise it further).',
      ),
    askers: principalsSchema.optional().describe('Who may ask for this command, replacing policy.askers.'),
    approvers: principalsSchema.optional().describe('Who may approve it, replacing policy.approvers.'),
    channels: channelsSchema.optional().describe('Where it may be asked, replacing policy.channels.'),
    expiry_minutes: expirySchema.optional().describe('Approval expiry, replacing policy.expiry_minutes.'),
  })
  .describe('Overrides for one command.');
export type CommandPolicy = z.infer<typeof CommandPolicySchema>;

/** Who may ask for and approve what; principals are `slack:U…`, `slack:W…`, `slack:S…` or `shell:NAME`. */
export const PolicySchema = z
  .strictObject({
    askers: principalsSchema
      .default([])
      .describe('Who may ask for commands; empty means anyone (approval still applies).'),
    approvers: principalsSchema
      .min(1, { error: toIssueText(msg('config.policy.approversEmpty')) })
      .describe('Who may approve destructive and critical commands.'),
    channels: channelsSchema
      .default([])
      .describe('Channels where commands may be asked; empty means any channel.'),
    expiry_minutes: expirySchema.default(15).describe('Minutes before a pending approval expires.'),
    remind_after_minutes: z
      .number({ error: toIssueText(msg('config.number.example', { example: 10 })) })
      .int({ error: toIssueText(msg('config.number.whole')) })
      .min(1, { error: toIssueText(msg('config.number.atLeast', { min: 1 })) })
      .max(1440, { error: toIssueText(msg('config.number.atMost', { max: 1440 })) })
      .optional()
      .describe(
        'Minutes after which a card nobody decided reminds, by direct message, the approvers who have not decided; after as many again, it is named in the channel. Off when unset.',
      ),
    commands: z
      .partialRecord(
        z.enum(COMMAND_KEYS, {
          error: toIssueText(msg('config.policy.command')),
        }),
        CommandPolicySchema,
        { error: toIssueText(msg('config.policy.commands')) },
      )
      .default({})
      .describe('Per-command overrides, keyed like "host maintenance".'),
  })
  .describe('Who may ask and approve what (design.md, Approvals).');
export type Policy = z.infer<typeof PolicySchema>;

/** How much work labops takes on at once, and how long a plan may take (issue 10 §1). */
export const LimitsSchema = z
  .strictObject({
    plan_seconds: z
      .number({ error: toIssueText(msg('config.limits.secondsType')) })
      .int({ error: toIssueText(msg('config.limits.secondsWhole')) })
      .min(1, { error: toIssueText(msg('config.limits.secondsMin')) })
      .max(600, { error: toIssueText(msg('config.limits.secondsMax')) })
      .default(20)
      .describe('Seconds a plan (the reads before a card) may take before it is abandoned.'),
    plans_per_requester: z
      .number({ error: toIssueText(msg('config.number.example', { example: 2 })) })
      .int({ error: toIssueText(msg('config.number.whole')) })
      .min(1, { error: toIssueText(msg('config.number.atLeast', { min: 1 })) })
      .max(20, { error: toIssueText(msg('config.number.atMost', { max: 20 })) })
      .default(2)
      .describe('Plans one person may have in flight at once; more are refused.'),
    labs_in_parallel: z
      .number({ error: toIssueText(msg('config.number.example', { example: 10 })) })
      .int({ error: toIssueText(msg('config.number.whole')) })
      .min(1, { error: toIssueText(msg('config.number.atLeast', { min: 1 })) })
      .max(100, { error: toIssueText(msg('config.number.atMost', { max: 100 })) })
      .default(10)
      .describe('Labs an operation across labs (/lab reset --all) works on at once.'),
  })
  .describe('Limits on plans, and on operations across labs.');
export type Limits = z.infer<typeof LimitsSchema>;

/** A CIDR of `downloads.allowed_networks`, checked as the fence reads it. */
const allowedNetworkSchema = z
  .string({ error: toIssueText(msg('config.downloads.networkType')) })
  .max(64, { abort: true, error: toIssueText(msg('config.downloads.networkTooLong')) })
  .superRefine((value, ctx) => {
    const parsed = parseCidr(value);
    if ('problem' in parsed)
      ctx.addIssue({ code: 'custom', message: toIssueText(describeCidrIssue(parsed)) });
  });

/** Where `/iso upload` may download from (issue 10 §2); public addresses always. */
export const DownloadsSchema = z
  .strictObject({
    allowed_networks: z
      .array(allowedNetworkSchema, { error: toIssueText(msg('config.downloads.networks')) })
      .default([])
      .describe(
        'Networks (CIDR) labops may download ISO sources from besides public addresses, e.g. the mirror’s 192.168.122.0/24. Loopback, link-local and 0.0.0.0/8 open only when named inside their own range (127.0.0.0/8), never by 0.0.0.0/0.',
      ),
    allowed_hosts: z
      .array(
        z
          .string({ error: toIssueText(msg('config.hostName.type')) })
          .max(253, { abort: true, error: toIssueText(msg('config.hostName.tooLong')) })
          .regex(HOSTNAME_PATTERN, { error: toIssueText(msg('config.hostName.format')) }),
        { error: toIssueText(msg('config.hostName.list')) },
      )
      .default([])
      .describe(
        'Host names whose private addresses labops may download from (not loopback or link-local ones).',
      ),
  })
  .describe('Where ISO sources may be downloaded from.');
export type Downloads = z.infer<typeof DownloadsSchema>;

/** What the watcher may post to a lab's channel (issue 15 §1): the lab team must act on each. */
export const ALERT_KINDS = [
  'host_down',
  'storage_down',
  'vm_paused',
  'migration_failed',
  'transfer_paused',
] as const;
export type AlertKind = (typeof ALERT_KINDS)[number];

/** `HH:MM-HH:MM` in the lab's time zone; the end may be past midnight (`22:00-07:00`). */
const QUIET_HOURS_PATTERN = /^([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-3]):([0-5]\d)$/;

/** The lab's events, watched on the engine and posted to its channel (issue 15 §1). */
export const EventsSchema = z
  .strictObject({
    notify: z
      .array(z.enum(ALERT_KINDS, { error: toIssueText(msg('config.events.kind')) }), {
        error: toIssueText(msg('config.events.kinds')),
      })
      .default([...ALERT_KINDS])
      .describe(
        'What is posted: host_down (a host non-responsive or non-operational), storage_down (a storage domain inactive or in maintenance unexpectedly), vm_paused (a VM paused on a storage I/O error), migration_failed, transfer_paused. Empty posts nothing.',
      ),
    quiet_hours: z
      .string({ error: toIssueText(msg('config.events.quietHours')) })
      .regex(QUIET_HOURS_PATTERN, { error: toIssueText(msg('config.events.quietHours')) })
      .refine((value) => value.slice(0, 5) !== value.slice(6), {
        error: toIssueText(msg('config.events.quietHours')),
      })
      .optional()
      .describe(
        "Hours in the lab's time zone when nothing is posted, e.g. 22:00-07:00: what happens meanwhile is posted when they end, and reminders wait for them.",
      ),
    poll_seconds: z
      .number({ error: toIssueText(msg('config.number.example', { example: 15 })) })
      .int({ error: toIssueText(msg('config.number.whole')) })
      .min(5, { error: toIssueText(msg('config.number.atLeast', { min: 5 })) })
      .max(600, { error: toIssueText(msg('config.number.atMost', { max: 600 })) })
      .default(15)
      .describe("Seconds between two reads of the engine's events and statuses."),
  })
  .describe("The engine's events labops posts to the lab's channel.");
export type EventsConfig = z.infer<typeof EventsSchema>;

/** Minutes from midnight of a `quiet_hours` value: [start, end). */
export function parseQuietHours(value: string): { start: number; end: number } {
  const [, h1, m1, h2, m2] = QUIET_HOURS_PATTERN.exec(value) ?? [];
  return { start: Number(h1) * 60 + Number(m1), end: Number(h2) * 60 + Number(m2) };
}

/** The settings of one lab (issue 13 §1): in a single-lab file, under `labs.NAME`, or a directory's `NAME.yml`. */
const labShape = {
  engine: EngineSchema,
  data_center: nameSchema('dataCenter').default('Default').describe('Data center of the lab.'),
  cluster: nameSchema('cluster').default('Default').describe('Cluster the hosts belong to.'),
  hosts: z
    .array(MachineSchema, { error: toIssueText(msg('config.hosts.list')) })
    .min(1, { error: toIssueText(msg('config.hosts.empty')) })
    .describe('The hypervisors.'),
  storage: StorageSchema,
  paths: PathsSchema.prefault({}).describe(
    'Paths of system files on the machines (the real ones by default).',
  ),
  baseline: BaselineSchema.prefault({}).describe('What `/lab reset` returns the lab to.'),
  policy: PolicySchema,
  locale: z
    .enum(LOCALES, { error: toIssueText(msg('config.locale')) })
    .default('en')
    .describe(
      "The lab's language: cards and progress in its channels, and answers to people whose Slack language labops does not speak.",
    ),
  timezone: z
    .string()
    .refine(isTimeZone, { error: toIssueText(msg('config.timezone')) })
    .optional()
    .describe(
      "The lab's IANA time zone: times of day are shown in it, and `--at` and quiet hours read in it (default: the machine's zone).",
    ),
  events: EventsSchema.prefault({}).describe(
    "The engine's events posted to the lab's channel (default: every kind, every 15 s, no quiet hours).",
  ),
  ssh_password_env: envNameSchema
    .optional()
    .describe(
      "Name of the environment variable holding the root password for a first SSH login to this lab's machines; with one lab, LABOPS_SSH_PASSWORD when unset.",
    ),
};

/** Settings of the whole bot (issue 13 §1): at the top of a lab file, or in a directory's labops.yml. */
const botShape = {
  instructors: principalsSchema
    .default([])
    .describe('Users and groups who may act on and approve in every lab (slack:U…, slack:S…, shell:NAME).'),
  downloads: DownloadsSchema.prefault({}).describe(
    'Where ISO sources may be downloaded from (default: public addresses only).',
  ),
  limits: LimitsSchema.prefault({}).describe(
    'Limits on plans (defaults: 20 s, 2 per person, 10 labs at once).',
  ),
};

/** One lab as labops passes it down: what `LabSource.config` holds. */
export const LabConfigSchema = z.strictObject(labShape).describe('One lab labops manages.');
export type LabConfig = z.infer<typeof LabConfigSchema>;

/** The bot's own settings: a directory's `labops.yml`. */
export const BotConfigSchema = z
  .strictObject(botShape)
  .describe('The settings of the whole bot (labops.yml).');
export type BotConfig = z.infer<typeof BotConfigSchema>;
export type DownloadsConfig = BotConfig['downloads'];
export type LimitsConfig = BotConfig['limits'];

/** A lab file of one lab (`lab.yml`, as before issue 13), whose `downloads` and `limits` are the bot's. */
export const LabFileSchema = z
  .strictObject({
    ...labShape,
    ...botShape,
    name: labNameSchema.optional().describe("The lab's name (default: default)."),
  })
  .describe('A lab file of one lab (lab.yml).');
export type LabFile = z.infer<typeof LabFileSchema>;

/** A lab file of several labs: the bot's settings at the top, each lab under `labs.NAME`. */
export const MultiLabFileSchema = z
  .strictObject({
    ...botShape,
    labs: z
      .record(labNameSchema, LabConfigSchema, { error: toIssueText(msg('config.labs.map')) })
      .refine((labs) => Object.keys(labs).length > 0, { error: toIssueText(msg('config.labs.empty')) })
      .describe("The labs, by name: each one's engine, hosts, storage, baseline and policy."),
  })
  .describe('A lab file of several labs.');
export type MultiLabFile = z.infer<typeof MultiLabFileSchema>;

/** The keys of one lab's settings, and of the bot's (to say where a misplaced key belongs). */
export const LAB_KEYS: readonly string[] = Object.keys(labShape);
export const BOT_KEYS: readonly string[] = Object.keys(botShape);

/** A validated value as labops passes it down: read-only all the way (style.md, Configuration). */
export type DeepReadonly<T> = T extends (infer U)[]
  ? readonly DeepReadonly<U>[]
  : T extends object
    ? { readonly [K in keyof T]: DeepReadonly<T[K]> }
    : T;
