/** Codes excluded from the invite log, DMs and XP. Joins through them are still recorded. */
import { and, asc, eq, inArray } from 'drizzle-orm';
import type { Db } from '../client';
import { excludedCodes } from '../schema';

/** Discord invite codes: letters, digits and dashes (vanity codes included). */
export const INVITE_CODE_PATTERN = /^[A-Za-z0-9-]{2,32}$/;

export async function excludedAmong(
  db: Db,
  guildId: string,
  codes: readonly string[],
): Promise<Set<string>> {
  if (codes.length === 0) return new Set();
  const rows = await db
    .select({ code: excludedCodes.code })
    .from(excludedCodes)
    .where(and(eq(excludedCodes.guildId, guildId), inArray(excludedCodes.code, [...codes])));
  return new Set(rows.map((r) => r.code));
}

export async function listExcludedCodes(db: Db, guildId: string) {
  return db
    .select()
    .from(excludedCodes)
    .where(eq(excludedCodes.guildId, guildId))
    .orderBy(asc(excludedCodes.code));
}

export async function excludeCode(
  db: Db,
  guildId: string,
  code: string,
  actorId: string | null,
): Promise<void> {
  if (!INVITE_CODE_PATTERN.test(code)) throw new RangeError(`not an invite code: ${code}`);
  await db
    .insert(excludedCodes)
    .values({ guildId, code, createdBy: actorId })
    .onConflictDoNothing();
}

export async function includeCode(db: Db, guildId: string, code: string): Promise<void> {
  await db
    .delete(excludedCodes)
    .where(and(eq(excludedCodes.guildId, guildId), eq(excludedCodes.code, code)));
}
