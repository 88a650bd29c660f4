/**
 * The permission doctor (pure): from the bot's permissions in a guild and in its log channel, which
 * of the permissions the invite tracker needs are missing. The page turns each check into a
 * localized line with what to fix.
 */
import { PermissionFlagsBits as P } from 'discord-api-types/v10';
import { hasPermission } from '../discord/permissions';

export type DoctorInput = {
  /** The bot's guild-level permissions; null when unknown (Discord unreachable, nothing stored). */
  guildPermissions: bigint | null;
  /** Where the guild permissions come from: live from Discord, or stored by the gateway at GUILD_CREATE. */
  source: 'discord' | 'stored' | 'none';
  /** The configured log channel; null when the invite log is off. */
  logChannel: {
    id: string;
    /** null: unknown (no channel list from Discord). */
    found: boolean | null;
    name: string | null;
    /** The bot's permissions in it; null when unknown. */
    permissions: bigint | null;
  } | null;
  /** Fair play's required role, when one is set: whether the bot sees it and it is below the bot's. */
  requiredRole?: { found: boolean | null; name: string | null; belowBot: boolean | null } | null;
  /**
   * Reward roles, when tiers are set: each tier role as the bot sees it (null: unknown) and the
   * role changes Discord refused (recorded by the gateway as final failures).
   */
  rewardRoles?: {
    roles: { found: boolean; name: string | null; assignable: boolean }[] | null;
    failed: number;
    lastError: string | null;
  } | null;
};

export type DoctorCheckId =
  | 'manage_guild'
  | 'manage_channels'
  | 'view_audit_log'
  | 'log_channel'
  | 'required_role'
  | 'reward_roles';
export type DoctorStatus =
  'ok' | 'missing' | 'unknown' | 'off' | 'gone' | 'no_view' | 'no_send' | 'above' | 'failed';
export type DoctorCheck = {
  id: DoctorCheckId;
  status: DoctorStatus;
  /** Required checks make the doctor report a problem; the audit-log one is a recommendation. */
  required: boolean;
  channelName?: string | null;
  roleName?: string | null;
  /** reward_roles `failed`: how many role changes Discord refused, and its last answer. */
  failed?: number;
  error?: string | null;
};

function guildCheck(id: DoctorCheckId, bit: bigint, perms: bigint | null, required: boolean) {
  const status: DoctorStatus =
    perms === null ? 'unknown' : hasPermission(perms, bit) ? 'ok' : 'missing';
  return { id, status, required } satisfies DoctorCheck;
}

export function diagnose(input: DoctorInput): DoctorCheck[] {
  const checks: DoctorCheck[] = [
    guildCheck('manage_guild', P.ManageGuild, input.guildPermissions, true),
    guildCheck('manage_channels', P.ManageChannels, input.guildPermissions, true),
    guildCheck('view_audit_log', P.ViewAuditLog, input.guildPermissions, false),
  ];
  const channel = input.logChannel;
  let status: DoctorStatus;
  if (channel === null) status = 'off';
  else if (channel.found === false) status = 'gone';
  else if (channel.permissions === null) status = 'unknown';
  else if (!hasPermission(channel.permissions, P.ViewChannel)) status = 'no_view';
  else if (!hasPermission(channel.permissions, P.SendMessages)) status = 'no_send';
  else status = 'ok';
  checks.push({ id: 'log_channel', status, required: true, channelName: channel?.name ?? null });
  // Fair play's required role (only when set): the bot must see it (member updates carry it) and
  // it must be below the bot's highest role. Manage Roles is not needed: the bot never assigns it.
  const role = input.requiredRole;
  if (role) {
    const roleStatus: DoctorStatus =
      role.found === null
        ? 'unknown'
        : !role.found
          ? 'gone'
          : role.belowBot === false
            ? 'above'
            : 'ok';
    checks.push({ id: 'required_role', status: roleStatus, required: true, roleName: role.name });
  }
  // Reward roles (only with tiers): Manage Roles, every tier role assignable (below the bot's
  // highest role, not managed by an integration), and no change Discord refused.
  const reward = input.rewardRoles;
  if (reward) {
    const perms = input.guildPermissions;
    const gone = reward.roles?.find((r) => !r.found);
    const above = reward.roles?.find((r) => r.found && !r.assignable);
    let rewardStatus: DoctorStatus;
    if (perms !== null && !hasPermission(perms, P.ManageRoles)) rewardStatus = 'missing';
    else if (gone) rewardStatus = 'gone';
    else if (above) rewardStatus = 'above';
    else if (reward.failed > 0) rewardStatus = 'failed';
    else if (perms === null || reward.roles === null) rewardStatus = 'unknown';
    else rewardStatus = 'ok';
    checks.push({
      id: 'reward_roles',
      status: rewardStatus,
      required: true,
      roleName: above?.name ?? null,
      failed: reward.failed,
      error: reward.lastError,
    });
  }
  return checks;
}

/** True when a required check failed (unknown is not counted as a failure). */
export function hasProblems(checks: readonly DoctorCheck[]): boolean {
  return checks.some(
    (c) => c.required && c.status !== 'ok' && c.status !== 'unknown' && c.status !== 'off',
  );
}
