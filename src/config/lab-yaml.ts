import { LineCounter, parseDocument, Scalar, visit } from 'yaml';
import type { ConfigProblem } from './problems.js';

/** Larger files are refused unread: a lab.yml is a few kilobytes. */
export const MAX_LAB_FILE_BYTES = 1024 * 1024;

/**
 * Aliases allowed when turning YAML into values. yaml's default (100) already refuses a
 * "billion laughs" document before expanding it; a lab file needs a handful at most.
 */
const MAX_ALIAS_COUNT = 100;

export interface LabYamlResult {
  /** The document as plain values; undefined when it could not be read as a mapping. */
  readonly data: Record<string, unknown> | undefined;
  readonly problems: ConfigProblem[];
  readonly warnings: string[];
}

function describeTopLevel(value: unknown): string {
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'string') return 'text';
  return `a ${typeof value}`;
}

/**
 * Parses the text of a lab file. Syntax errors are reported with `file:line:col`; an alias bomb is
 * refused and its aliases read as null so the rest of the file can still be checked.
 */
export function parseLabYaml(text: string, label: string): LabYamlResult {
  const problems: ConfigProblem[] = [];
  const warnings: string[] = [];
  if (Buffer.byteLength(text) > MAX_LAB_FILE_BYTES) {
    problems.push({
      path: label,
      message: `the file is larger than ${MAX_LAB_FILE_BYTES / 1024} KiB — a lab file is a few kilobytes; check you named the right file`,
    });
    return { data: undefined, problems, warnings };
  }
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, merge: true, uniqueKeys: true });
  const where = (offset: number | undefined): string => {
    if (offset === undefined) return label;
    const { line, col } = lineCounter.linePos(offset);
    return `${label}:${line}:${col}`;
  };
  for (const error of doc.errors) {
    problems.push({ path: where(error.pos[0]), message: `${error.message} — fix the YAML syntax` });
  }
  if (problems.length > 0) return { data: undefined, problems, warnings };
  for (const warning of doc.warnings) warnings.push(`${where(warning.pos[0])}: ${warning.message}`);

  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (error) {
    if (!(error instanceof ReferenceError)) throw error;
    problems.push({
      path: label,
      message:
        'too many YAML aliases (*name) — the document would expand enormously; write the values out instead',
    });
    visit(doc, { Alias: () => new Scalar(null) });
    value = doc.toJS();
  }

  if (value === null || value === undefined) {
    problems.push({
      path: label,
      message:
        'the file is empty — describe the lab in it (see lab.example.yml), or unset LAB_CONFIG for the simulated lab',
    });
    return { data: undefined, problems, warnings };
  }
  if (typeof value !== 'object' || Array.isArray(value)) {
    problems.push({
      path: label,
      message: `must be a mapping of keys (engine:, hosts:, storage:, …), not ${describeTopLevel(value)} — see lab.example.yml`,
    });
    return { data: undefined, problems, warnings };
  }
  return { data: value as Record<string, unknown>, problems, warnings };
}
