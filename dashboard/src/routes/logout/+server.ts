/** Logout (POST only, origin-checked by SvelteKit): the session row is deleted, the cookie cleared. */
import { redirect } from '@sveltejs/kit';
import { deleteSessionCookie } from '$lib/server/auth/cookies';
import { revokeToken } from '$lib/server/auth/oauth';
import { invalidateSession } from '$lib/server/auth/session';
import { getConfig } from '$lib/server/config';
import { forgetUserGuilds } from '$lib/server/guilds/access';
import { log } from '$lib/server/log';
import type { RequestHandler } from './$types';

export const POST: RequestHandler = async ({ cookies, locals }) => {
  const config = getConfig();
  if (locals.session) {
    const { id, discordToken } = locals.session;
    forgetUserGuilds(id);
    await invalidateSession(locals.db, id);
    revokeToken(config, discordToken).catch((err) =>
      log.warn(
        { err: err instanceof Error ? err.name : 'error' },
        'revoking the Discord token failed',
      ),
    );
    log.info({ userId: locals.session.userId }, 'user logged out');
  }
  deleteSessionCookie(cookies, config.cookieSecure);
  redirect(303, '/');
};
