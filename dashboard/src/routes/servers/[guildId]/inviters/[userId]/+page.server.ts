/** One inviter: counters, XP and rank, their codes, joins over time, and their latest joins. */
import { error } from '@sveltejs/kit';
import { joinsPerDay, listJoins } from '$db/queries/history';
import { getInviterSummary, listInviterCodes } from '$db/queries/inviters';
import { displayName } from '$db/queries/users';
import { userAvatarUrl } from '$lib/avatar';
import { CHART_RANGES, DEFAULT_RANGE, parseRange, rangeDays } from '$lib/chart';
import { translate } from '$lib/i18n';
import { managedGuild } from '$lib/server/guilds/guard';
import { isUserId } from '$lib/server/history/query';
import { joinView } from '$lib/server/history/view';
import type { PageServerLoad } from './$types';

const RECENT = 10;

export const load: PageServerLoad = async ({ locals, params, url }) => {
  const guildId = managedGuild(locals).id;
  const db = locals.db;
  const inviterId = params.userId;
  const summary = isUserId(inviterId) ? await getInviterSummary(db, guildId, inviterId) : null;
  if (!summary) error(404, { message: translate(locals.locale, 'inviter.notFound') });
  const range = parseRange(url.searchParams.get('range'));
  const [codes, chart, recent] = await Promise.all([
    listInviterCodes(db, guildId, inviterId),
    joinsPerDay(db, guildId, { days: rangeDays(range), top: 5, inviterId }),
    listJoins(db, guildId, { inviterIds: [inviterId] }, { limit: RECENT }),
  ]);
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
  };
};
