import { Agent, request } from 'undici';
import type { Simulator } from '../../src/sim/index.js';

/** A tiny engine client for the simulator tests: real HTTPS over loopback with the sim's CA. */
export interface SimResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  // biome-ignore lint/suspicious/noExplicitAny: tests read engine JSON loosely.
  json: any;
}

export interface CallOptions {
  body?: unknown;
  headers?: Record<string, string>;
  /** Send no Accept: application/json (the engine then answers XML). */
  xml?: boolean;
  /** Send no Authorization. */
  anonymous?: boolean;
}

export class SimClient {
  readonly dispatcher: Agent;
  private token: string | undefined;

  constructor(readonly sim: Simulator) {
    this.dispatcher = new Agent({ connect: { ca: sim.caPem } });
  }

  async login(password = this.sim.password, scope = 'ovirt-app-api'): Promise<SimResponse> {
    const res = await this.raw('POST', `${this.sim.baseUrl}/ovirt-engine/sso/oauth/token`, {
      headers: { accept: 'application/json', 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'password',
        scope,
        username: this.sim.user,
        password,
      }).toString(),
    });
    if (res.status === 200) this.token = res.json.access_token;
    return res;
  }

  /** An API call; `path` is relative to `/ovirt-engine/api`. */
  async api(method: string, path: string, options: CallOptions = {}): Promise<SimResponse> {
    if (this.token === undefined && !options.anonymous) await this.login();
    const headers: Record<string, string> = { ...options.headers };
    if (!options.xml) headers.accept = 'application/json';
    if (!options.anonymous) headers.authorization = `Bearer ${this.token}`;
    let body: string | undefined;
    if (options.body !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(options.body);
    }
    return this.raw(method, `${this.sim.apiUrl}${path}`, {
      headers,
      ...(body === undefined ? {} : { body }),
    });
  }

  async raw(
    method: string,
    url: string,
    options: { headers?: Record<string, string>; body?: string | Buffer } = {},
  ): Promise<SimResponse> {
    const res = await request(url, {
      method: method as 'GET',
      dispatcher: this.dispatcher,
      headers: options.headers ?? {},
      ...(options.body === undefined ? {} : { body: options.body }),
    });
    const text = await res.body.text();
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    return { status: res.statusCode, headers: res.headers, text, json };
  }

  async get(path: string): Promise<SimResponse['json']> {
    const res = await this.api('GET', path);
    if (res.status !== 200) throw new Error(`GET ${path} answered ${res.status}: ${res.text}`);
    return res.json;
  }

  /** Polls `check` at the simulator's poll interval until it returns a value, or fails at the deadline. */
  async waitFor<T>(
    what: string,
    check: () => Promise<T | undefined | false>,
    deadlineMs?: number,
  ): Promise<T> {
    const deadline = Date.now() + (deadlineMs ?? this.sim.timing.longDeadlineMs);
    for (;;) {
      const value = await check();
      if (value !== undefined && value !== false) return value;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((resolve) => setTimeout(resolve, this.sim.timing.pollIntervalMs));
    }
  }

  async findByName(collection: string, singular: string, name: string): Promise<SimResponse['json']> {
    const list = await this.get(`/${collection}?search=${encodeURIComponent(`name=${name}`)}`);
    const found = list[singular]?.[0];
    if (!found) throw new Error(`no ${singular} named ${name}`);
    return found;
  }

  async waitForStatus(path: string, status: string): Promise<SimResponse['json']> {
    return this.waitFor(`${path} to be ${status}`, async () => {
      const entity = await this.get(path);
      return entity.status === status ? entity : undefined;
    });
  }

  async events(code?: number): Promise<{ code: string; description: string; correlation_id: string }[]> {
    const query = code === undefined ? '' : `?search=${encodeURIComponent(`type=${code}`)}`;
    return (await this.get(`/events${query}`)).event ?? [];
  }

  async close(): Promise<void> {
    await this.dispatcher.close();
  }
}
