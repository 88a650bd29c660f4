import { defineConfig } from 'drizzle-kit';

// Only `npm run db:generate` uses this: it writes SQL migrations from db/schema.ts into db/migrations.
// Applying them is db/migrate.ts's job, at startup or as the Fly release command.
export default defineConfig({
  dialect: 'postgresql',
  schema: './db/schema.ts',
  out: './db/migrations',
});
