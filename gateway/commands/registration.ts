/**
 * Registers the commands on start by bulk overwrite (globally, or in one guild for development),
 * only when what Discord has differs from our definitions: restarts and several gateway processes
 * then cost one GET, not a PUT that resets Discord's command cache.
 */
import type { API } from '@discordjs/core';
import type { Logger } from '../../db/shared/log';
import { COMMAND_DEFINITIONS } from './definitions';

/** The fields we define, in a stable form, so Discord's additions (ids, versions) do not count as changes. */
function normalize(commands: readonly Record<string, unknown>[]): string {
  const keep = [
    'name',
    'name_localizations',
    'description',
    'description_localizations',
    'type',
    'options',
    'contexts',
  ];
  const clean = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(clean);
    if (value && typeof value === 'object') {
      return Object.fromEntries(
        Object.entries(value as Record<string, unknown>)
          .filter(([, v]) => v !== undefined && v !== null && !(Array.isArray(v) && v.length === 0))
          .filter(([k, v]) => !(k === 'required' && v === false))
          .sort(([a], [b]) => a.localeCompare(b))
          .map(([k, v]) => [k, clean(v)]),
      );
    }
    return value;
  };
  return JSON.stringify(
    commands
      .map((c) => Object.fromEntries(keep.filter((k) => k in c).map((k) => [k, c[k]])))
      .map(clean)
      .sort((a, b) =>
        String((a as { name: string }).name).localeCompare(String((b as { name: string }).name)),
      ),
  );
}

export async function registerCommands(
  api: API,
  applicationId: string,
  devGuildId: string | null,
  log: Logger,
): Promise<'unchanged' | 'updated'> {
  // Guild commands take no `contexts` (they only exist in that guild anyway).
  const body = devGuildId
    ? COMMAND_DEFINITIONS.map(({ contexts: _contexts, ...rest }) => rest)
    : COMMAND_DEFINITIONS;
  const wanted = body as unknown as Record<string, unknown>[];
  const current = devGuildId
    ? await api.applicationCommands.getGuildCommands(applicationId, devGuildId, {
        with_localizations: true,
      })
    : await api.applicationCommands.getGlobalCommands(applicationId, { with_localizations: true });
  if (normalize(current as unknown as Record<string, unknown>[]) === normalize(wanted)) {
    log.info({ scope: devGuildId ? 'guild' : 'global' }, 'slash commands are up to date');
    return 'unchanged';
  }
  if (devGuildId)
    await api.applicationCommands.bulkOverwriteGuildCommands(applicationId, devGuildId, body);
  else
    await api.applicationCommands.bulkOverwriteGlobalCommands(applicationId, COMMAND_DEFINITIONS);
  log.info({ scope: devGuildId ? `guild ${devGuildId}` : 'global' }, 'registered slash commands');
  return 'updated';
}
