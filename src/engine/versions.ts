import { LabopsError } from '../errors.js';
import { msg, type Text, verbatim } from '../i18n/text.js';

/**
 * Which request members and parameters each engine version knows — the one place that decides
 * what labops may send (issue 9 §1). A 4.3 engine reads JSON with Jackson and
 * FAIL_ON_UNKNOWN_PROPERTIES: any member its API model lacks is answered with 400 "Request
 * syntactically incorrect." (ovirt-api.md §5.2). The `since` values come from the official API
 * model (ovirt-engine-api-model tags 4.3.31 and 4.4.35, the models engines 4.3.11 and 4.4.10 are
 * built with); a member without a `since` tag dates from 4.0. test/engine/versions.test.ts checks
 * this table against the simulator's copy of both models.
 */

/** An engine's version, from `product_info.version` of `GET /ovirt-engine/api` (§6.4). */
export interface EngineVersion {
  major: number;
  minor: number;
  build: number;
  revision: number;
  /** `full_version` as the engine gives it, e.g. "4.3.11.4-1.el7". */
  full: string | undefined;
}

/** The engine lines whose API model labops knows, oldest first. */
export const KNOWN_MODELS = [
  { line: '4.3', model: '4.3.31', engine: '4.3.11' },
  { line: '4.4', model: '4.4.35', engine: '4.4.10' },
] as const;

export type KnownLine = (typeof KNOWN_MODELS)[number]['line'];

/** The version a table row is compared with: the engine's own, or the nearest known one. */
export interface ApiLevel {
  version: EngineVersion;
  /** The known model the table is read at (4.4.35 for a 4.5 engine). */
  model: (typeof KNOWN_MODELS)[number];
  /** The version compared with `since` values: the engine's, clamped into the known models. */
  effective: readonly [number, number, number];
  /** Set when the engine is older or newer than every known model. */
  warning: Text | undefined;
}

export interface Member {
  /** The engine version the member appeared in. */
  since: string;
  /** A nested struct's type in this table (its members are checked too). */
  type?: RequestType;
  /** A list member, wrapped on the wire as `{"<name>": {"<item>": [...]}}` (§2.2). */
  item?: string;
}

const m = (since: string, more: Omit<Member, 'since'> = {}): Member => ({ since, ...more });

/**
 * The members of every body labops sends, per model type. Only what labops uses is listed: a
 * body member missing here is a labops bug, refused before it reaches the engine.
 */
export type RequestType =
  | 'Action'
  | 'ImageTransfer'
  | 'Disk'
  | 'StorageDomain'
  | 'HostStorage'
  | 'Host'
  | 'Cluster'
  | 'Ssh'
  | 'Vm'
  | 'OperatingSystem'
  | 'Boot'
  | 'Cdrom'
  | 'File'
  | 'Image';

export const REQUEST_TYPES: Readonly<Record<RequestType, Readonly<Record<string, Member>>>> = {
  Action: {
    reason: m('4.0'),
    force: m('4.0'),
    async: m('4.0'),
    vm: m('4.0', { type: 'Vm' }),
  },
  ImageTransfer: {
    disk: m('4.2.0', { type: 'Disk' }),
    image: m('4.0.4', { type: 'Image' }),
    direction: m('4.1'),
    format: m('4.3'),
    inactivity_timeout: m('4.2.3'),
    timeout_policy: m('4.4.5'),
  },
  Disk: {
    id: m('4.0'),
    name: m('4.0'),
    alias: m('4.0'),
    description: m('4.0'),
    content_type: m('4.2.1'),
    format: m('4.0'),
    sparse: m('4.0'),
    provisioned_size: m('4.0'),
    storage_domains: m('4.0', { type: 'StorageDomain', item: 'storage_domain' }),
  },
  StorageDomain: {
    id: m('4.0'),
    name: m('4.0'),
    type: m('4.0'),
    storage: m('4.0', { type: 'HostStorage' }),
    host: m('4.0', { type: 'Host' }),
  },
  HostStorage: { type: m('4.0'), address: m('4.0'), path: m('4.0'), nfs_version: m('4.0') },
  Host: {
    id: m('4.0'),
    name: m('4.0'),
    address: m('4.0'),
    cluster: m('4.0', { type: 'Cluster' }),
    ssh: m('4.0', { type: 'Ssh' }),
    root_password: m('4.0'),
  },
  Cluster: { id: m('4.0'), name: m('4.0') },
  Ssh: { authentication_method: m('4.0'), port: m('4.0') },
  Vm: {
    id: m('4.0'),
    os: m('4.0', { type: 'OperatingSystem' }),
    cdroms: m('4.0', { type: 'Cdrom', item: 'cdrom' }),
  },
  OperatingSystem: { boot: m('4.0', { type: 'Boot' }) },
  Boot: { devices: m('4.0', { item: 'device' }) },
  Cdrom: { id: m('4.0'), file: m('4.0', { type: 'File' }) },
  File: { id: m('4.0') },
  Image: { id: m('4.0') },
};

interface Route {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  pattern: RegExp;
  /** The service method in the model's naming ("ImageTransfersService.add"). */
  service: string;
  /** The body's type: the struct parameter of add/update, `Action` for an action. */
  body?: RequestType;
  /** URL parameters of the method with the version each appeared in. */
  parameters?: Record<string, string>;
  /**
   * Top-level body members this method takes from a later version than the model says: the
   * engine's code wins over the model (a 4.3 engine refuses a floating disk's description).
   */
  bodySince?: Record<string, string>;
}

const ID = '[^/]+';
const route = (
  method: Route['method'],
  path: string,
  service: string,
  more: Omit<Route, 'method' | 'pattern' | 'service'> = {},
): Route => ({ method, pattern: new RegExp(`^${path}$`), service, ...more });

/**
 * Every request labops sends that writes, and the reads whose parameters depend on the version.
 * A write that matches no row is a labops bug: it is refused before it is sent.
 */
const ROUTES: readonly Route[] = [
  route('POST', `/hosts/${ID}/(deactivate|activate)`, 'HostService.action', { body: 'Action' }),
  route('POST', '/hosts', 'HostsService.add', { body: 'Host', parameters: { activate: '4.1' } }),
  route('DELETE', `/hosts/${ID}`, 'HostService.remove'),
  route('POST', `/vms/${ID}/(start|stop|shutdown)`, 'VmService.action', { body: 'Action' }),
  route('DELETE', `/vms/${ID}`, 'VmService.remove', { parameters: { detach_only: '4.0' } }),
  route('PUT', `/vms/${ID}/cdroms/${ID}`, 'VmCdromService.update', {
    body: 'Cdrom',
    parameters: { current: '4.0' },
  }),
  route('GET', `/vms/${ID}/cdroms/${ID}`, 'VmCdromService.get', { parameters: { current: '4.0' } }),
  route('POST', '/storagedomains', 'StorageDomainsService.add', { body: 'StorageDomain' }),
  route('DELETE', `/storagedomains/${ID}`, 'StorageDomainService.remove', {
    parameters: { host: '4.0', format: '4.0', destroy: '4.0' },
  }),
  route('POST', `/datacenters/${ID}/storagedomains`, 'AttachedStorageDomainsService.add', {
    body: 'StorageDomain',
  }),
  route(
    'POST',
    `/datacenters/${ID}/storagedomains/${ID}/(activate|deactivate)`,
    'AttachedStorageDomainService.action',
    { body: 'Action' },
  ),
  route('DELETE', `/datacenters/${ID}/storagedomains/${ID}`, 'AttachedStorageDomainService.remove'),
  route('POST', '/disks', 'DisksService.add', { body: 'Disk' }),
  // ovirt-engine 4.3.11 BackendDiskResource.update takes only `qcow_version` on a floating disk
  // and answers anything else with 409; UpdateDisk takes the rest from 4.4.0.
  route('PUT', `/disks/${ID}`, 'DiskService.update', {
    body: 'Disk',
    bodySince: { name: '4.4.0', alias: '4.4.0', description: '4.4.0' },
  }),
  route('DELETE', `/disks/${ID}`, 'DiskService.remove'),
  route('POST', '/imagetransfers', 'ImageTransfersService.add', { body: 'ImageTransfer' }),
  route('POST', `/imagetransfers/${ID}/(finalize|cancel)`, 'ImageTransferService.action', {
    body: 'Action',
  }),
];

/** Whether a request must be checked against the engine's version before it is sent. */
export function isVersionDependent(request: { method: string; path: string }): boolean {
  return (
    request.method !== 'GET' ||
    ROUTES.some((r) => r.method === request.method && r.pattern.test(request.path))
  );
}

/** Parses `product_info.version`; `undefined` when the engine gave none labops can read. */
export function parseEngineVersion(
  version:
    | {
        major?: number | undefined;
        minor?: number | undefined;
        build?: number | undefined;
        revision?: number | undefined;
        full_version?: string | undefined;
      }
    | undefined,
): EngineVersion | undefined {
  if (!version) return undefined;
  const full = version.full_version;
  const fromFull = full?.match(/^(\d+)\.(\d+)(?:\.(\d+))?(?:\.(\d+))?/);
  const major = version.major ?? numberAt(fromFull, 1);
  const minor = version.minor ?? numberAt(fromFull, 2);
  if (major === undefined || minor === undefined) return undefined;
  return {
    major,
    minor,
    build: version.build ?? numberAt(fromFull, 3) ?? 0,
    revision: version.revision ?? numberAt(fromFull, 4) ?? 0,
    full,
  };
}

function numberAt(match: RegExpMatchArray | null | undefined, index: number): number | undefined {
  const text = match?.[index];
  return text === undefined ? undefined : Number(text);
}

export function formatEngineVersion(version: EngineVersion): string {
  return `${version.major}.${version.minor}.${version.build}.${version.revision}`;
}

/**
 * The level an engine's requests are built for. Older than 4.3 or newer than the last known
 * model (4.5 included) gets one warning, and the nearest known model is used (4.4.35 for 4.5).
 */
export function resolveApiLevel(version: EngineVersion): ApiLevel {
  const first = KNOWN_MODELS[0];
  const last = KNOWN_MODELS[KNOWN_MODELS.length - 1] ?? first;
  const own = [version.major, version.minor, version.build] as const;
  const shown = version.full ?? formatEngineVersion(version);
  if (compare(own, [4, 3, 0]) < 0) {
    return {
      version,
      model: first,
      effective: [4, 3, 0],
      warning: msg('engine.version.older', { version: shown }),
    };
  }
  if (version.major !== 4 || version.minor > 4) {
    return {
      version,
      model: last,
      effective: [4, 4, 10],
      warning: msg('engine.version.newer', { version: shown, engine: last.engine, model: last.model }),
    };
  }
  const model = KNOWN_MODELS.find((k) => k.line === `${version.major}.${version.minor}`) ?? last;
  return { version, model, effective: own, warning: undefined };
}

/** Whether the engine at `level` knows `member` of `type`. */
export function hasMember(level: ApiLevel, type: RequestType, member: string): boolean {
  const found = REQUEST_TYPES[type][member];
  return found !== undefined && compare(level.effective, parseSince(found.since)) >= 0;
}

/**
 * Refuses a request the engine at `level` would not understand: a body member or a parameter it
 * lacks, or a write this table does not know. A labops bug, so it stops here (INTERNAL) instead of
 * reaching the engine as a 400.
 */
export function checkRequest(
  level: ApiLevel,
  request: { method: string; path: string; query?: Record<string, unknown> | undefined; body?: unknown },
): void {
  const found = ROUTES.find((r) => r.method === request.method && r.pattern.test(request.path));
  if (!found) {
    if (request.method === 'GET') return;
    throw bug(`${request.method} ${request.path} is not in labops's table of engine requests.`);
  }
  for (const [name, value] of Object.entries(request.query ?? {})) {
    if (value === undefined) continue;
    const since = found.parameters?.[name];
    if (since === undefined || compare(level.effective, parseSince(since)) < 0) {
      throw bug(`${found.service} has no parameter "${name}" in engine ${level.model.engine}.`);
    }
  }
  if (request.body === undefined) return;
  if (!found.body) throw bug(`${found.service} takes no body.`);
  for (const name of Object.keys(request.body as object)) {
    const since = found.bodySince?.[name];
    if (since !== undefined && compare(level.effective, parseSince(since)) < 0) {
      throw bug(`${found.service} takes no ${found.body}.${name} before engine ${since}.`);
    }
  }
  checkMembers(level, found.body, request.body, found.body);
}

/** Whether `METHOD path` takes `member` in its body at `level` (the model, and the engine's exceptions). */
export function takesBodyMember(level: ApiLevel, method: string, path: string, member: string): boolean {
  const found = ROUTES.find((r) => r.method === method && r.pattern.test(path));
  if (!found?.body || !hasMember(level, found.body, member)) return false;
  const since = found.bodySince?.[member];
  return since === undefined || compare(level.effective, parseSince(since)) >= 0;
}

function checkMembers(level: ApiLevel, type: RequestType, value: unknown, where: string): void {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return;
  const members = REQUEST_TYPES[type];
  for (const [name, inner] of Object.entries(value)) {
    const member = members[name];
    if (!member || compare(level.effective, parseSince(member.since)) < 0) {
      throw bug(
        `${where}.${name} is not a member of ${type} in engine ${level.model.engine} (API model ${level.model.model}).`,
      );
    }
    const elements = member.item ? wrapped(inner, member.item, `${where}.${name}`) : [inner];
    if (member.type)
      for (const element of elements) checkMembers(level, member.type, element, `${where}.${name}`);
  }
}

function wrapped(value: unknown, item: string, where: string): unknown[] {
  const inner = (value as Record<string, unknown> | null)?.[item];
  if (value === null || typeof value !== 'object' || Object.keys(value).some((k) => k !== item)) {
    throw bug(`${where} must be wrapped as {"${item}": [...]}.`);
  }
  return Array.isArray(inner) ? inner : [inner];
}

function bug(message: string): LabopsError {
  return new LabopsError('INTERNAL', msg('engine.version.badRequest', { problem: verbatim(message) }));
}

function parseSince(since: string): readonly [number, number, number] {
  const [major = 0, minor = 0, build = 0] = since.split('.').map(Number);
  return [major, minor, build];
}

function compare(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < 3; i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}
