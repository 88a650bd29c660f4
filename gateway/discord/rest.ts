/**
 * The REST client (@discordjs/rest, with @discordjs/core's typed API on top) and the shard plan from
 * GET /gateway/bot. A rejected token is a fatal start error with what to do about it.
 */
import { API } from '@discordjs/core';
import { DefaultRestOptions, DiscordAPIError, REST, type RESTOptions } from '@discordjs/rest';
import type { APIGatewayBotInfo } from 'discord-api-types/v10';
import type { Metrics } from '../ops/metrics';
import { FATAL_GATEWAY_ERRORS, FatalGatewayError } from './shards';
import { RequestPacer, isGloballyLimited } from './request-pacer';
import { withRetries } from './retry';
import type { SendClock } from './send-clock';

const START_RETRIES = { attempts: 5, baseMs: 500, capMs: 5000 };
const IDLE_QUEUE_SWEEP_MS = 60_000;
/** Requests whose latency differs by up to this much still stay under the global limit. */
const GLOBAL_LIMIT_MARGIN_MS = 100;

export function createRest(
  options: { token: string; apiBase: string },
  metrics: Metrics,
  sendClock: SendClock,
  overrides: Partial<RESTOptions> = {},
): { rest: REST; api: API } {
  const pacer = new RequestPacer(
    overrides.globalRequestsPerSecond ?? DefaultRestOptions.globalRequestsPerSecond,
    1000 + GLOBAL_LIMIT_MARGIN_MS,
  );
  const rest = new REST({
    api: options.apiBase,
    version: '10',
    // Callers retry (retry.ts): one layer, with jitter, instead of four tries per attempt of ours.
    retries: 0,
    // A queue per route and major parameter (a guild's invites, a channel's messages) outlives its
    // last request until the sweep: hourly by default, 500 bytes per guild. Idle queues hold no
    // rate-limit state worth keeping (a limited one is not idle), so they go after a minute.
    handlerSweepInterval: IDLE_QUEUE_SWEEP_MS,
    makeRequest: async (url, init) => {
      if (isGloballyLimited(url)) await pacer.take();
      return sendClock.makeRequest(url, init);
    },
    ...overrides,
  }).setToken(options.token);
  rest.on('rateLimited', (info) => metrics.rateLimited.inc({ route: info.route }));
  return { rest, api: new API(rest) };
}

/**
 * Drops the REST client's idle per-route queues now, as its own sweep does (only queues with nothing
 * waiting and no rate limit in force): after the start's priming, one per guild would wait a minute.
 */
export function sweepIdleRestQueues(rest: REST): number {
  return rest.handlers.sweep((handler) => handler.inactive);
}

export type ShardPlan = { shardCount: number; shardIds: number[] };

/** The shards this process runs: as configured, else Discord's recommended count, all of them. */
export async function planShards(
  rest: REST,
  options: { shardCount: number | null; shardIds: number[] | null },
): Promise<ShardPlan> {
  let info: APIGatewayBotInfo;
  try {
    info = (await withRetries(() => rest.get('/gateway/bot'), START_RETRIES)) as APIGatewayBotInfo;
  } catch (error) {
    if (error instanceof DiscordAPIError && error.status === 401) {
      throw new FatalGatewayError(FATAL_GATEWAY_ERRORS['Authentication failed']!);
    }
    throw error;
  }
  const shardCount = options.shardCount ?? info.shards;
  return {
    shardCount,
    shardIds: options.shardIds ?? Array.from({ length: shardCount }, (_, i) => i),
  };
}
