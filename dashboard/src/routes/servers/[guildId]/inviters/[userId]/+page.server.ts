/** One inviter: counters, XP and rank, their codes, joins over time, and their latest joins. */
import { error, fail } from '@sveltejs/kit';
import { listBonuses } from '$db/queries/bonus';
import { joinsPerDay, listJoins } from '$db/queries/history';
import { getInviterSummary, listInviterCodes } from '$db/queries/inviters';
import { displayName, getUsers } from '$db/queries/users';
import { userAvatarUrl } from '$lib/avatar';
import { CHART_RANGES, DEFAULT_RANGE, parseRange, rangeDays } from '$lib/chart';
import { translate } from '$lib/i18n';
import { managedGuild } from '$lib/server/guilds/guard';
import { isUserId } from '$lib/server/history/query';
import { joinView } from '$lib/server/history/view';
import { newBonusRequestId, submitBonus } from '$lib/server/leaderboard/bonus';
import type { Actions, PageServerLoad } from './$types';

const RECENT = 10;

export const load: PageServerLoad = async ({ locals, params, url }) => {
  const guildId = managedGuild(locals).id;
  const db = locals.db;
  const inviterId = params.userId;
  const summary = isUserId(inviterId) ? await getInviterSummary(db, guildId, inviterId) : null;
  if (!summary) error(404, { message: translate(locals.locale, 'inviter.notFound') });
  const range = parseRange(url.searchParams.get('range'));
  const [codes, chart, recent, bonuses] = await Promise.all([
    listInviterCodes(db, guildId, inviterId),
    joinsPerDay(db, guildId, { days: rangeDays(range), top: 5, inviterId }),
    listJoins(db, guildId, { inviterIds: [inviterId] }, { limit: RECENT }),
    listBonuses(db, guildId, inviterId, RECENT),
  ]);
  const admins = await getUsers(
    db,
    bonuses.map((b) => b.createdBy).filter((id): id is string => id !== null),
  );
  return {
    inviter: {
      ...summary,
      name: displayName(
        summary.username === null ? undefined : { ...summary, username: summary.username },
        inviterId,
      ),
      avatarUrl: userAvatarUrl(inviterId, summary.avatar, 128),
    },
    codes: codes.map((c) => ({
      ...c,
      expiresAt: c.expiresAt?.toISOString() ?? null,
      deletedAt: c.deletedAt?.toISOString() ?? null,
    })),
    chart,
    ranges: CHART_RANGES.map((r) => ({
      range: r,
      href: r === DEFAULT_RANGE ? '?' : `?range=${r}`,
      current: r === range,
    })),
    recent: recent.rows.map((r) => joinView(locals.locale, r, { isolateNames: true })),
    historyHref: `/servers/${guildId}/history?inviter=${inviterId}`,
    bonuses: bonuses.map((b) => ({
      id: b.id,
      amount: b.amount,
      reason: b.reason ?? '',
      by: b.createdBy ? displayName(admins.get(b.createdBy), b.createdBy) : '–',
      at: b.createdAt.toISOString(),
    })),
    bonusRequestId: newBonusRequestId(),
  };
};

export const actions: Actions = {
  bonus: async ({ locals, params, request }) => {
    const { id: guildId, user } = managedGuild(locals);
    const inviterId = params.userId;
    if (!isUserId(inviterId)) error(404, { message: translate(locals.locale, 'inviter.notFound') });
    const result = await submitBonus(locals.db, {
      guildId,
      actorId: user.id,
      form: await request.formData(),
      memberId: inviterId,
    });
    if (!result.ok) return fail(400, { bonusErrors: result.errors, bonusValues: result.values });
    return { bonusDone: { applied: result.applied, amount: result.amount, total: result.total } };
  },
};
