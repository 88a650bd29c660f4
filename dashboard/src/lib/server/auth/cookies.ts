/** The session cookie: httpOnly, SameSite=Lax, Secure (unless configured off for plain-http loopback), path=/. */
import type { Cookies } from '@sveltejs/kit';

/** With Secure, the `__Host-` prefix also pins the cookie to this host and path=/. */
export function sessionCookieName(secure: boolean): string {
  return secure ? '__Host-it_session' : 'it_session';
}

export function sessionCookieOptions(secure: boolean, expiresAt: Date) {
  return {
    httpOnly: true,
    sameSite: 'lax' as const,
    secure,
    path: '/',
    expires: expiresAt,
  };
}

export function setSessionCookie(
  cookies: Cookies,
  token: string,
  expiresAt: Date,
  secure: boolean,
): void {
  cookies.set(sessionCookieName(secure), token, sessionCookieOptions(secure, expiresAt));
}

export function deleteSessionCookie(cookies: Cookies, secure: boolean): void {
  cookies.delete(sessionCookieName(secure), { path: '/', secure, httpOnly: true, sameSite: 'lax' });
}

/** Short-lived cookies carrying the OAuth state and PKCE verifier from /login to /auth/callback. */
export const OAUTH_STATE_COOKIE = 'it_oauth_state';
export const OAUTH_VERIFIER_COOKIE = 'it_oauth_verifier';
export const OAUTH_NEXT_COOKIE = 'it_oauth_next';

export function oauthCookieOptions(secure: boolean) {
  return { httpOnly: true, sameSite: 'lax' as const, secure, path: '/', maxAge: 600 };
}
