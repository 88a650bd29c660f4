/**
 * The REST proxy (`npm run start:proxy`, entry gateway/proxy.ts): @discordjs/proxy in front of
 * Discord, so every gateway process and the dashboard share one set of rate-limit queues and one
 * global limit for the bot, instead of each process keeping its own and together exceeding Discord's
 * 50 requests/s. Requests keep their own Authorization header (the proxy holds no token). It waits
 * for limits rather than answering 429 (its REST client queues per route; the global limit is
 * paced here, see global-pacer.ts, and interaction responses are not held up by it), and leaves
 * retries of failures to the callers, who own them (the outbox's backoff). `/healthz` answers
 * here, everything else is forwarded.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { proxyRequests } from '@discordjs/proxy';
import { DefaultRestOptions, REST, RESTEvents } from '@discordjs/rest';
import type { Logger } from '../../db/shared/log';
import { countsTowardGlobalLimit, GlobalPacer } from './global-pacer';

/**
 * The global limit's window: a second plus a margin for the jitter between us and Discord (50 per
 * 1.5 s is 33 requests/s: a third of the limit traded for no 429s even when the machine is
 * overloaded, see global-pacer.ts).
 */
const GLOBAL_WINDOW_MS = 1500;

export type RestProxyOptions = {
  port: number;
  host: string;
  /** Discord's REST base (https://discord.com/api), or the simulator's in tests. */
  upstream: string;
  /** The bot's global limit: 50 unless Discord raised it for the bot. */
  globalRequestsPerSecond: number;
  log: Logger;
};

export type RunningRestProxy = {
  port: number;
  /** 429s the proxy got from upstream (each one it then waited out). */
  rateLimited: () => number;
  close: () => Promise<void>;
};

export async function startRestProxy(options: RestProxyOptions): Promise<RunningRestProxy> {
  const { log } = options;
  const pacer = new GlobalPacer(options.globalRequestsPerSecond, GLOBAL_WINDOW_MS);
  const rest = new REST({
    api: options.upstream,
    // The pacer keeps the global limit, at the moment a request leaves (after any wait for its
    // route's bucket); the client's own limit would also hold up interaction responses.
    globalRequestsPerSecond: Number.MAX_SAFE_INTEGER,
    retries: 0,
    makeRequest: async (url, init) => {
      const headers = init.headers as Record<string, string> | undefined;
      const auth = headers?.authorization ?? headers?.Authorization;
      if (countsTowardGlobalLimit(new URL(url).pathname, auth)) await pacer.acquire();
      return DefaultRestOptions.makeRequest(url, init);
    },
  });
  let rateLimited = 0;
  rest.on(RESTEvents.Response, (request, response) => {
    if (response.status !== 429) return;
    rateLimited += 1;
    log.warn({ route: request.route, method: request.method }, 'Discord answered 429 to the proxy');
  });
  const forward = proxyRequests(rest);
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    if (req.url === '/healthz') {
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}');
      return;
    }
    Promise.resolve(forward(req, res)).catch((error: unknown) => {
      // A network failure reaching Discord: the caller sees a 502 and retries as it would.
      log.warn({ err: error, method: req.method }, 'proxy request failed');
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'application/json' });
      res.end('{"message":"502: upstream request failed","code":0}');
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const address = server.address();
  return {
    port: typeof address === 'object' && address ? address.port : options.port,
    rateLimited: () => rateLimited,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
