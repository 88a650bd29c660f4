/**
 * Every request passes these handles in order: response headers, language, configuration,
 * database, session, and for /servers/[guildId]/… the guild guard (the user must manage that
 * guild: checked once here for pages, actions and endpoints, see lib/server/guilds/guard.ts).
 */
import type { Handle, HandleServerError, ServerInit } from '@sveltejs/kit';
import { sequence } from '@sveltejs/kit/hooks';
import { deleteSessionCookie, sessionCookieName, setSessionCookie } from '$lib/server/auth/cookies';
import { validateSessionToken } from '$lib/server/auth/session';
import { deriveTokenKey } from '$lib/server/auth/token-crypto';
import { getConfig, getConfigResult } from '$lib/server/config';
import { closeDashboardDb, dashboardDb, providedDb } from '$lib/server/db';
import { guardGuild } from '$lib/server/guilds/guard';
import { escapeHtml } from '$lib/server/http/html';
import { createClientErrorLog } from '$lib/server/http/client-errors';
import { htmlPage } from '$lib/server/http/responses';
import { log } from '$lib/server/log';
import { sendLogsTo } from '$db/shared/log';
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
  if (result.config.logFile) sendLogsTo(result.config.logFile);
  // The database is opened by the first request that needs it: when the gateway hosts the
  // dashboard (all-in-one), every request brings the gateway's handle and none is opened here.
};

/** Security headers and the server time on every response. */
const responseHeaders: Handle = async ({ event, resolve }) => {
  const started = performance.now();
  const response = await resolve(event);
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

/** The user's language (cookie, else Accept-Language) for texts and `<html lang>`. */
const language: Handle = ({ event, resolve }) => {
  const locale = pickLocale(
    event.cookies.get(LOCALE_COOKIE),
    event.request.headers.get('accept-language'),
  );
  event.locals.locale = locale;
  event.locals.user = null;
  event.locals.session = null;
  event.locals.guild = null;
  return resolve(event, { transformPageChunk: ({ html }) => html.replace('%lang%', locale) });
};

/**
 * Without a complete configuration every page but /healthz names what is missing (503). The page is
 * for whoever runs the dashboard and is in English throughout, like the problems it lists and the
 * log line that says the same.
 */
const configured: Handle = ({ event, resolve }) => {
  if (event.url.pathname === '/healthz') return resolve(event);
  const result = getConfigResult();
  if (result.ok) return resolve(event);
  const lang = 'en';
  const items = result.problems.map((p) => `<li>${escapeHtml(p)}</li>`).join('');
  return htmlPage(
    503,
    lang,
    translate(lang, 'config.title'),
    `<p>${escapeHtml(translate(lang, 'config.text'))}</p><ul>${items}</ul>`,
  );
};

/** `locals.db`: the hosting process's handle, else the dashboard's own (opened once). */
const database: Handle = async ({ event, resolve }) => {
  if (event.url.pathname === '/healthz') return resolve(event);
  try {
    event.locals.db = (providedDb(event.platform) ?? (await dashboardDb(getConfig()))).db;
  } catch (error) {
    // The details (host, database, user) are for the log, not for every visitor.
    log.error({ err: error }, 'dashboard database is not available');
    const lang = event.locals.locale;
    return htmlPage(
      503,
      lang,
      translate(lang, 'db.title'),
      `<p>${escapeHtml(translate(lang, 'db.text'))}</p>`,
    );
  }
  return resolve(event);
};

let tokenKey: Buffer | null = null;
const key = () => (tokenKey ??= deriveTokenKey(getConfig().sessionSecret));

/** `locals.user` and `locals.session` from the session cookie (extended while in use). */
const session: Handle = async ({ event, resolve }) => {
  if (event.url.pathname === '/healthz') return resolve(event);
  const config = getConfig();
  const token = event.cookies.get(sessionCookieName(config.cookieSecure));
  if (!token) return resolve(event);
  const result = await validateSessionToken(event.locals.db, token, { key: key() });
  if (result) {
    event.locals.user = result.user;
    event.locals.session = result.session;
    if (result.extended) {
      setSessionCookie(event.cookies, token, result.session.expiresAt, config.cookieSecure);
    }
  } else deleteSessionCookie(event.cookies, config.cookieSecure);
  return resolve(event);
};

/** /servers/[guildId]/…: only for users who manage that guild (`locals.guild`). */
const guildGuard: Handle = async ({ event, resolve }) => {
  if (event.params.guildId === undefined) return resolve(event);
  return (await guardGuild(event, getConfig())) ?? resolve(event);
};

export const handle = sequence(
  responseHeaders,
  language,
  configured,
  database,
  session,
  guildGuard,
);

/** 4xx that SvelteKit raises (415, 413, 405…) are the client's mistake: warnings, rate-limited. */
const clientErrors = createClientErrorLog(log);

export const handleError: HandleServerError = ({ error, event, status, message }) => {
  if (status === 404) return { message: 'Not Found' };
  if (status >= 400 && status < 500) {
    clientErrors.report({
      status,
      method: event.request.method,
      path: event.url.pathname,
      route: event.route.id,
      reason: error instanceof Error ? error.message : message,
    });
    return { message };
  }
  log.error(
    { err: error, path: event.url.pathname, route: event.route.id, status },
    'request failed',
  );
  return { message: 'Internal Error' };
};
