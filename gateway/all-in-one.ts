/**
 * `npm start`: the gateway and the dashboard in one process, on one database handle (required for
 * embedded PGlite, fine on Postgres). For separate processes use `npm run start:gateway` and
 * `npm run start:web`. Missing settings are listed together, with a pointer to `npm run demo`.
 */
import { parseConfig } from '../dashboard/src/lib/server/config';
import { createDb, DatabaseConfigError } from '../db/client';
import { createLogger } from '../db/log';
import { migrate, MigrationError } from '../db/migrate';
import { FatalGatewayError, startGateway } from './app';
import { checkGatewayEnv, describeConfigProblems } from './env';
import { serveDashboard } from './ops/serve-dashboard';

const log = createLogger('invite-tracker');

async function main(): Promise<void> {
  const gatewayEnv = checkGatewayEnv();
  const dashboardEnv = parseConfig(process.env);
  const problems = [
    ...(gatewayEnv.ok ? [] : gatewayEnv.problems),
    ...(dashboardEnv.ok ? [] : dashboardEnv.problems.filter((p) => !p.startsWith('DISCORD_TOKEN'))),
  ];
  if (!gatewayEnv.ok || !dashboardEnv.ok) {
    log.fatal(describeConfigProblems('Invite Tracker', problems));
    process.exit(1);
  }
  const env = gatewayEnv.env;
  let stopping = false;
  const db = await createDb(env.databaseUrl, { log });
  await migrate(db, { log });
  const web = await serveDashboard(
    db,
    Number(process.env.PORT ?? 3000),
    process.env.HOST ?? '0.0.0.0',
  );
  log.info({ port: web.port }, `dashboard listening on port ${web.port}`);
  const gateway = await startGateway({
    ...env,
    db,
    log,
    attribution: {
      ...(env.settleMs !== undefined ? { settleMs: env.settleMs } : {}),
      ...(env.incrementLagMs !== undefined ? { maxIncrementLagMs: env.incrementLagMs } : {}),
    },
    onFatal: () => void stop(1),
  });

  async function stop(code: number): Promise<void> {
    if (stopping) return;
    stopping = true;
    const deadline = setTimeout(() => {
      log.error({ timeoutMs: env.shutdownTimeoutMs }, 'shutdown took too long; exiting');
      process.exit(1);
    }, env.shutdownTimeoutMs);
    deadline.unref();
    await gateway
      .stop({ resumable: code === 0 })
      .catch((err: unknown) => log.error({ err }, 'gateway stop failed'));
    await web.close();
    await db.close();
    process.exit(code);
  }
  process.once('SIGTERM', () => void stop(0));
  process.once('SIGINT', () => void stop(0));
}

main().catch((error: unknown) => {
  if (
    error instanceof DatabaseConfigError ||
    error instanceof MigrationError ||
    error instanceof FatalGatewayError
  ) {
    log.fatal(error.message);
  } else {
    log.fatal({ err: error }, 'Invite Tracker failed to start');
  }
  process.exit(1);
});
