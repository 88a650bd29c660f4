/**
 * Structured logging (pino) shared by the gateway, the dashboard and the db layer.
 * Secrets are redacted by key wherever they appear in a logged object, and never put in messages.
 */
import { pino, type Logger } from 'pino';

export type { Logger };

/** Object keys whose values never reach a log line. */
export const REDACT_PATHS = [
  'token',
  '*.token',
  'password',
  '*.password',
  'authorization',
  '*.authorization',
  'headers.authorization',
  '*.headers.authorization',
  'access_token',
  '*.access_token',
  'refresh_token',
  '*.refresh_token',
  'client_secret',
  '*.client_secret',
  'DISCORD_TOKEN',
  'DISCORD_CLIENT_SECRET',
  'DATABASE_URL',
  'cookie',
  '*.cookie',
];

export function createLogger(name: string, options: { level?: string } = {}): Logger {
  return pino({
    name,
    level: options.level ?? process.env.LOG_LEVEL ?? 'info',
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
  });
}

/** A logger that drops everything; for tests and tools that must stay quiet. */
export const silentLogger: Logger = pino({ level: 'silent' });
