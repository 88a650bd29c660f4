/** Production entry of the gateway: validate configuration, start, stop cleanly on SIGTERM/SIGINT. */
import { DatabaseConfigError } from '../db/client';
import { createLogger } from '../db/log';
import { MigrationError } from '../db/migrate';
import { FatalGatewayError, startGateway, type RunningGateway } from './app';
import { ConfigError, readGatewayEnv } from './env';

const log = createLogger('gateway');

async function main(): Promise<void> {
  const env = readGatewayEnv();
  const started: { gateway?: RunningGateway } = {};
  const gateway = await startGateway({
    ...env,
    log,
    attribution: {
      ...(env.settleMs !== undefined ? { settleMs: env.settleMs } : {}),
      ...(env.incrementLagMs !== undefined ? { maxIncrementLagMs: env.incrementLagMs } : {}),
    },
    onFatal: () => {
      // During start, startGateway itself rejects with the reason.
      if (started.gateway)
        void started.gateway.stop({ resumable: false }).finally(() => process.exit(1));
    },
  });
  started.gateway = gateway;
  log.info(
    { shards: gateway.shardIds, shardCount: gateway.shardCount, healthPort: gateway.healthPort },
    'gateway running',
  );

  const shutdown = (signal: string) => {
    log.info({ signal }, 'stopping');
    const deadline = setTimeout(() => {
      log.error({ timeoutMs: env.shutdownTimeoutMs }, 'shutdown took too long; exiting');
      process.exit(1);
    }, env.shutdownTimeoutMs);
    deadline.unref();
    void gateway.stop({ resumable: true }).then(() => process.exit(0));
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
}

main().catch((error: unknown) => {
  if (
    error instanceof ConfigError ||
    error instanceof DatabaseConfigError ||
    error instanceof MigrationError ||
    error instanceof FatalGatewayError
  ) {
    log.fatal(error.message);
  } else {
    log.fatal({ err: error }, 'gateway failed to start');
  }
  process.exit(1);
});
