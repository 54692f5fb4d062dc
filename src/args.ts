import { z } from 'zod';
import { LabopsError } from './errors.js';
import { renderEnglish } from './i18n/render.js';
import { isText, list, type Message, msg, type Text, verbatim } from './i18n/text.js';
import { getEditDistance, quoteUserText } from './text.js';

/*
 * Slash-command arguments: Slack delivers everything after `/host` as one `text` string, often
 * typed on a phone. The pipeline is decodeSlackText → tokenize (src/tokenize.ts) → parseArgs; every
 * step is pure. Each sub-command declares its arguments once, with defineArgs.
 */

// ---------------------------------------------------------------------------------------------
// Declaring arguments
// ---------------------------------------------------------------------------------------------

/** How a flag shows in usage and what else it answers to. */
export interface FlagOptions {
  /** Another name used with one dash, e.g. `r` for `-r`. */
  readonly alias?: string;
  /** The value's name in usage text (`HEX`, `SERVER:/EXPORT`); `TEXT` for text and `N` for numbers by default. */
  readonly valueName?: string;
}

/** A word given by position, e.g. `HOST` in `/host maintenance HOST`, as `positional` declares it. */
export interface PositionalArg<T extends z.ZodType = z.ZodType> {
  readonly kind: 'positional';
  /** Validates the word; an optional schema (`.optional()`, `.default()`) makes the word optional. */
  readonly schema: T;
  /** Shown in usage and in a "missing" problem, in the reader's language. */
  readonly description: Text;
}

/** A `--flag`, as `flag` declares it: a switch, a number or text, as its schema is. */
export interface FlagArg<T extends z.ZodType = z.ZodType> extends FlagOptions {
  readonly kind: 'flag';
  readonly schema: T;
  readonly description: Text;
}

export type ArgDeclaration = PositionalArg | FlagArg;

export function positional<T extends z.ZodType>(schema: T, description: Text): PositionalArg<T> {
  return { kind: 'positional', schema, description };
}

export function flag<T extends z.ZodType>(
  schema: T,
  description: Text,
  options: FlagOptions = {},
): FlagArg<T> {
  return { ...options, kind: 'flag', schema, description };
}

type CamelCase<S extends string> = S extends `${infer Head}-${infer Tail}`
  ? `${Head}${Capitalize<CamelCase<Tail>>}`
  : S;

/** The zod shape a declaration makes: positionals by name, flags by camelCased name (`dry-run` → `dryRun`). */
export type ArgsShape<D extends Record<string, ArgDeclaration>> = {
  [K in keyof D & string as CamelCase<K>]: D[K]['schema'];
};

/** The parser's view of a positional. The key in the parsed object is `name`. */
export interface PositionalSpec {
  /** `host`, `vmName`; shown upper-case in usage and problems (`HOST`, `VM_NAME`). */
  readonly name: string;
  /** Missing required positionals are reported before the schema runs. Optional ones come last. */
  readonly required: boolean;
  readonly description: Text;
}

/** The parser's view of a `--flag`. Its key in the parsed object is the camelCased name (`dry-run` → `dryRun`). */
export interface FlagSpec extends FlagOptions {
  /**
   * `boolean` flags take no value (`--dry-run`, or `--dry-run=true|false`); `string` and `number`
   * flags take the next word or `=value`. Numbers are decimal (`3`, `-1.5`, `1e3`), nothing else.
   */
  readonly type: 'string' | 'boolean' | 'number';
  /** Shown without brackets in usage (`--type data|iso`); the schema reports it when missing. */
  readonly required: boolean;
  readonly description: Text;
}

/** What the parser reads. Flag names are kebab-case (`dry-run`); `help` and `h` are reserved. */
export interface ArgsSpec {
  readonly positionals: readonly PositionalSpec[];
  readonly flags: Readonly<Record<string, FlagSpec>>;
}

/** A sub-command's arguments: what the parser reads and the schema of what it produces, made together by defineArgs. */
export interface Args<S extends z.ZodType = z.ZodType> {
  readonly spec: ArgsSpec;
  /** Validates and types the parsed object. */
  readonly schema: S;
}

/**
 * What parseArgs answers:
 * - `{ ok: true, help: false, value }` — the arguments, validated by the schema;
 * - `{ ok: true, help: true }` — `-h`, `-help` or `--help` appeared before `--`: show the usage
 *   and run nothing, whatever else was typed;
 * - `{ ok: false, problems, problemTexts }` — every problem found, each a phrase for the user:
 *   `problemTexts` in the catalog (issue 16), `problems` the same in English (logs, tests).
 */
export type ParseArgsResult<T> =
  | { readonly ok: true; readonly help: false; readonly value: T }
  | { readonly ok: true; readonly help: true }
  | { readonly ok: false; readonly problems: readonly string[]; readonly problemTexts: readonly Text[] };

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

type AnySchema = z.core.$ZodType;

const POSITIONAL_NAME = /^[a-z][a-zA-Z0-9]*$/;
const FLAG_NAME = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;
const RESERVED = new Set(['help', 'h']);
const WRAPPERS = new Set(['optional', 'default', 'prefault', 'nullable', 'readonly', 'nonoptional', 'catch']);
const compiled = new WeakMap<ArgsSpec, CompiledSpec>();
const checked = new WeakSet<Args>();

function toCamelCase(name: string): string {
  return name.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

/** `vmName` → `VM_NAME`: how a positional shows in usage and problems. */
export function formatPositionalName(name: string): string {
  return name.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase();
}

/** `--name NAME`, `-r, --reason TEXT`, `--dry-run`: a flag as usage shows it. */
export function formatFlag(name: string, flag: FlagSpec, withAlias = false): string {
  const names = withAlias && flag.alias !== undefined ? `-${flag.alias}, --${name}` : `--${name}`;
  if (flag.type === 'boolean') return names;
  return `${names} ${flag.valueName ?? (flag.type === 'number' ? 'N' : 'TEXT')}`;
}

/** The synopsis after the command, as `usage` must read: `maintenance HOST [--reason TEXT]`, `attach NAME --type data|iso`. */
export function formatUsageLine(name: string, spec: ArgsSpec): string {
  const parts = [name];
  for (const p of spec.positionals) {
    parts.push(p.required ? formatPositionalName(p.name) : `[${formatPositionalName(p.name)}]`);
  }
  for (const [flagName, f] of Object.entries(spec.flags)) {
    parts.push(f.required ? formatFlag(flagName, f) : `[${formatFlag(flagName, f)}]`);
  }
  return parts.join(' ');
}

/** Whether an argument's schema lets it be left out: zod's own mark of an optional or defaulted key. */
function isOptional(schema: AnySchema): boolean {
  return schema._zod.optin !== undefined;
}

/** What a flag's schema takes from the command line, seen through optional, default and transforms. */
function getFlagType(schema: AnySchema): FlagSpec['type'] | undefined {
  let current = schema;
  for (;;) {
    const def = current._zod.def as unknown as { type: string; innerType?: AnySchema; in?: AnySchema };
    if (WRAPPERS.has(def.type) && def.innerType) current = def.innerType;
    else if (def.type === 'pipe' && def.in) current = def.in;
    else if (def.type === 'boolean' || def.type === 'number' || def.type === 'string') return def.type;
    else if (def.type === 'enum' || def.type === 'literal') {
      return [...(current._zod.values ?? [])].every((v) => typeof v === 'string') ? 'string' : undefined;
    } else return undefined;
  }
}

function compileSpec(spec: ArgsSpec): CompiledSpec {
  const cached = compiled.get(spec);
  if (cached) return cached;
  // A declaration a developer got wrong: the detail stays as written, for them.
  const bug = (message: string) => new LabopsError('INTERNAL', verbatim(message));
  const longs = new Map<string, CompiledFlag>();
  const aliases = new Map<string, CompiledFlag>();
  const displays = new Map<string, string>();
  let sawOptional = false;
  for (const positional of spec.positionals) {
    if (!POSITIONAL_NAME.test(positional.name))
      throw bug(`the positional name "${positional.name}" is not camelCase (host, vmName)`);
    if (displays.has(positional.name)) throw bug(`"${positional.name}" is declared twice`);
    if (positional.required && sawOptional) {
      throw bug(`the required positional "${positional.name}" follows an optional one`);
    }
    sawOptional ||= !positional.required;
    displays.set(positional.name, formatPositionalName(positional.name));
  }
  for (const [name, flag] of Object.entries(spec.flags)) {
    if (!FLAG_NAME.test(name) || RESERVED.has(name))
      throw bug(`the flag name "${name}" is not kebab-case (dry-run) or is reserved (help, h)`);
    const key = toCamelCase(name);
    if (displays.has(key)) throw bug(`--${name} collides with the positional "${key}"`);
    const entry: CompiledFlag = { name, key, spec: flag };
    longs.set(name, entry);
    displays.set(key, `--${name}`);
  }
  for (const entry of longs.values()) {
    const alias = entry.spec.alias;
    if (alias === undefined) continue;
    if (!FLAG_NAME.test(alias) || RESERVED.has(alias) || longs.has(alias) || aliases.has(alias)) {
      throw bug(`the alias "${alias}" of --${entry.name} is taken, reserved or not a flag name`);
    }
    aliases.set(alias, entry);
  }
  const result: CompiledSpec = { longs, aliases, displays };
  compiled.set(spec, result);
  return result;
}

/** Where the two halves of `args` disagree, in phrases; none for a pair that works. */
function findDisagreements({ spec, schema }: Args): string[] {
  let displays: ReadonlyMap<string, string>;
  try {
    displays = compileSpec(spec).displays;
  } catch (error) {
    if (error instanceof LabopsError) return [error.message];
    throw error;
  }
  if (!(schema instanceof z.ZodObject)) return ['the schema is not a zod object (defineArgs makes one)'];
  const shape = schema.shape as Record<string, AnySchema>;
  const problems: string[] = [];
  for (const [key, shown] of displays) {
    if (!Object.hasOwn(shape, key))
      problems.push(`${shown} has no key "${key}" in the schema, so zod would drop it`);
  }
  for (const key of Object.keys(shape)) {
    if (!displays.has(key))
      problems.push(`the schema's key "${key}" is no positional or flag, so no one can give it`);
  }
  const declared = [
    ...spec.positionals.map((p) => ({ key: p.name, required: p.required, type: undefined })),
    ...Object.entries(spec.flags).map(([name, f]) => ({ key: toCamelCase(name), ...f })),
  ];
  for (const { key, required, type } of declared) {
    if (!Object.hasOwn(shape, key)) continue;
    const shown = displays.get(key)!;
    if (isOptional(shape[key]!) === required)
      problems.push(`${shown} is ${required ? 'required' : 'optional'}, its schema is not`);
    const takes = getFlagType(shape[key]!);
    if (type !== undefined && takes !== type)
      problems.push(`${shown} is a ${type} flag, its schema takes ${takes ?? 'something else'}`);
  }
  return problems;
}

/**
 * Checks once that the two halves of a sub-command's arguments agree: defineArgs calls it, and so
 * does defineCommand and the registry for every sub-command, so a pair made by hand fails at
 * start-up, not when a user types it. Names well-formed, none twice, required positionals first,
 * `help`/`h` not declared; the schema a zod object whose keys are exactly the positional names and
 * the camelCased flag names (zod silently drops a key its object lacks); each positional required
 * exactly when its schema is, each flag of the type its schema takes.
 *
 * @throws LabopsError `INTERNAL` naming every disagreement (a bug, not user input).
 */
export function checkArgs(args: Args, where?: string): void {
  if (checked.has(args)) return;
  const problems = findDisagreements(args);
  if (problems.length > 0) {
    // A bug in a command, read by its developer: the problems stay as written.
    const detail = verbatim(problems.join('; '));
    throw new LabopsError(
      'INTERNAL',
      where === undefined
        ? msg('pipeline.bug.subcommandArgs', { problems: detail })
        : msg('pipeline.bug.args', { where: verbatim(where), problems: detail }),
      {
        hint: msg('pipeline.bug.argsHint', {
          helpers: list([verbatim('defineArgs'), verbatim('positional'), verbatim('flag')]),
          file: verbatim('src/args.ts'),
        }),
      },
    );
  }
  checked.add(args);
}

/**
 * Declares a sub-command's arguments once, each with its schema and description, and makes from
 * it both what the parser reads and the zod object that validates and types the result:
 *
 *     defineArgs({
 *       host: positional(hostArg, 'the host to put into maintenance'),
 *       reason: flag(textArg().max(200).optional(), 'why, for the audit trail'),
 *       'dry-run': flag(z.boolean().optional(), 'show the plan only'),
 *     })
 *
 * Positionals come in the order written, required unless their schema is optional. Flags are
 * kebab-case and reach the parsed object camelCased (`dryRun`); a flag is a switch, a number or
 * text as its schema is a boolean, a number, or a string or enum (through optional, default and
 * transforms).
 *
 * @throws LabopsError `INTERNAL` on a declaration that cannot work (checkArgs), at start-up.
 */
export function defineArgs<D extends Record<string, ArgDeclaration>>(
  declarations: D,
): Args<z.ZodObject<ArgsShape<D>>> {
  const positionals: PositionalSpec[] = [];
  const flags: Record<string, FlagSpec> = {};
  const shape: Record<string, z.ZodType> = {};
  const problems: string[] = [];
  for (const [name, declared] of Object.entries(declarations)) {
    if (declared.kind === 'positional') {
      const { description, schema } = declared;
      positionals.push({ name, required: !isOptional(schema), description });
      shape[name] = schema;
      continue;
    }
    const { kind: _, schema, ...options } = declared;
    const type = getFlagType(schema);
    if (type === undefined) problems.push(`--${name}'s schema is neither a boolean, a number nor text`);
    flags[name] = { ...options, type: type ?? 'string', required: !isOptional(schema) };
    shape[toCamelCase(name)] = schema;
  }
  const args = { spec: { positionals, flags }, schema: z.object(shape) };
  if (problems.length > 0) {
    throw new LabopsError(
      'INTERNAL',
      msg('pipeline.bug.subcommandArgs', { problems: verbatim(problems.join('; ')) }),
    );
  }
  checkArgs(args);
  return args as unknown as Args<z.ZodObject<ArgsShape<D>>>;
}

// ---------------------------------------------------------------------------------------------
// Parsing
// ---------------------------------------------------------------------------------------------

const DECIMAL = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;

function isHelpToken(token: string): boolean {
  return token === '-h' || token === '--help' || token === '-help';
}

/** The words of a size bound: `at least`, `more than`, `at most`, `less than`. */
type Bound = 'atLeast' | 'moreThan' | 'atMost' | 'lessThan';

/** Plain-words defaults for zod's issues, as phrases that follow the argument's name. */
function describeIssue(issue: z.core.$ZodRawIssue): Message | undefined {
  switch (issue.code) {
    case 'invalid_type':
      if (issue.input === undefined) return msg('pipeline.issue.required');
      if (issue.expected === 'int') return msg('pipeline.issue.wholeNumber');
      return /^[aeiou]/.test(issue.expected)
        ? msg('pipeline.issue.typeAn', { expected: verbatim(issue.expected) })
        : msg('pipeline.issue.typeA', { expected: verbatim(issue.expected) });
    case 'too_small':
    case 'too_big': {
      const strict = issue.inclusive === false;
      const bound: Bound =
        issue.code === 'too_small' ? (strict ? 'moreThan' : 'atLeast') : strict ? 'lessThan' : 'atMost';
      const count = Number(issue.code === 'too_small' ? issue.minimum : issue.maximum);
      if (issue.origin === 'string') return msg('pipeline.issue.length', { bound, count });
      if (issue.origin === 'array' || issue.origin === 'set')
        return msg('pipeline.issue.items', { bound, count });
      return msg('pipeline.issue.number', { bound, count: verbatim(String(count)) });
    }
    case 'invalid_format':
      return issue.format === 'regex'
        ? msg('pipeline.issue.form')
        : msg('pipeline.issue.format', { format: verbatim(issue.format) });
    case 'invalid_value':
      // The values are words to type, shown as they are.
      return msg('pipeline.issue.oneOf', { values: verbatim(issue.values.map((v) => String(v)).join(', ')) });
    case 'not_multiple_of':
      return msg('pipeline.issue.multipleOf', { divisor: verbatim(String(issue.divisor)) });
    default:
      return undefined;
  }
}

/**
 * Catalog messages a schema gives as its own (`.regex(re, schemaMessage(msg(…)))`), by the English
 * zod carries: parseArgs shows the message in the reader's language.
 */
const schemaMessages = new Map<string, Message>();

/**
 * A schema's own message for an argument (`textArg().regex(re, schemaMessage(msg('host.arg.name')))`),
 * a phrase that follows the argument's name in English (`must be a host name such as hyper1`):
 * zod keeps its English, and a usage problem shows it in the reader's language. Call it where the
 * schema is declared (once, at start-up), not per parse.
 */
export function schemaMessage(message: Message): string {
  const english = renderEnglish(message);
  schemaMessages.set(english, message);
  return english;
}

/**
 * The text of a zod issue's message: ours (describeIssue, textArg's params, schemaMessage), else
 * as zod has it (a schema's own message not given through schemaMessage, zod's own words).
 */
function toIssueText(issue: z.core.$ZodIssue, defaults: ReadonlyMap<string, Message>): Text {
  const carried = (issue as { params?: { text?: unknown } }).params?.text;
  if (isText(carried)) return carried;
  return defaults.get(issue.message) ?? schemaMessages.get(issue.message) ?? verbatim(issue.message);
}

function looksLikeFlag(token: string): boolean {
  if (token === '--' || isHelpToken(token)) return true;
  return token.startsWith('-') && token !== '-' && !DECIMAL.test(token);
}

function describeUnknownFlag(shown: string, name: string, spec: CompiledSpec): Message {
  const known = [...spec.longs.keys()];
  const guess = suggestNearest(name.toLowerCase(), known);
  const flag = verbatim(shown);
  if (guess !== undefined)
    return msg('pipeline.args.unknownFlagNearest', { flag, nearest: verbatim(`--${guess}`) });
  if (known.length === 0) return msg('pipeline.args.unknownFlagNone', { flag });
  // The flags are words to type: shown as they are.
  return msg('pipeline.args.unknownFlag', { flag, flags: verbatim(known.map((k) => `--${k}`).join(', ')) });
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
  args: Args<S>,
): ParseArgsResult<z.output<S>> {
  checkArgs(args);
  const { spec, schema } = args;
  const compiledSpec = compileSpec(spec);
  const problems: Text[] = [];
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
          msg('pipeline.args.switchValue', {
            flag: verbatim(display),
            value: verbatim(quoteUserText(inline!)),
            off: verbatim(`${display}=false`),
          }),
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
        problems.push(
          msg('pipeline.args.needsValue', {
            flag: verbatim(display),
            usage: verbatim(`${display} ${valueName}`),
          }),
        );
        keysWithProblems.add(flag.key);
      } else if (flag.spec.type === 'number') {
        const trimmed = text.trim();
        const parsed = DECIMAL.test(trimmed) ? Number(trimmed) : Number.NaN;
        if (Number.isFinite(parsed)) value = parsed;
        else {
          problems.push(
            msg('pipeline.args.needsNumber', {
              flag: verbatim(display),
              value: verbatim(quoteUserText(text)),
            }),
          );
          keysWithProblems.add(flag.key);
        }
      } else value = text;
    }

    if (seen.has(flag.key)) {
      if (!reportedTwice.has(flag.key))
        problems.push(msg('pipeline.args.twice', { flag: verbatim(display) }));
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
      problems.push(
        msg('pipeline.args.missing', {
          name: verbatim(formatPositionalName(positional.name)),
          description: positional.description,
        }),
      );
      keysWithProblems.add(positional.name);
    }
  });
  const extras = positionals.slice(spec.positionals.length);
  if (extras.length > 0) {
    const names = spec.positionals.map((p) => formatPositionalName(p.name));
    // What was typed, quoted, and the names of the arguments: shown as they are.
    const words = verbatim(extras.map(quoteUserText).join(', '));
    const unexpected =
      names.length === 0
        ? msg('pipeline.args.unexpectedNone', { count: extras.length, words })
        : msg('pipeline.args.unexpected', { count: extras.length, words, names: verbatim(names.join(' ')) });
    const hasStringFlag = [...compiledSpec.longs.values()].some((f) => f.spec.type === 'string');
    problems.push(hasStringFlag ? msg('pipeline.args.quoteTip', { problem: unexpected }) : unexpected);
  }

  // Our defaults, by the English zod keeps for each: shown in the reader's language.
  const defaults = new Map<string, Message>();
  const describeDefault = (issue: z.core.$ZodRawIssue): string | undefined => {
    const text = describeIssue(issue);
    if (text === undefined) return undefined;
    const english = renderEnglish(text);
    defaults.set(english, text);
    return english;
  };
  const result = schema.safeParse(raw, { error: describeDefault, reportInput: false });
  if (!result.success) {
    for (const issue of result.error.issues) {
      const [first] = issue.path;
      if (typeof first === 'string' && keysWithProblems.has(first)) continue;
      const where =
        first === undefined
          ? undefined
          : (compiledSpec.displays.get(String(first)) ?? issue.path.map(String).join('.'));
      const text = toIssueText(issue, defaults);
      if (where === undefined) problems.push(text);
      else if (/^[a-z]/.test(issue.message))
        problems.push(msg('pipeline.args.argProblem', { arg: verbatim(where), problem: text }));
      else problems.push(msg('pipeline.args.argSentence', { arg: verbatim(where), problem: text }));
    }
  }

  if (problems.length > 0 || !result.success) {
    const texts = problems.length > 0 ? problems : [msg('pipeline.args.invalid')];
    return { ok: false, problems: texts.map((text) => renderEnglish(text)), problemTexts: texts };
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
