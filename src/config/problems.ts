import type { z } from 'zod';
import { getEditDistance, quoteUserText } from '../text.js';

/** One configuration problem: where, and what is wrong with how to fix it. Never carries a secret value. */
export interface ConfigProblem {
  /** `hosts[1].address`, `engine.password_env`, `lab.yml:3:5` or an environment variable name. */
  readonly path: string;
  readonly message: string;
}

/** One step of a path into the document: a key or a list index. */
export type PathSegment = string | number;

/** `['hosts', 1, 'name']` → `hosts[1].name`; keys that are not identifiers are quoted. */
export function formatPath(path: readonly PathSegment[]): string {
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(segment)) out += out === '' ? segment : `.${segment}`;
    else out += `[${quoteUserText(segment)}]`;
  }
  return out === '' ? '(top level)' : out;
}

/** Renders a problem as `path: message`. */
export function renderProblem(problem: ConfigProblem): string {
  return `${problem.path}: ${problem.message}`;
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

function describeType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'string') return 'text';
  return `a ${typeof value}`;
}

function expectedText(expected: string): string {
  switch (expected) {
    case 'object':
      return 'a mapping';
    case 'array':
      return 'a list';
    case 'string':
      return 'text';
    default:
      return `a ${expected}`;
  }
}

/**
 * Flattens zod issues into problems, one per offending key. Messages are ours, never the input:
 * zod issues may carry the input value, which could be a secret or 100 KB of text.
 */
export function flattenIssues(schema: AnySchema, issues: readonly z.core.$ZodIssue[]): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  for (const issue of issues) {
    const path = issue.path.filter((s): s is PathSegment => typeof s !== 'symbol');
    switch (issue.code) {
      case 'unrecognized_keys': {
        const known = getKnownKeys(schema, path) ?? [];
        for (const key of issue.keys) {
          const nearest = findNearest(key, known);
          const fix = nearest ? `did you mean "${nearest}"?` : `remove it (known keys: ${known.join(', ')})`;
          problems.push({ path: formatPath([...path, key]), message: `unknown key — ${fix}` });
        }
        break;
      }
      case 'invalid_type': {
        const input = (issue as { input?: unknown }).input;
        problems.push({
          path: formatPath(path),
          message:
            input === undefined
              ? 'is required'
              : issue.message.startsWith('Invalid input')
                ? `must be ${expectedText(issue.expected)}, not ${describeType(input)}`
                : issue.message,
        });
        break;
      }
      case 'invalid_key': {
        const key = path[path.length - 1];
        const inner = issue.issues[0];
        const allowed = inner?.code === 'invalid_value' ? inner.values.map(String) : [];
        const nearest = typeof key === 'string' ? findNearest(key, allowed) : undefined;
        const message = inner?.message ?? 'is not an allowed key';
        problems.push({
          path: formatPath(path),
          message: nearest ? `${message} — did you mean "${nearest}"?` : message,
        });
        break;
      }
      case 'invalid_union':
        problems.push({ path: formatPath(path), message: 'has an invalid value' });
        break;
      default:
        problems.push({ path: formatPath(path), message: issue.message });
    }
  }
  return problems;
}
