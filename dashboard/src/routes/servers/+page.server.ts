/** The server picker: guilds the user manages, split into "bot present" and "bot missing". */
import { error, redirect } from '@sveltejs/kit';
import { presentGuildIds } from '$db/queries/guilds';
import { deleteSessionCookie } from '$lib/server/auth/cookies';
import { requireUser } from '$lib/server/auth/require-user';
import { invalidateSession } from '$lib/server/auth/session';
import { guildIconUrl } from '$lib/avatar';
import { getConfig } from '$lib/server/config';
import { loginUrl } from '$lib/server/http/safe-next';
import { DiscordAuthError } from '$lib/server/discord/user-api';
import { canManageGuild, userGuilds } from '$lib/server/guilds/access';
import { botInviteUrl } from '$lib/server/guilds/invite-link';
import { translate } from '$lib/i18n';
import type { PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ locals, cookies }) => {
  const { session } = requireUser(locals, '/servers');
  const config = getConfig();
  let guilds;
  try {
    guilds = await userGuilds(session, {
      apiBase: config.userApiBase,
      ttlSeconds: config.guildCacheSeconds,
    });
  } catch (err) {
    if (err instanceof DiscordAuthError) {
      await invalidateSession(locals.db, session.id);
      deleteSessionCookie(cookies, config.cookieSecure);
      redirect(303, loginUrl('/servers'));
    }
    error(503, { message: translate(locals.locale, 'error.discord.text') });
  }
  const managed = guilds.filter(canManageGuild);
  const present = await presentGuildIds(
    locals.db,
    managed.map((g) => g.id),
  );
  const byName = (a: { name: string }, b: { name: string }) => a.name.localeCompare(b.name);
  return {
    withBot: managed
      .filter((g) => present.has(g.id))
      .sort(byName)
      .map((g) => ({ id: g.id, name: g.name, icon: guildIconUrl(g.id, g.icon) })),
    withoutBot: managed
      .filter((g) => !present.has(g.id))
      .sort(byName)
      .map((g) => ({
        id: g.id,
        name: g.name,
        icon: guildIconUrl(g.id, g.icon),
        inviteUrl: botInviteUrl(config.authorizeUrl, config.clientId, g.id),
      })),
  };
};
