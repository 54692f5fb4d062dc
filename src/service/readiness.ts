import type { EngineClient } from '../engine/engine-client.js';
import { toLabopsError } from '../errors.js';
import { renderEnglish } from '../i18n/render.js';
import type { SlackConnection } from '../slack/adapter.js';
import type { Store } from '../store/types.js';
import type { Clock } from '../time.js';

/** One lab readiness looks at: its store and its engine. */
export interface ReadinessLab {
  /** How the answer names it (`default` while labops serves one lab). */
  readonly name: string;
  readonly store: Pick<Store, 'listLocks' | 'checkWritable'>;
  readonly engine: Pick<EngineClient, 'getApiInfo' | 'origin'>;
}

/** One check in `/readyz`'s answer. */
export interface ReadinessCheck {
  /** `store`, `engine`, `slack` or `labs`. */
  name: string;
  /** The lab it belongs to, for a lab's store and engine. */
  lab?: string;
  ok: boolean;
  /** `open`, `answered`, `connected`, `listening`, or what is wrong in a few words. */
  state: string;
  /** Why it failed, in English (for tools and people reading the JSON). */
  error?: string;
  /** Engines: when the answer was read (they are asked at most every `cacheMs`) and how long it took. */
  checkedAt?: string;
  latencyMs?: number;
  engine?: string;
}

export interface ReadinessReport {
  ready: boolean;
  checks: ReadinessCheck[];
  /** Each lab, up when its store and engine are; one lab down fails readiness only when none is up. */
  labs: { name: string; ok: boolean }[];
}

export interface ReadinessOptions {
  clock: Clock;
  /** How long an engine's answer (or failure) stands before it is asked again; default 10 s. */
  cacheMs?: number | undefined;
  /** How long the engine may take to answer; default 30 s, the engine client's request deadline. */
  engineTimeoutMs?: number | undefined;
}

export interface Readiness {
  check(): Promise<ReadinessReport>;
  /** Adds a lab to look at; answers its removal. */
  addLab(lab: ReadinessLab): () => void;
  /** The Slack connection to look at (the Slack modes); the shell has none. */
  setSlack(probe: (() => SlackConnection) | undefined): void;
}

interface EngineResult {
  at: number;
  check: ReadinessCheck;
}

/**
 * `/readyz` (issue 12 §3): the store of each lab answers a read and takes writes, its engine answered
 * its API root within the timeout — read at most once per `cacheMs` per engine, concurrent asks
 * sharing one read — and, in the Slack modes, Slack is connected. Ready when Slack is (or there is
 * no Slack) and at least one lab is up: one lab's engine down among several does not fail it, and
 * the answer names the lab.
 */
export function createReadiness(options: ReadinessOptions): Readiness {
  const cacheMs = options.cacheMs ?? 10_000;
  const timeoutMs = options.engineTimeoutMs ?? 30_000;
  const labs = new Set<ReadinessLab>();
  const engineResults = new Map<ReadinessLab, EngineResult>();
  const engineReads = new Map<ReadinessLab, Promise<EngineResult>>();
  let slack: (() => SlackConnection) | undefined;

  const readEngine = async (lab: ReadinessLab): Promise<EngineResult> => {
    const started = options.clock();
    const startedAt = performance.now();
    const base = { name: 'engine', lab: lab.name, engine: lab.engine.origin };
    try {
      await lab.engine.getApiInfo({ signal: AbortSignal.timeout(timeoutMs) });
      const latencyMs = Math.round(performance.now() - startedAt);
      return {
        at: started,
        check: {
          ...base,
          ok: true,
          state: 'answered',
          latencyMs,
          checkedAt: new Date(started).toISOString(),
        },
      };
    } catch (error) {
      return {
        at: started,
        check: {
          ...base,
          ok: false,
          state: 'no answer',
          error: renderEnglish(toLabopsError(error).text),
          checkedAt: new Date(started).toISOString(),
        },
      };
    }
  };

  const checkEngine = async (lab: ReadinessLab): Promise<ReadinessCheck> => {
    const cached = engineResults.get(lab);
    if (cached && options.clock() - cached.at < cacheMs) return cached.check;
    let reading = engineReads.get(lab);
    if (!reading) {
      reading = readEngine(lab).then((result) => {
        engineResults.set(lab, result);
        engineReads.delete(lab);
        return result;
      });
      engineReads.set(lab, reading);
    }
    return (await reading).check;
  };

  const checkStore = async (lab: ReadinessLab): Promise<ReadinessCheck> => {
    const base = { name: 'store', lab: lab.name };
    try {
      await lab.store.listLocks();
    } catch (error) {
      return { ...base, ok: false, state: 'not open', error: renderEnglish(toLabopsError(error).text) };
    }
    // Open but refusing writes (a full disk): new work is refused until it takes writes again.
    const unwritable = await lab.store.checkWritable().catch((error: unknown) => toLabopsError(error));
    if (unwritable)
      return { ...base, ok: false, state: 'not writable', error: renderEnglish(unwritable.text) };
    return { ...base, ok: true, state: 'open' };
  };

  return {
    async check() {
      const perLab = await Promise.all(
        [...labs].map(async (lab) => ({
          lab,
          checks: await Promise.all([checkStore(lab), checkEngine(lab)]),
        })),
      );
      const checks = perLab.flatMap((entry) => entry.checks);
      const labReports = perLab.map((entry) => ({
        name: entry.lab.name,
        ok: entry.checks.every((check) => check.ok),
      }));
      if (labs.size === 0) checks.push({ name: 'labs', ok: false, state: 'no lab open yet' });
      let slackOk = true;
      if (slack) {
        const connection = slack();
        slackOk = connection.connected;
        checks.push({ name: 'slack', ok: connection.connected, state: connection.state });
      }
      return { ready: slackOk && labReports.some((lab) => lab.ok), checks, labs: labReports };
    },
    addLab(lab) {
      labs.add(lab);
      return () => {
        labs.delete(lab);
        engineResults.delete(lab);
      };
    },
    setSlack(probe) {
      slack = probe;
    },
  };
}
