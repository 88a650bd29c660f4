/**
 * startGateway's arguments for a gateway talking to the Discord simulator: the production defaults
 * (configuration read from a minimal environment, as gateway/env.ts does), a database handle, no
 * identify spacing. Use as `startGateway(...simulatorGateway(sim, db))`.
 */
import { pino } from 'pino';
import type { DbHandle } from '../../db/client';
import { readGatewayConfig } from '../../gateway/env';
import type { GatewayOptions, GatewayTestHooks } from '../../gateway/options';
import type { Simulator } from '../sim';

export type TestGatewayOverrides = Partial<GatewayOptions> & GatewayTestHooks;

export function simulatorGateway(
  sim: Simulator,
  db: DbHandle,
  overrides: TestGatewayOverrides = {},
): [GatewayOptions, GatewayTestHooks] {
  const { gateway } = readGatewayConfig({
    DISCORD_TOKEN: sim.token,
    DISCORD_APPLICATION_ID: sim.applicationId,
    DISCORD_API_BASE: sim.api,
    HEALTH_PORT: '0',
    HEALTH_HOST: '127.0.0.1',
  });
  const {
    fastIdentify = true,
    rest,
    handlers,
    commandQueries,
    rewardClock,
    ...options
  } = overrides;
  return [
    { ...gateway, db, log: pino({ level: 'silent' }), ...options },
    { fastIdentify, rest, handlers, commandQueries, rewardClock },
  ];
}
