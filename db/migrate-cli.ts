/** `npm run db:migrate`: apply migrations to DATABASE_URL (or embedded PGlite) and exit; Fly's release command. */
import { createDb, DatabaseConfigError } from './client';
import { createLogger } from './log';
import { migrate, MigrationError } from './migrate';

const log = createLogger('migrate');
try {
  const handle = await createDb(process.env.DATABASE_URL || undefined, { log });
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
