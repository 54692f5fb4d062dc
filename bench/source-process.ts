/**
 * The source of downloads as a process apart from the bot: generated ISO images over HTTP on
 * loopback, nothing on disk. Prints `{"base": URL}` and runs until stdin closes.
 * Serves /iso-<bytes>.iso for any size.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

const CHUNK = 1024 * 1024;
const template = Buffer.alloc(CHUNK);
for (let i = 0; i < CHUNK; i++) template[i] = i % 251;
const first = Buffer.from(template);
Buffer.from('CD001', 'latin1').copy(first, 32769);

const server = createServer((req, res) => {
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
