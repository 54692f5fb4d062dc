import type { Readable } from 'node:stream';
import { Agent, request } from 'undici';
import type { ImageSource } from './engine/image-upload.js';
import { LabopsError } from './errors.js';
import { cancelledBy } from './time.js';

/** ISO 9660: the volume descriptor's identifier `CD001` starts at byte 32769. */
const ISO_SIGNATURE_OFFSET = 32769;
const ISO_SIGNATURE = 'CD001';

/** What a source URL holds, learnt without downloading it. */
export interface SourceProbe {
  url: string;
  sizeBytes: number;
  isIso9660: boolean;
  /** The file name the URL ends with, e.g. `alma9.iso`. */
  fileName: string;
}

/** How commands and steps read ISO sources: probe first (plan), then stream (job). */
export interface DownloadPort {
  probe(url: string, signal?: AbortSignal): Promise<SourceProbe>;
  /** Streams the source; the body is never held whole in memory or written to disk. */
  open(url: string, signal?: AbortSignal): Promise<ImageSource>;
}

/** Checks a user-given URL: http(s) only, no credentials in it. */
export function parseSourceUrl(text: string): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new LabopsError('USAGE', `"${text.slice(0, 80)}" is not a URL.`, {
      hint: 'Give the ISO as an http(s) URL, e.g. https://mirror.example/alma9.iso.',
    });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new LabopsError('USAGE', `Only http and https URLs can be uploaded, not ${url.protocol}`, {
      hint: 'Put the ISO on a web server (a mirror, or python3 -m http.server next to it).',
    });
  }
  if (url.username || url.password) {
    throw new LabopsError(
      'USAGE',
      'A URL with a user name or password in it would put a secret in the chat.',
      {
        hint: 'Use a URL that needs no credentials.',
      },
    );
  }
  return url;
}

/**
 * Downloads over undici with a keep-alive agent. The probe asks for the bytes that hold the ISO
 * signature with a Range request (the total size comes back in Content-Range); a server that
 * ignores Range is read only up to the signature and then dropped.
 */
export function createHttpDownloads(
  options: { timeoutMs?: number } = {},
): DownloadPort & { close(): Promise<void> } {
  const agent = new Agent({
    headersTimeout: options.timeoutMs ?? 30_000,
    bodyTimeout: options.timeoutMs ?? 30_000,
  });
  return {
    async probe(text, signal) {
      const url = parseSourceUrl(text);
      const end = ISO_SIGNATURE_OFFSET + ISO_SIGNATURE.length - 1;
      const res = await send(url, { range: `bytes=${ISO_SIGNATURE_OFFSET}-${end}` }, agent, signal);
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
        throw new LabopsError('CONFLICT', `${url.host} does not say how big ${fileNameOf(url)} is.`, {
          hint: 'The server must send Content-Length (or Content-Range); a static file server does.',
        });
      }
      return {
        url: url.toString(),
        sizeBytes: size,
        isIso9660: signature === ISO_SIGNATURE,
        fileName: fileNameOf(url),
      };
    },
    async open(text, signal) {
      const url = parseSourceUrl(text);
      const res = await send(url, {}, agent, signal);
      if (res.statusCode !== 200) {
        await res.body.dump();
        throw sourceFailure(url, res.statusCode);
      }
      const size = Number(res.headers['content-length']);
      if (!Number.isFinite(size)) {
        res.body.destroy();
        throw new LabopsError('CONFLICT', `${url.host} does not say how big ${fileNameOf(url)} is.`);
      }
      return { sizeBytes: size, chunks: res.body as Readable };
    },
    close: () => agent.close(),
  };
}

async function send(
  url: URL,
  headers: Record<string, string>,
  agent: Agent,
  signal: AbortSignal | undefined,
) {
  try {
    return await request(url, {
      method: 'GET',
      headers,
      dispatcher: agent,
      signal,
      maxRedirections: 0,
    } as Parameters<typeof request>[1]);
  } catch (error) {
    if (signal?.aborted) throw cancelledBy(signal);
    // Only the error's code: the connection error text would tell a requester about the network.
    const code = (error as { code?: string }).code ?? 'the connection failed';
    throw new LabopsError('CONFLICT', `Cannot download from ${url.host} (${code}).`, {
      cause: error,
      hint: 'Check the URL and that the machine running labops can reach that server.',
    });
  }
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
  body.destroy();
  return Buffer.concat(parts).subarray(ISO_SIGNATURE_OFFSET, need).toString('latin1');
}

function sourceFailure(url: URL, status: number): LabopsError {
  return new LabopsError('CONFLICT', `${url.host} answered ${status} for ${fileNameOf(url)}.`, {
    hint:
      status === 404 ? 'Check the path of the ISO on the server.' : 'Check that the server serves the file.',
  });
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
          throw new LabopsError('CONFLICT', 'The source is not an ISO 9660 image (no CD001 at byte 32769).');
        }
      }
    }
    yield chunk;
  }
}
