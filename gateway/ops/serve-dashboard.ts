/**
 * Serves the built dashboard (adapter-node's handler) from this process, sharing its database
 * handle: embedded PGlite allows one process per data directory, so with PGlite the gateway and
 * the dashboard must live together. The dashboard must be built (`npm run build`).
 */
import { existsSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { fileURLToPath } from 'node:url';
import type { DbHandle } from '../../db/client';
import { setDashboardDb } from '../../dashboard/src/lib/server/db';

type NodeHandler = (req: IncomingMessage, res: ServerResponse, next: () => void) => void;

/** adapter-node's handler: next to build/ when bundled, two levels up from gateway/ops/ in source. */
function handlerPath(): string {
  for (const candidate of [
    new URL('../dashboard/build/handler.js', import.meta.url),
    new URL('../../dashboard/build/handler.js', import.meta.url),
  ]) {
    const path = fileURLToPath(candidate);
    if (existsSync(path)) return path;
  }
  throw new Error('The dashboard is not built: run `npm run build` first.');
}

export async function serveDashboard(
  db: DbHandle,
  port: number,
  host: string,
): Promise<{ port: number; close: () => Promise<void> }> {
  setDashboardDb(db);
  const { handler } = (await import(handlerPath())) as { handler: NodeHandler };
  const server = createServer((req, res) =>
    handler(req, res, () => {
      res.statusCode = 404;
      res.end('Not found');
    }),
  );
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const address = server.address();
  return {
    port: typeof address === 'object' && address ? address.port : port,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
