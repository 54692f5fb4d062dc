import { readFileSync } from 'node:fs';
import { LabopsError } from '../../errors.js';
import { simText } from '../sim-text.js';
import type { SimEngineVersion } from '../types.js';

/**
 * The API model of the engine version the simulator plays, from ovirt-model.json (trimmed from the
 * official ovirt-engine-api-model, Apache-2.0, by scripts/gen-sim-model.mjs; see its
 * `attribution`). It answers what a real engine's JSON reader would: which members a body may have
 * (docs/ovirt-model/README.md, "How a mock should use it"), and which service method a URL names.
 */

/** The engine builds the simulator can play, with the model line each was built with. */
export interface EngineBuild {
  /** The model line in ovirt-model.json. */
  line: string;
  major: number;
  minor: number;
  build: number;
  revision: number;
  fullVersion: string;
  /** The highest data center and cluster compatibility version it has. */
  compatibility: { major: number; minor: number };
  /** Whether a transfer links its disk as `disk` besides `image` (4.3 links `image` only). */
  transferLinksDisk: boolean;
  /** Whether `PUT /disks/{id}` updates a floating disk (4.3 only amends its QCOW version). */
  updatesFloatingDisks: boolean;
}

export const ENGINE_BUILDS: Record<SimEngineVersion, EngineBuild> = {
  '4.3.11': {
    line: '4.3',
    major: 4,
    minor: 3,
    build: 11,
    revision: 4,
    fullVersion: '4.3.11.4-1.el7',
    compatibility: { major: 4, minor: 3 },
    transferLinksDisk: false,
    updatesFloatingDisks: false,
  },
  '4.4.10': {
    line: '4.4',
    major: 4,
    minor: 4,
    build: 10,
    revision: 7,
    fullVersion: '4.4.10.7-1.el8',
    compatibility: { major: 4, minor: 6 },
    transferLinksDisk: true,
    updatesFloatingDisks: true,
  },
};

export const DEFAULT_ENGINE_VERSION: SimEngineVersion = '4.3.11';

/** A field's type name and, for a list, the wire name of its items (`{"<field>":{"<item>":[...]}}`). */
interface FieldSpec {
  type: string;
  item: string | undefined;
}

interface TypeSpec {
  fields: Map<string, FieldSpec>;
  /** Identified types, Api and Action also take href, link, actions and creation_status. */
  wire: boolean;
}

/** What a URL and method reach: the service method and what its body or answer is. */
export interface ModelOperation {
  /** e.g. `ImageTransfersService`. */
  service: string;
  /** snake_case, e.g. `add`, `start`. */
  method: string;
  /** Add/update: the struct the body is. Actions: `Action`. Get/list: none. */
  bodyType: string | undefined;
  /** Get/list: the struct answered, and whether it is a collection. */
  answerType: string | undefined;
  answerList: boolean;
}

interface RawVersion {
  model: { tag: string; commit: string; engines: string };
  extra_wire_fields: string[];
  types: Record<string, { wire?: boolean; fields: Record<string, string | [string, string]> }>;
  services: Record<string, { body?: string; action?: boolean; out?: string; list?: boolean }>;
  paths: Record<string, Record<string, string>>;
}

interface RawTable {
  attribution: Record<string, unknown>;
  versions: Record<string, RawVersion>;
}

interface PathNode {
  children: Map<string, PathNode>;
  operations: Map<string, ModelOperation>;
}

/**
 * The members a collection wrapper takes besides its items: engine api.xsd `BaseResources`
 * (size, total, active) over `ActionableResource` (actions).
 */
const LIST_WRAPPER_MEMBERS = new Set(['actions', 'active', 'size', 'total']);

export class ApiModel {
  readonly types = new Map<string, TypeSpec>();
  readonly extraWireFields: ReadonlySet<string>;
  readonly tag: string;
  readonly commit: string;
  private readonly root: PathNode = { children: new Map(), operations: new Map() };

  constructor(raw: RawVersion) {
    this.tag = raw.model.tag;
    this.commit = raw.model.commit;
    this.extraWireFields = new Set(raw.extra_wire_fields);
    for (const [name, type] of Object.entries(raw.types)) {
      const fields = new Map<string, FieldSpec>();
      for (const [field, spec] of Object.entries(type.fields)) {
        fields.set(
          field,
          typeof spec === 'string' ? { type: spec, item: undefined } : { type: spec[0], item: spec[1] },
        );
      }
      this.types.set(name, { fields, wire: type.wire === true });
    }
    for (const [template, verbs] of Object.entries(raw.paths)) {
      let node = this.root;
      for (const segment of template === '' ? [] : template.split('/')) {
        let child = node.children.get(segment);
        if (!child) {
          child = { children: new Map(), operations: new Map() };
          node.children.set(segment, child);
        }
        node = child;
      }
      for (const [verb, key] of Object.entries(verbs)) {
        const service = raw.services[key];
        const [serviceName = key, method = ''] = key.split('.');
        node.operations.set(verb, {
          service: serviceName,
          method,
          bodyType: service?.action ? 'Action' : service?.body,
          answerType: service?.out,
          answerList: service?.list === true,
        });
      }
    }
  }

  /** Whether the model has this member in this type (extra wire members not counted). */
  hasField(type: string, field: string): boolean {
    return this.types.get(type)?.fields.has(field) === true;
  }

  /**
   * The service method behind `METHOD path` (path relative to the API root, e.g. `/vms/1/start`).
   * Like the engine's UsageFinder, a segment that names no locator or action is an id.
   */
  findOperation(method: string, path: string): ModelOperation | undefined {
    let node = this.root;
    for (const segment of path.split('/')) {
      if (segment === '') continue;
      const next = node.children.get(segment) ?? node.children.get('{id}');
      if (!next) return undefined;
      node = next;
    }
    return node.operations.get(method);
  }

  /**
   * The first member, at any depth, that the engine's JSON reader would refuse in a body of
   * `type` (Jackson with FAIL_ON_UNKNOWN_PROPERTIES), as a dotted path; undefined when it reads.
   */
  findUnknownMember(type: string, body: unknown): string | undefined {
    if (!isRecord(body)) return '$';
    return this.checkStruct(type, body, '');
  }

  private checkStruct(typeName: string, value: Record<string, unknown>, path: string): string | undefined {
    const type = this.types.get(typeName);
    if (!type) return undefined;
    for (const [key, member] of Object.entries(value)) {
      const where = path === '' ? key : `${path}.${key}`;
      const field = type.fields.get(key);
      if (!field) {
        if (type.wire && this.extraWireFields.has(key)) continue;
        return where;
      }
      const problem = this.checkField(field, member, where);
      if (problem !== undefined) return problem;
    }
    return undefined;
  }

  private checkField(field: FieldSpec, value: unknown, path: string): string | undefined {
    if (value === null) return undefined;
    const struct = this.types.has(field.type);
    if (field.item === undefined) return this.checkSingle(field.type, struct, value, path);
    // A list keeps its wrapper on the wire: {"storage_domains":{"storage_domain":[...]}} (§2.2).
    if (!isRecord(value)) return path;
    for (const [key, items] of Object.entries(value)) {
      const where = `${path}.${key}`;
      if (key !== field.item) {
        if (struct && LIST_WRAPPER_MEMBERS.has(key)) continue;
        return where;
      }
      if (items === null) continue;
      if (!Array.isArray(items)) return where;
      for (const [index, item] of items.entries()) {
        const problem = this.checkSingle(field.type, struct, item, `${where}[${index}]`);
        if (problem !== undefined) return problem;
      }
    }
    return undefined;
  }

  private checkSingle(type: string, struct: boolean, value: unknown, path: string): string | undefined {
    if (value === null) return undefined;
    if (!struct) return typeof value === 'object' ? path : undefined;
    return isRecord(value) ? this.checkStruct(type, value, path) : path;
  }
}

/** The engine the simulator plays: its build (for product_info) and its API model. */
export interface EngineProfile {
  version: SimEngineVersion;
  build: EngineBuild;
  api: ApiModel;
}

/** The profile of an engine version; throws CONFIG for a version the simulator cannot play. */
export function createEngineProfile(version: SimEngineVersion = DEFAULT_ENGINE_VERSION): EngineProfile {
  const api = loadApiModel(version);
  return { version, build: ENGINE_BUILDS[version], api };
}

let table: RawTable | undefined;
const models = new Map<SimEngineVersion, ApiModel>();

/** The model of an engine version, read once per process. */
export function loadApiModel(version: SimEngineVersion): ApiModel {
  const cached = models.get(version);
  if (cached) return cached;
  const build = ENGINE_BUILDS[version];
  if (!build) {
    throw new LabopsError(
      'CONFIG',
      simText(
        `The simulator plays engine ${Object.keys(ENGINE_BUILDS).join(' or ')}, not ${String(version)}.`,
      ),
      { hint: simText(`Choose one of ${Object.keys(ENGINE_BUILDS).join(', ')}.`) },
    );
  }
  table ??= JSON.parse(readFileSync(new URL('./ovirt-model.json', import.meta.url), 'utf8')) as RawTable;
  const raw = table.versions[build.line];
  if (!raw)
    throw new LabopsError('INTERNAL', simText(`ovirt-model.json has no model for engine ${build.line}.`));
  const model = new ApiModel(raw);
  models.set(version, model);
  return model;
}

/** The engine's JAX-RS name of a service, as its usage links spell it: `VmCdromService` → `vm_cdrom`. */
export function toServiceDocName(service: string): string {
  return service
    .replace(/Service$/, '')
    .split(/(?<!(?:^|[A-Z]))(?=[A-Z])|(?<!^)(?=[A-Z][a-z])/)
    .filter((part) => part !== undefined && part !== '')
    .map((part) => part.toLowerCase())
    .join('_');
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
