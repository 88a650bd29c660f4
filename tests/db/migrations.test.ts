import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { afterEach, describe, expect, it } from 'vitest';
import { createDb, queryRows } from '../../db/client';
import { DEFAULT_MIGRATIONS_FOLDER, migrate, MigrationError } from '../../db/migrate';
import { createEmptyTestDb, dbKinds, type TestDb } from '../helpers/db';

const EXPECTED_TABLES = [
  'auth_sessions',
  'dashboard_audit',
  'excluded_codes',
  'gateway_sessions',
  'guild_settings',
  'guilds',
  'invite_bonus',
  'invite_rewards',
  'inviter_period_stats',
  'inviter_stats',
  'invites',
  'join_revisions',
  'member_joins',
  'member_xp',
  'outbox',
  'period_windows',
  'personal_links',
  'reward_role_grants',
  'reward_tiers',
  'role_sync_jobs',
  'season_xp',
  'seasons',
  'users',
];

async function publicTables(handle: TestDb): Promise<string[]> {
  const rows = await queryRows<{ table_name: string }>(
    handle.db,
    sql`select table_name from information_schema.tables where table_schema = 'public' order by 1`,
  );
  return rows.map((r) => r.table_name);
}

async function appliedMigrations(handle: TestDb): Promise<number> {
  const rows = await queryRows<{ n: number }>(
    handle.db,
    sql`select count(*)::int as n from drizzle.__drizzle_migrations`,
  );
  return Number(rows[0]?.n);
}

function migrationCount(): number {
  const journal = JSON.parse(
    readFileSync(join(DEFAULT_MIGRATIONS_FOLDER, 'meta', '_journal.json'), 'utf8'),
  ) as { entries: unknown[] };
  return journal.entries.length;
}

/** A copy of the real migrations plus one that creates a table and then fails. */
function migrationsWithBrokenStep(): string {
  const dir = mkdtempSync(join(tmpdir(), 'broken-migrations-'));
  cpSync(DEFAULT_MIGRATIONS_FOLDER, dir, { recursive: true });
  const journalPath = join(dir, 'meta', '_journal.json');
  const journal = JSON.parse(readFileSync(journalPath, 'utf8')) as {
    entries: { idx: number; when: number; tag: string; version: string; breakpoints: boolean }[];
  };
  const last = journal.entries.at(-1)!;
  journal.entries.push({ ...last, idx: last.idx + 1, when: last.when + 1, tag: '9999_broken' });
  writeFileSync(journalPath, JSON.stringify(journal));
  writeFileSync(
    join(dir, '9999_broken.sql'),
    'CREATE TABLE "half_done" ("id" integer);\n--> statement-breakpoint\nALTER TABLE "no_such_table" ADD COLUMN "x" integer;',
  );
  return dir;
}

describe.each(dbKinds)('migrations on %s', (kind) => {
  let handle: TestDb | undefined;
  afterEach(async () => {
    await handle?.dispose();
    handle = undefined;
  });

  it('apply from empty and create every table', async () => {
    handle = await createEmptyTestDb(kind);
    expect(await publicTables(handle)).toEqual([]);
    await migrate(handle);
    expect(await publicTables(handle)).toEqual(EXPECTED_TABLES);
  });

  it('are idempotent: a second run applies nothing and changes nothing', async () => {
    handle = await createEmptyTestDb(kind);
    await migrate(handle);
    const before = await appliedMigrations(handle);
    expect(before).toBe(migrationCount());
    await migrate(handle);
    expect(await appliedMigrations(handle)).toBe(before);
    expect(await publicTables(handle)).toEqual(EXPECTED_TABLES);
  });

  it('never half-run: a failing migration leaves no trace and says so', async () => {
    handle = await createEmptyTestDb(kind);
    await migrate(handle);
    const before = await appliedMigrations(handle);
    const error = await migrate(handle, { migrationsFolder: migrationsWithBrokenStep() }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(MigrationError);
    expect((error as Error).message).toMatch(/nothing was applied.*no_such_table/);
    expect(await publicTables(handle)).not.toContain('half_done');
    expect(await appliedMigrations(handle)).toBe(before);
  });

  if (kind === 'postgres') {
    it('two processes migrating at once both succeed (advisory lock)', async () => {
      handle = await createEmptyTestDb(kind);
      if (handle.kind !== 'postgres') throw new Error('unreachable');
      const second = await createDb(handle.url);
      try {
        await Promise.all([migrate(handle), migrate(second)]);
      } finally {
        await second.close();
      }
      expect(await appliedMigrations(handle)).toBe(migrationCount());
      expect(await publicTables(handle)).toEqual(EXPECTED_TABLES);
    });
  }
});
