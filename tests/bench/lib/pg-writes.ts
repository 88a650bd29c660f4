/**
 * Rows written to a Postgres database, from its statistics (pg_stat_database, pg_stat_user_tables):
 * the server's own count, whatever process wrote them. Backends report their counts after a commit
 * at most once a second, or after 10 s idle, so `settledWrites` waits until the numbers stop moving.
 */
import { sql } from 'drizzle-orm';
import { queryRows, type Db } from '../../../db/client';

export type Writes = { total: number; byTable: Record<string, number> };

export async function writes(db: Db): Promise<Writes> {
  const rows = await queryRows<{ relname: string; written: string | number }>(
    db,
    sql`select relname, (n_tup_ins + n_tup_upd + n_tup_del) as written from pg_stat_user_tables`,
  );
  const byTable = Object.fromEntries(rows.map((r) => [r.relname, Number(r.written)]));
  return { total: Object.values(byTable).reduce((a, b) => a + b, 0), byTable };
}

/** The counts once they have not changed for `quietMs` (at most `timeoutMs`: backends flush late). */
export async function settledWrites(db: Db, quietMs = 3000, timeoutMs = 20_000): Promise<Writes> {
  const deadline = Date.now() + timeoutMs;
  let last = await writes(db);
  let since = Date.now();
  while (Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 500));
    const now = await writes(db);
    if (now.total !== last.total) [last, since] = [now, Date.now()];
    else if (Date.now() - since >= quietMs) break;
  }
  return last;
}

export function writesBetween(before: Writes, after: Writes): Writes {
  const byTable: Record<string, number> = {};
  for (const [table, n] of Object.entries(after.byTable)) {
    const delta = n - (before.byTable[table] ?? 0);
    if (delta !== 0) byTable[table] = delta;
  }
  return { total: after.total - before.total, byTable };
}

/** The database's size on disk (tables, indexes, TOAST), in bytes. */
export async function databaseBytes(db: Db): Promise<number> {
  const [row] = await queryRows<{ bytes: string | number }>(
    db,
    sql`select pg_database_size(current_database()) as bytes`,
  );
  return Number(row!.bytes);
}
