/** Route-level checks on top of the hooks (defence in depth: every guild load and action calls these). */
import { error, redirect } from '@sveltejs/kit';
import type { Session, SessionUser } from './auth/session';
import type { GuildAccess } from './guild-access';
import { translate } from '$lib/i18n';
import type { Locale } from '$db/schema';

type Locals = {
  locale: Locale;
  user: SessionUser | null;
  session: Session | null;
  guildAccess: GuildAccess | null;
};

/** The logged-in user, or a redirect to the login (which comes back to `next`). */
export function requireUser(locals: Locals, next: string): { user: SessionUser; session: Session } {
  if (!locals.user || !locals.session) redirect(303, `/login?next=${encodeURIComponent(next)}`);
  return { user: locals.user, session: locals.session };
}

/** The user manages this guild (owner, ADMINISTRATOR or MANAGE_GUILD), else 403. */
export function requireManager(locals: Locals): {
  user: SessionUser;
  session: Session;
  access: GuildAccess & { guild: NonNullable<GuildAccess['guild']> };
} {
  const access = locals.guildAccess;
  if (!locals.user || !locals.session || !access || !access.canManage || !access.guild) {
    error(403, { message: translate(locals.locale, 'error.403.text'), key: 'error.403.text' });
  }
  return { user: locals.user, session: locals.session, access: { ...access, guild: access.guild } };
}
