/** Starts the Discord login: state + PKCE verifier in short-lived cookies, then off to Discord. */
import { redirect } from '@sveltejs/kit';
import { generateCodeVerifier, generateState } from 'arctic';
import {
  OAUTH_NEXT_COOKIE,
  OAUTH_STATE_COOKIE,
  OAUTH_VERIFIER_COOKIE,
  oauthCookieOptions,
} from '$lib/server/auth/cookies';
import { authorizationUrl } from '$lib/server/auth/oauth';
import { getConfig } from '$lib/server/config';
import { safeNext } from '$lib/server/http/safe-next';
import type { RequestHandler } from './$types';

export const GET: RequestHandler = ({ cookies, locals, url }) => {
  const next = safeNext(url.searchParams.get('next'));
  if (locals.user) redirect(303, next);
  const config = getConfig();
  const state = generateState();
  const verifier = generateCodeVerifier();
  const options = oauthCookieOptions(config.cookieSecure);
  cookies.set(OAUTH_STATE_COOKIE, state, options);
  cookies.set(OAUTH_VERIFIER_COOKIE, verifier, options);
  cookies.set(OAUTH_NEXT_COOKIE, next, options);
  redirect(302, authorizationUrl(config, state, verifier).toString());
};
