/**
 * The parts app.ts composes, one builder each, so the composition reads in one screen. Builders take
 * the resolved options and the parts they depend on; none starts anything the lifecycle does not stop.
 */
import type { API } from '@discordjs/core';
import { upsertGuilds, type GuildInfo } from '../db/queries/guilds';
import { saveBaselines } from '../db/queries/invites';
import { DEFAULT_TIMING_CONFIG, TimingModel } from './attribution/timing';
import { registerCommands } from './commands/registration';
import { createInteractionHandler } from './commands/interactions';
import { PersonalLinks } from './commands/personal-link';
import { dbCommandQueries } from './commands/queries';
import { sweepIdleRestQueues, type ShardPlan } from './discord/rest';
import { withRetries } from './discord/retry';
import type { SendClock } from './discord/send-clock';
import type { SessionStore } from './discord/session-store';
import { Shards } from './discord/shards';
import { FetchQueue } from './guilds/fetch-queue';
import type { BaselineSnapshot, RunnerDeps } from './guilds/guild-runner';
import { GuildRegistry } from './guilds/registry';
import type { HandlerContext } from './handlers/context';
import { createDispatcher, HANDLERS } from './handlers/dispatch';
import { OutboxSender } from './notify/outbox-sender';
import { startHealthServer } from './ops/health';
import type { Lifecycle } from './ops/lifecycle';
import type { Metrics } from './ops/metrics';
import type { GatewayTestHooks, ResolvedGatewayOptions } from './options';
import { BatchWriter } from './persist/batch-writer';
import type { UserDirectory } from './persist/user-directory';

type Common = { api: API; metrics: Metrics };

const REGISTER_RETRIES = { attempts: 6, baseMs: 1000, capMs: 30_000 };

/** What READY tells us about ourselves. */
export type BotIdentity = { userId: string | null };

/**
 * The writes a start brings by the thousand, in batches (persist/batch-writer.ts): guild rows from
 * GUILD_CREATE and first baselines. Batches start 20 ms after their first item, at most 500 guilds.
 */
export function buildBatchWriters(options: ResolvedGatewayOptions, metrics: Metrics) {
  const batch = { maxItems: 500, delayMs: 20 };
  const hooks = { log: options.log, onRetry: () => metrics.dbRetries.inc() };
  const { db } = options.db;
  return {
    guildRows: new BatchWriter<GuildInfo>(
      'store guilds',
      (list) => upsertGuilds(db, list),
      batch,
      hooks,
    ),
    baselines: new BatchWriter<BaselineSnapshot>(
      'store first baselines',
      (list) => db.transaction((tx) => saveBaselines(tx, list)),
      batch,
      hooks,
    ),
  };
}

/** What the process measures about Discord's timing, shared by every guild (attribution/timing.ts). */
export function buildTiming(options: ResolvedGatewayOptions, metrics: Metrics) {
  const { attribution } = options;
  return new TimingModel(
    {
      ...DEFAULT_TIMING_CONFIG,
      eventFloorMs: attribution.settleMs,
      lagFloorMs: attribution.maxIncrementLagMs,
    },
    {
      delay: (s) => metrics.eventDelay.observe(s),
      lag: (s) => metrics.incrementLag.observe(s),
    },
  );
}

export function buildOutbox(
  options: ResolvedGatewayOptions,
  c: Common & { timing: TimingModel; sendClock: SendClock },
  plan: ShardPlan,
) {
  return new OutboxSender({
    ...plan,
    sendClock: c.sendClock,
    api: c.api,
    metrics: c.metrics,
    db: options.db.db,
    log: options.log,
    pollMs: options.outboxPollMs,
    leaseSeconds: options.outboxLeaseSeconds,
    // Messages we create bound the clock offset from below.
    onCreated: (sentAt, createdAt) => c.timing.observeCreated(sentAt, createdAt),
  });
}

export function buildRegistry(
  options: ResolvedGatewayOptions,
  c: Common & {
    sendClock: SendClock;
    outbox: OutboxSender;
    life: Lifecycle;
    timing: TimingModel;
    users: UserDirectory;
    baselines: RunnerDeps['baselines'];
  },
) {
  return new GuildRegistry({
    baselines: c.baselines,
    rememberUser: (user) => c.users.remember(user),
    timing: c.timing,
    api: c.api,
    metrics: c.metrics,
    sendClock: c.sendClock,
    log: options.log,
    db: options.db.db,
    config: options.attribution,
    fetchQueue: new FetchQueue(options.fetchConcurrency, {
      onDrained: () => {
        const swept = sweepIdleRestQueues(c.api.rest);
        options.log.debug({ swept }, 'background invite fetches done; idle REST queues dropped');
      },
    }),
    now: Date.now,
    onMessagesQueued: () => c.outbox.wake(),
    isStopping: () => c.life.stopping,
  });
}

/** Gateway events → handlers (slash commands included), through the common dispatcher. */
export function buildDispatcher(
  options: ResolvedGatewayOptions,
  hooks: GatewayTestHooks,
  c: Common & {
    registry: GuildRegistry;
    users: UserDirectory;
    sessions: SessionStore;
    guildRows: HandlerContext['guildRows'];
  },
  identity: BotIdentity,
) {
  const ctx: HandlerContext = {
    guildRows: c.guildRows,
    api: c.api,
    metrics: c.metrics,
    registry: c.registry,
    users: c.users,
    db: options.db.db,
    log: options.log,
    now: Date.now,
    botUserId: () => identity.userId,
    downtimeMemberScanLimit: options.downtimeMemberScanLimit,
    downtimeRetryDelaysMs: options.downtimeRetryDelaysMs,
  };
  const interactions = createInteractionHandler({
    ...ctx,
    queries: hooks.commandQueries ?? dbCommandQueries(ctx.db),
    links: new PersonalLinks({ api: c.api, db: ctx.db, log: options.log }),
    deferAfterMs: options.commandDeferAfterMs,
  });
  return createDispatcher(ctx, c.sessions, {
    ...HANDLERS,
    INTERACTION_CREATE: interactions,
    ...hooks.handlers,
  });
}

export function buildShards(
  options: ResolvedGatewayOptions,
  hooks: GatewayTestHooks,
  c: Common & {
    rest: ConstructorParameters<typeof Shards>[0]['rest'];
    plan: ShardPlan;
    sessions: SessionStore;
    life: Lifecycle;
    dispatch: ReturnType<typeof createDispatcher>;
  },
  identity: BotIdentity,
) {
  let registered = false;
  return new Shards({
    token: options.token,
    log: options.log,
    onFatal: options.onFatal,
    rest: c.rest,
    plan: c.plan,
    sessions: c.sessions,
    metrics: c.metrics,
    fastIdentify: hooks.fastIdentify,
    isStopping: () => c.life.stopping,
    onDispatch: c.dispatch,
    onReady: ({ userId, applicationId }, shardId) => {
      identity.userId = userId;
      // One process registers the commands: the one running shard 0, once.
      if (shardId !== 0 || registered) return;
      registered = true;
      const id = options.applicationId ?? applicationId;
      withRetries(
        () => registerCommands(c.api, id, options.devGuildId, options.log),
        REGISTER_RETRIES,
      ).catch((err: unknown) => options.log.error({ err }, 'could not register slash commands'));
    },
  });
}

export function buildHealth(
  options: ResolvedGatewayOptions,
  metrics: Metrics,
  shards: Shards,
  registry: GuildRegistry,
) {
  return startHealthServer(options.healthPort, options.healthHost, metrics.registry, {
    ready: () => shards.ready,
    detail: () => ({ shards: shards.status(), guilds: registry.size }),
  });
}
