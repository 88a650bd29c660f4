/**
 * What every entry point does around its app: a start failure is logged (causes an operator can fix
 * as their message alone) and exits 1; SIGTERM/SIGINT and fatal errors go through one stop path with
 * a deadline.
 */
import { DatabaseConfigError, type DbHandle } from '../../db/client';
import { MigrationError, openDatabase, type DatabaseSettings } from '../../db/migrate';
import type { Logger } from '../../db/shared/log';
import { FatalGatewayError } from '../discord/shards';
import { ConfigError } from '../env';
import type { StopContext } from './lifecycle';

const EXPLAINED = [ConfigError, DatabaseConfigError, MigrationError, FatalGatewayError];

export function runEntry(log: Logger, what: string, start: () => Promise<void>): void {
  start().catch((error: unknown) => {
    if (EXPLAINED.some((kind) => error instanceof kind)) log.fatal((error as Error).message);
    else log.fatal({ err: error }, `${what} failed to start`);
    process.exit(1);
  });
}

/**
 * Stops on SIGTERM/SIGINT (resumable: the next process RESUMEs; exit 0) and returns the function for a
 * fatal error (not resumable; exit 1). Whatever stops first wins; past `timeoutMs` the process exits 1.
 */
export function stopOnSignals(
  log: Logger,
  timeoutMs: number,
  stop: (context: StopContext) => Promise<void>,
): () => void {
  let stopping = false;
  const shutdown = (code: 0 | 1, reason: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ reason }, 'stopping');
    const deadline = setTimeout(() => {
      log.error({ timeoutMs }, 'shutdown took too long; exiting');
      process.exit(1);
    }, timeoutMs);
    deadline.unref();
    void stop({ resumable: code === 0 })
      .catch((err: unknown) => log.error({ err }, 'stopping failed'))
      .finally(() => process.exit(code));
  };
  process.once('SIGTERM', () => shutdown(0, 'SIGTERM'));
  process.once('SIGINT', () => shutdown(0, 'SIGINT'));
  return () => shutdown(1, 'fatal');
}

export type Stoppable = { stop: (context: StopContext) => Promise<void> };

/**
 * What both entry points run: open the database, start the app on it, and stop both on SIGTERM/SIGINT
 * or when the app reports a fatal error (after its start: during it, `start` rejects instead).
 */
export async function runUntilStopped<T extends Stoppable>(
  log: Logger,
  config: { database: DatabaseSettings; shutdownTimeoutMs: number },
  start: (db: DbHandle, onFatal: () => void) => Promise<T>,
): Promise<T> {
  const db = await openDatabase(config.database, { log });
  let app: T | null = null;
  const fatal = stopOnSignals(log, config.shutdownTimeoutMs, async (context) => {
    await app?.stop(context);
    await db.close();
  });
  app = await start(db, () => {
    if (app) fatal();
  });
  return app;
}
