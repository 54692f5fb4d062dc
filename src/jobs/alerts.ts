import type { AlertKind } from '../config/lab-schema.js';
import type { Text } from '../i18n/text.js';
import type { ViewAction } from '../view.js';

/**
 * What the events watcher (src/watch/) tells the adapters (issue 15 §1): something in the lab a
 * lab team must act on, found in the engine's events or in a status that changed between polls.
 * Plain JSON: the watcher keeps the alerts it holds (quiet hours) and shows (App Home) in the store.
 */
export interface LabAlert {
  /** Unique within its lab: `event:<index>` for an engine event, `status:<object>:<id>:<at>` otherwise. */
  id: string;
  kind: AlertKind;
  /** When the engine logged it, or when the watcher saw the status (ms). */
  at: number;
  /** What it is about, as the engine names it. */
  subject: { type: 'host' | 'storage_domain' | 'vm' | 'transfer'; name: string };
  /** What happened, in the reader's language. */
  text: Text;
  /** The engine's own event, when one told it (its code's AuditLogType name beside it). */
  engine?: { index: number; code: number; name: string; description: string } | undefined;
  /** `/lab doctor`'s finding about the same thing, with its fix's button when it has one. */
  doctor?: AlertFinding | undefined;
}

/** One finding of `/lab doctor`, as an alert carries it. */
export interface AlertFinding {
  title: Text;
  lines: Text[];
  action?: ViewAction | undefined;
}

/**
 * One channel message of a lab's alerts: a storm within a few minutes is one message, edited as it
 * grows; it shows the latest alerts and counts the rest. `seq` names the message across restarts.
 */
export interface AlertDigest {
  seq: number;
  startedAt: number;
  updatedAt: number;
  /** Every alert of this message, shown or not. */
  total: number;
  /** The newest alerts, oldest first. */
  latest: LabAlert[];
  /** The message posts what quiet hours held (`quiet_hours` of lab.yml), when they ended. */
  afterQuiet?: { hours: string } | undefined;
}
