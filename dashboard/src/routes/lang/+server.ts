/** The language switch (POST): remembers de/en in a cookie and goes back to the page. */
import { redirect } from '@sveltejs/kit';
import { getConfigResult } from '$lib/server/config';
import { safeNext } from '$lib/server/http/safe-next';
import { isLocale, LOCALE_COOKIE } from '$lib/i18n';
import type { RequestHandler } from './$types';

export const POST: RequestHandler = async ({ cookies, request }) => {
  const form = await request.formData();
  const lang = form.get('lang');
  const next = safeNext(String(form.get('next') ?? ''), '/');
  if (isLocale(lang)) {
    const config = getConfigResult();
    cookies.set(LOCALE_COOKIE, lang, {
      path: '/',
      maxAge: 365 * 86_400,
      sameSite: 'lax',
      httpOnly: true,
      secure: config.ok ? config.config.cookieSecure : true,
    });
  }
  redirect(303, next);
};
