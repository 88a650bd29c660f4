/** Production entry of the gateway alone (`npm run start:gateway`): configuration → database → gateway. */
import { createLogger, sendLogsTo } from '../db/shared/log';
import { startGateway } from './app';
import { readGatewayConfig } from './env';
import { runEntry, runUntilStopped } from './ops/process';

const log = createLogger('gateway');

runEntry(log, 'gateway', async () => {
  const config = readGatewayConfig(process.env);
  log.level = config.logLevel;
  if (config.logFile) sendLogsTo(config.logFile);
  const gateway = await runUntilStopped(log, config, (db, onFatal) =>
    startGateway({ ...config.gateway, db, log, onFatal }),
  );
  log.info(
    { shards: gateway.shardIds, shardCount: gateway.shardCount, healthPort: gateway.healthPort },
    'gateway running',
  );
});
