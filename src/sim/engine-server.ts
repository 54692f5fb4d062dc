import { randomBytes, randomUUID, X509Certificate } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer, type Server } from 'node:https';
import { type ApiAnswer, type ApiRequest, createApiRouter } from './api-routes.js';
import { type EngineModel, EVENT } from './engine-model.js';
import type { ImageioDaemon } from './imageio.js';
import { closeListener, listenOnFreePort } from './listener.js';
import { toServiceDocName } from './model/api-model.js';
import { toOpenSshEcdsaKey } from './ssh-key.js';
import type { FaultSpec, SimRequestRecord } from './types.js';
import { renderXml } from './xml.js';

/**
 * The engine's HTTPS front: SSO (ovirt-api.md §1.1, §1.3), pki-resource and health (§1.6), bearer
 * auth for `/ovirt-engine/api` (§1.2), Accept/XML (§1.5), Correlation-Id echo, the imageio proxy
 * path, and the test knobs that act on the transport: latency, injected faults, expired tokens.
 * Every answer is recorded in `requests`.
 */

const API_PREFIX = /^\/ovirt-engine\/api(?:\/v4)?(?=\/|$)/;
const MAX_RECORDS = 10_000;
const MAX_BODY = 1024 * 1024;
const TOKEN_SCOPE =
  'ovirt-app-api ovirt-ext=token-info:authz-search ovirt-ext=token-info:public-authz-search';

export interface EngineServerOptions {
  model: EngineModel;
  imageio: ImageioDaemon;
  user: string;
  password: string;
  caPem: string;
  engineSshPublicKey: string;
  tls: { key: string; cert: string };
  apiDependencies: Omit<Parameters<typeof createApiRouter>[0], 'model'>;
}

interface ActiveFault {
  spec: FaultSpec;
  remaining: number;
}

/** What the server sends: a JSON/XML answer of the API, or a raw one (HTML, text, garbage). */
interface Reply {
  status: number;
  headers: Record<string, string>;
  body: string;
  /** The connection is destroyed instead of answering. */
  drop?: boolean;
}

export class EngineServer {
  readonly requests: SimRequestRecord[] = [];
  private readonly tokens = new Set<string>();
  /** The JSON bodies of requests still being answered, for their record. */
  private readonly bodies = new WeakMap<IncomingMessage, unknown>();
  private readonly faults: ActiveFault[] = [];
  private latencyMs = 0;
  /** Until then the engine is starting again (`restart`). */
  private downUntil = 0;
  private server: Server | undefined;
  private readonly route: (req: ApiRequest) => ApiAnswer;

  constructor(private readonly options: EngineServerOptions) {
    this.route = createApiRouter({ model: options.model, ...options.apiDependencies });
  }

  setLatency(ms: number): void {
    this.latencyMs = Math.max(0, ms);
  }

  injectFault(spec: FaultSpec): void {
    this.faults.push({ spec, remaining: spec.count ?? 1 });
  }

  clearFaults(): void {
    this.faults.length = 0;
  }

  expireTokens(): void {
    this.tokens.clear();
  }

  /** A restart: tokens lost, connections dropped, and for `downMs` the proxy's 503 page (events stay in the model). */
  restart(downMs: number): void {
    this.tokens.clear();
    this.downUntil = Date.now() + Math.max(0, downMs);
    this.server?.closeAllConnections();
  }

  async listen(host: string): Promise<number> {
    const server = createServer(
      { key: this.options.tls.key, cert: this.options.tls.cert, requestTimeout: 0 },
      (req, res) => this.handle(req, res),
    );
    this.server = server;
    return listenOnFreePort(server, host);
  }

  close(): Promise<void> {
    return closeListener(this.server);
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', 'https://engine');
    // The engine's imageio proxy: transfers' proxy_url points here (ovirt-api.md §5.2).
    if (url.pathname.startsWith('/images/')) {
      this.options.imageio.handle(req, res);
      return;
    }
    const correlationId =
      headerValue(req.headers['correlation-id']) ?? url.searchParams.get('correlation_id') ?? randomUUID();
    void this.answer(req, url, correlationId).then(
      (reply) => this.send(req, res, reply, correlationId),
      (error: unknown) =>
        this.send(
          req,
          res,
          jsonReply(500, { reason: 'Operation Failed', detail: `Internal error: ${String(error)}` }),
          correlationId,
        ),
    );
  }

  private async answer(req: IncomingMessage, url: URL, correlationId: string): Promise<Reply> {
    const method = req.method ?? 'GET';
    const apiMatch = API_PREFIX.exec(url.pathname);
    const body = await readBody(req);
    const fault = this.takeFault(method, apiMatch ? url.pathname.slice(apiMatch[0].length) : url.pathname);
    if (fault) return faultReply(fault);
    if (Date.now() < this.downUntil) return faultReply({ spec: { kind: 'html', status: 503 }, remaining: 0 });
    if (url.pathname === '/ovirt-engine/sso/oauth/token' && method === 'POST')
      return this.issueToken(body, req);
    if (url.pathname === '/ovirt-engine/services/sso-logout' && method === 'POST')
      return this.revokeToken(body);
    if (url.pathname === '/ovirt-engine/services/pki-resource' && method === 'GET')
      return this.pkiResource(url);
    if (url.pathname === '/ovirt-engine/services/health' && method === 'GET') {
      return textReply(200, 'DB Up!Welcome to Health Status!', 'text/html;charset=UTF-8');
    }
    if (!apiMatch) return textReply(404, '<html><body><h1>404 Not Found</h1></body></html>', 'text/html');
    if (!this.isAuthorized(req)) {
      // §2.4: a 401 has an HTML (or empty) body, never JSON.
      return {
        ...textReply(
          401,
          '<html><head><title>Error</title></head><body>Unauthorized</body></html>',
          'text/html;charset=UTF-8',
        ),
        headers: { 'Content-Type': 'text/html;charset=UTF-8', 'WWW-Authenticate': 'Basic realm="RESTAPI"' },
      };
    }
    const { path, query } = splitMatrixParams(url.pathname.slice(apiMatch[0].length), url.searchParams);
    const routePath = path.replace(/\/+$/, '');
    const parsed = parseJsonBody(body);
    if (parsed.kind === 'json') this.bodies.set(req, redactSecrets(parsed.value));
    const refusal = this.refuseBody(req, method, routePath, parsed);
    if (refusal) return renderAnswer(refusal, wantsJson(req));
    const apiAnswer = this.route({
      method,
      path: routePath,
      query,
      body: parsed.kind === 'json' && isRecord(parsed.value) ? parsed.value : {},
      correlationId,
    });
    return renderAnswer(apiAnswer, wantsJson(req));
  }

  /**
   * The engine reads a JSON body with Jackson before any resource runs: a member, at any depth, that
   * the played version's model lacks for its type fails with 400 and the usage fault of
   * UsageFinder. Add/update bodies are their struct, action bodies the one type Action
   * (docs/ovirt-model/README.md, "How a mock should use it"). Query parameters are never checked.
   */
  private refuseBody(
    req: IncomingMessage,
    method: string,
    path: string,
    body: ParsedBody,
  ): ApiAnswer | undefined {
    if (body.kind === 'none' || body.kind === 'xml') return undefined;
    const api = this.options.model.engine.api;
    const operation = api.findOperation(method, path);
    if (operation?.bodyType !== undefined) {
      const refused =
        body.kind === 'invalid' || api.findUnknownMember(operation.bodyType, body.value) !== undefined;
      if (!refused) return undefined;
      const service = toServiceDocName(operation.service);
      const host = headerValue(req.headers.host) ?? 'engine';
      return {
        status: 400,
        body: {
          reason: 'Request syntactically incorrect.',
          detail: `For correct usage, see: https://${host}/ovirt-engine/apidoc#services/${service}/methods/${operation.method}`,
        },
        xmlRoot: 'fault',
      };
    }
    if (body.kind === 'json') return undefined;
    return {
      status: 400,
      body: { reason: 'Bad Request', detail: 'The request body is not valid JSON.' },
      xmlRoot: 'fault',
    };
  }

  private takeFault(method: string, path: string): ActiveFault | undefined {
    const fault = this.faults.find(
      (f) =>
        f.remaining > 0 &&
        (f.spec.method === undefined || f.spec.method.toUpperCase() === method) &&
        (f.spec.path === undefined ||
          (typeof f.spec.path === 'string' ? f.spec.path === path : f.spec.path.test(path))),
    );
    if (!fault) return undefined;
    fault.remaining--;
    if (fault.remaining <= 0) this.faults.splice(this.faults.indexOf(fault), 1);
    return fault;
  }

  /** §1.1: the password grant; failures are 400 in the REST-scope or the OAuth error shape. */
  private issueToken(body: string, req: IncomingMessage): Reply {
    const form = new URLSearchParams(body);
    const scope = form.get('scope') ?? '';
    const restScope = scope.split(/\s+/).includes('ovirt-app-api');
    const fail = (code: string, message: string): Reply =>
      jsonReply(
        400,
        restScope ? { error_code: code, error: message } : { error: code, error_description: message },
      );
    if (form.get('grant_type') !== 'password') {
      return fail(
        'unsupported_grant_type',
        'The authorization grant type is not supported by the authorization server.',
      );
    }
    const username = form.get('username') ?? '';
    if (!restScope) return fail('invalid_scope', 'The requested scope is invalid, unknown, or malformed.');
    if (username !== this.options.user || form.get('password') !== this.options.password) {
      return fail(
        'access_denied',
        `Cannot authenticate user '${username}': The username or password is incorrect..`,
      );
    }
    const token = randomBytes(32).toString('base64url');
    this.tokens.add(token);
    this.options.model.addEvent({
      code: EVENT.login,
      severity: 'normal',
      description: `User ${username}-authz connecting from '${req.socket.remoteAddress ?? '127.0.0.1'}' using session '${token.slice(0, 20)}' logged in.`,
      correlationId: randomUUID(),
    });
    return jsonReply(200, {
      access_token: token,
      scope: TOKEN_SCOPE,
      exp: Date.now() + 10 * 60 * 60 * 1000,
      token_type: 'bearer',
    });
  }

  /** §1.3: revokes the token; an `error` key would mean failure. */
  private revokeToken(body: string): Reply {
    const token = new URLSearchParams(body).get('token');
    if (token !== null && this.tokens.delete(token)) {
      this.options.model.addEvent({
        code: EVENT.logout,
        severity: 'normal',
        description: `User ${this.options.user}-authz logged out.`,
        correlationId: randomUUID(),
      });
    }
    return jsonReply(200, {});
  }

  /** §1.6: the CA certificate, and the engine's SSH public key for hosts' authorized_keys. */
  private pkiResource(url: URL): Reply {
    const resource = url.searchParams.get('resource');
    const format = url.searchParams.get('format');
    if (resource === 'ca-certificate' && format === 'X509-PEM-CA') {
      return textReply(200, this.options.caPem, 'application/x-x509-ca-cert');
    }
    if (resource === 'engine-certificate' && format === 'OPENSSH-PUBKEY') {
      return textReply(200, `${this.options.engineSshPublicKey}\n`, 'text/plain');
    }
    if (resource === 'ca-certificate' && format === 'OPENSSH-PUBKEY') {
      const jwk = new X509Certificate(this.options.caPem).publicKey.export({ format: 'jwk' });
      return textReply(200, `${toOpenSshEcdsaKey(jwk, 'ovirt-engine-ca')}\n`, 'text/plain');
    }
    return textReply(400, `Unsupported resource '${resource}' or format '${format}'`, 'text/plain');
  }

  private isAuthorized(req: IncomingMessage): boolean {
    const header = headerValue(req.headers.authorization) ?? '';
    const [scheme = '', credentials = ''] = header.split(/\s+/, 2);
    if (scheme.toLowerCase() === 'bearer') return this.tokens.has(credentials);
    // §1.4: Basic auth is deprecated but still accepted.
    if (scheme.toLowerCase() === 'basic') {
      return (
        Buffer.from(credentials, 'base64').toString('utf8') ===
        `${this.options.user}:${this.options.password}`
      );
    }
    return false;
  }

  private send(req: IncomingMessage, res: ServerResponse, reply: Reply, correlationId: string): void {
    const deliver = (): void => {
      this.record(req, reply.drop ? 0 : reply.status);
      if (reply.drop) {
        req.socket.destroy();
        return;
      }
      res.writeHead(reply.status, {
        ...reply.headers,
        'Correlation-Id': correlationId,
        'Content-Length': String(Buffer.byteLength(reply.body)),
      });
      res.end(reply.body);
    };
    if (this.latencyMs > 0) setTimeout(deliver, this.latencyMs).unref();
    else deliver();
  }

  private record(req: IncomingMessage, status: number): void {
    this.requests.push({
      method: req.method ?? 'GET',
      url: req.url ?? '/',
      status,
      correlationId: headerValue(req.headers['correlation-id']) ?? correlationIdFromUrl(req.url) ?? undefined,
      headers: { ...req.headers },
      body: this.bodies.get(req),
    });
    if (this.requests.length > MAX_RECORDS) this.requests.splice(0, this.requests.length - MAX_RECORDS);
  }
}

function correlationIdFromUrl(url: string | undefined): string | null {
  return new URL(url ?? '/', 'https://engine').searchParams.get('correlation_id');
}

function faultReply(fault: ActiveFault): Reply {
  const { kind } = fault.spec;
  switch (kind) {
    case 'server-error':
      return jsonReply(fault.spec.status ?? 500, {
        reason: 'Operation Failed',
        detail: 'Internal server error (injected by the lab simulator)',
      });
    case 'html':
      return textReply(
        fault.spec.status ?? 502,
        '<html><head><title>502 Proxy Error</title></head><body><h1>Proxy Error</h1><p>The proxy server received an invalid response from an upstream server.</p></body></html>',
        'text/html; charset=iso-8859-1',
      );
    case 'garbage':
      return textReply(fault.spec.status ?? 200, 'this is not json {{{', 'application/json');
    case 'drop':
      return { status: 0, headers: {}, body: '', drop: true };
    case 'locked':
      return jsonReply(fault.spec.status ?? 409, {
        reason: 'Operation Failed',
        detail: '[Related operation is currently in progress. Please try again later.]',
      });
  }
}

function renderAnswer(answer: ApiAnswer, json: boolean): Reply {
  if (answer.empty || answer.body === undefined) {
    // §8.12: an empty answer has no Content-Type at all.
    return { status: answer.status, headers: { ...answer.headers }, body: '' };
  }
  if (json)
    return {
      ...jsonReply(answer.status, answer.body),
      headers: { ...answer.headers, 'Content-Type': 'application/json' },
    };
  return {
    status: answer.status,
    headers: { ...answer.headers, 'Content-Type': 'application/xml' },
    body: renderXml(answer.xmlRoot ?? 'object', answer.body),
  };
}

function jsonReply(status: number, body: unknown): Reply {
  return { status, headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) };
}

function textReply(status: number, body: string, contentType: string): Reply {
  return { status, headers: { 'Content-Type': contentType }, body };
}

/** §1.5: the engine answers XML unless the client accepts JSON. */
function wantsJson(req: IncomingMessage): boolean {
  return /application\/json/i.test(headerValue(req.headers.accept) ?? '');
}

/** §1.5: matrix parameters (`/vms;max=10`) are an alternative to query parameters. */
function splitMatrixParams(path: string, search: URLSearchParams): { path: string; query: URLSearchParams } {
  const query = new URLSearchParams(search);
  const segments = path.split('/').map((segment) => {
    const [name = '', ...params] = segment.split(';');
    for (const param of params) {
      const [key = '', value = ''] = param.split('=');
      if (!query.has(key)) query.set(key, decodeURIComponent(value));
    }
    return name;
  });
  return { path: segments.join('/'), query };
}

type ParsedBody =
  | { kind: 'none' }
  /** XML clients post `<action/>`; the lab only needs their (empty) action bodies. */
  | { kind: 'xml' }
  | { kind: 'json'; value: unknown }
  | { kind: 'invalid' };

function parseJsonBody(body: string): ParsedBody {
  const trimmed = body.trim();
  if (trimmed === '') return { kind: 'none' };
  if (trimmed.startsWith('<')) return { kind: 'xml' };
  try {
    return { kind: 'json', value: JSON.parse(trimmed) as unknown };
  } catch {
    return { kind: 'invalid' };
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

async function readBody(req: IncomingMessage): Promise<string> {
  const parts: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size <= MAX_BODY) parts.push(buffer);
  }
  return Buffer.concat(parts).toString('utf8');
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/** A recorded API body, its passwords replaced (a host add carries `root_password`). */
function redactSecrets(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(redactSecrets);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value).map(([k, v]) => [k, /password/i.test(k) ? '(redacted)' : redactSecrets(v)]),
  );
}
