/**
 * The gateway's configuration module: the environment read and validated once, at the entry points
 * (main.ts, all-in-one.ts). Every problem is reported at once, in one message, so an operator fixes
 * them in one go; secrets never appear in it. Values left unset are absent here, and the library
 * defaults (gateway/options.ts) apply.
 */
import { z } from 'zod';
import type { DatabaseSettings } from '../db/migrate';
import type { GatewayOptions } from './options';

/** "0-3", "0,2,5" or "4": the shard ids this process runs. */
function parseShardIds(value: string): number[] | null {
  const ids = new Set<number>();
  for (const part of value.split(',').map((p) => p.trim())) {
    const range = /^(\d+)-(\d+)$/.exec(part);
    if (range) {
      const [from, to] = [Number(range[1]), Number(range[2])];
      if (from > to) return null;
      for (let i = from; i <= to; i++) ids.add(i);
    } else if (/^\d+$/.test(part)) ids.add(Number(part));
    else return null;
  }
  return [...ids].sort((a, b) => a - b);
}

const intFrom = (min: number, max: number) =>
  z
    .string()
    .regex(/^\d+$/, 'must be a whole number')
    .transform(Number)
    .pipe(z.number().int().min(min).max(max));

const bool = z.enum(['true', 'false', '1', '0'], { error: 'must be true or false' });
const flag = (value: 'true' | 'false' | '1' | '0' | undefined) =>
  value === undefined ? undefined : value === 'true' || value === '1';

const schema = z.object({
  DISCORD_TOKEN: z
    .string({ error: 'is required (the bot token from the Developer Portal → Bot)' })
    .regex(/^[\w.-]{20,}$/, 'does not look like a bot token'),
  DISCORD_APPLICATION_ID: z
    .string()
    .regex(/^\d{17,20}$/, 'must be the application id (a 17–20 digit number)')
    .optional(),
  DISCORD_API_BASE: z.url({ error: 'must be a URL such as https://discord.com/api' }).optional(),
  DATABASE_URL: z.string().optional(),
  DATABASE_POOLED: bool.optional(),
  PGLITE_DIR: z.string().optional(),
  MIGRATIONS_DIR: z.string().optional(),
  SHARD_COUNT: intFrom(1, 100_000).optional(),
  SHARD_IDS: z.string().optional(),
  HEALTH_PORT: intFrom(0, 65_535).optional(),
  HEALTH_HOST: z.string().optional(),
  DEV_GUILD_ID: z
    .string()
    .regex(/^\d{17,20}$/, 'must be a guild id')
    .optional(),
  ATTRIBUTION_SETTLE_MS: intFrom(0, 60_000).optional(),
  ATTRIBUTION_INCREMENT_LAG_MS: intFrom(0, 60_000).optional(),
  ATTRIBUTION_COUNTED_AT_JOIN: bool.optional(),
  DOWNTIME_MEMBER_SCAN_LIMIT: intFrom(0, 1_000_000).optional(),
  SHUTDOWN_TIMEOUT_MS: intFrom(0, 600_000).optional(),
  OUTBOX_LEASE_SECONDS: intFrom(1, 3600).optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).optional(),
  LOG_FILE: z.string().min(1).optional(),
});

/** Checks across variables, run on the raw values so they are reported together with field errors. */
function crossFieldProblems(env: Record<string, string>): string[] {
  if (env.SHARD_IDS === undefined) return [];
  const ids = parseShardIds(env.SHARD_IDS);
  if (!ids) return ['SHARD_IDS must look like "0-3" or "0,2,5"'];
  if (env.SHARD_COUNT === undefined) return ['SHARD_IDS needs SHARD_COUNT too'];
  const count = Number(env.SHARD_COUNT);
  if (Number.isInteger(count) && ids.some((id) => id >= count)) {
    return [`SHARD_IDS ids must be below SHARD_COUNT (${count})`];
  }
  return [];
}

/** What the environment configures: the gateway's options (without the database handle and logger), the database, the process. */
export type GatewayConfig = {
  gateway: Omit<GatewayOptions, 'db' | 'log'>;
  database: DatabaseSettings;
  logLevel: string;
  /** Append the JSON logs to this file instead of standard output. */
  logFile?: string;
  /** SIGTERM: stop cleanly within this, else exit 1. */
  shutdownTimeoutMs: number;
};

export type GatewayConfigCheck =
  { ok: true; config: GatewayConfig } | { ok: false; problems: string[] };

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** How to read a list of configuration problems: one per line, then where to go without a token. */
export function describeConfigProblems(what: string, problems: readonly string[]): string {
  return (
    `${what} cannot start; fix these settings:\n${problems.map((p) => `  - ${p}`).join('\n')}\n` +
    'To try the bot without a Discord token, run `npm run demo`.'
  );
}

/** Validates the environment; throws ConfigError listing every problem. */
export function readGatewayConfig(source: Record<string, string | undefined>): GatewayConfig {
  const result = checkGatewayConfig(source);
  if (!result.ok) throw new ConfigError(describeConfigProblems('The gateway', result.problems));
  return result.config;
}

/** Validates the environment, returning every problem (none: the parsed settings). */
export function checkGatewayConfig(source: Record<string, string | undefined>): GatewayConfigCheck {
  const present = Object.fromEntries(
    Object.entries(source).filter((entry): entry is [string, string] => !!entry[1]),
  );
  const parsed = schema.safeParse(present);
  const problems = [
    ...(parsed.success
      ? []
      : parsed.error.issues.map((issue) => `${issue.path.join('.') || 'env'} ${issue.message}`)),
    ...crossFieldProblems(present),
  ];
  if (!parsed.success || problems.length > 0) return { ok: false, problems };
  const env = parsed.data;
  const defined = <T extends object>(o: T) =>
    Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
  return {
    ok: true,
    config: {
      gateway: defined({
        token: env.DISCORD_TOKEN,
        applicationId: env.DISCORD_APPLICATION_ID,
        apiBase: env.DISCORD_API_BASE?.replace(/\/+$/, ''),
        shardCount: env.SHARD_COUNT,
        shardIds: env.SHARD_IDS === undefined ? undefined : (parseShardIds(env.SHARD_IDS) ?? []),
        healthPort: env.HEALTH_PORT,
        healthHost: env.HEALTH_HOST,
        devGuildId: env.DEV_GUILD_ID,
        downtimeMemberScanLimit: env.DOWNTIME_MEMBER_SCAN_LIMIT,
        outboxLeaseSeconds: env.OUTBOX_LEASE_SECONDS,
        attribution: defined({
          settleMs: env.ATTRIBUTION_SETTLE_MS,
          maxIncrementLagMs: env.ATTRIBUTION_INCREMENT_LAG_MS,
          countedAtJoin: flag(env.ATTRIBUTION_COUNTED_AT_JOIN),
        }),
      }),
      database: {
        url: env.DATABASE_URL,
        dataDir: env.PGLITE_DIR,
        pooled: flag(env.DATABASE_POOLED) ?? false,
        migrationsFolder: env.MIGRATIONS_DIR,
      },
      logLevel: env.LOG_LEVEL ?? 'info',
      logFile: env.LOG_FILE,
      shutdownTimeoutMs: env.SHUTDOWN_TIMEOUT_MS ?? 10_000,
    },
  };
}

const proxySchema = z.object({
  PROXY_PORT: intFrom(0, 65_535).optional(),
  PROXY_HOST: z.string().optional(),
  PROXY_UPSTREAM: z.url({ error: 'must be a URL such as https://discord.com/api' }).optional(),
  PROXY_GLOBAL_LIMIT: intFrom(1, 100_000).optional(),
  SHUTDOWN_TIMEOUT_MS: intFrom(0, 600_000).optional(),
  LOG_LEVEL: schema.shape.LOG_LEVEL,
  LOG_FILE: schema.shape.LOG_FILE,
});

/** The REST proxy's settings (gateway/proxy.ts). */
export type ProxyConfig = {
  port: number;
  host: string;
  /** Where requests go: Discord, or the simulator in tests (never the proxy's own address). */
  upstream: string;
  globalRequestsPerSecond: number;
  logLevel: string;
  logFile?: string;
  shutdownTimeoutMs: number;
};

/** Validates the proxy's environment; throws ConfigError listing every problem. */
export function readProxyConfig(source: Record<string, string | undefined>): ProxyConfig {
  const present = Object.fromEntries(
    Object.entries(source).filter((entry): entry is [string, string] => !!entry[1]),
  );
  const parsed = proxySchema.safeParse(present);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.') || 'env'} ${i.message}`);
    throw new ConfigError(describeConfigProblems('The REST proxy', problems));
  }
  const env = parsed.data;
  return {
    port: env.PROXY_PORT ?? 8080,
    host: env.PROXY_HOST ?? '0.0.0.0',
    upstream: (env.PROXY_UPSTREAM ?? 'https://discord.com/api').replace(/\/+$/, ''),
    globalRequestsPerSecond: env.PROXY_GLOBAL_LIMIT ?? 50,
    logLevel: env.LOG_LEVEL ?? 'info',
    ...(env.LOG_FILE ? { logFile: env.LOG_FILE } : {}),
    shutdownTimeoutMs: env.SHUTDOWN_TIMEOUT_MS ?? 10_000,
  };
}
