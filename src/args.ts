import { z } from 'zod';
import { LabopsError } from './errors.js';
import { getEditDistance, quoteUserText } from './text.js';

/*
 * Slash-command arguments: Slack delivers everything after `/host` as one `text` string, often
 * typed on a phone. The pipeline is decodeSlackText → tokenize (src/tokenize.ts) → parseArgs; every
 * step is pure.
 */

// ---------------------------------------------------------------------------------------------
// Specs
// ---------------------------------------------------------------------------------------------

/** A word given by position, e.g. `HOST` in `/host maintenance HOST`. */
export interface PositionalSpec {
  /** The key in the parsed object (`host`, `vmName`); shown upper-case in usage (`HOST`, `VM_NAME`). */
  readonly name: string;
  /** Missing required positionals are reported before the schema runs. Optional ones come last. */
  readonly required?: boolean;
  readonly description: string;
}

/** A `--flag`. Its key in the parsed object is the camelCased name (`dry-run` → `dryRun`). */
export interface FlagSpec {
  /**
   * `boolean` flags take no value (`--dry-run`, or `--dry-run=true|false`); `string` and `number`
   * flags take the next word or `=value`. Numbers are decimal (`3`, `-1.5`, `1e3`), nothing else.
   */
  readonly type: 'string' | 'boolean' | 'number';
  readonly description: string;
  /** Another name used with one dash, e.g. `n` for `-n`. */
  readonly alias?: string;
  /** The value's name in usage text; `TEXT` for strings and `N` for numbers by default. */
  readonly valueName?: string;
}

/** The arguments a sub-command takes. Flag names are kebab-case (`dry-run`); `help` and `h` are reserved. */
export interface ArgsSpec {
  readonly positionals: readonly PositionalSpec[];
  readonly flags: Readonly<Record<string, FlagSpec>>;
}

/**
 * What parseArgs answers:
 * - `{ ok: true, help: false, value }` — the arguments, validated by the schema;
 * - `{ ok: true, help: true }` — `-h`, `-help` or `--help` appeared before `--`: show formatUsage
 *   and run nothing, whatever else was typed;
 * - `{ ok: false, problems }` — every problem found, each a phrase for the user.
 */
export type ParseArgsResult<T> =
  | { readonly ok: true; readonly help: false; readonly value: T }
  | { readonly ok: true; readonly help: true }
  | { readonly ok: false; readonly problems: readonly string[] };

/** A spec bound to its schema, as made by defineArgs. */
export interface ArgsDefinition<S extends z.ZodType> {
  readonly spec: ArgsSpec;
  readonly schema: S;
  /** parseArgs with this spec and schema. */
  parse(tokens: readonly string[]): ParseArgsResult<z.output<S>>;
}

interface CompiledSpec {
  readonly longs: ReadonlyMap<string, CompiledFlag>;
  readonly aliases: ReadonlyMap<string, CompiledFlag>;
  /** Key in the parsed object → how the user sees it (`HOST`, `--dry-run`). */
  readonly displays: ReadonlyMap<string, string>;
}

interface CompiledFlag {
  readonly name: string;
  readonly key: string;
  readonly spec: FlagSpec;
}

const POSITIONAL_NAME = /^[a-z][a-zA-Z0-9]*$/;
const FLAG_NAME = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;
const RESERVED = new Set(['help', 'h']);
const compiled = new WeakMap<ArgsSpec, CompiledSpec>();

function toCamelCase(name: string): string {
  return name.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

function formatPositionalName(name: string): string {
  return name.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase();
}

function specBug(message: string): LabopsError {
  return new LabopsError('INTERNAL', `Invalid argument spec: ${message}`);
}

function compileSpec(spec: ArgsSpec): CompiledSpec {
  const cached = compiled.get(spec);
  if (cached) return cached;
  const longs = new Map<string, CompiledFlag>();
  const aliases = new Map<string, CompiledFlag>();
  const displays = new Map<string, string>();
  let sawOptional = false;
  for (const positional of spec.positionals) {
    if (!POSITIONAL_NAME.test(positional.name)) throw specBug(`positional name "${positional.name}"`);
    if (displays.has(positional.name)) throw specBug(`"${positional.name}" declared twice`);
    if (positional.required && sawOptional) {
      throw specBug(`required positional "${positional.name}" after an optional one`);
    }
    sawOptional ||= !positional.required;
    displays.set(positional.name, formatPositionalName(positional.name));
  }
  for (const [name, flag] of Object.entries(spec.flags)) {
    if (!FLAG_NAME.test(name) || RESERVED.has(name)) throw specBug(`flag name "${name}"`);
    const key = toCamelCase(name);
    if (displays.has(key)) throw specBug(`flag --${name} collides with key "${key}"`);
    const entry: CompiledFlag = { name, key, spec: flag };
    longs.set(name, entry);
    displays.set(key, `--${name}`);
  }
  for (const entry of longs.values()) {
    const alias = entry.spec.alias;
    if (alias === undefined) continue;
    if (!FLAG_NAME.test(alias) || RESERVED.has(alias) || longs.has(alias) || aliases.has(alias)) {
      throw specBug(`alias "${alias}" of --${entry.name}`);
    }
    aliases.set(alias, entry);
  }
  const result: CompiledSpec = { longs, aliases, displays };
  compiled.set(spec, result);
  return result;
}

/**
 * Binds a spec to the zod schema of the object it produces, checking the pair once at start-up:
 * names well-formed, no duplicates, required positionals first, `help`/`h` not declared, and —
 * when the schema is a zod object — its keys exactly the positional names plus the camelCased
 * flag names.
 *
 * @throws LabopsError `INTERNAL` on a spec that cannot work (a bug, not user input).
 */
export function defineArgs<S extends z.ZodType>(spec: ArgsSpec, schema: S): ArgsDefinition<S> {
  const { displays } = compileSpec(spec);
  if (schema instanceof z.ZodObject) {
    const schemaKeys = Object.keys(schema.shape);
    const missing = [...displays.keys()].filter((key) => !schemaKeys.includes(key));
    const extra = schemaKeys.filter((key) => !displays.has(key));
    if (missing.length > 0 || extra.length > 0) {
      throw specBug(
        `schema keys differ from the spec (missing: ${missing.join(', ')}; extra: ${extra.join(', ')})`,
      );
    }
  }
  return { spec, schema, parse: (tokens) => parseArgs(tokens, spec, schema) };
}

// ---------------------------------------------------------------------------------------------
// Parsing
// ---------------------------------------------------------------------------------------------

const DECIMAL = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;

function isHelpToken(token: string): boolean {
  return token === '-h' || token === '--help' || token === '-help';
}

function describeCount(count: number | bigint, unit: string): string {
  return `${count} ${unit}${count === 1 || count === 1n ? '' : 's'}`;
}

/** Plain-words defaults for zod's issues; a message the schema sets itself still wins. */
function describeIssue(issue: z.core.$ZodRawIssue): string | undefined {
  switch (issue.code) {
    case 'invalid_type':
      if (issue.input === undefined) return 'is required';
      if (issue.expected === 'int') return 'must be a whole number';
      return `must be ${/^[aeiou]/.test(issue.expected) ? 'an' : 'a'} ${issue.expected}`;
    case 'too_small':
    case 'too_big': {
      const bound = issue.code === 'too_small' ? issue.minimum : issue.maximum;
      const strict = issue.inclusive === false;
      const word =
        issue.code === 'too_small' ? (strict ? 'more than' : 'at least') : strict ? 'less than' : 'at most';
      if (issue.origin === 'string') return `must be ${word} ${describeCount(bound, 'character')} long`;
      if (issue.origin === 'array' || issue.origin === 'set')
        return `must have ${word} ${describeCount(bound, 'item')}`;
      return `must be ${word} ${bound}`;
    }
    case 'invalid_format':
      return issue.format === 'regex' ? 'is not in the expected form' : `must be a valid ${issue.format}`;
    case 'invalid_value':
      return `must be one of ${issue.values.map((v) => String(v)).join(', ')}`;
    case 'not_multiple_of':
      return `must be a multiple of ${issue.divisor}`;
    default:
      return undefined;
  }
}

function looksLikeFlag(token: string): boolean {
  if (token === '--' || isHelpToken(token)) return true;
  return token.startsWith('-') && token !== '-' && !DECIMAL.test(token);
}

function describeUnknownFlag(shown: string, name: string, spec: CompiledSpec): string {
  const known = [...spec.longs.keys()];
  const guess = suggestNearest(name.toLowerCase(), known);
  if (guess !== undefined) return `unknown flag ${shown} — did you mean --${guess}?`;
  if (known.length === 0) return `unknown flag ${shown} — this command takes no flags`;
  return `unknown flag ${shown} — this command takes ${known.map((k) => `--${k}`).join(', ')}`;
}

/**
 * Parses tokens against a spec, then validates the resulting object with the schema. Every
 * problem is collected, none stops the parse:
 *
 * - `--flag value`, `--flag=value`, `-alias value`; a declared long name with one dash
 *   (`-reason x`, as phones type it) counts as `--reason x`; names match case-insensitively.
 * - A string or number flag takes the next token unless that looks like a flag (`--x`, `-x`,
 *   `--`); negative numbers are values. Use `--reason=-x` for a value starting with a dash.
 * - `--` ends the flags: later tokens are positionals even when they start with `-`.
 * - Problems reported: unknown flags (with "did you mean"), a flag given twice, a string or number
 *   flag without a value, a number flag whose value is not a decimal number, a boolean flag given
 *   a value other than `=true`/`=false`, missing required positionals, extra positionals, and the
 *   schema's issues named by flag or positional (`--count must be at least 1`). A schema issue on
 *   an argument that already has a problem is left out.
 * - `-h`, `-help` or `--help` before `--` answers `{ ok: true, help: true }`.
 *
 * Absent flags are absent keys (not `false`), so the schema's defaults apply.
 */
export function parseArgs<S extends z.ZodType>(
  tokens: readonly string[],
  spec: ArgsSpec,
  schema: S,
): ParseArgsResult<z.output<S>> {
  const compiledSpec = compileSpec(spec);
  const problems: string[] = [];
  const keysWithProblems = new Set<string>();
  const raw: Record<string, unknown> = {};
  const seen = new Set<string>();
  const reportedTwice = new Set<string>();
  const positionals: string[] = [];
  let help = false;
  let endOfFlags = false;

  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i]!;
    if (endOfFlags || !token.startsWith('-') || token === '-' || DECIMAL.test(token)) {
      positionals.push(token);
      continue;
    }
    if (token === '--') {
      endOfFlags = true;
      continue;
    }
    if (isHelpToken(token)) {
      help = true;
      continue;
    }
    const isLong = token.startsWith('--');
    const body = token.slice(isLong ? 2 : 1);
    const eq = body.indexOf('=');
    const name = (eq === -1 ? body : body.slice(0, eq)).toLowerCase();
    const inline = eq === -1 ? undefined : body.slice(eq + 1);
    const flag = isLong
      ? compiledSpec.longs.get(name)
      : (compiledSpec.aliases.get(name) ?? compiledSpec.longs.get(name));
    const shown = eq === -1 ? token : token.slice(0, token.length - body.length + eq);

    if (!flag) {
      const display = /^-{1,2}[a-z0-9][a-z0-9-]*$/i.test(shown) ? shown : quoteUserText(shown);
      problems.push(describeUnknownFlag(display, name, compiledSpec));
      // The value of an unknown `--flag value` cannot be told from a positional, so it is left as one.
      continue;
    }

    const display = `--${flag.name}`;
    let value: unknown;
    if (flag.spec.type === 'boolean') {
      const text = inline?.toLowerCase();
      if (text === undefined || text === 'true') value = true;
      else if (text === 'false') value = false;
      else {
        problems.push(
          `${display} is a switch and takes no value (got ${quoteUserText(inline!)}); write ${display} or ${display}=false`,
        );
        keysWithProblems.add(flag.key);
      }
    } else {
      let text = inline;
      if (text === undefined) {
        const next = tokens[i + 1];
        if (next !== undefined && !looksLikeFlag(next)) {
          text = next;
          i++;
        }
      }
      const valueName = flag.spec.valueName ?? (flag.spec.type === 'number' ? 'N' : 'TEXT');
      if (text === undefined) {
        problems.push(`${display} needs a value: ${display} ${valueName}`);
        keysWithProblems.add(flag.key);
      } else if (flag.spec.type === 'number') {
        const trimmed = text.trim();
        const parsed = DECIMAL.test(trimmed) ? Number(trimmed) : Number.NaN;
        if (Number.isFinite(parsed)) value = parsed;
        else {
          problems.push(`${display} needs a number, not ${quoteUserText(text)}`);
          keysWithProblems.add(flag.key);
        }
      } else value = text;
    }

    if (seen.has(flag.key)) {
      if (!reportedTwice.has(flag.key)) problems.push(`${display} is given more than once; give it once`);
      reportedTwice.add(flag.key);
      keysWithProblems.add(flag.key);
      continue;
    }
    seen.add(flag.key);
    if (value !== undefined) raw[flag.key] = value;
  }

  if (help) return { ok: true, help: true };

  spec.positionals.forEach((positional, index) => {
    const value = positionals[index];
    if (value !== undefined) raw[positional.name] = value;
    else if (positional.required) {
      problems.push(`missing ${formatPositionalName(positional.name)} (${positional.description})`);
      keysWithProblems.add(positional.name);
    }
  });
  const extras = positionals.slice(spec.positionals.length);
  if (extras.length > 0) {
    const names = spec.positionals.map((p) => formatPositionalName(p.name));
    const takes = names.length === 0 ? 'takes no words besides flags' : `takes only ${names.join(' ')}`;
    const hasStringFlag = [...compiledSpec.longs.values()].some((f) => f.spec.type === 'string');
    const quoteTip = hasStringFlag ? '; quote a value with spaces, e.g. --reason "kernel update"' : '';
    problems.push(
      `unexpected ${extras.length === 1 ? 'word' : 'words'} ${extras.map(quoteUserText).join(', ')} — this command ${takes}${quoteTip}`,
    );
  }

  const result = schema.safeParse(raw, { error: describeIssue, reportInput: false });
  if (!result.success) {
    for (const issue of result.error.issues) {
      const [first] = issue.path;
      if (typeof first === 'string' && keysWithProblems.has(first)) continue;
      const where =
        first === undefined
          ? undefined
          : (compiledSpec.displays.get(String(first)) ?? issue.path.map(String).join('.'));
      if (where === undefined) problems.push(issue.message);
      else if (/^[a-z]/.test(issue.message)) problems.push(`${where} ${issue.message}`);
      else problems.push(`${where}: ${issue.message}`);
    }
  }

  if (problems.length > 0 || !result.success) {
    return { ok: false, problems: problems.length > 0 ? problems : ['the arguments are not valid'] };
  }
  return { ok: true, help: false, value: result.data };
}

// ---------------------------------------------------------------------------------------------
// Suggestions
// ---------------------------------------------------------------------------------------------

/**
 * The candidate the user most likely meant by `word`, for "did you mean maintenance?":
 * compared case-insensitively, the single nearest candidate within 2 edits (1 for words of up to
 * 3 letters, where 2 edits reach anything), a swap of neighbouring letters counting as one edit;
 * otherwise the only candidate that `word` (2+ letters) is a prefix of. Ties and no match give
 * undefined.
 */
export function suggestNearest(word: string, candidates: readonly string[]): string | undefined {
  const typed = word.toLowerCase();
  const limit = typed.length <= 3 ? 1 : 2;
  let best: string[] = [];
  let bestDistance = limit + 1;
  for (const candidate of candidates) {
    const lowered = candidate.toLowerCase();
    if (Math.abs(lowered.length - typed.length) > limit) continue;
    const distance = getEditDistance(typed, lowered);
    if (distance < bestDistance) {
      best = [candidate];
      bestDistance = distance;
    } else if (distance === bestDistance) best.push(candidate);
  }
  if (best.length === 1) return best[0];
  if (typed.length < 2) return undefined;
  const prefixed = candidates.filter((c) => c.toLowerCase().startsWith(typed));
  return prefixed.length === 1 ? prefixed[0] : undefined;
}

// ---------------------------------------------------------------------------------------------
// Usage
// ---------------------------------------------------------------------------------------------

/** What formatUsage needs to describe one sub-command. */
export interface UsageOptions {
  /** As the user types it: `/host maintenance`. */
  readonly command: string;
  /** One sentence on what it does. */
  readonly summary?: string;
  readonly spec: ArgsSpec;
  /** Whole command lines, e.g. `/host maintenance hyper1 --reason "kernel update"`. */
  readonly examples?: readonly string[];
}

function formatFlagName(name: string, flag: FlagSpec): string {
  const names = flag.alias === undefined ? `--${name}` : `-${flag.alias}, --${name}`;
  if (flag.type === 'boolean') return names;
  return `${names} ${flag.valueName ?? (flag.type === 'number' ? 'N' : 'TEXT')}`;
}

/** The one-line synopsis: `/host maintenance HOST [--reason TEXT] [--dry-run]`. */
export function formatUsageLine(command: string, spec: ArgsSpec): string {
  const parts = [command];
  for (const positional of spec.positionals) {
    const name = formatPositionalName(positional.name);
    parts.push(positional.required ? name : `[${name}]`);
  }
  for (const [name, flag] of Object.entries(spec.flags)) {
    const value =
      flag.type === 'boolean' ? '' : ` ${flag.valueName ?? (flag.type === 'number' ? 'N' : 'TEXT')}`;
    parts.push(`[--${name}${value}]`);
  }
  return parts.join(' ');
}

/**
 * The help text of a sub-command, plain text for a terminal or a Slack code block:
 * the usage line, the summary, each argument and flag with its description, and the examples.
 */
export function formatUsage(options: UsageOptions): string {
  const { command, summary, spec, examples = [] } = options;
  const rows: [string, string][] = [];
  const positionals: [string, string][] = spec.positionals.map((p) => [
    formatPositionalName(p.name),
    p.required ? p.description : `${p.description} (optional)`,
  ]);
  const flags: [string, string][] = Object.entries(spec.flags).map(([name, flag]) => [
    formatFlagName(name, flag),
    flag.description,
  ]);
  flags.push(['-h, --help', 'show this help']);
  rows.push(...positionals, ...flags);
  const width = Math.min(28, Math.max(...rows.map(([left]) => left.length)));
  const formatRow = ([left, right]: [string, string]) =>
    left.length > width ? `  ${left}\n  ${' '.repeat(width)}  ${right}` : `  ${left.padEnd(width)}  ${right}`;

  const lines = [`Usage: ${formatUsageLine(command, spec)}`];
  if (summary) lines.push(summary);
  if (positionals.length > 0) lines.push('', 'Arguments:', ...positionals.map(formatRow));
  lines.push('', 'Flags:', ...flags.map(formatRow));
  if (examples.length > 0) lines.push('', 'Examples:', ...examples.map((e) => `  ${e}`));
  return lines.join('\n');
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/**
 * The error for input that does not parse: the message lists every problem (one problem is one
 * sentence; several are a list), and the hint holds the usage line and the examples.
 *
 * @param usage the usage line, e.g. from formatUsageLine.
 */
export function usageError(
  problems: readonly string[],
  usage: string,
  examples: readonly string[] = [],
): LabopsError {
  const list = problems.length > 0 ? problems : ['the arguments are not valid'];
  const message =
    list.length === 1
      ? `${capitalise(list[0]!)}.`
      : `There are ${list.length} problems with that command:\n${list.map((p) => `- ${p}`).join('\n')}`;
  const hintLines = [`Usage: ${usage}`];
  if (examples.length > 0) hintLines.push('Examples:', ...examples.map((e) => `  ${e}`));
  return new LabopsError('USAGE', message, { hint: hintLines.join('\n') });
}
