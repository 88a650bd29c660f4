/**
 * `npm run db:migrate` (built: `node build/migrate.js`, Fly's release command): apply migrations and
 * exit. MIGRATION_DATABASE_URL, when set, is used instead of DATABASE_URL: migrations take a session
 * advisory lock, which needs a direct connection rather than a transaction-pooling proxy.
 */
import { createDb, DatabaseConfigError } from './client';
import { createLogger } from './log';
import { migrate, MigrationError } from './migrate';

const log = createLogger('migrate');
try {
  const url = process.env.MIGRATION_DATABASE_URL || process.env.DATABASE_URL || undefined;
  const handle = await createDb(url, { log });
  try {
    await migrate(handle, { log });
  } finally {
    await handle.close();
  }
} catch (error) {
  if (error instanceof DatabaseConfigError || error instanceof MigrationError) {
    log.fatal(error.message);
  } else {
    log.fatal({ err: error }, 'migration run failed');
  }
  process.exitCode = 1;
}
