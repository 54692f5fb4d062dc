import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { App, HTTPReceiver, SocketModeReceiver } from '@slack/bolt';
import { groupsInPolicy } from '../../approvals/policy.js';
import type { SlackSettings } from '../config.js';
import { ConcurrencyGate } from '../engine/gate.js';
import { LabopsError } from '../errors.js';
import { msg } from '../i18n/text.js';
import type { Labs } from '../labs.js';
import type { Logger } from '../log.js';
import type { Store } from '../store/types.js';
import { type Clock, systemClock } from '../time.js';
import { AckFirst } from './ack-first.js';
import { AlertReporter } from './alert-reporter.js';
import { Dedupe } from './dedupe.js';
import { createCaller, type SlackDeps, type WorkLane } from './deps.js';
import { GroupDirectory } from './groups.js';
import { publishHome } from './home.js';
import { JobReporter } from './job-reporter.js';
import { SLACK_LIMITS, type SlackLimits } from './limits.js';
import { registerAppHomeOpened } from './listeners/app-home-opened.js';
import { registerApprovalClicks } from './listeners/approval-click.js';
import { registerHomeRefresh } from './listeners/home-refresh.js';
import { registerJobCancel } from './listeners/job-cancel.js';
import { registerJobRevert } from './listeners/job-revert.js';
import { ListenerRouter } from './listeners/router.js';
import { registerSlashCommands } from './listeners/slash-command.js';
import { registerUnknownActions } from './listeners/unknown-action.js';
import { registerViewRun } from './listeners/view-run.js';
import { LiveHome } from './live-home.js';
import { LocaleDirectory } from './locales.js';
import { Outbox } from './outbox.js';
import { ReminderReporter } from './reminder-reporter.js';
import { RevertOffers } from './revert-offers.js';
import { ScheduleReporter } from './schedule-reporter.js';
import { createBoltLogger, createWebClient, toSlackError, type WebClient } from './web.js';

/** Every interval of the adapter, injectable so that tests never wait on Slack's real pace. */
export interface SlackTiming {
  /** The least time between two live edits of one step's message (the final edit is never held). */
  liveUpdateMs: number;
  /** How long user-group membership is cached. */
  groupTtlMs: number;
  /** How long a person's Slack locale is kept. */
  localeTtlMs: number;
  /** How long a trigger or event id is remembered against retries and double submissions. */
  dedupeTtlMs: number;
  /** Retries of a Web API request that failed on the network or with a 5xx (never 429). */
  webRetries: number;
  webTimeoutMs: number;
  /** Bolt's HTTP receiver answers 404 when a request was not acknowledged in this time. */
  ackTimeoutMs: number;
  /**
   * How many pieces of work run at once after their acks, per lane: clicks, cancels and read
   * commands never wait behind plans or job reporting (issue 10 §1).
   */
  workConcurrency: number;
  /** Plans (commands that become cards) at once; each has its own deadline as well. */
  planConcurrency: number;
  /** Work after an ack starts once no request has arrived for this long (src/slack/ack-first.ts)… */
  ackLullMs: number;
  /** …or once it has waited this long, whatever arrives. */
  ackFirstMaxMs: number;
  /** How long a stop waits for running jobs and the last Slack messages before it gives up. */
  stopMs: number;
  /** Socket Mode: time to wait for a pong, and for Slack's ping, before reconnecting. */
  clientPingTimeoutMs: number;
  serverPingTimeoutMs: number;
  /** Jobs with more output lines than this get the full log attached as a file. */
  logAttachLines: number;
  logMaxBytes: number;
  /** A person's Home is published again at most once in this time when what it shows changes. */
  homeDebounceMs: number;
  /** Homes are kept live for people who opened theirs this recently. */
  homeRecentMs: number;
}

export const DEFAULT_SLACK_TIMING: Readonly<SlackTiming> = {
  liveUpdateMs: 5000,
  groupTtlMs: 60_000,
  localeTtlMs: 60 * 60_000,
  dedupeTtlMs: 30 * 60_000,
  webRetries: 2,
  webTimeoutMs: 15_000,
  ackTimeoutMs: 3001,
  workConcurrency: 4,
  planConcurrency: 4,
  ackLullMs: 10,
  ackFirstMaxMs: 250,
  stopMs: 10_000,
  clientPingTimeoutMs: 5000,
  serverPingTimeoutMs: 30_000,
  logAttachLines: 30,
  logMaxBytes: 8 * 1024 * 1024,
  homeDebounceMs: 5000,
  homeRecentMs: 24 * 60 * 60_000,
};

/** The bot user, as `auth.test` tells it. */
export interface BotIdentity {
  botUserId: string;
  botId: string;
  teamId?: string | undefined;
}

export interface SlackAdapterOptions {
  settings: Exclude<SlackSettings, { mode: 'shell' }>;
  logger: Logger;
  clock?: Clock | undefined;
  timing?: Partial<SlackTiming> | undefined;
  limits?: SlackLimits | undefined;
  /** Known bot identity: no `auth.test` at all. Otherwise one call at start, never per event. */
  identity?: BotIdentity | undefined;
  /** HTTP mode: the port to listen on instead of the configured one (0: the system picks). */
  port?: number | undefined;
}

/** Whether Slack reaches labops now, for readiness (issue 12 §3). */
export interface SlackConnection {
  connected: boolean;
  /** Socket Mode: the client's last state (`connected`, `reconnecting`, …); HTTP: `listening` or not. */
  state: string;
}

export interface SlackAdapter {
  /** Members of a user group (`slack:S…`) for `LabopsOptions.resolveGroup`; [] when the lookup fails. */
  resolveGroup(group: string): Promise<string[]>;
  /**
   * Starts the labs (`Labs.start`: recovery, the expiry sweeps) with their job reporting, updates
   * the cards recovery changed, registers labops's commands, then connects (Socket Mode) or
   * listens (HTTP); answers the HTTP port. Every lab of the bot is served (issue 13 §2).
   */
  start(labs: Labs): Promise<{ port: number | undefined }>;
  /** Resolves when all work after acks and every message waiting to be sent are done. */
  idle(): Promise<void>;
  /** Socket Mode connected, or the HTTP receiver listening. */
  getConnection(): SlackConnection;
  /** Stops the labs (`Labs.stop`), then the reporting, the receiver and the outbox, within `stopMs`. */
  stop(): Promise<void>;
  readonly outbox: Outbox;
  readonly client: WebClient;
}

/**
 * The Slack adapter (design.md, "Runtime modes"): Bolt over Socket Mode or HTTP, in front of the one
 * dispatch pipeline. Built before labops so that its user-group lookup can be handed to it.
 */
export function createSlackAdapter(options: SlackAdapterOptions): SlackAdapter {
  const { settings, logger } = options;
  const timing: SlackTiming = { ...DEFAULT_SLACK_TIMING, ...options.timing };
  const clock = options.clock ?? systemClock;
  const client = createWebClient({
    botToken: settings.botToken,
    apiUrl: settings.apiUrl,
    logger,
    retries: timing.webRetries,
    timeoutMs: timing.webTimeoutMs,
  });
  const outbox = new Outbox({
    client,
    limits: options.limits ?? SLACK_LIMITS,
    logger,
    liveUpdateMs: timing.liveUpdateMs,
    homeIntervalMs: timing.homeDebounceMs,
    // Replicas keep to Slack's limits together (issue 14 §3): the store they share, once the labs
    // are known (`start`).
    budget: (bucket, capacity, intervalMs) =>
      sharedStore ? sharedStore.takeSlackToken(bucket, capacity, intervalMs, clock()) : Promise.resolve(0),
    editLock: (key) =>
      sharedStore && replica
        ? takeEditLock(sharedStore, replica, key, clock, logger)
        : Promise.resolve(undefined),
  });
  let sharedStore: Store | undefined;
  let replica: string | undefined;
  const groups = new GroupDirectory({
    ttlMs: timing.groupTtlMs,
    clock,
    logger,
    listMembers: async (usergroup) => {
      const answer = await outbox.call<{ users?: string[] }>('usergroups.users.list', { usergroup });
      return answer.users ?? [];
    },
  });
  const locales = new LocaleDirectory({
    ttlMs: timing.localeTtlMs,
    clock,
    logger,
    readLocale: async (user) => {
      const answer = await outbox.call<{ user?: { locale?: string } }>('users.info', {
        user,
        include_locale: true,
      });
      return answer.user?.locale;
    },
  });
  const pending = new Set<Promise<void>>();
  let app: App | undefined;
  let reporter: JobReporter | undefined;
  let liveHome: LiveHome | undefined;
  let alerts: AlertReporter | undefined;
  let reminders: ReminderReporter | undefined;
  let revertOffers: RevertOffers | undefined;
  let schedules: ScheduleReporter | undefined;
  let socketState = 'not started';
  let server: { readonly listening: boolean } | undefined;

  // Work after acks runs a few at a time: a burst of commands must not starve the event loop that
  // acknowledges the next ones within Slack's 3 seconds (slack-platform.md §1). Each lane has its
  // own slots, so slow plans (a source that trickles) never hold up a click, a cancel or a status.
  // A plain counter and queue each (the engine's gate). Bottleneck, used here before, made a job
  // with its own events, promises and timers for every command: 4 % of the bot's CPU while it
  // acknowledged 1500 commands in a profile, and garbage for the young generation.
  const lanes: Record<WorkLane, ConcurrencyGate> = {
    interactive: new ConcurrencyGate(timing.workConcurrency),
    plans: new ConcurrencyGate(timing.planConcurrency),
    reporting: new ConcurrencyGate(timing.workConcurrency),
  };
  const ackFirst = new AckFirst(timing.ackLullMs, timing.ackFirstMaxMs, timing.ackTimeoutMs + 1000);
  const stopping = new Error('labops stopped before this Slack work began');
  let labsRef: Labs | undefined;
  const track = (job: () => Promise<void>, lane: WorkLane = 'interactive'): void => {
    // The burst's acks first, then a slot: no slot is held while the lull is awaited.
    const run = ackFirst
      .quiet()
      .then(() =>
        lanes[lane].schedule(async () => {
          // Let pending I/O (the next requests to acknowledge) run before each piece of work.
          await new Promise<void>((resolve) => setImmediate(resolve));
          await job();
        }),
      )
      .catch((error: unknown) => {
        if (error !== stopping) logger.error({ err: error }, 'Slack work after an ack failed');
      });
    pending.add(run);
    void run.finally(() => pending.delete(run));
  };

  const idle = async (): Promise<void> => {
    while (pending.size > 0) {
      await Promise.all([...pending]);
    }
    await outbox.idle();
    if (pending.size > 0) await idle();
  };

  return {
    resolveGroup: groups.resolve,
    outbox,
    client,
    idle,
    getConnection() {
      if (settings.mode === 'http') {
        const listening = server?.listening ?? false;
        return { connected: listening, state: listening ? 'listening' : server ? 'closed' : 'not started' };
      }
      return { connected: socketState === 'connected', state: socketState };
    },
    async start(labs) {
      labsRef = labs;
      sharedStore = labs.store.shared ? labs.store : undefined;
      replica = labs.replica;
      const identity = options.identity ?? (await readIdentity(client));
      reporter = new JobReporter({
        labs,
        outbox,
        logger,
        clock,
        logAttachLines: timing.logAttachLines,
        logMaxBytes: timing.logMaxBytes,
        track: (work) => track(work, 'reporting'),
        localeOf: locales.localeOf,
      });
      const deps: SlackDeps = {
        labs,
        // Every lab has the same commands.
        registry: labs.first.registry,
        outbox,
        reporter,
        groups,
        locales,
        policyGroups: [...new Set(labs.names.flatMap((name) => groupsInPolicy(labs.get(name)!.policy)))],
        dedupe: new Dedupe(timing.dedupeTtlMs, clock, labs.store, logger),
        logger,
        clock,
        track,
        publishHome: (userId, notice) => publishHome(deps, userId, notice),
        homeOpened: (userId) => liveHome?.opened(userId) ?? Promise.resolve(),
      };
      liveHome = new LiveHome({
        labs,
        logger,
        clock,
        callerOf: (userId) => createCaller(deps, userId, 'app_home'),
        publish: (userId) => publishHome(deps, userId),
        track: (work) => track(work, 'reporting'),
        debounceMs: timing.homeDebounceMs,
        recentMs: timing.homeRecentMs,
      });
      app = createApp(options, timing, identity, logger, {
        onSocketState: (state) => {
          socketState = state;
        },
        onEnvelope: () => ackFirst.arrived(),
      });
      app.error(async (error) => {
        logger.error({ err: error, code: (error as { code?: string }).code }, 'Slack listener failed');
      });
      const router = new ListenerRouter();
      registerSlashCommands(router, deps);
      registerApprovalClicks(router, deps);
      registerJobCancel(router, deps);
      registerJobRevert(router, deps);
      registerViewRun(router, deps);
      registerHomeRefresh(router, deps);
      registerUnknownActions(router, deps);
      router.mount(app);
      registerAppHomeOpened(app, deps);
      reporter.start();
      liveHome.start();
      alerts = new AlertReporter({ labs, outbox, logger, clock, track: (work) => track(work, 'reporting') });
      alerts.start();
      reminders = new ReminderReporter({
        labs,
        outbox,
        logger,
        track: (work) => track(work, 'reporting'),
        localeOf: locales.localeOf,
      });
      reminders.start();
      revertOffers = new RevertOffers({
        store: labs.store,
        bus: labs.bus,
        clock,
        logger,
        leading: () => labs.leading,
        refresh: (jobId) => reporter?.refreshCard(jobId) ?? Promise.resolve(),
      });
      await revertOffers.start();
      schedules = new ScheduleReporter({
        labs,
        outbox,
        reporter,
        logger,
        track: (work) => track(work, 'reporting'),
      });
      schedules.start();
      // Recovery after the reporter listens: the re-reads of interrupted jobs reach their threads.
      const recovered = await labs.start();
      for (const job of recovered.interrupted) void reporter.refreshCard(job.id);
      for (const approval of recovered.expired) void reporter.refreshCard(approval.jobId);

      if (settings.mode === 'http') {
        const listener = (await app.start(options.port ?? settings.port)) as {
          address(): AddressInfo | string | null;
          readonly listening: boolean;
        };
        server = listener;
        ackFirst.watch(listener as unknown as Server);
        const address = listener.address();
        const port = typeof address === 'object' && address ? address.port : undefined;
        logger.info({ port }, 'Slack HTTP receiver listening on /slack/events');
        return { port };
      }
      try {
        await app.start();
      } catch (error) {
        throw new LabopsError('SLACK_UNAVAILABLE', msg('slack.socket.unavailable'), {
          hint: msg('slack.socket.unavailableHint'),
          cause: error,
        });
      }
      logger.info('Slack Socket Mode connected');
      return { port: undefined };
    },
    async stop() {
      // Bounded: plans still running are cancelled, running jobs stopped and their ends recorded,
      // and what is left to say to Slack gets `stopMs` at most (a SIGTERM must end the process).
      const deadline = new Promise<'late'>((resolve) =>
        setTimeout(() => resolve('late'), timing.stopMs).unref(),
      );
      await labsRef?.stop(timing.stopMs);
      reporter?.stop();
      liveHome?.stop();
      alerts?.stop();
      reminders?.stop();
      revertOffers?.stop();
      schedules?.stop();
      if ((await Promise.race([idle().then(() => 'done' as const), deadline])) === 'late') {
        logger.warn({ pending: pending.size }, 'stopping with Slack work still pending');
      }
      await app
        ?.stop()
        .catch((error: unknown) =>
          logger.warn({ err: String(error) }, 'Slack receiver did not stop cleanly'),
        );
      if ((await Promise.race([outbox.close().then(() => 'done' as const), deadline])) === 'late') {
        logger.warn('stopping before every Slack message was delivered');
      }
      ackFirst.stop(stopping);
      for (const lane of Object.values(lanes)) lane.stop(stopping);
    },
  };
}

/** One `auth.test` at start (bounded retries): Bolt never calls it again, reachable or not. */
async function readIdentity(client: WebClient): Promise<BotIdentity> {
  try {
    const answer = await client.auth.test();
    if (!answer.user_id || !answer.bot_id) throw new Error('auth.test did not name the bot user');
    return { botUserId: answer.user_id, botId: answer.bot_id, teamId: answer.team_id };
  } catch (error) {
    throw toSlackError(error, msg('slack.web.checkingToken'));
  }
}

function createApp(
  options: SlackAdapterOptions,
  timing: SlackTiming,
  identity: BotIdentity,
  logger: Logger,
  on: { onSocketState: (state: string) => void; onEnvelope: () => void },
): App {
  const { onSocketState } = on;
  const { settings } = options;
  const boltLogger = createBoltLogger(logger);
  // Explicit retryConfig: left unset, the Socket Mode client writes {retries: 100} into these options
  // and every listener client inherits it (slack-platform.md §4).
  const clientOptions = {
    ...(settings.apiUrl ? { slackApiUrl: settings.apiUrl } : {}),
    retryConfig: { retries: timing.webRetries, factor: 2, minTimeout: 250, maxTimeout: 4000 },
  };
  const botToken = settings.botToken;
  // Our own authorize with the identity read once: Bolt would otherwise call auth.test per event
  // when it lacks botId/botUserId (slack-platform.md §8, "Pitfalls").
  const authorize = async () => ({
    botToken,
    botId: identity.botId,
    botUserId: identity.botUserId,
    ...(identity.teamId ? { teamId: identity.teamId } : {}),
  });
  if (settings.mode === 'http') {
    const receiver = new HTTPReceiver({
      signingSecret: settings.signingSecret,
      endpoints: '/slack/events',
      logger: boltLogger,
      processBeforeResponse: false,
      unhandledRequestTimeoutMillis: timing.ackTimeoutMs,
    });
    // No conversation store: labops keeps no state in Bolt's, whose in-memory one answered every
    // request it had nothing for with a new Error and its stack trace. Without it, the bot's CPU
    // acknowledging 1500 commands went from 0.83–0.88 s to 0.67–0.70 s (`npm run bench -- slack`).
    return new App({ receiver, authorize, logger: boltLogger, clientOptions, convoStore: false });
  }
  const receiver = new SocketModeReceiver({
    appToken: settings.appToken,
    logger: boltLogger,
    clientPingTimeout: timing.clientPingTimeoutMs,
    serverPingTimeout: timing.serverPingTimeoutMs,
    autoReconnectEnabled: true,
    installerOptions: { clientOptions: { ...clientOptions } },
  });
  // Every envelope, in the same emit as Bolt's own listener (eventemitter3: no prepending), so
  // before any of its work: the work of earlier ones waits for a lull. Socket Mode acks go back
  // on the same socket, so only arrivals are counted here.
  receiver.client.on('slack_event', on.onEnvelope);
  for (const state of ['connecting', 'connected', 'reconnecting', 'disconnecting', 'disconnected']) {
    receiver.client.on(state, () => onSocketState(state));
  }
  // A dropped WebSocket is told at once; `reconnecting` only follows after a client ping timeout.
  receiver.client.on('close', () => {
    if (!receiver.client.websocket?.isActive()) onSocketState('disconnected');
  });
  reconnectPromptly(receiver.client, logger);
  // The SDK reconnects after any `disconnect` and logs why only at debug (slack-platform.md §6).
  receiver.client.on('ws_message', (data: unknown, isBinary: boolean) => {
    const reason = readDisconnectReason(data, isBinary);
    if (reason) logDisconnect(logger, reason);
  });
  return new App({
    socketMode: true,
    receiver,
    authorize,
    logger: boltLogger,
    clientOptions,
    // No conversation store, as in HTTP mode.
    convoStore: false,
  });
}

/** The parts of the Socket Mode client (@slack/socket-mode 3.1) its reconnection delay is made of. */
interface ReconnectingClient {
  delayReconnectAttempt?: (
    this: ReconnectingClient,
    start: (this: ReconnectingClient) => Promise<unknown>,
  ) => Promise<void>;
  start?: (this: ReconnectingClient) => Promise<unknown>;
  numOfConsecutiveReconnectionFailures?: number;
  clientPingTimeoutMS?: number;
  shuttingDown?: boolean;
  reconnectionTimer?: unknown;
  websocket?: { isActive(): boolean } | undefined;
}

/**
 * The SDK waits `clientPingTimeout` × the failures so far before it reconnects, the first time
 * too: every routine `refresh_requested` (Slack sends one every few hours) cost 5 s without events,
 * their delivery held back until then. The first attempt after a connection that worked now goes
 * at once; attempts that keep failing still back off as the SDK does. The SDK's private method is
 * wrapped, not replaced; test/slack/socket-drops.test.ts fails if a release changes it.
 *
 * The SDK also leaves a failed attempt's promise unhandled (a stop during a reconnection, Slack
 * unreachable when asked for a new URL): Node ends the process on an unhandled rejection. A failed
 * attempt is logged, and another is scheduled unless the connection's close already did, or the
 * client is stopping.
 */
function reconnectPromptly(client: unknown, logger: Logger): void {
  const target = client as ReconnectingClient;
  const original = target.delayReconnectAttempt;
  if (typeof original !== 'function' || typeof target.clientPingTimeoutMS !== 'number') {
    logger.warn('the Socket Mode client changed: reconnections wait for its own delay');
    return;
  }
  const attempt = function (this: ReconnectingClient, start: (this: ReconnectingClient) => Promise<unknown>) {
    return start.call(this).catch((error: unknown) => {
      if (this.shuttingDown) return;
      logger.warn(
        { err: error === undefined ? 'closed before Slack said hello' : String(error) },
        'a Socket Mode reconnection failed; trying again',
      );
      if (this.reconnectionTimer || this.websocket?.isActive()) return;
      void this.delayReconnectAttempt?.(start);
    });
  };
  // Slack said hello since the last prompt attempt: the connection worked. (The SDK zeroes its
  // failures as soon as it gets a URL, so they cannot tell: a socket Slack closes before hello
  // would be retried with no delay at all, calling apps.connections.open in a loop.)
  let workedSincePrompt = false;
  (client as { on(event: string, listener: () => void): void }).on('connected', () => {
    workedSincePrompt = true;
  });
  target.delayReconnectAttempt = function (start) {
    // The SDK's own retry of its URL request keeps the SDK's behaviour: its failure is the outer
    // attempt's, which `attempt` catches.
    if (start !== this.start) return original.call(this, start);
    const prompt = workedSincePrompt;
    workedSincePrompt = false;
    const pingMs = this.clientPingTimeoutMS ?? 0;
    // The delay is computed at once from the ping timeout and the failures so far.
    if (prompt) this.clientPingTimeoutMS = 0;
    try {
      return original.call(this, function (this: ReconnectingClient) {
        return attempt.call(this, start);
      });
    } finally {
      this.clientPingTimeoutMS = pingMs;
    }
  };
}

/** The reason of a Socket Mode `disconnect` message, undefined for any other message. */
function readDisconnectReason(data: unknown, isBinary: boolean): string | undefined {
  if (isBinary) return undefined;
  const text =
    typeof data === 'string' ? data : data instanceof ArrayBuffer ? new TextDecoder().decode(data) : '';
  if (!text.includes('"disconnect"')) return undefined;
  try {
    const message = JSON.parse(text) as { type?: unknown; reason?: unknown };
    return message.type === 'disconnect' ? String(message.reason ?? 'unknown') : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Slack closes a Socket Mode connection after saying why (slack-platform.md §6): `refresh_requested`
 * and `warning` are routine (the SDK reconnects at once, and an envelope not yet acknowledged is
 * sent again on the new connection); `link_disabled` means the app's Socket Mode was turned off, and
 * no reconnection can succeed until someone turns it on again.
 */
function logDisconnect(logger: Logger, reason: string): void {
  if (reason === 'link_disabled') {
    logger.error(
      { reason },
      'Slack turned Socket Mode off for this app (link_disabled): no event reaches labops until it is on again. Fix: in the app’s settings (api.slack.com/apps → your app → Socket Mode) turn "Enable Socket Mode" on, or run labops in HTTP mode (SLACK_SIGNING_SECRET and a public URL); labops keeps trying to reconnect meanwhile.',
    );
    return;
  }
  logger.info({ reason }, 'Slack closes this Socket Mode connection; reconnecting');
}

/** How long a replica may hold a message's edit lock (an edit's Slack call and its redraw). */
const EDIT_LOCK_MS = 10_000;
/** How long a replica waits for another's edit of the same message before sending its own anyway. */
const EDIT_LOCK_WAIT_MS = 5_000;

/**
 * A message's edit lock across replicas (issue 14 §2), kept as a lead in the store they share:
 * waits while another replica edits the message, then holds it until released (or EDIT_LOCK_MS).
 * A store that cannot be asked, or a wait past EDIT_LOCK_WAIT_MS, lets the edit go unlocked.
 */
async function takeEditLock(
  store: Store,
  replica: string,
  key: string,
  clock: Clock,
  logger: Logger,
): Promise<(() => Promise<void>) | undefined> {
  const name = `edit:${key}`;
  const started = clock();
  try {
    while (!(await store.lead(name, replica, EDIT_LOCK_MS, clock()))) {
      if (clock() - started > EDIT_LOCK_WAIT_MS) {
        logger.warn({ key }, 'another replica held a message’s edit lock too long; editing anyway');
        return undefined;
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  } catch (error) {
    logger.warn({ err: String(error), key }, 'could not take a message’s edit lock');
    return undefined;
  }
  // Released by ending the term now: the next replica may take it at once.
  return async () => {
    await store.lead(name, replica, 0, clock()).catch(() => undefined);
  };
}
