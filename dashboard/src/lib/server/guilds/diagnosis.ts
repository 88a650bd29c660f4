/**
 * Gathers what the permission doctor needs from Discord (bot token: roles, the bot's member, the
 * channels) and falls back to the permissions the gateway stored at GUILD_CREATE when Discord
 * cannot be asked.
 */
import type { BotApi } from '../discord/bot-api';
import { basePermissions, channelPermissions, toBits } from '../discord/permissions';
import { roleOptionsFrom } from '../settings/roles';
import { diagnose, type DoctorCheck, type DoctorInput } from './doctor';
import { log } from '../log';

export type GuildForDiagnosis = {
  id: string;
  ownerId: string | null;
  botPermissions: string | null;
};

/** Reward roles for the doctor: the tier role ids and the role changes Discord refused. */
export type RewardRolesForDiagnosis = {
  tierRoleIds: string[];
  failed: number;
  lastError: string | null;
};

export async function diagnoseGuild(
  bot: BotApi,
  guild: GuildForDiagnosis,
  logChannelId: string | null,
  requiredRoleId: string | null = null,
  reward: RewardRolesForDiagnosis | null = null,
): Promise<{ checks: DoctorCheck[]; source: 'discord' | 'stored' | 'none' }> {
  const rewardInput = (roles: NonNullable<DoctorInput['rewardRoles']>['roles']) =>
    reward && reward.tierRoleIds.length > 0
      ? { roles, failed: reward.failed, lastError: reward.lastError }
      : null;
  try {
    const [roles, member, channels, botId] = await Promise.all([
      bot.roles(guild.id),
      bot.botMember(guild.id),
      bot.channels(guild.id),
      bot.botUserId(),
    ]);
    const input = {
      guildId: guild.id,
      ownerId: guild.ownerId,
      userId: botId,
      roles: roles.map((r) => ({ id: r.id, permissions: r.permissions })),
      memberRoleIds: member.roles,
    };
    const base = basePermissions(input);
    let logChannel = null;
    if (logChannelId) {
      const channel = channels.find((c) => c.id === logChannelId);
      logChannel = {
        id: logChannelId,
        found: channel !== undefined,
        name: channel?.name ?? null,
        permissions: channel
          ? channelPermissions(base, {
              guildId: guild.id,
              userId: botId,
              memberRoleIds: member.roles,
              overwrites: channel.overwrites,
            })
          : null,
      };
    }
    let requiredRole = null;
    if (requiredRoleId) {
      const role = roleOptionsFrom(guild.id, roles, member.roles).find(
        (r) => r.id === requiredRoleId,
      );
      requiredRole = {
        found: role !== undefined,
        name: role?.name ?? null,
        belowBot: role?.belowBot ?? null,
      };
    }
    const options = roleOptionsFrom(guild.id, roles, member.roles);
    const tierRoles = (reward?.tierRoleIds ?? []).map((id) => {
      const role = options.find((r) => r.id === id);
      return {
        found: role !== undefined,
        name: role?.name ?? null,
        assignable: role !== undefined && role.belowBot && !role.managed,
      };
    });
    return {
      checks: diagnose({
        guildPermissions: base,
        source: 'discord',
        logChannel,
        requiredRole,
        rewardRoles: rewardInput(tierRoles),
      }),
      source: 'discord',
    };
  } catch (error) {
    log.warn({ err: error, guildId: guild.id }, 'permission doctor: Discord not available');
    const stored = guild.botPermissions === null ? null : toBits(guild.botPermissions);
    return {
      checks: diagnose({
        guildPermissions: stored,
        source: stored === null ? 'none' : 'stored',
        logChannel: logChannelId
          ? { id: logChannelId, found: null, name: null, permissions: null }
          : null,
        requiredRole: requiredRoleId ? { found: null, name: null, belowBot: null } : null,
        rewardRoles: rewardInput(null),
      }),
      source: stored === null ? 'none' : 'stored',
    };
  }
}
