/**
 * What `startGateway` takes: the few required options, the optional ones with their defaults gathered
 * here (as @discordjs/ws gathers its DefaultWebSocketManagerOptions), and the hooks only tests use.
 */
import type { RESTOptions } from '@discordjs/rest';
import type { DbHandle } from '../db/client';
import { silentLogger, type Logger } from '../db/shared/log';
import {
  DEFAULT_ATTRIBUTION_CONFIG,
  type AttributionConfig,
} from './attribution/guild-attribution';
import type { CommandQueries } from './commands/queries';
import type { EventHandlers } from './handlers/context';

export const DISCORD_API = 'https://discord.com/api';

export type RequiredGatewayOptions = {
  token: string;
  /** The opened, migrated database (the entry point owns it and closes it). */
  db: DbHandle;
};

export type OptionalGatewayOptions = {
  /** From READY when unset; needed to register the slash commands. */
  applicationId: string | null;
  /** Discord's REST base, the simulator's, or a @discordjs/proxy's. */
  apiBase: string;
  /** Discord's recommendation when null. */
  shardCount: number | null;
  /** Every shard of `shardCount` when null. */
  shardIds: number[] | null;
  healthPort: number;
  healthHost: string;
  /** Register the slash commands in this guild only (instant, for development). */
  devGuildId: string | null;
  /** After a lost session, members are listed to find missed joins in guilds up to this size. */
  downtimeMemberScanLimit: number;
  /** A member list that failed is read again after these delays (then the joins stay unfound). */
  downtimeRetryDelaysMs: readonly number[];
  /** A message claimed by a sender that died is retried after this long. */
  outboxLeaseSeconds: number;
  outboxPollMs: number;
  /** How often due rewards (minimum stay) are looked for. */
  rewardPollMs: number;
  /** Defer a command's reply when its answer takes longer than this. */
  commandDeferAfterMs: number;
  /** Invite fetches running at once across all guilds. */
  fetchConcurrency: number;
  attribution: AttributionConfig;
  log: Logger;
  /** Called when the gateway stops for good on its own (a fatal close code). */
  onFatal: (error: Error) => void;
};

export type GatewayOptions = RequiredGatewayOptions &
  Partial<Omit<OptionalGatewayOptions, 'attribution'>> & {
    attribution?: Partial<AttributionConfig>;
  };

export const DefaultGatewayOptions: OptionalGatewayOptions = {
  applicationId: null,
  apiBase: DISCORD_API,
  shardCount: null,
  shardIds: null,
  healthPort: 8081,
  healthHost: '0.0.0.0',
  devGuildId: null,
  downtimeMemberScanLimit: 10_000,
  downtimeRetryDelaysMs: [5000, 15_000, 60_000, 5 * 60_000, 15 * 60_000, 60 * 60_000],
  outboxLeaseSeconds: 60,
  outboxPollMs: 2000,
  rewardPollMs: 30_000,
  commandDeferAfterMs: 1000,
  fetchConcurrency: 8,
  attribution: DEFAULT_ATTRIBUTION_CONFIG,
  log: silentLogger,
  onFatal: () => {},
};

export type ResolvedGatewayOptions = RequiredGatewayOptions & OptionalGatewayOptions;

export function withDefaults(options: GatewayOptions): ResolvedGatewayOptions {
  return {
    ...DefaultGatewayOptions,
    ...options,
    attribution: { ...DefaultGatewayOptions.attribution, ...options.attribution },
  };
}

/** Only for tests and benchmarks: what production never changes. */
export type GatewayTestHooks = {
  /** Skip the 5 s spacing between shard identifies (the simulator does not enforce it). */
  fastIdentify?: boolean;
  rest?: Partial<RESTOptions>;
  /** Extra or replacement dispatch handlers. */
  handlers?: EventHandlers;
  /** Replace the commands' database queries (e.g. by slow ones). */
  commandQueries?: CommandQueries;
  /** The clock the reward timer compares due times with (a fake one moves days in a test). */
  rewardClock?: () => number;
};
