import { type Message, msg, verbatim } from '../i18n/text.js';
import { quoteUserText } from '../text.js';
import { isCleanAbsolutePath } from './lab-schema.js';
import { type ConfigProblem, createProblem, findNearest, formatPath, type PathSegment } from './problems.js';

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

/** Where a secret found in the file goes instead: the engine's password has its own variable. */
function describeSecretFix(path: readonly PathSegment[], found: 'value' | 'key'): Message {
  // A lab of a multi-lab file: `labs.NAME.engine.password`.
  const inLab = path[0] === 'labs' ? path.slice(2) : path;
  if (inLab[0] === 'engine') {
    return found === 'value' ? msg('config.rule.secretValueEngine') : msg('config.rule.secretKeyEngine');
  }
  return found === 'value' ? msg('config.rule.secretValue') : msg('config.rule.secretKey');
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
      problems.push(createProblem(formatPath(path), msg('config.rule.tooDeep', { max: MAX_DEPTH })));
      return null;
    }
    if (typeof value === 'string') {
      if (!SECRET_VALUE.test(value)) return value;
      secretPaths.add(formatPath(path));
      problems.push(createProblem(formatPath(path), describeSecretFix(path, 'value')));
      return '';
    }
    if (Array.isArray(value)) return value.map((item, index) => walk(item, [...path, index], depth + 1));
    if (value === null || typeof value !== 'object') return value;
    const copy: Record<string, unknown> = {};
    for (const key of Object.keys(value)) {
      const child = (value as Record<string, unknown>)[key];
      if (FORBIDDEN_KEYS.has(key)) {
        problems.push(createProblem(formatPath([...path, key]), msg('config.rule.forbiddenKey')));
        continue;
      }
      // The keys of `labs:` are labs' names (a lab may be called token-lab), never settings.
      const isLabName = path.length === 1 && path[0] === 'labs';
      if (isSecretKey(key) && !isLabName) {
        secretPaths.add(formatPath([...path, key]));
        problems.push(createProblem(formatPath([...path, key]), describeSecretFix([...path, key], 'key')));
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
  /** More than one lab: each names its own secrets, with no shared default (issue 13 §1). */
  readonly many: boolean;
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
      problems.push(createProblem('engine.insecure', msg('config.rule.insecureWithCa')));
    } else if (!insecure && !hasCa) {
      problems.push(createProblem('engine.ca_file', msg('config.rule.caRequired')));
    }
    const url = asString(engine.url);
    if (url?.toLowerCase().startsWith('http:') && !insecure) {
      problems.push(createProblem('engine.url', msg('config.rule.httpsRequired')));
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

/** What must be unique, as the problem says it. */
type UniqueThing =
  | 'machineName'
  | 'machineAddress'
  | 'exportName'
  | 'exportPath'
  | 'exportDevice'
  | 'domainName'
  | 'domainExport'
  | 'baselineHost'
  | 'baselineVm';

/** Reports every value seen before under another path, case-insensitively. */
function findDuplicates(
  entries: readonly { path: PathSegment[]; value: string | undefined }[],
  what: UniqueThing,
): ConfigProblem[] {
  const seen = new Map<string, PathSegment[]>();
  const problems: ConfigProblem[] = [];
  for (const { path, value } of entries) {
    if (value === undefined) continue;
    const key = value.toLowerCase();
    const first = seen.get(key);
    if (first) {
      problems.push(
        createProblem(
          formatPath(path),
          msg('config.rule.duplicate', {
            value: quoteUserText(value),
            first: verbatim(formatPath(first)),
            what,
          }),
        ),
      );
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
        'machineName',
      ),
      ...findDuplicates(
        machines.map((m) => ({ path: [...m.path, 'address'], value: m.address })),
        'machineAddress',
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
        problems.push(
          createProblem(
            formatPath(['storage', 'export_roots', index]),
            msg('config.rule.rootsOverlap', { root: quoteUserText(outer) }),
          ),
        );
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
        problems.push(createProblem(at, msg('config.rule.exportIsRoot')));
      } else if (!roots.some((root) => isInside(exportPath, root))) {
        problems.push(
          createProblem(
            at,
            roots.length > 0
              ? msg('config.rule.exportOutside', { roots: verbatim(roots.join(', ')) })
              : msg('config.rule.exportOutsideNoRoots'),
          ),
        );
      }
      const container = exports.find(
        (other) =>
          other.path !== undefined &&
          other.index !== entry.index &&
          !roots.includes(other.path) &&
          isInside(exportPath, other.path),
      );
      if (container) {
        problems.push(createProblem(at, msg('config.rule.exportNested', { index: container.index })));
      }
    }
    const at = (index: number, key: string): PathSegment[] => ['storage', 'exports', index, key];
    problems.push(
      ...findDuplicates(
        exports.map((e) => ({ path: at(e.index, 'name'), value: e.name })),
        'exportName',
      ),
      ...findDuplicates(
        exports.map((e) => ({ path: at(e.index, 'path'), value: e.path })),
        'exportPath',
      ),
      ...findDuplicates(
        exports.map((e) => ({ path: at(e.index, 'device'), value: e.device })),
        'exportDevice',
      ),
    );
    return problems;
  },
};

function describeUnknown(value: string, known: readonly string[], what: 'host' | 'export'): Message {
  const nearest = findNearest(value, known);
  const shown = quoteUserText(value);
  if (nearest) return msg('config.rule.unknownNearest', { what, value: shown, nearest });
  if (known.length === 0) return msg('config.rule.unknownNone', { what, value: shown });
  // The names as they are typed, in the order of the file.
  return msg('config.rule.unknownChoices', { what, value: shown, known: verbatim(known.join(', ')) });
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
        problems.push(
          createProblem(formatPath(['baseline', 'hosts', index]), describeUnknown(name, hostNames, 'host')),
        );
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
      else problems.push(createProblem(formatPath(path), describeUnknown(ref, exportNames, 'export')));
    }
    problems.push(
      ...findDuplicates(
        domains.map((d) => ({ path: ['baseline', 'storage_domains', d.index, 'name'], value: d.name })),
        'domainName',
      ),
      ...findDuplicates(resolved, 'domainExport'),
      ...findDuplicates(
        asList(baseline.hosts).map((name, index) => ({
          path: ['baseline', 'hosts', index],
          value: asString(name),
        })),
        'baselineHost',
      ),
      ...findDuplicates(
        asList(baseline.vms).map((name, index) => ({
          path: ['baseline', 'vms', index],
          value: asString(name),
        })),
        'baselineVm',
      ),
    );
    return problems;
  },
};

/** The variable holding the first SSH login's password when a lab names none and it is the only lab. */
export const DEFAULT_SSH_PASSWORD_ENV = 'LABOPS_SSH_PASSWORD';

function readEnvName(value: unknown): string | undefined {
  return typeof value === 'string' && /^[A-Z_][A-Z0-9_]*$/.test(value) ? value : undefined;
}

/**
 * The name of the variable holding a lab's engine password, when its settings name a usable one;
 * LABOPS_ENGINE_PASSWORD when they name none and it is the only lab (`many` false).
 */
export function getPasswordEnvName(data: Record<string, unknown>, many = false): string | undefined {
  const name = asRecord(data.engine)?.password_env;
  if (name === undefined) return many ? undefined : DEFAULT_PASSWORD_ENV;
  return readEnvName(name);
}

/** The variable a lab's `ssh_password_env` names, if any (the only lab falls back to LABOPS_SSH_PASSWORD). */
export function getSshPasswordEnvName(data: Record<string, unknown>): string | undefined {
  return readEnvName(data.ssh_password_env);
}

const enginePasswordRule: LabRule = {
  name: 'engine-password',
  check({ data, env, many }) {
    if (many && asRecord(data.engine) && asRecord(data.engine)?.password_env === undefined) {
      return [createProblem('engine.password_env', msg('config.rule.passwordEnvRequired'))];
    }
    const name = getPasswordEnvName(data, many);
    if (name === undefined || asString(env[name]?.trim()) !== undefined) return [];
    return [createProblem('engine.password_env', msg('config.rule.passwordMissing', { name }))];
  },
};

const sshPasswordRule: LabRule = {
  name: 'ssh-password',
  check({ data, env }) {
    const name = getSshPasswordEnvName(data);
    if (name === undefined || asString(env[name]?.trim()) !== undefined) return [];
    return [createProblem('ssh_password_env', msg('config.rule.passwordMissing', { name }))];
  },
};

/** A reminder after the card expired is never sent (issue 15 §2): the setting would do nothing. */
const reminderRule: LabRule = {
  name: 'reminder-before-expiry',
  check({ data }) {
    const policy = asRecord(data.policy);
    const remind = policy?.remind_after_minutes;
    const expiry = typeof policy?.expiry_minutes === 'number' ? policy.expiry_minutes : 15;
    if (typeof remind !== 'number' || remind < expiry) return [];
    return [
      createProblem(
        'policy.remind_after_minutes',
        msg('config.rule.remindAfterExpiry', {
          remind,
          expiry,
          example: Math.max(1, Math.floor(expiry / 3)),
        }),
      ),
    ];
  },
};

/** The cross-field rules, run in this order after the schema. */
export const LAB_RULES: readonly LabRule[] = [
  engineTlsRule,
  uniqueMachinesRule,
  exportsRule,
  baselineRule,
  enginePasswordRule,
  sshPasswordRule,
  reminderRule,
];

/** Runs every cross-field rule on one lab's sanitized settings. */
export function validateLabRules(
  data: Record<string, unknown>,
  env: Readonly<Record<string, string | undefined>>,
  options: { readonly many?: boolean } = {},
): ConfigProblem[] {
  return LAB_RULES.flatMap((rule) => rule.check({ data, env, many: options.many ?? false }));
}

/** Where a lab's settings are: its path prefix in the problems, and its sanitized settings. */
export interface LabData {
  /** `labs.team2` in a multi-lab file, `team2.yml` in a directory, empty for a single-lab file. */
  readonly prefix: string;
  readonly data: Record<string, unknown>;
}

/** `https://[::1]:8443/x` → `::1`; `Hyper1.ABC.local.` → `hyper1.abc.local`. */
function normaliseAddress(address: string): string {
  return address
    .toLowerCase()
    .replace(/^\[(.*)\]$/, '$1')
    .replace(/\.$/, '');
}

function getEngineHost(data: Record<string, unknown>): string | undefined {
  const url = asString(asRecord(data.engine)?.url);
  if (url === undefined) return undefined;
  try {
    return asString(new URL(url).hostname);
  } catch {
    return undefined;
  }
}

/**
 * Two labs cannot share an address (issue 13): one bot could not tell their engines or machines
 * apart. The lab guide's labs each sit behind their own machine's NAT with the same addresses;
 * those need one bot per lab machine. Within a lab the engine machine may also be its NFS server.
 */
export function checkDistinctAddresses(
  labs: readonly LabData[],
  joinPath: (prefix: string, path: string) => string,
): ConfigProblem[] {
  const owners = new Map<string, { readonly lab: number; readonly path: string }>();
  const problems: ConfigProblem[] = [];
  labs.forEach((lab, index) => {
    const entries: { path: string; value: string | undefined }[] = [
      { path: 'engine.url', value: getEngineHost(lab.data) },
      ...listMachines(lab.data).map((m) => ({ path: formatPath([...m.path, 'address']), value: m.address })),
    ];
    for (const { path, value } of entries) {
      if (value === undefined) continue;
      const key = normaliseAddress(value);
      const owner = owners.get(key);
      const at = joinPath(lab.prefix, path);
      if (!owner) owners.set(key, { lab: index, path: at });
      else if (owner.lab !== index) {
        problems.push(
          createProblem(
            at,
            msg('config.labs.sameAddress', { value: quoteUserText(value), first: verbatim(owner.path) }),
          ),
        );
      }
    }
  });
  return problems;
}
