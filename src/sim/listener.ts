import type { Server } from 'node:https';
import type { AddressInfo } from 'node:net';

/** Listens on a port the system picks (loopback only, see index.ts); resolves to that port. */
export async function listenOnFreePort(server: Server, host: string): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, () => resolve());
  });
  return (server.address() as AddressInfo).port;
}

/** Closes a listener and every connection still open on it (keep-alive ones would hold it open). */
export async function closeListener(server: Server | undefined): Promise<void> {
  if (!server) return;
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}
