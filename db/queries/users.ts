/** Discord users we have seen (members, inviters, dashboard logins): names for display without REST calls. */
import { inArray, sql } from 'drizzle-orm';
import type { Db } from '../client';
import { users } from '../schema';

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
