/**
 * Personal invite links: invites the bot created for a member with `/invites link`. Discord names
 * the bot as their inviter; this table names the member, and the decision writer credits joins
 * through such a code to them (attribution itself is unchanged: it is a code like any other).
 */
import { and, desc, eq, inArray } from 'drizzle-orm';
import type { Db } from '../client';
import { personalLinks } from '../schema';

export type PersonalLink = typeof personalLinks.$inferSelect;

export async function recordPersonalLink(
  db: Db,
  link: {
    guildId: string;
    code: string;
    ownerId: string;
    channelId: string;
    maxAge: number;
    maxUses: number;
  },
): Promise<void> {
  await db.insert(personalLinks).values(link).onConflictDoNothing();
}

/** A member's personal links in a guild, newest first. */
export async function personalLinksOf(
  db: Db,
  guildId: string,
  ownerId: string,
): Promise<PersonalLink[]> {
  return db
    .select()
    .from(personalLinks)
    .where(and(eq(personalLinks.guildId, guildId), eq(personalLinks.ownerId, ownerId)))
    .orderBy(desc(personalLinks.createdAt))
    .limit(50);
}

/** The owners of those of `codes` that are personal links (code → owner). */
export async function linkOwners(
  db: Db,
  guildId: string,
  codes: readonly string[],
): Promise<Map<string, string>> {
  const unique = [...new Set(codes)];
  if (unique.length === 0) return new Map();
  const rows = await db
    .select({ code: personalLinks.code, ownerId: personalLinks.ownerId })
    .from(personalLinks)
    .where(and(eq(personalLinks.guildId, guildId), inArray(personalLinks.code, unique)));
  return new Map(rows.map((r) => [r.code, r.ownerId]));
}
