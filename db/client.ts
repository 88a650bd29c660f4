/**
 * Opens the database: Postgres through postgres.js when a URL is given, otherwise embedded PGlite in a
 * data directory (default `./data/pglite`). Both are Drizzle databases over the same schema.
 */
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import type { SQL } from 'drizzle-orm';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { drizzle as drizzlePostgres } from 'drizzle-orm/postgres-js';
import postgres from 'postgres';
import { silentLogger, type Logger } from './shared/log';
import * as schema from './schema';

export type Schema = typeof schema;
/** A Drizzle database or transaction over our schema; shared queries take this. */
export type Db = PgDatabase<PgQueryResultHKT, Schema>;

export type DbHandle =
  | {
      kind: 'postgres';
      db: Db;
      client: postgres.Sql;
      /** The connection URL (contains the password: never log it; use `target`). */
      url: string;
      target: string;
      close: () => Promise<void>;
    }
  | { kind: 'pglite'; db: Db; client: PGlite; target: string; close: () => Promise<void> };

/**
 * A Node request carrying the database handle of the process that serves it: gateway/all-in-one.ts
 * passes its handle to the built dashboard this way (SvelteKit's `event.platform.req`).
 */
export type RequestWithDb = { db?: DbHandle };

/** A configuration or connection problem, with a message fit to show an operator (never contains a password). */
export class DatabaseConfigError extends Error {
  override name = 'DatabaseConfigError';
}

export const DEFAULT_PGLITE_DIR = join('data', 'pglite');

export type CreateDbOptions = {
  log?: Logger;
  /** PGlite data directory when no URL is given (default ./data/pglite); `memory://` for tests. */
  dataDir?: string;
  /**
   * The URL goes through a transaction-pooling proxy (PgBouncer, Fly's pooled URL): prepared
   * statements break there, so none are used.
   */
  pooled?: boolean;
  /** Pool size for postgres.js. */
  max?: number;
  /** Seconds to wait for the first connection. */
  connectTimeout?: number;
};

/** Parses a Postgres URL and describes it as `user@host:port/database`, never including the password. */
export function describeDatabaseUrl(url: string): { target: string; password: string | undefined } {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new DatabaseConfigError(
      'DATABASE_URL is not a valid URL; expected postgres://user:password@host:5432/database',
    );
  }
  if (parsed.protocol !== 'postgres:' && parsed.protocol !== 'postgresql:') {
    throw new DatabaseConfigError(
      `DATABASE_URL must start with postgres:// or postgresql:// (got ${parsed.protocol}//)`,
    );
  }
  const database = decodeURIComponent(parsed.pathname.replace(/^\//, ''));
  if (!parsed.hostname || !database) {
    throw new DatabaseConfigError(
      `DATABASE_URL must name a host and a database (got host "${parsed.hostname}", database "${database}")`,
    );
  }
  const user = parsed.username ? `${decodeURIComponent(parsed.username)}@` : '';
  const port = parsed.port || '5432';
  return {
    target: `${user}${parsed.hostname}:${port}/${database}`,
    password: parsed.password ? decodeURIComponent(parsed.password) : undefined,
  };
}

export async function createDb(url?: string, options: CreateDbOptions = {}): Promise<DbHandle> {
  const log = options.log ?? silentLogger;
  if (url) return openPostgres(url, options, log);
  const dataDir = options.dataDir ?? DEFAULT_PGLITE_DIR;
  return openPglite(dataDir.startsWith('memory://') ? dataDir : resolve(dataDir), log);
}

async function openPostgres(url: string, options: CreateDbOptions, log: Logger): Promise<DbHandle> {
  const { target, password } = describeDatabaseUrl(url);
  const client = postgres(url, {
    max: options.max ?? 10,
    connect_timeout: options.connectTimeout ?? 10,
    prepare: !options.pooled,
    onnotice: () => {},
  });
  try {
    await client`select 1`;
  } catch (error) {
    await client.end({ timeout: 0 }).catch(() => {});
    let reason = error instanceof Error ? error.message : String(error);
    if (password) reason = reason.split(password).join('***');
    throw new DatabaseConfigError(`Cannot connect to Postgres at ${target}: ${reason}`);
  }
  log.info({ database: 'postgres', target }, `using Postgres at ${target}`);
  const db = drizzlePostgres(client, { schema }) as unknown as Db;
  return { kind: 'postgres', db, client, url, target, close: () => client.end({ timeout: 5 }) };
}

async function openPglite(dataDir: string, log: Logger): Promise<DbHandle> {
  const inMemory = dataDir.startsWith('memory://');
  if (!inMemory) mkdirSync(dataDir, { recursive: true });
  let client: PGlite;
  try {
    client = await PGlite.create(inMemory ? undefined : dataDir);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new DatabaseConfigError(
      `Cannot open the embedded database (PGlite) in ${dataDir}: ${reason}. ` +
        'Only one process can open it at a time; set DATABASE_URL to use Postgres instead.',
    );
  }
  const target = inMemory ? 'memory://' : dataDir;
  log.info(
    { database: 'pglite', target },
    `DATABASE_URL is not set: using embedded PGlite in ${target}`,
  );
  const db = drizzlePglite(client, { schema }) as unknown as Db;
  return { kind: 'pglite', db, client, target, close: () => client.close() };
}

/** Runs raw SQL and returns its rows; postgres.js returns an array, PGlite an object with `rows`. */
export async function queryRows<T extends Record<string, unknown>>(
  db: Db,
  query: SQL,
): Promise<T[]> {
  const result = (await db.execute(query)) as unknown as T[] | { rows: T[] };
  return Array.isArray(result) ? result : result.rows;
}
