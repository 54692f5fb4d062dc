import { readdir, readFile, stat } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { msg, verbatim } from '../i18n/text.js';
import { quoteUserText } from '../text.js';
import {
  checkDistinctAddresses,
  type LabData,
  type SanitizeResult,
  sanitizeLabData,
  validateLabRules,
} from './lab-rules.js';
import {
  BOT_KEYS,
  type BotConfig,
  BotConfigSchema,
  DEFAULT_LAB_NAME,
  LAB_KEYS,
  LAB_NAME_PATTERN,
  type LabConfig,
  LabConfigSchema,
  LabFileSchema,
  MultiLabFileSchema,
} from './lab-schema.js';
import { parseLabYaml } from './lab-yaml.js';
import {
  type ConfigProblem,
  createProblem,
  flattenIssues,
  formatPath,
  joinPath,
  prefixProblem,
} from './problems.js';

type Env = Readonly<Record<string, string | undefined>>;

/** One lab as its file describes it, before its secrets are read. */
export interface ParsedLab {
  readonly name: string;
  readonly config: LabConfig;
}

/** The outcome of checking a lab file's text, or a directory of them. */
export interface LabParseResult {
  /** The labs in the order written (one for a single-lab file); undefined when there is any problem. */
  readonly labs: readonly ParsedLab[] | undefined;
  /** The bot's settings (`instructors`, `downloads`, `limits`) with their defaults; undefined on problems. */
  readonly bot: BotConfig | undefined;
  readonly problems: readonly ConfigProblem[];
  readonly warnings: readonly string[];
}

const asRecord = (value: unknown): Record<string, unknown> | undefined =>
  value !== null && typeof value === 'object' && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;

const insecureWarning = (prefix: string) =>
  `${joinPath(prefix, 'engine.insecure')} is true: the engine's TLS certificate is not verified — set engine.ca_file to the engine's CA outside a lab`;

function warnInsecure(labs: readonly ParsedLab[], prefixOf: (lab: ParsedLab) => string): string[] {
  return labs.filter((lab) => lab.config.engine.insecure).map((lab) => insecureWarning(prefixOf(lab)));
}

/** Schema problems, except where the sanitizer already reported (and dropped) a secret. */
function listSchemaProblems(
  schema: Parameters<typeof flattenIssues>[0],
  issues: Parameters<typeof flattenIssues>[1],
  sanitized: SanitizeResult,
): ConfigProblem[] {
  return flattenIssues(schema, issues).filter((p) => !sanitized.secretPaths.has(p.path));
}

/** Removes keys that belong elsewhere from `data`, each reported as `problem` at `prefix.key`. */
function takeMisplacedKeys(
  data: Record<string, unknown>,
  keys: readonly string[],
  prefix: readonly (string | number)[],
  problem: ReturnType<typeof msg>,
): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  for (const key of Object.keys(data)) {
    if (!keys.includes(key)) continue;
    problems.push(createProblem(formatPath([...prefix, key]), problem));
    delete data[key];
  }
  return problems;
}

/**
 * Checks the text of a lab file — YAML, hostile keys and secrets, schema (with defaults), then the
 * named cross-field rules — collecting every problem. A file with `labs:` holds several labs, each
 * problem's path naming its lab (`labs.team2.hosts[0].address`); any other is the single-lab
 * format of before issue 13. `label` names the file in syntax error positions; `env` is only used
 * to check that the secrets' variables are set.
 */
export function parseLabFileText(
  text: string,
  options: { readonly label: string; readonly env: Env },
): LabParseResult {
  const yaml = parseLabYaml(text, options.label);
  if (!yaml.data)
    return { labs: undefined, bot: undefined, problems: yaml.problems, warnings: yaml.warnings };
  const sanitized = sanitizeLabData(yaml.data);
  const result =
    'labs' in sanitized.data ? checkMultiLab(sanitized, options.env) : checkSingleLab(sanitized, options.env);
  const problems = [...yaml.problems, ...sanitized.problems, ...result.problems];
  return {
    labs: problems.length === 0 ? result.labs : undefined,
    bot: problems.length === 0 ? result.bot : undefined,
    problems,
    warnings: [...yaml.warnings, ...result.warnings],
  };
}

function checkSingleLab(sanitized: SanitizeResult, env: Env): LabParseResult {
  const parsed = LabFileSchema.safeParse(sanitized.data, { reportInput: true });
  const problems = [
    ...(parsed.success ? [] : listSchemaProblems(LabFileSchema, parsed.error.issues, sanitized)),
    ...validateLabRules(sanitized.data, env),
  ];
  if (!parsed.success) return { labs: undefined, bot: undefined, problems, warnings: [] };
  const { name, instructors, downloads, limits, ...config } = parsed.data;
  const labs = [{ name: name ?? DEFAULT_LAB_NAME, config }];
  return {
    labs,
    bot: { instructors, downloads, limits },
    problems,
    warnings: warnInsecure(labs, () => ''),
  };
}

function checkMultiLab(sanitized: SanitizeResult, env: Env): LabParseResult {
  const data = sanitized.data;
  const problems = takeMisplacedKeys(data, LAB_KEYS, [], msg('config.labs.labKeyAtTop'));
  const labsData = asRecord(data.labs) ?? {};
  for (const [name, lab] of Object.entries(labsData)) {
    const settings = asRecord(lab);
    if (!settings) continue;
    problems.push(
      ...takeMisplacedKeys(settings, BOT_KEYS, ['labs', name], msg('config.labs.botKeyInLab')),
      ...takeMisplacedKeys(settings, ['name'], ['labs', name], msg('config.labs.nameInLab')),
    );
  }
  const parsed = MultiLabFileSchema.safeParse(data, { reportInput: true });
  if (!parsed.success)
    problems.push(...listSchemaProblems(MultiLabFileSchema, parsed.error.issues, sanitized));
  const many = Object.keys(labsData).length > 1;
  const labData: LabData[] = [];
  for (const [name, lab] of Object.entries(labsData)) {
    const settings = asRecord(lab);
    if (!settings) continue;
    const prefix = formatPath(['labs', name]);
    labData.push({ prefix, data: settings });
    problems.push(...validateLabRules(settings, env, { many }).map((p) => prefixProblem(prefix, p)));
  }
  problems.push(...checkDistinctAddresses(labData, joinPath));
  if (!parsed.success) return { labs: undefined, bot: undefined, problems, warnings: [] };
  const { labs: map, ...bot } = parsed.data;
  const labs = Object.entries(map).map(([name, config]) => ({ name, config }));
  return {
    labs,
    bot,
    problems,
    warnings: warnInsecure(labs, (lab) => formatPath(['labs', lab.name])),
  };
}

/** Checks one lab file of a directory: one lab in the single-lab format, named by its file. */
function parseDirLabText(
  text: string,
  options: { readonly label: string; readonly name: string; readonly env: Env; readonly many: boolean },
): LabParseResult & { readonly labData: LabData | undefined } {
  const { label } = options;
  const yaml = parseLabYaml(text, label);
  if (!yaml.data)
    return {
      labs: undefined,
      bot: undefined,
      problems: yaml.problems,
      warnings: yaml.warnings,
      labData: undefined,
    };
  const sanitized = sanitizeLabData(yaml.data);
  const data = sanitized.data;
  const moved = [
    ...takeMisplacedKeys(data, BOT_KEYS, [], msg('config.labs.botKeyInDir')),
    ...takeMisplacedKeys(data, ['name'], [], msg('config.labs.nameInDir')),
  ];
  const parsed = LabConfigSchema.safeParse(data, { reportInput: true });
  const problems = [
    ...yaml.problems,
    ...[
      ...sanitized.problems,
      ...moved,
      ...(parsed.success ? [] : listSchemaProblems(LabConfigSchema, parsed.error.issues, sanitized)),
      ...validateLabRules(data, options.env, { many: options.many }),
    ].map((p) => prefixProblem(label, p)),
  ];
  const labs =
    problems.length === 0 && parsed.success ? [{ name: options.name, config: parsed.data }] : undefined;
  return {
    labs,
    bot: undefined,
    problems,
    warnings: [...yaml.warnings, ...warnInsecure(labs ?? [], () => label)],
    labData: { prefix: label, data },
  };
}

/** Checks a directory's `labops.yml`: the bot's settings. */
function parseBotText(text: string, label: string): LabParseResult {
  const yaml = parseLabYaml(text, label);
  if (!yaml.data)
    return { labs: undefined, bot: undefined, problems: yaml.problems, warnings: yaml.warnings };
  const sanitized = sanitizeLabData(yaml.data);
  const parsed = BotConfigSchema.safeParse(sanitized.data, { reportInput: true });
  const problems = [
    ...yaml.problems,
    ...[
      ...sanitized.problems,
      ...(parsed.success ? [] : listSchemaProblems(BotConfigSchema, parsed.error.issues, sanitized)),
    ].map((p) => prefixProblem(label, p)),
  ];
  return {
    labs: [],
    bot: problems.length === 0 && parsed.success ? parsed.data : undefined,
    problems,
    warnings: yaml.warnings,
  };
}

/** A lab as read from its file: where it is written, for relative paths and problem reports. */
export interface ReadLab extends ParsedLab {
  /** Absolute path of its file. */
  readonly path: string;
}

export interface ReadLabsResult {
  readonly labs: readonly ReadLab[] | undefined;
  readonly bot: BotConfig | undefined;
  readonly problems: readonly ConfigProblem[];
  readonly warnings: readonly string[];
}

async function readText(path: string, label: string): Promise<{ text?: string; problem?: ConfigProblem }> {
  try {
    return { text: await readFile(path, 'utf8') };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'error';
    return { problem: createProblem(label, msg('config.file.unreadable', { code: verbatim(code) })) };
  }
}

/** Reads a lab file (`label` its name in problems) and checks it: one lab or several. */
export async function readLabFile(path: string, label: string, env: Env): Promise<ReadLabsResult> {
  const read = await readText(path, label);
  if (read.text === undefined)
    return { labs: undefined, bot: undefined, problems: [read.problem!], warnings: [] };
  const result = parseLabFileText(read.text, { label, env });
  return { ...result, labs: result.labs?.map((lab) => ({ ...lab, path })) };
}

/** The file holding a directory's bot-wide settings. */
const BOT_FILES = ['labops.yml', 'labops.yaml'];

/**
 * Reads a directory of lab files (issue 13 §1): each `NAME.yml` (or `.yaml`) is one lab in the
 * single-lab format, named by its file, and `labops.yml` holds the bot's settings. Other files
 * (the engines' CA files) are left alone. Files are taken in the order of their names.
 */
export async function readLabDirectory(dir: string, env: Env): Promise<ReadLabsResult> {
  const names: string[] = [];
  // By name, NAME.yml before NAME.yaml: the one a duplicate is reported against.
  const byName = (file: string) => [file.replace(/\.ya?ml$/, ''), file.endsWith('.yml') ? 0 : 1] as const;
  const entries = (await readdir(dir)).sort((a, b) => {
    const [x, y] = [byName(a), byName(b)];
    return x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : x[1] - y[1];
  });
  for (const entry of entries) {
    if (entry.startsWith('.') || !/\.ya?ml$/.test(entry)) continue;
    if ((await stat(join(dir, entry)).catch(() => undefined))?.isFile()) names.push(entry);
  }
  const problems: ConfigProblem[] = [];
  const warnings: string[] = [];

  let bot: BotConfig | undefined = BotConfigSchema.parse({});
  const botFiles = names.filter((n) => BOT_FILES.includes(n));
  for (const file of botFiles) {
    const read = await readText(join(dir, file), file);
    const result = read.text === undefined ? undefined : parseBotText(read.text, file);
    if (read.problem) problems.push(read.problem);
    problems.push(...(result?.problems ?? []));
    warnings.push(...(result?.warnings ?? []));
    bot = botFiles.length > 1 ? undefined : result?.bot;
  }
  if (botFiles.length > 1) {
    problems.push(
      createProblem(botFiles[1]!, msg('config.labs.twoBotFiles', { first: verbatim(botFiles[0]!) })),
    );
  }

  const labFiles = names.filter((n) => !BOT_FILES.includes(n));
  if (labFiles.length === 0) {
    problems.push(createProblem('LAB_CONFIG', msg('config.env.labConfigNoLabs', { path: verbatim(dir) })));
  }
  const many = labFiles.length > 1;
  const labs: ReadLab[] = [];
  const labData: LabData[] = [];
  const seen = new Map<string, string>();
  for (const file of labFiles) {
    const name = file.slice(0, -extname(file).length);
    if (!LAB_NAME_PATTERN.test(name)) {
      problems.push(createProblem(file, msg('config.labs.fileName', { name: quoteUserText(name) })));
      continue;
    }
    const first = seen.get(name);
    if (first !== undefined) {
      problems.push(createProblem(file, msg('config.labs.sameName', { first: verbatim(first) })));
      continue;
    }
    seen.set(name, file);
    const path = join(dir, file);
    const read = await readText(path, file);
    if (read.text === undefined) {
      problems.push(read.problem!);
      continue;
    }
    const result = parseDirLabText(read.text, { label: file, name, env, many });
    problems.push(...result.problems);
    warnings.push(...result.warnings);
    if (result.labData) labData.push(result.labData);
    for (const lab of result.labs ?? []) labs.push({ ...lab, path });
  }
  problems.push(...checkDistinctAddresses(labData, joinPath));
  const ok = problems.length === 0;
  return { labs: ok ? labs : undefined, bot: ok ? bot : undefined, problems, warnings };
}
