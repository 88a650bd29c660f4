/**
 * The guild's invite leaderboard, 25 per page, by period (7 / 30 days, this season, all time; the
 * counters the gateway keeps) or a past season (counted from the records); the bonus form; season
 * reset and restore with a confirmation step, and whether a reset also resets XP.
 */
import { fail } from '@sveltejs/kit';
import { recordAudit } from '$db/queries/audit';
import { countLeaderboard, getLeaderboard } from '$db/queries/leaderboard';
import { getSeasonLeaderboard, listSeasons } from '$db/queries/seasons';
import { getGuildSettings, updateGuildSettings } from '$db/queries/settings';
import { displayName, getUsers } from '$db/queries/users';
import { LEADERBOARD_PERIODS, parsePeriod } from '$db/shared/periods';
import { managedGuild } from '$lib/server/guilds/guard';
import { newBonusRequestId, submitBonus } from '$lib/server/leaderboard/bonus';
import { changeSeason } from '$lib/server/leaderboard/seasons';
import { leaderboardView } from '$lib/server/leaderboard/view';
import type { Actions, PageServerLoad } from './$types';

const PAGE_SIZE = 25;

export const load: PageServerLoad = async ({ locals, url }) => {
  const guildId = managedGuild(locals).id;
  const db = locals.db;
  const seasons = await listSeasons(db, guildId);
  const current = seasons.at(-1)!;
  const seasonParam = Number(url.searchParams.get('season'));
  const past =
    Number.isInteger(seasonParam) && seasonParam >= 1 && seasonParam < current.number
      ? seasons[seasonParam - 1]!
      : null;
  const period = past ? 'season' : parsePeriod(url.searchParams.get('period'));
  const requested = Number(url.searchParams.get('page') ?? '1');
  const wanted = Number.isInteger(requested) ? Math.max(requested, 1) : 1;
  let total: number;
  let rows;
  let page = wanted;
  if (past) {
    const first = await getSeasonLeaderboard(db, guildId, past, {
      limit: PAGE_SIZE,
      offset: (wanted - 1) * PAGE_SIZE,
    });
    ({ total, rows } = first);
    if (rows.length === 0 && wanted > 1) {
      page = 1;
      ({ total, rows } = await getSeasonLeaderboard(db, guildId, past, { limit: PAGE_SIZE }));
    }
  } else {
    total = await countLeaderboard(db, guildId, { period });
    page = Math.min(wanted, Math.max(1, Math.ceil(total / PAGE_SIZE)));
    rows = await getLeaderboard(db, guildId, {
      limit: PAGE_SIZE,
      offset: (page - 1) * PAGE_SIZE,
      period,
    });
  }
  const confirm = url.searchParams.get('confirm');
  const query = (extra: Record<string, string>) => {
    const params = new URLSearchParams({
      ...(past ? { season: String(past.number) } : period !== 'season' ? { period } : {}),
      ...extra,
    });
    return `?${params}`;
  };
  return {
    page,
    pages: Math.max(1, Math.ceil(total / PAGE_SIZE)),
    total,
    rows: rows.map(leaderboardView),
    period,
    periods: LEADERBOARD_PERIODS.map((p) => ({
      period: p,
      href: p === 'season' ? '?' : `?period=${p}`,
      current: !past && p === period,
    })),
    seasons: seasons.map((s) => ({
      number: s.number,
      startedAt: s.startedAt?.toISOString() ?? null,
      endedAt: s.endedAt?.toISOString() ?? null,
      current: s.current,
    })),
    season: current.number,
    viewing: past ? past.number : null,
    prevHref: page > 1 ? query({ page: String(page - 1) }) : null,
    nextHref:
      rows.length === PAGE_SIZE && page * PAGE_SIZE < total
        ? query({ page: String(page + 1) })
        : null,
    confirm: past ? null : confirm === 'reset' || confirm === 'restore' ? confirm : null,
    seasonResetsXp: (await getGuildSettings(db, guildId)).seasonResetsXp,
    bonusRequestId: newBonusRequestId(),
  };
};

export const actions: Actions = {
  bonus: async ({ locals, request }) => {
    const { id: guildId, user } = managedGuild(locals);
    const result = await submitBonus(locals.db, {
      guildId,
      actorId: user.id,
      form: await request.formData(),
    });
    if (!result.ok) return fail(400, { bonusErrors: result.errors, bonusValues: result.values });
    const name = displayName(
      (await getUsers(locals.db, [result.memberId])).get(result.memberId),
      result.memberId,
    );
    return {
      bonusDone: { applied: result.applied, name, amount: result.amount, total: result.total },
    };
  },
  reset: async ({ locals, request }) => {
    const { id: guildId, user } = managedGuild(locals);
    const form = await request.formData();
    const result = await changeSeason(locals.db, {
      guildId,
      actorId: user.id,
      form,
      action: 'reset',
    });
    if (!result.ok) return fail(400, { seasonError: result.error });
    return { seasonDone: result.done, seasonNumber: result.season };
  },
  restore: async ({ locals, request }) => {
    const { id: guildId, user } = managedGuild(locals);
    const form = await request.formData();
    const result = await changeSeason(locals.db, {
      guildId,
      actorId: user.id,
      form,
      action: 'restore',
    });
    if (!result.ok) return fail(400, { seasonError: result.error });
    return { seasonDone: result.done, seasonNumber: result.season };
  },
  seasonXp: async ({ locals, request }) => {
    const { id: guildId, user } = managedGuild(locals);
    const value = (await request.formData()).get('seasonResetsXp');
    if (value !== 'reset' && value !== 'keep')
      return fail(400, { seasonError: 'season.error.xp' as const });
    const db = locals.db;
    const before = (await getGuildSettings(db, guildId)).seasonResetsXp;
    const to = value === 'reset';
    if (before !== to) {
      await db.transaction(async (tx) => {
        await updateGuildSettings(tx, guildId, { seasonResetsXp: to }, user.id);
        await recordAudit(tx, {
          guildId,
          actorId: user.id,
          action: 'settings.update',
          details: { seasonResetsXp: { from: before, to } },
        });
      });
    }
    return { seasonDone: 'season.done.xp' as const, seasonNumber: null };
  },
};
