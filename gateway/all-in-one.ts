/**
 * The gateway and the dashboard in one process, on one database handle: required for embedded PGlite
 * (one process per data directory), fine on Postgres. This module is the only code that knows both
 * apps; `npm start` (start.ts) and `npm run demo` run through it.
 *
 * The dashboard is the built adapter-node handler. It reads its configuration from the environment
 * like any adapter-node app; the database handle reaches it with each request through SvelteKit's
 * `event.platform.req` (see the dashboard's hooks), so it never opens a second one.
 */
import { existsSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { fileURLToPath } from 'node:url';
import { parseConfig as parseDashboardConfig } from '../dashboard/src/lib/server/config/parse';
import type { DbHandle, RequestWithDb } from '../db/client';
import type { Logger } from '../db/shared/log';
import { startGateway } from './app';
import type { StopContext } from './ops/lifecycle';
import type { GatewayOptions, GatewayTestHooks } from './options';

/** Problems in the dashboard's part of the environment (the gateway's are checked by its own module). */
export function dashboardConfigProblems(env: Record<string, string | undefined>): string[] {
  const result = parseDashboardConfig(env);
  return result.ok ? [] : result.problems;
}

export type AllInOneOptions = {
  db: DbHandle;
  log: Logger;
  gateway: Omit<GatewayOptions, 'db' | 'log'>;
  web: { port: number; host: string };
  hooks?: GatewayTestHooks;
};

export type RunningAllInOne = { webPort: number; stop: (context: StopContext) => Promise<void> };

export async function startAllInOne(options: AllInOneOptions): Promise<RunningAllInOne> {
  const { db, log } = options;
  const web = await serveDashboard(db, options.web);
  log.info({ port: web.port }, `dashboard listening on port ${web.port}`);
  const gateway = await startGateway({ ...options.gateway, db, log }, options.hooks).catch(
    async (error: unknown) => {
      await web.close();
      throw error;
    },
  );
  return {
    webPort: web.port,
    stop: async (context) => {
      await gateway.stop(context);
      await web.close();
    },
  };
}

type NodeHandler = (req: IncomingMessage, res: ServerResponse, next: () => void) => void;

/** adapter-node's handler, one level up from this module both in source (gateway/) and bundled (build/). */
function handlerPath(): string {
  const path = fileURLToPath(new URL('../dashboard/build/handler.js', import.meta.url));
  if (!existsSync(path)) throw new Error('The dashboard is not built: run `npm run build` first.');
  return path;
}

async function serveDashboard(
  db: DbHandle,
  at: { port: number; host: string },
): Promise<{ port: number; close: () => Promise<void> }> {
  const { handler } = (await import(handlerPath())) as { handler: NodeHandler };
  const server = createServer((req, res) => {
    (req as RequestWithDb).db = db;
    handler(req, res, () => {
      res.statusCode = 404;
      res.end('Not found');
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(at.port, at.host, () => resolve());
  });
  const address = server.address();
  return {
    port: typeof address === 'object' && address ? address.port : at.port,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
