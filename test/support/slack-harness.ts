import { createHmac, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Policy } from '../../approvals/policy.js';
import type { CommandSpec, LabInfo } from '../../src/command.js';
import type { StepDefinition } from '../../src/jobs/steps.js';
import { createLabs, type SimulatedLabSpec } from '../../src/lab.js';
import type { Labops, LabopsOptions } from '../../src/labops.js';
import type { Labs } from '../../src/labs.js';
import { createSilentLogger, type Logger } from '../../src/log.js';
import { createSlackAdapter, type SlackAdapter, type SlackTiming } from '../../src/slack/adapter.js';
import { SLACK_LIMITS, scaleLimits } from '../../src/slack/limits.js';
import type { Store } from '../../src/store/types.js';
import { getTestEngineOptions, type SimLab, startSimLab } from './engine.js';
import { LOOPBACK_SOURCES } from './http-source.js';
import { CONTRACT_LIMITS, SlackApiStandIn } from './slack-api.js';
import { SocketModeStandIn } from './slack-socket.js';

export const SIGNING_SECRET = 'test-signing-secret-0123456789';
export const BOT_TOKEN = 'xoxb-test';
export const APP_TOKEN = 'xapp-test';

/** Slack users of the tests. */
export const U = {
  operator: 'UOPER',
  alice: 'UALICE',
  bob: 'UBOB',
  carol: 'UCAROL',
  mallory: 'UMAL',
} as const;
export const CHANNEL = 'CLAB';
/** A channel the bot was never invited to. */
export const CHANNEL_WITHOUT_BOT = 'CNOBOT';

/** alice and bob approve by name, carol through the user group SOPS. */
export const SLACK_POLICY: Policy = {
  askers: 'anyone',
  channels: 'anywhere',
  approvers: [`slack:${U.alice}`, `slack:${U.bob}`, 'slack:SOPS'],
  expiryMinutes: 15,
  commands: {},
};

export type Mode = 'http' | 'socket';

export interface SlackHarnessOptions {
  mode: Mode;
  /** Every Slack rate window multiplied by this on both sides (default 0.02: a minute is 1.2 s). */
  timeScale?: number;
  timing?: Partial<SlackTiming>;
  extraCommands?: CommandSpec[];
  extraSteps?: StepDefinition[];
  policy?: Policy;
  /** Plan limits and their injected deadlines. */
  plans?: Pick<LabopsOptions, 'limits' | 'planTimers'>;
  /** The lab's language and time zone, as lab.yml's `locale` and `timezone` set them (default English, UTC). */
  lab?: Partial<Pick<LabInfo, 'locale' | 'timeZone'>>;
  /**
   * Several simulated labs in one bot (issue 13), named lab1, lab2, … in this order, each with its
   * own simulator, policy (default `policy`/SLACK_POLICY), bound channels and language. Each
   * channel is added to the Slack stand-in with the bot and the test users as members.
   * `instructors`: the bot's instructors (lab file `instructors`).
   */
  labs?: readonly HarnessLab[];
  instructors?: readonly string[];
  /** The bot's logger (silent by default). */
  logger?: Logger;
}

/** One simulated lab of a harness with several (`SlackHarnessOptions.labs`). */
export interface HarnessLab {
  policy?: Policy;
  channels?: readonly string[];
  lab?: Partial<Pick<LabInfo, 'locale' | 'timeZone'>>;
}

export interface SlackHarness {
  mode: Mode;
  api: SlackApiStandIn;
  socket: SocketModeStandIn | undefined;
  adapter: SlackAdapter;
  /** The (first) lab's labops. */
  labops: Labops;
  /** Every lab of the bot. */
  labs: Labs;
  store: Store;
  /** The (first) lab's simulator. */
  lab: SimLab;
  /** Each lab's simulator, in the order of `labs` (one without it). */
  sims: SimLab[];
  /** `http://127.0.0.1:PORT/slack/events` in HTTP mode. */
  eventsUrl: string | undefined;
  command(user: string, command: string, text: string, options?: RequestOptions): Promise<Answer>;
  click(
    user: string,
    actionId: string,
    value: string,
    where: { channel: string; ts: string } | 'home',
    options?: RequestOptions,
  ): Promise<Answer>;
  homeOpened(user: string, options?: RequestOptions & { eventId?: string }): Promise<Answer>;
  /** Waits until every job started so far finished and Slack got everything. */
  settle(): Promise<void>;
  close(): Promise<void>;
}

export interface RequestOptions {
  channel?: string;
  triggerId?: string;
  /** `x-slack-retry-num` (HTTP) or `retry_attempt` (Socket Mode). */
  retryNum?: number;
}

export interface Answer {
  status: number;
  body: string;
}

/** Slack's v0 signature of a request body (slack-platform.md §3). */
export function signBody(body: string, secret: string, timestamp: number): string {
  return `v0=${createHmac('sha256', secret).update(`v0:${timestamp}:${body}`).digest('hex')}`;
}

/** POSTs a signed body as Slack does: the exact content type, no charset (slack-platform.md §3). */
export async function postSigned(
  url: string,
  body: string,
  options: {
    contentType?: string;
    secret?: string;
    timestamp?: number;
    headers?: Record<string, string>;
  } = {},
): Promise<Answer> {
  const timestamp = options.timestamp ?? Math.floor(Date.now() / 1000);
  const answer = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': options.contentType ?? 'application/x-www-form-urlencoded',
      'x-slack-request-timestamp': String(timestamp),
      'x-slack-signature': signBody(body, options.secret ?? SIGNING_SECRET, timestamp),
      ...options.headers,
    },
    body,
  });
  return { status: answer.status, body: await answer.text() };
}

export function commandBody(
  user: string,
  command: string,
  text: string,
  responseUrl: string,
  options: RequestOptions = {},
): Record<string, string> {
  const channel = options.channel ?? CHANNEL;
  return {
    token: 'deprecated',
    team_id: 'T1',
    team_domain: 'lab',
    channel_id: channel,
    channel_name: 'lab',
    user_id: user,
    user_name: user.toLowerCase(),
    command,
    text,
    api_app_id: 'A1',
    is_enterprise_install: 'false',
    response_url: responseUrl,
    trigger_id: options.triggerId ?? `trig-${randomUUID()}`,
  };
}

export function clickPayload(
  user: string,
  actionId: string,
  value: string,
  where: { channel: string; ts: string } | 'home',
  responseUrl: string,
  options: RequestOptions = {},
): Record<string, unknown> {
  const actionTs = `${Date.now() / 1000}`;
  return {
    type: 'block_actions',
    api_app_id: 'A1',
    token: 'deprecated',
    trigger_id: options.triggerId ?? `trig-${randomUUID()}`,
    team: { id: 'T1', domain: 'lab' },
    user: { id: user, username: user.toLowerCase(), team_id: 'T1' },
    ...(where === 'home'
      ? { container: { type: 'view', view_id: `V${user}` }, view: { id: `V${user}`, type: 'home' } }
      : {
          container: {
            type: 'message',
            message_ts: where.ts,
            channel_id: where.channel,
            is_ephemeral: false,
          },
          channel: { id: where.channel, name: 'lab' },
          message: { ts: where.ts, type: 'message', text: '' },
          response_url: responseUrl,
        }),
    actions: [
      {
        type: 'button',
        action_id: actionId,
        block_id: 'b1',
        value,
        action_ts: actionTs,
        text: { type: 'plain_text', text: 'x' },
      },
    ],
  };
}

/** labops over the simulator, the Slack stand-ins, and the adapter in one mode. */
export async function startSlackHarness(options: SlackHarnessOptions): Promise<SlackHarness> {
  const timeScale = options.timeScale ?? 0.02;
  const api = await SlackApiStandIn.start({
    limits: {
      ...CONTRACT_LIMITS,
      updateWindowMs: 60_000 * timeScale,
      postIntervalMs: 1000 * timeScale,
      publishWindowMs: 60_000 * timeScale,
    },
    botToken: BOT_TOKEN,
  });
  api.addChannel(CHANNEL, [U.operator, U.alice, U.mallory]);
  api.addChannel(CHANNEL_WITHOUT_BOT, [U.operator, U.alice], { botMember: false });
  api.groups.set('SOPS', [U.carol]);
  const socket = options.mode === 'socket' ? await SocketModeStandIn.start() : undefined;
  if (socket) api.setSocketUrl(() => socket.url());

  const many = options.labs !== undefined;
  const specs = options.labs ?? [{}];
  const sims = await Promise.all(specs.map(() => startSimLab()));
  const lab = sims[0]!;
  const dir = mkdtempSync(join(tmpdir(), 'labops-slack-'));
  const logger = options.logger ?? createSilentLogger();
  const adapter = createSlackAdapter({
    settings:
      options.mode === 'http'
        ? { mode: 'http', botToken: BOT_TOKEN, signingSecret: SIGNING_SECRET, port: 0, apiUrl: api.apiUrl }
        : { mode: 'socket', botToken: BOT_TOKEN, appToken: APP_TOKEN, apiUrl: api.apiUrl },
    logger,
    limits: scaleLimits(SLACK_LIMITS, timeScale),
    timing: { liveUpdateMs: 40, homeDebounceMs: 40, webRetries: 0, groupTtlMs: 60_000, ...options.timing },
    port: 0,
  });
  for (const channel of specs.flatMap((spec) => spec.channels ?? [])) {
    api.addChannel(channel, [U.operator, U.alice, U.mallory]);
  }
  const labSpecs: SimulatedLabSpec[] = specs.map((spec, index) => ({
    kind: 'simulated',
    simulator: sims[index]!.sim,
    ...(many
      ? {
          name: `lab${index + 1}`,
          policy: spec.policy ?? options.policy ?? SLACK_POLICY,
          channels: spec.channels,
          info: spec.lab,
        }
      : {}),
  }));
  const composed = await createLabs({
    labs: labSpecs,
    store: { path: join(dir, 'labops.db') },
    // One lab: the tests' engine client; several: each simulator's own waits.
    ...(many ? {} : { engine: getTestEngineOptions(lab.sim) }),
    clock: () => Date.now(),
    logger,
    // The harness's ISO sources are on loopback (http-source.ts): it opts in to them (issue 10 §2).
    downloads: LOOPBACK_SOURCES,
    ...(many ? {} : { policy: options.policy ?? SLACK_POLICY }),
    instructorPrincipals: options.instructors,
    commands: options.extraCommands,
    steps: options.extraSteps,
    resolveGroup: adapter.resolveGroup,
    // The sweep stays out of the tests' way: they expire cards through the flow.
    expiryCheckMs: 60_000,
    limits: options.plans?.limits,
    planTimers: options.plans?.planTimers,
    ...(options.lab ? { info: options.lab } : {}),
  });
  const { labs, store } = composed;
  const labops = labs.first;
  const { port } = await adapter.start(labs);
  const eventsUrl = port ? `http://127.0.0.1:${port}/slack/events` : undefined;
  if (socket) await socket.connected();

  const sendForm = async (body: string, retryNum?: number): Promise<Answer> =>
    postSigned(
      eventsUrl!,
      body,
      retryNum
        ? { headers: { 'x-slack-retry-num': String(retryNum), 'x-slack-retry-reason': 'http_timeout' } }
        : {},
    );

  const harness: SlackHarness = {
    mode: options.mode,
    api,
    socket,
    adapter,
    labops,
    labs,
    store,
    lab,
    sims,
    eventsUrl,
    async command(user, command, text, requestOptions = {}) {
      const body = commandBody(user, command, text, api.responseUrl(), requestOptions);
      if (socket) {
        const ack = await socket.send(
          'slash_commands',
          body,
          requestOptions.retryNum ? { retry_attempt: requestOptions.retryNum } : {},
        );
        return { status: 200, body: JSON.stringify(ack ?? {}) };
      }
      return sendForm(new URLSearchParams(body).toString(), requestOptions.retryNum);
    },
    async click(user, actionId, value, where, requestOptions = {}) {
      const payload = clickPayload(user, actionId, value, where, api.responseUrl(), requestOptions);
      if (socket) {
        const ack = await socket.send('interactive', payload);
        return { status: 200, body: JSON.stringify(ack ?? {}) };
      }
      return sendForm(`payload=${encodeURIComponent(JSON.stringify(payload))}`, requestOptions.retryNum);
    },
    async homeOpened(user, requestOptions = {}) {
      const envelope = {
        token: 'deprecated',
        team_id: 'T1',
        api_app_id: 'A1',
        type: 'event_callback',
        event_id: requestOptions.eventId ?? `Ev${randomUUID().slice(0, 8)}`,
        event_time: Math.floor(Date.now() / 1000),
        event: {
          type: 'app_home_opened',
          user,
          channel: `D${user}`,
          tab: 'home',
          event_ts: `${Date.now() / 1000}`,
        },
      };
      if (socket) {
        await socket.send(
          'events_api',
          envelope,
          requestOptions.retryNum ? { retry_attempt: requestOptions.retryNum } : {},
        );
        return { status: 200, body: '' };
      }
      return postSigned(eventsUrl!, JSON.stringify(envelope), {
        contentType: 'application/json',
        ...(requestOptions.retryNum
          ? { headers: { 'x-slack-retry-num': String(requestOptions.retryNum) } }
          : {}),
      });
    },
    async settle() {
      for (let round = 0; round < 50; round++) {
        await adapter.idle();
        const running = await store.listJobs({ statuses: ['queued', 'running'] });
        if (!running.length) {
          await adapter.idle();
          return;
        }
        await Promise.all(running.map((j) => labs.whenFinished(j.id)));
      }
    },
    async close() {
      await adapter.stop();
      await composed.close();
      await socket?.close();
      await api.close();
      await Promise.all(sims.map((sim) => sim.close()));
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return harness;
}

/** Polls `condition` every 2 ms, about 4 s at most; fails naming `what` if it never holds. */
export async function until(condition: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 2000 && !condition(); i++) await new Promise((r) => setTimeout(r, 2));
  if (!condition()) throw new Error(`never came: ${what}`);
}
