/**
 * Inviter counters and the leaderboard.
 *
 * `inviter_stats` is derived from `member_joins` and recomputed per inviter whenever one of their
 * joins changes (attributed, left, resolved). Recomputing instead of incrementing means a replayed
 * or repaired event can never make the counters drift; it touches only that inviter's joins.
 */
import { and, asc, desc, eq, gt, sql } from 'drizzle-orm';
import type { Db } from '../client';
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
};

// Qualified by hand: Drizzle leaves columns unqualified in single-table selects, and inside this
// subquery an unqualified `invites` would mean `above.invites`.
const rankExpr = sql<number>`(
  select count(*)::int + 1 from ${inviterStats} above
  where above.guild_id = "inviter_stats"."guild_id" and above.invites > "inviter_stats"."invites"
)`;

/**
 * One page of the leaderboard: inviters with at least one invite, most invites first, ties in inviter
 * id order. Served by `inviter_stats_rank_idx`; the rank subquery scans only the rows above each one.
 */
export async function getLeaderboard(
  db: Db,
  guildId: string,
  { limit = 10, offset = 0 }: { limit?: number; offset?: number } = {},
): Promise<LeaderboardRow[]> {
  const rows = await db
    .select({
      rank: rankExpr,
      inviterId: inviterStats.inviterId,
      invites: inviterStats.invites,
      leaves: inviterStats.leaves,
      joins: inviterStats.joins,
      xp: sql<number>`coalesce(${memberXp.xp}, 0)`,
      username: users.username,
      globalName: users.globalName,
    })
    .from(inviterStats)
    .leftJoin(
      memberXp,
      and(eq(memberXp.guildId, inviterStats.guildId), eq(memberXp.userId, inviterStats.inviterId)),
    )
    .leftJoin(users, eq(users.id, inviterStats.inviterId))
    .where(and(eq(inviterStats.guildId, guildId), gt(inviterStats.invites, 0)))
    .orderBy(desc(inviterStats.invites), asc(inviterStats.inviterId))
    .limit(limit)
    .offset(offset);
  return rows.map((r) => ({ ...r, rank: Number(r.rank), xp: Number(r.xp) }));
}

/** One inviter's standing (for "your rank" under the top list); null when they have no invites. */
export async function getInviterStanding(
  db: Db,
  guildId: string,
  inviterId: string,
): Promise<Omit<LeaderboardRow, 'username' | 'globalName'> | null> {
  const [row] = await db
    .select({
      rank: rankExpr,
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
