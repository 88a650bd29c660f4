/**
 * Seasons: "reset" starts a new season, "restore" undoes the newest reset. Nothing is deleted:
 * a season is a start time (`seasons`), the counters in `inviter_stats` count only joins and bonus
 * entries since the current season's start, and a restore marks the newest season undone, after
 * which the counters are recomputed for the season before — exactly the leaderboard it had (plus
 * what happened since). XP is kept, or (per guild setting, chosen at the reset) starts from zero
 * through a per-member baseline (`season_xp`); `member_xp` is never lowered.
 *
 * Seasons are numbered among those not undone: 1 is the one that began with the records.
 *
 * Reward roles follow the current season's totals, so a reset or restore (everyone's counts change
 * at once) starts "sync roles" over from the first inviter, in the same transaction.
 */
import { and, asc, eq, isNull, sql } from 'drizzle-orm';
import { queryRows, type Db } from '../client';
import { memberXp, periodWindows, seasons, seasonXp, users } from '../schema';
import { recordAudit } from './audit';
import { bounds, countersQuery, rebuildCountersIn, type LeaderboardRow } from './leaderboard';
import { getRewardTiers, startRoleSync } from './reward-roles';

export type Season = {
  number: number;
  /** null for season 1, which began with the records. */
  id: number | null;
  startedAt: Date | null;
  /** null for the current season. */
  endedAt: Date | null;
  xpReset: boolean;
  current: boolean;
};

export class SeasonError extends Error {
  override name = 'SeasonError';
}

/** The guild's seasons, oldest first (at least season 1). */
export async function listSeasons(db: Db, guildId: string): Promise<Season[]> {
  const rows = await db
    .select()
    .from(seasons)
    .where(and(eq(seasons.guildId, guildId), isNull(seasons.undoneAt)))
    .orderBy(asc(seasons.startedAt), asc(seasons.id));
  const list: Season[] = [
    { number: 1, id: null, startedAt: null, endedAt: null, xpReset: false, current: true },
  ];
  for (const row of rows) {
    list.at(-1)!.endedAt = row.startedAt;
    list.at(-1)!.current = false;
    list.push({
      number: list.length + 1,
      id: row.id,
      startedAt: row.startedAt,
      endedAt: null,
      xpReset: row.xpReset,
      current: true,
    });
  }
  return list;
}

/** Serialises resets and restores of one guild with every counter recompute (the window rows' lock). */
async function lockGuildCounters(db: Db, guildId: string): Promise<void> {
  await db.execute(sql`insert into ${periodWindows} (guild_id, period, since)
    values (${guildId}, '7d', 'infinity'), (${guildId}, '30d', 'infinity') on conflict do nothing`);
  await db.execute(sql`select 1 from ${periodWindows} where guild_id = ${guildId} for update`);
}

/** The counts of every inviter changed: their reward roles are re-applied (only if there are tiers). */
async function resyncRewardRoles(db: Db, guildId: string, actorId: string): Promise<void> {
  if ((await getRewardTiers(db, guildId)).length === 0) return;
  await startRoleSync(db, guildId, actorId, { restart: true });
}

/**
 * Starts a new season at `now`: the counters start from zero (nothing deleted), XP too when
 * `resetXp`. Audited. Returns the new season's number.
 */
export async function startSeason(
  db: Db,
  input: { guildId: string; actorId: string; resetXp: boolean; now: Date },
): Promise<{ number: number; inviters: number }> {
  return db.transaction(async (tx) => {
    await lockGuildCounters(tx, input.guildId);
    const before = await listSeasons(tx, input.guildId);
    const last = before.at(-1)!;
    if (last.startedAt && last.startedAt.getTime() >= input.now.getTime()) {
      throw new SeasonError('a season cannot start before the current one');
    }
    const [season] = await tx
      .insert(seasons)
      .values({
        guildId: input.guildId,
        startedAt: input.now,
        xpReset: input.resetXp,
        startedBy: input.actorId,
      })
      .returning({ id: seasons.id });
    if (input.resetXp) {
      await tx.execute(sql`insert into ${seasonXp} (season_id, user_id, xp)
        select ${season!.id}, user_id, xp from ${memberXp}
        where guild_id = ${input.guildId} and xp <> 0`);
    }
    const inviters = await rebuildCountersIn(tx, input.guildId);
    await resyncRewardRoles(tx, input.guildId, input.actorId);
    const number = before.length + 1;
    await recordAudit(tx, {
      guildId: input.guildId,
      actorId: input.actorId,
      action: 'season.reset',
      details: { season: number, seasonId: season!.id, resetXp: input.resetXp },
    });
    return { number, inviters };
  });
}

/**
 * Undoes the newest reset: that season is marked undone and the one before is current again, its
 * counters recomputed from the records. Audited. Throws SeasonError in the first season.
 */
export async function restoreSeason(
  db: Db,
  input: { guildId: string; actorId: string; now: Date },
): Promise<{ number: number; inviters: number }> {
  return db.transaction(async (tx) => {
    await lockGuildCounters(tx, input.guildId);
    const list = await listSeasons(tx, input.guildId);
    const current = list.at(-1)!;
    if (current.id === null) throw new SeasonError('there is no reset to undo');
    await tx
      .update(seasons)
      .set({ undoneAt: input.now, undoneBy: input.actorId })
      .where(eq(seasons.id, current.id));
    const inviters = await rebuildCountersIn(tx, input.guildId);
    await resyncRewardRoles(tx, input.guildId, input.actorId);
    await recordAudit(tx, {
      guildId: input.guildId,
      actorId: input.actorId,
      action: 'season.restore',
      details: { undone: current.number, seasonId: current.id, season: current.number - 1 },
    });
    return { number: current.number - 1, inviters };
  });
}

/**
 * A past season's leaderboard, counted from the records for its time span (joins and bonus
 * entries from its start to the next season's). XP is not shown for past seasons (0).
 */
export async function getSeasonLeaderboard(
  db: Db,
  guildId: string,
  season: Pick<Season, 'startedAt' | 'endedAt'>,
  { limit = 25, offset = 0 }: { limit?: number; offset?: number } = {},
): Promise<{ rows: LeaderboardRow[]; total: number }> {
  const g = sql`guild_id = ${guildId}`;
  const b = bounds(season.startedAt, season.endedAt);
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
    n: number;
    username: string | null;
    global_name: string | null;
    avatar: string | null;
  }>(
    db,
    sql`with c as (${countersQuery(sql`${g} and ${b.joins}`, sql`${g} and ${b.bonus}`)}),
             ranked as (select c.*, rank() over (order by invites desc)::int as rank,
                               count(*) over ()::int as n
                        from c where invites > 0)
        select r.*, u.username, u.global_name, u.avatar
        from ranked r left join ${users} u on u.id = r.inviter_id
        order by r.invites desc, r.inviter_id
        limit ${limit} offset ${offset}`,
  );
  return {
    total: Number(rows[0]?.n ?? 0),
    rows: rows.map((r) => ({
      rank: Number(r.rank),
      inviterId: String(r.inviter_id),
      invites: r.invites,
      regular: r.regular,
      leaves: r.leaves,
      fake: r.fake,
      bonus: r.bonus,
      pending: r.pending,
      joins: r.joins,
      xp: 0,
      username: r.username,
      globalName: r.global_name,
      avatar: r.avatar,
    })),
  };
}
