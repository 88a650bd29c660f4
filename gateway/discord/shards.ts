/**
 * The gateway connections (@discordjs/ws WebSocketManager) for this process's shards: which shards are
 * connected (for /healthz), the bot's identity from READY, and the close codes after which the
 * library gives up, turned into one fatal error that says what the operator must do.
 */
import type { REST } from '@discordjs/rest';
import { WebSocketManager, WebSocketShardEvents, type SessionInfo } from '@discordjs/ws';
import { GatewayIntentBits, type GatewayDispatchPayload } from 'discord-api-types/v10';
import type { Logger } from '../../db/shared/log';
import type { Metrics } from '../ops/metrics';
import type { ShardPlan } from './rest';
import type { SessionStore } from './session-store';

export const INTENTS =
  GatewayIntentBits.Guilds | GatewayIntentBits.GuildMembers | GatewayIntentBits.GuildInvites;

/** Close-code errors after which @discordjs/ws gives up, with what the operator must do. */
export const FATAL_GATEWAY_ERRORS: Record<string, string> = {
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

export type ShardsOptions = {
  token: string;
  rest: REST;
  plan: ShardPlan;
  sessions: SessionStore;
  log: Logger;
  metrics: Metrics;
  /** While stopping, dispatches are ignored and session updates are not stored. */
  isStopping: () => boolean;
  /** Skip the 5 s spacing between identifies (tests: the simulator does not enforce it). */
  fastIdentify?: boolean;
  onReady: (ready: { userId: string; applicationId: string }, shardId: number) => void;
  onDispatch: (payload: GatewayDispatchPayload, shardId: number) => void;
  onFatal: (error: FatalGatewayError) => void;
};

export class Shards {
  readonly manager: WebSocketManager;
  private readonly connected = new Set<number>();
  private fatal: FatalGatewayError | null = null;

  constructor(private readonly options: ShardsOptions) {
    const { plan, sessions, log, metrics } = options;
    this.manager = new WebSocketManager({
      token: options.token,
      intents: INTENTS,
      rest: options.rest,
      shardCount: plan.shardCount,
      shardIds: plan.shardIds,
      retrieveSessionInfo: sessions.retrieve,
      updateSessionInfo: (shardId: number, info: SessionInfo | null) => {
        // On a resumable stop the session must survive the socket's close.
        if (!options.isStopping()) sessions.update(shardId, info);
      },
      ...(options.fastIdentify
        ? { buildIdentifyThrottler: () => ({ waitForIdentify: async () => {} }) }
        : {}),
    });
    const m = this.manager;
    m.on(WebSocketShardEvents.Ready, (data, shardId) => {
      this.connected.add(shardId);
      log.info({ shardId, guilds: data.guilds.length }, 'shard ready');
      options.onReady({ userId: data.user.id, applicationId: data.application.id }, shardId);
    });
    m.on(WebSocketShardEvents.Resumed, (shardId) => {
      this.connected.add(shardId);
      log.info({ shardId }, 'shard resumed');
    });
    m.on(WebSocketShardEvents.Closed, (code, shardId) => {
      this.connected.delete(shardId);
      if (!options.isStopping()) log.warn({ shardId, code }, 'shard disconnected');
    });
    m.on(WebSocketShardEvents.HeartbeatComplete, ({ latency }, shardId) => {
      metrics.gatewayLatency.set({ shard: String(shardId) }, latency);
    });
    m.on(WebSocketShardEvents.Error, (error, shardId) => {
      const advice = FATAL_GATEWAY_ERRORS[error.message];
      if (!advice) return log.error({ err: error, shardId }, 'gateway error');
      this.fatal = new FatalGatewayError(advice);
      log.fatal({ shardId }, advice);
      options.onFatal(this.fatal);
    });
    m.on(WebSocketShardEvents.Dispatch, (payload: GatewayDispatchPayload, shardId: number) => {
      if (!options.isStopping()) options.onDispatch(payload, shardId);
    });
  }

  /** Every owned shard is connected. */
  get ready(): boolean {
    return this.options.plan.shardIds.every((id) => this.connected.has(id));
  }

  status(): { id: number; ready: boolean }[] {
    return this.options.plan.shardIds.map((id) => ({ id, ready: this.connected.has(id) }));
  }

  /** Connects every shard; rejects with the fatal error when Discord refused us for good. */
  async connect(): Promise<void> {
    try {
      await this.manager.connect();
    } catch (error) {
      throw this.fatal ?? error;
    }
    if (this.fatal) throw this.fatal;
  }

  /** Closes with 4000 (the sessions stay resumable) or 1000 (they end). */
  async destroy({ resumable }: { resumable: boolean }): Promise<void> {
    await this.manager.destroy(
      resumable ? { code: 4000, reason: 'restarting' } : { code: 1000, reason: 'shutting down' },
    );
  }
}
