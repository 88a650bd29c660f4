/** The gateway's health port: /healthz (ready only when every owned shard is connected) and /metrics. */
import { createServer, type Server } from 'node:http';
import type { Registry } from 'prom-client';

export type HealthState = { ready: () => boolean; detail: () => Record<string, unknown> };

export async function startHealthServer(
  port: number,
  host: string,
  registry: Registry,
  state: HealthState,
): Promise<{ server: Server; port: number; close: () => Promise<void> }> {
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/healthz') {
      const ready = state.ready();
      res.writeHead(ready ? 200 : 503, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ status: ready ? 'ok' : 'starting', ...state.detail() }));
    } else if (path === '/metrics') {
      registry
        .metrics()
        .then((text) => {
          res.writeHead(200, { 'content-type': registry.contentType });
          res.end(text);
        })
        .catch(() => {
          res.writeHead(500).end();
        });
    } else {
      res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"not found"}');
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const address = server.address();
  return {
    server,
    port: typeof address === 'object' && address ? address.port : port,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
