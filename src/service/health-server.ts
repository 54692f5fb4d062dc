import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { LabopsError } from '../errors.js';
import { msg, verbatim } from '../i18n/text.js';
import type { Logger } from '../log.js';
import type { LabopsMetrics } from './metrics.js';
import type { Readiness } from './readiness.js';

export interface HealthServerOptions {
  /** Default 127.0.0.1: loopback only. */
  host?: string | undefined;
  /** 0: the system picks a free port. */
  port: number;
  readiness: Readiness;
  metrics: LabopsMetrics;
  logger: Logger;
}

export interface HealthServer {
  /** The port listened on (the one picked, for port 0). */
  readonly port: number;
  /** `http://127.0.0.1:9470`. */
  readonly url: string;
  close(): Promise<void>;
}

/**
 * The health port (issue 12 §3, §4), apart from anything Slack reaches: `GET /healthz` answers 200
 * while the process runs, `GET /readyz` 200 or 503 with each check named (readiness.ts), and
 * `GET /metrics` Prometheus's text. Anything else is 404; a method other than GET or HEAD is 405.
 */
export async function startHealthServer(options: HealthServerOptions): Promise<HealthServer> {
  const { readiness, metrics, logger } = options;
  const host = options.host ?? '127.0.0.1';
  const startedAt = Date.now();

  const answer = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const path = new URL(req.url ?? '/', 'http://labops').pathname;
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('allow', 'GET, HEAD');
      return sendJson(res, 405, { error: 'only GET and HEAD are answered here' });
    }
    if (path === '/healthz') {
      return sendJson(res, 200, {
        status: 'alive',
        uptimeSeconds: Math.round((Date.now() - startedAt) / 1000),
      });
    }
    if (path === '/readyz') {
      const report = await readiness.check();
      return sendJson(res, report.ready ? 200 : 503, {
        status: report.ready ? 'ready' : 'not ready',
        ...report,
      });
    }
    if (path === '/metrics') {
      const { contentType, body } = await metrics.render();
      res.writeHead(200, { 'content-type': contentType, 'cache-control': 'no-store' });
      res.end(body);
      return;
    }
    sendJson(res, 404, { error: 'not found: /healthz, /readyz and /metrics are served here' });
  };

  const server = createServer((req, res) => {
    answer(req, res).catch((error: unknown) => {
      logger.error({ err: error }, 'the health port could not answer');
      if (!res.headersSent) sendJson(res, 500, { error: 'internal error' });
      else res.destroy();
    });
  });
  // Probes and scrapers never hold the process: idle connections close soon, and at close.
  server.keepAliveTimeout = 5000;
  await new Promise<void>((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException) => {
      const address = host.includes(':') ? `[${host}]:${options.port}` : `${host}:${options.port}`;
      reject(
        new LabopsError(
          'CONFIG',
          msg('config.health.cannotListen', {
            address: verbatim(address),
            code: verbatim(error.code ?? error.message),
          }),
          { hint: msg('config.health.cannotListenHint'), cause: error },
        ),
      );
    };
    server.once('error', onError);
    server.listen(options.port, host, () => {
      server.off('error', onError);
      resolve();
    });
  });
  server.on('error', (error) => logger.warn({ err: error.message }, 'the health port failed'));
  const port = (server.address() as AddressInfo).port;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  logger.info({ url }, 'health and metrics served: /healthz, /readyz, /metrics');
  let closing: Promise<void> | undefined;
  return {
    port,
    url,
    close() {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closing;
    },
  };
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = `${JSON.stringify(body)}\n`;
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'cache-control': 'no-store',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}
