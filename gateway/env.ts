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

const schema = z
  .object({
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
  })
  .superRefine((env, ctx) => {
    if (env.SHARD_IDS !== undefined) {
      const ids = parseShardIds(env.SHARD_IDS);
      if (!ids) {
        ctx.addIssue({
          code: 'custom',
          path: ['SHARD_IDS'],
          message: 'must look like "0-3" or "0,2,5"',
        });
      } else if (env.SHARD_COUNT === undefined) {
        ctx.addIssue({ code: 'custom', path: ['SHARD_IDS'], message: 'needs SHARD_COUNT too' });
      } else if (ids.some((id) => id >= env.SHARD_COUNT!)) {
        ctx.addIssue({
          code: 'custom',
          path: ['SHARD_IDS'],
          message: `ids must be below SHARD_COUNT (${env.SHARD_COUNT})`,
        });
      }
    }
  });

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
};

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Validates the environment; throws ConfigError listing every problem. */
export function readGatewayEnv(source: NodeJS.ProcessEnv = process.env): GatewayEnv {
  const present = Object.fromEntries(
    Object.entries(source).filter(([, value]) => value !== undefined && value !== ''),
  );
  const parsed = schema.safeParse(present);
  if (!parsed.success) {
    const lines = parsed.error.issues.map(
      (issue) => `  - ${issue.path.join('.') || 'env'} ${issue.message}`,
    );
    throw new ConfigError(
      `The gateway cannot start; fix these settings:\n${lines.join('\n')}\n` +
        'To try the bot without a Discord token, run `npm run demo`.',
    );
  }
  const env = parsed.data;
  return {
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
  };
}
