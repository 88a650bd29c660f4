/**
 * What an event handler is and what it gets. The dispatcher (dispatch.ts) does the common opening for
 * every event: validate the payload against its schema, count and log what we cannot use, and find
 * the guild's runner. A handler only does what is particular to its event.
 */
import type { API } from '@discordjs/core';
import type { z } from 'zod';
import type { Db } from '../../db/client';
import type { GuildInfo } from '../../db/queries/guilds';
import type { Logger } from '../../db/shared/log';
import type { EventName, EventPayloads } from '../discord/payloads';
import type { GuildRunner } from '../guilds/guild-runner';
import type { GuildRegistry } from '../guilds/registry';
import type { Metrics } from '../ops/metrics';
import type { UserDirectory } from '../persist/user-directory';

export type HandlerContext = {
  db: Db;
  api: API;
  log: Logger;
  metrics: Metrics;
  registry: GuildRegistry;
  users: UserDirectory;
  now: () => number;
  /** The bot's user id (known from READY). */
  botUserId: () => string | null;
  downtimeMemberScanLimit: number;
  /** After a failed member list (lost session), it is read again after these delays. */
  downtimeRetryDelaysMs: readonly number[];
  /** Stores guild rows in batches (thousands of GUILD_CREATEs come at a start); retried until done. */
  guildRows: { add: (guild: GuildInfo) => Promise<void> };
};

/**
 * `done` must be called once the event's effects are durable: the gateway's resume point does not
 * move past an event until then. The dispatcher calls it for rejected events and failed handlers.
 */
type Base<T> = {
  /** Called after a payload that does not parse was counted (e.g. to still answer an interaction). */
  onMalformed?: (ctx: HandlerContext, raw: unknown) => Promise<void>;
  /** Overrides the event's schema in EVENT_SCHEMAS (tests). */
  schema?: z.ZodType<T>;
};

/** A validated dispatch. */
export type HandledEvent<T> = {
  data: T;
  /** When the dispatch reached us (before any lookup). */
  receivedAt: number;
  done: () => void;
};

/** `scope: 'guild'`: an event about one guild; it runs with that guild's runner. */
export type GuildEventHandler<T> = Base<T> & {
  scope: 'guild';
  guildOf: (data: T) => string;
  /** An event for a guild we do not know is counted as rejected, unless this says to ignore it. */
  unknownGuild?: 'reject' | 'ignore';
  handle: (
    ctx: HandlerContext,
    event: HandledEvent<T>,
    runner: GuildRunner,
  ) => void | Promise<void>;
};

/** `scope: 'event'`: an event that needs no runner (or makes one: GUILD_CREATE). */
export type PlainEventHandler<T> = Base<T> & {
  scope: 'event';
  handle: (ctx: HandlerContext, event: HandledEvent<T>) => void | Promise<void>;
};

export type EventHandler<T> = GuildEventHandler<T> | PlainEventHandler<T>;

/** Handlers keyed by event name, each typed with its payload (as @discordjs/core's mapped events). */
export type EventHandlers = { [E in EventName]?: EventHandler<EventPayloads[E]> };

/** Logs and counts a dispatch we cannot use. */
export function rejectPayload(
  ctx: Pick<HandlerContext, 'metrics' | 'log'>,
  event: string,
  problem: string,
  detail: Record<string, unknown> = {},
): void {
  ctx.metrics.badPayloads.inc({ event, problem });
  ctx.log.warn({ event, problem, ...detail }, 'ignored a gateway event');
}
