/**
 * `npm start`: the gateway and the dashboard in one process (all-in-one.ts). Missing settings of
 * either app are listed together, with a pointer to `npm run demo`. For separate processes use
 * `npm run start:gateway` and `npm run start:web`.
 */
import { createLogger, sendLogsTo } from '../db/shared/log';
import { dashboardConfigProblems, startAllInOne } from './all-in-one';
import { checkGatewayConfig, ConfigError, describeConfigProblems } from './env';
import { runEntry, runUntilStopped } from './ops/process';

const log = createLogger('invite-tracker');

runEntry(log, 'Invite Tracker', async () => {
  const gateway = checkGatewayConfig(process.env);
  // The dashboard needs DISCORD_TOKEN too; the gateway's check already names it.
  const problems = [
    ...(gateway.ok ? [] : gateway.problems),
    ...dashboardConfigProblems(process.env).filter((p) => !p.startsWith('DISCORD_TOKEN')),
  ];
  if (!gateway.ok || problems.length > 0) {
    throw new ConfigError(describeConfigProblems('Invite Tracker', problems));
  }
  const { config } = gateway;
  log.level = config.logLevel;
  if (config.logFile) sendLogsTo(config.logFile);
  const web = { port: Number(process.env.PORT || 3000), host: process.env.HOST || '0.0.0.0' };
  await runUntilStopped(log, config, (db, onFatal) =>
    startAllInOne({ db, log, web, gateway: { ...config.gateway, onFatal } }),
  );
});
