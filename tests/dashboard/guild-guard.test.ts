import { readdirSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import { describe, expect, it } from 'vitest';
import { GUILD_ENDPOINT_ROUTES } from '../../dashboard/src/lib/server/guilds/endpoints';

const ROUTES = resolve(import.meta.dirname, '..', '..', 'dashboard', 'src', 'routes');

/** Route ids of the files called `name` below `dir` (as SvelteKit names them: /servers/[guildId]/…). */
function routeIds(dir: string, name: string): string[] {
  const found: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) found.push(...routeIds(path, name));
    else if (entry.name === name) found.push(`/${relative(ROUTES, dir).split(sep).join('/')}`);
  }
  return found;
}

describe('guild guard', () => {
  it('knows every +server endpoint under /servers/[guildId], so it refuses them itself', () => {
    const endpoints = routeIds(join(ROUTES, 'servers', '[guildId]'), '+server.ts');
    expect(endpoints.length).toBeGreaterThan(0);
    expect([...GUILD_ENDPOINT_ROUTES].sort()).toEqual(endpoints.sort());
  });
});
