/**
 * Composition of the gateway: database → REST → WebSocketManager → handlers → outbox → health.
 * `startGateway` is used by main.ts (production) and by the end-to-end tests (against the simulator).
 */
import { API } from '@discordjs/core';
import { DiscordAPIError, REST, type RESTOptions } from '@discordjs/rest';
import { WebSocketManager, WebSocketShardEvents, type SessionInfo } from '@discordjs/ws';
import {
  GatewayIntentBits,
  type APIGatewayBotInfo,
  type GatewayDispatchPayload,
} from 'discord-api-types/v10';
import { createDb, type DbHandle } from '../db/client';
import { createLogger, type Logger } from '../db/log';
import { migrate } from '../db/migrate';
import {
  DEFAULT_ATTRIBUTION_CONFIG,
  type AttributionConfig,
} from './attribution/guild-attribution';
import {
  createInteractionHandler,
  dbCommandQueries,
  type CommandQueries,
} from './commands/interactions';
import { registerCommands } from './commands/registration';
import { SendClock } from './discord/send-clock';
import { SessionStore } from './discord/session-store';
import type { GatewayEnv } from './env';
import { FetchQueue } from './guilds/fetch-queue';
import { GuildRegistry } from './guilds/registry';
import type { Handler, HandlerContext } from './handlers/context';
import { createDispatcher, HANDLERS } from './handlers/dispatch';
import { OutboxSender } from './notify/outbox-sender';
import { startHealthServer } from './ops/health';
import { createMetrics, type Metrics } from './ops/metrics';
import { UserDirectory } from './persist/user-directory';

export const INTENTS =
  GatewayIntentBits.Guilds | GatewayIntentBits.GuildMembers | GatewayIntentBits.GuildInvites;

/** Close-code errors after which @discordjs/ws gives up, with what the operator must do. */
const FATAL_GATEWAY_ERRORS: Record<string, string> = {
  'Authentication failed':
    'Discord rejected DISCORD_TOKEN (close code 4004). Copy the token again from the Developer Portal → Bot.',
  'Used disallowed intents':
    'Discord refused the Server Members intent (close code 4014). Enable "Server Members Intent" in the Developer Portal → Bot → Privileged Gateway Intents.',
  'Used invalid intents': 'Discord rejected the intents (close code 4013).',
  'Invalid shard':
    'Discord rejected the shard settings (close code 4010); check SHARD_COUNT and SHARD_IDS.',
  'Sharding is required': 'Discord requires more shards (close code 4011); raise SHARD_COUNT.',
};

export class FatalGatewayError extends Error {
  override name = 'FatalGatewayError';
}

export type GatewayOptions = GatewayEnv & {
  log?: Logger;
  /** Use this database instead of opening one from `databaseUrl` (tests, or one process with the dashboard). */
  db?: DbHandle;
  attribution?: Partial<AttributionConfig>;
  rest?: Partial<RESTOptions>;
  /** Skip the 5 s spacing between shard identifies (the simulator does not enforce it). */
  fastIdentify?: boolean;
  /** Extra or replacement dispatch handlers (slash commands plug in here). */
  handlers?: Partial<Record<string, Handler>>;
  outboxPollMs?: number;
  /** Replace the commands' database queries (tests use slow ones). */
  commandQueries?: CommandQueries;
  /** Defer a command's reply when its answer takes longer than this (default 1000 ms). */
  commandDeferAfterMs?: number;
  /** Called when the gateway stops for good on its own (a fatal close code). */
  onFatal?: (error: FatalGatewayError) => void;
};

export type RunningGateway = {
  db: DbHandle;
  api: API;
  rest: REST;
  metrics: Metrics;
  registry: GuildRegistry;
  outbox: OutboxSender;
  manager: WebSocketManager;
  shardIds: number[];
  shardCount: number;
  healthPort: number;
  ready: () => boolean;
  applicationId: () => string | null;
  /** Waits until every guild's writes and the outbox are idle (tests). */
  settled: () => Promise<void>;
  stop: (options?: { resumable?: boolean }) => Promise<void>;
};

export async function startGateway(options: GatewayOptions): Promise<RunningGateway> {
  const log = options.log ?? createLogger('gateway');
  const metrics = createMetrics();
  const ownsDb = !options.db;
  const db = options.db ?? (await createDb(options.databaseUrl, { log }));
  if (ownsDb) await migrate(db, { log });

  const sendClock = new SendClock();
  const rest = new REST({
    api: options.apiBase,
    version: '10',
    makeRequest: sendClock.makeRequest,
    ...options.rest,
  }).setToken(options.token);
  rest.on('rateLimited', (info) => metrics.rateLimited.inc({ route: info.route }));
  const api = new API(rest);

  let gatewayInfo: APIGatewayBotInfo;
  try {
    gatewayInfo = (await rest.get('/gateway/bot')) as APIGatewayBotInfo;
  } catch (error) {
    if (ownsDb) await db.close();
    if (error instanceof DiscordAPIError && error.status === 401) {
      throw new FatalGatewayError(FATAL_GATEWAY_ERRORS['Authentication failed']);
    }
    throw error;
  }
  const shardCount = options.shardCount ?? gatewayInfo.shards;
  const shardIds = options.shardIds ?? Array.from({ length: shardCount }, (_, i) => i);

  let stopping = false;
  const now = () => Date.now();
  const sessions = new SessionStore(db.db, log);
  await sessions.load(shardIds, shardCount);
  const users = new UserDirectory(db.db, log);
  const outbox = new OutboxSender({
    db: db.db,
    api,
    log,
    metrics,
    shardCount,
    shardIds,
    pollMs: options.outboxPollMs,
    leaseSeconds: options.outboxLeaseSeconds,
  });
  const registry = new GuildRegistry({
    db: db.db,
    api,
    log,
    metrics,
    config: { ...DEFAULT_ATTRIBUTION_CONFIG, ...options.attribution },
    fetchQueue: new FetchQueue(8),
    now,
    onMessagesQueued: () => outbox.wake(),
    isStopping: () => stopping,
    sendClock,
  });

  let botUserId: string | null = null;
  let applicationId: string | null = options.applicationId;
  const ctx: HandlerContext = {
    db: db.db,
    api,
    log,
    metrics,
    registry,
    users,
    now,
    botUserId: () => botUserId,
    downtimeMemberScanLimit: options.downtimeMemberScanLimit,
  };

  const restoredJoins = await registry.restore(shardCount, shardIds);
  if (restoredJoins > 0)
    log.info({ joins: restoredJoins }, 'joins left pending at the last stop are being attributed');

  const manager = new WebSocketManager({
    token: options.token,
    intents: INTENTS,
    rest,
    shardCount,
    shardIds,
    retrieveSessionInfo: sessions.retrieve,
    updateSessionInfo: (shardId: number, info: SessionInfo | null) => {
      // On a resumable stop the session must survive the socket's close.
      if (!stopping) sessions.update(shardId, info);
    },
    ...(options.fastIdentify
      ? { buildIdentifyThrottler: () => ({ waitForIdentify: async () => {} }) }
      : {}),
  });

  const readyShards = new Set<number>();
  let commandsRegistered = false;
  manager.on(WebSocketShardEvents.Ready, (data, shardId) => {
    botUserId = data.user.id;
    applicationId ??= data.application.id;
    readyShards.add(shardId);
    log.info({ shardId, guilds: data.guilds.length }, 'shard ready');
    // One process registers the commands: the one running shard 0.
    if (shardId === 0 && !commandsRegistered) {
      commandsRegistered = true;
      registerCommands(api, applicationId, options.devGuildId, log).catch((err: unknown) =>
        log.error({ err }, 'could not register slash commands'),
      );
    }
  });
  manager.on(WebSocketShardEvents.Resumed, (shardId) => {
    readyShards.add(shardId);
    log.info({ shardId }, 'shard resumed');
  });
  manager.on(WebSocketShardEvents.Closed, (code, shardId) => {
    readyShards.delete(shardId);
    if (!stopping) log.warn({ shardId, code }, 'shard disconnected');
  });
  manager.on(WebSocketShardEvents.HeartbeatComplete, ({ latency }, shardId) => {
    metrics.gatewayLatency.set({ shard: String(shardId) }, latency);
  });

  let fatal: FatalGatewayError | null = null;
  manager.on(WebSocketShardEvents.Error, (error, shardId) => {
    const advice = FATAL_GATEWAY_ERRORS[error.message];
    if (advice) {
      fatal = new FatalGatewayError(advice);
      log.fatal({ shardId }, advice);
      options.onFatal?.(fatal);
    } else {
      log.error({ err: error, shardId }, 'gateway error');
    }
  });

  const interactions = createInteractionHandler({
    api,
    registry,
    metrics,
    queries: options.commandQueries ?? dbCommandQueries(db.db),
    now,
    deferAfterMs: options.commandDeferAfterMs ?? 1000,
  });
  const dispatch = createDispatcher(ctx, sessions, {
    ...HANDLERS,
    INTERACTION_CREATE: interactions,
    ...options.handlers,
  });
  manager.on(WebSocketShardEvents.Dispatch, (payload: GatewayDispatchPayload, shardId: number) => {
    if (!stopping) dispatch(payload, shardId);
  });

  const health = await startHealthServer(options.healthPort, options.healthHost, metrics.registry, {
    ready: () => shardIds.every((id) => readyShards.has(id)),
    detail: () => ({
      shards: shardIds.map((id) => ({ id, ready: readyShards.has(id) })),
      guilds: registry.size,
    }),
  });

  const timers = [
    setInterval(
      () =>
        void sessions
          .flush()
          .catch((err: unknown) => log.warn({ err }, 'could not store gateway sessions')),
      1000,
    ),
    setInterval(() => void users.flush(), 1000),
    setInterval(() => registry.sweep(), 60_000),
  ];
  outbox.start();

  const stop = async ({ resumable = true }: { resumable?: boolean } = {}) => {
    if (stopping) return;
    stopping = true;
    for (const timer of timers) clearInterval(timer);
    await manager.destroy(
      resumable ? { code: 4000, reason: 'restarting' } : { code: 1000, reason: 'shutting down' },
    );
    await Promise.all([...registry.all()].map((runner) => runner.idle()));
    for (const runner of registry.all()) runner.stop();
    await sessions
      .flush()
      .catch((err: unknown) => log.warn({ err }, 'could not store gateway sessions'));
    await users.flush();
    await outbox.stop();
    await health.close();
    if (ownsDb) await db.close();
  };

  try {
    await manager.connect();
  } catch (error) {
    await stop({ resumable: false });
    throw fatal ?? error;
  }
  if (fatal) {
    await stop({ resumable: false });
    throw fatal;
  }

  return {
    db,
    api,
    rest,
    metrics,
    registry,
    outbox,
    manager,
    shardIds,
    shardCount,
    healthPort: health.port,
    ready: () => shardIds.every((id) => readyShards.has(id)),
    applicationId: () => applicationId,
    settled: async () => {
      await Promise.all([...registry.all()].map((runner) => runner.idle()));
      await outbox.drained();
    },
    stop,
  };
}
