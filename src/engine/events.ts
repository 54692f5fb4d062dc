import { type CallOptions, type EngineContext, getJson } from './engine-context.js';
import { collectionOf, EventSchema, JobSchema, toEngineEvent, toEngineJob } from './schemas.js';
import type { EngineEvent, EngineJob } from './types.js';

/** Which events are about the object a wait watches. */
export interface FailureEventFilter {
  hostId?: string | undefined;
  vmId?: string | undefined;
  signal?: AbortSignal | undefined;
}

/** Events newer than `from` (§6.5: `from` is exclusive), oldest first whatever the engine's order. */
export async function listEvents(
  context: EngineContext,
  filter: { from?: number; max?: number; code?: number } = {},
  options: CallOptions = {},
): Promise<EngineEvent[]> {
  const query: Record<string, string | number | undefined> = {
    from: filter.from,
    max: filter.max,
    search: filter.code !== undefined ? `type=${filter.code}` : undefined,
  };
  const list = await getJson(context, '/events', collectionOf('event', EventSchema), options, query);
  return list.map(toEngineEvent).sort((a, b) => a.index - b.index);
}

/** The newest event's index: remember it before an action, then look for failures after it. */
export async function getLastEventIndex(context: EngineContext, options: CallOptions = {}): Promise<number> {
  const list = await getJson(context, '/events', collectionOf('event', EventSchema), options, { max: 1 });
  // Don't rely on the answer's order (§6.5); take the max.
  return list.reduce((max, e) => Math.max(max, e.index), 0);
}

/** The description of the first event since `from` with one of `codes`, about the given host or VM. */
export async function findFailureEvent(
  context: EngineContext,
  from: number,
  codes: readonly number[],
  about: FailureEventFilter = {},
): Promise<string | undefined> {
  return (await listFailureEvents(context, from, codes, about))[0]?.description;
}

/**
 * Every event since `from` with one of `codes`, oldest first, about the given host or VM when it
 * names one (an event naming another host or VM is not ours): a failed maintenance shows each
 * VM's event and the host's (issue 9 §5).
 */
export async function listFailureEvents(
  context: EngineContext,
  from: number,
  codes: readonly number[],
  about: FailureEventFilter = {},
): Promise<EngineEvent[]> {
  const events = await listEvents(context, { from }, { signal: about.signal });
  return events.filter(
    (e) =>
      codes.includes(e.code) &&
      (about.hostId === undefined || e.hostId === undefined || e.hostId === about.hostId) &&
      (about.vmId === undefined || e.vmId === undefined || e.vmId === about.vmId),
  );
}

// ---- the engine's jobs ------------------------------------------------------------------------

/** The engine's jobs started by requests tagged with `correlationId` (§2.5). */
export async function listJobsByCorrelationId(
  context: EngineContext,
  correlationId: string,
  options: CallOptions = {},
): Promise<EngineJob[]> {
  const list = await getJson(context, '/jobs', collectionOf('job', JobSchema), options, {
    search: `correlation_id=${correlationId}`,
  });
  return list.map(toEngineJob);
}
