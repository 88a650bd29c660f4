/** Guild rows: written by the gateway when it sees a guild, read by the dashboard. */
import { eq, inArray, isNull, and, sql } from 'drizzle-orm';
import type { Db } from '../client';
import { guilds } from '../schema';

export type GuildInfo = {
  id: string;
  name: string;
  icon: string | null;
  ownerId: string | null;
  features: string[];
  botPermissions: string | null;
};

/** Inserts or refreshes a guild the bot is in (clears `removed_at` after a re-add). */
export async function upsertGuild(db: Db, guild: GuildInfo): Promise<void> {
  const values = { ...guild, removedAt: null, updatedAt: sql`now()` };
  await db.insert(guilds).values(values).onConflictDoUpdate({ target: guilds.id, set: values });
}

/**
 * Several guilds at once (a start sees thousands of GUILD_CREATEs within seconds): one statement
 * instead of one per guild. Given twice, the later one wins.
 */
export async function upsertGuilds(db: Db, list: readonly GuildInfo[]): Promise<void> {
  const latest = [...new Map(list.map((g) => [g.id, g])).values()];
  if (latest.length === 0) return;
  await db
    .insert(guilds)
    .values(latest.map((g) => ({ ...g, removedAt: null, updatedAt: sql`now()` })))
    .onConflictDoUpdate({
      target: guilds.id,
      set: {
        name: sql`excluded.name`,
        icon: sql`excluded.icon`,
        ownerId: sql`excluded.owner_id`,
        features: sql`excluded.features`,
        botPermissions: sql`excluded.bot_permissions`,
        removedAt: sql`null`,
        updatedAt: sql`now()`,
      },
    });
}

/** GUILD_UPDATE: the guild's name, icon, owner and features changed (permissions are not in it). */
export async function updateGuildProfile(
  db: Db,
  guild: Pick<GuildInfo, 'id' | 'name' | 'icon' | 'ownerId' | 'features'>,
): Promise<void> {
  const { id, ...profile } = guild;
  await db
    .update(guilds)
    .set({ ...profile, updatedAt: sql`now()` })
    .where(eq(guilds.id, id));
}

/** Marks a guild as left by the bot; its history stays. */
export async function markGuildRemoved(db: Db, guildId: string): Promise<void> {
  await db
    .update(guilds)
    .set({ removedAt: sql`now()`, updatedAt: sql`now()` })
    .where(eq(guilds.id, guildId));
}

/** Of the given ids, those the bot is currently in. */
export async function presentGuildIds(db: Db, ids: readonly string[]): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const rows = await db
    .select({ id: guilds.id })
    .from(guilds)
    .where(and(inArray(guilds.id, [...ids]), isNull(guilds.removedAt)));
  return new Set(rows.map((r) => r.id));
}

/** Serialises changes to one guild within a transaction (row lock on the guild until it ends). */
export async function lockGuild(db: Db, guildId: string): Promise<void> {
  await db.execute(sql`select 1 from ${guilds} where id = ${guildId} for update`);
}

export async function getGuild(db: Db, guildId: string) {
  const [row] = await db.select().from(guilds).where(eq(guilds.id, guildId));
  return row ?? null;
}
