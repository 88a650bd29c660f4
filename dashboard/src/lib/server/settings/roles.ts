/**
 * The guild's roles for the required-role setting, as the bot sees them: each with whether it sits
 * below the bot's highest role (pure; the settings page and the doctor ask Discord).
 */
import type { RoleOption } from './form';

type Role = { id: string; name: string; position: number; color?: number; managed?: boolean };

/** The bot's highest role position (0 when it has only @everyone). */
export function highestPosition(roles: readonly Role[], memberRoleIds: readonly string[]): number {
  return Math.max(0, ...roles.filter((r) => memberRoleIds.includes(r.id)).map((r) => r.position));
}

/** Roles an admin may choose (not @everyone), highest first, each with `belowBot`. */
export function roleOptionsFrom(
  guildId: string,
  roles: readonly Role[],
  botRoleIds: readonly string[],
): RoleOption[] {
  const top = highestPosition(roles, botRoleIds);
  return roles
    .filter((r) => r.id !== guildId)
    .sort((a, b) => b.position - a.position || a.id.localeCompare(b.id))
    .map((r) => ({
      id: r.id,
      name: r.name,
      belowBot: r.position < top,
      color: r.color ?? 0,
      managed: r.managed ?? false,
    }));
}
