/**
 * Application commands: bulk overwrite (PUT) and list (GET), global and per guild. Ids stay stable
 * when a command with the same name and type is overwritten; the version changes when it differs.
 */
import type { Core } from '../core';
import { E, apiError, isRecord, json, type RequestContext, type Route } from '../http';
import type { CommandRec } from '../state';
import { botGuild } from './common';

const NAME = /^[-_'\p{L}\p{N}\p{sc=Deva}\p{sc=Thai}]{1,32}$/u;

function checkApp(ctx: RequestContext): void {
  if (ctx.params.app !== ctx.core.applicationId) throw apiError(403, 50001, 'Missing Access');
}

function listFor(core: Core, guildId: string | null): CommandRec[] {
  return guildId ? (core.world.guildCommands.get(guildId) ?? []) : core.world.globalCommands;
}

export function commandPayload(core: Core, c: CommandRec): Record<string, unknown> {
  const p = c.payload;
  return {
    id: c.id,
    application_id: core.applicationId,
    version: c.version,
    default_member_permissions: p.default_member_permissions ?? null,
    type: c.type,
    name: c.name,
    name_localizations: p.name_localizations ?? null,
    description: p.description ?? '',
    description_localizations: p.description_localizations ?? null,
    ...(c.guildId ? { guild_id: c.guildId } : { dm_permission: p.dm_permission ?? true }),
    ...(Array.isArray(p.options) ? { options: p.options } : {}),
    contexts: p.contexts ?? null,
    integration_types: p.integration_types ?? [0],
    nsfw: p.nsfw ?? false,
  };
}

/** Discord's checks on a command, reported as 50035 with the index path ("0.name"). */
function validate(list: unknown): Record<string, unknown>[] {
  if (!Array.isArray(list)) throw E.invalidForm('', 'BASE_TYPE_ARRAY', 'Must be an array.');
  if (list.length > 100)
    throw E.invalidForm('', 'BASE_TYPE_MAX_LENGTH', 'Must be 100 or fewer in length.');
  const seen = new Set<string>();
  return list.map((raw, i) => {
    if (!isRecord(raw))
      throw E.invalidForm(
        `${i}`,
        'DICT_TYPE_CONVERT',
        'Only dictionaries may be used in a DictType',
      );
    const type = typeof raw.type === 'number' ? raw.type : 1;
    const name = raw.name;
    if (
      typeof name !== 'string' ||
      !NAME.test(name) ||
      (type === 1 && name !== name.toLowerCase())
    ) {
      throw E.invalidForm(
        `${i}.name`,
        'APPLICATION_COMMAND_INVALID_NAME',
        'Command name is invalid',
      );
    }
    if (type === 1) {
      const description = raw.description;
      if (typeof description !== 'string' || description.length < 1 || description.length > 100) {
        throw E.invalidForm(
          `${i}.description`,
          'BASE_TYPE_BAD_LENGTH',
          'Must be between 1 and 100 in length.',
        );
      }
    }
    const key = `${type}:${name}`;
    if (seen.has(key)) {
      throw E.invalidForm(
        `${i}.name`,
        'APPLICATION_COMMANDS_DUPLICATE_NAME',
        'Application command names must be unique',
      );
    }
    seen.add(key);
    return { ...raw, type };
  });
}

function overwrite(core: Core, guildId: string | null, body: unknown): CommandRec[] {
  const incoming = validate(body);
  const previous = listFor(core, guildId);
  const next = incoming.map((payload) => {
    const type = payload.type as number;
    const name = payload.name as string;
    const old = previous.find((c) => c.name === name && c.type === type);
    const same = old && JSON.stringify(old.payload) === JSON.stringify(payload);
    return {
      id: old?.id ?? core.ids.snowflake(),
      applicationId: core.applicationId,
      guildId,
      version: same && old ? old.version : core.ids.snowflake(),
      type,
      name,
      payload,
    };
  });
  if (guildId) core.world.guildCommands.set(guildId, next);
  else core.world.globalCommands = next;
  return next;
}

export const commandRoutes: Route[] = [
  {
    method: 'GET',
    pattern: '/applications/:app/commands',
    auth: 'bot',
    handler: (ctx) => {
      checkApp(ctx);
      return json(listFor(ctx.core, null).map((c) => commandPayload(ctx.core, c)));
    },
  },
  {
    method: 'PUT',
    pattern: '/applications/:app/commands',
    auth: 'bot',
    handler: (ctx) => {
      checkApp(ctx);
      return json(overwrite(ctx.core, null, ctx.body).map((c) => commandPayload(ctx.core, c)));
    },
  },
  {
    method: 'GET',
    pattern: '/applications/:app/guilds/:guild/commands',
    auth: 'bot',
    handler: (ctx) => {
      checkApp(ctx);
      const guild = botGuild(ctx.core, ctx.params.guild ?? '');
      return json(listFor(ctx.core, guild.id).map((c) => commandPayload(ctx.core, c)));
    },
  },
  {
    method: 'PUT',
    pattern: '/applications/:app/guilds/:guild/commands',
    auth: 'bot',
    handler: (ctx) => {
      checkApp(ctx);
      const guild = botGuild(ctx.core, ctx.params.guild ?? '');
      return json(overwrite(ctx.core, guild.id, ctx.body).map((c) => commandPayload(ctx.core, c)));
    },
  },
];
