/** Guild overview: recent joins, top inviters, the permission doctor, recent dashboard changes. */
import { listAudit } from '$db/queries/audit';
import { getGuild } from '$db/queries/guilds';
import { recentJoinSummary } from '$db/queries/history';
import { getLeaderboard } from '$db/queries/leaderboard';
import { failedRoleChanges, getRewardTiers } from '$db/queries/reward-roles';
import { getGuildSettings } from '$db/queries/settings';
import { displayName, getUsers } from '$db/queries/users';
import { getConfig } from '$lib/server/config';
import { getBotApi } from '$lib/server/discord/bot-api';
import { hasProblems } from '$lib/server/guilds/doctor';
import { diagnoseGuild } from '$lib/server/guilds/diagnosis';
import { managedGuild } from '$lib/server/guilds/guard';
import { leaderboardView } from '$lib/server/leaderboard/view';
import type { PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ locals }) => {
  const guildId = managedGuild(locals).id;
  const db = locals.db;
  const [guild, settings, summary, top, audit, tiers, failedRoles] = await Promise.all([
    getGuild(db, guildId),
    getGuildSettings(db, guildId),
    recentJoinSummary(db, guildId, { days: 7 }),
    getLeaderboard(db, guildId, { limit: 5 }),
    listAudit(db, guildId, { limit: 8 }),
    getRewardTiers(db, guildId),
    failedRoleChanges(db, guildId, 1),
  ]);
  const present = guild !== null && guild.removedAt === null;
  const doctor = present
    ? await diagnoseGuild(
        getBotApi(getConfig()),
        { id: guildId, ownerId: guild.ownerId, botPermissions: guild.botPermissions },
        settings.logChannelId,
        settings.requiredRoleId,
        {
          tierRoleIds: tiers.map((t) => t.roleId),
          failed: failedRoles.count,
          lastError: failedRoles.latest[0]?.error ?? null,
        },
      )
    : null;
  const actors = await getUsers(
    db,
    audit.map((a) => a.actorId),
  );
  return {
    summary,
    settings: {
      logChannelId: settings.logChannelId,
      dmInviter: settings.dmInviter,
      xpPerInvite: settings.xpPerInvite,
      locale: settings.locale,
    },
    top: top.map(leaderboardView),
    doctor: doctor ? { ...doctor, problems: hasProblems(doctor.checks) } : null,
    audit: audit.map((a) => ({
      id: a.id,
      action: a.action,
      actor: displayName(actors.get(a.actorId), a.actorId),
      at: a.createdAt.toISOString(),
      details: a.details,
    })),
  };
};
