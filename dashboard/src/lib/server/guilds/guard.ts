/**
 * The guild guard: every request under /servers/[guildId]/… (pages, form actions, +server
 * endpoints) is checked once, in the hooks, against the user's guild list from Discord. Page reads
 * may use the list cached for GUILD_CACHE_SECONDS; actions and endpoints (the CSV export) ask
 * Discord afresh, so a manager who lost Manage Server cannot write on the strength of the cache.
 * Routes read the verified guild with `managedGuild(locals)`.
 *
 * Actions and endpoints are refused in the hook itself (401/403), so they never run for a
 * non-manager. A page read by a non-manager is let through without a guild: the guild layout's
 * `managedGuild` then renders SvelteKit's 403 error page, and because SvelteKit runs page loads
 * alongside the layout's, each page load reads the guild the same way and refuses too, before
 * touching the database.
 */
import { error, type Cookies } from '@sveltejs/kit';
import type { Db } from '$db/client';
import { getGuild } from '$db/queries/guilds';
import type { Locale } from '$db/schema';
import { translate } from '$lib/i18n';
import { deleteSessionCookie } from '../auth/cookies';
import { invalidateSession, type Session, type SessionUser } from '../auth/session';
import { DiscordAuthError } from '../discord/user-api';
import { refusal } from '../http/responses';
import { loginUrl } from '../http/safe-next';
import { log } from '../log';
import { accessFor, forgetUserGuilds, userGuilds } from './access';
import { GUILD_ENDPOINT_ROUTES } from './endpoints';

/** A guild the logged-in user manages (owner, ADMINISTRATOR or MANAGE_GUILD), as verified by the guard. */
export type ManagedGuild = {
  id: string;
  /** The name in the user's guild list from Discord. */
  name: string;
  user: SessionUser;
  session: Session;
};

type GuardEvent = {
  request: Request;
  url: URL;
  params: Partial<Record<string, string>>;
  route: { id: string | null };
  cookies: Cookies;
  locals: App.Locals;
};

type GuardSettings = { userApiBase: string; guildCacheSeconds: number; cookieSecure: boolean };

/**
 * Checks the request's guild. Returns the response that refuses it, or null to go on (with
 * `locals.guild` set for a manager, null for a non-manager's page read).
 */
export async function guardGuild(
  event: GuardEvent,
  settings: GuardSettings,
): Promise<Response | null> {
  const { request, locals } = event;
  const guildId = event.params.guildId;
  locals.guild = null;
  if (guildId === undefined) return null;
  const isRead = request.method === 'GET' || request.method === 'HEAD';
  const pageRead = isRead && !GUILD_ENDPOINT_ROUTES.has(event.route.id ?? '');
  const refuse = (status: number, kind: '401' | '403' | '404' | 'discord') =>
    refusal(
      request,
      status,
      locals.locale,
      translate(locals.locale, `error.${kind}.title`),
      translate(locals.locale, `error.${kind}.text`),
    );
  const toLogin = () =>
    new Response(null, {
      status: 303,
      headers: { location: loginUrl(event.url.pathname + event.url.search) },
    });

  if (!/^\d{17,20}$/.test(guildId)) return refuse(404, '404');
  if (!locals.user || !locals.session) return isRead ? toLogin() : refuse(401, '401');
  let access;
  try {
    // Reads may trust the cached list; whatever changes state (and the export) asks Discord afresh.
    const guilds = await userGuilds(locals.session, {
      apiBase: settings.userApiBase,
      ttlSeconds: settings.guildCacheSeconds,
      fresh: !pageRead,
    });
    access = accessFor(guilds, guildId);
  } catch (err) {
    if (err instanceof DiscordAuthError) {
      // The Discord token was revoked or expired: the session is over, log in again.
      forgetUserGuilds(locals.session.id);
      await invalidateSession(locals.db, locals.session.id);
      deleteSessionCookie(event.cookies, settings.cookieSecure);
      locals.user = null;
      locals.session = null;
      return isRead ? toLogin() : refuse(401, '401');
    }
    log.warn({ err, guildId }, 'could not check guild permissions with Discord');
    return refuse(503, 'discord');
  }
  if (access.canManage && access.guild) {
    locals.guild = {
      id: guildId,
      name: access.guild.name,
      user: locals.user,
      session: locals.session,
    };
    return null;
  }
  if (pageRead) return null;
  log.info(
    { userId: locals.user.id, guildId, method: request.method, route: event.route.id },
    'refused: not a manager of this guild',
  );
  return refuse(403, '403');
}

/**
 * The guild the guard verified for this request. Actions and endpoints only run after its yes;
 * in a page load of a non-manager this throws the 403 that renders the error page.
 */
export function managedGuild(locals: Pick<App.Locals, 'guild' | 'locale'>): ManagedGuild {
  if (!locals.guild) {
    error(403, { message: translate(locals.locale, 'error.403.text'), key: 'error.403.text' });
  }
  return locals.guild;
}

/**
 * Changing a guild's settings or excluded codes needs the bot in it (the rows hang on the guild the
 * gateway stored); without it the page explains instead of failing on the database.
 */
export async function requireBotPresent(db: Db, locale: Locale, guildId: string): Promise<void> {
  const guild = await getGuild(db, guildId);
  if (!guild || guild.removedAt !== null) {
    error(409, { message: translate(locale, 'guild.botMissing'), key: 'guild.botMissing' });
  }
}
