/**
 * Fault injection. REST faults match requests by route key ("GET /guilds/:id/invites"), by a bare
 * path pattern ("/guilds/:id/invites", any method), by '*', or by a RegExp tested against both the
 * route key and "METHOD /concrete/path". Gateway faults act on the live sockets.
 */
import type { Core } from './core';
import type { RouteMatcher } from './types';

type RateLimitFault = {
  matcher: RouteMatcher;
  remaining: number;
  retryAfterMs: number;
  global: boolean;
  scope: 'user' | 'shared' | 'global';
};
type ServerErrorFault = { matcher: RouteMatcher; remaining: number; status: number };
type LatencyFault = { matcher: RouteMatcher; ms: number };

export type InjectedRateLimit = { retryAfterMs: number; global: boolean; scope: string };

export function routeMatches(
  matcher: RouteMatcher,
  method: string,
  path: string,
  routeKey: string,
): boolean {
  if (matcher === '*') return true;
  if (typeof matcher === 'string') {
    if (matcher === routeKey) return true;
    return matcher.startsWith('/') && routeKey.slice(routeKey.indexOf(' ') + 1) === matcher;
  }
  matcher.lastIndex = 0;
  if (matcher.test(routeKey)) return true;
  matcher.lastIndex = 0;
  return matcher.test(`${method} ${path}`);
}

export class FaultRegistry {
  readonly #core: Core;
  #latency: LatencyFault[] = [];
  #rateLimits: RateLimitFault[] = [];
  #serverErrors: ServerErrorFault[] = [];

  constructor(core: Core) {
    this.#core = core;
  }

  /** Add `ms` to every matching REST response (cumulative with restLatencyMs) until clear(). */
  latency(route: RouteMatcher, ms: number): void {
    this.#latency.push({ matcher: route, ms });
  }

  /**
   * The next `count` matching requests get a 429. `retryAfter` is in seconds like Discord's
   * retry_after (default 0.25); `retryAfterMs` wins when given.
   */
  rateLimit(
    route: RouteMatcher,
    o: {
      count: number;
      retryAfter?: number;
      retryAfterMs?: number;
      global?: boolean;
      scope?: 'user' | 'shared';
    },
  ): void {
    const retryAfterMs = o.retryAfterMs ?? (o.retryAfter ?? 0.25) * 1000;
    this.#rateLimits.push({
      matcher: route,
      remaining: o.count,
      retryAfterMs,
      global: o.global ?? false,
      scope: o.global ? 'global' : (o.scope ?? 'user'),
    });
  }

  /** The next `count` matching requests fail with `status` (default 500). */
  serverError(route: RouteMatcher, o: { count: number; status?: number }): void {
    this.#serverErrors.push({ matcher: route, remaining: o.count, status: o.status ?? 500 });
  }

  /** Abruptly drop every gateway socket (no close frame): clients RESUME. */
  dropConnections(shardId?: number): void {
    this.#core.gateway.dropConnections(shardId);
  }

  /** Send op 7 RECONNECT: clients close with 4200 and RESUME. */
  reconnect(shardId?: number): void {
    this.#core.gateway.sendReconnect(shardId);
  }

  /** Send op 9. resumable=false also ends the sessions, so clients must IDENTIFY again. */
  invalidateSession(resumable: boolean, shardId?: number): void {
    this.#core.gateway.invalidateSessions(resumable, shardId);
  }

  /** Close the sockets of one shard with an arbitrary close code. */
  closeShard(shardId: number, code: number): void {
    this.#core.gateway.closeShard(shardId, code);
  }

  /** Swallow the next `count` heartbeat ACKs: the client declares a zombie connection and resumes. */
  dropHeartbeatAcks(count: number): void {
    this.#core.gateway.heartbeatAckDrops += count;
  }

  /** Remove every pending REST fault (latency, 429, 5xx) and heartbeat-ACK drops. */
  clear(): void {
    this.#latency = [];
    this.#rateLimits = [];
    this.#serverErrors = [];
    this.#core.gateway.heartbeatAckDrops = 0;
  }

  /** @internal */
  latencyFor(method: string, path: string, routeKey: string): number {
    let ms = 0;
    for (const fault of this.#latency) {
      if (routeMatches(fault.matcher, method, path, routeKey)) ms += fault.ms;
    }
    return ms;
  }

  /** @internal Consumes one injected 429 if one matches. */
  takeRateLimit(method: string, path: string, routeKey: string): InjectedRateLimit | null {
    const fault = this.#rateLimits.find(
      (f) => f.remaining > 0 && routeMatches(f.matcher, method, path, routeKey),
    );
    if (!fault) return null;
    fault.remaining--;
    this.#rateLimits = this.#rateLimits.filter((f) => f.remaining > 0);
    return { retryAfterMs: fault.retryAfterMs, global: fault.global, scope: fault.scope };
  }

  /** @internal Consumes one injected 5xx if one matches. */
  takeServerError(method: string, path: string, routeKey: string): number | null {
    const fault = this.#serverErrors.find(
      (f) => f.remaining > 0 && routeMatches(f.matcher, method, path, routeKey),
    );
    if (!fault) return null;
    fault.remaining--;
    this.#serverErrors = this.#serverErrors.filter((f) => f.remaining > 0);
    return fault.status;
  }
}
