/**
 * The dashboard's database: one handle per process, opened lazily from DATABASE_URL (Postgres) or
 * PGLITE_DIR / ./data/pglite (embedded PGlite), with migrations applied before first use.
 *
 * A process that already has a handle (gateway and dashboard in one process on embedded PGlite,
 * which allows one process per data directory) injects it with setDashboardDb() BEFORE importing
 * adapter-node's build/handler.js (whose server init opens the database); that handle is used as is
 * (its owner runs the migrations). The handle travels through a global symbol, so the copy of this
 * module bundled into the build and one imported from source see the same injection.
 */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createDb, type Db, type DbHandle } from '$db/client';
import { migrate } from '$db/migrate';
import { getConfig } from './config';
import { log } from './log';

const INJECTED = Symbol.for('invite-tracker.dashboard.db');
const slot = globalThis as typeof globalThis & { [INJECTED]?: DbHandle };
let opening: Promise<DbHandle> | null = null;

export function setDashboardDb(handle: DbHandle): void {
  slot[INJECTED] = handle;
}

/**
 * db/migrations, found from MIGRATIONS_DIR, or upwards from this (bundled) module, or the working
 * directory: after the build this code lives in dashboard/build/server/chunks.
 */
export function findMigrationsFolder(): string {
  if (process.env.MIGRATIONS_DIR) return process.env.MIGRATIONS_DIR;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 8; i++) {
    const candidate = join(dir, 'db', 'migrations');
    if (existsSync(join(candidate, 'meta', '_journal.json'))) return candidate;
    const parent = dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  return resolve('db', 'migrations');
}

async function open(): Promise<DbHandle> {
  const config = getConfig();
  const handle = await createDb(config.databaseUrl, {
    log,
    ...(config.pgliteDir ? { dataDir: config.pgliteDir } : {}),
  });
  try {
    await migrate(handle, { log, migrationsFolder: findMigrationsFolder() });
  } catch (error) {
    await handle.close().catch(() => {});
    throw error;
  }
  return handle;
}

export function getDbHandle(): Promise<DbHandle> {
  const injected = slot[INJECTED];
  if (injected) return Promise.resolve(injected);
  opening ??= open();
  opening.catch(() => (opening = null));
  return opening;
}

export async function getDb(): Promise<Db> {
  return (await getDbHandle()).db;
}

/** For a clean shutdown: closes the handle the dashboard opened itself (not an injected one). */
export async function closeDashboardDb(): Promise<void> {
  if (slot[INJECTED] || !opening) return;
  const handle = await opening.catch(() => null);
  opening = null;
  await handle?.close();
}
