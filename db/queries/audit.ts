/** The dashboard's audit trail: who changed which setting, excluded which code, resolved which join. */
import { and, desc, eq } from 'drizzle-orm';
import type { Db } from '../client';
import { dashboardAudit, type AuditAction } from '../schema';

export type AuditEntry = {
  guildId: string;
  actorId: string;
  action: AuditAction;
  details: Record<string, unknown>;
};

export async function recordAudit(db: Db, entry: AuditEntry): Promise<void> {
  await db.insert(dashboardAudit).values(entry);
}

/** When the guild's newest entry of `action` was recorded, or null. */
export async function lastAuditAt(
  db: Db,
  guildId: string,
  action: AuditAction,
): Promise<Date | null> {
  const [row] = await db
    .select({ at: dashboardAudit.createdAt })
    .from(dashboardAudit)
    .where(and(eq(dashboardAudit.guildId, guildId), eq(dashboardAudit.action, action)))
    .orderBy(desc(dashboardAudit.createdAt))
    .limit(1);
  return row?.at ?? null;
}

/** The newest entries of a guild, newest first (optionally of one action). */
export async function listAudit(
  db: Db,
  guildId: string,
  options: { limit?: number; action?: AuditAction } = {},
) {
  return db
    .select()
    .from(dashboardAudit)
    .where(
      and(
        eq(dashboardAudit.guildId, guildId),
        options.action ? eq(dashboardAudit.action, options.action) : undefined,
      ),
    )
    .orderBy(desc(dashboardAudit.createdAt), desc(dashboardAudit.id))
    .limit(options.limit ?? 20);
}
