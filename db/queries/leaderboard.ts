/**
 * Inviter counters and the leaderboard.
 *
 * `inviter_stats` is derived from `member_joins` and recomputed per inviter whenever one of their
 * joins changes (attributed, left, resolved). Recomputing instead of incrementing means a replayed
 * or repaired event can never make the counters drift; it touches only that inviter's joins.
 */
import { and, eq, gt, sql } from 'drizzle-orm';
import { queryRows, type Db } from '../client';
import { inviterStats, memberJoins, memberXp, users } from '../schema';

/** Recomputes one inviter's counters from their joins. Call in the transaction that changed a join. */
export async function recomputeInviterStats(
  db: Db,
  guildId: string,
  inviterId: string,
): Promise<void> {
  await db.execute(sql`
    insert into ${inviterStats} (guild_id, inviter_id, invites, leaves, joins, updated_at)
    select ${guildId}, ${inviterId},
           count(distinct j.member_id) filter (where j.left_at is null),
           count(*) filter (where j.left_at is not null),
           count(*),
           now()
    from ${memberJoins} j
    where j.guild_id = ${guildId} and j.inviter_id = ${inviterId} and j.member_id <> j.inviter_id
    on conflict (guild_id, inviter_id) do update
      set invites = excluded.invites, leaves = excluded.leaves, joins = excluded.joins,
          updated_at = excluded.updated_at`);
}

export type LeaderboardRow = {
  /** Competition rank: equal invite counts share a rank (1, 2, 2, 4). */
  rank: number;
  inviterId: string;
  /** Members attributed to this inviter who are still in the server. */
  invites: number;
  leaves: number;
  joins: number;
  xp: number;
  username: string | null;
  globalName: string | null;
  avatar: string | null;
};

/**
 * One page of the leaderboard: inviters with at least one invite, most invites first, ties in inviter
 * id order. The page is read from `inviter_stats_rank_idx` first; the rank (rows with more invites,
 * plus one) is then computed only for the rows returned, not for those the offset skips.
 */
export async function getLeaderboard(
  db: Db,
  guildId: string,
  { limit = 10, offset = 0 }: { limit?: number; offset?: number } = {},
): Promise<LeaderboardRow[]> {
  const rows = await queryRows<{
    rank: number;
    inviter_id: string | bigint;
    invites: number;
    leaves: number;
    joins: number;
    xp: number;
    username: string | null;
    global_name: string | null;
    avatar: string | null;
  }>(
    db,
    sql`select (select count(*)::int + 1 from ${inviterStats} above
               where above.guild_id = page.guild_id and above.invites > page.invites) as rank,
               page.inviter_id, page.invites, page.leaves, page.joins,
               coalesce(x.xp, 0)::int as xp, u.username, u.global_name, u.avatar
        from (select * from ${inviterStats}
              where guild_id = ${guildId} and invites > 0
              order by invites desc, inviter_id
              limit ${limit} offset ${offset}) page
        left join ${memberXp} x on x.guild_id = page.guild_id and x.user_id = page.inviter_id
        left join ${users} u on u.id = page.inviter_id
        order by page.invites desc, page.inviter_id`,
  );
  return rows.map((r) => ({
    rank: Number(r.rank),
    inviterId: String(r.inviter_id),
    invites: r.invites,
    leaves: r.leaves,
    joins: r.joins,
    xp: Number(r.xp),
    username: r.username,
    globalName: r.global_name,
    avatar: r.avatar,
  }));
}

/** One inviter's standing (for "your rank" under the top list); null when they have no invites. */
export async function getInviterStanding(
  db: Db,
  guildId: string,
  inviterId: string,
): Promise<Omit<LeaderboardRow, 'username' | 'globalName' | 'avatar'> | null> {
  const [row] = await db
    .select({
      // Qualified by hand: Drizzle leaves columns unqualified in single-table selects, and inside
      // this subquery an unqualified `invites` would mean `above.invites`.
      rank: sql<number>`(select count(*)::int + 1 from ${inviterStats} above
        where above.guild_id = "inviter_stats"."guild_id" and above.invites > "inviter_stats"."invites")`,
      inviterId: inviterStats.inviterId,
      invites: inviterStats.invites,
      leaves: inviterStats.leaves,
      joins: inviterStats.joins,
      xp: sql<number>`coalesce((select ${memberXp.xp} from ${memberXp}
        where ${memberXp.guildId} = ${guildId} and ${memberXp.userId} = ${inviterId}), 0)`,
    })
    .from(inviterStats)
    .where(and(eq(inviterStats.guildId, guildId), eq(inviterStats.inviterId, inviterId)));
  if (!row || row.invites === 0) return null;
  return { ...row, rank: Number(row.rank), xp: Number(row.xp) };
}

/** How many inviters are on the leaderboard (for pagination). */
export async function countLeaderboard(db: Db, guildId: string): Promise<number> {
  const [row] = await db
    .select({ n: sql<number>`count(*)::int` })
    .from(inviterStats)
    .where(and(eq(inviterStats.guildId, guildId), gt(inviterStats.invites, 0)));
  return Number(row?.n ?? 0);
}
