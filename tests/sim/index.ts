/**
 * Discord simulator: a local Discord (REST + gateway + OAuth2 on one 127.0.0.1 port) that the real
 * @discordjs/ws, @discordjs/rest and @discordjs/core connect to unchanged. See README.md here.
 */
import { Simulator } from './simulator';
import type { SimOptions } from './types';

export async function startSimulator(options?: SimOptions): Promise<Simulator> {
  return Simulator.start(options);
}

export { Simulator, SimError } from './simulator';
export { SimInteraction, type InvokeOptions } from './interactions';
export { DEFAULT_RATE_LIMITS } from './rate-limits';
export {
  ALL_PERMISSIONS,
  DEFAULT_BOT_PERMISSIONS,
  DEFAULT_EVERYONE_PERMISSIONS,
} from './permissions';
export { shardForGuild } from './snowflake';
export { sampleDelay } from './timing';
export type {
  CreateChannelOptions,
  CreateGuildOptions,
  CreateInviteOptions,
  CreateUserOptions,
} from './scenario';
export type * from './types';
