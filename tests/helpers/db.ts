/**
 * Test databases. Every db test runs against embedded PGlite (in memory) and, when TEST_DATABASE_URL
 * is set, against that Postgres too. Each Postgres handle gets its own freshly created database, so
 * parallel test files and concurrent CI runs never see each other's rows.
 */
import { randomBytes } from 'node:crypto';
import postgres from 'postgres';
import { createDb, type Db, type DbHandle } from '../../db/client';
import { upsertGuild } from '../../db/queries/guilds';
import { migrate } from '../../db/migrate';

export type DbKind = 'pglite' | 'postgres';

export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL || undefined;

/** The database kinds this run covers: PGlite always, Postgres when TEST_DATABASE_URL is set. */
export const dbKinds: DbKind[] = TEST_DATABASE_URL ? ['pglite', 'postgres'] : ['pglite'];

export type TestDb = DbHandle & { dispose: () => Promise<void> };

/** A fresh, empty database (not migrated). */
export async function createEmptyTestDb(kind: DbKind): Promise<TestDb> {
  if (kind === 'pglite') {
    const handle = await createDb(undefined, { dataDir: 'memory://' });
    return { ...handle, dispose: handle.close };
  }
  if (!TEST_DATABASE_URL) throw new Error('TEST_DATABASE_URL is not set');
  const name = `it_${process.pid}_${randomBytes(4).toString('hex')}`;
  const admin = postgres(TEST_DATABASE_URL, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database "${name}"`);
  const url = new URL(TEST_DATABASE_URL);
  url.pathname = `/${name}`;
  const handle = await createDb(url.toString(), { max: 10 });
  return {
    ...handle,
    dispose: async () => {
      await handle.close();
      await admin.unsafe(`drop database if exists "${name}" with (force)`);
      await admin.end();
    },
  };
}

/** A fresh database with all migrations applied. */
export async function createTestDb(kind: DbKind): Promise<TestDb> {
  const handle = await createEmptyTestDb(kind);
  await migrate(handle);
  return handle;
}

/** Stores a guild row as the gateway would on GUILD_CREATE (tables of a guild hang on it). */
export async function storeGuild(db: Db, id: string, name = 'G'): Promise<void> {
  await upsertGuild(db, {
    id,
    name,
    icon: null,
    ownerId: null,
    features: [],
    botPermissions: null,
  });
}
