import type { EventsConfig } from '../config/lab-schema.js';
import type { EngineClient } from '../engine/engine-client.js';
import type { EngineEvent } from '../engine/types.js';
import { toLabopsError } from '../errors.js';
import { type Message, msg, verbatim } from '../i18n/text.js';
import type { LabAlert } from '../jobs/alerts.js';
import type { EventBus } from '../jobs/events.js';
import type { Labops } from '../labops.js';
import type { Logger } from '../log.js';
import type { Store } from '../store/types.js';
import type { Clock } from '../time.js';
import { DOMAIN_DOWN_STATUSES, HOST_DOWN_STATUSES, WATCHED_CODES, type WatchedCode } from './codes.js';
import { addToChannel, type ChannelState, EMPTY_CHANNEL, isQuietAt } from './digest.js';
import { findDoctorFinding } from './doctor-match.js';

/** What the watcher reads of the engine: the lab's engine client. */
export type WatchEngine = Pick<
  EngineClient,
  | 'listEvents'
  | 'getLastEventIndex'
  | 'listHosts'
  | 'listVms'
  | 'findDataCenterId'
  | 'listAttachedStorageDomains'
>;

export interface WatcherOptions {
  lab: string;
  /** The lab's labops: its time zone, and `/lab doctor` (read by the bot itself) for the findings alerts carry. */
  labops: Pick<Labops, 'lab' | 'readDoctorForBot'>;
  engine: WatchEngine;
  store: Store;
  bus: EventBus;
  clock: Clock;
  logger: Logger;
  events: EventsConfig;
  /** The lab's first channel; none: its alerts show on App Home only. */
  channel: string | undefined;
  /** Whether this process leads the replicas now: only the leader speaks first (issue 15). */
  leading: () => boolean;
}

/** One object the watcher follows: its type, name and last status. */
type Seen = [type: 'host' | 'storage_domain' | 'vm', name: string, status: string];

/** The watcher's state in the store (`watch:<lab>`), written by compare-and-set at each poll. */
export interface WatchState {
  /** The newest engine event index handled (ovirt-api.md §6.5: `from` is exclusive). */
  index: number;
  /** Last statuses of hosts, the data center's domains and VMs, by id. */
  seen: Record<string, Seen>;
  /** `kind:type:id` of objects reported and still in that state: not reported again until they recover. */
  open: string[];
  channel: ChannelState;
}

/** What one poll did (tests and logs). */
export type TickOutcome =
  | 'not-leading'
  | 'started'
  | 'restarted'
  | 'polled'
  | 'engine-down'
  | 'lost-race'
  | 'stopped';

interface Snapshot {
  hosts: { id: string; name: string; status: string }[];
  domains: { id: string; name: string; status: string }[];
  vms: { id: string; name: string; status: string }[];
}

/**
 * The events watcher of one lab (issue 15 §1). The engine pushes nothing, so every
 * `events.poll_seconds` it reads the events since its watermark (`GET /events?from=N`, §6.5) and
 * the statuses of hosts, domains and VMs, and turns what a lab team must act on into alerts: to the
 * job's thread when the event carries a labops job's correlation id, else to the lab's channel —
 * held during quiet hours, a storm grouped into one message. The watermark, the last statuses and
 * what was reported live in the store, advanced by compare-and-set: two replicas, a leader change
 * or a restart neither report an event twice nor miss one. Only the leader polls. The state is
 * committed before its message is shown; a process that starts to lead announces the lab's digest
 * again, so a crash in between delays the message rather than losing it (alert-reporter.ts says
 * what remains: at least once).
 */
export class EventWatcher {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<TickOutcome> | undefined;
  private engineDown = false;
  private stopped = false;
  /**
   * Whether the lab's digest is still to be announced again since this process started to lead:
   * a digest is committed before it is shown, and a crash or a leader change in between would
   * lose it. The reporter shows it only if Slack does not have it all (alert-reporter.ts).
   */
  private announce = true;

  constructor(private readonly options: WatcherOptions) {}

  private get call(): { signal: AbortSignal } {
    return { signal: this.stopping.signal };
  }

  get key(): string {
    return `watch:${this.options.lab}`;
  }

  /** The lab's first channel, where its alerts go; undefined: App Home only. */
  get channel(): string | undefined {
    return this.options.channel;
  }

  /** Polls every `events.poll_seconds`, the first poll one interval after the start. */
  start(): void {
    if (this.timer || this.stopped) return;
    this.timer = setInterval(() => void this.tick(), this.options.events.poll_seconds * 1000);
    this.timer.unref();
  }

  /** A stop ends the poll under way: its reads, and the doctor it runs. */
  private readonly stopping = new AbortController();

  async stop(): Promise<void> {
    this.stopped = true;
    this.stopping.abort();
    clearInterval(this.timer);
    this.timer = undefined;
    await this.running?.catch(() => undefined);
  }

  /** One poll; a poll still running is joined rather than started again. Never rejects. */
  tick(): Promise<TickOutcome> {
    if (this.stopped) return Promise.resolve('stopped');
    if (!this.options.leading()) {
      this.announce = true;
      return Promise.resolve('not-leading');
    }
    this.running ??= this.poll()
      .catch((error: unknown) => {
        this.options.logger.error({ lab: this.options.lab, err: error }, 'the events watcher failed');
        return 'engine-down' as const;
      })
      .finally(() => {
        this.running = undefined;
      });
    return this.running;
  }

  private async poll(): Promise<TickOutcome> {
    const { store, clock, engine } = this.options;
    const entry = await store.readState(this.key);
    let snapshot: Snapshot;
    let events: EngineEvent[] = [];
    let startOver = false;
    let newest: number | undefined;
    const previous = entry ? readWatchState(entry.value) : undefined;
    try {
      if (previous) {
        // The events first, then the statuses: a status is never older than the events read with
        // it. The other way round, a host lost between the two reads was posted by its event, its
        // report cleared by the older "up", and posted again at the next poll.
        events = await engine.listEvents({ from: previous.index }, this.call);
        // Nothing new: is the engine's newest event behind the watermark (a reinstalled engine)?
        if (!events.length) startOver = (await engine.getLastEventIndex(this.call)) < previous.index;
        snapshot = await this.readStatuses();
      } else {
        startOver = true;
        snapshot = await this.readStatuses();
      }
      // Starting over, the statuses come before the newest index: an object lost after they were
      // read is reported by its status at the next poll, its event being history.
      if (startOver) newest = await engine.getLastEventIndex(this.call);
      this.noteEngine(undefined);
    } catch (error) {
      if (this.stopped) return 'stopped';
      this.noteEngine(error);
      return 'engine-down';
    }
    if (this.stopped) return 'stopped';
    const now = clock();
    if (!previous || startOver) {
      // A first start, or an engine whose log starts again: from its newest event, posting no
      // history; what is already down counts as reported.
      const state: WatchState = {
        index: newest ?? 0,
        seen: seenOf(snapshot),
        open: this.openNow(snapshot),
        channel: previous?.channel ?? EMPTY_CHANNEL,
      };
      if (!(await store.writeState(this.key, state, now, entry?.version ?? 0))) return 'lost-race';
      if (previous) {
        this.options.logger.warn(
          { lab: this.options.lab, watermark: previous.index, newest },
          "the engine's newest event is older than the watermark (a reinstalled engine?): watching from its newest event",
        );
      }
      return previous ? 'restarted' : 'started';
    }
    const found = await this.findAlerts(previous, snapshot, events);
    const channelAlerts = found.channel;
    if (channelAlerts.length) await this.attachDoctor(channelAlerts);
    const { events: config } = this.options;
    const quiet = isQuietAt(now, config.quiet_hours, this.options.labops.lab.timeZone);
    const channel = addToChannel(previous.channel, channelAlerts, now, {
      now: quiet,
      hours: config.quiet_hours,
    });
    const state: WatchState = {
      index: events.reduce((max, e) => Math.max(max, e.index), previous.index),
      seen: seenOf(snapshot),
      open: found.open,
      channel: channel.state,
    };
    // Only what this write commits is shown: a replica that lost the race shows nothing.
    if (!(await store.writeState(this.key, state, now, entry!.version))) return 'lost-race';
    const { bus, lab } = this.options;
    for (const [jobId, alerts] of found.jobs) bus.emit({ type: 'watch:job-alerts', lab, jobId, alerts });
    if (channel.update) {
      bus.emit({
        type: 'watch:alerts',
        lab,
        channel: this.options.channel,
        digest: channel.update.digest,
        added: channel.update.added,
      });
    } else if (this.announce && channel.state.digest && this.options.channel !== undefined) {
      // Announced again, nothing added: the shell prints nothing, Slack shows what it lacks.
      bus.emit({
        type: 'watch:alerts',
        lab,
        channel: this.options.channel,
        digest: channel.state.digest,
        added: [],
      });
    }
    this.announce = false;
    return 'polled';
  }

  private async readStatuses(): Promise<Snapshot> {
    const { engine, labops } = this.options;
    const dataCenterId = await engine.findDataCenterId(labops.lab.dataCenter, this.call);
    const [hosts, domains, vms] = await Promise.all([
      engine.listHosts(this.call),
      engine.listAttachedStorageDomains(dataCenterId, this.call),
      engine.listVms({}, this.call),
    ]);
    return {
      hosts: hosts.map((h) => ({ id: h.id, name: h.name, status: h.status })),
      domains: domains.map((d) => ({ id: d.id, name: d.name, status: d.status ?? 'unknown' })),
      vms: vms.map((v) => ({ id: v.id, name: v.name, status: v.status })),
    };
  }

  /** The engine that cannot be read is logged once, and again once it answers. */
  private noteEngine(error: unknown): void {
    const { logger, lab } = this.options;
    if (error !== undefined && !this.engineDown) {
      this.engineDown = true;
      const e = toLabopsError(error);
      logger.warn(
        { lab, code: e.code, err: e.message },
        "cannot read the engine's events; trying again at each poll",
      );
    } else if (error === undefined && this.engineDown) {
      this.engineDown = false;
      logger.info({ lab }, "the engine's events can be read again");
    }
  }

  /** Objects already down when the watcher starts over: reported as far as it is concerned. */
  private openNow(snapshot: Snapshot): string[] {
    return [
      ...snapshot.hosts
        .filter((h) => HOST_DOWN_STATUSES.includes(h.status))
        .map((h) => openKey('host_down', 'host', h.id)),
      ...snapshot.domains
        .filter((d) => DOMAIN_DOWN_STATUSES.includes(d.status))
        .map((d) => openKey('storage_down', 'storage_domain', d.id)),
      ...snapshot.vms.filter((v) => v.status === 'paused').map((v) => openKey('vm_paused', 'vm', v.id)),
    ];
  }

  private async findAlerts(
    previous: WatchState,
    snapshot: Snapshot,
    events: readonly EngineEvent[],
  ): Promise<{ channel: LabAlert[]; jobs: Map<string, LabAlert[]>; open: string[] }> {
    const notify = new Set(this.options.events.notify);
    const open = new Set(previous.open);
    const channel: LabAlert[] = [];
    const jobs = new Map<string, LabAlert[]>();
    const names = new Map<string, string>(Object.entries(previous.seen).map(([id, s]) => [id, s[1]]));
    for (const list of [snapshot.hosts, snapshot.domains, snapshot.vms])
      for (const o of list) names.set(o.id, o.name);
    const asked = await this.readLabopsWork();

    const now = this.options.clock();
    for (const event of events) {
      const code = WATCHED_CODES[event.code];
      if (!code || !notify.has(code.kind)) continue;
      const alert = describeEvent(event, code, names, now);
      const key = code.status
        ? openKey(code.kind, alert.subject.type, subjectId(event, code) ?? '')
        : undefined;
      const jobId = await this.findJob(event.correlationId);
      const askedMaintenance =
        code.kind === 'storage_down' &&
        code.status === 'maintenance' &&
        (jobId !== undefined || asked(alert.subject.name));
      if (askedMaintenance) {
        // The lab's own job took the domain out: nothing to tell anyone.
        if (key) open.add(key);
        continue;
      }
      if (jobId !== undefined) {
        jobs.set(jobId, [...(jobs.get(jobId) ?? []), alert]);
        if (key) open.add(key);
        continue;
      }
      if (key && open.has(key)) continue;
      if (key) open.add(key);
      channel.push(alert);
    }

    const fromStatus = (
      kind: LabAlert['kind'],
      type: 'host' | 'storage_domain',
      o: { id: string; name: string; status: string },
      text: Message,
    ) => {
      const key = openKey(kind, type, o.id);
      if (open.has(key)) return;
      open.add(key);
      if (!notify.has(kind)) return;
      channel.push({
        id: `status:${type}:${o.id}:${now}`,
        kind,
        at: now,
        subject: { type, name: o.name },
        text,
      });
    };
    for (const h of snapshot.hosts) {
      if (!HOST_DOWN_STATUSES.includes(h.status)) {
        open.delete(openKey('host_down', 'host', h.id));
        continue;
      }
      fromStatus('host_down', 'host', h, hostText(h.name, h.status));
    }
    for (const d of snapshot.domains) {
      const key = openKey('storage_down', 'storage_domain', d.id);
      if (!DOMAIN_DOWN_STATUSES.includes(d.status)) {
        open.delete(key);
        continue;
      }
      if (d.status !== 'inactive' && asked(d.name)) {
        open.add(key);
        continue;
      }
      fromStatus('storage_down', 'storage_domain', d, domainText(d.name, d.status));
    }
    // A paused VM is posted on the engine's VM_PAUSED_EIO only (a person may pause one); its report
    // ends when it runs again.
    for (const v of snapshot.vms) if (v.status !== 'paused') open.delete(openKey('vm_paused', 'vm', v.id));
    const present = new Set([...snapshot.hosts, ...snapshot.domains, ...snapshot.vms].map((o) => o.id));
    return { channel, jobs, open: [...open].filter((key) => present.has(key.split(':')[2] ?? '')) };
  }

  /**
   * Whether a running (or queued) labops job of this lab holds a domain's lock, or the whole lab's
   * (`/lab reset`): a maintenance it asked for is no news.
   */
  private async readLabopsWork(): Promise<(domain: string) => boolean> {
    const { store, lab } = this.options;
    const domains = new Set<string>();
    let wholeLab = false;
    for (const lock of await store.listLocks({ lab })) {
      const job = await store.getJob(lock.jobId);
      if (!job || (job.status !== 'running' && job.status !== 'queued')) continue;
      if (lock.key === 'lab') wholeLab = true;
      else if (lock.key.startsWith('domain:')) domains.add(lock.key.slice('domain:'.length));
    }
    return (domain) => wholeLab || domains.has(domain);
  }

  /** The labops job of this lab whose id an event's correlation id is (executor.ts tags requests so). */
  private async findJob(correlationId: string | undefined): Promise<string | undefined> {
    if (!correlationId?.startsWith('job-')) return undefined;
    const job = await this.options.store.getJob(correlationId);
    return job && job.lab === this.options.lab ? job.id : undefined;
  }

  /** `/lab doctor` once for the poll, its findings matched to the alerts by their subject. */
  private async attachDoctor(alerts: LabAlert[]): Promise<void> {
    const wanted = alerts.filter((a) => a.subject.type === 'host' || a.subject.type === 'storage_domain');
    if (!wanted.length) return;
    // The bot's own read: a lab.yml whose askers or channels are lists (lab.example.yml) does not
    // name the bot, and must not keep the findings from its alerts.
    const result = await this.options.labops.readDoctorForBot({ signal: this.stopping.signal });
    if (result.kind !== 'view') {
      this.options.logger.warn(
        { lab: this.options.lab, err: result.error.message },
        'lab events go without their /lab doctor findings: doctor could not run',
      );
      return;
    }
    for (const alert of wanted) {
      const finding = findDoctorFinding(result.view, alert);
      if (finding) alert.doctor = finding;
    }
  }
}

function openKey(kind: string, type: string, id: string): string {
  return `${kind}:${type}:${id}`;
}

function subjectId(event: EngineEvent, code: WatchedCode): string | undefined {
  switch (code.kind) {
    case 'host_down':
      return event.hostId;
    case 'storage_down':
    case 'transfer_paused':
      return event.storageDomainId;
    default:
      return event.vmId;
  }
}

function hostText(host: string, status: string): Message {
  return status === 'non_operational'
    ? msg('watch.host.nonOperational', { host })
    : msg('watch.host.nonResponsive', { host });
}

function domainText(domain: string, status: string): Message {
  return status === 'inactive'
    ? msg('watch.domain.inactive', { domain })
    : msg('watch.domain.maintenance', { domain, status: verbatim(status) });
}

/** An alert from one engine event: its subject named from the statuses read, its text in the catalog. */
function describeEvent(
  event: EngineEvent,
  code: WatchedCode,
  names: ReadonlyMap<string, string>,
  now: number,
): LabAlert {
  const id = subjectId(event, code);
  const name = id === undefined ? undefined : names.get(id);
  const base = {
    id: `event:${event.index}`,
    kind: code.kind,
    at: event.time?.getTime() ?? now,
    engine: { index: event.index, code: event.code, name: code.name, description: event.description },
  };
  switch (code.kind) {
    case 'host_down':
      return {
        ...base,
        subject: { type: 'host', name: name ?? '?' },
        text: hostText(name ?? '?', code.status ?? ''),
      };
    case 'storage_down':
      return {
        ...base,
        subject: { type: 'storage_domain', name: name ?? '?' },
        text: domainText(name ?? '?', code.status === 'inactive' ? 'inactive' : 'preparing_for_maintenance'),
      };
    case 'vm_paused':
      return {
        ...base,
        subject: { type: 'vm', name: name ?? '?' },
        text: msg('watch.vm.pausedIo', { vm: name ?? '?' }),
      };
    case 'migration_failed':
      return {
        ...base,
        subject: { type: 'vm', name: name ?? '?' },
        text: name ? msg('watch.migration.failed', { vm: name }) : msg('watch.migration.failedSomewhere'),
      };
    case 'transfer_paused':
      return {
        ...base,
        subject: { type: 'transfer', name: name ?? '?' },
        text: name ? msg('watch.transfer.paused', { domain: name }) : msg('watch.transfer.pausedSomewhere'),
      };
  }
}

function seenOf(snapshot: Snapshot): Record<string, Seen> {
  const seen: Record<string, Seen> = {};
  for (const h of snapshot.hosts) seen[h.id] = ['host', h.name, h.status];
  for (const d of snapshot.domains) seen[d.id] = ['storage_domain', d.name, d.status];
  for (const v of snapshot.vms) seen[v.id] = ['vm', v.name, v.status];
  return seen;
}

/** The state as the store gave it back (JSON), or a fresh start when it is not one the watcher wrote. */
export function readWatchState(value: unknown): WatchState | undefined {
  const v = value as Partial<WatchState> | null;
  if (!v || typeof v.index !== 'number' || !Array.isArray(v.open) || typeof v.seen !== 'object')
    return undefined;
  const channel = (v.channel ?? EMPTY_CHANNEL) as ChannelState;
  return { index: v.index, seen: v.seen ?? {}, open: v.open, channel: { ...EMPTY_CHANNEL, ...channel } };
}
