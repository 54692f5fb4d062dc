import { quoteUserText } from '../text.js';
import { isCleanAbsolutePath } from './lab-schema.js';
import { type ConfigProblem, findNearest, formatPath, type PathSegment } from './problems.js';

/** Keys that could reach an object's prototype if anything downstream copied them naively. */
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);
const SECRET_KEY =
  /(?:^|_)(?:password|passwd|passphrase|secret|token|api_?key|private_?key|credentials?)(?:$|_)/;
const SECRET_VALUE = /^(?:xox[a-z]-|xapp-)|-----BEGIN [A-Z ]*PRIVATE KEY-----/;
const MAX_DEPTH = 32;

/** The variable holding the engine password when `engine.password_env` is unset. */
export const DEFAULT_PASSWORD_ENV = 'LABOPS_ENGINE_PASSWORD';

export interface SanitizeResult {
  readonly data: Record<string, unknown>;
  readonly problems: ConfigProblem[];
  /** Paths whose value was a secret; schema problems there would only repeat the secret problem. */
  readonly secretPaths: Set<string>;
}

function isSecretKey(key: string): boolean {
  const normalised = key.toLowerCase().replace(/-/g, '_');
  return !normalised.endsWith('_env') && SECRET_KEY.test(normalised);
}

function describeSecretFix(path: readonly PathSegment[]): string {
  return path[0] === 'engine'
    ? 'secrets only come from the environment — remove it and set the password in the variable named by engine.password_env (LABOPS_ENGINE_PASSWORD by default)'
    : 'secrets only come from the environment — remove it from the file and pass the secret as an environment variable';
}

/**
 * Copies the parsed document, dropping prototype-polluting keys and secrets (each reported).
 * The copy is what the schema and the rules see, so neither can echo a secret.
 */
export function sanitizeLabData(root: Record<string, unknown>): SanitizeResult {
  const problems: ConfigProblem[] = [];
  const secretPaths = new Set<string>();

  const walk = (value: unknown, path: PathSegment[], depth: number): unknown => {
    if (depth > MAX_DEPTH) {
      problems.push({
        path: formatPath(path),
        message: `is nested more than ${MAX_DEPTH} levels deep — flatten it`,
      });
      return null;
    }
    if (typeof value === 'string') {
      if (!SECRET_VALUE.test(value)) return value;
      secretPaths.add(formatPath(path));
      problems.push({ path: formatPath(path), message: `looks like a secret; ${describeSecretFix(path)}` });
      return '';
    }
    if (Array.isArray(value)) return value.map((item, index) => walk(item, [...path, index], depth + 1));
    if (value === null || typeof value !== 'object') return value;
    const copy: Record<string, unknown> = {};
    for (const key of Object.keys(value)) {
      const child = (value as Record<string, unknown>)[key];
      if (FORBIDDEN_KEYS.has(key)) {
        problems.push({
          path: formatPath([...path, key]),
          message: 'forbidden key (it could tamper with object prototypes) — remove it',
        });
        continue;
      }
      if (isSecretKey(key)) {
        secretPaths.add(formatPath([...path, key]));
        problems.push({ path: formatPath([...path, key]), message: describeSecretFix([...path, key]) });
        continue;
      }
      copy[key] = walk(child, [...path, key], depth + 1);
    }
    return copy;
  };

  return { data: walk(root, [], 0) as Record<string, unknown>, problems, secretPaths };
}

// Lenient readers: rules run on the raw document, even when the schema rejected parts of it,
// so one report can list schema and cross-field problems together.

function asRecord(value: unknown): Record<string, unknown> | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

function asList(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

function asString(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

interface RuleContext {
  readonly data: Record<string, unknown>;
  readonly env: Readonly<Record<string, string | undefined>>;
}

/** A named cross-field rule. */
export interface LabRule {
  readonly name: string;
  check(context: RuleContext): ConfigProblem[];
}

const engineTlsRule: LabRule = {
  name: 'engine-tls',
  check({ data }) {
    const engine = asRecord(data.engine);
    if (!engine) return [];
    const problems: ConfigProblem[] = [];
    const insecure = engine.insecure === true;
    const hasCa = asString(engine.ca_file) !== undefined;
    if (insecure && hasCa) {
      problems.push({
        path: 'engine.insecure',
        message: 'cannot be combined with engine.ca_file — keep ca_file and remove insecure',
      });
    } else if (!insecure && !hasCa) {
      problems.push({
        path: 'engine.ca_file',
        message:
          "is required unless engine.insecure is true — download the engine's CA from https://ENGINE/ovirt-engine/services/pki-resource?resource=ca-certificate&format=X509-PEM-CA",
      });
    }
    const url = asString(engine.url);
    if (url?.toLowerCase().startsWith('http:') && !insecure) {
      problems.push({
        path: 'engine.url',
        message: 'must use https — plain http is only allowed with engine.insecure: true',
      });
    }
    return problems;
  },
};

interface Machine {
  readonly path: PathSegment[];
  readonly name: string | undefined;
  readonly address: string | undefined;
}

function listMachines(data: Record<string, unknown>): Machine[] {
  const machines: Machine[] = asList(data.hosts).map((host, index) => ({
    path: ['hosts', index],
    name: asString(asRecord(host)?.name),
    address: asString(asRecord(host)?.address),
  }));
  const server = asRecord(asRecord(data.storage)?.server);
  if (server)
    machines.push({
      path: ['storage', 'server'],
      name: asString(server.name),
      address: asString(server.address),
    });
  return machines;
}

/** Reports every value seen before under another path, case-insensitively. */
function findDuplicates(
  entries: readonly { path: PathSegment[]; value: string | undefined }[],
  what: string,
): ConfigProblem[] {
  const seen = new Map<string, PathSegment[]>();
  const problems: ConfigProblem[] = [];
  for (const { path, value } of entries) {
    if (value === undefined) continue;
    const key = value.toLowerCase();
    const first = seen.get(key);
    if (first) {
      problems.push({
        path: formatPath(path),
        message: `${quoteUserText(value)} is also ${formatPath(first)} — ${what} must be unique`,
      });
    } else seen.set(key, path);
  }
  return problems;
}

const uniqueMachinesRule: LabRule = {
  name: 'unique-machines',
  check({ data }) {
    const machines = listMachines(data);
    return [
      ...findDuplicates(
        machines.map((m) => ({ path: [...m.path, 'name'], value: m.name })),
        'machine names',
      ),
      ...findDuplicates(
        machines.map((m) => ({ path: [...m.path, 'address'], value: m.address })),
        'machine addresses',
      ),
    ];
  },
};

function isInside(path: string, root: string): boolean {
  return root === '/' ? path !== '/' : path.startsWith(`${root}/`);
}

function listRoots(storage: Record<string, unknown>): string[] {
  if (storage.export_roots === undefined) return ['/export'];
  return asList(storage.export_roots).filter(
    (r): r is string => typeof r === 'string' && isCleanAbsolutePath(r),
  );
}

const exportsRule: LabRule = {
  name: 'exports',
  check({ data }) {
    const storage = asRecord(data.storage);
    if (!storage) return [];
    const problems: ConfigProblem[] = [];
    const roots = listRoots(storage);
    roots.forEach((root, index) => {
      const outer = roots.find(
        (other, j) => j !== index && (isInside(root, other) || (other === root && j < index)),
      );
      if (outer !== undefined) {
        problems.push({
          path: formatPath(['storage', 'export_roots', index]),
          message: `overlaps the root ${quoteUserText(outer)} — export roots must not contain each other`,
        });
      }
    });

    const exports = asList(storage.exports).map((entry, index) => ({
      index,
      name: asString(asRecord(entry)?.name),
      path: asString(asRecord(entry)?.path),
      device: asString(asRecord(entry)?.device),
    }));
    for (const entry of exports) {
      if (entry.path === undefined || !isCleanAbsolutePath(entry.path)) continue;
      const exportPath = entry.path;
      const at = formatPath(['storage', 'exports', entry.index, 'path']);
      if (roots.includes(exportPath)) {
        problems.push({
          path: at,
          message: 'is an export root itself — an export must lie below its root, e.g. /export/data',
        });
      } else if (!roots.some((root) => isInside(exportPath, root))) {
        problems.push({
          path: at,
          message: `is outside the export roots (${roots.join(', ') || 'none'}) — move the export under a root or add its root to storage.export_roots`,
        });
      }
      const container = exports.find(
        (other) =>
          other.path !== undefined &&
          other.index !== entry.index &&
          !roots.includes(other.path) &&
          isInside(exportPath, other.path),
      );
      if (container) {
        problems.push({
          path: at,
          message: `lies inside storage.exports[${container.index}].path — cleaning one export would empty the other; use sibling directories`,
        });
      }
    }
    const at = (index: number, key: string): PathSegment[] => ['storage', 'exports', index, key];
    problems.push(
      ...findDuplicates(
        exports.map((e) => ({ path: at(e.index, 'name'), value: e.name })),
        'export names',
      ),
      ...findDuplicates(
        exports.map((e) => ({ path: at(e.index, 'path'), value: e.path })),
        'export paths',
      ),
      ...findDuplicates(
        exports.map((e) => ({ path: at(e.index, 'device'), value: e.device })),
        'export devices',
      ),
    );
    return problems;
  },
};

function describeUnknown(value: string, known: readonly string[], what: string): string {
  const nearest = findNearest(value, known);
  if (nearest) return `unknown ${what} ${quoteUserText(value)} — did you mean "${nearest}"?`;
  return `unknown ${what} ${quoteUserText(value)} — use one of: ${known.length > 0 ? known.join(', ') : `(no ${what}s configured)`}`;
}

const baselineRule: LabRule = {
  name: 'baseline-references',
  check({ data }) {
    const baseline = asRecord(data.baseline);
    if (!baseline) return [];
    const problems: ConfigProblem[] = [];
    const hostNames = asList(data.hosts)
      .map((host) => asString(asRecord(host)?.name))
      .filter((name): name is string => name !== undefined);
    asList(baseline.hosts).forEach((name, index) => {
      if (typeof name === 'string' && !hostNames.includes(name)) {
        problems.push({
          path: formatPath(['baseline', 'hosts', index]),
          message: describeUnknown(name, hostNames, 'host'),
        });
      }
    });

    const exports = asList(asRecord(data.storage)?.exports).map((entry) => ({
      name: asString(asRecord(entry)?.name),
      path: asString(asRecord(entry)?.path),
    }));
    const exportNames = exports.map((e) => e.name).filter((n): n is string => n !== undefined);
    const domains = asList(baseline.storage_domains).map((domain, index) => ({
      index,
      name: asString(asRecord(domain)?.name),
      exportRef: asString(asRecord(domain)?.export),
    }));
    const resolved: { path: PathSegment[]; value: string | undefined }[] = [];
    for (const domain of domains) {
      if (domain.exportRef === undefined) continue;
      const ref = domain.exportRef;
      const target = exports.find((e) => e.name === ref || e.path === ref);
      const path: PathSegment[] = ['baseline', 'storage_domains', domain.index, 'export'];
      if (target) resolved.push({ path, value: target.path ?? target.name });
      else problems.push({ path: formatPath(path), message: describeUnknown(ref, exportNames, 'export') });
    }
    problems.push(
      ...findDuplicates(
        domains.map((d) => ({ path: ['baseline', 'storage_domains', d.index, 'name'], value: d.name })),
        'storage domain names',
      ),
      ...findDuplicates(resolved, 'storage domains need an export each; their exports'),
      ...findDuplicates(
        asList(baseline.hosts).map((name, index) => ({
          path: ['baseline', 'hosts', index],
          value: asString(name),
        })),
        'baseline hosts',
      ),
      ...findDuplicates(
        asList(baseline.vms).map((name, index) => ({
          path: ['baseline', 'vms', index],
          value: asString(name),
        })),
        'baseline VMs',
      ),
    );
    return problems;
  },
};

/** The name of the variable holding the engine password, when the file names a usable one. */
export function getPasswordEnvName(data: Record<string, unknown>): string | undefined {
  const engine = asRecord(data.engine);
  const name = engine?.password_env;
  if (name === undefined) return DEFAULT_PASSWORD_ENV;
  return typeof name === 'string' && /^[A-Z_][A-Z0-9_]*$/.test(name) ? name : undefined;
}

const enginePasswordRule: LabRule = {
  name: 'engine-password',
  check({ data, env }) {
    const name = getPasswordEnvName(data);
    if (name === undefined || asString(env[name]?.trim()) !== undefined) return [];
    return [{ path: 'engine.password_env', message: `missing secret: set ${name} in the environment` }];
  },
};

/** The cross-field rules, run in this order after the schema. */
export const LAB_RULES: readonly LabRule[] = [
  engineTlsRule,
  uniqueMachinesRule,
  exportsRule,
  baselineRule,
  enginePasswordRule,
];

/** Runs every cross-field rule on the sanitized document. */
export function validateLabRules(
  data: Record<string, unknown>,
  env: Readonly<Record<string, string | undefined>>,
): ConfigProblem[] {
  return LAB_RULES.flatMap((rule) => rule.check({ data, env }));
}
