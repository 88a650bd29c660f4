/**
 * Every request passes here: timing and security headers, language, configuration check, session,
 * and for /servers/[guildId]/… the user's permission in that guild (re-checked against Discord,
 * cached at most GUILD_CACHE_SECONDS). Non-managers get 403 on every action and endpoint here; the
 * guild layout refuses page loads with a 403 page.
 */
import type { Handle, HandleServerError, ServerInit } from '@sveltejs/kit';
import { sequence } from '@sveltejs/kit/hooks';
import { deleteSessionCookie, sessionCookieName, setSessionCookie } from '$lib/server/auth/cookies';
import { invalidateSession, validateSessionToken } from '$lib/server/auth/session';
import { deriveTokenKey } from '$lib/server/auth/token-crypto';
import { getConfig, getConfigResult } from '$lib/server/config';
import { closeDashboardDb, dashboardDb, providedDb } from '$lib/server/db';
import { DiscordAuthError } from '$lib/server/discord/user-api';
import { accessFor, forgetUserGuilds, userGuilds } from '$lib/server/guilds/access';
import { escapeHtml } from '$lib/server/http/html';
import { log } from '$lib/server/log';
import { htmlPage, refusal } from '$lib/server/http/responses';
import { LOCALE_COOKIE, pickLocale, translate } from '$lib/i18n';

export const init: ServerInit = async () => {
  // adapter-node emits this after its HTTP server closed (SIGTERM/SIGINT): close the database
  // pool too, or its open connections keep the process from exiting.
  process.once('sveltekit:shutdown' as 'exit', () => void closeDashboardDb());
  const result = getConfigResult();
  if (!result.ok) {
    log.error(
      { problems: result.problems },
      `dashboard configuration incomplete: ${result.problems.join('; ')}`,
    );
    return;
  }
  log.level = result.config.logLevel;
  // The database is opened by the first request that needs it: when the gateway hosts the
  // dashboard (all-in-one), every request brings the gateway's handle and none is opened here.
};

let tokenKey: Buffer | null = null;
const key = () => (tokenKey ??= deriveTokenKey(getConfig().sessionSecret));

const headers: Handle = async ({ event, resolve }) => {
  const started = performance.now();
  const response = await resolve(event, {
    transformPageChunk: ({ html }) => html.replace('%lang%', event.locals.locale ?? 'de'),
  });
  const set = (name: string, value: string) => {
    if (!response.headers.has(name)) response.headers.set(name, value);
  };
  try {
    set('X-Frame-Options', 'DENY');
    set('X-Content-Type-Options', 'nosniff');
    set('Referrer-Policy', 'same-origin');
    set('Cross-Origin-Opener-Policy', 'same-origin');
    set('Permissions-Policy', 'camera=(), microphone=(), geolocation=(), interest-cohort=()');
    if (event.locals.user) set('Cache-Control', 'private, no-store');
    response.headers.append('Server-Timing', `app;dur=${(performance.now() - started).toFixed(1)}`);
  } catch {
    // Immutable headers (e.g. a fetched response passed through): leave them.
  }
  return response;
};

const language: Handle = ({ event, resolve }) => {
  event.locals.locale = pickLocale(
    event.cookies.get(LOCALE_COOKIE),
    event.request.headers.get('accept-language'),
  );
  event.locals.user = null;
  event.locals.session = null;
  event.locals.guildAccess = null;
  return resolve(event);
};

const configured: Handle = async ({ event, resolve }) => {
  if (event.url.pathname === '/healthz') return resolve(event);
  const result = getConfigResult();
  const lang = event.locals.locale;
  if (!result.ok) {
    const items = result.problems.map((p) => `<li>${escapeHtml(p)}</li>`).join('');
    return htmlPage(
      503,
      lang,
      translate(lang, 'config.title'),
      `<p>${escapeHtml(translate(lang, 'config.text'))}</p><ul>${items}</ul>`,
    );
  }
  try {
    event.locals.db = (providedDb(event.platform) ?? (await dashboardDb(result.config))).db;
  } catch (error) {
    // The details (host, database, user) are for the log, not for every visitor.
    log.error({ err: error }, 'dashboard database is not available');
    return htmlPage(
      503,
      lang,
      translate(lang, 'db.title'),
      `<p>${escapeHtml(translate(lang, 'db.text'))}</p>`,
    );
  }
  return resolve(event);
};

const session: Handle = async ({ event, resolve }) => {
  if (event.url.pathname === '/healthz') return resolve(event);
  const config = getConfig();
  const name = sessionCookieName(config.cookieSecure);
  const token = event.cookies.get(name);
  if (token) {
    const result = await validateSessionToken(event.locals.db, token, { key: key() });
    if (result) {
      event.locals.user = result.user;
      event.locals.session = result.session;
      if (result.extended) {
        setSessionCookie(event.cookies, token, result.session.expiresAt, config.cookieSecure);
      }
    } else deleteSessionCookie(event.cookies, config.cookieSecure);
  }
  return resolve(event);
};

const guildGuard: Handle = async ({ event, resolve }) => {
  const guildId = event.params.guildId;
  if (guildId === undefined) return resolve(event);
  const { request, locals } = event;
  const lang = locals.locale;
  const t = (k: Parameters<typeof translate>[1]) => translate(lang, k);
  const isRead = request.method === 'GET' || request.method === 'HEAD';
  const toLogin = () =>
    new Response(null, {
      status: 303,
      headers: {
        location: `/login?next=${encodeURIComponent(event.url.pathname + event.url.search)}`,
      },
    });
  if (!/^\d{17,20}$/.test(guildId)) {
    return refusal(request, 404, lang, t('error.404.title'), t('error.404.text'));
  }
  if (!locals.user || !locals.session) {
    return isRead
      ? toLogin()
      : refusal(request, 401, lang, t('error.401.title'), t('error.401.text'));
  }
  const config = getConfig();
  try {
    const guilds = await userGuilds(locals.session, {
      apiBase: config.apiBase,
      ttlSeconds: config.guildCacheSeconds,
    });
    locals.guildAccess = accessFor(guilds, guildId);
  } catch (error) {
    if (error instanceof DiscordAuthError) {
      // The Discord token was revoked or expired: the session is over, log in again.
      forgetUserGuilds(locals.session.id);
      await invalidateSession(locals.db, locals.session.id);
      deleteSessionCookie(event.cookies, config.cookieSecure);
      locals.user = null;
      locals.session = null;
      return isRead
        ? toLogin()
        : refusal(request, 401, lang, t('error.401.title'), t('error.401.text'));
    }
    log.warn({ err: error, guildId }, 'could not check guild permissions with Discord');
    return refusal(request, 503, lang, t('error.discord.title'), t('error.discord.text'));
  }
  if (!locals.guildAccess.canManage && !isRead) {
    log.info(
      { userId: locals.user.id, guildId, method: request.method, route: event.route.id },
      'refused: not a manager of this guild',
    );
    return refusal(request, 403, lang, t('error.403.title'), t('error.403.text'));
  }
  return resolve(event);
};

export const handle = sequence(headers, language, configured, session, guildGuard);

export const handleError: HandleServerError = ({ error, event, status }) => {
  if (status !== 404) {
    log.error(
      { err: error, path: event.url.pathname, route: event.route.id, status },
      'request failed',
    );
  }
  return { message: status === 404 ? 'Not Found' : 'Internal Error' };
};
