import { sql } from 'drizzle-orm';
import { afterAll, describe, expect, it } from 'vitest';
import { createDb, queryRows, type RequestWithDb } from '../../db/client';
import { closeDashboardDb, dashboardDb, providedDb } from '../../dashboard/src/lib/server/db';
import { parseConfig } from '../../dashboard/src/lib/server/config/parse';
import { log } from '../../dashboard/src/lib/server/log';

log.level = 'silent';

const config = (() => {
  const result = parseConfig({
    DISCORD_CLIENT_ID: '123456789012345678',
    DISCORD_CLIENT_SECRET: 'very-secret-client-secret',
    DISCORD_TOKEN: 'bot.token.value-that-is-secret',
    SESSION_SECRET: 'a-session-secret-with-enough-characters',
    ORIGIN: 'https://dash.example.org',
    PGLITE_DIR: 'memory://',
  });
  if (!result.ok) throw new Error(result.problems.join('; '));
  return result.config;
})();

describe('dashboard database handle', () => {
  afterAll(() => closeDashboardDb());

  it('uses the handle the hosting process passes with the request (one process with the gateway)', async () => {
    const handle = await createDb(undefined, { dataDir: 'memory://' });
    const req: RequestWithDb = { db: handle };
    expect(providedDb({ req })).toBe(handle);
    expect(providedDb({ req: {} })).toBeUndefined();
    expect(providedDb(undefined)).toBeUndefined();
    await handle.close();
  });

  it('opens its own handle once, migrated from db/migrations in the working directory', async () => {
    const [a, b] = await Promise.all([dashboardDb(config), dashboardDb(config)]);
    expect(a).toBe(b);
    const rows = await queryRows<{ n: number }>(
      a.db,
      sql`select count(*)::int as n from information_schema.tables where table_name = 'member_joins'`,
    );
    expect(rows[0]?.n).toBe(1);
  });
});
