import { isIP } from 'node:net';
import { posix } from 'node:path';
import { z } from 'zod';
import { LOCALES } from '../i18n/locale.js';
import { parseCidr } from '../net/address-fence.js';
import { RISKS } from '../risk.js';

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

const nameSchema = (what: string) =>
  z
    .string({ error: `must be a ${what} name (text)` })
    .min(1, { error: `must not be empty — give the ${what} a name` })
    .max(64, { abort: true, error: `is too long — a ${what} name has at most 64 characters` })
    .regex(NAME_PATTERN, {
      error: `may only contain letters, digits, '.', '_' and '-' (starting with a letter or digit)`,
    });

const absolutePathSchema = z
  .string({ error: 'must be an absolute path (text)' })
  .max(MAX_PATH, { abort: true, error: `is too long — a path has at most ${MAX_PATH} characters` })
  .refine((value) => value.startsWith('/'), { error: 'must be an absolute path starting with /' })
  .refine((value) => !value.split('/').includes('..'), {
    error: "must not contain '..' — name the directory directly",
  })
  .refine(
    (value) => !value.startsWith('/') || value.split('/').includes('..') || isCleanAbsolutePath(value),
    {
      error: 'must be normalised (no //, /./ or trailing /) — write it as a plain absolute path',
    },
  );

const principalSchema = z
  .string({ error: 'must be a principal (text)' })
  .max(64, { abort: true, error: 'is too long for a principal' })
  .regex(PRINCIPAL_PATTERN, {
    error: 'must be slack:U…/slack:W… (a user), slack:S… (a user group) or shell:NAME — e.g. slack:U0123ABCD',
  });

const principalsSchema = z.array(principalSchema, { error: 'must be a list of principals' });

const channelsSchema = z.array(
  z
    .string({ error: 'must be a Slack channel id (text)' })
    .max(24, { abort: true, error: 'is too long for a Slack channel id' })
    .regex(CHANNEL_PATTERN, {
      error:
        'must be a Slack channel id such as C0123ABCD or G0123ABCD (not the #name) — copy it from the channel details',
    }),
  { error: 'must be a list of Slack channel ids' },
);

const expirySchema = z
  .number({ error: 'must be a number of minutes' })
  .int({ error: 'must be a whole number of minutes' })
  .min(1, { error: 'must be at least 1 minute' })
  .max(1440, { abort: true, error: 'must be at most 1440 minutes (one day)' });

/** SSH access to a machine. */
export const SshSchema = z
  .strictObject({
    user: z
      .string({ error: 'must be a user name (text)' })
      .max(32, { abort: true, error: 'is too long for a user name' })
      .regex(SSH_USER_PATTERN, { error: 'must be a POSIX user name such as root' })
      .default('root')
      .describe('User labops logs in as; runbooks need root.'),
    port: z
      .number({ error: 'must be a port number' })
      .int({ error: 'must be a whole port number' })
      .min(1, { error: 'must be between 1 and 65535' })
      .max(65535, { abort: true, error: 'must be between 1 and 65535' })
      .default(22)
      .describe('SSH port.'),
    host_key: z
      .string({ error: 'must be an SSH key fingerprint (text)' })
      .max(64, { abort: true, error: 'is too long for an SSH key fingerprint' })
      .regex(HOST_KEY_PATTERN, {
        error:
          'must be SHA256: followed by 43 base64 characters — print it with `ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub`',
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
      .string({ error: 'must be a host name or an IP address (text)' })
      .max(253, { abort: true, error: 'is too long — an address has at most 253 characters' })
      .refine(isAddress, {
        error: 'must be a host name (letters, digits, -, .) or an IPv4/IPv6 address, e.g. hyper1.abc.local',
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
        error: 'must be the engine URL, e.g. https://ovirt.abc.local/ovirt-engine',
      })
      .max(2048, { abort: true, error: 'is too long for a URL' })
      .describe('Base URL of the engine (https; http only together with insecure: true).'),
    user: z
      .string({ error: 'must be a user name (text)' })
      .min(1, { error: 'must not be empty' })
      .max(128, { abort: true, error: 'is too long for a user name' })
      .regex(/^[^\s@]+@[^\s@]+$/, { error: 'must be USER@PROFILE, e.g. admin@internal' })
      .default('admin@internal')
      .describe('Engine user, USER@PROFILE.'),
    password_env: z
      .string({ error: 'must be the NAME of an environment variable (text)' })
      .max(64, { abort: true, error: 'is too long for an environment variable name' })
      .regex(ENV_NAME_PATTERN, {
        error:
          'must be the NAME of an environment variable (A-Z, 0-9, _), e.g. LABOPS_ENGINE_PASSWORD — not the password',
      })
      .default('LABOPS_ENGINE_PASSWORD')
      .describe(
        'Name of the environment variable that holds the engine password; the password never goes in this file.',
      ),
    ca_file: z
      .string({ error: 'must be a file path (text)' })
      .min(1, { error: 'must not be empty' })
      .max(MAX_PATH, { abort: true, error: `is too long — a path has at most ${MAX_PATH} characters` })
      .optional()
      .describe("PEM file of the engine's CA; relative paths are resolved against this file's directory."),
    insecure: z
      .boolean({ error: 'must be true or false' })
      .default(false)
      .describe(
        'Skip TLS verification of the engine (labs only; a warning is logged). Needed when ca_file is unset.',
      ),
    timeout_ms: z
      .number({ error: 'must be a number of milliseconds' })
      .int({ error: 'must be a whole number of milliseconds' })
      .min(1000, { error: 'must be at least 1000 ms' })
      .max(600_000, { abort: true, error: 'must be at most 600000 ms (10 minutes)' })
      .default(30_000)
      .describe('Timeout of one engine request, in milliseconds.'),
    max_concurrency: z
      .number({ error: 'must be a number' })
      .int({ error: 'must be a whole number' })
      .min(1, { error: 'must be at least 1' })
      .max(64, { abort: true, error: 'must be at most 64' })
      .default(4)
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
        error: 'must be a block device under /dev, e.g. /dev/vdb1',
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
      .array(absolutePathSchema, { error: 'must be a list of absolute paths' })
      .min(1, { error: 'needs at least one root, e.g. [/export]' })
      .default(['/export'])
      .describe('Directories every export must lie under; nothing outside them is ever emptied or chowned.'),
    exports: z
      .array(ExportSchema, { error: 'must be a list of exports' })
      .min(1, { error: 'needs at least one export, e.g. { name: data, path: /export/data }' })
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
    name: nameSchema('storage domain').describe('Storage domain name in the engine, e.g. nfs-data.'),
    type: z.enum(['data', 'iso'], { error: 'must be data or iso' }).describe('Storage domain type.'),
    export: z
      .string({ error: 'must name a configured export (its name or path)' })
      .min(1, { error: 'must name a configured export (its name or path)' })
      .max(MAX_PATH, { abort: true, error: 'is too long' })
      .describe('The export the domain lives on: the name or the path of one of storage.exports.'),
  })
  .describe('A storage domain of the baseline.');
export type BaselineDomain = z.infer<typeof BaselineDomainSchema>;

/** What `/lab reset` returns the lab to (design.md, Reset). */
export const BaselineSchema = z
  .strictObject({
    storage_domains: z
      .array(BaselineDomainSchema, { error: 'must be a list of storage domains' })
      .default([])
      .describe('Storage domains `/lab reset` keeps or re-attaches; others are removed.'),
    hosts: z
      .array(nameSchema('host'), { error: 'must be a list of host names' })
      .default([])
      .describe('Configured hosts `/lab reset` activates.'),
    vms: z
      .array(nameSchema('VM'), { error: 'must be a list of VM names' })
      .default([])
      .describe('VMs `/lab reset` keeps; others are removed with their disks.'),
  })
  .describe('What `/lab reset` returns the lab to.');
export type Baseline = z.infer<typeof BaselineSchema>;

/** Per-command policy overrides; unset fields fall back to the policy's own. */
export const CommandPolicySchema = z
  .strictObject({
    risk: z
      .enum(RISKS, { error: 'must be read, change, destructive or critical' })
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
      .min(1, { error: 'needs at least one approver, e.g. [slack:S0123ABCD]' })
      .describe('Who may approve destructive and critical commands.'),
    channels: channelsSchema
      .default([])
      .describe('Channels where commands may be asked; empty means any channel.'),
    expiry_minutes: expirySchema.default(15).describe('Minutes before a pending approval expires.'),
    commands: z
      .partialRecord(
        z.enum(COMMAND_KEYS, {
          error: 'is not a command — use "<command> <sub-command>", e.g. "host maintenance"',
        }),
        CommandPolicySchema,
        { error: 'must be a map of command to overrides' },
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
      .number({ error: 'must be a number of seconds, e.g. 20' })
      .int({ error: 'must be a whole number of seconds' })
      .min(1, { error: 'must be at least 1 second' })
      .max(600, { error: 'must be at most 600 seconds (10 minutes)' })
      .default(20)
      .describe('Seconds a plan (the reads before a card) may take before it is abandoned.'),
    plans_per_requester: z
      .number({ error: 'must be a number, e.g. 2' })
      .int({ error: 'must be a whole number' })
      .min(1, { error: 'must be at least 1' })
      .max(20, { error: 'must be at most 20' })
      .default(2)
      .describe('Plans one person may have in flight at once; more are refused.'),
  })
  .describe('Limits on plans.');
export type Limits = z.infer<typeof LimitsSchema>;

/** A CIDR of `downloads.allowed_networks`, checked as the fence reads it. */
const allowedNetworkSchema = z
  .string({ error: 'must be a network in CIDR notation (text), e.g. 192.168.122.0/24' })
  .max(64, { abort: true, error: 'is too long for a network' })
  .superRefine((value, ctx) => {
    const parsed = parseCidr(value);
    if ('problem' in parsed) ctx.addIssue({ code: 'custom', message: parsed.problem });
  });

/** Where `/iso upload` may download from (issue 10 §2); public addresses always. */
export const DownloadsSchema = z
  .strictObject({
    allowed_networks: z
      .array(allowedNetworkSchema, { error: 'must be a list of networks, e.g. [192.168.122.0/24]' })
      .default([])
      .describe(
        'Networks (CIDR) labops may download ISO sources from besides public addresses, e.g. the mirror’s 192.168.122.0/24. Loopback, link-local and 0.0.0.0/8 open only when named inside their own range (127.0.0.0/8), never by 0.0.0.0/0.',
      ),
    allowed_hosts: z
      .array(
        z
          .string({ error: 'must be a host name (text)' })
          .max(253, { abort: true, error: 'is too long for a host name' })
          .regex(HOSTNAME_PATTERN, { error: 'must be a host name, e.g. mirror.abc.local' }),
        { error: 'must be a list of host names' },
      )
      .default([])
      .describe(
        'Host names whose private addresses labops may download from (not loopback or link-local ones).',
      ),
  })
  .describe('Where ISO sources may be downloaded from.');
export type Downloads = z.infer<typeof DownloadsSchema>;

/** The `lab.yml` file. Keys are snake_case throughout. Cross-field rules live in rules.ts. */
export const LabConfigSchema = z
  .strictObject({
    engine: EngineSchema,
    data_center: nameSchema('data center').default('Default').describe('Data center of the lab.'),
    cluster: nameSchema('cluster').default('Default').describe('Cluster the hosts belong to.'),
    hosts: z
      .array(MachineSchema, { error: 'must be a list of hosts' })
      .min(1, { error: 'needs at least one host, e.g. { name: hyper1, address: hyper1.abc.local }' })
      .describe('The hypervisors.'),
    storage: StorageSchema,
    paths: PathsSchema.prefault({}).describe(
      'Paths of system files on the machines (the real ones by default).',
    ),
    baseline: BaselineSchema.prefault({}).describe('What `/lab reset` returns the lab to.'),
    policy: PolicySchema,
    downloads: DownloadsSchema.prefault({}).describe(
      'Where ISO sources may be downloaded from (default: public addresses only).',
    ),
    limits: LimitsSchema.prefault({}).describe('Limits on plans (defaults: 20 s, 2 per person).'),
    locale: z
      .enum(LOCALES, { error: 'must be ko or en' })
      .default('en')
      .describe(
        "The lab's language: cards and progress in its channels, and answers to people whose Slack language labops does not speak.",
      ),
    timezone: z
      .string()
      .refine(isTimeZone, { error: 'must be an IANA time zone, e.g. Asia/Seoul' })
      .optional()
      .describe('The time zone times of day are shown in (default UTC).'),
  })
  .describe('A lab labops manages (lab.yml).');
export type LabConfig = z.infer<typeof LabConfigSchema>;

/** A validated value as labops passes it down: read-only all the way (style.md, Configuration). */
export type DeepReadonly<T> = T extends (infer U)[]
  ? readonly DeepReadonly<U>[]
  : T extends object
    ? { readonly [K in keyof T]: DeepReadonly<T[K]> }
    : T;
