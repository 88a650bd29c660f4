/** Every guild page: the guard verified the user manages the guild (a non-manager gets the 403 page here). */
import { getGuild } from '$db/queries/guilds';
import { guildIconUrl } from '$lib/avatar';
import { getConfig } from '$lib/server/config';
import { managedGuild } from '$lib/server/guilds/guard';
import { botInviteUrl } from '$lib/server/guilds/invite-link';
import type { LayoutServerLoad } from './$types';

export const load: LayoutServerLoad = async ({ locals }) => {
  const guild = managedGuild(locals);
  const stored = await getGuild(locals.db, guild.id);
  const config = getConfig();
  return {
    guild: {
      id: guild.id,
      name: stored?.name ?? guild.name,
      icon: guildIconUrl(guild.id, stored?.icon),
    },
    botPresent: stored !== null && stored.removedAt === null,
    inviteUrl: botInviteUrl(config.authorizeUrl, config.clientId, guild.id),
  };
};
