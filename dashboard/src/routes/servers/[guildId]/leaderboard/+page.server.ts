/** The guild's invite leaderboard, 25 per page (inviter_stats, maintained by the gateway), and the bonus form. */
import { fail } from '@sveltejs/kit';
import { countLeaderboard, getLeaderboard } from '$db/queries/leaderboard';
import { getUsers, displayName } from '$db/queries/users';
import { managedGuild } from '$lib/server/guilds/guard';
import { newBonusRequestId, submitBonus } from '$lib/server/leaderboard/bonus';
import { leaderboardView } from '$lib/server/leaderboard/view';
import type { Actions, PageServerLoad } from './$types';

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
};
