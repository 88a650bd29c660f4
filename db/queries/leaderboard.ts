/**
 * Inviter counters and the leaderboard.
 *
 * `inviter_stats` is derived from `member_joins` (and `invite_bonus`) and recomputed per inviter in
 * the transaction that changed one of their joins (decided, revised, left, reward released, fake
 * cleared, resolved). Recomputing instead of incrementing means a replayed or repaired event can
 * never make the counters drift; `rebuildInviterStats` recomputes a whole guild from the records
 * with the same expressions, and a property test holds the two equal.
 */
import { and, eq, gt, sql, type SQL } from 'drizzle-orm';
import { queryRows, type Db } from '../client';
import { inviteBonus, inviterStats, memberJoins, memberXp, users } from '../schema';
import { applyRewardRoles } from './reward-roles';

/**
 * The counters of every (guild, inviter) the filter selects, as a query over the records. A
 * member's join counts only while it is attributed to the inviter and is not a self-invite.
 * regular: present and not waiting for its reward; fake: present and flagged fake; pending:
 * present and waiting; leaves: ended; total = regular + bonus − fake.
 */
function countersQuery(joinsWhere: SQL, bonusWhere: SQL): SQL {
  return sql`
    with j as (
      select guild_id, inviter_id,
             count(distinct member_id) filter (
               where left_at is null and reward_status is distinct from 'pending') as regular,
             count(distinct member_id) filter (where left_at is null and fake) as fake,
             count(*) filter (where left_at is null and reward_status = 'pending') as pending,
             count(*) filter (where left_at is not null) as leaves,
             count(*) as joins
      from ${memberJoins}
      where inviter_id is not null and member_id <> inviter_id and ${joinsWhere}
      group by guild_id, inviter_id),
    b as (
      select guild_id, inviter_id, sum(amount) as bonus
      from ${inviteBonus} where ${bonusWhere}
      group by guild_id, inviter_id)
    select coalesce(j.guild_id, b.guild_id) as guild_id,
           coalesce(j.inviter_id, b.inviter_id) as inviter_id,
           (coalesce(j.regular, 0) + coalesce(b.bonus, 0) - coalesce(j.fake, 0))::int as invites,
           coalesce(j.regular, 0)::int as regular, coalesce(j.leaves, 0)::int as leaves,
           coalesce(j.fake, 0)::int as fake, coalesce(b.bonus, 0)::int as bonus,
           coalesce(j.pending, 0)::int as pending, coalesce(j.joins, 0)::int as joins, now()
    from j full join b on b.guild_id = j.guild_id and b.inviter_id = j.inviter_id`;
}

const UPSERT_TAIL = sql`
    on conflict (guild_id, inviter_id) do update
      set invites = excluded.invites, regular = excluded.regular, leaves = excluded.leaves,
          fake = excluded.fake, bonus = excluded.bonus, pending = excluded.pending,
          joins = excluded.joins, updated_at = excluded.updated_at`;

const COLUMNS = sql`(guild_id, inviter_id, invites, regular, leaves, fake, bonus, pending, joins, updated_at)`;

/**
 * Recomputes one inviter's counters from their joins, then their reward roles from the new total
 * (queued in the outbox in the same transaction). Call in the transaction that changed a join.
 */
export async function recomputeInviterStats(
  db: Db,
  guildId: string,
  inviterId: string,
): Promise<void> {
  const joins = sql`guild_id = ${guildId} and inviter_id = ${inviterId}`;
  // An inviter who lost every join keeps a row of zeros (the recompute must overwrite the old one).
  await db.execute(sql`
    insert into ${inviterStats} ${COLUMNS}
    select ${guildId}, ${inviterId}, coalesce(c.invites, 0), coalesce(c.regular, 0),
           coalesce(c.leaves, 0), coalesce(c.fake, 0), coalesce(c.bonus, 0),
           coalesce(c.pending, 0), coalesce(c.joins, 0), now()
    from (select 1) one left join (${countersQuery(joins, joins)}) c on true
    ${UPSERT_TAIL}`);
  await applyRewardRoles(db, guildId, inviterId);
}

/**
 * The repair: rebuilds every counter of a guild from `member_joins` and `invite_bonus` (rows of
 * inviters without any join or bonus become zeros). Returns how many inviters it wrote.
 */
export async function rebuildInviterStats(db: Db, guildId: string): Promise<number> {
  return db.transaction(async (tx) => {
    await tx
      .update(inviterStats)
      .set({ invites: 0, regular: 0, leaves: 0, fake: 0, bonus: 0, pending: 0, joins: 0 })
      .where(eq(inviterStats.guildId, guildId));
    const where = sql`guild_id = ${guildId}`;
    const rows = await queryRows<{ inviter_id: string }>(
      tx,
      sql`insert into ${inviterStats} ${COLUMNS} ${countersQuery(where, where)} ${UPSERT_TAIL}
          returning inviter_id`,
    );
    return rows.length;
  });
}

/** One inviter's counters (zeros when they have none). */
export type InviterCounts = {
  total: number;
  regular: number;
  left: number;
  fake: number;
  bonus: number;
  pending: number;
};

export const NO_COUNTS: InviterCounts = {
  total: 0,
  regular: 0,
  left: 0,
  fake: 0,
  bonus: 0,
  pending: 0,
};

export async function inviterCounts(
  db: Db,
  guildId: string,
  inviterId: string,
): Promise<InviterCounts> {
  const [row] = await db
    .select({
      total: inviterStats.invites,
      regular: inviterStats.regular,
      left: inviterStats.leaves,
      fake: inviterStats.fake,
      bonus: inviterStats.bonus,
      pending: inviterStats.pending,
    })
    .from(inviterStats)
    .where(and(eq(inviterStats.guildId, guildId), eq(inviterStats.inviterId, inviterId)));
  return row ?? NO_COUNTS;
}

export type LeaderboardRow = {
  /** Competition rank: equal invite counts share a rank (1, 2, 2, 4). */
  rank: number;
  inviterId: string;
  /** The total: regular + bonus − fake. */
  invites: number;
  /** Members attributed to this inviter who are still in the server and not waiting for the reward. */
  regular: number;
  /** Attributed joins that ended ("left"). */
  leaves: number;
  fake: number;
  bonus: number;
  /** Members still waiting for the reward (minimum stay, required role). */
  pending: number;
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
    regular: number;
    leaves: number;
    fake: number;
    bonus: number;
    pending: number;
    joins: number;
    xp: number;
    username: string | null;
    global_name: string | null;
    avatar: string | null;
  }>(
    db,
    sql`select (select count(*)::int + 1 from ${inviterStats} above
               where above.guild_id = page.guild_id and above.invites > page.invites) as rank,
               page.inviter_id, page.invites, page.regular, page.leaves, page.fake,
               page.bonus, page.pending, page.joins,
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
    regular: r.regular,
    leaves: r.leaves,
    fake: r.fake,
    bonus: r.bonus,
    pending: r.pending,
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
      regular: inviterStats.regular,
      leaves: inviterStats.leaves,
      fake: inviterStats.fake,
      bonus: inviterStats.bonus,
      pending: inviterStats.pending,
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
