/**
 * Test helpers: a bot built only from the real @discordjs packages, pointed at a simulator. Each
 * bot gets its own session store (the package default is process-wide) and an error listener
 * (without one AsyncEventEmitter throws and connect() hangs).
 */
import { Client } from '@discordjs/core';
import { REST } from '@discordjs/rest';
import {
  WebSocketManager,
  WebSocketShardEvents,
  WebSocketShardStatus,
  type SessionInfo,
} from '@discordjs/ws';
import { GatewayIntentBits, type GatewayDispatchPayload } from 'discord-api-types/v10';
import type { Simulator } from './index';

export const BOT_INTENTS =
  GatewayIntentBits.Guilds | GatewayIntentBits.GuildMembers | GatewayIntentBits.GuildInvites;

export type ReceivedDispatch = { t: string; s: number; d: unknown; shardId: number };

export type TestBot = {
  rest: REST;
  gateway: WebSocketManager;
  client: Client;
  /** Every dispatch the manager emitted, in order. */
  events: ReceivedDispatch[];
  errors: Error[];
  /** Session info as the manager last stored it (what a bot would persist). */
  sessions: Map<number, SessionInfo>;
  waitForEvent(
    predicate: (e: ReceivedDispatch) => boolean,
    timeoutMs?: number,
  ): Promise<ReceivedDispatch>;
  destroy(): Promise<void>;
};

export type BotOptions = {
  /** REST token (default: the simulator's). */
  token?: string;
  /** Gateway token (default: same as `token`). */
  gatewayToken?: string;
  intents?: number;
  shardCount?: number | null;
  shardIds?: number[] | null;
  /** Session store to start from (a "persisted" session). */
  sessions?: Map<number, SessionInfo>;
  /** Keep the last non-null session even when the manager clears it (a crashed process's DB row). */
  keepSessions?: boolean;
  connect?: boolean;
};

export async function startBot(sim: Simulator, o: BotOptions = {}): Promise<TestBot> {
  const rest = new REST({ api: sim.api, offset: 0 }).setToken(o.token ?? sim.token);
  const sessions = o.sessions ?? new Map<number, SessionInfo>();
  const gateway = new WebSocketManager({
    token: o.gatewayToken ?? o.token ?? sim.token,
    rest,
    intents: o.intents ?? BOT_INTENTS,
    shardCount: o.shardCount ?? null,
    shardIds: o.shardIds ?? null,
    buildIdentifyThrottler: () => ({ waitForIdentify: async () => {} }),
    retrieveSessionInfo: (shardId) => sessions.get(shardId) ?? null,
    updateSessionInfo: (shardId, info) => {
      if (info) sessions.set(shardId, info);
      else if (!o.keepSessions) sessions.delete(shardId);
    },
  });
  const events: ReceivedDispatch[] = [];
  const errors: Error[] = [];
  gateway.on(WebSocketShardEvents.Error, (error) => {
    errors.push(error);
  });
  gateway.on(WebSocketShardEvents.Dispatch, (payload: GatewayDispatchPayload, shardId: number) => {
    events.push({ t: payload.t, s: payload.s, d: payload.d, shardId });
  });
  const client = new Client({ rest, gateway });
  const bot: TestBot = {
    rest,
    gateway,
    client,
    events,
    errors,
    sessions,
    async waitForEvent(predicate, timeoutMs = 5000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const found = events.find(predicate);
        if (found) return found;
        if (Date.now() > deadline) throw new Error(`no matching dispatch within ${timeoutMs} ms`);
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    },
    async destroy() {
      // @discordjs/ws race: destroying a shard that is still identifying makes a second internal
      // destroy null the close handler the first one awaits (destroy() never resolves, the shard
      // reconnects). Let shards settle on Ready or Idle first (bounded).
      const deadline = Date.now() + 3000;
      while (Date.now() < deadline) {
        const statuses = [...(await gateway.fetchStatus()).values()];
        if (
          statuses.every(
            (status) =>
              status === WebSocketShardStatus.Ready || status === WebSocketShardStatus.Idle,
          )
        ) {
          break;
        }
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      try {
        await gateway.destroy();
      } catch {
        // already destroyed
      }
    },
  };
  if (o.connect !== false) await gateway.connect();
  return bot;
}

/** Data of a dispatch, typed loosely for assertions. */
export function data(e: ReceivedDispatch): Record<string, unknown> {
  return e.d as Record<string, unknown>;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
