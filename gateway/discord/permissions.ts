/** Guild-level permissions of a member, computed from roles as Discord does. Pure. */

export const Permission = {
  Administrator: 1n << 3n,
  ManageChannels: 1n << 4n,
  ManageGuild: 1n << 5n,
  ViewAuditLog: 1n << 7n,
  ViewChannel: 1n << 10n,
  SendMessages: 1n << 11n,
  EmbedLinks: 1n << 14n,
} as const;

const ALL = (1n << 64n) - 1n;

/**
 * @everyone's permissions (role id = guild id) OR the member's roles; the owner and administrators
 * have everything. Channel overwrites are not applied: this is the guild level.
 */
export function guildPermissions(input: {
  guildId: string;
  ownerId: string | null;
  memberId: string;
  memberRoleIds: readonly string[];
  roles: readonly { id: string; permissions: string }[];
}): bigint {
  if (input.ownerId === input.memberId) return ALL;
  const byId = new Map(input.roles.map((r) => [r.id, BigInt(r.permissions)]));
  let permissions = byId.get(input.guildId) ?? 0n;
  for (const roleId of input.memberRoleIds) permissions |= byId.get(roleId) ?? 0n;
  return (permissions & Permission.Administrator) !== 0n ? ALL : permissions;
}

export function has(permissions: bigint, flag: bigint): boolean {
  return (permissions & flag) === flag;
}
