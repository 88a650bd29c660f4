/** Every guild page: the user must manage the guild (re-checked per request, see hooks.server.ts). */
import { getGuild } from '$db/queries/guilds';
import { getConfig } from '$lib/server/config';
import { requireManager } from '$lib/server/guilds/guard';
import { botInviteUrl } from '$lib/server/guilds/invite-link';
import type { LayoutServerLoad } from './$types';

export const load: LayoutServerLoad = async ({ locals, params }) => {
  const { access } = requireManager(locals);
  const guild = await getGuild(locals.db, params.guildId);
  const config = getConfig();
  return {
    guild: { id: params.guildId, name: guild?.name ?? access.guild.name },
    botPresent: guild !== null && guild.removedAt === null,
    inviteUrl: botInviteUrl(config.authorizeUrl, config.clientId, params.guildId),
  };
};
