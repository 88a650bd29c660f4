/** Invite XP: once per (guild, code, member), enforced by invite_rewards' primary key. */
import { isNotNull, sql } from 'drizzle-orm';
import type { Db } from '../client';
import { inviteRewards, memberXp } from '../schema';

export type InviteReward = {
  guildId: string;
  code: string;
  memberId: string;
  inviterId: string;
  joinId: number | null;
  xp: number;
};

/**
 * Records the reward and credits the inviter's XP, unless this member already earned XP through this
 * code (a reward a revision took back does not count: it is given to this join instead). Returns
 * whether XP was awarded. Run it in the transaction that records the join: a concurrent second award
 * waits on the primary key and then does nothing.
 */
export async function awardInviteXp(db: Db, reward: InviteReward): Promise<boolean> {
  const [awarded] = await awardInvitesXp(db, [reward]);
  return awarded!;
}

/**
 * `awardInviteXp` for many rewards in two statements (a burst of revisions): each inviter's XP is
 * credited once with the sum. The rewards must be for distinct (code, member) pairs.
 */
export async function awardInvitesXp(db: Db, rewards: readonly InviteReward[]): Promise<boolean[]> {
  if (rewards.length === 0) return [];
  const inserted = await db
    .insert(inviteRewards)
    .values([...rewards])
    .onConflictDoUpdate({
      target: [inviteRewards.guildId, inviteRewards.code, inviteRewards.memberId],
      set: {
        revokedAt: null,
        joinId: sql`excluded.join_id`,
        inviterId: sql`excluded.inviter_id`,
        xp: sql`excluded.xp`,
      },
      setWhere: isNotNull(inviteRewards.revokedAt),
    })
    .returning({ code: inviteRewards.code, memberId: inviteRewards.memberId });
  const key = (r: { code: string; memberId: string }) => `${r.code}\u0000${r.memberId}`;
  const done = new Set(inserted.map(key));
  const awarded = rewards.map((r) => done.has(key(r)));
  const credit = new Map<string, { guildId: string; userId: string; xp: number }>();
  for (const [i, r] of rewards.entries()) {
    if (!awarded[i]) continue;
    const at = `${r.guildId}:${r.inviterId}`;
    const sum = credit.get(at);
    if (sum) sum.xp += r.xp;
    else credit.set(at, { guildId: r.guildId, userId: r.inviterId, xp: r.xp });
  }
  if (credit.size > 0) {
    await db
      .insert(memberXp)
      .values([...credit.values()])
      .onConflictDoUpdate({
        target: [memberXp.guildId, memberXp.userId],
        set: { xp: sql`${memberXp.xp} + excluded.xp`, updatedAt: sql`now()` },
      });
  }
  return awarded;
}
