/**
 * Bonus invites: an admin gives (or takes, negative) N invites to a member with a reason, from
 * `/invites bonus` or the dashboard. One transaction stores the entry, recomputes the member's
 * counters (the bonus is part of the total) and records the audit entry; the request id (the
 * interaction's id, or the form's one-time id) makes a replay add nothing.
 */
import { and, desc, eq, sql } from 'drizzle-orm';
import { queryRows, type Db } from '../client';
import { inviteBonus } from '../schema';
import { recordAudit } from './audit';
import { inviterCounts, recomputeInviterStats, type InviterCounts } from './leaderboard';

export type BonusRequest = {
  guildId: string;
  memberId: string;
  /** Checked by checkBonus (db/shared/bonus.ts) before. */
  amount: number;
  reason: string;
  actorId: string;
  requestId: string;
  via: 'command' | 'dashboard';
};

/**
 * Stores the bonus once per request id. `applied` is false when this request was stored before
 * (nothing changes then); `counts` are the member's counters afterwards either way.
 */
export async function giveBonus(
  db: Db,
  request: BonusRequest,
): Promise<{ applied: boolean; counts: InviterCounts }> {
  return db.transaction(async (tx) => {
    const inserted = await queryRows<{ id: number | string }>(
      tx,
      sql`insert into ${inviteBonus} (guild_id, inviter_id, amount, reason, created_by, request_id)
          values (${request.guildId}, ${request.memberId}, ${request.amount}, ${request.reason},
                  ${request.actorId}, ${request.requestId})
          on conflict (guild_id, request_id) do nothing
          returning id`,
    );
    const applied = inserted.length > 0;
    if (applied) {
      await recomputeInviterStats(tx, request.guildId, request.memberId);
      await recordAudit(tx, {
        guildId: request.guildId,
        actorId: request.actorId,
        action: 'bonus.add',
        details: {
          memberId: request.memberId,
          amount: request.amount,
          reason: request.reason,
          via: request.via,
          bonusId: Number(inserted[0]!.id),
        },
      });
    }
    return { applied, counts: await inviterCounts(tx, request.guildId, request.memberId) };
  });
}

/** A member's newest bonus entries (for their page), newest first. */
export async function listBonuses(db: Db, guildId: string, memberId: string, limit = 10) {
  return db
    .select({
      id: inviteBonus.id,
      amount: inviteBonus.amount,
      reason: inviteBonus.reason,
      createdBy: inviteBonus.createdBy,
      createdAt: inviteBonus.createdAt,
    })
    .from(inviteBonus)
    .where(and(eq(inviteBonus.guildId, guildId), eq(inviteBonus.inviterId, memberId)))
    .orderBy(desc(inviteBonus.createdAt), desc(inviteBonus.id))
    .limit(limit);
}
