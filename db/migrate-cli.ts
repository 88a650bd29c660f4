/**
 * `npm run db:migrate` (built: `node build/migrate.js`, Fly's release command): apply migrations and
 * exit. An entry point, so it reads its settings from the environment: MIGRATION_DATABASE_URL, when
 * set, is used instead of DATABASE_URL (migrations take a session advisory lock, which needs a direct
 * connection rather than a transaction-pooling proxy); PGLITE_DIR, MIGRATIONS_DIR and LOG_LEVEL as
 * everywhere else.
 */
import { createDb, DatabaseConfigError } from './client';
import { migrate, MigrationError } from './migrate';
import { createLogger } from './shared/log';

const env = (name: string) => process.env[name] || undefined;
const log = createLogger('migrate', { level: env('LOG_LEVEL') });
try {
  const handle = await createDb(env('MIGRATION_DATABASE_URL') ?? env('DATABASE_URL'), {
    log,
    dataDir: env('PGLITE_DIR'),
  });
  try {
    await migrate(handle, { log, migrationsFolder: env('MIGRATIONS_DIR') });
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
