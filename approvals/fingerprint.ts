import { createHash } from 'node:crypto';
import { msg, type Text, verbatim } from '../src/i18n/text.js';

/**
 * The fingerprint of the state a plan depends on (design.md, Approvals): a hash of the sorted
 * `object: state` pairs. Counters are left out by the plans themselves, so a VM's uptime ticking
 * never voids a card; a host changing status or a VM moving does.
 */
export function fingerprintOf(dependsOn: Readonly<Record<string, string>>): string {
  const entries = Object.entries(dependsOn).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return createHash('sha256').update(JSON.stringify(entries)).digest('hex').slice(0, 16);
}

/** The kinds of object a plan's `dependsOn` names, as its keys spell them (`host key hyper1`). */
const OBJECT_KINDS = [
  ['host key ', 'hostKey'],
  ['host ', 'host'],
  ['domain ', 'domain'],
  ['vm ', 'vm'],
  ['iso ', 'iso'],
  ['export ', 'export'],
] as const;

/** `host hyper1` in the reader's words; a key of another form is shown as it is. */
function describeObject(key: string): Text {
  for (const [prefix, kind] of OBJECT_KINDS) {
    if (key.startsWith(prefix)) return msg('approvals.object', { kind, name: key.slice(prefix.length) });
  }
  return verbatim(key);
}

/**
 * What changed between the state a card was planned on and the state now, one line each: the
 * object in the reader's words, its states as the plan recorded them (`up`, `maintenance`).
 */
export function describeChanges(
  before: Readonly<Record<string, string>>,
  after: Readonly<Record<string, string>>,
): Text[] {
  const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
  const lines: Text[] = [];
  for (const key of keys) {
    const was = before[key];
    const now = after[key];
    if (was === now) continue;
    const object = describeObject(key);
    if (was === undefined) lines.push(msg('approvals.change.added', { object, now: verbatim(now!) }));
    else if (now === undefined) lines.push(msg('approvals.change.gone', { object, was: verbatim(was) }));
    else lines.push(msg('approvals.change.changed', { object, was: verbatim(was), now: verbatim(now) }));
  }
  return lines;
}
