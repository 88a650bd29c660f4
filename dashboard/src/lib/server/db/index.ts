/**
 * The dashboard's database: one handle per process, opened on first use from the configuration
 * (Postgres or embedded PGlite) with migrations applied, and put into `event.locals.db` by the hooks.
 *
 * When the dashboard runs in one process with the gateway (`npm start`, the demo: embedded PGlite
 * allows one process per data directory), that process hands its own handle over with each request
 * (`event.platform.req.db`, see gateway/all-in-one.ts) and this module never opens one.
 */
import type { DbHandle, RequestWithDb } from '$db/client';
import { openDatabase } from '$db/migrate';
import type { DashboardConfig } from '../config/parse';
import { log } from '../log';

let opening: Promise<DbHandle> | null = null;

/** The handle the hosting process passed with this request, if any. */
export function providedDb(platform: { req?: unknown } | undefined): DbHandle | undefined {
  return (platform?.req as RequestWithDb | undefined)?.db;
}

/** The dashboard's own handle, opened once (a failed open is retried by the next request). */
export function dashboardDb(config: DashboardConfig): Promise<DbHandle> {
  opening ??= openDatabase(config.database, { log });
  opening.catch(() => (opening = null));
  return opening;
}

/** For a clean shutdown: closes the handle the dashboard opened itself. */
export async function closeDashboardDb(): Promise<void> {
  if (!opening) return;
  const handle = await opening.catch(() => null);
  opening = null;
  await handle?.close();
}
