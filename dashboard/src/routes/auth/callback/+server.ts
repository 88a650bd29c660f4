/**
 * Discord sends the user back here with `code` and `state`. The state must match the cookie set by
 * /login; the code is exchanged with the PKCE verifier; then the user is stored and a session begins.
 */
import { error, redirect } from '@sveltejs/kit';
import { upsertUsers } from '$db/queries/users';
import {
  OAUTH_NEXT_COOKIE,
  OAUTH_STATE_COOKIE,
  OAUTH_VERIFIER_COOKIE,
  setSessionCookie,
} from '$lib/server/auth/cookies';
import { exchangeCode, OAUTH_SCOPES } from '$lib/server/auth/oauth';
import { createSession, deleteExpiredSessions, invalidateSession } from '$lib/server/auth/session';
import { deriveTokenKey } from '$lib/server/auth/token-crypto';
import { getConfig } from '$lib/server/config';
import { fetchCurrentUser } from '$lib/server/discord/user-api';
import { forgetUserGuilds } from '$lib/server/guilds/access';
import { log } from '$lib/server/log';
import { safeNext } from '$lib/server/http/safe-next';
import { translate } from '$lib/i18n';
import type { RequestHandler } from './$types';

export const GET: RequestHandler = async ({ cookies, url, locals }) => {
  const config = getConfig();
  const expectedState = cookies.get(OAUTH_STATE_COOKIE);
  const verifier = cookies.get(OAUTH_VERIFIER_COOKIE);
  const next = safeNext(cookies.get(OAUTH_NEXT_COOKIE));
  for (const name of [OAUTH_STATE_COOKIE, OAUTH_VERIFIER_COOKIE, OAUTH_NEXT_COOKIE]) {
    cookies.delete(name, { path: '/' });
  }
  if (url.searchParams.get('error') === 'access_denied') redirect(303, '/?login=cancelled');

  const state = url.searchParams.get('state');
  const code = url.searchParams.get('code');
  if (!state || !code || !expectedState || !verifier || state !== expectedState) {
    log.warn(
      { hasState: Boolean(state), hasCookie: Boolean(expectedState) },
      'login refused: OAuth state missing or not matching',
    );
    error(400, { message: translate(locals.locale, 'login.badState'), key: 'login.badState' });
  }

  let tokens;
  let user;
  try {
    tokens = await exchangeCode(config, code, verifier);
    user = await fetchCurrentUser(config.userApiBase, tokens.accessToken);
  } catch (err) {
    log.warn({ err }, 'login failed: code exchange or user lookup');
    redirect(303, '/?login=failed');
  }
  if (tokens.scopes.length > 0 && !OAUTH_SCOPES.every((s) => tokens.scopes.includes(s))) {
    log.warn({ scopes: tokens.scopes }, 'login refused: scopes not granted');
    redirect(303, '/?login=failed');
  }

  const db = locals.db;
  await upsertUsers(db, [
    {
      id: user.id,
      username: user.username,
      globalName: user.global_name ?? null,
      avatar: user.avatar ?? null,
      bot: user.bot ?? false,
    },
  ]);
  // A new login replaces the session this browser had (no session fixation).
  if (locals.session) {
    forgetUserGuilds(locals.session.id);
    await invalidateSession(db, locals.session.id);
  }
  const { token, session } = await createSession(db, {
    userId: user.id,
    discordToken: tokens.accessToken,
    discordTokenExpiresAt: tokens.expiresAt,
    key: deriveTokenKey(config.sessionSecret),
  });
  setSessionCookie(cookies, token, session.expiresAt, config.cookieSecure);
  if (Math.random() < 0.05) await deleteExpiredSessions(db).catch(() => {});
  log.info({ userId: user.id }, 'user logged in');
  redirect(303, next);
};
