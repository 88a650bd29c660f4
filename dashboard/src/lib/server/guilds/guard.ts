/** Route-level checks on top of the hooks (defence in depth: every guild load and action calls these). */
import { error } from '@sveltejs/kit';
import type { Session, SessionUser } from '../auth/session';
import type { GuildAccess } from './access';
import { translate } from '$lib/i18n';
import type { Db } from '$db/client';
import { getGuild } from '$db/queries/guilds';
import type { Locale } from '$db/schema';

type Locals = {
  locale: Locale;
  user: SessionUser | null;
  session: Session | null;
  guildAccess: GuildAccess | null;
};

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

/**
 * Changing a guild's settings or excluded codes needs the bot in it (the rows hang on the guild the
 * gateway stored); without it the page explains instead of failing on the database.
 */
export async function requireBotPresent(db: Db, locals: Pick<Locals, 'locale'>, guildId: string) {
  const guild = await getGuild(db, guildId);
  if (!guild || guild.removedAt !== null) {
    error(409, { message: translate(locals.locale, 'guild.botMissing'), key: 'guild.botMissing' });
  }
}
