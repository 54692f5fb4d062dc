import { LineCounter, parseDocument, Scalar, visit } from 'yaml';
import { bytes, msg, verbatim } from '../i18n/text.js';
import { type ConfigProblem, createProblem, describeType } from './problems.js';

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

/**
 * Parses the text of a lab file. Syntax errors are reported with `file:line:col`; an alias bomb is
 * refused and its aliases read as null so the rest of the file can still be checked.
 */
export function parseLabYaml(text: string, label: string): LabYamlResult {
  const problems: ConfigProblem[] = [];
  const warnings: string[] = [];
  if (Buffer.byteLength(text) > MAX_LAB_FILE_BYTES) {
    problems.push(
      createProblem(label, msg('config.yaml.tooLarge', { size: bytes(MAX_LAB_FILE_BYTES, { exact: true }) })),
    );
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
    // The parser's own words, with where it stopped.
    problems.push(
      createProblem(where(error.pos[0]), msg('config.yaml.syntax', { error: verbatim(error.message) })),
    );
  }
  if (problems.length > 0) return { data: undefined, problems, warnings };
  for (const warning of doc.warnings) warnings.push(`${where(warning.pos[0])}: ${warning.message}`);

  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (error) {
    if (!(error instanceof ReferenceError)) throw error;
    problems.push(createProblem(label, msg('config.yaml.aliases')));
    visit(doc, { Alias: () => new Scalar(null) });
    value = doc.toJS();
  }

  if (value === null || value === undefined) {
    problems.push(createProblem(label, msg('config.yaml.empty')));
    return { data: undefined, problems, warnings };
  }
  if (typeof value !== 'object' || Array.isArray(value)) {
    problems.push(createProblem(label, msg('config.yaml.notMapping', { actual: describeType(value) })));
    return { data: undefined, problems, warnings };
  }
  return { data: value as Record<string, unknown>, problems, warnings };
}
