import { posix } from 'node:path';
import { LabopsError } from '../errors.js';
import { msg, verbatim } from '../i18n/text.js';
import type { SimFile, SimMachine } from './types.js';

/*
 * The simulated machine's files as the simulator's machine driver reads and changes them: a flat
 * map of absolute paths, with `mkdir -p`, `rm -r` and line-file semantics over it.
 */

/** A parent directory `mkdir -p` creates: root's, 0755. */
const ROOT_DIR = { uid: 0, gid: 0, mode: 0o755 };

/** A step that cannot run on the machine as it is (a missing directory, firewalld stopped). */
export function blocked(m: SimMachine, why: string): LabopsError {
  // As the SSH driver says a blocked check: the machine's own line, shown as it is.
  return new LabopsError(
    'CONFLICT',
    msg('ssh.driver.machineSaid', { machine: m.name, evidence: verbatim(why) }),
  );
}

/** `2775`, or `missing`: the permission bits as `stat -c %a` prints them. */
export function modeOf(entry: SimFile | undefined): string {
  return entry === undefined ? 'missing' : (entry.mode & 0o7777).toString(8);
}

/** `/path: directory 36:36:2775`, as the SSH driver's evidence reads. */
export function describeEntry(path: string, entry: SimFile | undefined): string {
  if (!entry) return `${path} is missing`;
  const kind = entry.kind === 'dir' ? 'directory' : 'regular file';
  return `${path}: ${kind} ${entry.uid}:${entry.gid}:${(entry.mode & 0o7777).toString(8)}`;
}

/** Owned by `uid:gid`, and a directory setgid when `setgidDirs` asks for it. */
export function ownerOk(entry: SimFile, uid: number, gid: number, setgidDirs: boolean): boolean {
  return (
    entry.uid === uid &&
    entry.gid === gid &&
    (!setgidDirs || entry.kind !== 'dir' || (entry.mode & 0o2000) !== 0)
  );
}

/** The path and everything below it. */
export function listTree(m: SimMachine, path: string): [string, SimFile][] {
  const prefix = path === '/' ? '/' : `${path}/`;
  return [...m.files.entries()].filter(([key]) => key === path || key.startsWith(prefix));
}

/** Names directly inside a directory, dotfiles included, sorted. */
export function listEntries(m: SimMachine, path: string): string[] {
  if (m.files.get(path)?.kind !== 'dir') throw blocked(m, `${path} is missing`);
  const prefix = path === '/' ? '/' : `${path}/`;
  const names = [...m.files.keys()]
    .filter((key) => key.startsWith(prefix) && key !== path && !key.slice(prefix.length).includes('/'))
    .map((key) => key.slice(prefix.length));
  return names.sort();
}

export function removeTree(m: SimMachine, path: string): void {
  for (const [key] of listTree(m, path)) m.files.delete(key);
}

/** `mkdir -p`: missing parents are root 0755, the leaf gets `leaf` when it is created. */
export function ensureDir(
  m: SimMachine,
  path: string,
  leaf: { uid: number; gid: number; mode: number },
): void {
  if (path === '/' || m.files.has(path)) return;
  ensureDir(m, posix.dirname(path), ROOT_DIR);
  m.files.set(path, { kind: 'dir', ...leaf });
}

/** The lines of a regular file, or undefined when it is not one. */
export function readLines(m: SimMachine, path: string): string[] | undefined {
  const entry = m.files.get(path);
  if (entry?.kind !== 'file') return undefined;
  return (entry.content ?? '')
    .split('\n')
    .filter((line, index, all) => line !== '' || index < all.length - 1);
}

/** `echo LINE >>PATH`, with a newline first when the file does not end with one. */
export function appendLine(m: SimMachine, path: string, line: string): void {
  let entry = m.files.get(path);
  if (!entry) {
    ensureDir(m, posix.dirname(path), ROOT_DIR);
    entry = { kind: 'file', uid: 0, gid: 0, mode: 0o644, content: '' };
    m.files.set(path, entry);
  }
  const content = entry.content ?? '';
  entry.content = `${content}${content !== '' && !content.endsWith('\n') ? '\n' : ''}${line}\n`;
}

/** The file holds a line with this key's type and body, whatever its options and comment. */
export function hasKey(m: SimMachine, path: string, key: { type: string; body: string }): boolean {
  return (readLines(m, path) ?? []).some((line) => {
    const [type, body] = line.trim().split(/\s+/);
    return type === key.type && body === key.body;
  });
}

/** The export lines of an exports file: path and the rest of the line. */
export function parseExports(lines: string[]): [string, string][] {
  return lines
    .filter((line) => !/^\s*(#|$)/.test(line))
    .map((line) => {
      const [path = '', ...rest] = line.trim().split(/\s+/);
      return [path, rest.join(' ')];
    });
}
