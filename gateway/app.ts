/**
 * The gateway's composition root: REST and shard plan → stores → outbox → guild registry → event
 * dispatcher → shard connections → health port, each part's stop step registered in the order the
 * parts must stop. Used by both entry points (main.ts, all-in-one.ts), the end-to-end tests and the
 * benchmarks. The builders are in builders.ts, the defaults in options.ts.
 */
import {
  buildBatchWriters,
  buildDispatcher,
  buildHealth,
  buildOutbox,
  buildRegistry,
  buildShards,
  buildTiming,
} from './builders';
import { createRest, planShards } from './discord/rest';
import { SendClock } from './discord/send-clock';
import { SessionStore } from './discord/session-store';
import type { GuildRegistry } from './guilds/registry';
import { Lifecycle, type StopContext } from './ops/lifecycle';
import { createMetrics, type Metrics } from './ops/metrics';
import { withDefaults, type GatewayOptions, type GatewayTestHooks } from './options';
import { RewardTimer } from './persist/reward-timer';
import { RoleSyncWorker } from './persist/role-sync';
import { USER_REFRESH, UserDirectory } from './persist/user-directory';

export type RunningGateway = {
  metrics: Metrics;
  registry: GuildRegistry;
  shardIds: number[];
  shardCount: number;
  healthPort: number;
  ready: () => boolean;
  /** Waits until every guild's writes and the outbox are idle (tests). */
  settled: () => Promise<void>;
  /** Releases the rewards due now at once (tests; the timer does it every rewardPollMs). */
  releaseDueRewards: () => Promise<number>;
  stop: (context?: StopContext) => Promise<void>;
};

export async function startGateway(
  input: GatewayOptions,
  hooks: GatewayTestHooks = {},
): Promise<RunningGateway> {
  const options = withDefaults(input);
  const { log, db } = options;
  const metrics = createMetrics();
  const life = new Lifecycle(log);
  const timing = buildTiming(options, metrics);
  const sendClock = new SendClock((sent, received, date) =>
    timing.observeServerDate(sent, received, date),
  );
  const { rest, api } = createRest(options, metrics, sendClock, hooks.rest);
  const plan = await planShards(rest, options);
  const sessions = new SessionStore(db.db, log);
  await sessions.load(plan.shardIds, plan.shardCount);
  const users = new UserDirectory(db.db, log);
  const outbox = buildOutbox(options, { api, metrics, timing, sendClock }, plan);
  const batches = buildBatchWriters(options, metrics);
  const registry = buildRegistry(options, {
    baselines: batches.baselines,
    api,
    metrics,
    sendClock,
    outbox,
    life,
    timing,
    users,
  });
  const identity = { userId: null };
  const dispatch = buildDispatcher(
    options,
    hooks,
    { api, metrics, registry, users, sessions, guildRows: batches.guildRows },
    identity,
  );
  const shards = buildShards(
    options,
    hooks,
    { api, metrics, rest, plan, sessions, life, dispatch },
    identity,
  );
  const restored = await registry.restore(plan.shardCount, plan.shardIds);
  if (restored > 0)
    log.info({ joins: restored }, 'joins left pending at the last stop are being attributed');
  const health = await buildHealth(options, metrics, shards, registry);

  life.every(1000, 'store gateway sessions', () => sessions.flush());
  life.every(1000, 'store user names', () => users.flush());
  life.every(USER_REFRESH.everyMs, 'name unnamed inviters', () =>
    users.refreshUnnamed(api, USER_REFRESH.batch),
  );
  life.every(10_000, 'forget old decisions, report timing', () => registry.sweep());
  const rewards = new RewardTimer({
    db: db.db,
    log,
    ...plan,
    now: hooks.rewardClock ?? Date.now,
  });
  life.every(options.rewardPollMs, 'release due invite rewards', () => rewards.tick());
  // Rewards that fell due while the gateway was down are released now, not a poll later.
  rewards.tick().catch((err: unknown) => log.warn({ err }, 'could not release due invite rewards'));
  const roleSync = new RoleSyncWorker({
    db: db.db,
    log,
    ...plan,
    onQueued: () => outbox.wake(),
  });
  // A sync is a rare dashboard action: looking once a second is soon enough.
  life.every(Math.max(options.outboxPollMs, 1000), 'sync reward roles', () => roleSync.tick());
  outbox.start();
  life.onStop('close the gateway connections', (context) => shards.destroy(context));
  life.onStop("finish the guilds' writes", () => registry.stopAll());
  life.onStop('store the gateway sessions', () => sessions.flush());
  life.onStop('store user names', () => users.flush());
  life.onStop('stop the outbox', () => outbox.stop());
  life.onStop('close the health port', () => health.close());
  try {
    await shards.connect();
  } catch (error) {
    await life.stop({ resumable: false });
    throw error;
  }
  return {
    metrics,
    registry,
    ...plan,
    healthPort: health.port,
    ready: () => shards.ready,
    settled: async () => {
      await registry.idle();
      await outbox.drained();
    },
    releaseDueRewards: () => rewards.tick(),
    stop: (context = { resumable: true }) => life.stop(context),
  };
}
