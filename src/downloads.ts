import { createHash } from 'node:crypto';
import { lookup as dnsLookup } from 'node:dns/promises';
import { isIP, type LookupFunction, type Socket } from 'node:net';
import { finished, type Readable } from 'node:stream';
import type { LoadedConfig } from './config.js';
import type { ImageSource } from './engine/image-upload.js';
import { LabopsError } from './errors.js';
import { msg, verbatim } from './i18n/text.js';
import { createAddressFence, createRefusal, type FenceRules, isRefusal } from './net/address-fence.js';
import { Agent, buildConnector, request } from './net/undici.js';
import { cancelledBy } from './time.js';

/** ISO 9660: the volume descriptor's identifier `CD001` starts at byte 32769. */
const ISO_SIGNATURE_OFFSET = 32769;
const ISO_SIGNATURE = 'CD001';
/** Redirects a probe follows, each target checked like the first URL (issue 10 §2). */
export const MAX_REDIRECTS = 3;
const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);

/** What a source URL holds, learnt without downloading it. */
export interface SourceProbe {
  /** The URL after redirects: the one the job downloads from. */
  url: string;
  /** The address labops checked and connected to for `url`: the job connects there too. */
  address: string;
  sizeBytes: number;
  isIso9660: boolean;
  /** The file name the URL ends with, e.g. `alma9.iso`. */
  fileName: string;
}

export interface OpenOptions {
  /** The address the plan checked: the download connects only there. */
  address?: string | undefined;
  signal?: AbortSignal | undefined;
}

/** How commands and steps read ISO sources: probe first (plan), then stream (job). */
export interface DownloadPort {
  probe(url: string, signal?: AbortSignal): Promise<SourceProbe>;
  /** Streams the source; the body is never held whole in memory or written to disk. */
  open(url: string, options?: OpenOptions): Promise<ImageSource>;
}

/** One resolved address of a name. */
export interface ResolvedAddress {
  address: string;
  family: 4 | 6;
}

export interface HttpDownloadsOptions extends FenceRules {
  timeoutMs?: number | undefined;
  /** The whole probe's deadline (default 15 s, inside a plan's 20), not a per-byte one. */
  probeTimeoutMs?: number | undefined;
  /** The probe's deadline signal; tests inject their own. */
  probeDeadline?: ((ms: number) => AbortSignal) | undefined;
  /** Name resolution; every address it answers is checked before a connection. Default: the system resolver. */
  resolve?: ((hostname: string) => Promise<ResolvedAddress[]>) | undefined;
}

/** Loopback, which the simulated lab's shell allows so that a try-out can serve ISOs itself. */
const LOOPBACK = ['127.0.0.0/8', '::1/128'];

/**
 * Where `/iso upload` may download from (issue 10 §2): the lab file's `downloads` (the bot's, for
 * every lab); the simulated labs allow loopback in the shell only (a try-out serves ISOs with
 * python3 -m http.server), and in Slack follow the default: public addresses only.
 */
export function getDownloadRules(config: Pick<LoadedConfig, 'mode' | 'labs' | 'downloads'>): FenceRules {
  if (config.labs.some((lab) => lab.kind === 'file')) {
    const { allowed_networks, allowed_hosts } = config.downloads;
    return { allowedNetworks: allowed_networks, allowedHosts: allowed_hosts };
  }
  return config.mode === 'shell' ? { allowedNetworks: LOOPBACK } : {};
}

/** Checks a user-given URL: http(s) only, no credentials in it. */
export function parseSourceUrl(text: string): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new LabopsError('USAGE', msg('ssh.download.notUrl', { url: verbatim(text.slice(0, 80)) }), {
      hint: msg('ssh.download.notUrlHint'),
    });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new LabopsError('USAGE', msg('ssh.download.notHttp', { protocol: verbatim(url.protocol) }), {
      hint: msg('ssh.download.notHttpHint'),
    });
  }
  if (url.username || url.password) {
    throw new LabopsError('USAGE', msg('ssh.download.credentials'), {
      hint: msg('ssh.download.credentialsHint'),
    });
  }
  return url;
}

/** The URL's host as a connection sees it: an IPv6 literal without its brackets. */
function hostOf(url: URL): string {
  return url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
}

const resolveWithSystem = async (hostname: string): Promise<ResolvedAddress[]> =>
  (await dnsLookup(hostname, { all: true, verbatim: true })).map((a) => ({
    address: a.address,
    family: a.family === 6 ? 6 : 4,
  }));

/**
 * Downloads over undici. Every connection goes through the fence: a literal address is checked
 * before connecting, a name's addresses inside the connector's `lookup`, so the address checked
 * is the address connected to (no second resolution); the host name still serves SNI and the
 * certificate check. A refused address gets one message whatever is there. The probe asks for the
 * bytes that hold the ISO signature with a Range request (the total size comes back in
 * Content-Range); a server that ignores Range is read only up to the signature and then dropped.
 */
export function createHttpDownloads(
  options: HttpDownloadsOptions = {},
): DownloadPort & { close(): Promise<void> } {
  const fence = createAddressFence(options);
  const resolve = options.resolve ?? resolveWithSystem;
  const timeoutMs = options.timeoutMs ?? 30_000;
  const agents = new Set<Agent>();

  /**
   * An agent for one origin's requests that connects only where the fence allows — only to
   * `pinned` when given — and records the address it connected to.
   */
  const createFencedAgent = (pinned: string | undefined) => {
    const connected: { address: string | undefined } = { address: undefined };
    const lookup: LookupFunction = (hostname, lookupOptions, callback) => {
      const answer = (error: Error | null, found: ResolvedAddress[]) => {
        const first = found[0];
        if (first && !error) connected.address ??= first.address;
        if (error || !first) {
          (callback as (e: Error) => void)(error ?? createRefusal());
          return;
        }
        if (lookupOptions.all) (callback as (e: null, a: ResolvedAddress[]) => void)(null, found);
        else callback(null, first.address, first.family);
      };
      resolve(hostname).then(
        (addresses) => {
          if (pinned !== undefined) {
            if (!addresses.some((a) => a.address === pinned)) {
              answer(
                new LabopsError('CONFLICT', msg('ssh.download.moved', { host: hostname, address: pinned }), {
                  hint: msg('ssh.download.movedHint'),
                }),
                [],
              );
              return;
            }
            const allowed = fence.allows(pinned, hostname);
            answer(allowed ? null : createRefusal(), [
              { address: pinned, family: isIP(pinned) === 6 ? 6 : 4 },
            ]);
            return;
          }
          answer(
            null,
            addresses.filter((a) => fence.allows(a.address, hostname)),
          );
        },
        (error: unknown) =>
          answer(
            new LabopsError('CONFLICT', msg('ssh.download.notResolved', { host: hostname }), {
              cause: error,
              hint: msg('ssh.download.notResolvedHint'),
            }),
            [],
          ),
      );
    };
    const connector = buildConnector({ timeout: timeoutMs, lookup } as buildConnector.BuildOptions);
    const connect: buildConnector.connector = (opts, callback) => {
      const literal = isIP(opts.hostname.replace(/^\[|\]$/g, ''))
        ? opts.hostname.replace(/^\[|\]$/g, '')
        : undefined;
      if (literal !== undefined) {
        connected.address = literal;
        // A literal address never reaches `lookup`: it is checked here, before any connection.
        if ((pinned !== undefined && literal !== pinned) || !fence.allows(literal, literal)) {
          callback(createRefusal(), null);
          return;
        }
      }
      connector(opts, (error, socket) => {
        const remote = (socket as Socket | null)?.remoteAddress;
        if (remote) connected.address = remote;
        (callback as (e: Error | null, s: typeof socket) => void)(error, socket);
      });
    };
    const agent = new Agent({ headersTimeout: timeoutMs, bodyTimeout: timeoutMs, connect });
    agents.add(agent);
    const release = () => {
      agents.delete(agent);
      agent.destroy().catch(() => undefined);
    };
    return { agent, connected, release };
  };

  /** One request through a fresh fenced agent; the agent goes when the answer's body is done. */
  const send = async (
    url: URL,
    headers: Record<string, string>,
    pinned: string | undefined,
    signal?: AbortSignal,
  ) => {
    const fenced = createFencedAgent(pinned);
    try {
      const res = await request(url, {
        method: 'GET',
        headers,
        dispatcher: fenced.agent,
        signal,
        maxRedirections: 0,
      } as Parameters<typeof request>[1]);
      res.body.once('close', fenced.release);
      return { res, address: fenced.connected.address ?? pinned ?? hostOf(url) };
    } catch (error) {
      fenced.release();
      if (signal?.aborted) throw cancelledBy(signal);
      if (isRefusal(error)) throw createRefusal();
      const own = findLabopsError(error);
      if (own) throw own;
      // Only the error's code: the connection error text would tell a requester about the network.
      const code = (error as { code?: string }).code;
      throw new LabopsError(
        'CONFLICT',
        code === undefined
          ? msg('ssh.download.connectionFailed', { host: url.host })
          : msg('ssh.download.cannotDownload', { host: url.host, code }),
        { cause: error, hint: msg('ssh.download.cannotDownloadHint') },
      );
    }
  };

  return {
    async probe(text, outer) {
      const first = parseSourceUrl(text);
      // One deadline for the whole probe, redirects and the signature's bytes included: a source
      // that sends a byte now and then never resets it (issue 10 §1).
      const probeMs = options.probeTimeoutMs ?? 15_000;
      const deadline = (options.probeDeadline ?? ((ms) => AbortSignal.timeout(ms)))(probeMs);
      const signal = outer ? AbortSignal.any([outer, deadline]) : deadline;
      try {
        let url = first;
        const end = ISO_SIGNATURE_OFFSET + ISO_SIGNATURE.length - 1;
        for (let redirects = 0; ; redirects++) {
          const { res, address } = await send(
            url,
            { range: `bytes=${ISO_SIGNATURE_OFFSET}-${end}` },
            undefined,
            signal,
          );
          if (REDIRECT_STATUSES.has(res.statusCode)) {
            await res.body.dump();
            url = followRedirect(url, res.headers.location, redirects);
            continue;
          }
          let size: number | undefined;
          let signature = '';
          if (res.statusCode === 206) {
            size = Number(/\/(\d+)$/.exec(String(res.headers['content-range'] ?? ''))?.[1]);
            signature = Buffer.from(await res.body.arrayBuffer()).toString('latin1');
          } else if (res.statusCode === 200) {
            size = Number(res.headers['content-length']);
            signature = await readSignature(res.body);
          } else {
            await res.body.dump();
            throw sourceFailure(url, res.statusCode);
          }
          if (!Number.isFinite(size) || size === undefined || size <= 0) {
            throw new LabopsError(
              'CONFLICT',
              msg('ssh.download.noSize', { host: url.host, file: fileNameOf(url) }),
              {
                hint: msg('ssh.download.noSizeHint'),
              },
            );
          }
          return {
            url: url.toString(),
            address,
            sizeBytes: size,
            isIso9660: signature === ISO_SIGNATURE,
            fileName: fileNameOf(url),
          };
        }
      } catch (error) {
        if (!deadline.aborted || outer?.aborted) throw error;
        throw new LabopsError(
          'TIMEOUT',
          msg('ssh.download.stalled', {
            host: first.host,
            file: fileNameOf(first),
            seconds: Math.round(probeMs / 1000),
          }),
          { hint: msg('ssh.download.stalledHint') },
        );
      }
    },
    async open(text, openOptions = {}) {
      const url = parseSourceUrl(text);
      const { res } = await send(url, {}, openOptions.address, openOptions.signal);
      if (res.statusCode !== 200) {
        await res.body.dump();
        throw sourceFailure(url, res.statusCode);
      }
      const size = Number(res.headers['content-length']);
      if (!Number.isFinite(size)) {
        discard(res.body);
        throw new LabopsError(
          'CONFLICT',
          msg('ssh.download.noSize', { host: url.host, file: fileNameOf(url) }),
        );
      }
      // A consumer that stops early destroys the body: that abort is no error of the process.
      res.body.on('error', () => undefined);
      return { sizeBytes: size, chunks: readChunks(res.body) };
    },
    async close() {
      await Promise.all([...agents].map((agent) => agent.destroy().catch(() => undefined)));
      agents.clear();
    },
  };
}

/** Chunks the upload waits for at most, beyond the body's own buffer (highWaterMark). */
const CHUNKS_AHEAD = 4;

/**
 * A body's chunks one by one, as the socket delivered them, with `destroy()` for a consumer that
 * stops early. A Readable's own async iterator calls `read()`, which joins every buffered chunk
 * into a new buffer: a copy of the bytes per step, and garbage that piled up to ~35 MB during an
 * upload before V8 collected it (issue 12 §6). Here the body flows into a queue of at most
 * CHUNKS_AHEAD chunks and is paused beyond that, so nothing is copied and little waits.
 */
function readChunks(body: Readable): AsyncIterable<Uint8Array> & { destroy(): void } {
  const queue: Uint8Array[] = [];
  let ended = false;
  let failure: Error | undefined;
  let wake: (() => void) | undefined;
  const notify = () => {
    const resolve = wake;
    wake = undefined;
    resolve?.();
  };
  body.on('data', (chunk: Uint8Array) => {
    queue.push(chunk);
    if (queue.length >= CHUNKS_AHEAD) body.pause();
    notify();
  });
  // An end, an error, or a close before the end (ERR_STREAM_PREMATURE_CLOSE), as for-await reports them.
  finished(body, (error) => {
    if (error) failure = error;
    else ended = true;
    notify();
  });
  return {
    async *[Symbol.asyncIterator]() {
      try {
        for (;;) {
          const chunk = queue.shift();
          if (chunk) {
            if (body.isPaused()) body.resume();
            yield chunk;
            continue;
          }
          if (failure) throw failure;
          if (ended) return;
          await new Promise<void>((resolve) => {
            wake = resolve;
          });
        }
      } finally {
        if (!ended) body.destroy();
      }
    },
    destroy: () => {
      body.destroy();
    },
  };
}

function findLabopsError(error: unknown): LabopsError | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 4 && current; depth++) {
    if (current instanceof LabopsError) return current;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

/** The next URL of a redirect, checked like the first: http(s), no credentials, at most MAX_REDIRECTS. */
function followRedirect(from: URL, location: string | string[] | undefined, redirects: number): URL {
  if (redirects >= MAX_REDIRECTS) {
    throw new LabopsError(
      'CONFLICT',
      msg('ssh.download.tooManyRedirects', { host: from.host, max: MAX_REDIRECTS }),
      {
        hint: msg('ssh.download.finalUrlHint'),
      },
    );
  }
  const target = Array.isArray(location) ? location[0] : location;
  let next: URL;
  try {
    next = new URL(target ?? '', from);
  } catch {
    next = from;
  }
  if (!target || next.href === from.href) {
    throw new LabopsError('CONFLICT', msg('ssh.download.noLocation', { host: from.host }), {
      hint: msg('ssh.download.finalUrlHint'),
    });
  }
  if ((next.protocol !== 'http:' && next.protocol !== 'https:') || next.username || next.password) {
    throw new LabopsError('CONFLICT', msg('ssh.download.badRedirect', { host: from.host }), {
      hint: msg('ssh.download.finalUrlHint'),
    });
  }
  return next;
}

/** Drops an answer's body: its abort is expected, never an unhandled error. */
function discard(body: Readable): void {
  body.on('error', () => undefined);
  body.destroy();
}

async function readSignature(body: Readable): Promise<string> {
  const need = ISO_SIGNATURE_OFFSET + ISO_SIGNATURE.length;
  const parts: Buffer[] = [];
  let have = 0;
  for await (const chunk of body) {
    parts.push(chunk as Buffer);
    have += (chunk as Buffer).length;
    if (have >= need) break;
  }
  discard(body);
  return Buffer.concat(parts).subarray(ISO_SIGNATURE_OFFSET, need).toString('latin1');
}

function sourceFailure(url: URL, status: number): LabopsError {
  return new LabopsError(
    'CONFLICT',
    msg('ssh.download.status', { host: url.host, status, file: fileNameOf(url) }),
    {
      hint: status === 404 ? msg('ssh.download.notFoundHint') : msg('ssh.download.statusHint'),
    },
  );
}

export function fileNameOf(url: URL): string {
  return decodeURIComponent(url.pathname.split('/').filter(Boolean).pop() ?? 'image.iso');
}

/** Passes chunks through, failing fast when the bytes at 32769 are not `CD001`. */
export async function* requireIso9660(chunks: AsyncIterable<Uint8Array>): AsyncIterable<Uint8Array> {
  const need = ISO_SIGNATURE_OFFSET + ISO_SIGNATURE.length;
  let head = Buffer.alloc(0);
  let checked = false;
  for await (const chunk of chunks) {
    if (!checked) {
      head = Buffer.concat([head, chunk]);
      if (head.length >= need) {
        checked = true;
        if (head.subarray(ISO_SIGNATURE_OFFSET, need).toString('latin1') !== ISO_SIGNATURE) {
          throw new LabopsError('CONFLICT', msg('ssh.download.notIso'));
        }
      }
    }
    yield chunk;
  }
}

/**
 * Passes chunks through while hashing them, holding the last chunk back until the source has
 * ended and its sha256 is `expected`: on a mismatch the upload never receives its last bytes, so
 * it fails and is cleaned up like any broken source.
 */
export async function* requireSha256(
  chunks: AsyncIterable<Uint8Array>,
  expected: string,
): AsyncIterable<Uint8Array> {
  const hash = createHash('sha256');
  let held: Uint8Array | undefined;
  for await (const chunk of chunks) {
    if (held) yield held;
    hash.update(chunk);
    held = chunk;
  }
  const actual = hash.digest('hex');
  if (actual !== expected) {
    throw new LabopsError('CONFLICT', msg('ssh.download.wrongSha256', { actual, expected }), {
      hint: msg('ssh.download.wrongSha256Hint'),
    });
  }
  if (held) yield held;
}
