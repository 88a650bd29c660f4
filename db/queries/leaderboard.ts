/**
 * Inviter counters and the leaderboard, per period.
 *
 * Periods: the current season (`inviter_stats`, the total shown everywhere), all time and the
 * rolling 7 and 30 days (`inviter_period_stats`). Each counts only the joins and bonus entries
 * inside it. Rolling windows move once a UTC day: the first reader of a new day rebuilds that
 * period's counters for the guild (`ensurePeriodWindow`), under the window row's lock.
 *
 * `inviter_stats` is derived from `member_joins` (and `invite_bonus`) and recomputed per inviter in
 * the transaction that changed one of their joins (decided, revised, left, reward released, fake
 * cleared, resolved). Recomputing instead of incrementing means a replayed or repaired event can
 * never make the counters drift; `rebuildInviterStats` recomputes a whole guild from the records
 * with the same expressions, and a property test holds the two equal.
 */
import { and, eq, sql, type SQL } from 'drizzle-orm';
import { queryRows, type Db } from '../client';
import {
  inviteBonus,
  inviterPeriodStats,
  inviterStats,
  memberJoins,
  memberXp,
  periodWindows,
  seasons,
  seasonXp,
  users,
  type StatPeriod,
} from '../schema';
import {
  isRolling,
  windowStart,
  type LeaderboardPeriod,
  type RollingPeriod,
} from '../shared/periods';
import { applyRewardRoles } from './reward-roles';

/**
 * The counters of every (guild, inviter) the filter selects, as a query over the records. A
 * member's join counts only while it is attributed to the inviter and is not a self-invite.
 * regular: present and not waiting for its reward; fake: present and flagged fake; pending:
 * present and waiting; leaves: ended; total = regular + bonus − fake.
 */
export function countersQuery(joinsWhere: SQL, bonusWhere: SQL): SQL {
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

/** Joins and bonus entries from `since` (and before `until`); null: unbounded. */
export function bounds(since: Date | null, until: Date | null = null): { joins: SQL; bonus: SQL } {
  const at = (column: string) =>
    sql.join(
      [
        sql`true`,
        ...(since ? [sql`${sql.raw(column)} >= ${since.toISOString()}::timestamptz`] : []),
        ...(until ? [sql`${sql.raw(column)} < ${until.toISOString()}::timestamptz`] : []),
      ],
      sql` and `,
    );
  return { joins: at('joined_at'), bonus: at('created_at') };
}

const PERIOD_COLUMNS = sql`(guild_id, period, inviter_id, invites, regular, leaves, fake, bonus, pending, joins, updated_at)`;
const PERIOD_UPSERT_TAIL = sql`
    on conflict (guild_id, period, inviter_id) do update
      set invites = excluded.invites, regular = excluded.regular, leaves = excluded.leaves,
          fake = excluded.fake, bonus = excluded.bonus, pending = excluded.pending,
          joins = excluded.joins, updated_at = excluded.updated_at`;

/** "Not built yet": a window row that exists to be locked (see period_windows). */
const UNBUILT = 'infinity';

function isBuilt(since: string | Date): boolean {
  if (since instanceof Date) return Number.isFinite(since.getTime());
  return since !== UNBUILT;
}

/** The start of the guild's current season, or null in its first season (all records count). */
export async function seasonStart(db: Db, guildId: string): Promise<Date | null> {
  const [row] = await queryRows<{ at: string | Date | null }>(
    db,
    sql`select max(started_at) as at from ${seasons} where guild_id = ${guildId} and undone_at is null`,
  );
  return row?.at ? new Date(row.at) : null;
}

/**
 * The guild's rolling windows, locked in share mode for the rest of the transaction: a window
 * rebuild (or a season reset) waits for this transaction, and this one waits for theirs, so a
 * recompute never writes counters of an old window or season. Creates the rows when missing.
 */
async function lockWindows(db: Db, guildId: string): Promise<Map<RollingPeriod, Date | null>> {
  const read = () =>
    queryRows<{ period: RollingPeriod; since: string | Date }>(
      db,
      sql`select period, since from ${periodWindows} where guild_id = ${guildId}
          order by period for share`,
    );
  let rows = await read();
  if (rows.length < 2) {
    await db.execute(sql`insert into ${periodWindows} (guild_id, period, since)
      values (${guildId}, '7d', ${UNBUILT}), (${guildId}, '30d', ${UNBUILT})
      on conflict do nothing`);
    rows = await read();
  }
  return new Map(rows.map((r) => [r.period, isBuilt(r.since) ? new Date(r.since) : null]));
}

async function upsertPeriod(
  db: Db,
  guildId: string,
  inviterId: string,
  period: StatPeriod,
  since: Date | null,
): Promise<void> {
  const where = sql`guild_id = ${guildId} and inviter_id = ${inviterId}`;
  const b = bounds(since);
  await db.execute(sql`
    insert into ${inviterPeriodStats} ${PERIOD_COLUMNS}
    select ${guildId}, ${period}, ${inviterId}, coalesce(c.invites, 0), coalesce(c.regular, 0),
           coalesce(c.leaves, 0), coalesce(c.fake, 0), coalesce(c.bonus, 0),
           coalesce(c.pending, 0), coalesce(c.joins, 0), now()
    from (select 1) one
    left join (${countersQuery(sql`${where} and ${b.joins}`, sql`${where} and ${b.bonus}`)}) c on true
    ${PERIOD_UPSERT_TAIL}`);
}

/**
 * Recomputes one inviter's counters from their joins and bonus entries: the current season's, all
 * time and the rolling windows; then their reward roles from the new season total (queued in the
 * outbox in the same transaction). Call in the transaction that changed a join.
 */
export async function recomputeInviterStats(
  db: Db,
  guildId: string,
  inviterId: string,
): Promise<void> {
  const windows = await lockWindows(db, guildId);
  const since = await seasonStart(db, guildId);
  const where = sql`guild_id = ${guildId} and inviter_id = ${inviterId}`;
  const season = bounds(since);
  // An inviter who lost every join keeps a row of zeros (the recompute must overwrite the old one).
  await db.execute(sql`
    insert into ${inviterStats} ${COLUMNS}
    select ${guildId}, ${inviterId}, coalesce(c.invites, 0), coalesce(c.regular, 0),
           coalesce(c.leaves, 0), coalesce(c.fake, 0), coalesce(c.bonus, 0),
           coalesce(c.pending, 0), coalesce(c.joins, 0), now()
    from (select 1) one
    left join (${countersQuery(sql`${where} and ${season.joins}`, sql`${where} and ${season.bonus}`)}) c on true
    ${UPSERT_TAIL}`);
  if (since === null) {
    // First season: all time is the season (no second pass over the inviter's joins).
    await db.execute(sql`
      insert into ${inviterPeriodStats} ${PERIOD_COLUMNS}
      select guild_id, 'all', inviter_id, invites, regular, leaves, fake, bonus, pending, joins, now()
      from ${inviterStats} where ${where}
      ${PERIOD_UPSERT_TAIL}`);
  } else {
    await upsertPeriod(db, guildId, inviterId, 'all', null);
  }
  for (const [period, windowSince] of windows) {
    if (windowSince) await upsertPeriod(db, guildId, inviterId, period, windowSince);
  }
  // Tiers follow the current season's total, i.e. what inviter_stats now holds.
  await applyRewardRoles(db, guildId, inviterId);
}

/** Rebuilds one period's counters of a guild from the records (season rows of inviters without any become zeros). */
async function rebuildPeriod(
  db: Db,
  guildId: string,
  period: 'season' | StatPeriod,
  since: Date | null,
): Promise<number> {
  const g = sql`guild_id = ${guildId}`;
  const b = bounds(since);
  const counters = countersQuery(sql`${g} and ${b.joins}`, sql`${g} and ${b.bonus}`);
  if (period === 'season') {
    await db
      .update(inviterStats)
      .set({ invites: 0, regular: 0, leaves: 0, fake: 0, bonus: 0, pending: 0, joins: 0 })
      .where(eq(inviterStats.guildId, guildId));
    const rows = await queryRows<{ inviter_id: string }>(
      db,
      sql`insert into ${inviterStats} ${COLUMNS} ${counters} ${UPSERT_TAIL} returning inviter_id`,
    );
    return rows.length;
  }
  await db.execute(
    sql`delete from ${inviterPeriodStats} where guild_id = ${guildId} and period = ${period}`,
  );
  const rows = await queryRows<{ inviter_id: string }>(
    db,
    sql`insert into ${inviterPeriodStats} ${PERIOD_COLUMNS}
        select c.guild_id, ${period}, c.inviter_id, c.invites, c.regular, c.leaves, c.fake,
               c.bonus, c.pending, c.joins, now()
        from (${counters}) c
        returning inviter_id`,
  );
  return rows.length;
}

/**
 * Rebuilds the current season's and the all-time counters of a guild for its current season
 * start; the rolling windows are marked unbuilt (their next reader rebuilds them). Run it in a
 * transaction (season resets and restores do, after changing `seasons`). Returns how many
 * inviters the season has.
 */
export async function rebuildCountersIn(db: Db, guildId: string): Promise<number> {
  await lockWindows(db, guildId);
  await db.execute(sql`select 1 from ${periodWindows} where guild_id = ${guildId} for update`);
  await db.execute(
    sql`update ${periodWindows} set since = ${UNBUILT}, updated_at = now() where guild_id = ${guildId}`,
  );
  await db.execute(
    sql`delete from ${inviterPeriodStats} where guild_id = ${guildId} and period in ('7d', '30d')`,
  );
  const written = await rebuildPeriod(db, guildId, 'season', await seasonStart(db, guildId));
  await rebuildPeriod(db, guildId, 'all', null);
  return written;
}

/**
 * The repair: rebuilds every counter of a guild from `member_joins` and `invite_bonus` (rows of
 * inviters without any join or bonus become zeros). Returns how many inviters it wrote.
 */
export async function rebuildInviterStats(db: Db, guildId: string): Promise<number> {
  return db.transaction((tx) => rebuildCountersIn(tx, guildId));
}

/**
 * Moves a rolling period's window to `now`'s day when it is not there yet: rebuilds the guild's
 * counters of that period (once per guild, period and day) under the window row's lock. A window
 * never moves back (a process whose clock is behind).
 */
export async function ensurePeriodWindow(
  db: Db,
  guildId: string,
  period: RollingPeriod,
  now: Date,
): Promise<void> {
  const since = windowStart(period, now);
  const upToDate = (row: { since: string | Date } | undefined) =>
    row !== undefined && isBuilt(row.since) && new Date(row.since).getTime() >= since.getTime();
  const select = sql`select since from ${periodWindows} where guild_id = ${guildId} and period = ${period}`;
  if (upToDate((await queryRows<{ since: string | Date }>(db, select))[0])) return;
  await db.transaction(async (tx) => {
    await lockWindows(tx, guildId); // creates the rows when missing
    const [locked] = await queryRows<{ since: string | Date }>(tx, sql`${select} for update`);
    if (upToDate(locked)) return;
    await rebuildPeriod(tx, guildId, period, since);
    await tx.execute(sql`update ${periodWindows} set since = ${since.toISOString()}::timestamptz,
      updated_at = now() where guild_id = ${guildId} and period = ${period}`);
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

/** The counters rows of one period of a guild, as a subquery (each served by its rank index). */
function periodRows(guildId: string, period: LeaderboardPeriod): SQL {
  return period === 'season'
    ? sql`(select * from ${inviterStats} where guild_id = ${guildId})`
    : sql`(select * from ${inviterPeriodStats} where guild_id = ${guildId} and period = ${period})`;
}

/**
 * The XP shown for a member: their balance, less their balance when the latest season that reset
 * XP began (nothing is taken from `member_xp`, so undoing that season shows the balance again).
 */
export function shownXp(guildId: string, userId: SQL): SQL {
  return sql`(coalesce((select x.xp from ${memberXp} x
                        where x.guild_id = ${guildId} and x.user_id = ${userId}), 0)
            - coalesce((select sx.xp from ${seasonXp} sx
                        where sx.user_id = ${userId} and sx.season_id = (
                          select s.id from ${seasons} s
                          where s.guild_id = ${guildId} and s.undone_at is null and s.xp_reset
                          order by s.started_at desc limit 1)), 0))::int`;
}

export type PeriodOptions = { period?: LeaderboardPeriod; now?: Date };

/** Brings a rolling period's counters to today's window first (a no-op read on most calls). */
async function ready(db: Db, guildId: string, { period = 'season', now }: PeriodOptions) {
  if (isRolling(period)) await ensurePeriodWindow(db, guildId, period, now ?? new Date());
  return period;
}

/**
 * One page of a period's leaderboard: inviters with at least one invite, most invites first, ties
 * in inviter id order. The page is read from the period's rank index first; the rank (rows with
 * more invites, plus one) is then computed only for the rows returned, not for those the offset skips.
 */
export async function getLeaderboard(
  db: Db,
  guildId: string,
  options: { limit?: number; offset?: number } & PeriodOptions = {},
): Promise<LeaderboardRow[]> {
  const { limit = 10, offset = 0 } = options;
  const period = await ready(db, guildId, options);
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
    sql`select (select count(*)::int + 1 from ${periodRows(guildId, period)} above
               where above.invites > page.invites) as rank,
               page.inviter_id, page.invites, page.regular, page.leaves, page.fake,
               page.bonus, page.pending, page.joins,
               ${shownXp(guildId, sql`page.inviter_id`)} as xp, u.username, u.global_name, u.avatar
        from (select * from ${periodRows(guildId, period)} p
              where p.invites > 0
              order by p.invites desc, p.inviter_id
              limit ${limit} offset ${offset}) page
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

/** One inviter's standing in a period (for "your rank" under the top list); null when they have no invites. */
export async function getInviterStanding(
  db: Db,
  guildId: string,
  inviterId: string,
  options: PeriodOptions = {},
): Promise<Omit<LeaderboardRow, 'username' | 'globalName' | 'avatar'> | null> {
  const period = await ready(db, guildId, options);
  const [row] = await queryRows<{
    rank: number;
    invites: number;
    regular: number;
    leaves: number;
    fake: number;
    bonus: number;
    pending: number;
    joins: number;
    xp: number;
  }>(
    db,
    sql`select (select count(*)::int + 1 from ${periodRows(guildId, period)} above
               where above.invites > me.invites) as rank,
               me.invites, me.regular, me.leaves, me.fake, me.bonus, me.pending, me.joins,
               ${shownXp(guildId, sql`me.inviter_id`)} as xp
        from ${periodRows(guildId, period)} me where me.inviter_id = ${inviterId}`,
  );
  if (!row || row.invites <= 0) return null;
  return { ...row, inviterId, rank: Number(row.rank), xp: Number(row.xp) };
}

/** How many inviters are on a period's leaderboard (for pagination). */
export async function countLeaderboard(
  db: Db,
  guildId: string,
  options: PeriodOptions = {},
): Promise<number> {
  const period = await ready(db, guildId, options);
  const [row] = await queryRows<{ n: number }>(
    db,
    sql`select count(*)::int as n from ${periodRows(guildId, period)} p where p.invites > 0`,
  );
  return Number(row?.n ?? 0);
}
