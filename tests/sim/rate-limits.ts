/**
 * Per-route buckets keyed like @discordjs/rest (route key + major parameter) and an optional global
 * limit. Every limited response carries the X-RateLimit-* headers; every 429 also Retry-After and
 * X-RateLimit-Scope, because the REST client spins in a hot loop without Retry-After.
 */
import { createHash } from 'node:crypto';
import type { RateLimitRule } from './types';

/**
 * Discord-like defaults (Discord publishes few exact numbers; these follow observed headers).
 * '*' applies to every route not listed; null means unlimited (interaction callbacks are not
 * rate limited by Discord).
 */
export const DEFAULT_RATE_LIMITS: Readonly<Record<string, RateLimitRule | null>> = {
  '*': { limit: 50, resetAfterMs: 1000 },
  'POST /channels/:id/messages': { limit: 5, resetAfterMs: 5000 },
  'GET /guilds/:id/invites': { limit: 20, resetAfterMs: 5000 },
  'GET /guilds/:id/vanity-url': { limit: 20, resetAfterMs: 5000 },
  'POST /users/@me/channels': { limit: 10, resetAfterMs: 10_000 },
  'PUT /applications/:id/commands': { limit: 5, resetAfterMs: 20_000 },
  'PUT /applications/:id/guilds/:id/commands': { limit: 5, resetAfterMs: 20_000 },
  'POST /interactions/:id/:token/callback': null,
  'POST /webhooks/:id/:token': { limit: 5, resetAfterMs: 2000 },
  'PATCH /webhooks/:id/:token/messages/@original': { limit: 5, resetAfterMs: 2000 },
  'GET /webhooks/:id/:token/messages/@original': { limit: 5, resetAfterMs: 2000 },
  'POST /oauth2/token': { limit: 20, resetAfterMs: 1000 },
};

type Bucket = { remaining: number; resetAt: number; rule: RateLimitRule };

export type BucketResult =
  | { limited: false; headers: Record<string, string> }
  | { limited: true; retryAfterMs: number; headers: Record<string, string> };

export function seconds(ms: number): string {
  return (Math.max(0, ms) / 1000).toFixed(3);
}

export class RateLimiter {
  readonly rules: Record<string, RateLimitRule | null>;
  global: { perSecond: number } | null;
  readonly #buckets = new Map<string, Bucket>();
  #globalWindowStart = 0;
  #globalCount = 0;

  constructor(
    overrides: Record<string, RateLimitRule | null>,
    global: { perSecond: number } | null,
  ) {
    this.rules = { ...DEFAULT_RATE_LIMITS, ...overrides };
    this.global = global;
  }

  ruleFor(routeKey: string): RateLimitRule | null {
    const rule = routeKey in this.rules ? this.rules[routeKey] : this.rules['*'];
    return rule ?? null;
  }

  setRule(routeKey: string, rule: RateLimitRule | null): void {
    this.rules[routeKey] = rule;
    for (const key of [...this.#buckets.keys()]) {
      if (key.startsWith(`${routeKey}|`) || routeKey === '*') this.#buckets.delete(key);
    }
  }

  /** Opaque per-route bucket id, like Discord's X-RateLimit-Bucket. */
  static bucketHash(routeKey: string): string {
    return createHash('sha1').update(routeKey).digest('hex').slice(0, 32);
  }

  /** Take one request from the bucket (a 429 takes nothing). */
  take(routeKey: string, major: string, now = Date.now()): BucketResult | null {
    const rule = this.ruleFor(routeKey);
    if (!rule) return null;
    const key = `${routeKey}|${major}`;
    let bucket = this.#buckets.get(key);
    if (!bucket || now >= bucket.resetAt || bucket.rule !== rule) {
      bucket = { remaining: rule.limit, resetAt: now + rule.resetAfterMs, rule };
      this.#buckets.set(key, bucket);
    }
    const limited = bucket.remaining <= 0;
    if (!limited) bucket.remaining--;
    const resetAfter = bucket.resetAt - now;
    const headers: Record<string, string> = {
      'X-RateLimit-Limit': String(rule.limit),
      'X-RateLimit-Remaining': String(bucket.remaining),
      'X-RateLimit-Reset': seconds(bucket.resetAt),
      'X-RateLimit-Reset-After': seconds(resetAfter),
      'X-RateLimit-Bucket': RateLimiter.bucketHash(routeKey),
    };
    return limited ? { limited, retryAfterMs: resetAfter, headers } : { limited, headers };
  }

  /** Fixed one-second window; returns the wait in ms when the global limit is exhausted. */
  takeGlobal(now = Date.now()): number | null {
    if (!this.global) return null;
    if (now - this.#globalWindowStart >= 1000) {
      this.#globalWindowStart = now;
      this.#globalCount = 0;
    }
    if (this.#globalCount >= this.global.perSecond) return this.#globalWindowStart + 1000 - now;
    this.#globalCount++;
    return null;
  }
}
