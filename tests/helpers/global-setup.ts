/** Once per test run: say which databases the db suite covers, and build the dashboard if needed. */
import { describeDatabaseUrl } from '../../db/client';
import { ensureDashboardBuild } from './dashboard-build';

export default function setup(): void {
  const url = process.env.TEST_DATABASE_URL;
  if (url) {
    const { target } = describeDatabaseUrl(url);
    console.log(`[db suite] running on PGlite and on Postgres at ${target} (TEST_DATABASE_URL)`);
  } else {
    console.log('[db suite] running on PGlite only; set TEST_DATABASE_URL to add Postgres');
  }
  // SKIP_DASHBOARD_BUILD=1 for quick runs of suites that do not serve the dashboard.
  if (process.env.SKIP_DASHBOARD_BUILD !== '1') ensureDashboardBuild((line) => console.log(line));
}
