/** Discord permission arithmetic (pure): guild-level from roles, channel-level with overwrites. */
import { PermissionFlagsBits as P } from 'discord-api-types/v10';

export { P as PermissionBits };

export const ALL_PERMISSIONS = Object.values(P).reduce((all, bit) => all | bit, 0n);

export function hasPermission(perms: bigint, bit: bigint): boolean {
  return (perms & P.Administrator) === P.Administrator || (perms & bit) === bit;
}

export function toBits(value: string | null | undefined): bigint {
  return value && /^\d+$/.test(value) ? BigInt(value) : 0n;
}

export type RoleInfo = { id: string; permissions: string };
export type OverwriteInfo = { id: string; type: number; allow: string; deny: string };

/** A member's guild-level permissions: owner or ADMINISTRATOR = all; else @everyone | member roles. */
export function basePermissions(input: {
  guildId: string;
  ownerId: string | null;
  userId: string;
  roles: readonly RoleInfo[];
  memberRoleIds: readonly string[];
}): bigint {
  if (input.ownerId !== null && input.ownerId === input.userId) return ALL_PERMISSIONS;
  const byId = new Map(input.roles.map((r) => [r.id, toBits(r.permissions)]));
  let perms = byId.get(input.guildId) ?? 0n; // @everyone has the guild's id
  for (const id of input.memberRoleIds) perms |= byId.get(id) ?? 0n;
  return perms & P.Administrator ? ALL_PERMISSIONS : perms;
}

/** Permissions in a channel: @everyone overwrite, then role overwrites together, then the member's own. */
export function channelPermissions(
  base: bigint,
  input: {
    guildId: string;
    userId: string;
    memberRoleIds: readonly string[];
    overwrites: readonly OverwriteInfo[];
  },
): bigint {
  if (base & P.Administrator) return ALL_PERMISSIONS;
  let perms = base;
  const everyone = input.overwrites.find((o) => o.id === input.guildId);
  if (everyone) perms = (perms & ~toBits(everyone.deny)) | toBits(everyone.allow);
  let allow = 0n;
  let deny = 0n;
  for (const o of input.overwrites) {
    if (o.type === 0 && o.id !== input.guildId && input.memberRoleIds.includes(o.id)) {
      allow |= toBits(o.allow);
      deny |= toBits(o.deny);
    }
  }
  perms = (perms & ~deny) | allow;
  const own = input.overwrites.find((o) => o.type === 1 && o.id === input.userId);
  if (own) perms = (perms & ~toBits(own.deny)) | toBits(own.allow);
  return perms & P.ViewChannel ? perms : 0n;
}
