/**
 * The gateway's configuration, read and validated once at start. Every problem is reported at once,
 * in one message, so an operator fixes them in one go. Secrets never appear in the message.
 */
import { z } from 'zod';

const DISCORD_API = 'https://discord.com/api';

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

const schema = z.object({
  DISCORD_TOKEN: z
    .string({ error: 'is required (the bot token from the Developer Portal → Bot)' })
    .regex(/^[\w.-]{20,}$/, 'does not look like a bot token'),
  DISCORD_APPLICATION_ID: z
    .string()
    .regex(/^\d{17,20}$/, 'must be the application id (a 17–20 digit number)')
    .optional(),
  DATABASE_URL: z.string().optional(),
  DISCORD_API_BASE: z
    .url({ error: 'must be a URL such as https://discord.com/api' })
    .default(DISCORD_API),
  SHARD_COUNT: intFrom(1, 100_000).optional(),
  SHARD_IDS: z.string().optional(),
  HEALTH_PORT: intFrom(0, 65_535).default(8081),
  HEALTH_HOST: z.string().default('0.0.0.0'),
  DEV_GUILD_ID: z
    .string()
    .regex(/^\d{17,20}$/, 'must be a guild id')
    .optional(),
  ATTRIBUTION_SETTLE_MS: intFrom(0, 60_000).optional(),
  ATTRIBUTION_INCREMENT_LAG_MS: intFrom(0, 60_000).optional(),
  DOWNTIME_MEMBER_SCAN_LIMIT: intFrom(0, 1_000_000).default(10_000),
  SHUTDOWN_TIMEOUT_MS: intFrom(0, 600_000).default(10_000),
  OUTBOX_LEASE_SECONDS: intFrom(1, 3600).default(60),
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

export type GatewayEnv = {
  token: string;
  applicationId: string | null;
  databaseUrl: string | undefined;
  apiBase: string;
  shardCount: number | null;
  shardIds: number[] | null;
  healthPort: number;
  healthHost: string;
  devGuildId: string | null;
  settleMs: number | undefined;
  incrementLagMs: number | undefined;
  downtimeMemberScanLimit: number;
  shutdownTimeoutMs: number;
  outboxLeaseSeconds: number;
};

export class ConfigError extends Error {
  override name = 'ConfigError';
}

export type GatewayEnvCheck = { ok: true; env: GatewayEnv } | { ok: false; problems: string[] };

/** How to read a list of configuration problems: one per line, then where to go without a token. */
export function describeConfigProblems(what: string, problems: readonly string[]): string {
  return (
    `${what} cannot start; fix these settings:\n${problems.map((p) => `  - ${p}`).join('\n')}\n` +
    'To try the bot without a Discord token, run `npm run demo`.'
  );
}

/** Validates the environment; throws ConfigError listing every problem. */
export function readGatewayEnv(source: NodeJS.ProcessEnv = process.env): GatewayEnv {
  const result = checkGatewayEnv(source);
  if (!result.ok) throw new ConfigError(describeConfigProblems('The gateway', result.problems));
  return result.env;
}

/** Validates the environment, returning every problem (none: the parsed settings). */
export function checkGatewayEnv(source: NodeJS.ProcessEnv = process.env): GatewayEnvCheck {
  const present = Object.fromEntries(
    Object.entries(source).filter(([, value]) => value !== undefined && value !== ''),
  );
  const parsed = schema.safeParse(present);
  const problems = [
    ...(parsed.success
      ? []
      : parsed.error.issues.map((issue) => `${issue.path.join('.') || 'env'} ${issue.message}`)),
    ...crossFieldProblems(present as Record<string, string>),
  ];
  if (!parsed.success || problems.length > 0) return { ok: false, problems };
  const env = parsed.data;
  const settings: GatewayEnv = {
    token: env.DISCORD_TOKEN,
    applicationId: env.DISCORD_APPLICATION_ID ?? null,
    databaseUrl: env.DATABASE_URL,
    apiBase: env.DISCORD_API_BASE.replace(/\/+$/, ''),
    shardCount: env.SHARD_COUNT ?? null,
    shardIds: env.SHARD_IDS === undefined ? null : parseShardIds(env.SHARD_IDS),
    healthPort: env.HEALTH_PORT,
    healthHost: env.HEALTH_HOST,
    devGuildId: env.DEV_GUILD_ID ?? null,
    settleMs: env.ATTRIBUTION_SETTLE_MS,
    incrementLagMs: env.ATTRIBUTION_INCREMENT_LAG_MS,
    downtimeMemberScanLimit: env.DOWNTIME_MEMBER_SCAN_LIMIT,
    shutdownTimeoutMs: env.SHUTDOWN_TIMEOUT_MS,
    outboxLeaseSeconds: env.OUTBOX_LEASE_SECONDS,
  };
  return { ok: true, env: settings };
}
