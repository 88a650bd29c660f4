/** The guild's invite leaderboard, 25 per page (inviter_stats, maintained by the gateway). */
import { countLeaderboard, getLeaderboard } from '$db/queries/leaderboard';
import { managedGuild } from '$lib/server/guilds/guard';
import { leaderboardView } from '$lib/server/leaderboard/view';
import type { PageServerLoad } from './$types';

const PAGE_SIZE = 25;

export const load: PageServerLoad = async ({ locals, url }) => {
  const guildId = managedGuild(locals).id;
  const db = locals.db;
  const total = await countLeaderboard(db, guildId);
  const pages = Math.max(1, Math.ceil(total / PAGE_SIZE));
  const requested = Number(url.searchParams.get('page') ?? '1');
  const page = Number.isInteger(requested) ? Math.min(Math.max(requested, 1), pages) : 1;
  const rows = await getLeaderboard(db, guildId, {
    limit: PAGE_SIZE,
    offset: (page - 1) * PAGE_SIZE,
  });
  return {
    page,
    pages,
    total,
    rows: rows.map(leaderboardView),
  };
};
