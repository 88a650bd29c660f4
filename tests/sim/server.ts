/**
 * One HTTP server on 127.0.0.1 for REST (/api, /api/vN), OAuth authorize, the /_sim control API
 * and, through the upgrade event, the gateway. The REST pipeline: match route → latency → injected
 * 5xx/429 → auth → global limit → route bucket → handler; every response is recorded.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Core } from './core';
import {
  ApiError,
  E,
  majorParameterFor,
  matchPattern,
  parseBody,
  redactBody,
  redactPath,
  routeKeyFor,
  stringify,
  type AuthInfo,
  type Reply,
  type RequestContext,
  type Route,
} from './http';
import { RateLimiter, seconds } from './rate-limits';
import { restRoutes } from './rest/index';
import type { AuthKind, RecordedRequest } from './types';

const API_PREFIX = /^\/api(?:\/v\d+)?(?=\/|$)/;
const AUTHORIZE_PATH = /^(?:\/api(?:\/v\d+)?)?\/oauth2\/authorize\/?$/;

/** The /_sim control API, provided by the Simulator (it drives the public API). */
export type ControlHandler = (method: string, url: URL, raw: Buffer) => Promise<Reply>;

export async function startServer(
  core: Core,
  port: number,
  control: ControlHandler,
): Promise<Server> {
  const server = createServer((req, res) => {
    handle(core, control, req, res).catch((error: unknown) => {
      console.error('[discord-sim] request failed', error);
      if (!res.headersSent)
        send(res, { status: 500, body: { message: '500: Internal Server Error', code: 0 } });
      else res.destroy();
    });
  });
  server.on('upgrade', (req, socket, head) => core.gateway.handleUpgrade(req, socket, head));
  server.keepAliveTimeout = 5000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  core.port = (server.address() as AddressInfo).port;
  return server;
}

function send(res: ServerResponse, reply: Reply): void {
  const headers: Record<string, string> = { ...reply.headers };
  let payload: string | undefined;
  if (reply.body !== undefined && reply.status !== 204) {
    payload = stringify(reply.body);
    headers['Content-Type'] = 'application/json';
    headers['Content-Length'] = String(Buffer.byteLength(payload));
  }
  res.writeHead(reply.status, headers);
  res.end(payload);
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

async function handle(
  core: Core,
  control: ControlHandler,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const url = new URL(req.url ?? '/', core.httpBase);
  if (url.pathname === '/_sim' || url.pathname.startsWith('/_sim/')) {
    const raw = await readBody(req);
    send(res, await control(req.method ?? 'GET', url, raw));
    return;
  }
  if (AUTHORIZE_PATH.test(url.pathname) && (req.method === 'GET' || req.method === 'HEAD')) {
    const at = Date.now();
    const reply = core.oauth.authorize(url, req.headers);
    record(core, {
      method: 'GET',
      path: '/oauth2/authorize',
      routeKey: 'GET /oauth2/authorize',
      query: Object.fromEntries([...url.searchParams].filter(([key]) => key !== 'code_challenge')),
      body: undefined,
      status: reply.status,
      at,
      auth: 'none',
      reason: null,
      interactionId: null,
    });
    send(res, reply);
    return;
  }
  const prefix = API_PREFIX.exec(url.pathname);
  if (!prefix) {
    await readBody(req);
    send(res, errorReply(E.notFound()));
    return;
  }
  // @discordjs/core encodes "@" (/users/%40me, /messages/%40original); route keys use the decoded form.
  const path = (url.pathname.slice(prefix[0].length) || '/').split('/').map(safeDecode).join('/');
  await handleRest(core, req, res, url, path);
}

function errorReply(error: ApiError): Reply {
  return { status: error.status, body: error.body };
}

function classifyAuth(core: Core, header: string | undefined): AuthInfo {
  if (!header) return { kind: 'none', bearer: null };
  if (header.startsWith('Bot ')) {
    return { kind: header.slice(4) === core.token ? 'bot' : 'invalid', bearer: null };
  }
  if (header.startsWith('Bearer ')) {
    const bearer = core.oauth.lookupAccess(header.slice(7));
    return bearer ? { kind: 'bearer', bearer } : { kind: 'invalid', bearer: null };
  }
  return { kind: 'invalid', bearer: null };
}

function authorized(route: Route, kind: AuthKind): boolean {
  switch (route.auth) {
    case 'none':
      return true;
    case 'bot':
      return kind === 'bot';
    case 'bearer':
      return kind === 'bearer';
    case 'bot-or-bearer':
      return kind === 'bot' || kind === 'bearer';
  }
}

async function handleRest(
  core: Core,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  path: string,
): Promise<void> {
  const at = Date.now();
  const method = (req.method ?? 'GET').toUpperCase();
  const raw = await readBody(req);
  const contentType = req.headers['content-type'] ?? '';
  const routeKey = routeKeyFor(method, path);
  const auth = classifyAuth(core, req.headers.authorization);
  const reasonHeader = req.headers['x-audit-log-reason'];
  const ctx: RequestContext = {
    core,
    method,
    path,
    params: {},
    query: url.searchParams,
    body: undefined,
    contentType,
    headers: req.headers,
    auth,
    interactionId: null,
  };
  let matched: Route | undefined;
  let pathKnown = false;
  for (const route of restRoutes) {
    const params = matchPattern(route.pattern, path);
    if (!params) continue;
    pathKnown = true;
    if (route.method === method) {
      matched = route;
      ctx.params = params;
      break;
    }
  }

  // Parsed up front so even rejected requests are recorded with their body; a parse error is
  // only reported once the request got past auth and rate limits, as Discord does.
  let parseError: ApiError | null = null;
  try {
    ctx.body = await parseBody(raw, contentType);
  } catch (error) {
    if (!(error instanceof ApiError)) throw error;
    parseError = error;
  }
  const reply = matched
    ? await runRoute(core, matched, ctx, routeKey, parseError)
    : errorReply(pathKnown ? E.methodNotAllowed() : E.notFound());
  send(res, reply);
  record(core, {
    method,
    path: redactPath(path),
    routeKey: matched ? routeKey : '',
    query: Object.fromEntries(url.searchParams),
    body: redactBody(ctx.body),
    status: reply.status,
    at,
    auth: auth.kind,
    reason: typeof reasonHeader === 'string' ? safeDecode(reasonHeader) : null,
    interactionId: ctx.interactionId,
  });
}

async function runRoute(
  core: Core,
  route: Route,
  ctx: RequestContext,
  routeKey: string,
  parseError: ApiError | null,
): Promise<Reply> {
  const { method, path } = ctx;
  const delay = core.config.restLatencyMs + core.faults.latencyFor(method, path, routeKey);
  if (delay > 0) await core.sleep(delay);

  const status = core.faults.takeServerError(method, path, routeKey);
  if (status !== null) return { status, body: { message: `${status}: Server Error`, code: 0 } };

  const injected = core.faults.takeRateLimit(method, path, routeKey);
  if (injected) {
    const headers: Record<string, string> = {
      'Retry-After': seconds(injected.retryAfterMs),
      'X-RateLimit-Scope': injected.scope,
    };
    if (injected.global) {
      headers['X-RateLimit-Global'] = 'true';
    } else {
      // Remaining 0 + Reset-After makes @discordjs/rest treat it as a bucket limit (rateLimited event).
      Object.assign(headers, {
        'X-RateLimit-Limit': String(core.limiter.ruleFor(routeKey)?.limit ?? 1),
        'X-RateLimit-Remaining': '0',
        'X-RateLimit-Reset': seconds(Date.now() + injected.retryAfterMs),
        'X-RateLimit-Reset-After': seconds(injected.retryAfterMs),
        'X-RateLimit-Bucket': RateLimiter.bucketHash(routeKey),
      });
    }
    return tooMany(core, routeKey, injected.retryAfterMs, injected.global, headers);
  }

  if (!authorized(route, ctx.auth.kind)) return errorReply(E.unauthorized());

  // The global limit covers bot-token requests; interaction endpoints are exempt, as on Discord.
  const exempt = path.startsWith('/interactions/') || path.startsWith('/webhooks/');
  if (ctx.auth.kind === 'bot' && !exempt) {
    const wait = core.limiter.takeGlobal();
    if (wait !== null) {
      return tooMany(core, routeKey, wait, true, {
        'Retry-After': seconds(wait),
        'X-RateLimit-Global': 'true',
        'X-RateLimit-Scope': 'global',
      });
    }
  }

  const bucket = core.limiter.take(routeKey, majorParameterFor(path));
  if (bucket?.limited) {
    return tooMany(core, routeKey, bucket.retryAfterMs, false, {
      ...bucket.headers,
      'Retry-After': seconds(bucket.retryAfterMs),
      'X-RateLimit-Scope': 'user',
    });
  }
  let reply: Reply;
  try {
    if (parseError) throw parseError;
    reply = await route.handler(ctx);
  } catch (error) {
    if (!(error instanceof ApiError)) throw error;
    reply = errorReply(error);
  }
  return bucket ? { ...reply, headers: { ...bucket.headers, ...reply.headers } } : reply;
}

function tooMany(
  core: Core,
  routeKey: string,
  retryAfterMs: number,
  global: boolean,
  headers: Record<string, string>,
): Reply {
  core.rateLimited++;
  if (global) core.globalRateLimited++;
  core.rateLimitedByRoute[routeKey] = (core.rateLimitedByRoute[routeKey] ?? 0) + 1;
  return {
    status: 429,
    headers,
    body: {
      message: 'You are being rate limited.',
      retry_after: Number(seconds(retryAfterMs)),
      global,
    },
  };
}

function record(core: Core, r: Omit<RecordedRequest, 'id' | 'durationMs'>): void {
  core.requests.push({ ...r, id: core.requests.length + 1, durationMs: Date.now() - r.at });
}

function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}
