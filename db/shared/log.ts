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

/**
 * Interaction and webhook tokens travel in URL paths (`/interactions/{id}/{token}/callback`,
 * `/webhooks/{app}/{token}`); whoever holds one can post as the bot for 15 minutes.
 */
function redactUrlTokens(text: string): string {
  return text.replace(/\b(interactions|webhooks)\/(\d+)\/[^/?\s"']+/g, '$1/$2/[redacted]');
}

/**
 * Errors are logged with pino's standard serializer, minus what can carry secrets: REST errors
 * (DiscordAPIError, HTTPError) hold the request URL and body, and messages may quote the URL.
 */
export function serializeError(error: unknown): Record<string, unknown> {
  const out = pino.stdSerializers.err(error as Error) as unknown as Record<string, unknown>;
  delete out.requestBody;
  for (const key of ['url', 'message', 'stack']) {
    if (typeof out[key] === 'string') out[key] = redactUrlTokens(out[key]);
  }
  return out;
}

/**
 * Where every logger of the process writes: standard output (as pino does by default, synchronous),
 * until an entry point sends the logs to a file (LOG_FILE). Loggers are created when their modules
 * load, before any configuration is read, so they write through this switchable sink.
 */
let sink: { write(line: string): unknown } = pino.destination({ dest: 1, sync: true });
const processSink = { write: (line: string) => sink.write(line) };

/** From now on, every logger of this process appends its JSON lines to `path` (created if missing). */
export function sendLogsTo(path: string): void {
  sink = pino.destination({ dest: path, mkdir: true, append: true, sync: true });
}

/** A pino logger for one app; the level comes from the entry point's configuration (LOG_LEVEL). */
export function createLogger(name: string, options: { level?: string } = {}): Logger {
  return pino(
    {
      name,
      level: options.level ?? 'info',
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      serializers: { err: serializeError, error: serializeError },
    },
    processSink,
  );
}

/** A logger that drops everything; for tests and tools that must stay quiet. */
export const silentLogger: Logger = pino({ level: 'silent' });
