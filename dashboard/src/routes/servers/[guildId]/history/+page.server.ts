/** Join history: filters, keyset pages, capped count, joins per day for the top codes. */
import type { Db } from '$db/client';
import {
  countJoins,
  getJoin,
  HISTORY_FLAGS,
  HISTORY_OUTCOMES,
  listJoins,
} from '$db/queries/history';
import { resolutionOf } from '$lib/server/history/resolution';
import { CHART_RANGES, DEFAULT_RANGE, parseRange } from '$lib/chart';
import { cachedJoinsPerDay } from '$lib/server/history/chart-cache';
import { managedGuild } from '$lib/server/guilds/guard';
import { historyFilter } from '$lib/server/history/filter';
import { historySearch, parseHistoryQuery } from '$lib/server/history/query';
import { joinView } from '$lib/server/history/view';
import type { PageServerLoad } from './$types';

const PAGE_SIZE = 50;

/** After "Assign": the join the admin just resolved (`?resolved=id`), with what was assigned. */
async function justResolved(db: Db, guildId: string, raw: string | null) {
  if (!raw || !/^\d{1,15}$/.test(raw)) return null;
  const row = await getJoin(db, guildId, Number(raw));
  return row ? resolutionOf(db, row) : null;
}

export const load: PageServerLoad = async ({ locals, url }) => {
  const guildId = managedGuild(locals).id;
  const db = locals.db;
  const query = parseHistoryQuery(url.searchParams);
  const range = parseRange(url.searchParams.get('range'));
  const filter = await historyFilter(db, guildId, query);
  const [page, count, chart] = await Promise.all([
    listJoins(db, guildId, filter, {
      limit: PAGE_SIZE,
      before: query.before,
      after: query.after,
    }),
    countJoins(db, guildId, filter),
    cachedJoinsPerDay(db, guildId, range),
  ]);
  const filterValues = {
    outcome: query.outcome,
    flag: query.flag,
    code: query.code,
    inviter: query.inviter,
    member: query.member,
  };
  return {
    outcomes: HISTORY_OUTCOMES,
    flags: HISTORY_FLAGS,
    filter: filterValues,
    invalid: query.invalid,
    rows: page.rows.map((r) => joinView(locals.locale, r, { isolateNames: true })),
    count,
    olderHref: page.older ? historySearch(filterValues, { before: page.older }) : null,
    newerHref: page.newer ? historySearch(filterValues, { after: page.newer }) : null,
    exportHref: `/servers/${guildId}/history/export${historySearch(filterValues)}`,
    chart,
    ranges: CHART_RANGES.map((r) => ({
      range: r,
      href: historySearch(filterValues, { range: r === DEFAULT_RANGE ? null : r }),
      current: r === range,
    })),
    resolution: await justResolved(db, guildId, url.searchParams.get('resolved')),
  };
};
