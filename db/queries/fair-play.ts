/**
 * Fair play in the database: releasing rewards that waited (minimum stay, required role) exactly
 * once, noting the required role, an admin clearing a fake mark, and the bonus store. A reward moves `pending → released` only
 * through the guarded UPDATE below: whichever transaction flips the row pays the XP; a second one
 * (another process, a retry after a crash) finds nothing to flip.
 */
import { and, eq, isNull, sql, type SQL } from 'drizzle-orm';
import { queryRows, type Db } from '../client';
import { guildSettings, inviteBonus, memberJoins, type RewardStatus } from '../schema';
import { rewardDueAt, rewardReleasable, rewardWaits } from '../shared/fair-play';
import { onShards, rewardInviter } from './joins';
import { recomputeInviterStats } from './leaderboard';
import { DEFAULT_XP_PER_INVITE, type GuildSettings } from './settings';

export type ReleasedReward = {
  joinId: number;
  guildId: string;
  memberId: string;
  inviterId: string;
  xpAwarded: number;
};

/** A pending reward whose time has come: due, member still here, role there when one is required. */
const releasable = (now: Date) => sql`
  j.reward_status = 'pending' and j.left_at is null and j.reward_due_at <= ${now.toISOString()}::timestamptz
  and (j.role_seen_at is not null
       or (select s.required_role_id from ${guildSettings} s where s.guild_id = j.guild_id) is null)`;

/**
 * Claims up to `limit` releasable rewards (rows locked by another claimer are skipped, not waited
 * for) and pays them in one transaction: XP under the once-only rules, the join's xp_awarded, the
 * inviter's counters. `where` narrows the scan (shards, or one member).
 */
async function release(db: Db, now: Date, where: SQL, limit: number): Promise<ReleasedReward[]> {
  return db.transaction(async (tx) => {
    const claimed = await queryRows<{
      id: number | string;
      guild_id: string | bigint;
      member_id: string | bigint;
      inviter_id: string | bigint;
      code: string | null;
      excluded: boolean;
      joined_at: string | Date;
    }>(
      tx,
      sql`update ${memberJoins} set reward_status = 'released'
          where id in (select j.id from ${memberJoins} j
                       where ${releasable(now)} and ${where}
                       order by j.reward_due_at limit ${limit}
                       for update skip locked)
            and reward_status = 'pending'
          returning id, guild_id, member_id, inviter_id, code, excluded, joined_at`,
    );
    const released: ReleasedReward[] = [];
    const xpOf = new Map<string, number>();
    for (const row of claimed) {
      const guildId = String(row.guild_id);
      if (!xpOf.has(guildId)) {
        const [s] = await tx
          .select({ xp: guildSettings.xpPerInvite })
          .from(guildSettings)
          .where(eq(guildSettings.guildId, guildId));
        xpOf.set(guildId, s?.xp ?? DEFAULT_XP_PER_INVITE);
      }
      const join = {
        joinId: Number(row.id),
        guildId,
        memberId: String(row.member_id),
        inviterId: String(row.inviter_id),
      };
      const xpAwarded = await rewardInviter(tx, {
        ...join,
        joinedAt: new Date(row.joined_at),
        code: row.code,
        excluded: row.excluded,
        xpPerInvite: xpOf.get(guildId)!,
      });
      if (xpAwarded > 0) {
        await tx.update(memberJoins).set({ xpAwarded }).where(eq(memberJoins.id, join.joinId));
      }
      await recomputeInviterStats(tx, guildId, join.inviterId);
      released.push({ ...join, xpAwarded });
    }
    return released;
  });
}

/** The reward timer's step: releases the due rewards of these shards' guilds. */
export function releaseDueRewards(
  db: Db,
  now: Date,
  shards: { shardCount: number; shardIds: readonly number[] },
  limit = 200,
): Promise<ReleasedReward[]> {
  return release(db, now, onShards(sql`j.guild_id`, shards.shardCount, shards.shardIds), limit);
}

/**
 * GUILD_MEMBER_UPDATE: when the member now has the guild's required role, notes it on their open
 * join (once) and releases the reward at once if the minimum stay is over too. One statement when
 * the role is not the required one or no role is required.
 */
export async function memberRolesChanged(
  db: Db,
  guildId: string,
  memberId: string,
  roles: readonly string[],
  now: Date,
): Promise<ReleasedReward[]> {
  if (roles.length === 0) return [];
  const noted = await db
    .update(memberJoins)
    .set({ roleSeenAt: now })
    .where(
      and(
        eq(memberJoins.guildId, guildId),
        eq(memberJoins.memberId, memberId),
        isNull(memberJoins.leftAt),
        isNull(memberJoins.roleSeenAt),
        sql`exists (select 1 from ${guildSettings} s where s.guild_id = ${guildId}
                    and s.required_role_id in (${sql.join(
                      roles.map((r) => sql`${r}`),
                      sql`, `,
                    )}))`,
      ),
    )
    .returning({ rewardStatus: memberJoins.rewardStatus });
  if (!noted.some((r) => r.rewardStatus === 'pending')) return [];
  return release(db, now, sql`j.guild_id = ${guildId} and j.member_id = ${memberId}`, 10);
}

/** Stores a bonus (positive or negative) for an inviter and updates their counters. */
export async function addInviteBonus(
  db: Db,
  bonus: {
    guildId: string;
    inviterId: string;
    amount: number;
    reason: string | null;
    createdBy: string | null;
  },
): Promise<void> {
  await db.transaction(async (tx) => {
    await tx.insert(inviteBonus).values(bonus);
    await recomputeInviterStats(tx, bonus.guildId, bonus.inviterId);
  });
}

export class ClearFakeError extends Error {
  override name = 'ClearFakeError';
}

/**
 * An admin clears the fake mark of one join: it counts as regular from now on (its flags stay on
 * record), and its reward follows the same rules as at the decision: it waits when the guild asks
 * for a minimum stay or a role, or is paid at once under the once-only rules. Run it in the
 * transaction that records the audit entry. Returns the XP given now.
 */
export async function clearFake(
  db: Db,
  input: { guildId: string; joinId: number; settings: GuildSettings; now: Date },
): Promise<{ xpAwarded: number; rewardStatus: RewardStatus | null }> {
  const [join] = await db
    .select()
    .from(memberJoins)
    .where(and(eq(memberJoins.id, input.joinId), eq(memberJoins.guildId, input.guildId)))
    .for('update');
  if (!join) throw new ClearFakeError('join not found in this server');
  if (!join.fake) throw new ClearFakeError('this join is not marked as fake');
  const { settings } = input;
  const qualifies =
    join.outcome === 'exact' && join.inviterId !== null && join.inviterId !== join.memberId;
  let rewardStatus: RewardStatus | null = null;
  let dueAt: Date | null = null;
  let xpAwarded = 0;
  if (qualifies) {
    const waits = rewardWaits(settings);
    dueAt = waits ? rewardDueAt(join.joinedAt, settings) : null;
    if (waits && join.leftAt !== null) rewardStatus = 'forfeited';
    else if (waits && !rewardReleasable({ ...join, rewardDueAt: dueAt }, settings, input.now)) {
      rewardStatus = 'pending';
    } else {
      rewardStatus = 'released';
      xpAwarded = await rewardInviter(db, {
        joinId: join.id,
        guildId: join.guildId,
        memberId: join.memberId,
        joinedAt: join.joinedAt,
        code: join.code,
        inviterId: join.inviterId!,
        excluded: join.excluded,
        xpPerInvite: settings.xpPerInvite,
      });
    }
  }
  await db
    .update(memberJoins)
    .set({ fake: false, rewardStatus, rewardDueAt: dueAt, xpAwarded: join.xpAwarded + xpAwarded })
    .where(eq(memberJoins.id, join.id));
  if (join.inviterId) await recomputeInviterStats(db, join.guildId, join.inviterId);
  return { xpAwarded, rewardStatus };
}
