/**
 * Production entry of the REST proxy (`npm run start:proxy`): configuration → @discordjs/proxy on
 * PROXY_PORT, forwarding to PROXY_UPSTREAM. Point every gateway process's and the dashboard's
 * DISCORD_API_BASE at it (`http://<host>:<port>/api`) so they share the bot's rate limits.
 */
import { createLogger, sendLogsTo } from '../db/shared/log';
import { readProxyConfig } from './env';
import { runEntry, stopOnSignals } from './ops/process';
import { startRestProxy } from './ops/rest-proxy';

const log = createLogger('proxy');

runEntry(log, 'REST proxy', async () => {
  const config = readProxyConfig(process.env);
  log.level = config.logLevel;
  if (config.logFile) sendLogsTo(config.logFile);
  const proxy = await startRestProxy({ ...config, log });
  stopOnSignals(log, config.shutdownTimeoutMs, () => proxy.close());
  log.info(
    { port: proxy.port, upstream: config.upstream, globalLimit: config.globalRequestsPerSecond },
    'REST proxy running',
  );
});
