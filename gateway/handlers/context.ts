/** What every gateway event handler gets. */
import type { API } from '@discordjs/core';
import type { Db } from '../../db/client';
import type { Logger } from '../../db/log';
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
};

/**
 * A handler for one dispatch type. `done` must be called once the event's effects are durable (or
 * the event is rejected): the gateway's resume point does not move past an event until then.
 */
export type Handler = (
  ctx: HandlerContext,
  data: unknown,
  done: () => void,
) => void | Promise<void>;

/** Logs and counts a dispatch we cannot use. */
export function rejectPayload(
  ctx: HandlerContext,
  event: string,
  problem: string,
  detail: Record<string, unknown> = {},
): void {
  ctx.metrics.badPayloads.inc({ event, problem });
  ctx.log.warn({ event, problem, ...detail }, 'ignored a gateway event');
}
