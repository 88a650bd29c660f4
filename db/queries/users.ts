/** Discord users we have seen (members, inviters, dashboard logins): names for display without REST calls. */
import { inArray, sql } from 'drizzle-orm';
import { queryRows, type Db } from '../client';
import { invites, inviterStats, memberJoins, users } from '../schema';

export type UserProfile = {
  id: string;
  username: string;
  globalName: string | null;
  avatar: string | null;
  bot: boolean;
};

export async function upsertUsers(db: Db, profiles: readonly UserProfile[]): Promise<void> {
  if (profiles.length === 0) return;
  const unique = [...new Map(profiles.map((p) => [p.id, p])).values()];
  await db
    .insert(users)
    .values(unique)
    .onConflictDoUpdate({
      target: users.id,
      set: {
        username: sql`excluded.username`,
        globalName: sql`excluded.global_name`,
        avatar: sql`excluded.avatar`,
        bot: sql`excluded.bot`,
        updatedAt: sql`now()`,
      },
    });
}

export async function getUsers(db: Db, ids: readonly string[]): Promise<Map<string, UserProfile>> {
  if (ids.length === 0) return new Map();
  const rows = await db
    .select()
    .from(users)
    .where(inArray(users.id, [...new Set(ids)]));
  return new Map(rows.map((r) => [r.id, r]));
}

/** The name to show for a user: global display name, else username, else the id. */
export function displayName(
  profile: Pick<UserProfile, 'globalName' | 'username'> | undefined,
  id: string,
): string {
  return profile?.globalName || profile?.username || id;
}

/**
 * Inviters (of stored invites or attributed joins) with no directory entry, for the gateway's lazy
 * lookups: at most `limit`, leaving out `skip` (ids Discord could not name).
 */
export async function unnamedInviterIds(
  db: Db,
  limit: number,
  skip: readonly string[] = [],
): Promise<string[]> {
  const skipped =
    skip.length === 0
      ? sql`true`
      : sql`x.id not in (${sql.join(
          skip.map((id) => sql`${id}`),
          sql`, `,
        )})`;
  const rows = await queryRows<{ id: string | bigint }>(
    db,
    sql`select x.id from (
          select distinct inviter_id as id from ${invites} where inviter_id is not null
          union
          select distinct inviter_id as id from ${inviterStats}
        ) x
        where not exists (select 1 from ${users} u where u.id = x.id) and ${skipped}
        limit ${limit}`,
  );
  return rows.map((r) => String(r.id));
}

/** `%` and `_` typed by a user match themselves in a LIKE pattern. */
export function likePrefix(text: string): string {
  return `${text.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

const nameStartsWith = (prefix: string) =>
  sql`(lower(u.username) like ${likePrefix(prefix)} or lower(u.global_name) like ${likePrefix(prefix)})`;

/**
 * Users of this guild whose username or display name starts with `prefix` (case-insensitive), as
 * inviters (who invited someone here) or as members (who joined here). Served by the prefix indexes
 * on users; at most `limit` ids.
 */
export async function findGuildUserIdsByName(
  db: Db,
  guildId: string,
  prefix: string,
  role: 'inviter' | 'member',
  limit = 200,
): Promise<string[]> {
  const inGuild =
    role === 'inviter'
      ? sql`exists (select 1 from ${inviterStats} s where s.guild_id = ${guildId} and s.inviter_id = u.id)`
      : sql`exists (select 1 from ${memberJoins} j where j.guild_id = ${guildId} and j.member_id = u.id)`;
  const rows = await queryRows<{ id: string | bigint }>(
    db,
    sql`select u.id from ${users} u where ${nameStartsWith(prefix)} and ${inGuild} limit ${limit}`,
  );
  return rows.map((r) => String(r.id));
}
