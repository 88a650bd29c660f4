/**
 * Who may manage a guild in the dashboard: its owner, or a member with ADMINISTRATOR or
 * MANAGE_GUILD, as Discord reports for the logged-in user (GET /users/@me/guilds with their token).
 * Page loads may use the list cached per session for at most GUILD_CACHE_SECONDS (default 120 s);
 * writes and the export ask Discord afresh, so lost rights stop them at once.
 */
import { PermissionFlagsBits as P } from 'discord-api-types/v10';
import { fetchUserGuilds, type UserGuild } from '../discord/user-api';

/** Pure: the permission decision for one guild entry from Discord. */
export function canManageGuild(guild: Pick<UserGuild, 'owner' | 'permissions'>): boolean {
  if (guild.owner) return true;
  if (!/^\d+$/.test(guild.permissions)) return false;
  const perms = BigInt(guild.permissions);
  return (perms & P.Administrator) !== 0n || (perms & P.ManageGuild) !== 0n;
}

type CacheEntry = { at: number; guilds: Promise<UserGuild[]> };
const cache = new Map<string, CacheEntry>();
const MAX_ENTRIES = 10_000;

/**
 * The user's guilds, cached per session for `ttlSeconds`; `fresh` asks Discord even when the cache
 * holds the list, and keeps the answer for later reads. Throws DiscordAuthError / DiscordUnavailableError.
 */
export function userGuilds(
  session: { id: string; discordToken: string },
  options: { apiBase: string; ttlSeconds: number; fresh?: boolean; now?: number },
): Promise<UserGuild[]> {
  const now = options.now ?? Date.now();
  const hit = cache.get(session.id);
  if (hit && !options.fresh && now - hit.at < options.ttlSeconds * 1000) return hit.guilds;
  const guilds = fetchUserGuilds(options.apiBase, session.discordToken);
  cache.set(session.id, { at: now, guilds });
  guilds.catch(() => {
    if (cache.get(session.id)?.guilds === guilds) cache.delete(session.id);
  });
  if (cache.size > MAX_ENTRIES) {
    const oldest = cache.keys().next().value;
    if (oldest !== undefined) cache.delete(oldest);
  }
  return guilds;
}

export function forgetUserGuilds(sessionId: string): void {
  cache.delete(sessionId);
}

export type GuildAccess = { guild: UserGuild | null; canManage: boolean };

export function accessFor(guilds: readonly UserGuild[], guildId: string): GuildAccess {
  const guild = guilds.find((g) => g.id === guildId) ?? null;
  return { guild, canManage: guild !== null && canManageGuild(guild) };
}
