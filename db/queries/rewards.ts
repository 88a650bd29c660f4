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
  const inserted = await db
    .insert(inviteRewards)
    .values(reward)
    .onConflictDoUpdate({
      target: [inviteRewards.guildId, inviteRewards.code, inviteRewards.memberId],
      set: {
        revokedAt: null,
        joinId: reward.joinId,
        inviterId: reward.inviterId,
        xp: reward.xp,
      },
      setWhere: isNotNull(inviteRewards.revokedAt),
    })
    .returning({ code: inviteRewards.code });
  if (inserted.length === 0) return false;
  await db
    .insert(memberXp)
    .values({ guildId: reward.guildId, userId: reward.inviterId, xp: reward.xp })
    .onConflictDoUpdate({
      target: [memberXp.guildId, memberXp.userId],
      set: { xp: sql`${memberXp.xp} + ${reward.xp}`, updatedAt: sql`now()` },
    });
  return true;
}
