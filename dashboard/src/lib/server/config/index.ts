/**
 * The dashboard's configuration module: SvelteKit's private environment, parsed once (parse.ts) the
 * first time it is asked for.
 */
import { env } from '$env/dynamic/private';
import { parseConfig, type ConfigResult, type DashboardConfig } from './parse';

export type { DashboardConfig } from './parse';

let cached: ConfigResult | null = null;

export function getConfigResult(): ConfigResult {
  cached ??= parseConfig(env);
  return cached;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

export function getConfig(): DashboardConfig {
  const result = getConfigResult();
  if (!result.ok) throw new ConfigError(`dashboard configuration: ${result.problems.join('; ')}`);
  return result.config;
}
