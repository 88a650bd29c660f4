/**
 * The dashboard's configuration, validated as a whole (pure: config/index.ts reads the environment):
 * every problem is reported at once, naming the variable, never its value (several are secrets).
 */
import type { DatabaseSettings } from '$db/migrate';

export type DashboardConfig = {
  /** Postgres (DATABASE_URL, DATABASE_POOLED) or PGlite (PGLITE_DIR); MIGRATIONS_DIR. */
  database: DatabaseSettings;
  logLevel: string;
  /** Append the JSON logs to this file instead of standard output. */
  logFile: string | undefined;
  clientId: string;
  clientSecret: string;
  botToken: string;
  /**
   * Discord REST base for the bot token's calls, without version and trailing slash, e.g.
   * https://discord.com/api, or a @discordjs/proxy shared with the gateway processes.
   */
  apiBase: string;
  /**
   * Base of the OAuth2 token endpoints and of the calls made with a user's token (their profile and
   * server list): Discord itself, never the bot's proxy, whose queues and global limit are the bot's.
   */
  userApiBase: string;
  authorizeUrl: string;
  tokenUrl: string;
  revokeUrl: string;
  /** The public origin (scheme://host[:port]) the dashboard is reached at. */
  origin: string;
  redirectUri: string;
  sessionSecret: string;
  cookieSecure: boolean;
  /** How long a user's guild list (and so their permission) is trusted before asking Discord again. */
  guildCacheSeconds: number;
};

export type ConfigResult =
  { ok: true; config: DashboardConfig } | { ok: false; problems: string[] };

export const DEFAULT_API_BASE = 'https://discord.com/api';
export const DEFAULT_AUTHORIZE_URL = 'https://discord.com/oauth2/authorize';
export const MIN_SESSION_SECRET_LENGTH = 32;

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);
const LOG_LEVELS = new Set(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']);

function url(value: string | undefined): URL | null {
  if (!value) return null;
  try {
    const parsed = new URL(value);
    return parsed.protocol === 'http:' || parsed.protocol === 'https:' ? parsed : null;
  } catch {
    return null;
  }
}

export function parseConfig(env: Record<string, string | undefined>): ConfigResult {
  const problems: string[] = [];
  const value = (name: string) => {
    const v = env[name]?.trim();
    return v ? v : undefined;
  };
  const required = (name: string, hint: string) => {
    const v = value(name);
    if (!v) problems.push(`${name} is missing (${hint})`);
    return v ?? '';
  };

  const clientId = required('DISCORD_CLIENT_ID', 'the OAuth2 client id, Developer Portal → OAuth2');
  if (clientId && !/^\d{17,20}$/.test(clientId)) {
    problems.push('DISCORD_CLIENT_ID must be the application id (a 17–20 digit number)');
  }
  const clientSecret = required(
    'DISCORD_CLIENT_SECRET',
    'the OAuth2 client secret, Developer Portal → OAuth2',
  );
  const botToken = required('DISCORD_TOKEN', 'the bot token, Developer Portal → Bot');

  const apiBaseRaw = value('DISCORD_API_BASE') ?? DEFAULT_API_BASE;
  const apiBase = url(apiBaseRaw);
  if (!apiBase)
    problems.push('DISCORD_API_BASE must be an http(s) URL such as https://discord.com/api');
  const authorizeRaw = value('DISCORD_AUTHORIZE_URL') ?? DEFAULT_AUTHORIZE_URL;
  const authorize = url(authorizeRaw);
  if (!authorize) {
    problems.push(
      'DISCORD_AUTHORIZE_URL must be an http(s) URL such as https://discord.com/oauth2/authorize',
    );
  }
  // OAuth2 lives where the authorize page is (discord.com, or the simulator in tests).
  const userApiRaw =
    value('DISCORD_OAUTH_API_BASE') ?? (authorize ? `${authorize.origin}/api` : DEFAULT_API_BASE);
  if (!url(userApiRaw))
    problems.push('DISCORD_OAUTH_API_BASE must be an http(s) URL such as https://discord.com/api');

  const originName = value('ORIGIN') ? 'ORIGIN' : 'PUBLIC_URL';
  const originRaw = value('ORIGIN') ?? value('PUBLIC_URL');
  const origin = url(originRaw);
  if (!originRaw) {
    problems.push(
      'ORIGIN is missing (the public address of the dashboard, e.g. https://dash.example.org; PUBLIC_URL is accepted too)',
    );
  } else if (!origin || origin.pathname !== '/' || origin.search || origin.hash) {
    problems.push(`${originName} must be an origin such as https://dash.example.org (no path)`);
  }

  const sessionSecret = required(
    'SESSION_SECRET',
    `at least ${MIN_SESSION_SECRET_LENGTH} random characters, e.g. openssl rand -base64 48`,
  );
  if (sessionSecret && sessionSecret.length < MIN_SESSION_SECRET_LENGTH) {
    problems.push(`SESSION_SECRET must be at least ${MIN_SESSION_SECRET_LENGTH} characters long`);
  }

  let cookieSecure = !(origin && origin.protocol === 'http:' && LOOPBACK.has(origin.hostname));
  const secureRaw = value('COOKIE_SECURE');
  if (secureRaw !== undefined) {
    if (secureRaw === 'true' || secureRaw === '1') cookieSecure = true;
    else if (secureRaw === 'false' || secureRaw === '0') cookieSecure = false;
    else problems.push('COOKIE_SECURE must be true or false');
  }

  let guildCacheSeconds = 120;
  const cacheRaw = value('GUILD_CACHE_SECONDS');
  if (cacheRaw !== undefined) {
    const n = Number(cacheRaw);
    if (!/^\d+$/.test(cacheRaw) || n > 300) {
      problems.push('GUILD_CACHE_SECONDS must be a whole number from 0 to 300');
    } else guildCacheSeconds = n;
  }

  const logLevel = value('LOG_LEVEL') ?? 'info';
  if (!LOG_LEVELS.has(logLevel)) {
    problems.push(`LOG_LEVEL must be one of ${[...LOG_LEVELS].join(', ')}`);
  }
  const pooled = value('DATABASE_POOLED');
  if (pooled !== undefined && !['true', 'false', '1', '0'].includes(pooled)) {
    problems.push('DATABASE_POOLED must be true or false');
  }

  if (problems.length > 0) return { ok: false, problems };
  const base = apiBaseRaw.replace(/\/+$/, '');
  const userBase = userApiRaw.replace(/\/+$/, '');
  const originText = origin!.origin;
  return {
    ok: true,
    config: {
      database: {
        url: value('DATABASE_URL'),
        dataDir: value('PGLITE_DIR'),
        pooled: pooled === 'true' || pooled === '1',
        // The bundled dashboard cannot find db/migrations from its own location: by default it is
        // read from the working directory, the repository root (npm run start:web, the image).
        migrationsFolder: value('MIGRATIONS_DIR') ?? 'db/migrations',
      },
      logLevel,
      logFile: value('LOG_FILE'),
      clientId,
      clientSecret,
      botToken,
      apiBase: base,
      userApiBase: userBase,
      authorizeUrl: authorizeRaw,
      tokenUrl: `${userBase}/oauth2/token`,
      revokeUrl: `${userBase}/oauth2/token/revoke`,
      origin: originText,
      redirectUri: `${originText}/auth/callback`,
      sessionSecret,
      cookieSecure,
      guildCacheSeconds,
    },
  };
}
