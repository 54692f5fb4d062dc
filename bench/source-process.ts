/**
 * The source of downloads as a process apart from the bot: generated ISO images over HTTP on
 * loopback, nothing on disk. Prints `{"base": URL}` and runs until stdin closes.
 * Serves /iso-<bytes>.iso for any size, and /trickle-<bytes>[-TAG].iso: a mirror that never
 * finishes its answer (issue 10 §1) — it ignores Range, answers 200 with the full length and
 * sends one byte every `--trickle-ms` (10 s by default). `GET /_open` answers how many trickling
 * answers are open now.
 */
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

const CHUNK = 1024 * 1024;
const template = Buffer.alloc(CHUNK);
for (let i = 0; i < CHUNK; i++) template[i] = i % 251;
const first = Buffer.from(template);
Buffer.from('CD001', 'latin1').copy(first, 32769);

const trickleAt = process.argv.indexOf('--trickle-ms');
const trickleMs = trickleAt >= 0 ? Number(process.argv[trickleAt + 1]) : 10_000;
let trickling = 0;

function trickle(res: ServerResponse, size: number): void {
  trickling++;
  res.writeHead(200, { 'content-length': size, 'content-type': 'application/octet-stream' });
  let sent = 0;
  const sendOne = () => {
    if (sent < Math.min(size, CHUNK)) res.write(first.subarray(sent, sent + 1));
    sent++;
  };
  sendOne();
  const timer = setInterval(sendOne, trickleMs);
  res.once('close', () => {
    clearInterval(timer);
    trickling--;
  });
}

const server = createServer((req, res) => {
  if (req.url === '/_open') {
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ trickling }));
    return;
  }
  const slow = Number(/^\/trickle-(\d+)(?:-[\w.]+)?\.iso$/.exec(req.url ?? '')?.[1]);
  if (Number.isFinite(slow)) {
    trickle(res, slow);
    return;
  }
  const size = Number(/^\/iso-(\d+)\.iso$/.exec(req.url ?? '')?.[1]);
  if (!Number.isFinite(size)) {
    res.writeHead(404).end();
    return;
  }
  res.writeHead(200, { 'content-length': size, 'content-type': 'application/octet-stream' });
  let sent = 0;
  const pump = () => {
    while (sent < size) {
      const n = Math.min(CHUNK, size - sent);
      const chunk = (sent === 0 ? first : template).subarray(0, n);
      sent += n;
      if (!res.write(chunk)) {
        res.once('drain', pump);
        return;
      }
    }
    res.end();
  };
  pump();
});
server.listen(0, '127.0.0.1', () => {
  const { port } = server.address() as AddressInfo;
  process.stdout.write(`${JSON.stringify({ base: `http://127.0.0.1:${port}` })}\n`);
});
process.stdin.resume();
process.stdin.on('end', () => {
  server.closeAllConnections();
  server.close(() => process.exit(0));
});
