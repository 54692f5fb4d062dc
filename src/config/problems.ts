import type { z } from 'zod';
import { renderEnglish } from '../i18n/render.js';
import { isText, type Message, msg, type Text, verbatim } from '../i18n/text.js';
import { getEditDistance, quoteUserText } from '../text.js';

/**
 * One configuration problem: where, and what is wrong with how to fix it. Never carries a secret
 * value. Problems are shown before any lab is chosen, in the shell's language (issue 16).
 */
export interface ConfigProblem {
  /** `hosts[1].address`, `engine.password_env`, `lab.yml:3:5` or an environment variable name. */
  readonly path: string;
  /** The problem in English, for logs and tests. */
  readonly message: string;
  /** The problem from the catalog, rendered in the reader's language. */
  readonly text: Text;
}

/** A problem at `path`. */
export function createProblem(path: string, text: Text): ConfigProblem {
  return { path, message: renderEnglish(text), text };
}

/**
 * A catalog message as zod's error text: zod carries only strings, so the schemas' messages
 * travel through zod as JSON and `flattenIssues` turns them back into messages.
 */
export function toIssueText(text: Text): string {
  return ISSUE_TEXT + JSON.stringify(text);
}

const ISSUE_TEXT = 'labops-text:';

/** The message an issue carries, if one of labops's schemas gave it. */
function readIssueText(message: string): Text | undefined {
  if (!message.startsWith(ISSUE_TEXT)) return undefined;
  const text = JSON.parse(message.slice(ISSUE_TEXT.length)) as unknown;
  return isText(text) ? text : undefined;
}

/** One step of a path into the document: a key or a list index. */
export type PathSegment = string | number;

/** The path of the document itself. */
const TOP_LEVEL = '(top level)';

/** `['hosts', 1, 'name']` → `hosts[1].name`; keys that are not identifiers are quoted. */
export function formatPath(path: readonly PathSegment[]): string {
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(segment)) out += out === '' ? segment : `.${segment}`;
    else out += `[${quoteUserText(segment)}]`;
  }
  return out === '' ? TOP_LEVEL : out;
}

/**
 * A path inside one lab, placed in its file (issue 13): `labs.team2` + `hosts[0].address` →
 * `labs.team2.hosts[0].address`; a directory's lab file `team2.yml` + `hosts[0].address` →
 * `team2.yml: hosts[0].address`. An empty prefix (a single-lab file) leaves the path as it is.
 */
export function joinPath(prefix: string, path: string): string {
  if (prefix === '') return path;
  if (path === TOP_LEVEL) return prefix;
  if (/\.ya?ml$/.test(prefix)) return `${prefix}: ${path}`;
  return path.startsWith('[') ? `${prefix}${path}` : `${prefix}.${path}`;
}

/** The same problem, its path placed in its lab (`joinPath`). */
export function prefixProblem(prefix: string, problem: ConfigProblem): ConfigProblem {
  return { ...problem, path: joinPath(prefix, problem.path) };
}

/** A problem as one line, `path: problem`, in whichever language it is shown. */
export function describeProblem(problem: ConfigProblem): Message {
  const path = problem.path === TOP_LEVEL ? msg('config.problem.topLevel') : verbatim(problem.path);
  return msg('config.problem.line', { path, problem: problem.text });
}

/** The closest candidate to a mistyped word, if it is close enough to be the likely intent. */
export function findNearest(word: string, candidates: readonly string[]): string | undefined {
  if (word.length > 64) return undefined;
  const normalised = word.toLowerCase();
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const candidate of candidates) {
    const distance = getEditDistance(normalised, candidate.toLowerCase());
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  const limit = Math.max(1, Math.floor(Math.max(word.length, 3) / 3));
  return bestDistance <= limit ? best : undefined;
}

type AnySchema = z.core.$ZodType;

/** The keys an object schema accepts at `path`, following wrappers, arrays and records. */
function getKnownKeys(schema: AnySchema, path: readonly PathSegment[]): string[] | undefined {
  let current: AnySchema | undefined = schema;
  let index = 0;
  while (current) {
    const def = current._zod.def as unknown as Record<string, unknown> & { type: string };
    switch (def.type) {
      case 'optional':
      case 'default':
      case 'prefault':
      case 'nullable':
      case 'readonly':
      case 'nonoptional':
        current = def.innerType as AnySchema;
        continue;
      case 'pipe':
        current = def.in as AnySchema;
        continue;
      case 'array':
        if (index >= path.length) return undefined;
        current = def.element as AnySchema;
        index++;
        continue;
      case 'record':
        if (index >= path.length) {
          const keys = (def.keyType as AnySchema)._zod.values;
          return keys ? [...keys].map(String) : undefined;
        }
        current = def.valueType as AnySchema;
        index++;
        continue;
      case 'object': {
        const shape = def.shape as Record<string, AnySchema>;
        if (index >= path.length) return Object.keys(shape);
        const segment = path[index];
        current = typeof segment === 'string' ? shape[segment] : undefined;
        index++;
        continue;
      }
      default:
        return undefined;
    }
  }
  return undefined;
}

/** The kind of a value as a problem names it: a list, a mapping, text, a number… */
export function describeType(value: unknown): Message {
  const type =
    value === null
      ? 'null'
      : Array.isArray(value)
        ? 'list'
        : typeof value === 'object'
          ? 'mapping'
          : typeof value === 'string'
            ? 'text'
            : typeof value;
  return msg('config.problem.type', { type });
}

/** The kind zod expected (`object`, `array`, `string`, `number`…) as a problem names it. */
function describeExpected(expected: string): Message {
  const type =
    expected === 'object'
      ? 'mapping'
      : expected === 'array'
        ? 'list'
        : expected === 'string'
          ? 'text'
          : expected;
  return msg('config.problem.type', { type });
}

/**
 * Flattens zod issues into problems, one per offending key. Messages are ours, never the input:
 * zod issues may carry the input value, which could be a secret or 100 KB of text.
 */
export function flattenIssues(schema: AnySchema, issues: readonly z.core.$ZodIssue[]): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const add = (path: readonly PathSegment[], text: Text) =>
    problems.push(createProblem(formatPath(path), text));
  for (const issue of issues) {
    const path = issue.path.filter((s): s is PathSegment => typeof s !== 'symbol');
    const given = readIssueText(issue.message);
    switch (issue.code) {
      case 'unrecognized_keys': {
        const known = getKnownKeys(schema, path) ?? [];
        for (const key of issue.keys) {
          const nearest = findNearest(key, known);
          add(
            [...path, key],
            nearest
              ? msg('config.problem.unknownKeyNearest', { nearest })
              : msg('config.problem.unknownKey', { known: verbatim(known.join(', ')) }),
          );
        }
        break;
      }
      case 'invalid_type': {
        const input = (issue as { input?: unknown }).input;
        add(
          path,
          input === undefined
            ? msg('config.problem.required')
            : (given ??
                msg('config.problem.wrongType', {
                  expected: describeExpected(issue.expected),
                  actual: describeType(input),
                })),
        );
        break;
      }
      case 'invalid_key': {
        const key = path[path.length - 1];
        const inner = issue.issues[0];
        const allowed = inner?.code === 'invalid_value' ? inner.values.map(String) : [];
        const nearest = typeof key === 'string' ? findNearest(key, allowed) : undefined;
        const problem = (inner && readIssueText(inner.message)) ?? msg('config.problem.notAllowedKey');
        add(path, nearest ? msg('config.problem.withSuggestion', { problem, nearest }) : problem);
        break;
      }
      case 'invalid_union':
        add(path, msg('config.problem.invalidValue'));
        break;
      default:
        // zod's own words only where a schema gave none: every field of labops's schemas has its message.
        add(path, given ?? verbatim(issue.message));
    }
  }
  return problems;
}
