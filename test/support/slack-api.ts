import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';

/**
 * The Slack Web API stand-in of design.md ("The Slack stand-in's contract") over real HTTP on
 * loopback: rate limits answered with 429 + Retry-After, `invalid_blocks` where Slack says it, the
 * file upload Slack uses today, DMs, channel members, user groups, App Home — and a record of every
 * call. Its own code: it shares nothing with the adapter, so a test against it can fail.
 */

/** Bot scopes each Web API method needs (Slack's method pages); the manifest must ask for exactly these. */
/**
 * Adds the Web API methods a stand-in saw to the run's record (see slack-methods-global-setup.ts),
 * so the manifest's scopes are checked against every method the whole suite used.
 */
function recordMethodsForTheRun(methods: readonly string[]): void {
  const dir = process.env.LABOPS_SLACK_METHODS_DIR;
  if (!dir || methods.length === 0) return;
  writeFileSync(join(dir, `${process.pid}-${randomUUID()}.json`), JSON.stringify([...new Set(methods)]));
}

export const SCOPES_BY_METHOD: Readonly<Record<string, readonly string[]>> = {
  'auth.test': [],
  // Called with the app-level token (connections:write), not a bot scope.
  'apps.connections.open': [],
  'chat.postMessage': ['chat:write'],
  'chat.update': ['chat:write'],
  'chat.postEphemeral': ['chat:write'],
  'conversations.open': ['im:write'],
  'conversations.members': ['channels:read', 'groups:read'],
  'usergroups.users.list': ['usergroups:read'],
  'users.info': ['users:read'],
  'views.publish': [],
  'files.getUploadURLExternal': ['files:write'],
  'files.completeUploadExternal': ['files:write'],
};

export interface StandInLimits {
  updatesPerWindow: number;
  updateWindowMs: number;
  postIntervalMs: number;
  postBurst: number;
  publishesPerWindow: number;
  publishWindowMs: number;
}

/** The contract's numbers, written here independently of the adapter's. */
export const CONTRACT_LIMITS: StandInLimits = {
  updatesPerWindow: 50,
  updateWindowMs: 60_000,
  postIntervalMs: 1000,
  postBurst: 3,
  publishesPerWindow: 100,
  publishWindowMs: 60_000,
};

export interface RecordedCall {
  method: string;
  args: Record<string, unknown>;
  at: number;
  status: number;
  ok: boolean;
  error?: string | undefined;
  token: string | undefined;
}

export interface StoredMessage {
  channel: string;
  ts: string;
  text: string;
  blocks: Record<string, unknown>[];
  threadTs: string | undefined;
  /** Every version, oldest first (the post, then each edit). */
  history: { text: string; blocks: Record<string, unknown>[] }[];
}

interface Channel {
  id: string;
  members: Set<string>;
  botMember: boolean;
  messages: StoredMessage[];
  tokens: number;
  refilledAt: number;
}

export interface StandInOptions {
  limits?: StandInLimits;
  botToken?: string;
  /** The URL `apps.connections.open` answers (the Socket Mode stand-in). */
  socketUrl?: () => string;
  botUserId?: string;
}

const JSON_FIELDS = new Set(['blocks', 'view', 'files', 'attachments']);

export class SlackApiStandIn {
  readonly calls: RecordedCall[] = [];
  readonly responses: { path: string; body: Record<string, unknown> }[] = [];
  readonly homes = new Map<string, Record<string, unknown>[]>();
  readonly files = new Map<
    string,
    {
      filename: string;
      length: number;
      bytes?: Buffer;
      channel?: string | undefined;
      threadTs?: string | undefined;
      title?: string | undefined;
    }
  >();
  readonly groups = new Map<string, string[]>();
  /** Each user's Slack locale (`ko-KR`); `en-US` for anyone not named, as Slack's default. */
  readonly locales = new Map<string, string>();
  readonly failingGroups = new Set<string>();
  rateLimited = 0;
  /** Answer latency of every call, ms. */
  latencyMs = 0;
  private readonly channels = new Map<string, Channel>();
  private readonly updates: number[] = [];
  private readonly publishes: number[] = [];
  private readonly server: Server;
  private readonly options: {
    limits: StandInLimits;
    botToken: string;
    botUserId: string;
    socketUrl: (() => string) | undefined;
  };
  private tsCounter = 0;
  base = '';

  private constructor(options: StandInOptions) {
    this.options = {
      limits: options.limits ?? CONTRACT_LIMITS,
      botToken: options.botToken ?? 'xoxb-test',
      botUserId: options.botUserId ?? 'UBOT',
      socketUrl: options.socketUrl,
    };
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((error: unknown) => {
        res.writeHead(500).end(String(error));
      });
    });
  }

  static async start(options: StandInOptions = {}): Promise<SlackApiStandIn> {
    const standIn = new SlackApiStandIn(options);
    await new Promise<void>((resolve) => standIn.server.listen(0, '127.0.0.1', resolve));
    standIn.base = `http://127.0.0.1:${(standIn.server.address() as AddressInfo).port}/`;
    return standIn;
  }

  /** What SLACK_API_URL is set to. */
  get apiUrl(): string {
    return `${this.base}api/`;
  }

  setSocketUrl(url: () => string): void {
    this.options.socketUrl = url;
  }

  addChannel(id: string, members: string[], options: { botMember?: boolean } = {}): void {
    this.channels.set(id, {
      id,
      members: new Set(members),
      botMember: options.botMember ?? true,
      messages: [],
      tokens: this.options.limits.postBurst,
      refilledAt: Date.now(),
    });
  }

  /** A fresh response_url for one command or click. */
  responseUrl(): string {
    return `${this.base}respond/${randomUUID()}`;
  }

  messages(channel: string): StoredMessage[] {
    return this.channels.get(channel)?.messages ?? [];
  }

  message(channel: string, ts: string): StoredMessage | undefined {
    return this.messages(channel).find((m) => m.ts === ts);
  }

  /** Replies in the thread of `ts`, oldest first. */
  thread(channel: string, ts: string): StoredMessage[] {
    return this.messages(channel).filter((m) => m.threadTs === ts);
  }

  callsOf(method: string): RecordedCall[] {
    return this.calls.filter((c) => c.method === method);
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    recordMethodsForTheRun(this.calls.map((c) => c.method));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks);
    const url = new URL(req.url ?? '/', this.base);
    if (this.latencyMs) await new Promise((r) => setTimeout(r, this.latencyMs));
    if (url.pathname === '/_calls') {
      // For a stand-in running as its own process (the benchmark): what it recorded.
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          rateLimited: this.rateLimited,
          calls: this.calls.map(({ token: _t, ...c }) => c),
          responses: this.responses.length,
        }),
      );
      return;
    }
    if (url.pathname.startsWith('/respond/')) {
      this.responses.push({
        path: url.pathname,
        body: JSON.parse(raw.toString() || '{}') as Record<string, unknown>,
      });
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
      return;
    }
    if (url.pathname.startsWith('/upload/')) {
      const file = this.files.get(url.pathname.slice('/upload/'.length));
      if (!file) {
        res.writeHead(404).end();
        return;
      }
      file.bytes = raw;
      res.writeHead(200, { 'content-type': 'text/plain' }).end(`OK - ${raw.length}`);
      return;
    }
    const method = url.pathname.replace(/^\/api\//, '');
    const args = this.parseArgs(req.headers['content-type'], raw);
    const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    const answer = this.answer(method, args, token);
    this.calls.push({
      method,
      args,
      at: Date.now(),
      status: answer.status,
      ok: answer.body.ok === true,
      error: answer.body.error as string | undefined,
      token,
    });
    if (answer.status === 429) this.rateLimited++;
    res.writeHead(answer.status, {
      'content-type': 'application/json',
      ...(answer.retryAfter !== undefined ? { 'retry-after': String(answer.retryAfter) } : {}),
    });
    res.end(JSON.stringify(answer.body));
  }

  private parseArgs(contentType: string | undefined, raw: Buffer): Record<string, unknown> {
    const text = raw.toString();
    if (contentType?.startsWith('application/json'))
      return JSON.parse(text || '{}') as Record<string, unknown>;
    const args: Record<string, unknown> = {};
    for (const [key, value] of new URLSearchParams(text)) {
      args[key] = JSON_FIELDS.has(key) ? JSON.parse(value) : value;
    }
    return args;
  }

  private answer(
    method: string,
    args: Record<string, unknown>,
    token: string | undefined,
  ): { status: number; body: Record<string, unknown>; retryAfter?: number } {
    const ok = (body: Record<string, unknown> = {}) => ({ status: 200, body: { ok: true, ...body } });
    const fail = (error: string, extra: Record<string, unknown> = {}) => ({
      status: 200,
      body: { ok: false, error, ...extra },
    });
    if (method === 'apps.connections.open') {
      if (!token?.startsWith('xapp-')) return fail('invalid_auth');
      return this.options.socketUrl ? ok({ url: this.options.socketUrl() }) : fail('not_enabled');
    }
    if (token !== this.options.botToken) return fail('invalid_auth');
    const now = Date.now();
    const { limits } = this.options;
    switch (method) {
      case 'auth.test':
        return ok({
          user_id: this.options.botUserId,
          bot_id: 'BBOT',
          team_id: 'T1',
          user: 'labops',
          team: 'lab',
        });
      case 'chat.postMessage': {
        const channel = this.channels.get(String(args.channel));
        if (!channel) return fail('channel_not_found');
        if (!channel.botMember)
          return fail(channel.id.startsWith('C') ? 'not_in_channel' : 'channel_not_found');
        channel.tokens = Math.min(
          limits.postBurst,
          channel.tokens + (now - channel.refilledAt) / limits.postIntervalMs,
        );
        channel.refilledAt = now;
        if (channel.tokens < 1)
          return { status: 429, body: { ok: false, error: 'ratelimited' }, retryAfter: 1 };
        const invalid = checkBlocks(args.blocks, 50);
        if (invalid) return fail('invalid_blocks', { response_metadata: { messages: [invalid] } });
        channel.tokens -= 1;
        const ts = this.nextTs();
        const blocks = (args.blocks ?? []) as Record<string, unknown>[];
        const text = String(args.text ?? '');
        const threadTs = typeof args.thread_ts === 'string' ? args.thread_ts : undefined;
        if (threadTs && !channel.messages.some((m) => m.ts === threadTs)) return fail('thread_not_found');
        channel.messages.push({
          channel: channel.id,
          ts,
          text,
          blocks,
          threadTs,
          history: [{ text, blocks }],
        });
        return ok({ channel: channel.id, ts, message: { text, blocks } });
      }
      case 'chat.update': {
        const window = this.slide(this.updates, now, limits.updateWindowMs);
        if (window.length >= limits.updatesPerWindow) {
          return {
            status: 429,
            body: { ok: false, error: 'ratelimited' },
            retryAfter: Math.max(1, Math.ceil(((window[0] ?? now) + limits.updateWindowMs - now) / 1000)),
          };
        }
        const message = this.message(String(args.channel), String(args.ts));
        if (!message) return fail('message_not_found');
        const invalid = checkBlocks(args.blocks, 50);
        if (invalid) return fail('invalid_blocks', { response_metadata: { messages: [invalid] } });
        this.updates.push(now);
        message.text = String(args.text ?? message.text);
        // As Slack does: blocks left out are kept (slack-platform.md §2).
        if (args.blocks !== undefined) message.blocks = args.blocks as Record<string, unknown>[];
        message.history.push({ text: message.text, blocks: message.blocks });
        return ok({ channel: message.channel, ts: message.ts });
      }
      case 'views.publish': {
        const window = this.slide(this.publishes, now, limits.publishWindowMs);
        if (window.length >= limits.publishesPerWindow)
          return { status: 429, body: { ok: false, error: 'ratelimited' }, retryAfter: 1 };
        const view = args.view as { type?: string; blocks?: unknown } | undefined;
        if (view?.type !== 'home') return fail('invalid_arguments');
        const invalid = checkBlocks(view.blocks, 100);
        if (invalid) return fail('invalid_blocks', { response_metadata: { messages: [invalid] } });
        this.publishes.push(now);
        const user = String(args.user_id);
        this.homes.set(user, view.blocks as Record<string, unknown>[]);
        return ok({ view: { id: `V${user}`, type: 'home' } });
      }
      case 'conversations.open': {
        const user = String(args.users ?? '');
        if (!/^[UW][A-Z0-9]+$/.test(user)) return fail('user_not_found');
        const id = `D${user}`;
        if (!this.channels.has(id)) this.addChannel(id, [user, this.options.botUserId]);
        return ok({ channel: { id } });
      }
      case 'conversations.members': {
        const channel = this.channels.get(String(args.channel));
        if (!channel || (!channel.botMember && !channel.id.startsWith('C'))) return fail('channel_not_found');
        const all = [...channel.members, ...(channel.botMember ? [this.options.botUserId] : [])];
        const start = Number(args.cursor ?? 0);
        const limit = Math.min(Number(args.limit ?? 100), 2);
        const page = all.slice(start, start + limit);
        const next = start + limit < all.length ? String(start + limit) : '';
        return ok({ members: page, response_metadata: { next_cursor: next } });
      }
      case 'usergroups.users.list': {
        const id = String(args.usergroup);
        if (this.failingGroups.has(id)) return fail('plan_upgrade_required');
        const users = this.groups.get(id);
        return users ? ok({ users }) : fail('no_such_subteam');
      }
      case 'users.info': {
        const user = String(args.user ?? '');
        if (!/^[UW][A-Z0-9]+$/.test(user)) return fail('user_not_found');
        const withLocale = args.include_locale === true || args.include_locale === 'true';
        return ok({
          user: { id: user, ...(withLocale ? { locale: this.locales.get(user) ?? 'en-US' } : {}) },
        });
      }
      case 'files.getUploadURLExternal': {
        const id = `F${randomUUID().slice(0, 8).toUpperCase()}`;
        const length = Number(args.length);
        if (!args.filename || !Number.isFinite(length) || length <= 0) return fail('invalid_arguments');
        this.files.set(id, { filename: String(args.filename), length });
        return ok({ upload_url: `${this.base}upload/${id}`, file_id: id });
      }
      case 'files.completeUploadExternal': {
        const list = (args.files ?? []) as { id: string; title?: string }[];
        for (const f of list) {
          const file = this.files.get(f.id);
          if (!file?.bytes || file.bytes.length !== file.length) return fail('upload_incomplete');
          file.channel = typeof args.channel_id === 'string' ? args.channel_id : undefined;
          file.threadTs = typeof args.thread_ts === 'string' ? args.thread_ts : undefined;
          file.title = f.title;
        }
        return ok({ files: list.map((f) => ({ id: f.id, title: f.title })) });
      }
      default:
        return fail('unknown_method');
    }
  }

  private slide(times: number[], now: number, windowMs: number): number[] {
    while (times.length && (times[0] ?? 0) <= now - windowMs) times.shift();
    return times;
  }

  private nextTs(): string {
    this.tsCounter++;
    return `${Math.floor(Date.now() / 1000)}.${String(this.tsCounter).padStart(6, '0')}`;
  }
}

/** A block as recorded: only the fields the contract checks. */
interface BlockJson {
  type?: string;
  text?: { text?: unknown };
  accessory?: { type?: string; value?: unknown };
  elements?: { type?: string; value?: unknown }[];
}

/** What Slack refuses with `invalid_blocks` (the contract's list), or undefined when fine. */
export function checkBlocks(blocks: unknown, max: number): string | undefined {
  if (blocks === undefined) return undefined;
  if (!Array.isArray(blocks)) return 'blocks must be an array';
  if (blocks.length > max) return `more than ${max} blocks`;
  for (const [i, block] of (blocks as BlockJson[]).entries()) {
    if (block.type === 'section') {
      const text = block.text?.text;
      if (typeof text === 'string' && (text.length > 3000 || text.length === 0))
        return `[${i}] section text must be 1..3000 characters`;
      if (block.accessory?.type === 'button' && String(block.accessory.value ?? '').length > 2000)
        return `[${i}] button value over 2000`;
    }
    if (block.type === 'header' && String(block.text?.text ?? '').length > 150)
      return `[${i}] header text over 150`;
    if (block.type === 'actions') {
      for (const element of block.elements ?? []) {
        if (element.type === 'button' && String(element.value ?? '').length > 2000)
          return `[${i}] button value over 2000`;
      }
    }
  }
  return undefined;
}
