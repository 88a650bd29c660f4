/**
 * startGateway options for a gateway talking to the Discord simulator: the production defaults of
 * gateway/env.ts (read from a minimal environment), a database handle, no identify spacing.
 */
import { pino } from 'pino';
import type { DbHandle } from '../../db/client';
import type { GatewayOptions } from '../../gateway/app';
import { readGatewayEnv } from '../../gateway/env';
import type { Simulator } from '../sim';

export function simulatorGateway(
  sim: Simulator,
  db: DbHandle,
  overrides: Partial<GatewayOptions> = {},
): GatewayOptions {
  const env = readGatewayEnv({
    DISCORD_TOKEN: sim.token,
    DISCORD_APPLICATION_ID: sim.applicationId,
    DISCORD_API_BASE: sim.api,
    HEALTH_PORT: '0',
    HEALTH_HOST: '127.0.0.1',
  });
  return { ...env, db, fastIdentify: true, log: pino({ level: 'silent' }), ...overrides };
}
